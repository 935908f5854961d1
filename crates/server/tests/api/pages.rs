//! Every list endpoint a page at a time (issue 19): each is walked with a
//! small `limit`, following the `Link` header to the end, while records
//! arrive between two pages. Every row that was there when the walk began
//! comes exactly once, nothing comes twice, and no page is longer than the
//! limit. A `limit` over 1000 or a cursor the server never gave is 400
//! naming `limit` or `after`.

use std::collections::HashSet;

use kuaibao_core::account::Role;
use kuaibao_core::desk::accountability::ACCOUNTABILITY_PATH;
use kuaibao_core::desk::office::{AskFollowUp, HAZARDS_PATH, INBOX_PATH, MY_REQUESTS_PATH};
use kuaibao_core::desk::signing::{Sign, SIGNATURES_PATH};
use kuaibao_core::wire::crash::{CrashKind, CrashReport, CRASHES_PATH};
use reqwest::Client;
use serde_json::Value;
use uuid::Uuid;

use super::office::{hazard_due_in, user_in};
use super::*;

/// The page size of every walk: small, so a handful of rows makes pages.
const LIMIT: usize = 2;

/// The pages of the list at `first` (its query without `limit`) as
/// `client` reads them, following `Link` to the end; `between` runs once,
/// after the first page.
async fn walk(app: &TestApp, client: &Client, first: &str, between: impl AsyncFnOnce()) -> Vec<Value> {
    let join = if first.contains('?') { '&' } else { '?' };
    let mut next = Some(format!("{first}{join}limit={LIMIT}"));
    let mut between = Some(between);
    let mut pages = Vec::new();
    while let Some(path) = next {
        let res = app.get_as(client, &path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        next = next_link(&res);
        if let Some(link) = &next {
            assert!(link.contains("after=k"), "an opaque cursor: {link}");
        }
        pages.push(res.json::<Value>().await.expect("a JSON page"));
        if let Some(between) = between.take() {
            between().await;
        }
        assert!(pages.len() <= 50, "the walk of {first} ends");
    }
    pages
}

/// Checks the ids of each page: at most [`LIMIT`] a page, none twice,
/// every one of `before` (there when the walk began), and nothing but
/// those and `arrived` (rows stored during the walk).
fn exactly_once(list: &str, pages: &[Vec<String>], before: &[String], arrived: &[String]) {
    assert!(pages.len() > 1, "{list}: more than one page: {pages:?}");
    let mut seen = HashSet::new();
    for page in pages {
        assert!(page.len() <= LIMIT, "{list}: a page of at most {LIMIT}: {page:?}");
        for id in page {
            assert!(seen.insert(id.clone()), "{list}: {id} came twice: {pages:?}");
        }
    }
    for id in before {
        assert!(seen.contains(id), "{list}: {id} was skipped: {pages:?}");
    }
    for id in &seen {
        assert!(
            before.contains(id) || arrived.contains(id),
            "{list}: {id} is none of the rows: {pages:?}"
        );
    }
}

/// The strings at `pointer` in each element of the array at `array`.
fn ids(page: &Value, array: &str, pointer: &str) -> Vec<String> {
    page.pointer(array)
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(|row| row.pointer(pointer).and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn crash() -> CrashReport {
    CrashReport {
        id: Uuid::new_v4(),
        build: "abc1234".to_owned(),
        page: "/#/new".to_owned(),
        kind: CrashKind::Panic,
        message: "panicked at src/main.rs:1:1: 测试".to_owned(),
        at: Utc::now(),
    }
}

fn thread_path(path: &str, thread: ReportId) -> String {
    path.replace("{id}", &thread.to_string())
}

async fn post(client: &Client, url: String, body: &impl serde::Serialize) {
    let res = client.post(url).json(body).send().await.expect("POST");
    assert!(res.status().is_success(), "{}", res.text().await.unwrap_or_default());
}

#[tokio::test]
async fn every_list_walks_page_by_page_with_nothing_twice_or_missing_while_records_arrive() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let id = |r: &Report| r.id.to_string();

    // Five incidents, five hazards already overdue (each an entry of the
    // accountability ledger), a few records each, signings, requests and
    // crashes.
    let mut incidents = Vec::new();
    for _ in 0..5 {
        let report = incident(Stage::Initial, None, 0);
        app.submit_as(&app.client, &report).await;
        incidents.push(report);
    }
    let mut hazards = Vec::new();
    for _ in 0..5 {
        let report = hazard_due_in(-3);
        app.submit_as(&app.client, &report).await;
        hazards.push(report);
    }
    let thread = incidents[0].id;
    let sign = |report: ReportId| Sign {
        id: Uuid::new_v4(),
        report_id: report,
        recipient: "区应急管理局".to_owned(),
        reviewer: "王审核".to_owned(),
        step: None,
    };
    let mut signings = Vec::new();
    let mut requests = Vec::new();
    for (i, report) in incidents.iter().enumerate() {
        let signing = sign(thread);
        post(&officer, app.url(&thread_path(SIGNATURES_PATH, thread)), &signing).await;
        signings.push(signing.id.to_string());
        let ask = AskFollowUp {
            id: Uuid::new_v4(),
            message: format!("请续报第 {i} 项"),
        };
        post(
            &officer,
            app.url(&thread_path(kuaibao_core::desk::office::ASK_PATH, report.id)),
            &ask,
        )
        .await;
        requests.push(ask.id.to_string());
    }
    let mut crashes = Vec::new();
    for _ in 0..5 {
        let report = crash();
        post(&app.client, app.url(CRASHES_PATH), &report).await;
        crashes.push(report.id.to_string());
    }
    let all_threads: Vec<String> = incidents.iter().chain(&hazards).map(id).collect();
    let hazard_threads: Vec<String> = hazards.iter().map(id).collect();

    // Between pages: a new thread of each kind, and new records of threads
    // already read and not yet read (a thread's key is its first record's,
    // so neither moves).
    let arrivals = std::cell::RefCell::new(Vec::<String>::new());
    let arrive = async || {
        let fresh_incident = incident(Stage::Initial, None, 0);
        let fresh_hazard = hazard_due_in(-3);
        app.submit_as(&app.client, &fresh_incident).await;
        app.submit_as(&app.client, &fresh_hazard).await;
        for report in [&incidents[0], &incidents[4]] {
            let follow_up = incident(Stage::FollowUp { n: 1 }, Some(report.id), 1);
            app.submit_as(&app.client, &follow_up).await;
        }
        let rectifying = hazard(Stage::Rectifying, Some(hazards[0].id), 1);
        app.submit_as(&app.client, &rectifying).await;
        arrivals.borrow_mut().extend([id(&fresh_incident), id(&fresh_hazard)]);
    };

    // The inbox: threads, newest first.
    let pages = walk(&app, &app.admin, INBOX_PATH, arrive).await;
    let pages: Vec<_> = pages.iter().map(|p| ids(p, "/threads", "/thread_id")).collect();
    exactly_once("inbox", &pages, &all_threads, &arrivals.borrow());

    // The hazard ledger: hazards by area, a page of hazards at a time.
    let pages = walk(&app, &app.admin, HAZARDS_PATH, async || {
        let fresh = hazard_due_in(5);
        app.submit_as(&app.client, &fresh).await;
        arrivals.borrow_mut().push(id(&fresh));
    })
    .await;
    let pages: Vec<Vec<String>> = pages
        .iter()
        .map(|p| {
            p["areas"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|area| ids(area, "/hazards", "/thread_id"))
                .collect()
        })
        .collect();
    let before: Vec<String> = hazard_threads.clone();
    exactly_once("hazards", &pages, &before, &arrivals.borrow());
    assert!(
        pages.concat().iter().all(|t| !incidents.iter().any(|r| &id(r) == t)),
        "no incident in the hazard ledger"
    );

    // The accountability ledger: a page of threads, each with its entries;
    // a thread's entries all on one page. Which threads have entries (the
    // overdue hazards, and incidents whose first deadlines passed) is read
    // whole first.
    let res = app.get_as(&officer, &format!("{ACCOUNTABILITY_PATH}?limit=1000")).await;
    assert!(next_link(&res).is_none(), "one page holds them all");
    let mut with_entries = ids(&res.json().await.expect("a ledger"), "/entries", "/thread_id");
    with_entries.sort();
    with_entries.dedup();
    assert!(
        hazard_threads.iter().all(|t| with_entries.contains(t)),
        "every overdue hazard has an entry"
    );
    let pages = walk(&app, &officer, ACCOUNTABILITY_PATH, async || {
        let fresh = hazard_due_in(-3);
        app.submit_as(&app.client, &fresh).await;
        arrivals.borrow_mut().push(id(&fresh));
    })
    .await;
    let pages: Vec<Vec<String>> = pages
        .iter()
        .map(|p| {
            let mut threads = ids(p, "/entries", "/thread_id");
            threads.dedup();
            threads.sort();
            threads.dedup();
            threads
        })
        .collect();
    exactly_once("accountability", &pages, &with_entries, &arrivals.borrow());

    // A thread's signings, oldest first: one signed meanwhile comes last.
    let mut signed_meanwhile = Vec::new();
    let pages = walk(&app, &officer, &thread_path(SIGNATURES_PATH, thread), async || {
        let signing = sign(thread);
        post(&officer, app.url(&thread_path(SIGNATURES_PATH, thread)), &signing).await;
        signed_meanwhile.push(signing.id.to_string());
    })
    .await;
    let pages: Vec<_> = pages.iter().map(|p| ids(p, "", "/id")).collect();
    exactly_once("signatures", &pages, &signings, &signed_meanwhile);
    assert_eq!(
        pages.concat().last(),
        signed_meanwhile.last(),
        "the new signing comes last"
    );

    // The reporter's requests, oldest first.
    let mut asked_meanwhile = Vec::new();
    let pages = walk(&app, &app.client, MY_REQUESTS_PATH, async || {
        let ask = AskFollowUp {
            id: Uuid::new_v4(),
            message: "再请续报".to_owned(),
        };
        post(
            &officer,
            app.url(&thread_path(kuaibao_core::desk::office::ASK_PATH, thread)),
            &ask,
        )
        .await;
        asked_meanwhile.push(ask.id.to_string());
    })
    .await;
    let pages: Vec<_> = pages.iter().map(|p| ids(p, "", "/id")).collect();
    exactly_once("my requests", &pages, &requests, &asked_meanwhile);

    // Crash reports, newest first; the counts per build on the first page.
    let mut crashed_meanwhile = Vec::new();
    let pages = walk(&app, &app.admin, CRASHES_PATH, async || {
        let report = crash();
        post(&app.client, app.url(CRASHES_PATH), &report).await;
        crashed_meanwhile.push(report.id.to_string());
    })
    .await;
    assert_eq!(pages[0]["builds"][0]["count"], 5, "the first page counts the builds");
    assert!(pages[1..].iter().all(|p| p["builds"] == serde_json::json!([])));
    let pages: Vec<_> = pages.iter().map(|p| ids(p, "/latest", "/report/id")).collect();
    exactly_once("crashes", &pages, &crashes, &crashed_meanwhile);

    // The reporter's own reports, in arrival order.
    let stored: Vec<String> = app.list().await.iter().map(|s| s.report.id.to_string()).collect();
    let pages = walk(&app, &app.client, SUBMIT_REPORT_PATH, async || {
        app.submit_as(&app.client, &incident(Stage::Initial, None, 0)).await;
    })
    .await;
    let pages: Vec<_> = pages.iter().map(|p| ids(p, "", "/receipt/id")).collect();
    let arrived: Vec<String> = app.list().await.iter().map(|s| s.report.id.to_string()).collect();
    exactly_once("reports", &pages, &stored, &arrived);
    app.stop().await;
}

#[tokio::test]
async fn a_filtered_inbox_page_carries_its_filter_into_the_next_link() {
    let (app, _dirs) = spawn_app().await;
    let mut open = Vec::new();
    for _ in 0..5 {
        let report = incident(Stage::Initial, None, 0);
        app.submit_as(&app.client, &report).await;
        open.push(report.id.to_string());
        // Hazards in between, which the filter drops.
        app.submit_as(&app.client, &hazard_due_in(3)).await;
    }
    let category = GENERAL_INCIDENT.id;
    let pages = walk(
        &app,
        &app.admin,
        &format!("{INBOX_PATH}?category={category}"),
        async || {},
    )
    .await;
    let pages: Vec<_> = pages.iter().map(|p| ids(p, "/threads", "/thread_id")).collect();
    exactly_once("filtered inbox", &pages, &open, &[]);
    // One thread's line alone.
    let res = app
        .get_as(&app.admin, &format!("{INBOX_PATH}?thread={}", open[2]))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        ids(&res.json().await.expect("inbox"), "/threads", "/thread_id"),
        vec![open[2].clone()]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_limit_over_1000_or_a_made_up_cursor_is_400_naming_the_field() {
    let (app, _dirs) = spawn_app().await;
    let thread = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &thread).await;
    let lists = [
        SUBMIT_REPORT_PATH.to_owned(),
        INBOX_PATH.to_owned(),
        format!("{INBOX_PATH}?stage=open"),
        HAZARDS_PATH.to_owned(),
        ACCOUNTABILITY_PATH.to_owned(),
        thread_path(SIGNATURES_PATH, thread.id),
        MY_REQUESTS_PATH.to_owned(),
        CRASHES_PATH.to_owned(),
    ];
    for list in lists {
        let join = if list.contains('?') { '&' } else { '?' };
        for (query, field) in [
            ("limit=1001", "limit"),
            ("limit=0", "limit"),
            ("limit=ten", "limit"),
            ("after=42", "after"),
            ("after=k%21", "after"),
            ("limit=5&limit=6", "limit"),
        ] {
            let (status, error) = api_error(app.get_as(&app.admin, &format!("{list}{join}{query}")).await).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{list} {query}");
            assert_eq!(
                error.error,
                kuaibao_core::wire::protocol::ApiErrorCode::BadRequest,
                "{list} {query}"
            );
            let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, vec![field], "{list} {query}");
            assert!(
                !error.fields[0].message(kuaibao_core::Lang::Zh).is_ascii(),
                "a Chinese message first: {list} {query}"
            );
        }
        // 1000 is the most, and is fine.
        let res = app.get_as(&app.admin, &format!("{list}{join}limit=1000")).await;
        assert_eq!(res.status(), StatusCode::OK, "{list}");
    }
    app.stop().await;
}

/// A small area's pages are read area by area (`db::reports::few_areas`),
/// a large one's by a walk of every record by arrival: both give the same
/// threads in the same order. Township `d-t1` is given 70 more grids, so
/// its officer's pages come from the walk by arrival and a grid officer's
/// area by area; what the grid officer reads, page after page, is exactly
/// what the township officer reads of that grid, and the reports list
/// likewise.
#[tokio::test]
async fn a_small_area_read_area_by_area_pages_as_the_walk_by_arrival() {
    use kuaibao_core::account::{AreaLevel, AreaRef};
    use kuaibao_server::db::reports::{self, Scope};
    use kuaibao_server::db::{accounts, audit::Actor};

    let (app, dirs) = spawn_app().await;
    let pool = dirs.pool().await;
    let grids: Vec<String> = (1..=70).map(|n| format!("d-t1-v1-x{n}")).collect();
    for grid in &grids {
        let area = AreaRef {
            id: grid.clone(),
            name: format!("网格 {grid}"),
            level: AreaLevel::Grid,
        };
        accounts::add_area(&pool, &Actor::command_line(), &area, Some("d-t1-v1"))
            .await
            .expect("the database")
            .expect("a new grid");
    }
    let township = Scope::Area {
        path: "/d/d-t1/".to_owned(),
        legacy: false,
    };
    let small = Scope::Area {
        path: "/d/d-t1/d-t1-v1/d-t1-v1-x2/".to_owned(),
        legacy: false,
    };
    assert_eq!(reports::few_areas(&pool, &township).await.expect("areas"), None);
    assert_eq!(
        reports::few_areas(&pool, &small).await.expect("areas"),
        Some(vec!["d-t1-v1-x2".to_owned()])
    );
    pool.close().await;

    // Reports from three of the new grids and the old one, interleaved, a
    // follow-up in each of the first grid's threads.
    let officer = user_in(&dirs, &app, "officer-d-t1", Role::Officer, "d-t1").await;
    let grid_officer = user_in(&dirs, &app, "officer-x2", Role::Officer, "d-t1-v1-x2").await;
    let mut reporters = vec![app.client.clone()];
    for grid in ["d-t1-v1-x1", "d-t1-v1-x2", "d-t1-v1-x70"] {
        reporters.push(user_in(&dirs, &app, &format!("reporter-{grid}"), Role::Reporter, grid).await);
    }
    let mut mine = Vec::new();
    for round in 0..3 {
        for (r, reporter) in reporters.iter().enumerate() {
            let report = incident(Stage::Initial, None, round);
            app.submit_as(reporter, &report).await;
            if r == 2 {
                mine.push(report.id.to_string());
                let follow_up = incident(Stage::FollowUp { n: 1 }, Some(report.id), round + 1);
                app.submit_as(reporter, &follow_up).await;
            }
        }
    }

    let threads =
        |pages: Vec<Value>| -> Vec<String> { pages.iter().flat_map(|p| ids(p, "/threads", "/thread_id")).collect() };
    // The inbox orders a page's threads by urgency, so only the walk's
    // content is compared here; its order is the reports list's, below.
    let all = threads(walk(&app, &officer, INBOX_PATH, async || {}).await);
    assert_eq!(all.len(), 12, "the township's threads: {all:?}");
    let mut of_grid: Vec<String> = all.iter().filter(|t| mine.contains(t)).cloned().collect();
    let mut grid_walk = threads(walk(&app, &grid_officer, INBOX_PATH, async || {}).await);
    of_grid.sort();
    grid_walk.sort();
    mine.sort();
    assert_eq!(of_grid, mine, "the grid's threads in the township's walk");
    assert_eq!(grid_walk, mine, "the grid officer's walk: each thread once");

    let records = |pages: Vec<Value>| -> Vec<String> { pages.iter().flat_map(|p| ids(p, "", "/receipt/id")).collect() };
    let township_records = records(walk(&app, &officer, SUBMIT_REPORT_PATH, async || {}).await);
    assert_eq!(township_records.len(), 15, "every record of the township");
    let grid_records = records(walk(&app, &grid_officer, SUBMIT_REPORT_PATH, async || {}).await);
    assert_eq!(grid_records.len(), 6, "the grid's records: {grid_records:?}");
    let expected: Vec<String> = township_records
        .iter()
        .filter(|r| grid_records.contains(r))
        .cloned()
        .collect();
    assert_eq!(grid_records, expected, "in the same order");
    app.stop().await;
}

/// Every paged query is served by an index, on whichever database the
/// tests run: SQLite never reads a table whole (`SCAN`) nor sorts a page
/// in a temporary B-tree; PostgreSQL, with sequential scans off, finds no
/// query that needs one nor a sort. The plans are printed for
/// docs/operations.md (`-- --nocapture`).
#[tokio::test]
async fn every_paged_query_is_served_by_an_index() {
    let (app, dirs) = spawn_app().await;
    let pool = dirs.pool().await;
    let plans = db::plans::paged(&pool).await.expect("the plans");
    assert!(plans.len() >= 10, "every paged query: {plans:?}");
    let postgres = dirs.database_url.is_some();
    for plan in &plans {
        println!("{}:", plan.query);
        for line in &plan.lines {
            println!("    {line}");
        }
        let text = plan.lines.join("\n");
        // A reporter's requests, and her threads' records, are found
        // through her own threads (by index) and that handful sorted:
        // cheaper than walking every request or record in the table in
        // order to find hers.
        let may_sort = plan.query.starts_with("requests, a reporter's own")
            || plan.query.starts_with("records of a reporter's threads");
        // A small area's page is read area by area, each area's first
        // page-plus-one rows through `reports (area_id, seq)`; SQLite then
        // reads each of those branches (`SCAN a0`) and sorts it: at most
        // 101 rows a branch, whatever the size of the table.
        let by_area = plan.query.ends_with("area by area");
        if by_area {
            assert!(
                text.contains("reports_area_seq"),
                "{}: area by area:\n{text}",
                plan.query
            );
        }
        let branch = |line: &str| {
            by_area
                && (line.strip_prefix("SCAN a").is_some_and(|n| n.parse::<u32>().is_ok())
                    || line == "USE TEMP B-TREE FOR ORDER BY")
        };
        assert!(!plan.lines.is_empty(), "{}: a plan", plan.query);
        // Whether a record begins its thread is asked of the thread's
        // index, not by walking the reporter's earlier records (found by a
        // review: quadratic in hers on SQLite).
        if plan.query.starts_with("threads, a reporter's own") {
            assert!(
                text.contains("reports_thread_seq") || text.contains("reports_thread_id"),
                "{}: the thread's index:\n{text}",
                plan.query
            );
            assert_eq!(
                text.matches("reports_author").count(),
                1,
                "{}: once, outside:\n{text}",
                plan.query
            );
        }
        if postgres {
            assert!(!text.contains("Seq Scan"), "{}: a sequential scan:\n{text}", plan.query);
            assert!(may_sort || !text.contains("Sort  ("), "{}: a sort:\n{text}", plan.query);
            assert!(text.contains("Index"), "{}: an index:\n{text}", plan.query);
        } else {
            for line in plan.lines.iter().filter(|line| !branch(line)) {
                assert!(!line.starts_with("SCAN "), "{}: {line}:\n{text}", plan.query);
                assert!(
                    may_sort || !line.contains("TEMP B-TREE"),
                    "{}: {line}:\n{text}",
                    plan.query
                );
            }
            assert!(
                text.contains("PRIMARY KEY") || text.contains("INDEX"),
                "{}: an index:\n{text}",
                plan.query
            );
        }
    }
    pool.close().await;
    app.stop().await;
}

/// The exports are written batch by batch (500 threads a batch): 501
/// threads cross a batch boundary, and the files still hold every thread
/// once, in arrival order, and parse whole (the GeoJSON's comma between
/// batches, the CSV's rows).
#[tokio::test]
async fn streamed_exports_hold_every_thread_once_across_batches() {
    let (app, _dirs) = spawn_app().await;
    let mut sent = Vec::new();
    for _ in 0..501 {
        let report = incident(Stage::Initial, None, 0);
        app.submit_as(&app.client, &report).await;
        sent.push(report.id.to_string());
    }
    let res = app.get_as(&app.admin, kuaibao_server::export::CSV_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.expect("the CSV");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "one byte-order mark, first");
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[3..]);
    let threads: Vec<String> = reader
        .records()
        .map(|r| r.expect("an RFC 4180 record")[0].to_owned())
        .collect();
    assert_eq!(threads, sent, "a row per record, threads in arrival order");

    let res = app.get_as(&app.admin, kuaibao_server::export::GEOJSON_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.expect("the GeoJSON");
    let collection: geojson::FeatureCollection = text.parse().expect("one FeatureCollection");
    let ids: Vec<String> = collection
        .features
        .iter()
        .filter_map(|f| f.properties.as_ref()?.get("thread_id")?.as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids, sent, "a feature per thread, in arrival order");
    app.stop().await;
}

/// The streamed downloads end cleanly when compressed: the compression
/// layer polls a body once more after its end (an unfused stream panicked
/// there, and the browser's download never finished).
#[tokio::test]
async fn streamed_downloads_end_when_compressed() {
    let (app, _dirs) = spawn_app().await;
    app.submit_as(&app.client, &hazard_due_in(-3)).await;
    let paths = [
        kuaibao_server::export::CSV_PATH,
        kuaibao_server::export::GEOJSON_PATH,
        kuaibao_core::desk::accountability::ACCOUNTABILITY_CSV_PATH,
    ];
    for path in paths {
        for encoding in ["br", "gzip", "identity"] {
            let res = app
                .admin
                .get(app.url(path))
                .header("accept-encoding", encoding)
                .send()
                .await
                .expect("sent");
            assert_eq!(res.status(), StatusCode::OK, "{path} {encoding}");
            let body = tokio::time::timeout(Duration::from_secs(10), res.bytes())
                .await
                .expect("the body ends")
                .unwrap_or_else(|e| panic!("{path} {encoding}: the whole body: {e}"));
            assert!(!body.is_empty(), "{path} {encoding}");
        }
    }
    app.stop().await;
}

/// Whole threads are read for a page or an export a run at a time, each
/// run's records within a budget (`RECORDS_PER_READ`, one thread at its
/// bound): before, a page of threads grown to their bound was read at once
/// (a review's page of ten took 580 MiB). The runs keep the page's order;
/// a thread over the budget is a run alone; a thread with no record found
/// costs nothing.
#[tokio::test]
async fn threads_are_read_in_runs_within_a_budget_of_records() {
    let (app, dirs) = spawn_app().await;
    let thread = |n: i64| {
        let first = incident(Stage::Initial, None, 0);
        let rest: Vec<Report> = (1..n)
            .map(|k| incident(Stage::FollowUp { n: k as u32 }, Some(first.id), k))
            .collect();
        (first, rest)
    };
    let mut ids = Vec::new();
    for n in [3, 2, 1, 4] {
        let (first, rest) = thread(n);
        app.submit_as(&app.client, &first).await;
        for r in &rest {
            app.submit_as(&app.client, r).await;
        }
        ids.push(first.id);
    }
    let nowhere = ReportId::from_parts(1, [7; 10]);
    ids.insert(2, nowhere);
    let pool = dirs.pool().await;
    // 3 | 2 + none + 1 | 4 (over the budget, alone).
    assert_eq!(db::reports::runs(&pool, &ids, 3).await.expect("runs"), vec![1, 3, 1]);
    assert_eq!(db::reports::runs(&pool, &ids, 100).await.expect("runs"), vec![5]);
    assert_eq!(
        db::reports::runs(&pool, &[], 3).await.expect("runs"),
        Vec::<usize>::new()
    );
    pool.close().await;
    app.stop().await;
}
