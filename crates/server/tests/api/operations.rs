//! Running a real deployment (issue 19, item 6): `GET /api/metrics` in
//! the Prometheus text format, for the scraper's token and administrators
//! only; `GET /api/ready`; and SIGTERM under load against the real binary:
//! ready turns 503, requests in flight (reports, a slow photo chunk)
//! finish and are stored, new ones are refused cleanly, the process exits
//! 0, and after a restart on the same data nothing acknowledged is missing
//! and nothing refused is there.

use std::collections::BTreeMap;
use std::time::Instant;

use tokio::io::AsyncWriteExt;

use super::slow::{read_answer, submit_head};
use super::uploads::{hazard_with_photos, jpeg, sha256_hex};
use super::*;

/// The scraper's secret of these tests (`KUAIBAO_METRICS_TOKEN`).
const METRICS_TOKEN: &str = "scraper-0123456789abcdef0123456789abcdef";

const METRICS_PATH: &str = "/api/metrics";
const READY_PATH: &str = "/api/ready";

/// One sample of the exposition: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Reads the Prometheus text format (0.0.4) as a scraper would, and fails
/// on any line that is not `# HELP name text`, `# TYPE name type` or
/// `name{label="value",…} value`, on a sample whose family has no `# TYPE`
/// line before it, and on a family typed twice.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or_else(|| panic!("bad TYPE line {line:?}"));
            assert!(is_metric_name(name), "TYPE of a bad name: {line:?}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "unknown type: {line:?}"
            );
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "typed twice: {line:?}"
            );
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default();
            assert!(is_metric_name(name), "HELP of a bad name: {line:?}");
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "stray line {line:?}");
        let sample = parse_sample(line);
        let family = ["_total", "_bucket", "_sum", "_count"]
            .iter()
            .filter_map(|suffix| sample.name.strip_suffix(suffix))
            .chain([sample.name.as_str()])
            .find(|family| types.contains_key(*family))
            .unwrap_or_else(|| panic!("no TYPE line before {line:?}"));
        assert!(!family.is_empty());
        samples.push(sample);
    }
    samples
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `name{a="x",b="y\"z"} 1.5` (labels optional).
fn parse_sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value in {line:?}"));
    let name = &line[..name_end];
    assert!(is_metric_name(name), "bad name in {line:?}");
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices().peekable();
        let end = loop {
            // A label name, `=`, a quoted value with `\\`, `\"`, `\n`.
            let start = chars.peek().map(|(i, _)| *i).unwrap_or(after.len());
            if after[start..].starts_with('}') {
                break start + 1;
            }
            let eq = after[start..].find('=').unwrap_or_else(|| panic!("no = in {line:?}")) + start;
            let label = &after[start..eq];
            assert!(
                is_metric_name(label) && !label.contains(':'),
                "bad label name {label:?} in {line:?}"
            );
            while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                chars.next();
            }
            assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "unquoted value in {line:?}");
            let mut value = String::new();
            loop {
                match chars.next().unwrap_or_else(|| panic!("unterminated value in {line:?}")) {
                    (_, '"') => break,
                    (_, '\\') => match chars.next().map(|(_, c)| c) {
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        other => panic!("bad escape {other:?} in {line:?}"),
                    },
                    (_, c) => value.push(c),
                }
            }
            labels.insert(label.to_owned(), value);
            match chars.next() {
                Some((_, ',')) => {}
                Some((i, '}')) => break i + 1,
                other => panic!("expected , or }} after a label, got {other:?} in {line:?}"),
            }
        };
        rest = &after[end..];
    }
    let value = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("no space before the value in {line:?}"));
    assert!(!value.contains(' '), "a timestamp or more after the value: {line:?}");
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number.parse().unwrap_or_else(|_| panic!("bad value in {line:?}")),
    };
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

/// The value of the sample `name` with exactly these labels; 0 when absent
/// (a counter not yet incremented has no series).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let want: BTreeMap<String, String> = labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    samples
        .iter()
        .find(|s| s.name == name && s.labels == want)
        .map_or(0.0, |s| s.value)
}

/// The one sample of a gauge without labels.
fn gauge(samples: &[Sample], name: &str) -> f64 {
    let found: Vec<&Sample> = samples.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0].value
}

/// Scrapes with the scraper's token: the text, checked for its type.
async fn scrape(base: &str) -> String {
    let res = authorized(METRICS_TOKEN)
        .get(format!("{base}{METRICS_PATH}"))
        .send()
        .await
        .expect("GET /api/metrics");
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()[CONTENT_TYPE].to_str().expect("ascii").to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    res.text().await.expect("text")
}

#[tokio::test]
async fn metrics_are_for_the_scrapers_token_and_administrators_only() {
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.metrics_token = Some(METRICS_TOKEN.to_owned())).await;
    let url = app.url(METRICS_PATH);

    let (status, error) = api_error(Client::new().get(&url).send().await.expect("GET")).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized)
    );
    assert!(error.message.contains("KUAIBAO_METRICS_TOKEN"), "{}", error.message);
    let wrong = format!("{METRICS_TOKEN}x");
    let (status, _) = api_error(authorized(&wrong).get(&url).send().await.expect("GET")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a token one character off");
    let (status, error) = api_error(app.client.get(&url).send().await.expect("GET")).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::FORBIDDEN, ApiErrorCode::Forbidden),
        "a reporter's session"
    );

    let by_admin = app.admin.get(&url).send().await.expect("GET");
    assert_eq!(by_admin.status(), StatusCode::OK);
    assert!(by_admin.headers()[CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .starts_with("text/plain; version=0.0.4"));
    assert!(!parse_exposition(&by_admin.text().await.expect("text")).is_empty());
    assert!(!parse_exposition(&scrape(&app.base).await).is_empty());
    app.stop().await;

    // Without a configured token, none is taken, however long.
    let app = start(&dirs).await;
    let res = authorized(METRICS_TOKEN)
        .get(app.url(METRICS_PATH))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.admin.get(app.url(METRICS_PATH)).send().await.expect("GET").status(),
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_in_prometheus_text() {
    let started = SystemTime::now();
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.metrics_token = Some(METRICS_TOKEN.to_owned())).await;
    let before = parse_exposition(&scrape(&app.base).await);

    let reports: Vec<Report> = (0..3).map(|_| new_report()).collect();
    for report in &reports {
        receipt(app.submit(report).await, StatusCode::CREATED).await;
        let res = app.get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let unknown = app.get(&format!("{SUBMIT_REPORT_PATH}/{}", new_id())).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let text = scrape(&app.base).await;
    let after = parse_exposition(&text);
    let increase = |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) - value(&before, name, labels);
    let one = "/api/reports/{id}";
    assert_eq!(
        increase(
            "kuaibao_http_requests_total",
            &[("method", "POST"), ("route", "/api/reports"), ("status", "2xx")]
        ),
        3.0
    );
    assert_eq!(
        increase(
            "kuaibao_http_requests_total",
            &[("method", "GET"), ("route", one), ("status", "2xx")]
        ),
        3.0
    );
    assert_eq!(
        increase(
            "kuaibao_http_requests_total",
            &[("method", "GET"), ("route", one), ("status", "4xx")]
        ),
        1.0
    );
    // The scrape before this one, counted under its own template.
    assert!(
        value(
            &after,
            "kuaibao_http_requests_total",
            &[("method", "GET"), ("route", METRICS_PATH), ("status", "2xx")]
        ) >= 1.0
    );
    // The route label is the template: no id ever becomes a series.
    for report in &reports {
        assert!(!text.contains(&report.id.to_string()), "{} in the metrics", report.id);
    }
    assert!(after
        .iter()
        .filter_map(|s| s.labels.get("route"))
        .all(|route| route.starts_with("/api")));

    // The latency histogram: four requests more, cumulative buckets up to
    // +Inf, which equals the count.
    let route = [("method", "GET"), ("route", one)];
    assert_eq!(
        value(&after, "kuaibao_http_request_duration_seconds_count", &route)
            - value(&before, "kuaibao_http_request_duration_seconds_count", &route),
        4.0
    );
    let mut buckets: Vec<(f64, f64)> = after
        .iter()
        .filter(|s| {
            s.name == "kuaibao_http_request_duration_seconds_bucket"
                && s.labels.get("method").map(String::as_str) == Some("GET")
                && s.labels.get("route").map(String::as_str) == Some(one)
        })
        .map(|s| {
            let le = s.labels["le"].as_str();
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("a bound")
            };
            (bound, s.value)
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(buckets.len(), 15, "14 fixed bounds and +Inf: {buckets:?}");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "cumulative: {buckets:?}");
    assert_eq!(
        buckets.last().map(|b| b.1),
        Some(value(&after, "kuaibao_http_request_duration_seconds_count", &route))
    );
    assert!(value(&after, "kuaibao_http_request_duration_seconds_sum", &route) > 0.0);

    // The gauges, each typed.
    for (name, kind) in [
        ("kuaibao_http_requests_total", "counter"),
        ("kuaibao_http_request_duration_seconds", "histogram"),
        ("kuaibao_http_requests_in_flight", "gauge"),
        ("kuaibao_db_pool_connections", "gauge"),
        ("kuaibao_password_checks_waiting", "gauge"),
        ("kuaibao_office_events_queued", "gauge"),
        ("kuaibao_tus_uploads_appending", "gauge"),
        ("process_start_time_seconds", "gauge"),
    ] {
        assert!(text.contains(&format!("\n# TYPE {name} {kind}\n")), "{name} {kind}");
    }
    // Nothing but the scrape (a probe, not counted) is in flight.
    assert_eq!(gauge(&after, "kuaibao_http_requests_in_flight"), 0.0);
    assert_eq!(gauge(&after, "kuaibao_draining"), 0.0);
    assert_eq!(gauge(&after, "kuaibao_password_checks_waiting"), 0.0);
    assert_eq!(gauge(&after, "kuaibao_tus_uploads_appending"), 0.0);
    assert_eq!(
        gauge(&after, "kuaibao_password_check_queue_capacity"),
        Config::default().login_queue as f64
    );
    let (open, idle, max) = (
        gauge(&after, "kuaibao_db_pool_connections"),
        gauge(&after, "kuaibao_db_pool_idle_connections"),
        gauge(&after, "kuaibao_db_pool_max_connections"),
    );
    assert!(1.0 <= open && idle <= open && open <= max, "{open} {idle} {max}");
    assert_eq!(
        after.iter().any(|s| s.name == "kuaibao_relay_queued"),
        dirs.database_url.is_some(),
        "the relay's queue, on PostgreSQL only"
    );
    if dirs.database_url.is_some() {
        assert!(text.contains("\n# TYPE kuaibao_relay_dropped_total counter\n"));
        assert_eq!(gauge(&after, "kuaibao_relay_dropped_total"), 0.0, "nothing dropped");
    } else {
        assert!(!text.contains("kuaibao_relay_dropped"));
    }
    let start_time = gauge(&after, "process_start_time_seconds");
    let since_epoch = |t: SystemTime| t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs_f64();
    assert!(
        since_epoch(started) - 1.0 <= start_time && start_time <= since_epoch(SystemTime::now()),
        "{start_time}"
    );
    app.stop().await;
}

/// On PostgreSQL, a batch of live changes the database refuses is counted
/// in `kuaibao_relay_dropped_total` like one a full queue dropped, and the
/// relay connects again for the next. (SQLite has no relay and no such
/// counter, before or after the same reports.)
#[tokio::test]
async fn live_changes_the_database_refuses_to_relay_are_counted() {
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.metrics_token = Some(METRICS_TOKEN.to_owned())).await;
    let dropped = || async {
        parse_exposition(&scrape(&app.base).await)
            .iter()
            .find(|s| s.name == "kuaibao_relay_dropped_total")
            .map(|s| s.value)
    };
    receipt(app.submit(&new_report()).await, StatusCode::CREATED).await;
    if dirs.database_url.is_none() {
        assert_eq!(dropped().await, None, "no relay on SQLite");
        app.stop().await;
        return;
    }
    let pool = dirs.pool().await;
    // The pid of the relay's own connection, open once its first change went.
    let notifier = || async {
        sqlx::query_scalar::<_, i32>(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
        )
        .bind(kuaibao_server::http::relay::NOTIFIER_NAME)
        .fetch_all(&pool)
        .await
        .expect("pg_stat_activity")
    };
    let first = polled(notifier, |pids| pids.len() == 1).await;
    assert_eq!(first.len(), 1, "the relay's connection: {first:?}");
    assert_eq!(dropped().await, Some(0.0), "nothing dropped yet");

    // The database ends the relay's connection: the next change's
    // notification fails, and is counted.
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(first[0])
        .fetch_one(&pool)
        .await
        .expect("pg_terminate_backend");
    assert!(ended);
    receipt(app.submit(&new_report()).await, StatusCode::CREATED).await;
    let counted = polled(dropped, |n| *n == Some(1.0)).await;
    assert_eq!(counted, Some(1.0), "the refused change is counted");

    // The next change goes through a new connection, and is not counted.
    receipt(app.submit(&new_report()).await, StatusCode::CREATED).await;
    let again = polled(notifier, |pids| pids.len() == 1 && *pids != first).await;
    assert!(again.len() == 1 && again != first, "connected again: {again:?}");
    assert_eq!(dropped().await, Some(1.0));
    app.stop().await;
}

/// What `read` gives once `done` holds of it, or after 10 s, as it stands.
async fn polled<T, F: std::future::Future<Output = T>>(read: impl Fn() -> F, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = read().await;
        if done(&value) || Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn ready_answers_503_while_the_data_dir_cannot_be_written() {
    let dirs = dirs();
    let app = start(&dirs).await;
    let anonymous = Client::new();
    let ready = || anonymous.get(app.url(READY_PATH)).send();

    let res = ready().await.expect("GET /api/ready");
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "status": "ready" }));

    // The data dir gone from under the server (its open database files
    // stay open): not ready, saying why, Chinese first.
    let path = dirs.data.path().to_owned();
    let moved = path.with_extension("moved");
    std::fs::rename(&path, &moved).expect("move the data dir away");
    let res = ready().await.expect("GET /api/ready");
    assert!(res.headers().contains_key("retry-after"));
    let (status, error) = api_error(res).await;
    std::fs::rename(&moved, &path).expect("put the data dir back");
    assert_eq!(
        (status, error.error),
        (StatusCode::SERVICE_UNAVAILABLE, ApiErrorCode::Unavailable)
    );
    assert!(error.message.starts_with("未就绪"), "{}", error.message);
    assert!(error.message.contains("数据目录不可写"), "{}", error.message);
    assert!(
        error.message.contains("the data dir cannot be written"),
        "{}",
        error.message
    );

    assert_eq!(ready().await.expect("GET /api/ready").status(), StatusCode::OK);
    // Liveness is another question: the process is up either way.
    assert_eq!(app.get(HEALTH_PATH).await.status(), StatusCode::OK);
    app.stop().await;
}

/// What a submission sent in a loop came to.
#[derive(Debug)]
enum Outcome {
    Stored(Receipt),
    /// 503 while draining: nothing read or stored.
    Refused,
    /// The server had stopped listening.
    NotConnected,
}

/// Submits new reports one after another, every `pause`, until one is
/// refused (as a phone stops at a 503 and waits `Retry-After`) or `max`
/// are sent.
async fn keep_submitting(app_base: String, client: Client, pause: Duration, max: usize) -> Vec<(Report, Outcome)> {
    let mut sent = Vec::new();
    for _ in 0..max {
        let report = new_report();
        let outcome = match client
            .post(format!("{app_base}{SUBMIT_REPORT_PATH}"))
            .json(&report)
            .send()
            .await
        {
            Ok(res) if res.status() == StatusCode::CREATED => Outcome::Stored(res.json().await.expect("a receipt")),
            Ok(res) => {
                let retry_after = res.headers().contains_key("retry-after");
                let (status, error) = api_error(res).await;
                assert_eq!(
                    (status, error.error, retry_after),
                    (StatusCode::SERVICE_UNAVAILABLE, ApiErrorCode::Unavailable, true),
                    "refused cleanly: {}",
                    error.message
                );
                Outcome::Refused
            }
            Err(e) => {
                assert!(
                    e.is_connect(),
                    "only a refused connection, never one cut mid-request: {e:?}"
                );
                Outcome::NotConnected
            }
        };
        let done = !matches!(outcome, Outcome::Stored(_));
        sent.push((report, outcome));
        if done {
            break;
        }
        tokio::time::sleep(pause).await;
    }
    sent
}

/// The server binary under load gets SIGTERM: 20 report submissions with
/// half their bodies sent, a photo chunk trickling in and four clients
/// submitting in a loop. Ready turns 503 at once and new requests are
/// answered 503 while those in flight finish; each of them is answered
/// 2xx and stored; the process exits 0 and stops listening; after a
/// restart on the same data dir every acknowledged report is there once
/// with its receipt, the photo byte-identical, and no refused report is.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_under_load_finishes_what_is_in_flight_and_loses_nothing() {
    const IN_FLIGHT_REPORTS: usize = 20;
    let dirs = dirs();
    let (app, mut child) = spawn_binary(
        &dirs,
        &[
            ("KUAIBAO_SHUTDOWN_GRACE_SECS", "20"),
            ("KUAIBAO_METRICS_TOKEN", METRICS_TOKEN),
        ],
    )
    .await;

    // A photo whose chunk will be on its way at the signal.
    let photo = jpeg(160 * 1024, 23);
    let hazard = hazard_with_photos(&[&photo]);
    receipt(app.submit(&hazard).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&hazard.photos[0]).await;
    let mut patch = app.connect().await;
    let head = app.patch_head(&location, photo.len());
    let first = 16 * 1024;
    patch.write_all(head.as_bytes()).await.expect("head");
    patch.write_all(&photo[..first]).await.expect("the first piece");

    // Twenty reports, each with its head and half its body sent.
    let reports: Vec<Report> = (0..IN_FLIGHT_REPORTS).map(|_| new_report()).collect();
    let mut posts = Vec::new();
    for report in &reports {
        let body = serde_json::to_vec(report).expect("json");
        let half = body.len() / 2;
        let mut stream = app.connect().await;
        stream
            .write_all(submit_head(&app, body.len()).as_bytes())
            .await
            .expect("head");
        stream.write_all(&body[..half]).await.expect("half the body");
        posts.push((stream, body[half..].to_vec()));
    }

    // All 21 are in the server's hands.
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let in_flight = gauge(
            &parse_exposition(&scrape(&app.base).await),
            "kuaibao_http_requests_in_flight",
        );
        if in_flight == (IN_FLIGHT_REPORTS + 1) as f64 {
            break;
        }
        assert!(Instant::now() < until, "{in_flight} requests in flight after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Four phones keep submitting, from before the signal to their refusal.
    let loops: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(keep_submitting(
                app.base.clone(),
                authorized(&app.token),
                Duration::from_millis(20),
                500,
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());

    // Draining: ready says 503 (on a fresh connection, as a load balancer
    // probes), and so does a new submission; nothing of it is stored.
    let fresh = || Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let until = Instant::now() + Duration::from_secs(5);
    let drain_message = loop {
        let res = fresh().get(app.url(READY_PATH)).send().await.expect("GET /api/ready");
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            let (_, error) = api_error(res).await;
            break error.message;
        }
        assert_eq!(res.status(), StatusCode::OK);
        assert!(Instant::now() < until, "ready still 200 five seconds after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(drain_message.starts_with("未就绪：服务器正在停止"), "{drain_message}");
    let during = new_report();
    let res = fresh()
        .post(app.url(SUBMIT_REPORT_PATH))
        .bearer_auth(&app.token)
        .json(&during)
        .send()
        .await
        .expect("POST while draining");
    assert_eq!(res.headers()["connection"], "close");
    assert!(res.headers().contains_key("retry-after"));
    let (status, error) = api_error(res).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::SERVICE_UNAVAILABLE, ApiErrorCode::Unavailable)
    );
    assert!(error.message.starts_with("服务器正在停止"), "{}", error.message);

    // What the server says meanwhile: draining, the photo's upload being
    // written, and the 21 in flight (a loop's last report admitted before
    // the signal may be finishing too, for a moment).
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let during_drain = parse_exposition(&scrape(&app.base).await);
        assert_eq!(gauge(&during_drain, "kuaibao_draining"), 1.0);
        assert_eq!(gauge(&during_drain, "kuaibao_tus_uploads_appending"), 1.0);
        let in_flight = gauge(&during_drain, "kuaibao_http_requests_in_flight");
        if in_flight == (IN_FLIGHT_REPORTS + 1) as f64 {
            break;
        }
        assert!(Instant::now() < until, "{in_flight} in flight while draining");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The requests in flight finish: the photo slowly, the reports at once.
    let rest = photo[first..].to_vec();
    let trickle = tokio::spawn(async move {
        for chunk in rest.chunks(16 * 1024) {
            patch.write_all(chunk).await.expect("a piece of the photo");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        read_answer(&mut patch, Duration::from_secs(15)).await
    });
    let mut receipts = Vec::new();
    for (mut stream, rest) in posts {
        stream.write_all(&rest).await.expect("the rest of the body");
        let answer = read_answer(&mut stream, Duration::from_secs(15))
            .await
            .expect("the report in flight is answered");
        assert_eq!(
            answer.status,
            201,
            "{} {}",
            answer.head,
            String::from_utf8_lossy(&answer.body)
        );
        let receipt: Receipt = serde_json::from_slice(&answer.body).expect("a receipt");
        receipts.push(receipt);
    }
    let answer = trickle.await.expect("join").expect("the photo chunk is answered");
    assert_eq!(
        answer.status,
        204,
        "{} {}",
        answer.head,
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.header("upload-offset"), Some(photo.len().to_string().as_str()));

    // The process ends by itself, well within its grace, and cleanly.
    let until = Instant::now() + Duration::from_secs(25);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < until, "still running 25 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
    let addr = app.addr().to_owned();
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "no longer listening"
    );

    let mut acknowledged: Vec<(Report, Receipt)> = reports.into_iter().zip(receipts).collect();
    let mut refused = vec![during];
    let mut background = 0;
    for handle in loops {
        for (report, outcome) in handle.await.expect("join") {
            background += 1;
            match outcome {
                Outcome::Stored(receipt) => acknowledged.push((report, receipt)),
                Outcome::Refused | Outcome::NotConnected => refused.push(report),
            }
        }
    }
    assert!(background > 4, "the loops submitted before the signal: {background}");
    assert!(refused.len() >= 5, "each loop ended refused: {}", refused.len());

    // After a restart on the same data: every acknowledged report once,
    // with the receipt it was given; nothing refused; the photo whole.
    let app = start(&dirs).await;
    for (report, receipt_given) in &acknowledged {
        assert_eq!(
            &sealed_receipt(app.submit(report).await, StatusCode::OK).await,
            receipt_given,
            "{} is stored with its receipt",
            report.id
        );
    }
    for report in &refused {
        let res = app.get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id)).await;
        assert_eq!(
            res.status(),
            StatusCode::NOT_FOUND,
            "refused {} is not stored",
            report.id
        );
    }
    let stored = app.list_as(&app.admin).await;
    assert_eq!(
        stored.len(),
        acknowledged.len() + 1,
        "the hazard and the acknowledged, nothing else"
    );
    assert_eq!(app.photo_status(hazard.id).await["arrived"], 1);
    let bytes = app.stored_photo(&hazard.photos[0].sha256).await;
    assert_eq!(sha256_hex(&bytes), hazard.photos[0].sha256);
    app.stop().await;
}
