//! What every fault test needs: the real binary on a data dir and a port of
//! its own (so a client can reconnect after a restart), the accounts made
//! through its admin command, a seeded generator, reports and photos, a
//! client that retries like the phone, and the final check that whatever the
//! server acknowledged is there, once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{TimeDelta, Utc};
use kuaibao_core::photo::{tus, PhotoRef};
use kuaibao_core::rules::catalogue::{GENERAL_INCIDENT, HAZARD};
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode, Receipt, SESSION_PATH, SUBMIT_REPORT_PATH};
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{PhotoId, Report, ReportId, Stage};
use kuaibao_server::db::{self, reports::StoredReport};
use reqwest::{Client, Response, StatusCode};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// Set for the PostgreSQL run: a server where tests may create databases.
pub const POSTGRES_VAR: &str = "KUAIBAO_TEST_POSTGRES_URL";
/// Replays a run: the seed every test prints.
pub const SEED_VAR: &str = "KUAIBAO_FAULT_SEED";

pub const USERNAME: &str = "reporter";
pub const PASSWORD: &str = "test-password";
const AREA: &str = "d";
const DEVICE: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

/// The phone's chunk size is 256 KiB; smaller here, so a photo takes
/// several `PATCH`es and a fault lands between them more often.
pub const CHUNK: usize = 64 * 1024;

// ---------------------------------------------------------------------------
// Randomness.

/// xorshift64: small, fast and seeded, so a failing run replays.
pub struct Rng(u64);

impl Rng {
    /// The seed from [`SEED_VAR`], or a new one; printed either way (the
    /// test's output is shown when it fails).
    pub fn seeded(test: &str) -> Rng {
        let seed = std::env::var(SEED_VAR)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or_else(|| {
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                nanos ^ u64::from(std::process::id()).rotate_left(32)
            });
        eprintln!("{test}: seed {seed} (replay with {SEED_VAR}={seed})");
        Rng::new(seed)
    }

    pub fn new(seed: u64) -> Rng {
        // Zero is xorshift's one fixed point.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// In `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }

    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(self.range(lo, hi))
    }

    fn random10(&mut self) -> [u8; 10] {
        let mut out = [0u8; 10];
        out[..8].copy_from_slice(&self.next().to_le_bytes());
        out[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        out
    }

    fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    pub fn report_id(&mut self) -> ReportId {
        ReportId::from_parts(Self::now_ms(), self.random10())
    }

    pub fn photo_id(&mut self) -> PhotoId {
        PhotoId::from_parts(Self::now_ms(), self.random10())
    }
}

// ---------------------------------------------------------------------------
// Reports and photos.

/// `len` bytes that sniff as a JPEG: the JFIF signature, then noise.
pub fn jpeg(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    let signature = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];
    bytes[..signature.len()].copy_from_slice(&signature);
    bytes
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A general incident (no photos), its event an hour before now.
pub fn incident(rng: &mut Rng) -> Report {
    let mut answers = kuaibao_core::rules::examples::filled(&GENERAL_INCIDENT);
    let occurred = (Utc::now().with_timezone(&beijing()) - TimeDelta::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    answers.insert("occurred_at".to_owned(), occurred);
    Report {
        id: rng.report_id(),
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

/// A hazard as found, whose photos are these bytes (it needs one at least).
pub fn hazard(rng: &mut Rng, photos: &[&[u8]]) -> Report {
    let photos = photos
        .iter()
        .map(|bytes| PhotoRef {
            id: rng.photo_id(),
            blank: "photos".to_owned(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
            mime: "image/jpeg".to_owned(),
            taken_at: None,
            lat: None,
            lon: None,
        })
        .collect();
    Report {
        id: rng.report_id(),
        thread: None,
        thread_key: None,
        stage: Stage::Initial,
        template_id: HAZARD.id.into(),
        template_version: HAZARD.version,
        answers: kuaibao_core::rules::examples::filled(&HAZARD),
        written_at: Utc::now().with_timezone(&beijing()),
        grade: None,
        photos,
        clock_offset_ms: None,
    }
}

// ---------------------------------------------------------------------------
// The server.

/// A data dir, a database and a port, kept apart from the server process
/// so a test can kill it and start it again on the same data.
pub struct Env {
    data: PathBuf,
    _data_dir: Option<TempDir>,
    static_dir: TempDir,
    logs: TempDir,
    /// `None`: the SQLite file in the data dir.
    pub database_url: Option<String>,
    pub port: u16,
}

impl Env {
    /// A fresh temporary data dir.
    pub async fn new() -> Env {
        let dir = TempDir::new().expect("data dir");
        let mut env = Env::on(dir.path().to_owned()).await;
        env._data_dir = Some(dir);
        env
    }

    /// Data in `data` (which the caller owns), and a fresh PostgreSQL
    /// database when the run is for PostgreSQL.
    pub async fn on(data: PathBuf) -> Env {
        let static_dir = TempDir::new().expect("static dir");
        std::fs::write(
            static_dir.path().join("index.html"),
            "<!DOCTYPE html><title>快报</title>",
        )
        .expect("index.html");
        let database_url = match std::env::var(POSTGRES_VAR) {
            Ok(admin) => Some(fresh_postgres_database(&admin).await),
            Err(_) => None,
        };
        Env {
            data,
            _data_dir: None,
            static_dir,
            logs: TempDir::new().expect("log dir"),
            database_url,
            port: free_port(),
        }
    }

    pub fn postgres(&self) -> bool {
        self.database_url.is_some()
    }

    pub fn data(&self) -> &Path {
        &self.data
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn sqlite_file(&self) -> PathBuf {
        self.data.join(db::DB_FILE)
    }

    /// The binary with this env's settings.
    fn command(&self, extra: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kuaibao-server"));
        command
            .env("KUAIBAO_ADDR", format!("127.0.0.1:{}", self.port))
            .env("KUAIBAO_DATA_DIR", &self.data)
            .env("KUAIBAO_STATIC_DIR", self.static_dir.path())
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            // The phones here send far faster than people do; being told to
            // slow down (429) is not the fault under test.
            .env("KUAIBAO_RATE_PER_MIN", "1000000")
            .env_remove("DATABASE_URL")
            .env_remove("KUAIBAO_OBJECT_STORE");
        if let Some(url) = &self.database_url {
            command.env("DATABASE_URL", url);
        }
        for (k, v) in extra {
            command.env(k, v);
        }
        command
    }

    /// The reporter's area and account, made with the admin command.
    pub async fn add_accounts(&self) {
        let run = |args: &[&str], stdin: Option<&str>| {
            let mut command = self.command(&[]);
            command
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let stdin = stdin.map(str::to_owned);
            async move {
                let mut child = command.spawn().expect("run the admin command");
                if let Some(text) = stdin {
                    use tokio::io::AsyncWriteExt;
                    let mut pipe = child.stdin.take().expect("stdin");
                    pipe.write_all(text.as_bytes()).await.expect("write the password");
                }
                let out = child.wait_with_output().await.expect("admin command");
                assert!(
                    out.status.success(),
                    "admin command failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        };
        run(&["area", "add", AREA, "--name", "测试区", "--level", "district"], None).await;
        run(
            &["user", "add", USERNAME, "--role", "reporter", "--area", AREA],
            Some(&format!("{PASSWORD}\n")),
        )
        .await;
    }

    /// Starts the binary (again) on this env's data and port; returns once it
    /// accepts connections. `extra` adds or overrides settings.
    pub async fn start(&self, extra: &[(&str, &str)]) -> Server {
        let log = self.logs.path().join("server.log");
        // The port may still be held for a moment by the process just killed.
        for _ in 0..100 {
            let log_file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("server log");
            let mut child = self
                .command(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(log_file))
                .kill_on_drop(true)
                .spawn()
                .expect("start the server binary");
            let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
            let mut line = String::new();
            let read = tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut line)).await;
            if matches!(read, Ok(Ok(n)) if n > 0) && line.starts_with("listening on http://") {
                return Server {
                    child,
                    _stdout: stdout.into_inner(),
                    log,
                };
            }
            let _ = child.kill().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server does not start; its log:\n{}", tail(&log, 40));
    }

    /// A pool on the database, for checks behind the API's back.
    pub async fn pool(&self) -> db::Pool {
        let url = self.database_url.clone().unwrap_or_else(|| db::sqlite_url(&self.data));
        db::open(&url, Duration::from_secs(5)).await.expect("open the database")
    }
}

/// A new, empty database on the PostgreSQL server of `admin_url`; its URL.
async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = MADE.fetch_add(1, Ordering::SeqCst);
    let name = format!(
        "kb_faults_{:016x}_{n}",
        Rng::new(Rng::now_ms() ^ u64::from(std::process::id())).next()
    );
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create a test database");
    let _ = conn.close().await;
    format!("{base}/{name}")
}

/// A port that is free now and below the ephemeral range, so no client
/// connection takes it while the server is down (and a client never
/// connects to itself on it).
fn free_port() -> u16 {
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u16>().ok()))
        .unwrap_or(32768);
    // Tests run side by side in this process: never the same port twice.
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    let mut rng = Rng::new(u64::from(std::process::id()) ^ Rng::now_ms());
    for _ in 0..1000 {
        let port = rng.range(10_000, u64::from(low.max(10_100))) as u16;
        if !given.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.insert(port);
            return port;
        }
    }
    panic!("no free port below {low}");
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The running binary. Killed when dropped; its log is printed when the
/// test is failing.
pub struct Server {
    child: Child,
    _stdout: ChildStdout,
    log: PathBuf,
}

impl Server {
    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("SIGKILL the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        if std::thread::panicking() {
            eprintln!("--- server log (last lines) ---\n{}", tail(&self.log, 40));
        }
    }
}

// ---------------------------------------------------------------------------
// The client.

/// Logs in (retrying while the server is away); the session token.
pub async fn login(base: &str) -> String {
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    for _ in 0..400 {
        let res = client
            .post(format!("{base}{SESSION_PATH}"))
            .json(&kuaibao_core::account::LoginRequest {
                username: USERNAME.to_owned(),
                password: PASSWORD.to_owned(),
                device_id: DEVICE.to_owned(),
            })
            .send()
            .await;
        if let Ok(res) = res {
            match res.status() {
                StatusCode::CREATED => {
                    if let Ok(session) = res.json::<kuaibao_core::account::Session>().await {
                        return session.token;
                    }
                }
                StatusCode::SERVICE_UNAVAILABLE | StatusCode::INSUFFICIENT_STORAGE => {}
                other => panic!("login answered {other}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot log in");
}

/// A client sending `token`; `fresh` opens a connection per request.
pub fn client(token: &str, fresh: bool) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header value"),
    );
    let mut builder = Client::builder()
        .default_headers(headers)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(15));
    if fresh {
        builder = builder.pool_max_idle_per_host(0);
    }
    builder.build().expect("client")
}

/// Checks a "not now" answer: 503 or 507, `Retry-After`, and the API's
/// error shape with code `unavailable`. Returns the status.
pub async fn expect_unavailable(res: Response) -> StatusCode {
    let status = res.status();
    assert!(
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::INSUFFICIENT_STORAGE,
        "expected 503 or 507, got {status}: {}",
        res.text().await.unwrap_or_default()
    );
    let retry_after = res.headers().get(reqwest::header::RETRY_AFTER).cloned();
    let retry_secs = retry_after
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    assert!(
        retry_secs.is_some_and(|s| s > 0),
        "{status} without a Retry-After in seconds: {retry_after:?}"
    );
    let content_type = res.headers().get(reqwest::header::CONTENT_TYPE).cloned();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{status}: {text}"
    );
    let error: ApiError = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an ApiError ({e}): {text}"));
    assert_eq!(error.error, ApiErrorCode::Unavailable, "{text}");
    status
}

/// What the client was told, across every fault: the reports it queued,
/// every receipt it got, and the photos the server acknowledged whole.
#[derive(Default)]
pub struct Ledger {
    /// Every report queued, with the bytes of its photos.
    pub queued: Vec<(Report, Vec<Vec<u8>>)>,
    /// Every receipt received, by report id, in the order received.
    pub receipts: BTreeMap<ReportId, Vec<Receipt>>,
    /// Photos the server said it holds whole.
    pub arrived: BTreeSet<PhotoId>,
    /// Answers other than 2xx, by status, for the test's summary.
    pub refusals: BTreeMap<u16, usize>,
    /// Requests that failed without an answer.
    pub broken: usize,
}

/// A client as the phone is one: it retries every report and photo until
/// the server acknowledges it, pausing a little after each failure, and
/// resumes uploads from the offset `HEAD` gives.
#[derive(Clone)]
pub struct Phone {
    pub client: Client,
    pub base: String,
    pub ledger: Arc<Mutex<Ledger>>,
    /// Requests under way (for a test that wants its faults to land in one).
    pub in_flight: Arc<AtomicUsize>,
    /// Pause after a failure.
    pub pause: Duration,
}

/// Counts a request as under way while alive.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(counter))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Phone {
    pub fn new(client: Client, base: String) -> Phone {
        Phone {
            client,
            base,
            ledger: Arc::default(),
            in_flight: Arc::default(),
            pause: Duration::from_millis(30),
        }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts a report (and its photos' bytes) in the outbox.
    pub fn queue(&self, report: &Report, photos: &[Vec<u8>]) {
        self.ledger().queued.push((report.clone(), photos.to_vec()));
    }

    fn refused(&self, status: StatusCode) {
        *self.ledger().refusals.entry(status.as_u16()).or_default() += 1;
    }

    fn broke(&self) {
        self.ledger().broken += 1;
    }

    /// One `POST` of the report; the answer is the caller's to read.
    pub async fn post(&self, report: &Report) -> Response {
        self.client
            .post(format!("{}{SUBMIT_REPORT_PATH}", self.base))
            .json(report)
            .send()
            .await
            .expect("POST /api/reports")
    }

    /// Reads a receipt the server answered with `status`, and records it.
    pub async fn receipt(&self, res: Response, status: StatusCode) -> Receipt {
        assert_eq!(res.status(), status, "expected a receipt with {status}");
        let receipt: Receipt = res.json().await.expect("a receipt");
        self.ledger()
            .receipts
            .entry(receipt.id)
            .or_default()
            .push(receipt.clone());
        receipt
    }

    /// One tus `POST` creating the upload of `photo`.
    pub async fn create(&self, photo: &PhotoRef) -> Response {
        self.client
            .post(format!("{}{}", self.base, tus::UPLOADS_PATH))
            .header("Tus-Resumable", tus::VERSION)
            .header("Upload-Length", photo.size.to_string())
            .header("Upload-Metadata", metadata(photo))
            .send()
            .await
            .expect("POST /api/uploads")
    }

    /// One tus `PATCH` of `body` at `offset`.
    pub async fn patch(&self, location: &str, offset: u64, body: &[u8]) -> Response {
        self.client
            .patch(location)
            .header("Tus-Resumable", tus::VERSION)
            .header(reqwest::header::CONTENT_TYPE, "application/offset+octet-stream")
            .header("Upload-Offset", offset.to_string())
            .body(body.to_vec())
            .send()
            .await
            .expect("PATCH")
    }

    /// The upload's offset, as `HEAD` tells it.
    pub async fn offset(&self, location: &str) -> u64 {
        let res = self
            .client
            .head(location)
            .header("Tus-Resumable", tus::VERSION)
            .send()
            .await
            .expect("HEAD");
        assert_eq!(res.status(), StatusCode::OK, "HEAD {location}");
        header_u64(&res, "upload-offset").expect("Upload-Offset")
    }

    /// How many of the report's photos the server says have arrived.
    pub async fn arrived(&self, report: &Report) -> u64 {
        let res = self
            .client
            .get(format!("{}{SUBMIT_REPORT_PATH}/{}/photos", self.base, report.id))
            .send()
            .await
            .expect("GET photos");
        assert_eq!(res.status(), StatusCode::OK);
        let status: serde_json::Value = res.json().await.expect("json");
        status["arrived"].as_u64().expect("arrived")
    }

    /// Takes upload steps until the client knows the upload stands at
    /// `offset` (which it must pass through).
    pub async fn upload_to(&self, photo: &PhotoRef, bytes: &[u8], upload: &mut Upload, offset: u64) {
        while upload.offset != Some(offset) {
            let arrived = self.upload_step(photo, bytes, upload).await;
            assert!(!arrived, "photo {} arrived before offset {offset}", photo.id);
            assert!(upload.offset.is_none_or(|at| at <= offset), "past offset {offset}");
        }
    }

    /// One send of the report: its receipt, or `None` if it must be sent
    /// again. Any answer but a receipt or "not now" fails the test.
    pub async fn try_send(&self, report: &Report) -> Option<Receipt> {
        let _busy = InFlight::new(&self.in_flight);
        let res = match self
            .client
            .post(format!("{}{SUBMIT_REPORT_PATH}", self.base))
            .json(report)
            .send()
            .await
        {
            Ok(res) => res,
            Err(_) => {
                self.broke();
                return None;
            }
        };
        match res.status() {
            StatusCode::CREATED | StatusCode::OK => match res.json::<Receipt>().await {
                Ok(receipt) => {
                    assert_eq!(receipt.id, report.id);
                    self.ledger()
                        .receipts
                        .entry(report.id)
                        .or_default()
                        .push(receipt.clone());
                    Some(receipt)
                }
                // The answer was cut mid-body: as good as lost.
                Err(_) => {
                    self.broke();
                    None
                }
            },
            status => {
                self.refused(status);
                expect_unavailable(res).await;
                None
            }
        }
    }

    /// Sends the report until it has a receipt.
    pub async fn send(&self, report: &Report) -> Receipt {
        loop {
            if let Some(receipt) = self.try_send(report).await {
                return receipt;
            }
            tokio::time::sleep(self.pause).await;
        }
    }

    /// Uploads one photo over tus until the server holds it whole.
    pub async fn upload(&self, photo: &PhotoRef, bytes: &[u8]) {
        let mut upload = Upload::default();
        while !self.upload_step(photo, bytes, &mut upload).await {}
    }

    /// One request of an upload; true once the photo has arrived. Failures
    /// pause before returning.
    pub async fn upload_step(&self, photo: &PhotoRef, bytes: &[u8], upload: &mut Upload) -> bool {
        let step = self.upload_request(photo, bytes, upload).await;
        match step {
            Step::Arrived => {
                self.ledger().arrived.insert(photo.id);
                true
            }
            Step::Moved => false,
            Step::Failed => {
                tokio::time::sleep(self.pause).await;
                false
            }
        }
    }

    async fn upload_request(&self, photo: &PhotoRef, bytes: &[u8], upload: &mut Upload) -> Step {
        let _busy = InFlight::new(&self.in_flight);
        let length = bytes.len() as u64;
        let Some(location) = upload.location.clone() else {
            let res = self
                .client
                .post(format!("{}{}", self.base, tus::UPLOADS_PATH))
                .header("Tus-Resumable", tus::VERSION)
                .header("Upload-Length", length.to_string())
                .header("Upload-Metadata", metadata(photo))
                .send()
                .await;
            let Ok(res) = res else {
                self.broke();
                return Step::Failed;
            };
            if res.status() != StatusCode::CREATED {
                self.refused(res.status());
                expect_unavailable(res).await;
                return Step::Failed;
            }
            let location = res.headers()["location"].to_str().expect("ascii location").to_owned();
            let offset = header_u64(&res, "upload-offset").expect("Upload-Offset");
            upload.location = Some(format!("{}{location}", self.base));
            upload.offset = Some(offset);
            return if offset == length { Step::Arrived } else { Step::Moved };
        };
        let Some(at) = upload.offset else {
            let res = self
                .client
                .head(&location)
                .header("Tus-Resumable", tus::VERSION)
                .send()
                .await;
            let Ok(res) = res else {
                self.broke();
                return Step::Failed;
            };
            if res.status() != StatusCode::OK {
                self.refused(res.status());
                expect_unavailable(res).await;
                return Step::Failed;
            }
            let offset = header_u64(&res, "upload-offset").expect("Upload-Offset");
            upload.offset = Some(offset);
            return if offset == length { Step::Arrived } else { Step::Moved };
        };
        let end = (at as usize + upload.chunk()).min(bytes.len());
        let res = self
            .client
            .patch(&location)
            .header("Tus-Resumable", tus::VERSION)
            .header(reqwest::header::CONTENT_TYPE, "application/offset+octet-stream")
            .header("Upload-Offset", at.to_string())
            .body(bytes[at as usize..end].to_vec())
            .send()
            .await;
        // Whatever happens next, ask the server where the upload stands.
        upload.offset = None;
        let Ok(res) = res else {
            self.broke();
            return Step::Failed;
        };
        match res.status() {
            StatusCode::NO_CONTENT => {
                let offset = header_u64(&res, "upload-offset").expect("Upload-Offset");
                assert_eq!(offset, end as u64, "a 204 moves the upload to the end of the chunk");
                upload.offset = Some(offset);
                if offset == length {
                    Step::Arrived
                } else {
                    Step::Moved
                }
            }
            // Another request of ours moved it or holds it: ask and retry.
            StatusCode::CONFLICT | StatusCode::LOCKED => {
                self.refused(res.status());
                Step::Failed
            }
            status => {
                self.refused(status);
                expect_unavailable(res).await;
                Step::Failed
            }
        }
    }
}

/// How far an upload has got, as the client knows it.
#[derive(Default)]
pub struct Upload {
    pub location: Option<String>,
    /// `None`: unknown, ask with `HEAD`.
    pub offset: Option<u64>,
    /// Bytes per `PATCH`; [`CHUNK`] when 0.
    pub chunk: usize,
}

impl Upload {
    fn chunk(&self) -> usize {
        if self.chunk == 0 {
            CHUNK
        } else {
            self.chunk
        }
    }
}

enum Step {
    Arrived,
    Moved,
    Failed,
}

pub fn metadata(photo: &PhotoRef) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    format!(
        "{} {},{} {},{} {}",
        tus::META_PHOTO_ID,
        b64(&photo.id.to_string()),
        tus::META_SHA256,
        b64(&photo.sha256),
        tus::META_FILETYPE,
        b64(&photo.mime)
    )
}

pub fn header_u64(res: &Response, name: &str) -> Option<u64> {
    res.headers().get(name)?.to_str().ok()?.parse().ok()
}

// ---------------------------------------------------------------------------
// The check.

/// Everything the client was told is true, and nothing is there twice:
/// every queued report is stored once, with the receipt the client got
/// (every time it got one); every photo is stored whole, byte-identical,
/// and arrived once; the SQLite file passes its integrity check.
pub async fn verify(env: &Env, phone: &Phone) {
    let ledger = {
        let ledger = phone.ledger();
        Ledger {
            queued: ledger.queued.clone(),
            receipts: ledger.receipts.clone(),
            arrived: ledger.arrived.clone(),
            ..Ledger::default()
        }
    };
    // Every page of the list, following its `Link: <…>; rel="next"`.
    let mut listed: Vec<StoredReport> = Vec::new();
    let mut next = Some(SUBMIT_REPORT_PATH.to_owned());
    while let Some(path) = next {
        let res = phone
            .client
            .get(format!("{}{path}", phone.base))
            .send()
            .await
            .expect("GET /api/reports");
        assert_eq!(res.status(), StatusCode::OK);
        next = res
            .headers()
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_suffix(">; rel=\"next\""))
            .and_then(|v| v.strip_prefix('<'))
            .map(str::to_owned);
        let page: Vec<StoredReport> = res.json().await.expect("stored reports");
        listed.extend(page);
    }

    // The queue finished: every report has a receipt, every photo arrived.
    for (report, _) in &ledger.queued {
        assert!(
            ledger.receipts.contains_key(&report.id),
            "report {} never got a receipt",
            report.id
        );
        for photo in &report.photos {
            assert!(ledger.arrived.contains(&photo.id), "photo {} never arrived", photo.id);
        }
    }
    // Listed once each, with every receipt the client got, and nothing else.
    for (id, receipts) in &ledger.receipts {
        let stored: Vec<&StoredReport> = listed.iter().filter(|s| s.report.id == *id).collect();
        assert_eq!(stored.len(), 1, "report {id} is listed {} times", stored.len());
        for receipt in receipts {
            // Lists carry receipts without the submit answer's seal; every
            // answer for the id carries the same one.
            assert!(receipt.seal.is_some(), "report {id}: an unsealed receipt");
            assert_eq!(receipt.seal, receipts[0].seal, "report {id}: another seal");
            assert_eq!(
                &Receipt {
                    seal: None,
                    ..receipt.clone()
                },
                &stored[0].receipt,
                "report {id}: a receipt that differs from the stored one"
            );
        }
        let queued = ledger.queued.iter().find(|(r, _)| r.id == *id).map(|(r, _)| r);
        assert_eq!(Some(&stored[0].report), queued, "report {id} is stored as sent");
    }
    assert_eq!(listed.len(), ledger.queued.len(), "as many stored as queued");
    let seqs: BTreeSet<i64> = listed.iter().map(|s| s.receipt.seq).collect();
    assert_eq!(seqs.len(), listed.len(), "receipt numbers are never reused");

    // Behind the API: one row and one audit entry per report and per arrival.
    let pool = env.pool().await;
    let dupes: Vec<(String, i64)> = sqlx::query_as("SELECT id, count(*) FROM reports GROUP BY id HAVING count(*) > 1")
        .fetch_all(&pool)
        .await
        .expect("duplicates query");
    assert!(dupes.is_empty(), "reports stored twice: {dupes:?}");
    let stores: Vec<(String, i64)> =
        sqlx::query_as("SELECT subject, count(*) FROM audit WHERE action = 'report.store' GROUP BY subject")
            .fetch_all(&pool)
            .await
            .expect("audit query");
    assert_eq!(stores.len(), ledger.queued.len(), "one report.store entry per report");
    assert!(stores.iter().all(|(_, n)| *n == 1), "a report stored twice: {stores:?}");
    let arrivals: Vec<(String, i64)> =
        sqlx::query_as("SELECT subject, count(*) FROM audit WHERE action = 'photo.arrive' GROUP BY subject")
            .fetch_all(&pool)
            .await
            .expect("audit query");
    assert!(
        arrivals.iter().all(|(_, n)| *n == 1),
        "a photo arrived twice: {arrivals:?}"
    );

    let mut expected_files = BTreeSet::new();
    for (report, bytes) in &ledger.queued {
        for (photo, bytes) in report.photos.iter().zip(bytes) {
            let (arrived_at, key): (Option<String>, Option<String>) =
                sqlx::query_as("SELECT arrived_at, storage_key FROM photos WHERE photo_id = $1")
                    .bind(photo.id.to_string())
                    .fetch_one(&pool)
                    .await
                    .expect("the photo's row");
            assert!(arrived_at.is_some(), "photo {} acknowledged but not arrived", photo.id);
            assert_eq!(
                key.as_deref(),
                Some(format!("photos/{}/{}", &photo.sha256[..2], photo.sha256).as_str())
            );
            let n = arrivals
                .iter()
                .find(|(s, _)| *s == photo.id.to_string())
                .map_or(0, |(_, n)| *n);
            assert_eq!(n, 1, "photo {}: one arrival in the audit log", photo.id);
            // Byte-identical through the API and on disk.
            let res = phone
                .client
                .get(format!("{}/api/photos/{}", phone.base, photo.sha256))
                .send()
                .await
                .expect("GET photo");
            assert_eq!(res.status(), StatusCode::OK, "photo {}", photo.id);
            let got = res.bytes().await.expect("photo bytes");
            assert!(
                got.as_ref() == bytes.as_slice(),
                "photo {} served with other bytes",
                photo.id
            );
            let file = env.data().join("photos").join(&photo.sha256[..2]).join(&photo.sha256);
            let on_disk = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(on_disk == *bytes, "{} differs from the photo", file.display());
            expected_files.insert(photo.sha256.clone());
        }
    }
    // No other photo file (a staging file left by a kill is not a photo).
    let stored_files: BTreeSet<String> = files_under(&env.data().join("photos"))
        .into_iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .filter(|n| n.len() == 64 && kuaibao_core::photo::is_sha256_hex(n))
        .collect();
    assert_eq!(
        stored_files, expected_files,
        "the photo files are the photos, once each"
    );
    pool.close().await;
    if !env.postgres() {
        integrity_check(env).await;
    }
}

/// SQLite's own check of the whole file, from a read-only connection.
pub async fn integrity_check(env: &Env) {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(env.sqlite_file())
        .read_only(true)
        .connect()
        .await
        .expect("open the SQLite file read-only");
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .expect("integrity_check");
    assert_eq!(verdict, vec!["ok".to_owned()], "the SQLite file is damaged");
    let _ = conn.close().await;
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Runs `test` within `limit`, or fails saying which test ran out.
pub async fn within<T>(limit: Duration, what: &str, test: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(limit, test).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within {limit:?}"),
    }
}
