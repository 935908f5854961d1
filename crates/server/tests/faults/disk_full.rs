//! The disk full: the data dir on a small tmpfs, filled to the last page.
//! Reports and photos are answered 507 in the API's error shape (never 500,
//! never a receipt for something not stored), the SQLite file stays whole,
//! and once space is freed the client's retries complete.
//!
//! Mounting needs root, which CI has. Elsewhere the test says loudly that it
//! did not run, and fails if `CI` is set.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use tempfile::TempDir;

use kuaibao_server::db::StoreError;

use crate::harness::{
    client, expect_unavailable, files_under, hazard, incident, integrity_check, jpeg, login, verify, within, Env,
    Phone, Rng, Upload, CHUNK,
};

/// A tmpfs mounted on a folder; unmounted when dropped, even by a failing
/// test.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// `None` when this process may not mount (not root).
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "kuaibao-faults"])
            .arg(dir)
            .output()
            .expect("run mount");
        if out.status.success() {
            return Some(Tmpfs { dir: dir.to_owned() });
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!is_root(), "root cannot mount a tmpfs: {stderr}");
        None
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // The server may take a moment to let go of its files.
        for _ in 0..50 {
            if Command::new("umount")
                .arg(&self.dir)
                .status()
                .is_ok_and(|s| s.success())
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Fills the file system of `dir` to the last page: one large file, then
/// 4 KiB files (so that a few pages can be given back later). Returns the
/// small files.
fn fill(dir: &Path) -> Vec<PathBuf> {
    let block = vec![0x5a_u8; 1 << 20];
    let mut large = std::fs::File::create(dir.join("filler")).expect("filler");
    while large.write_all(&block).is_ok() {}
    // Sixteen pages back, to be taken again one file a page.
    let len = large.metadata().expect("filler size").len();
    large
        .set_len(len.saturating_sub(64 * 1024) / 4096 * 4096)
        .expect("shorten the filler");
    let mut pages = Vec::new();
    for n in 0.. {
        let path = dir.join(format!("filler-{n}"));
        let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(&block[..4096]));
        if written.is_err() {
            let _ = std::fs::remove_file(&path);
            break;
        }
        pages.push(path);
    }
    // The last page: whatever fits.
    let _ = std::fs::File::create(dir.join("filler-last")).and_then(|mut f| {
        for _ in 0..4096 {
            f.write_all(&[0])?;
        }
        Ok(())
    });
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_507_keeps_the_database_whole_and_the_retries_complete() {
    let mount_dir = TempDir::new().expect("mount point");
    let Some(_tmpfs) = Tmpfs::mount(mount_dir.path(), "24m") else {
        eprintln!("SKIPPED a_full_disk_answers_507…: mounting a tmpfs needs root (CI runs as root)");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the disk-full test as root"
        );
        return;
    };
    let mut rng = Rng::seeded("a_full_disk");
    let data = mount_dir.path().join("data");
    let env = Env::on(data.clone()).await;
    env.add_accounts().await;
    let mut server = env.start(&[]).await;
    let token = login(&env.base()).await;
    let phone = Phone::new(client(&token, false), env.base());

    server = within(Duration::from_secs(60), "the disk-full test", async {
        // Before: a hazard with one photo arrived and one up to its last chunk.
        // And a hazard whose photo has no upload yet.
        let (p1, p2, p3, p4) = (
            jpeg(&mut rng, 100_000),
            jpeg(&mut rng, 2 * CHUNK + 18_928),
            jpeg(&mut rng, 80_000),
            jpeg(&mut rng, 30_000),
        );
        let a = hazard(&mut rng, &[&p1, &p2]);
        let e = hazard(&mut rng, &[&p4]);
        phone.queue(&a, &[p1.clone(), p2.clone()]);
        phone.queue(&e, std::slice::from_ref(&p4));
        phone.receipt(phone.post(&a).await, StatusCode::CREATED).await;
        phone.receipt(phone.post(&e).await, StatusCode::CREATED).await;
        phone.upload(&a.photos[0], &p1).await;
        let mut u2 = Upload::default();
        let last = 2 * CHUNK;
        phone.upload_to(&a.photos[1], &p2, &mut u2, last as u64).await;
        let l2 = u2.location.clone().expect("upload 2");

        let b = hazard(&mut rng, &[&p3]);
        let c = incident(&mut rng);
        let d = incident(&mut rng);
        phone.queue(&b, std::slice::from_ref(&p3));
        phone.queue(&c, &[]);
        phone.queue(&d, &[]);

        // One more connection to the SQLite file, held while the disk is
        // full, as a backup tool or the duty office's `sqlite3` shell might.
        // Without it the disk does not stay full: when the last connection
        // to a WAL database closes (the pool closes the one whose COMMIT
        // failed), SQLite checkpoints and deletes the WAL and its index,
        // and whether the pool holds other connections then depends on the
        // requests before (sessions, for one, are cached).
        let holder = if env.postgres() {
            None
        } else {
            let pool = kuaibao_server::db::open(
                &kuaibao_server::db::sqlite_url(&data),
                kuaibao_server::db::DEFAULT_BUSY_TIMEOUT,
            )
            .await
            .expect("open the database alongside the server");
            let conn = pool.acquire().await.expect("a connection");
            Some((pool, conn))
        };
        let pages = tokio::task::spawn_blocking({
            let data = data.clone();
            move || fill(&data)
        })
        .await
        .expect("fill");
        assert!(pages.len() >= 8, "the disk filled without 4 KiB pages to give back");

        // Full. SQLite's file is on this disk: reports are refused, 507.
        // PostgreSQL's is not: they are stored, and only photos are refused.
        for report in [&b, &c, &d] {
            let res = phone.post(report).await;
            if env.postgres() {
                phone.receipt(res, StatusCode::CREATED).await;
            } else {
                assert_eq!(expect_unavailable(res).await, StatusCode::INSUFFICIENT_STORAGE);
            }
        }
        let res = phone.patch(&l2, last as u64, &p2[last..]).await;
        assert_eq!(
            expect_unavailable(res).await,
            StatusCode::INSUFFICIENT_STORAGE,
            "the last chunk"
        );
        assert_eq!(phone.offset(&l2).await, last as u64);
        if env.postgres() {
            // Its report is stored: an upload can be made, but not filled.
            let res = phone.create(&b.photos[0]).await;
            assert_eq!(res.status(), StatusCode::CREATED);
            let location = format!(
                "{}{}",
                env.base(),
                res.headers()["location"].to_str().expect("location")
            );
            let res = phone.patch(&location, 0, &p3[..CHUNK]).await;
            assert_eq!(
                expect_unavailable(res).await,
                StatusCode::INSUFFICIENT_STORAGE,
                "a chunk"
            );
            assert_eq!(phone.offset(&location).await, 0);
        } else {
            let res = phone.create(&b.photos[0]).await;
            assert_eq!(
                res.status(),
                StatusCode::NOT_FOUND,
                "b was not stored: its photo is unknown"
            );
            integrity_check(&env).await;
        }
        // An upload cannot even be made where the database is full.
        let res = phone.create(&e.photos[0]).await;
        if env.postgres() {
            assert_eq!(res.status(), StatusCode::CREATED);
        } else {
            assert_eq!(
                expect_unavailable(res).await,
                StatusCode::INSUFFICIENT_STORAGE,
                "a new upload"
            );
        }
        // Reading goes on.
        assert_eq!(phone.arrived(&a).await, 1);

        // Killed and started again on the full disk: it starts, reads, and
        // still refuses what it cannot store.
        server.kill().await;
        server = env.start(&[]).await;
        assert_eq!(phone.arrived(&a).await, 1);
        assert_eq!(phone.offset(&l2).await, last as u64);
        let res = phone.post(&c).await;
        if env.postgres() {
            phone.receipt(res, StatusCode::OK).await;
        } else {
            assert_eq!(
                expect_unavailable(res).await,
                StatusCode::INSUFFICIENT_STORAGE,
                "after the restart"
            );
            integrity_check(&env).await;
        }

        // Eight pages back: room for the last chunk, not for the photo's
        // copy in the store. Still 507, and the photo not arrived.
        for page in &pages[..8] {
            std::fs::remove_file(page).expect("give a page back");
        }
        let res = phone.patch(&l2, last as u64, &p2[last..]).await;
        assert_eq!(
            expect_unavailable(res).await,
            StatusCode::INSUFFICIENT_STORAGE,
            "the last chunk, with no room for the photo"
        );
        assert_eq!(phone.offset(&l2).await, last as u64);
        assert_eq!(phone.arrived(&a).await, 1);

        // Space again: the client's queue completes.
        for path in pages[8..]
            .iter()
            .chain([&data.join("filler"), &data.join("filler-last")])
        {
            let _ = std::fs::remove_file(path);
        }
        if let Some((pool, conn)) = holder {
            drop(conn);
            pool.close().await;
        }
        for report in [&b, &c, &d] {
            let first = if env.postgres() {
                phone.send(report).await
            } else {
                // Never stored before: stored now, for the first time.
                phone.receipt(phone.post(report).await, StatusCode::CREATED).await
            };
            assert_eq!(phone.send(report).await, first);
        }
        u2.offset = None;
        while !phone.upload_step(&a.photos[1], &p2, &mut u2).await {}
        phone.upload(&b.photos[0], &p3).await;
        phone.upload(&e.photos[0], &p4).await;
        verify(&env, &phone).await;
        // Nothing half-written was left behind where photos are kept.
        let stray: Vec<_> = files_under(&data.join("photos"))
            .into_iter()
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.len() != 64))
            .collect();
        assert!(stray.is_empty(), "half-written files among the photos: {stray:?}");
        server
    })
    .await;
    // Gone before the unmount.
    server.kill().await;
}

/// Regression: when a COMMIT finds the disk full, SQLite rolls the
/// transaction back by itself, and sqlx's own rollback then fails, leaving
/// the pooled connection believing it is still in a transaction. Reused, it
/// turned the next transaction into a savepoint that committed nothing while
/// holding the write lock: every other connection was "busy" (503) from then
/// on, and writes on this one were acknowledged but never committed. The
/// pool now closes such a connection instead of reusing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_commit_fails_on_a_full_disk_every_pooled_connection_commits_again() {
    let mount_dir = TempDir::new().expect("mount point");
    let Some(_tmpfs) = Tmpfs::mount(mount_dir.path(), "2m") else {
        eprintln!("SKIPPED after_a_commit_fails_on_a_full_disk…: mounting a tmpfs needs root (CI runs as root)");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the disk-full test as root"
        );
        return;
    };
    let url = kuaibao_server::db::sqlite_url(mount_dir.path());
    let pool = kuaibao_server::db::open(&url, Duration::from_millis(300))
        .await
        .expect("open");
    sqlx::query("CREATE TABLE t (n INTEGER NOT NULL, x BLOB)")
        .execute(&pool)
        .await
        .expect("create");
    let pages = tokio::task::spawn_blocking({
        let dir = mount_dir.path().to_owned();
        move || fill(&dir)
    })
    .await
    .expect("fill");
    // Several transactions, so every connection of the pool meets the full disk.
    for n in 0..8 {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO t VALUES ($1, randomblob(20000))")
            .bind(n)
            .execute(&mut *tx)
            .await
            .expect("the insert fits in memory");
        let err = tx.commit().await.expect_err("the commit finds the disk full");
        assert!(
            matches!(StoreError::from(err), StoreError::Full(_)),
            "a full disk is told as such"
        );
    }
    for path in pages
        .iter()
        .chain([&mount_dir.path().join("filler"), &mount_dir.path().join("filler-last")])
    {
        let _ = std::fs::remove_file(path);
    }
    // Space again: every transaction commits, on whichever connection.
    for n in 100..120 {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO t VALUES ($1, randomblob(100))")
            .bind(n)
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("insert {n} after space came back: {e}"));
        tx.commit()
            .await
            .unwrap_or_else(|e| panic!("commit {n} after space came back: {e}"));
    }
    pool.close().await;
    // Committed means in the file, as another connection reads it.
    let pool = kuaibao_server::db::open(&url, Duration::from_millis(300))
        .await
        .expect("reopen");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t WHERE n >= 100")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(n, 20, "every acknowledged commit is in the file");
    pool.close().await;
}
