//! Province-scale benchmark (issue 19, `cargo xtask bench --province`):
//! a year of a province — 2,000,000 reports, 200,000 accounts, an area tree
//! of 1 province, 14 districts, 120 townships, 1,200 villages and 5,040
//! grids — loaded into PostgreSQL with `COPY`, then, through the release
//! server:
//! - the office inbox's first and 50th page (following the `Link` cursors)
//!   for an officer of a grid, a township, a district and the province,
//!   p50/p99 (budget p99 ≤ 100 ms), each beside the time of the page's
//!   thread walk as raw SQL on the same database in the same run;
//! - a CSV export of a district of about 100,000 records: its time and the
//!   server's peak RSS (budget ≤ 100 MB);
//! - ingest under 100 clients with the two million rows there, against the
//!   raw durable insert rate (budget ≥ 0.5 of raw, as `ingest` measures it);
//!
//! and the inbox and export figures again on SQLite with 200,000 reports.
//!
//! Run: `cargo build --release -p kuaibao-server`, `cargo xtask postgres
//! start`, then `cargo bench -p kuaibao-server --bench province` with
//! `KUAIBAO_TEST_POSTGRES_URL` (absent: SQLite only), `KUAIBAO_BENCH_OUT`
//! and `KUAIBAO_SERVER_BIN` as for `ingest`; `KUAIBAO_PROVINCE_DIVISOR=100`
//! divides both loads' reports by 100 (a quick try of the bench itself). The bench makes its own
//! database and drops it at the end.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kuaibao_core::desk::office::INBOX_PATH;
use kuaibao_server::db::{self, reports::Scope, reports::ThreadWalk};
use reqwest::Client;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use support::ingest::{self, client, fresh_postgres_database, login_as, percentile};
use support::province::{self, Area, Plan, ReportRow, Reports, Scale, User};
use support::{rss_kib, server_and_runtime, write_figures, Env};
use tokio::sync::mpsc;

const PROVINCE: Scale = Scale {
    reports: 2_000_000,
    accounts: 200_000,
};
const SQLITE: Scale = Scale {
    reports: 200_000,
    accounts: 200_000,
};
/// The inbox's budget: p99 of a page, in ms.
const INBOX_P99_MS: f64 = 100.0;
/// The export's budget: the server's peak RSS, in MB.
const EXPORT_RSS_MB: f64 = 100.0;
/// Which page the deep figure reads.
const DEEP_PAGE: usize = 50;
/// Timed requests of each page (after one unmeasured), fewer when a page
/// takes over half a second (a slow page would otherwise take minutes).
const SAMPLES: usize = 30;
const SLOW_SAMPLES: usize = 5;
/// Rows in each COPY message.
const COPY_CHUNK: usize = 2_000;

// ---------------------------------------------------------------------------
// Loading.

/// A text field of COPY's text format: backslash, tab, newline and
/// carriage return escaped.
fn field(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// One row of COPY text from its fields (`None`: NULL).
fn copy_row(out: &mut String, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match f {
            Some(v) => field(out, v),
            None => out.push_str("\\N"),
        }
    }
    out.push('\n');
}

const REPORT_COLUMNS: &str = "id, template_id, template_version, body, body_sha256, written_at, received_at, \
     thread_id, stage, stage_rank, stage_n, grade_suggested, grade_chosen, author_id, area_id, device_id";
const PHOTO_COLUMNS: &str = "photo_id, report_id, blank, sha256, size, mime, arrived_at, storage_key";

/// The COPY text of a report's row, its photos' rows and their links.
fn encode(r: &ReportRow, reports: &mut String, photos: &mut String, links: &mut String) {
    let c = &r.columns;
    let (version, rank, n) = (
        r.template_version.to_string(),
        c.stage_rank.to_string(),
        c.stage_n.to_string(),
    );
    copy_row(
        reports,
        &[
            Some(&c.id),
            Some(r.template_id),
            Some(&version),
            Some(&c.body),
            Some(&c.body_sha256),
            Some(&c.written_at),
            Some(&r.received_at),
            Some(&c.thread_id),
            Some(&c.stage),
            Some(&rank),
            Some(&n),
            c.grade_suggested,
            c.grade_chosen,
            Some(&r.author_id),
            Some(&r.area_id),
            Some(&r.device_id),
        ],
    );
    for p in &r.photos {
        let size = p.size.to_string();
        copy_row(
            photos,
            &[
                Some(&p.photo_id),
                Some(&c.id),
                Some(&p.blank),
                Some(&p.sha256),
                Some(&size),
                Some("image/jpeg"),
                Some(&p.arrived_at),
                Some(&p.sha256),
            ],
        );
        copy_row(links, &[Some(&c.id), Some(&p.photo_id)]);
    }
}

/// A COPY into `table` on its own connection, fed chunks of text.
fn copy_task(url: String, statement: String) -> (mpsc::Sender<String>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<String>(8);
    let task = tokio::spawn(async move {
        let mut conn = loader_connection(&url).await;
        let mut copy = conn.copy_in_raw(&statement).await.expect("COPY … FROM STDIN");
        while let Some(chunk) = rx.recv().await {
            copy.send(chunk.into_bytes()).await.expect("COPY data");
        }
        copy.finish().await.expect("COPY finish");
    });
    (tx, task)
}

/// A connection for loading: foreign keys and triggers off for the session
/// (`session_replication_role = replica`, superuser only: the generator's
/// rows are consistent by construction, and checking 2 M author and area
/// references one by one was most of a row's cost), no wait for the WAL.
async fn loader_connection(url: &str) -> PgConnection {
    let mut conn = PgConnection::connect(url).await.expect("connect to the bench database");
    conn.execute(
        "SET session_replication_role = replica; SET synchronous_commit = off; \
         SET maintenance_work_mem = '512MB'",
    )
    .await
    .expect("loader settings");
    conn
}

/// The indexes of the tables the load fills that are not constraints:
/// dropped before the load and made again after it (one build from sorted
/// input is much faster than 2 M insertions).
async fn secondary_indexes(conn: &mut PgConnection) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT indexname, indexdef FROM pg_indexes \
         WHERE schemaname = 'public' AND tablename IN ('reports', 'photos', 'report_photos') \
           AND indexname NOT IN (SELECT conname FROM pg_constraint)",
    )
    .fetch_all(conn)
    .await
    .expect("the indexes")
}

struct Loaded {
    seconds: f64,
    index_seconds: f64,
    reports: usize,
    photos: usize,
    bytes: i64,
}

/// Loads the province into the PostgreSQL database at `url` (migrated).
async fn load_postgres(url: &str, areas: &[Area], users: &[User], plan: &Plan, reporters: &[usize]) -> Loaded {
    let t0 = Instant::now();
    let mut conn = loader_connection(url).await;
    let indexes = secondary_indexes(&mut conn).await;
    for (name, _) in &indexes {
        conn.execute(format!("DROP INDEX {name}").as_str())
            .await
            .expect("DROP INDEX");
    }
    let hash = kuaibao_server::auth::password::hash(province::PASSWORD).expect("argon2 hash");
    let now = db::photos::db_time(chrono::Utc::now());
    let mut text = String::new();
    for a in areas {
        copy_row(
            &mut text,
            &[
                Some(&a.id),
                a.parent_id.as_deref(),
                Some(&a.name),
                Some(a.level),
                Some(&a.path),
                Some(&now),
            ],
        );
    }
    let mut copy = conn
        .copy_in_raw("COPY areas (id, parent_id, name, level, path, created_at) FROM STDIN")
        .await
        .expect("COPY areas");
    copy.send(std::mem::take(&mut text).into_bytes()).await.expect("areas");
    copy.finish().await.expect("areas");
    for u in users {
        copy_row(
            &mut text,
            &[
                Some(&u.id),
                Some(&u.username),
                Some(&u.display_name),
                Some(u.role),
                Some(&u.area_id),
                Some(&hash),
                Some(&now),
            ],
        );
    }
    let mut copy = conn
        .copy_in_raw("COPY users (id, username, display_name, role, area_id, password_hash, created_at) FROM STDIN")
        .await
        .expect("COPY users");
    copy.send(text.into_bytes()).await.expect("users");
    copy.finish().await.expect("users");

    // Three COPYs at once, each on its connection; the rows are made and
    // encoded on a thread of their own (serde and SHA-256 are the
    // generator's cost) while PostgreSQL takes the previous chunk.
    let (reports_tx, reports_task) = copy_task(url.to_owned(), format!("COPY reports ({REPORT_COLUMNS}) FROM STDIN"));
    let (photos_tx, photos_task) = copy_task(url.to_owned(), format!("COPY photos ({PHOTO_COLUMNS}) FROM STDIN"));
    let (links_tx, links_task) = copy_task(
        url.to_owned(),
        "COPY report_photos (report_id, photo_id) FROM STDIN".to_owned(),
    );
    let total = plan.len();
    // `block_in_place`: this worker thread waits for the generator, so its
    // queued tasks (the COPYs just spawned) must move to another worker.
    let (reports_n, photos_n) = tokio::task::block_in_place(|| {
        std::thread::scope(|s| {
            // `move`: the senders go with the generator, so the COPYs end when it does.
            let maker = s.spawn(move || {
                let mut rows = Reports::new(plan, users, reporters);
                let (mut done, mut photos) = (0usize, 0usize);
                loop {
                    let (mut r, mut p, mut l) = (String::new(), String::new(), String::new());
                    let mut n = 0;
                    for row in rows.by_ref().take(COPY_CHUNK) {
                        photos += row.photos.len();
                        encode(&row, &mut r, &mut p, &mut l);
                        n += 1;
                    }
                    if n == 0 {
                        break;
                    }
                    done += n;
                    reports_tx.blocking_send(r).expect("the reports COPY");
                    photos_tx.blocking_send(p).expect("the photos COPY");
                    links_tx.blocking_send(l).expect("the links COPY");
                    if done % 200_000 < COPY_CHUNK {
                        println!("  {done} of {total} reports sent ({:.0} s)", t0.elapsed().as_secs_f64());
                    }
                }
                (done, photos)
            });
            maker.join().expect("the generator")
        })
    });
    for task in [reports_task, photos_task, links_task] {
        task.await.expect("a COPY");
    }
    let copied = t0.elapsed();
    println!(
        "  rows copied in {:.0} s; building {} indexes",
        copied.as_secs_f64(),
        indexes.len()
    );
    // Two builds at a time: one per core.
    let mut builds = Vec::new();
    for part in indexes.chunks(indexes.len().div_ceil(2).max(1)) {
        let url = url.to_owned();
        let part = part.to_vec();
        builds.push(tokio::spawn(async move {
            let mut conn = loader_connection(&url).await;
            for (_, def) in part {
                conn.execute(def.as_str()).await.expect("CREATE INDEX");
            }
        }));
    }
    for b in builds {
        b.await.expect("index build");
    }
    conn.execute("VACUUM ANALYZE").await.expect("VACUUM ANALYZE");
    let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await
        .expect("database size");
    let _ = conn.close().await;
    Loaded {
        seconds: t0.elapsed().as_secs_f64(),
        index_seconds: (t0.elapsed() - copied).as_secs_f64(),
        reports: reports_n,
        photos: photos_n,
        bytes,
    }
}

/// Loads the same kind of province into SQLite at `url` (migrated) in one
/// transaction: SQLite has no COPY, and one transaction makes its inserts
/// cheap.
async fn load_sqlite(url: &str, areas: &[Area], users: &[User], plan: &Plan, reporters: &[usize]) -> Loaded {
    let t0 = Instant::now();
    let pool = db::open(url, db::DEFAULT_BUSY_TIMEOUT).await.expect("open SQLite");
    let hash = kuaibao_server::auth::password::hash(province::PASSWORD).expect("argon2 hash");
    let now = db::photos::db_time(chrono::Utc::now());
    let mut tx = pool.begin().await.expect("begin");
    for a in areas {
        sqlx::query("INSERT INTO areas (id, parent_id, name, level, path, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&a.id)
            .bind(a.parent_id.as_deref())
            .bind(&a.name)
            .bind(a.level)
            .bind(&a.path)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .expect("area");
    }
    for u in users {
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, area_id, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(u.role)
        .bind(&u.area_id)
        .bind(&hash)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .expect("user");
    }
    let (mut reports, mut photos) = (0, 0);
    for r in Reports::new(plan, users, reporters) {
        let c = &r.columns;
        sqlx::query(&format!(
            "INSERT INTO reports ({REPORT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(&c.id)
        .bind(r.template_id)
        .bind(r.template_version)
        .bind(&c.body)
        .bind(&c.body_sha256)
        .bind(&c.written_at)
        .bind(&r.received_at)
        .bind(&c.thread_id)
        .bind(&c.stage)
        .bind(c.stage_rank)
        .bind(c.stage_n)
        .bind(c.grade_suggested)
        .bind(c.grade_chosen)
        .bind(&r.author_id)
        .bind(&r.area_id)
        .bind(&r.device_id)
        .execute(&mut *tx)
        .await
        .expect("report");
        for p in &r.photos {
            sqlx::query(&format!(
                "INSERT INTO photos ({PHOTO_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&p.photo_id)
            .bind(&c.id)
            .bind(&p.blank)
            .bind(&p.sha256)
            .bind(p.size)
            .bind("image/jpeg")
            .bind(&p.arrived_at)
            .bind(&p.sha256)
            .execute(&mut *tx)
            .await
            .expect("photo");
            sqlx::query("INSERT INTO report_photos (report_id, photo_id) VALUES ($1, $2)")
                .bind(&c.id)
                .bind(&p.photo_id)
                .execute(&mut *tx)
                .await
                .expect("photo link");
            photos += 1;
        }
        reports += 1;
    }
    tx.commit().await.expect("commit");
    sqlx::query("ANALYZE").execute(&pool).await.expect("ANALYZE");
    pool.close().await;
    Loaded {
        seconds: t0.elapsed().as_secs_f64(),
        index_seconds: 0.0,
        reports,
        photos,
        bytes: 0,
    }
}

// ---------------------------------------------------------------------------
// Measuring.

/// p50 and p99 of `samples` timings of `run`, in ms; fewer when it is slow.
async fn timed<F, Fut>(mut run: F) -> (f64, f64, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let t = Instant::now();
    run().await;
    let n = if t.elapsed() > Duration::from_millis(500) {
        SLOW_SAMPLES
    } else {
        SAMPLES
    };
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        run().await;
        all.push(t.elapsed());
    }
    all.sort();
    (percentile(&all, 0.5), percentile(&all, 0.99), n)
}

/// GET `url`, the body read whole; the next page's address, if any.
async fn get_page(http: &Client, url: &str) -> Option<String> {
    let res = http.get(url).send().await.expect("GET a page");
    assert!(res.status().is_success(), "{url}: {}", res.status());
    let next = res
        .headers()
        .get(reqwest::header::LINK)
        .and_then(|v| v.to_str().ok())
        .and_then(kuaibao_core::wire::page::next_of)
        .map(str::to_owned);
    let _ = res.bytes().await.expect("the page's body");
    next
}

/// The `after` cursor of a page's address.
fn cursor(url: &str) -> Option<i64> {
    url.split(['?', '&'])
        .find_map(|p| p.strip_prefix("after="))
        .and_then(|v| v.parse().ok())
}

/// The inbox figures of one officer: the first page and page
/// [`DEEP_PAGE`] (or the last, when there are fewer), over HTTP and as the
/// raw SQL of the page's thread walk.
async fn inbox(
    env: &Env,
    pool: &db::Pool,
    backend: &str,
    key: &str,
    who: &str,
    officer: (&str, &str),
    path: &str,
) -> Vec<Value> {
    let base = env.base();
    let token = login_as(&Client::new(), &base, officer.0, province::PASSWORD).await;
    let http = client(&token);
    let first = format!("{base}{INBOX_PATH}");
    // Walk to the deep page, following the links as the desk does.
    let (mut url, mut page) = (first.clone(), 1);
    let walk_started = Instant::now();
    while page < DEEP_PAGE {
        match get_page(&http, &url).await {
            Some(next) => {
                url = format!("{base}{next}");
                page += 1;
            }
            None => break,
        }
    }
    let walk_s = walk_started.elapsed().as_secs_f64();
    let deep = url;
    let scope = Scope::Area {
        path: path.to_owned(),
        legacy: false,
    };
    let mut out = Vec::new();
    // The inbox reads threads in batches of its default page (100 threads,
    // 101 rows: one more says whether a next page follows).
    let limit = kuaibao_core::wire::page::DEFAULT_LIMIT;
    for (which, url, after) in [
        ("first page", first.clone(), None),
        (&*format!("page {page}"), deep.clone(), cursor(&deep)),
    ] {
        let (p50, p99, n) = timed(|| {
            let (http, url) = (&http, &url);
            async move {
                get_page(http, url).await;
            }
        })
        .await;
        let (raw50, raw99, _) = timed(|| {
            let scope = &scope;
            async move {
                let walk = ThreadWalk {
                    after,
                    limit,
                    newest_first: true,
                    thread: None,
                    templates: None,
                };
                // As a page does: its areas asked, then its threads.
                let areas = db::reports::few_areas(pool, scope).await.expect("the scope's areas");
                db::reports::thread_heads(pool, scope, areas.as_deref(), walk)
                    .await
                    .expect("thread walk");
            }
        })
        .await;
        let slug = if after.is_some() { "deep" } else { "first" };
        println!(
            "{backend} inbox, {who}, {which}: HTTP p50 {p50:.1} ms, p99 {p99:.1} ms ({n} requests; budget p99 ≤ {INBOX_P99_MS}: {}); raw SQL thread walk p50 {raw50:.1} ms, p99 {raw99:.1} ms",
            if p99 <= INBOX_P99_MS { "pass" } else { "FAIL" }
        );
        let id = format!("province.{key}.inbox.{slug}");
        out.push(json!({"id": format!("{id}.p50_ms"), "label": format!("{backend}: inbox {which} (limit {limit}), {who}: p50 of {n}"), "value": p50, "unit": "ms", "budget": null}));
        out.push(json!({"id": format!("{id}.p99_ms"), "label": format!("{backend}: inbox {which}, {who}: p99"), "value": p99, "unit": "ms", "budget": {"max": INBOX_P99_MS}}));
        out.push(json!({"id": format!("{id}.raw_p99_ms"), "label": format!("{backend}: the same page's thread walk as raw SQL (db::reports::thread_heads, {} rows), {who}: p50 {raw50:.1} ms, p99", limit + 1), "value": raw99, "unit": "ms", "budget": null}));
    }
    if page < DEEP_PAGE {
        println!("{backend} inbox, {who}: only {page} pages (the last measured instead of page {DEEP_PAGE})");
    }
    out.push(json!({"id": format!("province.{key}.inbox.walk_s"), "label": format!("{backend}: inbox pages 1 to {page} followed by Link, {who}, in all"), "value": walk_s, "unit": "s", "budget": null}));
    out
}

/// The CSV export of `officer`'s area: its time, bytes, records, and the
/// server's RSS peak meanwhile (sampled every 20 ms).
async fn export(
    env: &Env,
    pid: u32,
    pool: &db::Pool,
    backend: &str,
    key: &str,
    officer: (&str, &str),
    path: &str,
) -> Vec<Value> {
    let base = env.base();
    let token = login_as(&Client::new(), &base, officer.0, province::PASSWORD).await;
    let records: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reports AS r JOIN areas AS a ON a.id = r.area_id \
         WHERE substr(a.path, 1, length($1)) = $1",
    )
    .bind(path)
    .fetch_one(pool)
    .await
    .expect("count the area's records");
    let before = rss_kib(pid).unwrap_or(0);
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(k) = rss_kib(pid) {
                    peak.fetch_max(k, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let t = Instant::now();
    let mut res = client(&token)
        .get(format!("{base}{}", kuaibao_server::export::CSV_PATH))
        .timeout(Duration::from_secs(1800))
        .send()
        .await
        .expect("GET the CSV");
    assert!(res.status().is_success(), "CSV export: {}", res.status());
    let mut bytes = 0usize;
    while let Some(chunk) = res.chunk().await.expect("the CSV's body") {
        bytes += chunk.len();
    }
    let seconds = t.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.await.expect("sampler");
    let peak_mb = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    println!(
        "{backend} CSV export of {records} records ({bytes} bytes): {seconds:.1} s; server RSS {:.1} MB before, peak {peak_mb:.1} MB (budget ≤ {EXPORT_RSS_MB}: {})",
        before as f64 / 1024.0,
        if peak_mb <= EXPORT_RSS_MB { "pass" } else { "FAIL" }
    );
    vec![
        json!({"id": format!("province.{key}.export.seconds"), "label": format!("{backend}: CSV export of a district's {records} records ({} MB), streamed", bytes / 1_000_000), "value": seconds, "unit": "s", "budget": null}),
        json!({"id": format!("province.{key}.export.rss_peak_mb"), "label": format!("{backend}: server RSS peak during that export"), "value": peak_mb, "unit": "MB", "budget": {"max": EXPORT_RSS_MB}}),
    ]
}

/// The officers measured, by level: key, label, account, area path.
fn officers(areas: &[Area]) -> Vec<(&'static str, &'static str, (&'static str, &'static str), String)> {
    let path = |id: &str| {
        areas
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.path.clone())
            .expect("a measured officer's area")
    };
    [
        ("grid", "grid officer", province::GRID_OFFICER),
        ("township", "township officer", province::TOWNSHIP_OFFICER),
        ("district", "district officer", province::DISTRICT_OFFICER),
        ("province", "province officer", province::PROVINCE_OFFICER),
    ]
    .into_iter()
    .map(|(k, label, o)| (k, label, o, path(o.1)))
    .collect()
}

/// Loads one backend's province and measures it.
async fn measure(bin: &std::path::Path, database_url: Option<String>, scale: Scale) -> Vec<Value> {
    let backend = if database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    let key = backend.to_lowercase();
    let env = Env::new(bin, database_url);
    let url = env.url();
    // Migrated by the server's own code: the schema is the server's.
    let pool = db::open(&url, db::DEFAULT_BUSY_TIMEOUT)
        .await
        .expect("open the bench database");
    db::migrate(&pool).await.expect("migrate the bench database");
    pool.close().await;
    let (areas, grids) = province::areas();
    let (users, reporters) = province::users(&areas, &grids, scale);
    let t = Instant::now();
    let plan = Plan::new(scale, reporters.len(), province::plan_now());
    println!(
        "{backend}: planned {} reports over {} areas ({} grids) and {} accounts in {:.1} s; loading",
        plan.len(),
        areas.len(),
        grids.len(),
        users.len(),
        t.elapsed().as_secs_f64()
    );
    let loaded = if backend == "PostgreSQL" {
        load_postgres(&url, &areas, &users, &plan, &reporters).await
    } else {
        load_sqlite(&url, &areas, &users, &plan, &reporters).await
    };
    drop(plan);
    let size_mb = if loaded.bytes > 0 {
        loaded.bytes as f64 / 1e6
    } else {
        std::fs::metadata(env.data.path().join(db::DB_FILE)).map_or(0.0, |m| m.len() as f64 / 1e6)
    };
    println!(
        "{backend}: loaded {} reports, {} photos, {} accounts in {:.0} s ({:.0} s of it building indexes); database {size_mb:.0} MB",
        loaded.reports,
        loaded.photos,
        users.len(),
        loaded.seconds,
        loaded.index_seconds
    );
    let scale_text = format!("{} reports", loaded.reports);
    let mut out = vec![
        json!({"id": format!("province.{key}.load_s"), "label": format!("{backend}: load of {} reports, {} photos, {} accounts, {} areas ({}; indexes built after: {:.0} s)", loaded.reports, loaded.photos, users.len(), areas.len(), if backend == "PostgreSQL" { "COPY" } else { "one transaction" }, loaded.index_seconds), "value": loaded.seconds, "unit": "s", "budget": null}),
        json!({"id": format!("province.{key}.size_mb"), "label": format!("{backend}: database size with {scale_text}"), "value": size_mb, "unit": "MB", "budget": null}),
    ];
    let pool = db::open(&url, db::DEFAULT_BUSY_TIMEOUT)
        .await
        .expect("open the bench database");
    let mut server = env.start().await;
    let pid = server.id().expect("server pid");
    let label = format!("{backend}, {scale_text}");
    for (level, who, officer, path) in officers(&areas) {
        out.extend(inbox(&env, &pool, &label, &format!("{key}.{level}"), who, officer, &path).await);
    }
    let export_path = areas
        .iter()
        .find(|a| a.id == province::EXPORT_OFFICER.1)
        .map(|a| a.path.clone())
        .expect("the export's district");
    // A fresh server for the export, so its RSS peak is the export's.
    let _ = server.kill().await;
    let _ = server.wait().await;
    let mut server = env.start().await;
    let pid_export = server.id().unwrap_or(pid);
    out.extend(
        export(
            &env,
            pid_export,
            &pool,
            &label,
            &key,
            province::EXPORT_OFFICER,
            &export_path,
        )
        .await,
    );
    let _ = server.kill().await;
    let _ = server.wait().await;
    pool.close().await;
    if backend == "PostgreSQL" {
        // Ingest last: it adds rows.
        env.add_reporter().await;
        let r = ingest::run_on(&env).await;
        ingest::summary(&format!("{label} present"), &r);
        let all = ingest::figures(
            &format!("province_{key}"),
            &format!("{backend} with {scale_text} present"),
            " (test cluster: fsync=off)",
            &r,
        );
        // The rate, latency, raw rate and ratio; the memory and CPU
        // figures are ingest's own.
        out.extend(all.into_iter().take(6));
    }
    out
}

/// `scale` with its reports divided by `KUAIBAO_PROVINCE_DIVISOR`, if set.
fn divided(scale: Scale) -> Scale {
    let by = std::env::var("KUAIBAO_PROVINCE_DIVISOR")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    Scale {
        reports: scale.reports / by,
        ..scale
    }
}

/// Drops the bench's database (its name is the URL's last segment).
async fn drop_database(admin: &str, url: &str) {
    let name = url.rsplit('/').next().expect("a database name");
    let mut conn = PgConnection::connect(admin).await.expect("connect as admin");
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .expect("DROP DATABASE");
    let _ = conn.close().await;
}

fn main() {
    let (bin, rt) = server_and_runtime("province");
    rt.block_on(async {
        let started = Instant::now();
        let mut out = Vec::new();
        let mut notes = Vec::new();
        out.extend(measure(&bin, None, divided(SQLITE)).await);
        match std::env::var("KUAIBAO_TEST_POSTGRES_URL") {
            Ok(admin) if !admin.is_empty() => {
                let url = fresh_postgres_database(&admin).await;
                let scale = divided(PROVINCE);
                // Dropped even when a measurement panics: 2 M rows are
                // gigabytes.
                let measured = tokio::spawn({
                    let (bin, url) = (bin.clone(), url.clone());
                    async move { measure(&bin, Some(url), scale).await }
                })
                .await;
                drop_database(&admin, &url).await;
                out.extend(measured.expect("the PostgreSQL province bench"));
            }
            _ => {
                let note = "PostgreSQL province figures skipped: KUAIBAO_TEST_POSTGRES_URL is not set (`cargo xtask postgres start`)";
                println!("{note}");
                notes.push(note);
            }
        }
        let minutes = started.elapsed().as_secs_f64() / 60.0;
        println!("province bench: {minutes:.1} min in all");
        out.push(json!({"id": "province.minutes", "label": "the province step in all (both loads and every measurement)", "value": minutes, "unit": "min", "budget": null}));
        write_figures(out, &notes);
    });
}
