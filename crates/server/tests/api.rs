//! The API and the app files, tested over real HTTP against the real server
//! on a free port, each test with its own data dir and static dir.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Utc};
use kuaibao_core::photo::PhotoRef;
use kuaibao_core::rules::catalogue::{self, GENERAL_INCIDENT, HAZARD};
use kuaibao_core::rules::grading::{self, CASUALTIES};
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode, Receipt, HEALTH_PATH, SESSION_PATH, SUBMIT_REPORT_PATH};
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{Answers, BlankKind, ErrorCode, Grade, GradeDecision, PhotoId, Report, ReportId, Stage, Template};
use kuaibao_server::config::Config;
use kuaibao_server::db::{self, reports::StoredReport, reports::Thread};
use kuaibao_server::http::{IMMUTABLE, NO_CACHE, TEMPLATES_PATH, THREAD_PATH};
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
    /// Logged in as [`REPORTER`], who files reports in grid [`GRID`].
    client: Client,
    /// The reporter's session token, for requests written by hand.
    token: String,
    /// The key her phone seals texts with, handed with the session.
    sms_key: String,
    /// Logged in as [`ADMIN`], of the whole district.
    admin: Client,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// The accounts every test server has (see [`fixture_accounts`]).
const REPORTER: &str = "reporter";
const ADMIN: &str = "admin";
const PASSWORD: &str = "test-password";
const DISTRICT: &str = "d";
const GRID: &str = "d-t1-v1-g1";

/// A data dir, a static dir and the database, kept apart from the server
/// so a test can restart the server on the same data.
struct Dirs {
    data: TempDir,
    static_files: TempDir,
    /// A PostgreSQL database of its own when the tests run against
    /// PostgreSQL (`KUAIBAO_TEST_POSTGRES_URL`); `None`: the SQLite file.
    database_url: Option<String>,
}

/// Set by `cargo xtask test` for its PostgreSQL run: a server where the
/// tests may create databases.
const POSTGRES_VAR: &str = "KUAIBAO_TEST_POSTGRES_URL";

impl Dirs {
    /// The settings of a server on these dirs and this database.
    fn config(&self) -> Config {
        Config {
            addr: "127.0.0.1:0".parse().expect("addr"),
            data_dir: self.data.path().to_owned(),
            static_dir: self.static_files.path().to_owned(),
            database_url: self.database_url.clone(),
            ..Config::default()
        }
    }

    /// A pool on the test's database, for checks behind the API's back.
    async fn pool(&self) -> db::Pool {
        db::open(&self.config().database_url(), db::DEFAULT_BUSY_TIMEOUT)
            .await
            .expect("open the test database")
    }
}

impl Drop for Dirs {
    /// Drops the test's PostgreSQL database, so a cluster kept between runs
    /// does not fill up with them. FORCE: the server may not have closed
    /// every connection when a test ends early.
    fn drop(&mut self) {
        let (Some(url), Ok(admin_url)) = (self.database_url.take(), std::env::var(POSTGRES_VAR)) else {
            return;
        };
        let Some((_, name)) = url.rsplit_once('/') else { return };
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = std::thread::spawn(move || postgres_admin(&admin_url, &drop)).join();
    }
}

/// Runs one statement on the PostgreSQL server of `admin_url`, on a
/// short-lived runtime of its own so plain `fn`s (and `Drop`) can call it.
fn postgres_admin(admin_url: &str, statement: &str) {
    use sqlx::Connection;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let mut conn = sqlx::PgConnection::connect(admin_url)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::Executor::execute(&mut conn, statement)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
            let _ = conn.close().await;
        })
}

/// Dirs on the database the run is for: SQLite, or a fresh PostgreSQL
/// database when [`POSTGRES_VAR`] is set.
fn dirs() -> Dirs {
    let mut dirs = sqlite_dirs();
    if let Ok(admin_url) = std::env::var(POSTGRES_VAR) {
        dirs.database_url = Some(fresh_postgres_database(&admin_url));
    }
    dirs
}

/// A new, empty database on the PostgreSQL server of `admin_url`; its URL.
fn fresh_postgres_database(admin_url: &str) -> String {
    let (_, random) = id_parts();
    let name = format!(
        "kb_test_{}",
        random.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(admin_url);
    let url = format!("{base}/{name}");
    let (admin_url, create) = (admin_url.to_owned(), format!("CREATE DATABASE {name}"));
    std::thread::spawn(move || postgres_admin(&admin_url, &create))
        .join()
        .expect("create database thread");
    url
}

/// Dirs on SQLite whatever the run, for tests of SQLite's own upgrades.
fn sqlite_dirs() -> Dirs {
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
        database_url: None,
    }
}

/// `kuaibao-server` (the binary) with the settings of `dirs`, for its
/// administrative commands; logs at `warn`.
fn server_command(dirs: &Dirs) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kuaibao-server"));
    command
        .env("KUAIBAO_DATA_DIR", dirs.data.path())
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1");
    if let Some(url) = &dirs.database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

/// The server binary on a free port with the settings of `dirs` and
/// `env`, its fixture accounts made, its port read from its first line, and
/// the test's clients logged in to it. The process is the caller's to stop
/// (the `TestApp`'s own stop does nothing to it).
async fn spawn_binary(dirs: &Dirs, env: &[(&str, &str)]) -> (TestApp, std::process::Child) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    fixture_accounts(&dirs.config()).await;
    let mut command = server_command(dirs);
    command
        .env("KUAIBAO_ADDR", "127.0.0.1:0")
        .env("KUAIBAO_STATIC_DIR", dirs.static_files.path())
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("start the binary");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the first line");
    let base = line
        .strip_prefix("listening on ")
        .map(|s| s.trim_end().to_owned())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let session = session_of(&base, REPORTER).await;
    let token = session.token;
    let (stop, _) = oneshot::channel();
    let app = TestApp {
        client: authorized(&token),
        token,
        sms_key: session.sms_key.expect("a seal key"),
        admin: login(&base, ADMIN).await,
        base,
        stop,
        task: tokio::spawn(async { Ok(()) }),
    };
    (app, child)
}

/// Starts a server on a fresh data dir.
async fn spawn_app() -> (TestApp, Dirs) {
    let dirs = dirs();
    let app = start(&dirs).await;
    (app, dirs)
}

async fn start(dirs: &Dirs) -> TestApp {
    start_with(dirs, |_| {}).await
}

/// Starts a server with settings changed by `adjust`, its fixture accounts
/// made if missing, and both clients logged in.
async fn start_with(dirs: &Dirs, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = dirs.config();
    adjust(&mut config);
    fixture_accounts(&config).await;
    let server = startup::build(&config).await.expect("server starts");
    let base = format!("http://127.0.0.1:{}", server.port());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    let session = session_of(&base, REPORTER).await;
    let token = session.token;
    TestApp {
        client: authorized(&token),
        token,
        sms_key: session.sms_key.expect("a seal key"),
        admin: login(&base, ADMIN).await,
        base,
        stop,
        task,
    }
}

/// The area tree of every test server: district `d` with townships `d-t1`
/// and `d-t2`, each with a village and a grid; the reporter in grid
/// `d-t1-v1-g1`, the administrator at the district. Made through the same
/// functions as the admin command; a second call finds them made.
async fn fixture_accounts(config: &Config) {
    use kuaibao_core::account::{AreaLevel, AreaRef, Role};
    use kuaibao_server::db::{accounts, audit::Actor};
    std::fs::create_dir_all(&config.data_dir).expect("data dir");
    let pool = startup::open_database(config).await.expect("database");
    let actor = Actor::command_line();
    let areas = [
        (DISTRICT, AreaLevel::District, None),
        ("d-t1", AreaLevel::Township, Some(DISTRICT)),
        ("d-t1-v1", AreaLevel::Village, Some("d-t1")),
        (GRID, AreaLevel::Grid, Some("d-t1-v1")),
        ("d-t2", AreaLevel::Township, Some(DISTRICT)),
        ("d-t2-v1", AreaLevel::Village, Some("d-t2")),
        ("d-t2-v1-g1", AreaLevel::Grid, Some("d-t2-v1")),
    ];
    for (id, level, parent) in areas {
        let area = AreaRef {
            id: id.to_owned(),
            name: format!("区域 {id}"),
            level,
        };
        // Err(AreaExists) on a restart: fine.
        let _ = accounts::add_area(&pool, &actor, &area, parent)
            .await
            .expect("add area");
    }
    for (username, role, area) in [(REPORTER, Role::Reporter, GRID), (ADMIN, Role::Admin, DISTRICT)] {
        add_user(&pool, username, role, area).await;
    }
    pool.close().await;
}

/// Adds an account with [`PASSWORD`] unless it exists.
async fn add_user(pool: &db::Pool, username: &str, role: kuaibao_core::account::Role, area: &str) {
    use kuaibao_server::db::{accounts, audit::Actor};
    let hash = password_hash();
    let new = accounts::NewUser {
        username,
        display_name: username,
        role,
        area,
        password_hash: &hash,
        profile: Default::default(),
    };
    let _ = accounts::add_user(pool, &Actor::command_line(), &new)
        .await
        .expect("add user");
}

/// [`PASSWORD`]'s hash, made once: hashing is slow on purpose.
fn password_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| kuaibao_server::auth::password::hash(PASSWORD).expect("hash"))
        .clone()
}

/// The device id every test client logs in from.
const DEVICE: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

/// A client that sends `username`'s fresh session token with every request.
async fn login(base: &str, username: &str) -> Client {
    let session = session_of(base, username).await;
    authorized(&session.token)
}

async fn session_of(base: &str, username: &str) -> kuaibao_core::account::Session {
    let res = Client::new()
        .post(format!("{base}{SESSION_PATH}"))
        .json(&kuaibao_core::account::LoginRequest {
            username: username.to_owned(),
            password: PASSWORD.to_owned(),
            device_id: DEVICE.to_owned(),
        })
        .send()
        .await
        .expect("POST /api/session");
    assert_eq!(res.status(), StatusCode::CREATED, "login as {username}");
    res.json().await.expect("a session")
}

fn authorized(token: &str) -> Client {
    authorized_builder(token).build().expect("client")
}

/// A client builder that sends `token` with every request.
fn authorized_builder(token: &str) -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header value"),
    );
    Client::builder().default_headers(headers)
}

impl TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> Response {
        self.get_as(&self.client, path).await
    }

    /// GET as the account `client` is logged in as.
    async fn get_as(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("GET")
    }

    /// The body of `GET path` as `client`, as text (an export, a page).
    async fn text_as(&self, client: &Client, path: &str) -> String {
        self.get_as(client, path).await.text().await.expect("body")
    }

    /// POSTs `report` (a record, or any JSON a test sends as one).
    async fn submit(&self, report: &impl serde::Serialize) -> Response {
        self.client
            .post(self.url(SUBMIT_REPORT_PATH))
            .json(report)
            .send()
            .await
            .expect("POST")
    }

    async fn list(&self) -> Vec<StoredReport> {
        self.list_as(&self.client).await
    }

    /// Every report `client` may read: every page, following the `Link`s.
    async fn list_as(&self, client: &Client) -> Vec<StoredReport> {
        let mut all = Vec::new();
        let mut next = Some(SUBMIT_REPORT_PATH.to_owned());
        while let Some(path) = next {
            let res = self.get_as(client, &path).await;
            assert_eq!(res.status(), StatusCode::OK);
            next = next_link(&res);
            let page: Vec<StoredReport> = res.json().await.expect("a page of stored reports");
            all.extend(page);
        }
        all
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
    let mut answers = kuaibao_core::rules::examples::filled(&GENERAL_INCIDENT);
    answers.insert("occurred_at".to_owned(), occurred);
    answers
}

fn new_id() -> ReportId {
    let (now_ms, random) = id_parts();
    ReportId::from_parts(now_ms, random)
}

fn new_photo_id() -> PhotoId {
    let (now_ms, random) = id_parts();
    PhotoId::from_parts(now_ms, random)
}

/// The time and randomness of a UUIDv7.
fn id_parts() -> (u64, [u8; 10]) {
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
    (u64::try_from(now_ms).expect("ms fit u64"), random)
}

fn new_report() -> Report {
    Report {
        id: new_id(),
        thread: None,
        thread_key: None,
        stage: Stage::Initial,
        template_id: "general_incident".into(),
        template_version: 1,
        answers: filled(),
        written_at: Utc::now().with_timezone(&beijing()),
        grade: None,
        photos: Vec::new(),
        clock_offset_ms: None,
    }
}

/// The address of a list's next page, from its `Link: <…>; rel="next"`.
fn next_link(res: &Response) -> Option<String> {
    let link = res.headers().get(reqwest::header::LINK)?.to_str().ok()?;
    kuaibao_core::wire::page::next_of(link).map(str::to_owned)
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
    let error = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an ApiError ({e}): {text}"));
    (status, error)
}

/// The receipt of an answer, as lists and threads carry it: without the
/// seal the submit's answer adds (see [`sealed_receipt`]).
async fn receipt(res: Response, expected: StatusCode) -> Receipt {
    Receipt {
        seal: None,
        ..sealed_receipt(res, expected).await
    }
}

/// The receipt of an answer, as the phone keeps it.
async fn sealed_receipt(res: Response, expected: StatusCode) -> Receipt {
    assert_eq!(res.status(), expected);
    res.json().await.expect("receipt")
}

#[tokio::test]
async fn health_is_ok() {
    let (app, _dirs) = spawn_app().await;
    let res = app.get(HEALTH_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    let health: kuaibao_core::wire::protocol::Health = res.json().await.expect("json");
    assert_eq!(health.status, "ok");
    let skew = (Utc::now() - health.server_time).num_seconds().abs();
    assert!(skew < 5, "the server's own time, {skew} s away");
    assert_eq!(health.restored, None, "never restored");
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

    let res = app.get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id)).await;
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
        let (client, url, report) = (app.client.clone(), app.url(SUBMIT_REPORT_PATH), report.clone());
        sends.spawn(async move {
            let res = client.post(url).json(&report).send().await.expect("POST");
            let status = res.status();
            (status, res.json::<Receipt>().await.expect("receipt"))
        });
    }
    let answers = sends.join_all().await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let replayed = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!((created, replayed), (1, 9), "{answers:?}");
    assert!(answers.iter().all(|(_, r)| *r == answers[0].1), "{answers:?}");
    assert_eq!(app.list().await.len(), 1);
}

#[tokio::test]
async fn reports_come_a_page_at_a_time_and_new_ones_never_shift_a_page() {
    let (app, _dirs) = spawn_app().await;
    let mut sent = Vec::new();
    for _ in 0..7 {
        let report = new_report();
        receipt(app.submit(&report).await, StatusCode::CREATED).await;
        sent.push(report.id);
    }
    // Pages of three: 3, 3, then 1 and no further link.
    let first = app.get(&format!("{SUBMIT_REPORT_PATH}?limit=3")).await;
    let mut next = next_link(&first);
    let mut seen: Vec<ReportId> = first
        .json::<Vec<StoredReport>>()
        .await
        .expect("page")
        .iter()
        .map(|s| s.report.id)
        .collect();
    assert_eq!(seen.len(), 3);
    // A report arriving between pages comes last, once, and shifts nothing.
    let late = new_report();
    receipt(app.submit(&late).await, StatusCode::CREATED).await;
    sent.push(late.id);
    let mut pages = 1;
    while let Some(path) = next {
        let res = app.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK);
        next = next_link(&res);
        let page: Vec<StoredReport> = res.json().await.expect("page");
        assert!(page.len() <= 3 && !page.is_empty());
        seen.extend(page.iter().map(|s| s.report.id));
        pages += 1;
    }
    assert_eq!(seen, sent, "every report once, in arrival order");
    assert_eq!(pages, 3);
    // Without a limit, a page is at most the default; bad parameters are
    // named and refused.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after=12", "after"),
        ("order=desc", "order"),
    ] {
        let (status, error) = api_error(app.get(&format!("{SUBMIT_REPORT_PATH}?{query}")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error.fields[0].field, field, "{query}");
    }
    app.stop().await;
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
    let fields: Vec<_> = error.fields.iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(
        fields,
        vec![("place", ErrorCode::Required), ("phone", ErrorCode::BadPhone)]
    );
    assert!(
        error.message.contains("place") && error.message.contains("phone"),
        "{}",
        error.message
    );

    assert!(app.list().await.is_empty());
    let (status, _) = api_error(app.get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id)).await).await;
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
    assert!(error.message.contains("id"), "names what is wrong: {}", error.message);

    let mut value = serde_json::to_value(new_report()).expect("json");
    value.as_object_mut().expect("object").remove("written_at");
    let (status, error) = api_error(app.submit(&value).await).await;
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
    report.answers.insert("measures".into(), "x".repeat(300 * 1024));
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
    let (status, error) = api_error(app.get(&format!("{SUBMIT_REPORT_PATH}/{}", new_id())).await).await;
    assert_eq!((status, error.error), (StatusCode::NOT_FOUND, ApiErrorCode::NotFound));

    let (status, error) = api_error(app.get(&format!("{SUBMIT_REPORT_PATH}/not-a-uuid")).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest)
    );

    let res = app.client.delete(app.url(HEALTH_PATH)).send().await.expect("DELETE");
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

/// The build writes brotli and gzip twins of its files; the server sends
/// the one the browser accepts, unchanged, and the file itself otherwise.
#[tokio::test]
async fn precompressed_twins_are_served_to_browsers_that_accept_them() {
    use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
    let dirs = dirs();
    let twin = |ext: &str| dirs.static_files.path().join(format!("{HASHED_FILE}.{ext}"));
    std::fs::write(twin("br"), b"brotli bytes").expect("write .br");
    std::fs::write(twin("gz"), b"gzip bytes").expect("write .gz");
    let app = start(&dirs).await;
    let client = Client::new();
    for (accept, encoding, body) in [
        (Some("gzip, deflate, br"), Some("br"), "brotli bytes"),
        (Some("gzip"), Some("gzip"), "gzip bytes"),
        (None, None, "console.log(1);"),
    ] {
        let mut req = client.get(app.url(&format!("/{HASHED_FILE}")));
        if let Some(a) = accept {
            req = req.header(ACCEPT_ENCODING, a);
        }
        let res = req.send().await.expect("GET");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()),
            encoding,
            "{accept:?}"
        );
        assert_eq!(res.headers()[CACHE_CONTROL], IMMUTABLE);
        assert_eq!(res.text().await.expect("body"), body);
    }
    app.stop().await;
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year_and_other_names_never() {
    let dirs = dirs();
    // Same name in every build: a stale copy would pair an old worker or
    // snippet with a new app.
    let unhashed = [
        "photo-worker.js",
        "snippets/kuaibao-0123456789abcdef/src/pwa/register.js",
    ];
    for name in unhashed {
        let file = dirs.static_files.path().join(name);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("dir");
        std::fs::write(file, "export {};").expect("write");
    }
    let app = start(&dirs).await;
    let res = app.get("/sw.js").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], NO_CACHE);
    assert_eq!(res.text().await.expect("body"), SW_JS);
    for name in unhashed {
        let res = app.get(&format!("/{name}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        assert_eq!(res.headers()[CACHE_CONTROL], NO_CACHE, "{name}");
    }

    let res = app.get(&format!("/{HASHED_FILE}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], IMMUTABLE);

    // The API is never cached as a file.
    let res = app.get(HEALTH_PATH).await;
    assert!(res.headers().get(CACHE_CONTROL).is_none());
    app.stop().await;
}

#[tokio::test]
async fn reports_survive_a_restart() {
    let dirs = dirs();
    let app = start(&dirs).await;
    let report = new_report();
    let first = receipt(app.submit(&report).await, StatusCode::CREATED).await;
    app.stop().await;

    let app = start(&dirs).await;
    assert_eq!(receipt(app.submit(&report).await, StatusCode::OK).await, first);
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
    let app = start_with(&dirs, |c| c.static_dir = c.static_dir.join("absent")).await;
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

// ---------------------------------------------------------------------------
// Threads, stages, grades and the catalogue.

fn thread_path(id: impl std::fmt::Display) -> String {
    THREAD_PATH.replace("{id}", &id.to_string())
}

/// Beijing wall-clock time `minutes` after 50 minutes ago: after the event
/// time of `filled()` (an hour ago) and before now.
fn written(minutes: i64) -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&beijing()) - TimeDelta::minutes(50) + TimeDelta::minutes(minutes)
}

/// A record of a general incident at `stage`, written `minutes` after the
/// first (see `written`).
fn incident(stage: Stage, thread: Option<ReportId>, minutes: i64) -> Report {
    Report {
        id: new_id(),
        thread,
        thread_key: None,
        stage,
        template_id: GENERAL_INCIDENT.id.into(),
        template_version: GENERAL_INCIDENT.version,
        answers: filled(),
        written_at: written(minutes),
        grade: None,
        photos: Vec::new(),
        clock_offset_ms: None,
    }
}

/// Answers every blank `template` requires at `stage` with something
/// acceptable. Photos are not answers (they travel as their own records).
fn fill(template: &Template, stage: Stage) -> Answers {
    let occurred = written(-10).format("%Y-%m-%dT%H:%M").to_string();
    template
        .blanks
        .iter()
        .filter(|b| b.need.required_at(stage))
        .filter_map(|b| {
            let value = match b.kind {
                BlankKind::DateTime => occurred.clone(),
                BlankKind::Text { .. } | BlankKind::LongText { .. } => {
                    format!("{}（测试）", b.label.zh)
                }
                BlankKind::Date => "2026-12-01".to_owned(),
                BlankKind::Count { min, .. } => min.to_string(),
                BlankKind::Amount { .. } => "0".to_owned(),
                BlankKind::Choice { options } | BlankKind::MultiChoice { options } => {
                    options.first().expect("a choice has options").value.to_owned()
                }
                BlankKind::Phone => "138 0000 1234".to_owned(),
                BlankKind::GeoPoint | BlankKind::Photos { .. } => return None,
            };
            Some((b.id.to_owned(), value))
        })
        .collect()
}

/// A record of a hazard's life at `stage`, filed with the template for it,
/// with the fewest photos it needs (announced only: no bytes are sent).
fn hazard(stage: Stage, thread: Option<ReportId>, minutes: i64) -> Report {
    let template = match stage {
        Stage::Initial => &HAZARD,
        step => catalogue::hazard_step(step).expect("a template for each hazard step"),
    };
    Report {
        id: new_id(),
        thread,
        thread_key: None,
        stage,
        template_id: template.id.into(),
        template_version: template.version,
        answers: fill(template, stage),
        written_at: written(minutes),
        grade: None,
        photos: manifest(template, stage),
        clock_offset_ms: None,
    }
}

/// As many photos as each Photos blank of `template` requires at `stage`,
/// each with a fresh id and a digest of made-up bytes.
fn manifest(template: &Template, stage: Stage) -> Vec<PhotoRef> {
    let mut photos = Vec::new();
    for blank in template.blanks.iter().filter(|b| b.need.required_at(stage)) {
        if let BlankKind::Photos { min } = blank.kind {
            for _ in 0..min {
                let id = new_photo_id();
                photos.push(photo_ref(blank.id, &id.to_string().into_bytes(), id));
            }
        }
    }
    photos
}

/// The manifest entry of `bytes` as photo `id` of `blank`.
fn photo_ref(blank: &str, bytes: &[u8], id: PhotoId) -> PhotoRef {
    use sha2::{Digest, Sha256};
    PhotoRef {
        id,
        blank: blank.to_owned(),
        sha256: format!("{:x}", Sha256::digest(bytes)),
        size: bytes.len() as u64,
        mime: "image/jpeg".to_owned(),
        taken_at: None,
        lat: None,
        lon: None,
    }
}

impl TestApp {
    async fn thread(&self, id: ReportId) -> Thread {
        self.thread_as(&self.client, id).await
    }

    async fn thread_as(&self, client: &Client, id: ReportId) -> Thread {
        let res = self.get_as(client, &thread_path(id)).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("a thread")
    }
}

/// The fields an invalid report was refused for.
async fn refused_fields(res: Response) -> Vec<(String, ErrorCode)> {
    let (status, error) = api_error(res).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorCode::InvalidReport),
        "{}",
        error.message
    );
    error.fields.into_iter().map(|f| (f.field, f.code)).collect()
}

/// The columns 0002 added, read straight from the database.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct ThreadColumns {
    thread_id: String,
    stage: String,
    stage_rank: i64,
    stage_n: i64,
    grade_suggested: Option<String>,
    grade_chosen: Option<String>,
}

async fn columns(pool: &db::Pool, id: ReportId) -> ThreadColumns {
    sqlx::query_as(
        "SELECT thread_id, stage, stage_rank, stage_n, grade_suggested, grade_chosen \
         FROM reports WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_one(pool)
    .await
    .expect("the row")
}

fn cols(
    thread: ReportId,
    stage: &str,
    rank: i64,
    n: i64,
    suggested: Option<&str>,
    chosen: Option<&str>,
) -> ThreadColumns {
    ThreadColumns {
        thread_id: thread.to_string(),
        stage: stage.to_owned(),
        stage_rank: rank,
        stage_n: n,
        grade_suggested: suggested.map(str::to_owned),
        grade_chosen: chosen.map(str::to_owned),
    }
}

#[tokio::test]
async fn an_incident_thread_comes_back_in_stage_order_whatever_the_arrival_order() {
    let (app, dirs) = spawn_app().await;
    let first = incident(Stage::Initial, None, 0);
    let thread = Some(first.id);
    let follow_up_1 = incident(Stage::FollowUp { n: 1 }, thread, 5);
    // A second 续报一, correcting the first, written two minutes later but
    // by a phone that gives its clock in UTC: its text sorts before the
    // other's, its instant after.
    let mut correction = incident(Stage::FollowUp { n: 1 }, thread, 7);
    correction.written_at = correction
        .written_at
        .with_timezone(&FixedOffset::east_opt(0).expect("UTC"));
    correction.answers.insert("injured".into(), "3".into());
    let follow_up_2 = incident(Stage::FollowUp { n: 2 }, thread, 10);
    let mut last = incident(Stage::Final, thread, 15);
    // Graded III against the figures' IV, with a reason.
    last.grade = Some(GradeDecision {
        suggested: Grade::IV,
        chosen: Grade::III,
        reason: "涉及学校，社会影响较大".into(),
    });

    // The 终报 first, the 首报 in the middle.
    let arrival = [&last, &correction, &follow_up_2, &first, &follow_up_1];
    let mut receipts = Vec::new();
    for report in arrival {
        receipts.push(receipt(app.submit(report).await, StatusCode::CREATED).await);
    }
    let seqs: std::collections::BTreeSet<i64> = receipts.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), 5, "each record its own receipt: {receipts:?}");

    let got = app.thread(first.id).await;
    assert_eq!(got.thread, first.id);
    let in_order = [&first, &follow_up_1, &correction, &follow_up_2, &last];
    assert_eq!(got.records.iter().map(|r| &r.report).collect::<Vec<_>>(), in_order,);
    for record in &got.records {
        let i = arrival
            .iter()
            .position(|r| r.id == record.report.id)
            .expect("one of ours");
        assert_eq!(record.receipt, receipts[i]);
    }

    // Replays, in yet another order, still answer the first receipts.
    for (i, report) in arrival.iter().enumerate().rev() {
        assert_eq!(receipt(app.submit(report).await, StatusCode::OK).await, receipts[i]);
    }
    assert_eq!(app.list().await.len(), 5);
    assert_eq!(app.thread(first.id).await, got);

    // The list shows the new fields as the core serialises them.
    let res = app.get(SUBMIT_REPORT_PATH).await;
    let list: serde_json::Value = res.json().await.expect("json");
    let shown = |id: ReportId| {
        list.as_array()
            .expect("an array")
            .iter()
            .map(|s| &s["report"])
            .find(|r| r["id"] == id.to_string())
            .cloned()
            .expect("listed")
    };
    let r = shown(first.id);
    assert!(r.get("thread").is_none() && r.get("grade").is_none(), "{r}");
    assert_eq!(r["stage"], serde_json::json!({ "kind": "initial" }));
    let r = shown(follow_up_2.id);
    assert_eq!(r["thread"], first.id.to_string());
    assert_eq!(r["stage"], serde_json::json!({ "kind": "follow_up", "n": 2 }));
    let r = shown(last.id);
    assert_eq!(r["stage"], serde_json::json!({ "kind": "final" }));
    assert_eq!(
        r["grade"],
        serde_json::json!({ "suggested": "IV", "chosen": "III", "reason": "涉及学校，社会影响较大" })
    );

    // The columns for queries: without a decision the server keeps its own
    // suggestion.
    let pool = dirs.pool().await;
    let suggested = grading::suggest(&CASUALTIES, &filled()).grade.code();
    assert_eq!(suggested, "IV");
    assert_eq!(
        columns(&pool, first.id).await,
        cols(first.id, r#"{"kind":"initial"}"#, 0, 0, Some(suggested), None)
    );
    assert_eq!(
        columns(&pool, follow_up_2.id).await,
        cols(first.id, r#"{"kind":"follow_up","n":2}"#, 1, 2, Some(suggested), None)
    );
    assert_eq!(
        columns(&pool, last.id).await,
        cols(first.id, r#"{"kind":"final"}"#, 3, 0, Some("IV"), Some("III"))
    );
    pool.close().await;
}

#[tokio::test]
async fn a_hazard_thread_comes_back_in_order_of_its_life() {
    let (app, dirs) = spawn_app().await;
    let found = hazard(Stage::Initial, None, 0);
    let thread = Some(found.id);
    let rectifying = hazard(Stage::Rectifying, thread, 10);
    let rectified = hazard(Stage::Rectified, thread, 20);
    let closed = hazard(Stage::Closed, thread, 30);
    // The theme is the first of the list, as a user would pick it.
    let Some(BlankKind::Choice { options }) = HAZARD.blank("theme").map(|b| b.kind) else {
        panic!("the hazard's theme is a choice");
    };
    assert_eq!(found.answers.get("theme").map(String::as_str), Some(options[0].value));
    assert_eq!(found.answers.get("rectify_by").map(String::as_str), Some("2026-12-01"));

    // The closing is the office's verification: the administrator's.
    let mut receipts = Vec::new();
    // The 已整改 before the 整改中; the finding first and the closing after
    // its 已整改, as the loop wants (see `kuaibao_core::rules::hazard_loop`).
    for report in [&found, &rectified, &rectifying, &closed] {
        let client = if report.stage == Stage::Closed {
            &app.admin
        } else {
            &app.client
        };
        let res = client
            .post(app.url(SUBMIT_REPORT_PATH))
            .json(report)
            .send()
            .await
            .expect("POST");
        receipts.push((report.id, receipt(res, StatusCode::CREATED).await));
    }
    let got = app.thread_as(&app.admin, found.id).await;
    assert_eq!(got.thread, found.id);
    assert_eq!(
        got.records.iter().map(|r| &r.report).collect::<Vec<_>>(),
        [&found, &rectifying, &rectified, &closed]
    );
    for record in &got.records {
        assert!(receipts.contains(&(record.report.id, record.receipt.clone())));
    }
    // Each step is also its own report.
    let res = app
        .get_as(&app.admin, &format!("{SUBMIT_REPORT_PATH}/{}", closed.id))
        .await;
    let stored: StoredReport = res.json().await.expect("stored report");
    assert_eq!(stored.report, closed);

    // Hazards are not graded.
    let pool = dirs.pool().await;
    assert_eq!(
        columns(&pool, rectified.id).await,
        cols(found.id, r#"{"kind":"rectified"}"#, 2, 0, None, None)
    );
    pool.close().await;
}

#[tokio::test]
async fn threads_answer_404_when_unknown_and_400_for_a_bad_id() {
    let (app, _dirs) = spawn_app().await;
    let (status, error) = api_error(app.get(&thread_path(new_id())).await).await;
    assert_eq!((status, error.error), (StatusCode::NOT_FOUND, ApiErrorCode::NotFound));
    let (status, error) = api_error(app.get(&thread_path("not-a-uuid")).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest)
    );
    // Without an id: the caller's own threads (`api/my_threads.rs`).
    assert_eq!(app.get("/api/threads").await.status(), StatusCode::OK);

    // A thread whose 首报 has not arrived yet shows what has; a record is
    // found by its thread, not by its own id.
    let first = incident(Stage::Initial, None, 0);
    let follow_up = incident(Stage::FollowUp { n: 1 }, Some(first.id), 5);
    receipt(app.submit(&follow_up).await, StatusCode::CREATED).await;
    let got = app.thread(first.id).await;
    assert_eq!(got.records.len(), 1);
    assert_eq!(got.records[0].report, follow_up);
    let (status, _) = api_error(app.get(&thread_path(follow_up.id)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Upper case is the same id.
    let upper = thread_path(first.id.to_string().to_uppercase());
    assert_eq!(app.get(&upper).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn stage_and_grade_errors_are_422_naming_the_field() {
    let (app, _dirs) = spawn_app().await;

    let orphan = incident(Stage::FollowUp { n: 1 }, None, 5);
    assert_eq!(
        refused_fields(app.submit(&orphan).await).await,
        vec![("thread".to_owned(), ErrorCode::BadThread)]
    );

    let mut follow_up_hazard = hazard(Stage::Initial, None, 0);
    follow_up_hazard.stage = Stage::FollowUp { n: 1 };
    follow_up_hazard.thread = Some(new_id());
    assert_eq!(
        refused_fields(app.submit(&follow_up_hazard).await).await,
        vec![("stage".to_owned(), ErrorCode::StageNotAllowed)]
    );

    // The figures (0 dead, 1 missing) suggest IV.
    let mut wrong_suggestion = incident(Stage::Initial, None, 0);
    wrong_suggestion.grade = Some(GradeDecision {
        suggested: Grade::II,
        chosen: Grade::II,
        reason: String::new(),
    });
    assert_eq!(
        refused_fields(app.submit(&wrong_suggestion).await).await,
        vec![("grade".to_owned(), ErrorCode::GradeMismatch)]
    );

    let mut no_reason = incident(Stage::Initial, None, 0);
    no_reason.grade = Some(GradeDecision {
        suggested: Grade::IV,
        chosen: Grade::III,
        reason: "  ".into(),
    });
    assert_eq!(
        refused_fields(app.submit(&no_reason).await).await,
        vec![("grade_reason".to_owned(), ErrorCode::ReasonRequired)]
    );

    assert!(app.list().await.is_empty());
}

#[tokio::test]
async fn the_catalogue_lists_every_template_with_grading_and_deadlines() {
    let (app, _dirs) = spawn_app().await;
    let res = app.get(TEMPLATES_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], NO_CACHE);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .starts_with("application/json"));
    let etag = res.headers()[reqwest::header::ETAG].clone();
    let body: serde_json::Value = res.json().await.expect("json");

    let templates = body["templates"].as_array().expect("templates");
    let mut listed = Vec::new();
    for t in templates {
        let id = t["id"].as_str().expect("id").to_owned();
        let version = t["version"].as_u64().expect("version");
        for lang in ["zh-CN", "en"] {
            let title = t["title"][lang].as_str().unwrap_or_default();
            assert!(!title.is_empty(), "{id} v{version}: no {lang} title");
        }
        assert!(t["blanks"].as_array().is_some_and(|b| !b.is_empty()), "{id}");
        listed.push((id, version));
    }
    let expected: Vec<(String, u64)> = catalogue::all()
        .map(|t| (t.id.to_owned(), u64::from(t.version)))
        .collect();
    assert_eq!(listed, expected);
    assert!(listed.contains(&("general_incident".to_owned(), 1)));
    assert!(listed.contains(&("hazard".to_owned(), 1)));
    // As the core serialises it, down to the last blank.
    let general = templates
        .iter()
        .find(|t| t["id"] == "general_incident")
        .expect("general incident");
    assert_eq!(general, &serde_json::to_value(GENERAL_INCIDENT).expect("json"));

    let offered = body["offered"].as_array().expect("offered");
    assert!(!offered.is_empty());
    let expected: Vec<serde_json::Value> = catalogue::offered()
        .iter()
        .map(|t| serde_json::json!({ "id": t.id, "version": t.version }))
        .collect();
    assert_eq!(offered, &expected);

    let grading: Vec<&str> = body["grading"]
        .as_array()
        .expect("grading")
        .iter()
        .map(|g| g["id"].as_str().expect("rule id"))
        .collect();
    assert_eq!(grading, vec![grading::WORK_SAFETY.id, CASUALTIES.id]);
    assert_eq!(
        body["deadlines"],
        serde_json::to_value(kuaibao_core::rules::deadlines::RuleSet::national()).expect("json")
    );
    assert!(body["deadlines"]["rules"].as_array().is_some_and(|r| !r.is_empty()));

    // Unchanged since: 304, no body.
    let res = app
        .client
        .get(app.url(TEMPLATES_PATH))
        .header(reqwest::header::IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()[reqwest::header::ETAG], etag);
    assert_eq!(res.headers()[CACHE_CONTROL], NO_CACHE);
    assert!(res.bytes().await.expect("body").is_empty());
}

/// A database written by the first server (schema 0001 only, bodies without
/// stages) is brought up to date when a new server starts on it, and its
/// reports keep their receipts, their replays and their place.
#[tokio::test]
async fn a_database_of_the_first_schema_is_upgraded_at_start() {
    use sha2::{Digest, Sha256};

    let dirs = sqlite_dirs();

    // The first schema, applied as the first server applied it: through
    // sqlx's migrator, which records it, with 0001 the only migration.
    let only_first = TempDir::new().expect("temp dir");
    let name = "0001_reports.sql";
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations/sqlite")
            .join(name),
        only_first.path().join(name),
    )
    .expect("copy 0001");
    let pool = dirs.pool().await;
    sqlx::migrate::Migrator::new(only_first.path())
        .await
        .expect("read 0001")
        .run(&pool)
        .await
        .expect("apply 0001");

    // Reports stored the old way: the old columns, and the text the old
    // server stored, which had no `stage`.
    let figures = [
        (vec![], "IV"),
        (vec![("dead", "12")], "II"),
        (vec![("missing", "3"), ("dead", "2")], "III"),
        (vec![("dead", "30"), ("missing", "40")], "I"),
    ];
    let mut old = Vec::new();
    for (changes, grade) in figures {
        let mut report = new_report();
        for (k, v) in changes {
            report.answers.insert(k.to_owned(), v.to_owned());
        }
        // The frozen SQL of 0002 and the core's rule agree.
        assert_eq!(grading::suggest(&CASUALTIES, &report.answers).grade.code(), grade);
        let body = db::reports::canonical_body(&report)
            .expect("json")
            .replace(r#""stage":{"kind":"initial"},"#, "");
        assert!(!body.contains("stage"), "{body}");
        let received_at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO reports \
                 (id, template_id, template_version, body, body_sha256, written_at, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(report.id.to_string())
        .bind(&report.template_id)
        .bind(i64::from(report.template_version))
        .bind(&body)
        .bind(format!("{:x}", Sha256::digest(body.as_bytes())))
        .bind(report.written_at.to_rfc3339())
        .bind(&received_at)
        .fetch_one(&pool)
        .await
        .expect("insert the old way");
        let receipt = Receipt {
            id: report.id,
            seq,
            received_at: DateTime::parse_from_rfc3339(&received_at)
                .expect("time")
                .with_timezone(&Utc),
            clock_offset_ms: None,
            via_sms: false,
            sms_sealed: false,
            seal: None,
        };
        old.push((report, receipt, grade));
    }
    pool.close().await;

    // Reports from before accounts have no area: only administrators of a
    // root area read them (they could be from anywhere). The phone that
    // sent them, now logged in, still gets its receipt.
    let app = start(&dirs).await;
    let pool = dirs.pool().await;
    add_user(&pool, "admin-t1", kuaibao_core::account::Role::Admin, "d-t1").await;
    pool.close().await;
    let township_admin = login(&app.base, "admin-t1").await;
    for (report, first_receipt, _) in &old {
        let res = app
            .get_as(&app.admin, &format!("{SUBMIT_REPORT_PATH}/{}", report.id))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let stored: StoredReport = res.json().await.expect("stored report");
        assert_eq!((&stored.receipt, &stored.report), (first_receipt, report));
        assert_eq!(stored.report.thread, None);
        assert_eq!(stored.report.stage, Stage::Initial);

        let thread = app.thread_as(&app.admin, report.id).await;
        assert_eq!(thread.thread, report.id);
        assert_eq!(thread.records, vec![stored]);
        assert_eq!(
            app.get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id)).await.status(),
            StatusCode::NOT_FOUND
        );
        let res = app
            .get_as(&township_admin, &format!("{SUBMIT_REPORT_PATH}/{}", report.id))
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "a township's administrator");

        // The phone never got its receipt and sends again, now with a
        // `stage` in the text: still the same report, the same receipt.
        assert_eq!(receipt(app.submit(report).await, StatusCode::OK).await, *first_receipt);
    }
    let (report, first_receipt, _) = &old[0];
    let mut changed = report.clone();
    changed.answers.insert("injured".into(), "5".into());
    let (status, _) = api_error(app.submit(&changed).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(app.list_as(&app.admin).await.len(), old.len());

    // The old 首报 can now be followed up, by the whole deployment's
    // office: nothing tells which account's phone sent it, so no reporter
    // may write there (it could be anyone's thread).
    let follow_up = incident(Stage::FollowUp { n: 1 }, Some(report.id), 5);
    let (status, _) = api_error(app.submit(&follow_up).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reporter");
    let res = township_admin
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&follow_up)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "a township's administrator");
    let res = app
        .admin
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&follow_up)
        .send()
        .await
        .expect("POST");
    receipt(res, StatusCode::CREATED).await;
    let thread = app.thread_as(&app.admin, report.id).await;
    assert_eq!(
        thread.records.iter().map(|r| &r.report).collect::<Vec<_>>(),
        [report, &follow_up]
    );
    assert_eq!(&thread.records[0].receipt, first_receipt);

    // The backfill, and the append-only rules still in force after it.
    let pool = dirs.pool().await;
    for (report, _, grade) in &old {
        assert_eq!(
            columns(&pool, report.id).await,
            cols(report.id, r#"{"kind":"initial"}"#, 0, 0, Some(grade), None)
        );
    }
    let err = sqlx::query("UPDATE reports SET body = body")
        .execute(&pool)
        .await
        .expect_err("no updates");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM reports")
        .execute(&pool)
        .await
        .expect_err("no deletes");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query(
        "INSERT INTO reports \
             (id, template_id, template_version, body, body_sha256, written_at, received_at) \
         VALUES ('x', 't', 1, '{}', '', '', '')",
    )
    .execute(&pool)
    .await
    .expect_err("no row without a thread");
    assert!(err.to_string().contains("thread_id"), "{err}");
    pool.close().await;
    app.stop().await;
}

/// A replica started while another migrates the shared PostgreSQL database
/// waits for it (sqlx's migration lock) however long it takes, rather than
/// giving up after the busy timeout that bounds every other lock wait.
#[tokio::test]
async fn a_replica_started_while_another_migrates_waits_for_it() {
    use sqlx::migrate::Migrate;
    use sqlx::Connection;

    let dirs = dirs();
    let Some(url) = dirs.database_url.clone() else {
        // SQLite takes no lock to migrate: one process has the file.
        return;
    };
    // Another replica, migrating: it holds sqlx's migration lock.
    let mut other = sqlx::PgConnection::connect(&url).await.expect("connect");
    other.lock().await.expect("take sqlx's migration lock");
    let pool = dirs.pool().await;
    let started = std::time::Instant::now();
    let migrating = tokio::spawn({
        let pool = pool.clone();
        async move { db::migrate(&pool).await }
    });
    let held = db::DEFAULT_BUSY_TIMEOUT + Duration::from_secs(2);
    tokio::time::sleep(held).await;
    if migrating.is_finished() {
        panic!("did not wait for the lock: {:?}", migrating.await);
    }
    other.unlock().await.expect("let go of the lock");
    migrating
        .await
        .expect("migrate task")
        .expect("migrates once the lock is free");
    assert!(started.elapsed() >= held);
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .expect("applied migrations");
    assert_eq!(applied as usize, db::migrations(db::Backend::Postgres).len());
    // The pool's connections still give up on a lock after the busy timeout.
    let timeout: String = sqlx::query_scalar("SELECT current_setting('lock_timeout')")
        .fetch_one(&pool)
        .await
        .expect("lock_timeout");
    assert_eq!(timeout, "5s");
    other.close().await.expect("close");
    pool.close().await;
}

// ---------------------------------------------------------------------------
// Photos and their uploads (tus), in files of their own.

#[path = "api/uploads.rs"]
mod uploads;

#[path = "api/cutting_proxy.rs"]
mod cutting_proxy;

#[path = "api/s3.rs"]
mod s3;

// ---------------------------------------------------------------------------
// Accounts, areas, sessions, the audit log and clocks.

#[path = "api/accounts.rs"]
mod accounts;

#[path = "api/openapi.rs"]
mod openapi;

#[path = "api/security.rs"]
mod security;

#[path = "api/slow.rs"]
mod slow;

// ---------------------------------------------------------------------------
// Exports: CSV, GeoJSON, CAP 1.2 and the written report.

#[path = "api/exports.rs"]
mod exports;

#[path = "api/statistics.rs"]
mod statistics;

#[path = "api/signatures.rs"]
mod signatures;

// ---------------------------------------------------------------------------
// The duty office: inbox, hazard ledger, live changes, acknowledgements and
// requests for a follow-up.

#[path = "api/office.rs"]
mod office;

// ---------------------------------------------------------------------------
// Who may write where: records joining threads, photos by their records.

#[path = "api/writes.rs"]
mod writes;

// A phone reading back its account's threads.
#[path = "api/my_threads.rs"]
mod my_threads;

/// Deadline rules: a deployment's file, served and applied; logged calls.
#[path = "api/deadlines.rs"]
mod deadlines;

#[path = "api/evidence.rs"]
mod evidence;

#[path = "api/media.rs"]
mod media;

/// Crash reports from the phones, and their list for administrators.
#[path = "api/crashes.rs"]
mod crashes;

// ---------------------------------------------------------------------------
// Evidence that survives the disk: fsck, repair, backup and restore.

#[path = "api/durability.rs"]
mod durability;

#[path = "api/backup.rs"]
mod backup;

// ---------------------------------------------------------------------------
// The duty office's map: its base map and the tiles' image source.

#[path = "api/map.rs"]
mod map;

// ---------------------------------------------------------------------------
// Blanks across blanks (cross-field checks) and natural disasters' chains.

#[path = "api/blanks.rs"]
mod blanks;

// ---------------------------------------------------------------------------
// 短信首报: first records that came as text messages.

#[path = "api/sms.rs"]
mod sms;

// ---------------------------------------------------------------------------
// Several replicas on one database.

#[path = "api/replicas.rs"]
mod replicas;

// ---------------------------------------------------------------------------
// Operations: metrics, readiness, a drain at SIGTERM.

#[path = "api/operations.rs"]
mod operations;

#[path = "api/pages.rs"]
mod pages;
