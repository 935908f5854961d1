//! The API and the app files, tested over real HTTP against the real server
//! on a free port, each test with its own data dir and static dir.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{TimeDelta, Utc};
use kuaibao_core::protocol::{ApiError, ApiErrorCode, Receipt, HEALTH_PATH, SUBMIT_REPORT_PATH};
use kuaibao_core::validate::beijing;
use kuaibao_core::{Answers, ErrorCode, Report, ReportId};
use kuaibao_server::config::Config;
use kuaibao_server::db::reports::StoredReport;
use kuaibao_server::http::{IMMUTABLE, NO_CACHE};
use kuaibao_server::startup;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use reqwest::{Client, Response, StatusCode};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const INDEX_HTML: &str = "<!DOCTYPE html><title>快报</title>";
const SW_JS: &str = "self.addEventListener('fetch', () => {});";
const HASHED_FILE: &str = "kuaibao-0123456789abcdef.js";

/// A running server and the way to stop it.
struct TestApp {
    base: String,
    client: Client,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// A data dir and a static dir, kept apart from the server so a test can
/// restart the server on the same data.
struct Dirs {
    data: TempDir,
    static_files: TempDir,
}

fn dirs() -> Dirs {
    let static_files = TempDir::new().expect("static dir");
    for (name, text) in [
        ("index.html", INDEX_HTML),
        ("sw.js", SW_JS),
        (HASHED_FILE, "console.log(1);"),
    ] {
        std::fs::write(static_files.path().join(name), text).expect("write static file");
    }
    Dirs {
        data: TempDir::new().expect("data dir"),
        static_files,
    }
}

/// Starts a server on a fresh data dir.
async fn spawn_app() -> (TestApp, Dirs) {
    let dirs = dirs();
    let app = start(dirs.data.path(), dirs.static_files.path()).await;
    (app, dirs)
}

async fn start(data_dir: &Path, static_dir: &Path) -> TestApp {
    let config = Config {
        addr: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data_dir.to_owned(),
        static_dir: static_dir.to_owned(),
    };
    let server = startup::build(&config).await.expect("server starts");
    let base = format!("http://127.0.0.1:{}", server.port());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        client: Client::new(),
        stop,
        task,
    }
}

impl TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    async fn submit(&self, report: &Report) -> Response {
        self.client
            .post(self.url(SUBMIT_REPORT_PATH))
            .json(report)
            .send()
            .await
            .expect("POST")
    }

    async fn list(&self) -> Vec<StoredReport> {
        let res = self.get(SUBMIT_REPORT_PATH).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("list of stored reports")
    }

    /// Stops the server and waits until it has let go of the database.
    async fn stop(self) {
        self.stop.send(()).expect("server still running");
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("server stops within 10 s")
            .expect("server task")
            .expect("server ran cleanly");
    }
}

/// The same answers as the core's `filled()`, except that the event time is
/// an hour before now: the core's fixed date would lie in the future on a
/// machine whose clock is behind it.
fn filled() -> Answers {
    let occurred = (Utc::now().with_timezone(&beijing()) - TimeDelta::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    [
        ("occurred_at", occurred.as_str()),
        ("place", "青石村三组后山"),
        ("gps.lat", "30.6586"),
        ("gps.lon", "104.0648"),
        ("category", "natural_disaster"),
        ("what_happened", "山体滑坡，冲毁两间民房"),
        ("dead", "0"),
        ("injured", "2"),
        ("missing", "1"),
        ("measures", "已疏散 12 户群众"),
        ("reporter", "李秀英"),
        ("phone", "138 0000 1234"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn new_id() -> ReportId {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    // std's per-instance random hash keys: enough randomness for test ids.
    let mut random = [0u8; 10];
    let a = RandomState::new().build_hasher().finish().to_le_bytes();
    let b = RandomState::new().build_hasher().finish().to_le_bytes();
    random[..8].copy_from_slice(&a);
    random[8..].copy_from_slice(&b[..2]);
    ReportId::from_parts(u64::try_from(now_ms).expect("ms fit u64"), random)
}

fn new_report() -> Report {
    Report {
        id: new_id(),
        template_id: "general_incident".into(),
        template_version: 1,
        answers: filled(),
        written_at: Utc::now().with_timezone(&beijing()),
    }
}

/// Reads an error answer, checking it is the API's JSON shape.
async fn api_error(res: Response) -> (StatusCode, ApiError) {
    let status = res.status();
    let content_type = res.headers().get(CONTENT_TYPE).cloned();
    let text = res.text().await.expect("body");
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "status {status}, body {text}"
    );
    let error =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an ApiError ({e}): {text}"));
    (status, error)
}

async fn receipt(res: Response, expected: StatusCode) -> Receipt {
    assert_eq!(res.status(), expected);
    res.json().await.expect("receipt")
}

#[tokio::test]
async fn health_is_ok() {
    let (app, _dirs) = spawn_app().await;
    let res = app.get(HEALTH_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
}

#[tokio::test]
async fn a_valid_report_is_stored_and_read_back() {
    let (app, _dirs) = spawn_app().await;
    let report = new_report();
    let before = Utc::now();
    let first = receipt(app.submit(&report).await, StatusCode::CREATED).await;
    assert_eq!(first.id, report.id);
    assert!(first.seq > 0);
    assert!(first.received_at >= before - TimeDelta::seconds(1) && first.received_at <= Utc::now());

    let res = app
        .get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let stored: StoredReport = res.json().await.expect("stored report");
    assert_eq!(stored.receipt, first);
    assert_eq!(stored.report, report);
}

#[tokio::test]
async fn a_replay_gets_the_same_receipt_and_is_stored_once() {
    let (app, _dirs) = spawn_app().await;
    let report = new_report();
    let first = receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let again = receipt(app.submit(&report).await, StatusCode::OK).await;
    assert_eq!(again, first);

    // Other bytes, same report: still a replay.
    let pretty = serde_json::to_string_pretty(&report).expect("json");
    let res = app
        .client
        .post(app.url(SUBMIT_REPORT_PATH))
        .header(CONTENT_TYPE, "application/json")
        .body(pretty)
        .send()
        .await
        .expect("POST");
    assert_eq!(receipt(res, StatusCode::OK).await, first);

    let list = app.list().await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].receipt, first);
}

// Several worker threads, so the server really handles the sends at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_of_a_new_report_get_one_receipt_and_one_row() {
    let (app, _dirs) = spawn_app().await;
    let report = new_report();
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (client, url, report) = (
            app.client.clone(),
            app.url(SUBMIT_REPORT_PATH),
            report.clone(),
        );
        sends.spawn(async move {
            let res = client.post(url).json(&report).send().await.expect("POST");
            let status = res.status();
            (status, res.json::<Receipt>().await.expect("receipt"))
        });
    }
    let answers = sends.join_all().await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let replayed = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!((created, replayed), (1, 9), "{answers:?}");
    assert!(
        answers.iter().all(|(_, r)| *r == answers[0].1),
        "{answers:?}"
    );
    assert_eq!(app.list().await.len(), 1);
}

#[tokio::test]
async fn the_same_id_with_other_content_is_a_conflict() {
    let (app, _dirs) = spawn_app().await;
    let report = new_report();
    let first = receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let mut changed = report.clone();
    changed.answers.insert("injured".into(), "3".into());

    let (status, error) = api_error(app.submit(&changed).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error.error, ApiErrorCode::Conflict);

    let list = app.list().await;
    assert_eq!(list.len(), 1);
    assert_eq!((&list[0].receipt, &list[0].report), (&first, &report));
}

#[tokio::test]
async fn an_invalid_report_names_each_bad_field_and_is_not_stored() {
    let (app, _dirs) = spawn_app().await;
    let mut report = new_report();
    report.answers.remove("place");
    report.answers.insert("phone".into(), "12345".into());

    let (status, error) = api_error(app.submit(&report).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.error, ApiErrorCode::InvalidReport);
    let fields: Vec<_> = error
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.code))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("place", ErrorCode::Required),
            ("phone", ErrorCode::BadPhone)
        ]
    );
    assert!(
        error.message.contains("place") && error.message.contains("phone"),
        "{}",
        error.message
    );

    assert!(app.list().await.is_empty());
    let (status, _) = api_error(
        app.get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unreadable_bodies_are_400_in_the_api_shape() {
    let (app, _dirs) = spawn_app().await;
    let post = |body: &'static str| {
        app.client
            .post(app.url(SUBMIT_REPORT_PATH))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };

    let (status, error) = api_error(post("{\"id\": ").await.expect("POST")).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest)
    );

    let (status, error) = api_error(post(r#"{"id": 5}"#).await.expect("POST")).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest)
    );
    assert!(
        error.message.contains("id"),
        "names what is wrong: {}",
        error.message
    );

    let mut value = serde_json::to_value(new_report()).expect("json");
    value.as_object_mut().expect("object").remove("written_at");
    let res = app
        .client
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&value)
        .send()
        .await
        .expect("POST");
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("written_at"),
        "names the missing field: {}",
        error.message
    );
    assert!(app.list().await.is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let (app, _dirs) = spawn_app().await;
    let body = serde_json::to_string(&new_report()).expect("json");
    let res = app
        .client
        .post(app.url(SUBMIT_REPORT_PATH))
        .header(CONTENT_TYPE, "text/plain")
        .body(body)
        .send()
        .await
        .expect("POST");
    let (status, error) = api_error(res).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, ApiErrorCode::BadRequest)
    );
    assert!(app.list().await.is_empty());
}

#[tokio::test]
async fn an_oversize_body_is_413_in_the_api_shape() {
    let (app, _dirs) = spawn_app().await;
    let mut report = new_report();
    report
        .answers
        .insert("measures".into(), "x".repeat(300 * 1024));
    let (status, error) = api_error(app.submit(&report).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::PAYLOAD_TOO_LARGE, ApiErrorCode::PayloadTooLarge)
    );
    assert!(app.list().await.is_empty());
}

#[tokio::test]
async fn unknown_api_paths_and_ids_answer_json() {
    let (app, _dirs) = spawn_app().await;
    for path in ["/api", "/api/", "/api/nope", "/api/reports/x/y"] {
        let (status, error) = api_error(app.get(path).await).await;
        assert_eq!(
            (status, error.error),
            (StatusCode::NOT_FOUND, ApiErrorCode::NotFound),
            "{path}"
        );
    }
    let (status, error) =
        api_error(app.get(&format!("{SUBMIT_REPORT_PATH}/{}", new_id())).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::NOT_FOUND, ApiErrorCode::NotFound)
    );

    let (status, error) =
        api_error(app.get(&format!("{SUBMIT_REPORT_PATH}/not-a-uuid")).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest)
    );

    let res = app
        .client
        .delete(app.url(HEALTH_PATH))
        .send()
        .await
        .expect("DELETE");
    let (status, _) = api_error(res).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn app_paths_fall_back_to_index_html_uncached() {
    let (app, _dirs) = spawn_app().await;
    for path in ["/", "/index.html", "/reports/x", "/missing.js"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], NO_CACHE, "{path}");
        assert!(
            res.headers()[CONTENT_TYPE]
                .to_str()
                .expect("ascii")
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(res.text().await.expect("body"), INDEX_HTML, "{path}");
    }
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year_and_sw_js_never() {
    let (app, _dirs) = spawn_app().await;
    let res = app.get("/sw.js").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], NO_CACHE);
    assert_eq!(res.text().await.expect("body"), SW_JS);

    let res = app.get(&format!("/{HASHED_FILE}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], IMMUTABLE);

    // The API is never cached as a file.
    let res = app.get(HEALTH_PATH).await;
    assert!(res.headers().get(CACHE_CONTROL).is_none());
}

#[tokio::test]
async fn reports_survive_a_restart() {
    let dirs = dirs();
    let app = start(dirs.data.path(), dirs.static_files.path()).await;
    let report = new_report();
    let first = receipt(app.submit(&report).await, StatusCode::CREATED).await;
    app.stop().await;

    let app = start(dirs.data.path(), dirs.static_files.path()).await;
    assert_eq!(
        receipt(app.submit(&report).await, StatusCode::OK).await,
        first
    );
    let second = receipt(app.submit(&new_report()).await, StatusCode::CREATED).await;
    assert!(second.seq > first.seq);
    let list = app.list().await;
    assert_eq!(
        list.iter().map(|s| s.receipt.seq).collect::<Vec<_>>(),
        vec![first.seq, second.seq]
    );
    app.stop().await;
}

#[tokio::test]
async fn without_the_app_files_the_api_still_works() {
    let dirs = dirs();
    let app = start(dirs.data.path(), &dirs.static_files.path().join("absent")).await;
    assert_eq!(app.get(HEALTH_PATH).await.status(), StatusCode::OK);
    assert_eq!(app.get("/").await.status(), StatusCode::NOT_FOUND);
    receipt(app.submit(&new_report()).await, StatusCode::CREATED).await;
}

/// The binary as scripts run it: one line on stdout with the port, a clean
/// exit on SIGTERM.
#[cfg(unix)]
#[tokio::test]
async fn the_binary_announces_its_port_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let dirs = dirs();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kuaibao-server"))
        .env("KUAIBAO_ADDR", "127.0.0.1:0")
        .env("KUAIBAO_DATA_DIR", dirs.data.path())
        .env("KUAIBAO_STATIC_DIR", dirs.static_files.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the first line");
    let port: u16 = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('\n'))
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert_ne!(port, 0);

    let res = Client::new()
        .get(format!("http://127.0.0.1:{port}{HEALTH_PATH}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::OK);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("rest of stdout");
    assert_eq!(rest, "", "stdout holds only the listening line");
    assert!(dirs.data.path().join("kuaibao.sqlite3").is_file());
}

#[test]
fn the_binary_refuses_a_bad_setting_naming_it() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kuaibao-server"))
        .env("KUAIBAO_ADDR", "not an address")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the binary");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("KUAIBAO_ADDR"), "{stderr}");
}
