//! The ingest measurement (issue 6) that `ingest` runs on fresh databases
//! and `province` on databases of two million reports: 100 clients posting
//! reports through the release server, next to the raw durable insert rate
//! of the same database in the same run, and the server's memory and CPU.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{TimeDelta, Utc};
use kuaibao_core::rules::catalogue::GENERAL_INCIDENT;
use kuaibao_core::wire::protocol::{SESSION_PATH, SUBMIT_REPORT_PATH};
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{Report, ReportId, Stage};
use kuaibao_server::db;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use super::{rss_kib, Env, DEVICE, PASSWORD, USERNAME};

pub const CLIENTS: usize = 100;
pub const WARMUP: Duration = Duration::from_secs(2);
pub const MEASURE: Duration = Duration::from_secs(10);
pub const RAW_MEASURE: Duration = Duration::from_secs(6);

// ---------------------------------------------------------------------------
// Reports.

pub fn random10() -> [u8; 10] {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ now_ms().rotate_left(20);
    let mut x = seed | 1;
    let mut out = [0u8; 10];
    for b in &mut out {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    out
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A valid general incident, fresh UUIDv7 id, its event an hour ago.
pub fn incident() -> Report {
    let mut answers = kuaibao_core::rules::examples::filled(&GENERAL_INCIDENT);
    let occurred = (Utc::now().with_timezone(&beijing()) - TimeDelta::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    answers.insert("occurred_at".to_owned(), occurred);
    Report {
        id: ReportId::from_parts(now_ms(), random10()),
        thread: None,
        thread_key: None,
        stage: Stage::Initial,
        template_id: GENERAL_INCIDENT.id.into(),
        template_version: GENERAL_INCIDENT.version,
        answers,
        written_at: Utc::now().with_timezone(&beijing()),
        grade: None,
        photos: Vec::new(),
        clock_offset_ms: None,
    }
}

// ---------------------------------------------------------------------------
// The server (started by `support`) and its database.

pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("kb_bench_{:x}_{}", now_ms(), std::process::id());
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to the PostgreSQL server of KUAIBAO_TEST_POSTGRES_URL");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("CREATE DATABASE");
    let _ = conn.close().await;
    format!("{base}/{name}")
}

pub async fn login(client: &Client, base: &str) -> String {
    login_as(client, base, USERNAME, PASSWORD).await
}

/// A session of `username` on the bench's phone.
pub async fn login_as(client: &Client, base: &str, username: &str, password: &str) -> String {
    let res = client
        .post(format!("{base}{SESSION_PATH}"))
        .json(&kuaibao_core::account::LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_id: DEVICE.to_owned(),
        })
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::CREATED, "login of {username}");
    res.json::<kuaibao_core::account::Session>()
        .await
        .expect("session")
        .token
}

pub fn client(token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header value"),
    );
    Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// utime + stime of /proc/<pid>/stat, in seconds (USER_HZ = 100).
pub fn cpu_s(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub struct Http {
    pub reports_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub rss_peak_mb: f64,
    pub rss_mean_mb: f64,
    pub rss_idle_mb: f64,
    pub rss_started_mb: f64,
    pub sent: usize,
    /// CPU seconds of the server process during the measured window.
    pub server_cpu_s: f64,
    /// CPU seconds of this bench process (the 100 clients) in that window.
    pub client_cpu_s: f64,
    pub token: String,
}

/// 100 tasks, each with its own session and connection, posting reports as
/// fast as answers come back: `WARMUP` unmeasured, then `MEASURE`.
pub async fn http_load(env: &Env, pid: u32) -> Http {
    let base = env.base();
    // 100 sessions of one reporter (logins are argon2: a few at a time).
    let rss_started = rss_kib(pid).unwrap_or(0);
    let anon = Client::new();
    let mut tokens = Vec::with_capacity(CLIENTS);
    for chunk in 0..CLIENTS / 4 {
        let _ = chunk;
        let batch = futures_join4(&anon, &base).await;
        tokens.extend(batch);
    }
    let rss_idle = rss_kib(pid).unwrap_or(0);
    let token0 = tokens[0].clone();
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let stop_at = measure_from + MEASURE;
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for token in tokens {
        let client = client(&token);
        let url = format!("{base}{SUBMIT_REPORT_PATH}");
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(4096);
            loop {
                let report = incident();
                let t0 = Instant::now();
                if t0 >= stop_at {
                    break;
                }
                let res = client.post(&url).json(&report).send().await;
                let ok = match res {
                    Ok(res) => {
                        let status = res.status();
                        let _ = res.bytes().await;
                        status == StatusCode::CREATED
                    }
                    Err(_) => false,
                };
                let t1 = Instant::now();
                if t0 >= measure_from && t1 <= stop_at {
                    if ok {
                        lat.push(t1 - t0);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    // RSS while the load runs.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut samples = Vec::new();
            tokio::time::sleep_until(measure_from.into()).await;
            let cpu0 = (cpu_s(&pid.to_string()), cpu_s("self"));
            let mut cpu1 = cpu0;
            while !done.load(Ordering::Relaxed) {
                if Instant::now() <= stop_at {
                    cpu1 = (cpu_s(&pid.to_string()), cpu_s("self"));
                }
                if Instant::now() >= measure_from {
                    if let Some(k) = rss_kib(pid) {
                        samples.push(k);
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (samples, cpu1.0 - cpu0.0, cpu1.1 - cpu0.1)
        })
    };
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client task"));
    }
    done.store(true, Ordering::Relaxed);
    let (samples, server_cpu_s, client_cpu_s) = sampler.await.expect("sampler");
    all.sort();
    let mb = |k: f64| k / 1024.0;
    Http {
        reports_per_s: all.len() as f64 / MEASURE.as_secs_f64(),
        p50_ms: percentile(&all, 0.50),
        p99_ms: percentile(&all, 0.99),
        errors: errors.load(Ordering::Relaxed),
        rss_peak_mb: mb(samples.iter().copied().max().unwrap_or(0) as f64),
        rss_mean_mb: mb(samples.iter().sum::<u64>() as f64 / samples.len().max(1) as f64),
        rss_idle_mb: mb(rss_idle as f64),
        rss_started_mb: mb(rss_started as f64),
        sent: all.len(),
        server_cpu_s,
        client_cpu_s,
        token: token0,
    }
}

pub async fn futures_join4(client: &Client, base: &str) -> Vec<String> {
    let (a, b, c, d) = tokio::join!(
        login(client, base),
        login(client, base),
        login(client, base),
        login(client, base)
    );
    vec![a, b, c, d]
}

/// Rows a second: 100 tasks inserting report rows straight into `reports`
/// of the same database, one transaction per row, on a pool opened by the
/// server's own `db::open` (same pool size and durability settings).
pub async fn raw_insert(url: &str) -> f64 {
    let pool = db::open(url, db::DEFAULT_BUSY_TIMEOUT)
        .await
        .expect("open the database");
    let (user_id, area_id): (String, String) = sqlx::query_as("SELECT id, area_id FROM users LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("the reporter's row");
    let stop_at = Instant::now() + RAW_MEASURE;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let pool = pool.clone();
        let (user_id, area_id) = (user_id.clone(), area_id.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop_at {
                let report = incident();
                let body = db::reports::canonical_body(&report).expect("body");
                let sha = {
                    use sha2::Digest;
                    format!("{:x}", sha2::Sha256::digest(body.as_bytes()))
                };
                let id = report.id.to_string();
                let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                let mut tx = pool.begin().await.expect("begin");
                sqlx::query(
                    "INSERT INTO reports \
                         (id, template_id, template_version, body, body_sha256, written_at, received_at, \
                          thread_id, stage, stage_rank, stage_n, grade_suggested, grade_chosen, \
                          author_id, area_id, device_id, clock_offset_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&id)
                .bind(&report.template_id)
                .bind(i64::from(report.template_version))
                .bind(&body)
                .bind(&sha)
                .bind(report.written_at.to_rfc3339())
                .bind(&now)
                .bind(&id)
                .bind("{\"kind\":\"initial\"}")
                .bind(0i64)
                .bind(0i64)
                .bind(Some("IV"))
                .bind(None::<String>)
                .bind(&user_id)
                .bind(&area_id)
                .bind(DEVICE)
                .bind(None::<i64>)
                .execute(&mut *tx)
                .await
                .expect("insert");
                tx.commit().await.expect("commit");
                n += 1;
            }
            n
        }));
    }
    let t0 = Instant::now();
    let mut rows = 0;
    for t in tasks {
        rows += t.await.expect("raw task");
    }
    let elapsed = t0.elapsed().max(RAW_MEASURE);
    pool.close().await;
    rows as f64 / elapsed.as_secs_f64()
}

/// Reports a second through the server's own storage path without HTTP:
/// the `Caller` extractor's session lookup (through the server's session
/// cache, as the extractor does), `validate`, then
/// `db::reports::store` (insert and audit row), from 100
/// tasks on a pool opened like the server's. Tells how much of the gap
/// between HTTP and raw is the database work per report.
pub async fn store_path(url: &str, token: &str) -> f64 {
    let pool = db::open(url, db::DEFAULT_BUSY_TIMEOUT)
        .await
        .expect("open the database");
    let sha = kuaibao_server::auth::token::token_sha256(token);
    let sessions = Arc::new(kuaibao_server::auth::cache::SessionCache::new());
    let stop_at = Instant::now() + RAW_MEASURE;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let pool = pool.clone();
        let sha = sha.clone();
        let sessions = sessions.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop_at {
                let session = sessions
                    .live_session(&pool, &sha, Utc::now())
                    .await
                    .expect("session lookup")
                    .expect("a live session");
                let report = incident();
                let template = kuaibao_core::validate(&report).expect("valid report");
                let sender = db::reports::Sender {
                    user_id: session.user.account.id.clone(),
                    area_id: session.user.account.area.id.clone(),
                    device_id: Some(session.device_id.clone()),
                    clock_offset_ms: None,
                    sms: None,
                    first_receipt: None,
                };
                let canonical = db::reports::Canonical::of(&report).expect("body");
                let stored = db::reports::store(&pool, &report, &canonical, template, &sender)
                    .await
                    .expect("store");
                assert!(matches!(stored, db::reports::Stored::Created(_)));
                n += 1;
            }
            n
        }));
    }
    let t0 = Instant::now();
    let mut rows = 0;
    for t in tasks {
        rows += t.await.expect("store task");
    }
    let elapsed = t0.elapsed().max(RAW_MEASURE);
    pool.close().await;
    rows as f64 / elapsed.as_secs_f64()
}

pub struct Result1 {
    pub http: Http,
    /// PostgreSQL only: live changes the server could not relay to other
    /// replicas during the load (its `kuaibao_relay_dropped_total`).
    pub relay_dropped: Option<f64>,
    /// Rows a second of the raw durable insert: the mean of the windows
    /// before and after the HTTP run ([`run_on`]).
    pub raw: f64,
    pub raw_before: f64,
    pub raw_after: f64,
    pub store: f64,
}

pub async fn run_one(bin: &Path, database_url: Option<String>) -> Result1 {
    let env = Env::new(bin, database_url);
    env.add_reporter().await;
    run_on(&env).await
}

/// [`run_one`] on a database already made (the province bench's): `env`
/// has the bench reporter ([`Env::add_reporter`]).
///
/// The raw rate is measured on both sides of the HTTP run and the ratio
/// taken against their mean: both are bound by the disk's flushes, whose
/// rate drifts here by half over a minute (more so after the browser
/// benches' writes), and one raw window after the HTTP one gave ratios
/// from 0.41 to 0.68 for the same code. What other benches left unwritten
/// is flushed first, so it is not charged to whichever window comes first.
pub async fn run_on(env: &Env) -> Result1 {
    flush_disk();
    let raw_before = raw_insert(&env.url()).await;
    let mut server = env.start_with(&[("KUAIBAO_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let pid = server.id().expect("server pid");
    let http = http_load(env, pid).await;
    let relay_dropped = metric(&env.base(), "kuaibao_relay_dropped_total").await;
    let _ = server.kill().await;
    let _ = server.wait().await;
    let raw_after = raw_insert(&env.url()).await;
    let store = store_path(&env.url(), &http.token).await;
    Result1 {
        http,
        relay_dropped,
        raw: (raw_before + raw_after) / 2.0,
        raw_before,
        raw_after,
        store,
    }
}

/// Writes out what the system holds unwritten (`sync(1)`), so a window's
/// flushes are its own.
fn flush_disk() {
    if let Err(e) = std::process::Command::new("sync").status() {
        println!("(could not run sync: {e}; the first raw window may carry other writes)");
    }
}

/// The scraper's secret the bench starts its server with.
const METRICS_TOKEN: &str = "bench-metrics-token-0123456789abcdef";

/// One unlabelled sample of the server's `/api/metrics`, if it has it.
async fn metric(base: &str, name: &str) -> Option<f64> {
    let text = Client::new()
        .get(format!("{base}/api/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

pub fn figures(key: &str, name: &str, note: &str, r: &Result1) -> Vec<Value> {
    let ratio = r.http.reports_per_s / r.raw;
    let relay = r.relay_dropped.map(|dropped| {
        json!({"id": format!("ingest.{key}.relay_dropped"), "label": format!("Live changes not relayed to other replicas during the load, {name}"), "value": dropped, "unit": "changes", "budget": {"max": 0}})
    });
    let mut out = vec![
        json!({"id": format!("ingest.{key}.reports_per_s"), "label": format!("HTTP ingest, {CLIENTS} clients, {name}{note}"), "value": r.http.reports_per_s, "unit": "reports/s", "budget": null}),
        json!({"id": format!("ingest.{key}.p50_ms"), "label": format!("HTTP ingest latency p50, {CLIENTS} clients, {name}"), "value": r.http.p50_ms, "unit": "ms", "budget": null}),
        json!({"id": format!("ingest.{key}.p99_ms"), "label": format!("HTTP ingest latency p99, {CLIENTS} clients, {name}"), "value": r.http.p99_ms, "unit": "ms", "budget": null}),
        json!({"id": format!("ingest.{key}.errors"), "label": format!("HTTP ingest answers other than 201, {name}"), "value": r.http.errors, "unit": "requests", "budget": null}),
        json!({"id": format!("ingest.{key}.raw_rows_per_s"), "label": format!("Raw durable insert, one transaction per row, {CLIENTS} tasks, {name}{note}: mean of a window before the HTTP run ({:.0}) and one after ({:.0})", r.raw_before, r.raw_after), "value": r.raw, "unit": "rows/s", "budget": null}),
        json!({"id": format!("ingest.{key}.ratio"), "label": format!("HTTP ingest ÷ raw durable insert (that mean), {name}{note}"), "value": ratio, "unit": "ratio", "budget": {"min": 0.5}}),
        json!({"id": format!("ingest.{key}.store_path_per_s"), "label": format!("Server storage path without HTTP (session lookup through its 2 s cache + validate + db::reports::store), {CLIENTS} tasks, {name}{note}"), "value": r.store, "unit": "reports/s", "budget": null}),
        json!({"id": format!("ingest.{key}.server_cpu_ms_per_report"), "label": format!("Server process CPU per HTTP report, {name}"), "value": r.http.server_cpu_s * 1000.0 / r.http.sent.max(1) as f64, "unit": "ms", "budget": null}),
        json!({"id": format!("ingest.{key}.client_cpu_ms_per_report"), "label": format!("Load generator (same machine) CPU per HTTP report, {name}"), "value": r.http.client_cpu_s * 1000.0 / r.http.sent.max(1) as f64, "unit": "ms", "budget": null}),
        json!({"id": format!("ingest.{key}.rss_peak_mb"), "label": format!("Server RSS peak under ingest load, {name}"), "value": r.http.rss_peak_mb, "unit": "MB", "budget": null}),
        json!({"id": format!("ingest.{key}.rss_mean_mb"), "label": format!("Server RSS mean under ingest load, {name}"), "value": r.http.rss_mean_mb, "unit": "MB", "budget": null}),
        json!({"id": format!("ingest.{key}.rss_started_mb"), "label": format!("Server RSS just after start, before the 100 logins, {name}"), "value": r.http.rss_started_mb, "unit": "MB", "budget": null}),
        json!({"id": format!("ingest.{key}.rss_idle_mb"), "label": format!("Server RSS after the 100 logins (argon2), before the load, {name}"), "value": r.http.rss_idle_mb, "unit": "MB", "budget": null}),
    ];
    out.extend(relay);
    out
}

pub fn summary(name: &str, r: &Result1) {
    let ratio = r.http.reports_per_s / r.raw;
    println!(
        "{name}: HTTP {:.0} reports/s ({} in {:?}, {} errors), p50 {:.1} ms, p99 {:.1} ms; raw {:.0} rows/s (before {:.0}, after {:.0}); ratio {:.2} (budget ≥ 0.50: {}); RSS at start {:.1} MB, after 100 logins {:.1} MB, peak {:.1} MB, mean {:.1} MB; store path without HTTP {:.0} reports/s; CPU per HTTP report: server {:.2} ms, load generator {:.2} ms",
        r.http.reports_per_s,
        r.http.sent,
        MEASURE,
        r.http.errors,
        r.http.p50_ms,
        r.http.p99_ms,
        r.raw,
        r.raw_before,
        r.raw_after,
        ratio,
        if ratio >= 0.5 { "pass" } else { "FAIL" },
        r.http.rss_started_mb,
        r.http.rss_idle_mb,
        r.http.rss_peak_mb,
        r.http.rss_mean_mb,
        r.store,
        r.http.server_cpu_s * 1000.0 / r.http.sent.max(1) as f64,
        r.http.client_cpu_s * 1000.0 / r.http.sent.max(1) as f64,
    );
    if let Some(dropped) = r.relay_dropped {
        let verdict = if dropped == 0.0 { "pass" } else { "FAIL" };
        println!("{name}: live changes not relayed to other replicas: {dropped} (budget 0: {verdict})");
    }
}
