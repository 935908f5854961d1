//! `GET /api/threads`: the caller's own threads a phone still keeps, read
//! back by a new phone or one whose storage was cleared. Only her own
//! records, never a colleague's; a thread a phone would have let go
//! (finished and received longer than `keep_days` ago) is left out; pages
//! go on past threads left out. `GET /api/thread-records`: every record of
//! her threads, the office's too, which her phone keeps with them.

use kuaibao_core::account::Role;
use kuaibao_core::wire::protocol::{MY_THREADS_PATH, THREAD_RECORDS_PATH};
use kuaibao_server::db::reports::{StoredReport, Thread};

use super::office::user_in;
use super::*;

/// The ids of the threads a page lists, and each one's stages.
fn listed(threads: &[Thread]) -> Vec<(ReportId, Vec<Stage>)> {
    threads
        .iter()
        .map(|t| (t.thread, t.records.iter().map(|r| r.report.stage).collect()))
        .collect()
}

async fn page_as(app: &TestApp, client: &Client, path: &str) -> (Vec<Thread>, Option<String>) {
    let res = app.get_as(client, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let next = next_link(&res);
    (res.json().await.expect("threads"), next)
}

/// Stores `records`, in that order, as `client`.
async fn sent(app: &TestApp, client: &Client, records: &[&Report]) {
    for r in records {
        let res = app.submit_by(client, r).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{:?}", r.stage);
    }
}

#[tokio::test]
async fn a_phone_reads_back_its_accounts_open_threads_and_nobody_elses() {
    let dirs = dirs();
    // Phones keep a finished thread no day longer than its last receipt:
    // one finished now counts as let go.
    let app = start_with(&dirs, |c| c.phone_keep_days = 0).await;
    let colleague = user_in(&dirs, &app, "colleague", Role::Reporter, GRID).await;

    let open = incident(Stage::Initial, None, 0);
    let open_next = incident(Stage::FollowUp { n: 1 }, Some(open.id), 5);
    sent(&app, &app.client, &[&open_next, &open]).await;
    let finished = incident(Stage::Initial, None, 0);
    let last = incident(Stage::Final, Some(finished.id), 10);
    sent(&app, &app.client, &[&finished, &last]).await;
    let newest = incident(Stage::Initial, None, 0);
    sent(&app, &app.client, &[&newest]).await;
    let theirs = incident(Stage::Initial, None, 0);
    sent(&app, &colleague, &[&theirs]).await;

    // Newest first, each thread in stage order whatever order it arrived
    // in; the finished one left out; the colleague's not hers.
    let (all, next) = page_as(&app, &app.client, MY_THREADS_PATH).await;
    assert_eq!(
        listed(&all),
        vec![
            (newest.id, vec![Stage::Initial]),
            (open.id, vec![Stage::Initial, Stage::FollowUp { n: 1 }]),
        ]
    );
    assert_eq!(next, None);
    assert_eq!(all[1].records[1].report, open_next, "the record as sent");
    let (theirs_only, _) = page_as(&app, &colleague, MY_THREADS_PATH).await;
    assert_eq!(listed(&theirs_only), vec![(theirs.id, vec![Stage::Initial])]);
    // An officer's 续报 in her thread is his record in her thread, not a
    // thread of his.
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let his = incident(Stage::FollowUp { n: 2 }, Some(open.id), 8);
    sent(&app, &officer, &[&his]).await;
    let (none, _) = page_as(&app, &officer, MY_THREADS_PATH).await;
    assert!(none.is_empty(), "{:?}", listed(&none));

    // A page at a time: the page that met only the finished thread is
    // empty, and its link goes on.
    let mut pages = Vec::new();
    let mut path = Some(format!("{MY_THREADS_PATH}?limit=1"));
    while let Some(p) = path.take() {
        let (threads, next) = page_as(&app, &app.client, &p).await;
        pages.push(listed(&threads).into_iter().map(|(id, _)| id).collect::<Vec<_>>());
        path = next;
        assert!(pages.len() <= 4, "the pages end");
    }
    assert_eq!(pages, vec![vec![newest.id], vec![], vec![open.id]]);

    // No session, no threads; a bad page is named.
    let anonymous = Client::new().get(app.url(MY_THREADS_PATH)).send().await.expect("GET");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let (status, error) = api_error(app.get_as(&app.client, &format!("{MY_THREADS_PATH}?limit=0")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.fields[0].field, "limit");
    app.stop().await;
}

/// The ids a page of thread records lists, the records, and the link to
/// the next.
async fn records_page(
    app: &TestApp,
    client: &Client,
    path: &str,
) -> (Vec<ReportId>, Vec<StoredReport>, Option<String>) {
    let res = app.get_as(client, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let next = next_link(&res);
    let records: Vec<StoredReport> = res.json().await.expect("records");
    (records.iter().map(|r| r.report.id).collect(), records, next)
}

#[tokio::test]
async fn a_phone_reads_every_record_of_her_threads_the_offices_too_and_nothing_else() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let colleague = user_in(&dirs, &app, "colleague", Role::Reporter, GRID).await;

    // Her hazard, rectified by her; the officer closes it.
    let found = hazard(Stage::Initial, None, 0);
    let rectified = hazard(Stage::Rectified, Some(found.id), 5);
    sent(&app, &app.client, &[&found, &rectified]).await;
    let closed = hazard(Stage::Closed, Some(found.id), 10);
    sent(&app, &officer, &[&closed]).await;
    // Her incident; the officer files its 续报一.
    let first = incident(Stage::Initial, None, 0);
    sent(&app, &app.client, &[&first]).await;
    let his_follow_up = incident(Stage::FollowUp { n: 1 }, Some(first.id), 12);
    sent(&app, &officer, &[&his_follow_up]).await;
    // A colleague's thread, where the officer also files: not hers.
    let theirs = incident(Stage::Initial, None, 0);
    sent(&app, &colleague, &[&theirs]).await;
    let in_theirs = incident(Stage::FollowUp { n: 1 }, Some(theirs.id), 14);
    sent(&app, &officer, &[&in_theirs]).await;
    // Her 续报二, as from another phone.
    let own_follow_up = incident(Stage::FollowUp { n: 2 }, Some(first.id), 16);
    sent(&app, &app.client, &[&own_follow_up]).await;
    // On PostgreSQL a record is listed only once older than any insert
    // takes to commit (receipt numbers are handed out before commits): not
    // at once, and then.
    if dirs.database_url.is_some() {
        let (none_yet, _, _) = records_page(&app, &app.client, THREAD_RECORDS_PATH).await;
        assert!(none_yet.is_empty(), "{none_yet:?}");
        tokio::time::sleep(kuaibao_server::db::reports::VISIBLE_AFTER + std::time::Duration::from_millis(200)).await;
    }

    // In arrival order, each with who filed it and its receipt.
    let mine = vec![
        found.id,
        rectified.id,
        closed.id,
        first.id,
        his_follow_up.id,
        own_follow_up.id,
    ];
    let (ids, records, next) = records_page(&app, &app.client, THREAD_RECORDS_PATH).await;
    assert_eq!(ids, mine);
    assert_eq!(next, None);
    assert_eq!(records[2].report, closed, "the record as filed");
    let author = records[2].author.as_ref().expect("the office account");
    assert_eq!((author.username.as_str(), author.role), ("officer-t1", Role::Officer));
    assert!(records.windows(2).all(|w| w[0].receipt.seq < w[1].receipt.seq));
    // The colleague's phone reads her thread, the officer's record in it
    // too; the officer began no thread.
    let (theirs_only, _, _) = records_page(&app, &colleague, THREAD_RECORDS_PATH).await;
    assert_eq!(theirs_only, vec![theirs.id, in_theirs.id]);
    let (none, _, _) = records_page(&app, &officer, THREAD_RECORDS_PATH).await;
    assert!(none.is_empty(), "{none:?}");

    // A page at a time, and from a receipt number on.
    let (page, _, next) = records_page(&app, &app.client, &format!("{THREAD_RECORDS_PATH}?limit=4")).await;
    assert_eq!(page, mine[..4]);
    let next = next.expect("a next page");
    let (rest, _, after) = records_page(&app, &app.client, &next).await;
    assert_eq!((rest.as_slice(), after), (&mine[4..], None));
    let (later, _, _) = records_page(
        &app,
        &app.client,
        &format!(
            "{THREAD_RECORDS_PATH}?{}",
            kuaibao_core::wire::page::PageQuery::default().next_after(records[4].receipt.seq)
        ),
    )
    .await;
    assert_eq!(later, vec![own_follow_up.id]);

    // No session, no records; a bad page is named.
    let anonymous = Client::new()
        .get(app.url(THREAD_RECORDS_PATH))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let (status, error) = api_error(app.get_as(&app.client, &format!("{THREAD_RECORDS_PATH}?after=x")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.fields[0].field, "after");
    app.stop().await;
}

/// On PostgreSQL receipt numbers are handed out before commits, and the
/// phones' reader of records by number lists only what is older than any
/// write may take to commit (`VISIBLE_AFTER`). A write held up past its
/// deadline (here behind a lock on the photos) is given up, 503 and
/// nothing stored, rather than committed late under a number a reader may
/// have moved past; sent again, it is stored. SQLite commits in number
/// order, one writer at a time: nothing to give up there.
#[tokio::test]
async fn a_record_that_cannot_commit_soon_after_its_receipt_time_is_given_up_and_taken_when_sent_again() {
    use super::uploads::{hazard_with_photos, jpeg};
    use kuaibao_server::db::reports::{VISIBLE_AFTER, WRITE_DEADLINE};
    assert!(WRITE_DEADLINE < VISIBLE_AFTER);
    let (app, dirs) = spawn_app().await;
    if dirs.database_url.is_none() {
        app.stop().await;
        return;
    }
    let report = hazard_with_photos(&[&jpeg(3_000, 9)]);
    let pool = dirs.pool().await;
    let mut held = pool.begin().await.expect("begin");
    sqlx::query("LOCK TABLE photos IN EXCLUSIVE MODE")
        .execute(&mut *held)
        .await
        .expect("lock");
    let started = std::time::Instant::now();
    let res = app.submit(&report).await;
    let took = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
    // At its deadline, not at the lock's own timeout (5 s).
    assert!(
        took < WRITE_DEADLINE + std::time::Duration::from_millis(1500),
        "given up at its deadline: {took:?}"
    );
    held.rollback().await.expect("unlock");
    let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM reports WHERE id = $1")
        .bind(report.id.to_string())
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored");
    pool.close().await;
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    app.stop().await;
}
