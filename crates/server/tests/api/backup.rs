//! `kuaibao-server backup` while reports and photos keep arriving, and
//! `kuaibao-server restore` into a fresh data dir: the restored server
//! answers the same reports, threads and photo bytes, and fsck finds its
//! store clean. On PostgreSQL the database travels by `pg_dump -Fc` (made
//! before the backup) and `pg_restore`, as the README tells operators.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use tokio::sync::Notify;

use super::uploads::XorShift;
use super::*;

/// Reports sent before the backup starts, and while it runs.
const BEFORE: u64 = 60;
const DURING: u64 = 40;

/// `kuaibao-server ARGS…` on the data and database of `dirs`.
fn kuaibao_command(dirs: &Dirs, args: &[&OsStr]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kuaibao-server"));
    command
        .args(args)
        .env("KUAIBAO_DATA_DIR", dirs.data.path())
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("KUAIBAO_OBJECT_STORE");
    if let Some(url) = &dirs.database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

/// Runs `kuaibao-server ARGS…`: its exit success and its stdout and stderr.
async fn kuaibao(dirs: &Dirs, args: &[&OsStr]) -> (bool, String) {
    let out = kuaibao_command(dirs, args).output().await.expect("run kuaibao-server");
    (out.status.success(), text_of(&out))
}

fn text_of(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn arg(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// A PostgreSQL client tool (`pg_dump`, `pg_restore`) of the newest
/// version installed, where Debian puts them (as xtask finds `initdb`).
fn pg_tool(name: &str) -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed under /usr/lib/postgresql")
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let tool = entry.path().join("bin").join(name);
            tool.is_file().then_some((major, tool))
        })
        .collect();
    found.sort();
    found
        .pop()
        .unwrap_or_else(|| panic!("no {name} under /usr/lib/postgresql/*/bin"))
        .1
}

/// `pg_dump -Fc` of the database at `url` into `file`.
async fn pg_dump(url: &str, file: &Path) {
    let out = tokio::process::Command::new(pg_tool("pg_dump"))
        .arg("-Fc")
        .arg("-f")
        .arg(file)
        .arg(url)
        .output()
        .await
        .expect("run pg_dump");
    assert!(out.status.success(), "pg_dump: {}", text_of(&out));
}

/// Dirs to restore into: empty; on PostgreSQL with a fresh database that
/// `dump` has been `pg_restore`d into, as the operator does first.
async fn restore_target(dump: Option<&Path>) -> Dirs {
    let target = dirs();
    if let (Some(url), Some(dump)) = (&target.database_url, dump) {
        let out = tokio::process::Command::new(pg_tool("pg_restore"))
            .args(["--no-owner", "-d", url])
            .arg(dump)
            .output()
            .await
            .expect("run pg_restore");
        assert!(out.status.success(), "pg_restore: {}", text_of(&out));
    }
    target
}

/// A hazard as found with one small photo (2 to 5 kB, made from `seed`),
/// stored and its photo uploaded whole.
async fn send_with_photo(app: &TestApp, seed: u64) -> (Report, Vec<u8>) {
    let size = XorShift(seed).range(2_000, 5_000) as usize;
    let (bytes, report, location) = app.one_photo_upload(size, seed).await;
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    (report, bytes)
}

/// Takes a backup of `dirs` into `backup`, while the server runs; on
/// PostgreSQL a dump into `dump` first. Exit success and output.
async fn take_backup(dirs: &Dirs, backup: &Path, dump: &Path) -> (bool, String) {
    if let Some(url) = &dirs.database_url {
        pg_dump(url, dump).await;
    }
    kuaibao(dirs, &[arg("backup"), backup.as_os_str()]).await
}

fn read_manifest(backup: &Path) -> kuaibao_server::backup::Manifest {
    kuaibao_server::backup::read_manifest(backup).expect("the backup's manifest")
}

#[tokio::test]
async fn a_backup_taken_under_live_ingest_restores_to_the_same_reports_threads_and_photos() {
    let (app, dirs) = spawn_app().await;
    let work = TempDir::new().expect("work dir");
    let (backup, dump) = (work.path().join("backup"), work.path().join("kuaibao.dump"));
    let mut photos: HashMap<String, Vec<u8>> = HashMap::new();
    for seed in 1..=BEFORE {
        let (report, bytes) = send_with_photo(&app, seed).await;
        photos.insert(report.photos[0].sha256.clone(), bytes);
        // Some threads get a second record, whose photo is announced only.
        if seed % 10 == 0 {
            let next = hazard(Stage::Rectifying, Some(report.id), 10);
            receipt(app.submit(&next).await, StatusCode::CREATED).await;
        }
    }
    let before = app.list_as(&app.admin).await;
    assert_eq!(before.len(), (BEFORE + BEFORE / 10) as usize);
    // A photo half sent when the backup is taken: its bytes so far are in
    // the data dir's uploads/, which no backup holds.
    let (half_bytes, half_sent, half_location) = app.one_photo_upload(8_000, 999).await;
    assert_eq!(
        app.tus_send(&half_location, 0, &half_bytes[..4_000], 4_000)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    // The rest keeps arriving while the backup is taken: the backup starts
    // once a few of them are in.
    let started = Arc::new(Notify::new());
    let ingest = async {
        let mut sent = Vec::new();
        for seed in BEFORE + 1..=BEFORE + DURING {
            sent.push(send_with_photo(&app, seed).await);
            if seed == BEFORE + 5 {
                started.notify_one();
            }
        }
        sent
    };
    let backing_up = async {
        started.notified().await;
        take_backup(&dirs, &backup, &dump).await
    };
    let (sent, (ok, text)) = tokio::join!(ingest, backing_up);
    assert!(ok, "backup: {text}");
    for (report, bytes) in sent {
        photos.insert(report.photos[0].sha256.clone(), bytes);
    }
    let after = app.list_as(&app.admin).await;
    assert_eq!(after.len(), (BEFORE + BEFORE / 10 + 1 + DURING) as usize);

    let manifest = read_manifest(&backup);
    assert!(
        manifest.damaged.is_empty() && manifest.missing.is_empty(),
        "{manifest:?}"
    );
    if dirs.database_url.is_none() {
        assert!(text.contains("database: SQLite snapshot kuaibao.sqlite3"), "{text}");
        assert!(manifest.database.is_some());
    } else {
        assert!(text.contains("PostgreSQL is not in this backup"), "{text}");
        assert!(manifest.database.is_none());
    }
    assert!(manifest.counts.reports >= before.len() as i64, "{:?}", manifest.counts);
    assert!(manifest.counts.photos_arrived >= BEFORE as i64);
    assert_eq!(manifest.counts.users, 2);
    let copied: HashMap<&str, &kuaibao_server::backup::PhotoObject> =
        manifest.photos.iter().map(|p| (p.sha256.as_str(), p)).collect();
    for stored in &before {
        for photo in stored.report.photos.iter().filter(|p| photos.contains_key(&p.sha256)) {
            let object = copied
                .get(photo.sha256.as_str())
                .expect("every arrived photo is in the backup");
            assert_eq!(object.size, photo.size);
            let file = std::fs::read(backup.join(&object.key)).expect("the photo's file");
            assert_eq!(&file, &photos[&photo.sha256]);
        }
    }
    app.stop().await;

    // Into a fresh data dir (and, on PostgreSQL, a fresh database the dump
    // was restored into).
    let restored_dirs = restore_target(Some(&dump)).await;
    let (ok, text) = kuaibao(&restored_dirs, &[arg("restore"), backup.as_os_str()]).await;
    assert!(ok, "restore: {text}");
    assert!(text.contains("restored the backup of"), "{text}");
    assert!(!text.contains("mismatch"), "{text}");

    let restored_app = start(&restored_dirs).await;
    // Phones are told of the restore, and send again what they delivered
    // after the backup was made.
    let restore_ran = Utc::now();
    let health: kuaibao_core::wire::protocol::Health =
        restored_app.get(HEALTH_PATH).await.json().await.expect("health");
    let told = health.restored.expect("the restore is told to phones");
    assert!(told.restored_at > manifest.created_at && told.restored_at <= restore_ran);
    // And to the duty desk, with its inbox: the office's acts since are lost.
    let inbox = restored_app.inbox(&restored_app.admin, &[]).await;
    assert_eq!(inbox.restored, Some(told));
    // Noted for good: in the audit log, and the note cannot be changed.
    let pool = restored_dirs.pool().await;
    let log = kuaibao_server::db::audit::all(&pool).await.expect("audit");
    let noted: Vec<_> = log.iter().filter(|e| e.action == "server.restore").collect();
    assert_eq!(noted.len(), 1, "{noted:?}");
    let detail: serde_json::Value = serde_json::from_str(&noted[0].detail).expect("json");
    assert_eq!(
        detail["backup_made_at"].as_str(),
        Some(kuaibao_server::db::photos::db_time(manifest.created_at).as_str())
    );
    let forgotten = detail["unfinished_uploads_forgotten"].as_u64().expect("a count");
    assert!(forgotten >= 1, "the half-sent upload among them: {forgotten}");
    for statement in [
        "UPDATE restores SET backup_made_at = restored_at",
        "DELETE FROM restores",
    ] {
        assert!(sqlx::query(statement).execute(&pool).await.is_err(), "{statement}");
    }
    pool.close().await;
    let restored = restored_app.list_as(&restored_app.admin).await;
    // Everything stored before the backup started, exactly as it was.
    assert!(restored.len() >= before.len(), "{} restored", restored.len());
    assert_eq!(&restored[..before.len()], &before[..]);
    // And nothing else than a prefix of what the original went on to
    // store, each record as the original has it (a photo may have arrived
    // there only after the snapshot).
    assert!(restored.len() <= after.len());
    if dirs.database_url.is_none() {
        assert_eq!(restored.len() as i64, manifest.counts.reports);
    }
    // Phones send again what was received from the backup's start, or its
    // last receipt if earlier (on PostgreSQL the dump is older), less the
    // longest a receipt's time may precede its commit: to the microsecond
    // the database keeps.
    let last_kept = restored
        .iter()
        .map(|r| r.receipt.received_at)
        .max()
        .expect("records restored");
    assert_eq!(
        told.backup_made_at.timestamp_micros(),
        (manifest.created_at.min(last_kept) - kuaibao_server::db::restores::RECEIPT_BEFORE_COMMIT).timestamp_micros()
    );
    for (got, original) in restored.iter().zip(&after) {
        assert_eq!((&got.receipt, &got.report), (&original.receipt, &original.report));
        assert_eq!(got.photos.expected, original.photos.expected);
        assert!(got.photos.arrived <= original.photos.arrived);
    }
    // Threads too, and every arrived photo's bytes, as the reporter sees
    // them.
    let reporter = &restored_app.client;
    let mut photos_checked = 0;
    for got in &restored {
        let thread_id = got.report.thread.unwrap_or(got.report.id);
        let thread = restored_app.thread_as(&restored_app.admin, thread_id).await;
        let original = before.iter().find(|r| r.report.id == got.report.id);
        if let Some(original) = original {
            assert!(thread.records.contains(original), "{}", got.report.id);
        }
        assert!(thread.records.contains(got), "{}", got.report.id);
        if got.photos.arrived == 0 {
            continue;
        }
        for photo in got.report.photos.iter().filter(|p| photos.contains_key(&p.sha256)) {
            let res = restored_app
                .get_as(reporter, &format!("/api/photos/{}", photo.sha256))
                .await;
            assert_eq!(res.status(), StatusCode::OK, "photo {}", photo.sha256);
            assert_eq!(res.bytes().await.expect("bytes").as_ref(), &photos[&photo.sha256][..]);
            photos_checked += 1;
        }
    }
    assert!(photos_checked >= BEFORE, "{photos_checked} photos checked");
    // The threads of the restored server are the original's, record by
    // record, for every thread whose records were all stored before.
    for original in before.iter().filter(|r| r.report.thread.is_none()) {
        let thread = restored_app.thread_as(&restored_app.admin, original.report.id).await;
        let records: Vec<&StoredReport> = before
            .iter()
            .filter(|r| r.report.id == original.report.id || r.report.thread == Some(original.report.id))
            .collect();
        assert_eq!(thread.records.iter().collect::<Vec<_>>(), records);
    }
    // The half-sent upload is gone with its bytes: asked after, the server
    // says so, and the photo is sent again whole.
    assert_eq!(
        restored_app.tus_head(&half_location).await.status(),
        StatusCode::NOT_FOUND
    );
    let (again, offset) = restored_app.tus_created(&half_sent.photos[0]).await;
    assert_eq!(offset, 0);
    assert_eq!(
        restored_app.tus_send(&again, 0, &half_bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    // No receipt number the original handed out, lost or not, is handed
    // out again.
    let last_handed_out = after.iter().map(|r| r.receipt.seq).max().expect("receipts");
    let next = receipt(restored_app.submit(&new_report()).await, StatusCode::CREATED).await;
    assert!(
        next.seq > last_handed_out + 1000,
        "{} after {last_handed_out}",
        next.seq
    );
    restored_app.stop().await;

    let (ok, text) = kuaibao(&restored_dirs, &[arg("fsck")]).await;
    assert!(ok, "fsck on the restored data: {text}");
}

/// The newest migration the database at `pool` has applied.
async fn schema_version(pool: &kuaibao_server::db::Pool) -> i64 {
    let (version,): (i64,) = sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .expect("the migrations");
    version
}

#[tokio::test]
async fn a_backup_is_the_servers_user_alone_audited_and_never_upgrades_the_database_it_reads() {
    let (app, dirs) = spawn_app().await;
    let work = TempDir::new().expect("work dir");
    let (backup, dump) = (work.path().join("backup"), work.path().join("kuaibao.dump"));
    let _ = send_with_photo(&app, 5).await;
    let (ok, text) = take_backup(&dirs, &backup, &dump).await;
    assert!(ok, "backup: {text}");
    // Password hashes and every report: for the server's user alone.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&backup).expect("the backup").permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    // Who holds a copy is in the audit log, as with every export.
    let pool = dirs.pool().await;
    let log = kuaibao_server::db::audit::all(&pool).await.expect("audit");
    let noted: Vec<_> = log.iter().filter(|e| e.action == "server.backup").collect();
    assert_eq!(noted.len(), 1, "{noted:?}");
    assert_eq!(
        noted[0].subject,
        backup.canonicalize().expect("the path").display().to_string()
    );
    let detail: serde_json::Value = serde_json::from_str(&noted[0].detail).expect("json");
    assert_eq!(
        detail["counts"]["reports"].as_i64(),
        Some(read_manifest(&backup).counts.reports)
    );

    // A server one migration behind this binary (as before an upgrade):
    // the backup is refused and the database left as it is.
    let ours = schema_version(&pool).await;
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(ours)
        .execute(&pool)
        .await
        .expect("as if older");
    let second = work.path().join("second");
    let (ok, text) = take_backup(&dirs, &second, &work.path().join("second.dump")).await;
    assert!(!ok, "backed up: {text}");
    assert!(
        text.contains(&format!(
            "schema version {}, older than this kuaibao-server's ({ours})",
            ours - 1
        )),
        "{text}"
    );
    assert_eq!(
        schema_version(&pool).await,
        ours - 1,
        "not upgraded under the running server"
    );
    // And nothing left of it to fill the disk.
    assert_eq!(std::fs::read_dir(&second).expect("the folder").count(), 0);
    pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_backup_of_a_newer_schema_is_refused_before_anything_is_restored() {
    let (app, dirs) = spawn_app().await;
    let work = TempDir::new().expect("work dir");
    let (backup, dump) = (work.path().join("backup"), work.path().join("kuaibao.dump"));
    let _ = send_with_photo(&app, 6).await;
    let (ok, text) = take_backup(&dirs, &backup, &dump).await;
    assert!(ok, "backup: {text}");
    app.stop().await;
    let target = restore_target(Some(&dump)).await;
    // A database from a later kuaibao-server: on SQLite the backup's own
    // file (its manifest made to match, as that server would have written
    // it); on PostgreSQL the database the dump went into.
    let future = |pool: kuaibao_server::db::Pool| async move {
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99999, 'from a later server', $1, $2, 0)",
        )
        .bind(true)
        .bind(vec![0u8; 48])
        .execute(&pool)
        .await
        .expect("a later migration");
        pool.close().await;
    };
    let snapshot = backup.join("kuaibao.sqlite3");
    if target.database_url.is_some() {
        future(target.pool().await).await;
    } else {
        // Opened plainly (its rollback journal, not the server's WAL): the
        // change is in the file itself once committed.
        let url = format!("sqlite://{}", snapshot.display());
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("the snapshot");
        future(pool).await;
        let mut manifest = read_manifest(&backup);
        let (size, sha256) = kuaibao_server::storage::hash_file(&snapshot).expect("hash");
        manifest.database = Some(kuaibao_server::backup::DatabaseFile {
            file: "kuaibao.sqlite3".to_owned(),
            size,
            sha256,
        });
        std::fs::write(
            backup.join("manifest.json"),
            serde_json::to_vec(&manifest).expect("json"),
        )
        .expect("write");
    }
    let (ok, text) = kuaibao(&target, &[arg("restore"), backup.as_os_str()]).await;
    assert!(!ok, "restored: {text}");
    assert!(
        text.contains("schema version 99999, newer than this kuaibao-server's"),
        "{text}"
    );
    if target.database_url.is_none() {
        // Refused before the database was copied: the data dir is still
        // one a restore may go into.
        let names: Vec<_> = std::fs::read_dir(target.data.path())
            .expect("the data dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("kuaibao.sqlite3"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}

#[tokio::test]
async fn restore_refuses_a_data_dir_that_is_not_empty() {
    let (app, dirs) = spawn_app().await;
    let work = TempDir::new().expect("work dir");
    let (backup, dump) = (work.path().join("backup"), work.path().join("kuaibao.dump"));
    let (_, _) = send_with_photo(&app, 7).await;
    let (ok, text) = take_backup(&dirs, &backup, &dump).await;
    assert!(ok, "backup: {text}");
    // A photo the backup does not have.
    let (_, _) = send_with_photo(&app, 8).await;
    app.stop().await;

    let (ok, text) = kuaibao(&dirs, &[arg("restore"), backup.as_os_str()]).await;
    assert!(!ok, "restored over live data: {text}");
    if dirs.database_url.is_none() {
        let db_file = dirs.data.path().join("kuaibao.sqlite3");
        assert!(
            text.contains(&format!("{} already exists", db_file.display())),
            "{text}"
        );
    } else {
        assert!(text.contains("which is not in this backup"), "{text}");
    }

    // A backup goes into a new or empty folder only.
    let (ok, text) = kuaibao(&dirs, &[arg("backup"), backup.as_os_str()]).await;
    assert!(!ok);
    assert!(text.contains(&format!("{} is not empty", backup.display())), "{text}");
}

#[tokio::test]
async fn a_damaged_backup_is_refused_naming_the_photo() {
    let (app, dirs) = spawn_app().await;
    let work = TempDir::new().expect("work dir");
    let (backup, dump) = (work.path().join("backup"), work.path().join("kuaibao.dump"));
    let mut sent = Vec::new();
    for seed in 21..24 {
        sent.push(send_with_photo(&app, seed).await);
    }
    let (ok, text) = take_backup(&dirs, &backup, &dump).await;
    assert!(ok, "backup: {text}");
    app.stop().await;

    // The disk loses the end of one photo of the backup.
    let (report, bytes) = &sent[1];
    let key = kuaibao_server::storage::photo_key(&report.photos[0].sha256);
    std::fs::write(backup.join(&key), &bytes[..1_000]).expect("truncate");

    let target = restore_target(Some(&dump)).await;
    let (ok, text) = kuaibao(&target, &[arg("restore"), backup.as_os_str()]).await;
    assert!(!ok, "a damaged backup was restored: {text}");
    assert!(
        text.contains(&format!("photo {key} in the backup is damaged")),
        "{text}"
    );
    // Photos are restored before the database, so nothing of it is there
    // and the restore can be run again once the backup is mended.
    assert!(!target.data.path().join("kuaibao.sqlite3").exists());
    std::fs::write(backup.join(&key), bytes).expect("mend");
    let (ok, text) = kuaibao(&target, &[arg("restore"), backup.as_os_str()]).await;
    assert!(ok, "restore of the mended backup: {text}");

    // A backup without its manifest is no backup.
    std::fs::remove_file(backup.join("manifest.json")).expect("remove");
    let (ok, text) = kuaibao(&restore_target(None).await, &[arg("restore"), backup.as_os_str()]).await;
    assert!(!ok);
    assert!(text.contains("has no manifest.json"), "{text}");
}

#[tokio::test]
async fn a_photo_damaged_in_the_store_is_named_and_left_out_of_the_backup() {
    let (app, dirs) = spawn_app().await;
    let work = TempDir::new().expect("work dir");
    let (backup, dump) = (work.path().join("backup"), work.path().join("kuaibao.dump"));
    let (report, bytes) = send_with_photo(&app, 31).await;
    let (_, _) = send_with_photo(&app, 32).await;
    let photo = &report.photos[0];
    let key = kuaibao_server::storage::photo_key(&photo.sha256);
    std::fs::write(dirs.data.path().join(&key), &bytes[..500]).expect("damage");

    // Written all the same (a failing disk is when a backup matters most),
    // but it says what it lacks and fails.
    let (ok, text) = take_backup(&dirs, &backup, &dump).await;
    assert!(!ok, "{text}");
    assert!(text.contains(&format!("damaged\t{key}")), "{text}");
    assert!(text.contains(&format!("missing\t{key}\tphoto {}", photo.id)), "{text}");
    let manifest = read_manifest(&backup);
    assert_eq!(manifest.damaged, vec![key.clone()]);
    assert_eq!(manifest.photos.len(), 1);
    app.stop().await;

    // Restored as it was taken: the lost photo is named, nothing else is.
    let target = restore_target(Some(&dump)).await;
    let (ok, text) = kuaibao(&target, &[arg("restore"), backup.as_os_str()]).await;
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!(
            "note\tphoto {} ({key}) has arrived but its bytes were not in the store when the backup was taken",
            photo.id
        )),
        "{text}"
    );
}

/// `kuaibao-server audit` prints the whole log, a page at a time (before,
/// it read the whole log into memory at once; the log grows without end).
#[tokio::test]
async fn the_audit_command_prints_the_whole_log_a_page_at_a_time() {
    use kuaibao_server::db::audit;
    let (app, dirs) = spawn_app().await;
    app.stop().await;
    let pool = dirs.pool().await;
    let actor = audit::Actor {
        user_id: None,
        device_id: Some("test".to_owned()),
    };
    for i in 0..(2 * audit::PAGE + 5) {
        audit::note(
            &pool,
            &actor,
            "test.note",
            &format!("n{i}"),
            serde_json::json!({ "i": i }),
        )
        .await
        .expect("note");
    }
    let all = audit::all(&pool).await.expect("the log");
    pool.close().await;
    assert!(all.len() as i64 > 2 * audit::PAGE);
    let out = kuaibao_command(&dirs, &[arg("audit")])
        .output()
        .await
        .expect("run kuaibao-server");
    assert!(out.status.success(), "{}", text_of(&out));
    let printed: Vec<i64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v["seq"].as_i64())
                .unwrap_or_else(|| panic!("an entry as JSON: {l}"))
        })
        .collect();
    assert_eq!(
        printed,
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        "each once, in order"
    );
}

#[tokio::test]
async fn phones_are_told_the_newest_restore_with_the_earliest_time_any_restore_lacks_from() {
    use kuaibao_core::wire::protocol::Restore;
    use kuaibao_server::db::{self, restores};
    let (app, dirs) = spawn_app().await;
    app.stop().await;
    let pool = dirs.pool().await;
    let backend = db::backend(&pool).await.expect("backend");
    let at = |s: &str| s.parse::<chrono::DateTime<Utc>>().expect("a time");
    // The first restore lacks from 08:00; a second, later one, of a backup
    // made after the first restore, lacks from 11:00. A phone that slept
    // through both sends again from 08:00: the second backup lacks what the
    // first restore lost and no phone sent back in between.
    for (restored_at, lacks_from) in [
        ("2026-03-01T10:00:00Z", "2026-03-01T08:00:00Z"),
        ("2026-03-02T12:00:00Z", "2026-03-02T11:00:00Z"),
    ] {
        let restore = Restore {
            restored_at: at(restored_at),
            backup_made_at: at(lacks_from),
        };
        restores::record(&pool, backend, &restore, at(lacks_from))
            .await
            .expect("noted");
    }
    let told = restores::latest(&pool).await.expect("read").expect("restored");
    assert_eq!(
        told.restored_at,
        at("2026-03-02T12:00:00Z"),
        "the newest: phones act once on it"
    );
    assert_eq!(told.backup_made_at, at("2026-03-01T08:00:00Z"));
    pool.close().await;
}

#[tokio::test]
async fn a_record_sent_again_after_a_restore_with_its_sealed_receipt_keeps_its_first_time() {
    use kuaibao_core::wire::protocol::FIRST_RECEIPT_HEADER;
    use kuaibao_server::http::sms::SEAL_SECRET_FILE;
    let (app, dirs) = spawn_app().await;
    let work = TempDir::new().expect("work dir");
    let (backup, dump) = (work.path().join("backup"), work.path().join("kuaibao.dump"));
    let (ok, text) = take_backup(&dirs, &backup, &dump).await;
    assert!(ok, "backup: {text}");
    // After the backup: two records, each answered with a sealed receipt.
    let (report, other) = (new_report(), new_report());
    let first = sealed_receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let other_first = sealed_receipt(app.submit(&other).await, StatusCode::CREATED).await;
    let header = first.first_receipt_header().expect("sealed");
    app.stop().await;

    // Restored on a new machine, the seal secret copied with the settings
    // (docs/operations.md).
    let restored_dirs = restore_target(Some(&dump)).await;
    let (ok, text) = kuaibao(&restored_dirs, &[arg("restore"), backup.as_os_str()]).await;
    assert!(ok, "restore: {text}");
    std::fs::copy(
        dirs.data.path().join(SEAL_SECRET_FILE),
        restored_dirs.data.path().join(SEAL_SECRET_FILE),
    )
    .expect("the seal secret");
    let restored_app = start(&restored_dirs).await;
    let send_again = |report: &Report, claim: &str| {
        restored_app
            .client
            .post(restored_app.url(SUBMIT_REPORT_PATH))
            .header(FIRST_RECEIPT_HEADER, claim)
            .json(report)
            .send()
    };
    // Another record's receipt shown with this one: its seal does not hold,
    // and the record is stored all the same, as received now.
    let forged = sealed_receipt(send_again(&other, &header).await.expect("POST"), StatusCode::CREATED).await;
    assert!(forged.seq > other_first.seq + 1000, "a new number: {}", forged.seq);
    assert!(forged.received_at > other_first.received_at);
    // Its own: stored at the time it was first received, with the clock
    // measured then, under a new number (numbers are the order records
    // reach this database, which readers page by).
    let again = sealed_receipt(send_again(&report, &header).await.expect("POST"), StatusCode::CREATED).await;
    assert!(again.seq > first.seq + 1000, "a new number: {}", again.seq);
    assert_eq!(
        (again.received_at, again.clock_offset_ms),
        (first.received_at, first.clock_offset_ms)
    );
    assert!(again.seal.is_some());
    let listed = restored_app.list_as(&restored_app.admin).await;
    let stored = listed.iter().find(|r| r.report.id == report.id).expect("listed");
    assert_eq!(
        stored.receipt,
        Receipt {
            seal: None,
            ..again.clone()
        }
    );
    // The audit log says it came back, and when.
    let pool = restored_dirs.pool().await;
    let log = kuaibao_server::db::audit::all(&pool).await.expect("audit");
    pool.close().await;
    let entry = log
        .iter()
        .find(|e| e.action == "report.store" && e.subject == report.id.to_string())
        .expect("audited");
    let detail: serde_json::Value = serde_json::from_str(&entry.detail).expect("json");
    assert_eq!(detail["first_receipt"]["seq"].as_i64(), Some(first.seq));
    restored_app.stop().await;
}
