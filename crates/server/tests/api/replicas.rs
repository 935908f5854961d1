//! Several replicas on one database (issue 19), as two server processes
//! (the binary, twice, on the same settings): on PostgreSQL an officer
//! whose page is on replica A hears of a report stored through replica B
//! within a second, through the database (`http::relay`); a logout on one
//! replica ends the session on the other within the session cache's two
//! seconds; a photo upload begun on A resumes on B (the replicas share the
//! data dir's `uploads/`, as on a shared volume). SQLite is one process:
//! there the test shows the limit the operators' guide states, that a
//! second server on the same file does not relay its changes.

use std::process::Child;
use std::time::{Duration, Instant};

use kuaibao_core::desk::office::{Change, ChangeKind};

use super::office::Events;
use super::uploads::{hazard_with_photos, jpeg};
use super::*;

/// How long a change may take from one replica to the other.
const CROSS_REPLICA: Duration = Duration::from_secs(2);

/// One replica: the server binary on `dirs`' data dir and database (see
/// `spawn_binary`). The process is killed when the test is done with it.
async fn replica(dirs: &Dirs) -> (TestApp, Child) {
    spawn_binary(dirs, &[]).await
}

/// Stops the replicas' processes and reaps them.
fn stop(processes: [&mut Child; 2]) {
    for process in processes {
        process.kill().expect("stop a replica");
        process.wait().expect("reap it");
    }
}

#[tokio::test]
async fn two_replicas_on_one_database_share_changes_sessions_and_uploads() {
    let dirs = dirs();
    let (a, mut process_a) = replica(&dirs).await;
    let (b, mut process_b) = replica(&dirs).await;

    // A report stored through B, heard on A's event stream.
    let mut on_a = Events::open(&a, &a.admin).await;
    let report = new_report();
    receipt(b.submit(&report).await, StatusCode::CREATED).await;
    let heard = on_a.next(CROSS_REPLICA).await;
    if dirs.database_url.is_some() {
        assert_eq!(
            heard,
            Some(Change {
                thread_id: report.id,
                kind: ChangeKind::Report,
            }),
            "on PostgreSQL the replicas relay their changes"
        );
    } else {
        assert_eq!(heard, None, "SQLite is one process: a second server relays nothing");
    }
    // A's own changes are heard on A once, not again through the relay.
    let own = new_report();
    receipt(a.submit(&own).await, StatusCode::CREATED).await;
    assert_eq!(on_a.next(CROSS_REPLICA).await.map(|c| c.thread_id), Some(own.id));
    assert_eq!(on_a.next(Duration::from_millis(500)).await, None, "heard once");

    // A logout on A ends the session on B too (after B's cache forgets it).
    let token = a.token.clone();
    let session_on = |app: &TestApp| {
        let url = app.url(SESSION_PATH);
        let client = authorized(&token);
        async move { client.get(url).send().await.expect("GET /api/session").status() }
    };
    assert_eq!(
        session_on(&b).await,
        StatusCode::OK,
        "B knows the session (and caches it)"
    );
    let out = authorized(&token)
        .delete(a.url(SESSION_PATH))
        .send()
        .await
        .expect("DELETE /api/session");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        match session_on(&b).await {
            StatusCode::UNAUTHORIZED => break,
            status => {
                assert_eq!(status, StatusCode::OK);
                assert!(Instant::now() < until, "B still takes the ended session after 3 s");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    // A photo begun on A, resumed on B: the offset is the database's, the
    // bytes the shared dir's.
    let bytes = jpeg(200_000, 19);
    let hazard = hazard_with_photos(&[&bytes]);
    receipt(b.submit(&hazard).await, StatusCode::CREATED).await;
    let (location, offset) = b.tus_created(&hazard.photos[0]).await;
    assert_eq!(offset, 0);
    let half = 100_000;
    let res = b.tus_patch(&location, 0, &bytes[..half], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let a_reporter = login(&a.base, REPORTER).await;
    let a_as_reporter = TestApp {
        client: a_reporter,
        ..a
    };
    assert_eq!(a_as_reporter.tus_offset(&location).await, half as u64);
    let res = a_as_reporter
        .tus_patch(&location, half as u64, &bytes[half..], None)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NO_CONTENT,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let status = b.photo_status(hazard.id).await;
    assert_eq!(status["arrived"], 1);
    assert_eq!(
        b.photo_bytes(&hazard.photos[0].sha256)
            .await
            .bytes()
            .await
            .expect("bytes")
            .as_ref(),
        bytes.as_slice()
    );
    stop([&mut process_a, &mut process_b]);
}

/// A chunk refused on one replica keeps the bytes another replica
/// appended meanwhile. A phone cut off from A mid-chunk sends it again
/// through B, which stores it; A's request, still reading, then fails its
/// checksum. A used to cut the shared file back to the offset it had read
/// at its start, below B's: every further `PATCH` was a 500 and `POST`
/// offered the same upload again, until it expired a day later.
#[tokio::test]
async fn a_chunk_refused_on_one_replica_keeps_what_another_appended_meanwhile() {
    use tokio::io::AsyncWriteExt;

    use super::uploads::{sha256_checksum, OCTET};

    let dirs = dirs();
    let (a, mut process_a) = replica(&dirs).await;
    let (b, mut process_b) = replica(&dirs).await;
    let bytes = jpeg(200_000, 23);
    let hazard = hazard_with_photos(&[&bytes]);
    receipt(b.submit(&hazard).await, StatusCode::CREATED).await;
    let (location, _) = b.tus_created(&hazard.photos[0]).await;
    let chunk = &bytes[..100_000];

    // On A, the chunk's first bytes (the same bytes: it is the phone's
    // chunk) under a checksum they will fail.
    let addr = a.base.trim_start_matches("http://").to_owned();
    let mut stale = tokio::net::TcpStream::connect(&addr).await.expect("connect to A");
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {addr}\r\nTus-Resumable: 1.0.0\r\n\
         Authorization: Bearer {}\r\nContent-Type: {OCTET}\r\nUpload-Offset: 0\r\n\
         Content-Length: {}\r\nUpload-Checksum: {}\r\n\r\n",
        a.token,
        chunk.len(),
        sha256_checksum(b"other"),
    );
    stale.write_all(head.as_bytes()).await.expect("headers");
    stale.write_all(&chunk[..40_000]).await.expect("some bytes");
    stale.flush().await.expect("flush");
    // A has read the upload's offset (0) and is writing what comes.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The chunk again, whole, through B.
    let res = b.tus_patch(&location, 0, chunk, Some(sha256_checksum(chunk))).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "100000");

    // A's body ends, and fails its checksum.
    stale.write_all(&chunk[40_000..]).await.expect("the rest");
    stale.flush().await.expect("flush");
    let answer = super::uploads::answer_head(&mut stale).await;
    assert!(answer.starts_with("HTTP/1.1 460"), "{answer}");

    // The rest through B: the photo arrives whole.
    assert_eq!(b.tus_offset(&location).await, 100_000);
    let res = b.tus_patch(&location, 100_000, &bytes[100_000..], None).await;
    assert_eq!(
        res.status(),
        StatusCode::NO_CONTENT,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(b.photo_status(hazard.id).await["arrived"], 1);
    assert_eq!(
        b.stored_photo(&hazard.photos[0].sha256).await.as_ref(),
        bytes.as_slice()
    );
    stop([&mut process_a, &mut process_b]);
}

/// A change lost between replicas must not leave an officer's inbox short
/// of a report without a word: the page draws only what its stream says,
/// and its own stream stayed up. A change the notifier could not send
/// (its connection ended) is followed by a reload with the next
/// notification; a listener that lost its connection, listening again,
/// tells its own replica's pages to reload.
#[tokio::test]
async fn a_page_on_a_replica_that_may_have_missed_changes_is_told_to_reload() {
    let dirs = dirs();
    if dirs.database_url.is_none() {
        // SQLite is one process: nothing travels between replicas.
        return;
    }
    let (a, mut process_a) = replica(&dirs).await;
    let (b, mut process_b) = replica(&dirs).await;
    let mut on_a = Events::open(&a, &a.admin).await;
    let pool = dirs.pool().await;
    let pids = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i32>(sql)
                .bind(kuaibao_server::http::relay::NOTIFIER_NAME)
                .fetch_all(&pool)
                .await
                .expect("pg_stat_activity")
        }
    };
    let end = |pids: Vec<i32>| {
        let pool = pool.clone();
        async move {
            for pid in pids {
                let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
                    .bind(pid)
                    .fetch_one(&pool)
                    .await
                    .expect("pg_terminate_backend");
                assert!(ended, "{pid}");
            }
        }
    };

    // B's first change opens its notifier's connection (A has sent none).
    let first = new_report();
    receipt(b.submit(&first).await, StatusCode::CREATED).await;
    assert_eq!(on_a.next(CROSS_REPLICA).await.map(|c| c.thread_id), Some(first.id));
    let notifiers =
        pids("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()").await;
    assert_eq!(notifiers.len(), 1, "B's notifier alone: {notifiers:?}");
    end(notifiers).await;
    // Its next change cannot go, and A's page does not hear of it...
    let lost = new_report();
    receipt(b.submit(&lost).await, StatusCode::CREATED).await;
    assert_eq!(on_a.next(Duration::from_millis(500)).await, None, "lost on the way");
    // ...until B's next notification, which carries a reload with it.
    let next = new_report();
    receipt(b.submit(&next).await, StatusCode::CREATED).await;
    let mut heard = Vec::new();
    while let Some(change) = on_a.next(CROSS_REPLICA).await {
        heard.push(change);
        if heard.len() == 2 {
            break;
        }
    }
    assert_eq!(
        heard,
        vec![
            Change {
                thread_id: next.id,
                kind: ChangeKind::Report,
            },
            Change::reload(),
        ]
    );

    // Every replica's listener loses its connection: each listens again
    // and tells its pages to reload.
    let listeners = pids(
        "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND datname = current_database() \
         AND application_name <> $1",
    )
    .await;
    assert_eq!(listeners.len(), 2, "a listener per replica: {listeners:?}");
    end(listeners).await;
    assert_eq!(
        on_a.next(Duration::from_secs(5)).await,
        Some(Change::reload()),
        "A listens again and its page reloads"
    );
    pool.close().await;
    stop([&mut process_a, &mut process_b]);
}

/// The failed-login budget of a username is the deployment's, not each
/// replica's: a proxy spreads many addresses guessing one account over
/// every replica, which would otherwise allow N times the guesses. Two
/// failures on each of two replicas spend a budget of four; the fifth try,
/// on either, waits, while another account logs in.
#[tokio::test]
async fn a_usernames_failed_logins_are_counted_across_replicas() {
    use kuaibao_server::config::{LOGIN_ACCOUNT_RATE_PER_MIN_VAR, LOGIN_RATE_PER_MIN_VAR};
    let dirs = dirs();
    let env = [(LOGIN_RATE_PER_MIN_VAR, "3"), (LOGIN_ACCOUNT_RATE_PER_MIN_VAR, "4")];
    let (a, mut process_a) = spawn_binary(&dirs, &env).await;
    let (b, mut process_b) = spawn_binary(&dirs, &env).await;
    let try_login = |app: &TestApp, username: &str, password: &str| {
        let url = app.url(SESSION_PATH);
        let form = super::security::login_form(username, password);
        async move {
            Client::new()
                .post(url)
                .json(&form)
                .send()
                .await
                .expect("POST /api/session")
        }
    };
    for app in [&a, &b, &a, &b] {
        let res = try_login(app, REPORTER, "guess-guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for app in [&a, &b] {
        let res = try_login(app, REPORTER, PASSWORD).await;
        assert!(res.headers().contains_key("retry-after"));
        let (status, error) = api_error(res).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            error.message.starts_with("此用户名"),
            "Chinese first: {}",
            error.message
        );
        assert!(error.message.contains("for this username"), "{}", error.message);
    }
    assert_eq!(try_login(&b, ADMIN, PASSWORD).await.status(), StatusCode::CREATED);
    stop([&mut process_a, &mut process_b]);
}
