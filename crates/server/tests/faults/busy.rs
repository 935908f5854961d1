//! The database busy: another connection holds a write lock (SQLite:
//! `BEGIN EXCLUSIVE`; PostgreSQL: `LOCK TABLE` in an open transaction)
//! longer than the server waits (`KUAIBAO_DB_BUSY_MS`). Submissions and
//! uploads are answered 503 with `Retry-After`, nothing is half-stored, and
//! once the lock is gone the retries store everything once.

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use sqlx::{ConnectOptions, Connection, Executor};

use crate::harness::{
    client, expect_unavailable, hazard, incident, jpeg, login, sha256_hex, verify, within, Env, Phone, Rng, Upload,
    CHUNK,
};

/// How long the server waits for a lock.
const BUSY_MS: u64 = 300;

/// A lock held by a connection of the test's own.
enum Lock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Lock {
    /// SQLite: the database's write lock. PostgreSQL: `LOCK TABLE …` (the
    /// rest of the statement is `postgres_lock`).
    async fn take(env: &Env, postgres_lock: &str) -> Lock {
        match &env.database_url {
            Some(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                conn.execute("BEGIN").await.expect("BEGIN");
                conn.execute(format!("LOCK TABLE {postgres_lock}").as_str())
                    .await
                    .expect("LOCK TABLE");
                Lock::Postgres(conn)
            }
            None => {
                let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(env.sqlite_file())
                    .connect()
                    .await
                    .expect("open the SQLite file");
                conn.execute("BEGIN EXCLUSIVE").await.expect("BEGIN EXCLUSIVE");
                Lock::Sqlite(conn)
            }
        }
    }

    /// `SELECT count(*) …` with one parameter, read by the lock's holder
    /// (which sees every commit, and nobody else can write).
    async fn count(&mut self, sql: &str, param: &str) -> i64 {
        match self {
            Lock::Sqlite(conn) => sqlx::query_scalar(sql).bind(param).fetch_one(conn).await,
            Lock::Postgres(conn) => sqlx::query_scalar(sql).bind(param).fetch_one(conn).await,
        }
        .expect("count")
    }

    async fn release(self) {
        match self {
            Lock::Sqlite(mut conn) => {
                conn.execute("ROLLBACK").await.expect("ROLLBACK");
                conn.close().await.expect("close");
            }
            Lock::Postgres(mut conn) => {
                conn.execute("ROLLBACK").await.expect("ROLLBACK");
                conn.close().await.expect("close");
            }
        }
    }
}

/// A "busy" answer to a request that waited for the lock, and not much more.
async fn busy(what: &str, started: Instant, res: Response) {
    let waited = started.elapsed();
    assert_eq!(expect_unavailable(res).await, StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert!(
        waited >= Duration::from_millis(BUSY_MS * 8 / 10) && waited < Duration::from_secs(5),
        "{what}: answered after {waited:?}, the lock wait being {BUSY_MS} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_answers_503_stores_nothing_and_the_retries_store_once() {
    let mut rng = Rng::seeded("a_locked_database");
    let env = Env::new().await;
    env.add_accounts().await;
    let busy_ms = BUSY_MS.to_string();
    let server = env.start(&[("KUAIBAO_DB_BUSY_MS", &busy_ms)]).await;
    let token = login(&env.base()).await;
    let phone = Phone::new(client(&token, false), env.base());

    within(Duration::from_secs(60), "the locked database test", async {
        // Before the lock: a hazard whose first photo is up to its last
        // chunk and whose second is halfway.
        let (p1, p2, p3) = (
            jpeg(&mut rng, 3 * CHUNK + 1000),
            jpeg(&mut rng, 4 * CHUNK + 500),
            jpeg(&mut rng, CHUNK + 77),
        );
        let a = hazard(&mut rng, &[&p1, &p2]);
        phone.queue(&a, &[p1.clone(), p2.clone()]);
        phone.receipt(phone.post(&a).await, StatusCode::CREATED).await;
        let (mut u1, mut u2) = (Upload::default(), Upload::default());
        phone.upload_to(&a.photos[0], &p1, &mut u1, 3 * CHUNK as u64).await;
        phone.upload_to(&a.photos[1], &p2, &mut u2, 2 * CHUNK as u64).await;
        let (l1, l2) = (
            u1.location.clone().expect("upload 1"),
            u2.location.clone().expect("upload 2"),
        );

        // Reports while `reports` is locked: 503, nothing stored.
        let b = incident(&mut rng);
        let c = hazard(&mut rng, &[&p3]);
        phone.queue(&b, &[]);
        phone.queue(&c, std::slice::from_ref(&p3));
        let mut lock = Lock::take(&env, "reports IN ACCESS EXCLUSIVE MODE").await;
        for report in [&b, &c] {
            let started = Instant::now();
            busy("a report", started, phone.post(report).await).await;
        }
        for report in [&b, &c] {
            let id = report.id.to_string();
            assert_eq!(lock.count("SELECT count(*) FROM reports WHERE id = $1", &id).await, 0);
            assert_eq!(
                lock.count("SELECT count(*) FROM audit WHERE subject = $1", &id).await,
                0
            );
            assert_eq!(
                lock.count("SELECT count(*) FROM report_photos WHERE report_id = $1", &id)
                    .await,
                0
            );
        }
        let photo = c.photos[0].id.to_string();
        assert_eq!(
            lock.count("SELECT count(*) FROM photos WHERE photo_id = $1", &photo)
                .await,
            0
        );
        lock.release().await;

        // The retries: stored now, for the first time, then replayed.
        for report in [&b, &c] {
            let first = phone.receipt(phone.post(report).await, StatusCode::CREATED).await;
            assert_eq!(phone.receipt(phone.post(report).await, StatusCode::OK).await, first);
        }

        // Uploads while `uploads` and `photos` are locked: creating, a
        // middle chunk and the last chunk are each 503, nothing moves.
        let mut lock = Lock::take(&env, "uploads, photos IN EXCLUSIVE MODE").await;
        let started = Instant::now();
        busy("creating an upload", started, phone.create(&c.photos[0]).await).await;
        let at2 = 2 * CHUNK;
        let started = Instant::now();
        busy(
            "a middle chunk",
            started,
            phone.patch(&l2, at2 as u64, &p2[at2..at2 + CHUNK]).await,
        )
        .await;
        let at1 = 3 * CHUNK;
        let started = Instant::now();
        busy(
            "the last chunk",
            started,
            phone.patch(&l1, at1 as u64, &p1[at1..]).await,
        )
        .await;
        // Reads go on: where the uploads stand, which photos arrived.
        assert_eq!(phone.offset(&l1).await, at1 as u64);
        assert_eq!(phone.offset(&l2).await, at2 as u64);
        assert_eq!(phone.arrived(&a).await, 0);
        let res = phone
            .client
            .get(format!("{}/api/photos/{}", env.base(), sha256_hex(&p1)))
            .send()
            .await
            .expect("GET photo");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "not arrived, not served");
        assert_eq!(
            lock.count("SELECT count(*) FROM uploads WHERE photo_id = $1", &photo)
                .await,
            0
        );
        for p in &a.photos {
            let id = p.id.to_string();
            let arrived = "SELECT count(*) FROM photos WHERE photo_id = $1 AND arrived_at IS NOT NULL";
            assert_eq!(lock.count(arrived, &id).await, 0);
            let audit = "SELECT count(*) FROM audit WHERE subject = $1 AND action = 'photo.arrive'";
            assert_eq!(lock.count(audit, &id).await, 0);
        }
        lock.release().await;

        // The client goes on from where the server says each upload stands.
        u1.offset = None;
        u2.offset = None;
        while !phone.upload_step(&a.photos[0], &p1, &mut u1).await {}
        while !phone.upload_step(&a.photos[1], &p2, &mut u2).await {}
        phone.upload(&c.photos[0], &p3).await;
        assert_eq!(phone.arrived(&a).await, 2);
        verify(&env, &phone).await;
    })
    .await;
    drop(server);
}
