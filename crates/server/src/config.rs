//! The server's settings, read from the environment once at start. Every
//! setting has a default that works on a developer's machine, so `cargo run`
//! needs none; a bad value stops the server with a message naming the
//! variable rather than running with a guess.
//!
//! | variable                     | default            | what |
//! |------------------------------|--------------------|------|
//! | `KUAIBAO_ADDR`               | `127.0.0.1:8080`   | where to listen; port 0 picks a free port |
//! | `KUAIBAO_DATA_DIR`           | `./data`           | the database, unfinished uploads (`uploads/`) and, by default, the photos (`photos/`) |
//! | `KUAIBAO_STATIC_DIR`         | `./dist`           | the built app |
//! | `KUAIBAO_MAX_PHOTO_BYTES`    | 8388608 (8 MiB)    | the largest photo accepted; larger photos are refused with 413 (video clips and voice notes have their kind's cap; tus `Tus-Max-Size` is the largest of them). The core's validator separately refuses manifests announcing more than its own `MAX_PHOTO_BYTES` |
//! | `KUAIBAO_UPLOAD_EXPIRY_SECS` | 86400 (24 h)       | how long an unfinished upload is kept after its creation or its last `PATCH` (tus `Upload-Expires`); expired ones are swept with their bytes every 10 minutes |
//! | `DATABASE_URL`               | unset: SQLite file | unset keeps the database in `<data dir>/kuaibao.sqlite3`; `postgres://user:password@host/db` uses PostgreSQL (same schema, same migrations) |
//! | `KUAIBAO_SESSION_SECS`       | 2592000 (30 days)  | how long a login lasts; the phone works offline all that time and asks for a new login after |
//! | `KUAIBAO_DB_BUSY_MS`         | 5000               | how long a write waits for a database lock before the request is answered 503 (retry later) |
//! | `KUAIBAO_RATE_PER_MIN`       | 1200               | requests a minute one session may make (a token bucket holding a minute's worth, so a phone may burst a whole minute's budget); more is answered 429 with `Retry-After` |
//! | `KUAIBAO_LOGIN_RATE_PER_MIN` | 10                 | failed logins a minute for one username from one address (a bucket of as many); more is answered 429 |
//! | `KUAIBAO_HEADER_TIMEOUT_SECS` | 10                | how long a client has to send a request's head (its line and headers); also how long an idle keep-alive connection is kept. Past it the connection is closed |
//! | `KUAIBAO_BODY_IDLE_TIMEOUT_SECS` | 30             | how long a request body may send nothing; past it the request is answered 408 and the connection closed (a tus `PATCH` keeps what arrived) |
//! | `KUAIBAO_SEND_STALL_SECS` | 120                   | how long an answer may wait for its reader to take a byte (a client that stops reading a download or an event stream); past it the connection is closed |
//! | `KUAIBAO_PATCH_TIMEOUT_SECS` | 600              | how long one tus `PATCH` (a photo chunk) may take in all; past it 408, and what arrived is kept. A body trickling in a byte at a time cannot hold a connection for ever; the phone's 128 KiB chunks need 220 bytes a second |
//! | `KUAIBAO_REQUEST_TIMEOUT_SECS` | 30               | how long an API request may take until its answer starts, body included; past it 408. Not for tus `PATCH`es (photos on slow links) nor the office's event stream |
//! | `KUAIBAO_ACCOUNT_MIB_PER_DAY` | 2048 (2 GiB)     | MiB of records and photos one account may store a day (its records' text and the photos they announce, by their stated sizes; a bucket of a day's worth, refilled continuously, per server process). A record over it is answered 429 with `Retry-After` and kept on the phone; at least 1001, the largest record (20 video clips of 50 MiB) |
//! | `KUAIBAO_MAX_CONNECTIONS`    | 1024               | connections open at once; one more is answered 503 with `Retry-After` and closed (over HTTPS: closed without a handshake). Keep it below the process's open-file limit |
//! | `KUAIBAO_LOGIN_ADDR_RATE_PER_MIN` | 30            | failed logins a minute from one address, whatever the usernames (password spraying); more is answered 429 |
//! | `KUAIBAO_LOGIN_ACCOUNT_RATE_PER_MIN` | 60         | failed logins a minute for one username, whatever the addresses; more than `KUAIBAO_LOGIN_RATE_PER_MIN`, so no one address can lock an account out |
//! | `KUAIBAO_ANON_RATE_PER_MIN`  | 600                | API requests a minute from one address without a valid session (logins, health, made-up tokens); more is answered 429. The app's files are not limited |
//! | `KUAIBAO_TRUSTED_PROXIES`    | unset: none        | reverse proxies, comma-separated IPs or CIDR ranges (`10.0.0.0/8, ::1`): from them, the client is the rightmost address of `X-Forwarded-For` that is not a trusted proxy |
//! | `KUAIBAO_PASSWORD_WORKERS`   | cores, at most 4   | password checks at once; each holds 19 MiB of argon2 memory for good |
//! | `KUAIBAO_LOGIN_QUEUE`        | 16 × workers       | logins waiting for a password check; more is answered 503 with `Retry-After` at once |
//! | `KUAIBAO_CORS_ORIGINS`       | unset: none        | other origins whose pages may call the API, comma-separated (`https://duty.example.cn`); unset, only the server's own pages may |
//! | `KUAIBAO_TLS_CERT`, `KUAIBAO_TLS_KEY` | unset: plain HTTP | PEM files of the certificate chain and its private key: the server then speaks HTTPS itself (and sends `Strict-Transport-Security`) |
//! | `KUAIBAO_OBJECT_STORE`       | unset: local files | where finished photos are kept: unset keeps them under `<data dir>/photos/`; `s3://bucket` or `s3://bucket/prefix` keeps them in an S3 bucket or any S3-compatible store, configured by the usual `AWS_*` variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, and for S3-compatible servers `AWS_ENDPOINT` and `AWS_ALLOW_HTTP=true`) |
//! | `KUAIBAO_MAP_TILES`          | unset: no base map | the duty office map's tiles: an `http(s)` URL template with `{z}`, `{x}`, `{y}` and maybe `{s}`, e.g. `https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png`; its origin is allowed in the pages' `img-src`. Unset, the map shows the points on a plain background |
//! | `KUAIBAO_MAP_TILES_CRS`      | `wgs84`            | the tiles' datum: `wgs84` or `gcj02` (AMap, Tencent); with `gcj02` the points are shifted for display only |
//! | `KUAIBAO_MAP_ATTRIBUTION`    | empty              | the base map's credit line (plain text) |
//! | `KUAIBAO_MAP_SUBDOMAINS`     | `abc`              | the values `{s}` takes, e.g. `1234` |
//! | `KUAIBAO_RULES`              | unset: the national rules | a JSON file of deadline rules for this deployment (see `rules/` and docs/operations.md); read and checked at start: a bad file stops the server naming its line, rule and field |
//! | `KUAIBAO_SMS_NUMBER`         | unset: the duty phone | the number phones send 短信首报 to when data is down (the SMS gateway's, or a duty mobile's); digits, spaces, `-`, a leading `+`. Unset, phones offer their area's duty phone |
//! | `KUAIBAO_SMS_GATEWAY_TOKEN`  | unset: no gateway  | the secret an SMS gateway sends as `Authorization: Bearer …` to `POST /api/sms/gateway` (at least 32 characters, no spaces); unset, that endpoint answers 401 to every request and SMS reports are pasted at the desk |
//! | `KUAIBAO_METRICS_TOKEN`      | unset: administrators only | the secret a metrics scraper sends as `Authorization: Bearer …` to `GET /api/metrics` (at least 32 characters, no spaces); unset, only an administrator's session reads the metrics |
//! | `KUAIBAO_SHUTDOWN_GRACE_SECS` | 30                | at SIGTERM or Ctrl-C, how long requests in flight (reports, photo chunks) may take to finish; `/api/ready` answers 503 from the signal on, new requests 503 with `Retry-After` |
//! | `KUAIBAO_CAP_SENDER`         | `kuaibao@localhost` | the `sender` of the CAP 1.2 alerts this server exports (`GET /api/threads/{id}/cap`): the duty office, globally unique, e.g. `yjj@xh.example.gov.cn`; no spaces, commas, `<` or `&` (CAP's rule) |
//!
//! Photos are stored content-addressed under `photos/<first two hex digits
//! of the SHA-256>/<SHA-256>`, in the data dir or in the bucket.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where to listen, e.g. `0.0.0.0:8080`; port 0 picks a free port.
pub const ADDR_VAR: &str = "KUAIBAO_ADDR";
/// The folder holding the database; created if missing.
pub const DATA_DIR_VAR: &str = "KUAIBAO_DATA_DIR";
/// The folder of the built app (Trunk's `dist`).
pub const STATIC_DIR_VAR: &str = "KUAIBAO_STATIC_DIR";
/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES_VAR: &str = "KUAIBAO_MAX_PHOTO_BYTES";
/// How long an unfinished upload is kept, in seconds.
pub const UPLOAD_EXPIRY_VAR: &str = "KUAIBAO_UPLOAD_EXPIRY_SECS";
/// The number phones send SMS reports to.
pub const SMS_NUMBER_VAR: &str = "KUAIBAO_SMS_NUMBER";
/// The SMS gateway's secret.
pub const SMS_GATEWAY_TOKEN_VAR: &str = "KUAIBAO_SMS_GATEWAY_TOKEN";
/// The secret phones' SMS seal keys are derived under (every replica the
/// same); unset: the data dir's `sms-seal.secret`, made at the first start.
pub const SMS_SEAL_SECRET_VAR: &str = "KUAIBAO_SMS_SEAL_SECRET";
/// How many days phones keep a finished, delivered thread (1 to 3650).
pub const PHONE_KEEP_DAYS_VAR: &str = "KUAIBAO_PHONE_KEEP_DAYS";
/// The metrics scraper's secret.
pub const METRICS_TOKEN_VAR: &str = "KUAIBAO_METRICS_TOKEN";
/// The shortest bearer secret of a setting (the SMS gateway's, the metrics
/// scraper's) accepted: as long as a session token's text.
pub const MIN_SECRET_CHARS: usize = 32;
/// Seconds requests in flight may take to finish once shutdown began.
pub const SHUTDOWN_GRACE_VAR: &str = "KUAIBAO_SHUTDOWN_GRACE_SECS";
/// `s3://bucket[/prefix]` to keep photos in an S3-compatible store.
pub const OBJECT_STORE_VAR: &str = "KUAIBAO_OBJECT_STORE";
/// `sqlite://…` or `postgres://…`; unset: a SQLite file in the data dir.
pub const DATABASE_URL_VAR: &str = "DATABASE_URL";
/// A session's lifetime, in seconds.
pub const SESSION_SECS_VAR: &str = "KUAIBAO_SESSION_SECS";
/// How long a write waits for a lock, in milliseconds.
pub const DB_BUSY_MS_VAR: &str = "KUAIBAO_DB_BUSY_MS";
/// Requests a minute per session.
pub const RATE_PER_MIN_VAR: &str = "KUAIBAO_RATE_PER_MIN";
/// Login attempts a minute per address and username.
pub const LOGIN_RATE_PER_MIN_VAR: &str = "KUAIBAO_LOGIN_RATE_PER_MIN";
/// Failed logins a minute per address, all usernames together.
pub const LOGIN_ADDR_RATE_PER_MIN_VAR: &str = "KUAIBAO_LOGIN_ADDR_RATE_PER_MIN";
/// Failed logins a minute per username, all addresses together.
pub const LOGIN_ACCOUNT_RATE_PER_MIN_VAR: &str = "KUAIBAO_LOGIN_ACCOUNT_RATE_PER_MIN";
/// API requests a minute per address without a valid session.
pub const ANON_RATE_PER_MIN_VAR: &str = "KUAIBAO_ANON_RATE_PER_MIN";
/// Reverse proxies whose `X-Forwarded-For` is believed.
pub const TRUSTED_PROXIES_VAR: &str = "KUAIBAO_TRUSTED_PROXIES";
/// Password checks at once.
pub const PASSWORD_WORKERS_VAR: &str = "KUAIBAO_PASSWORD_WORKERS";
/// Logins that may wait for a password check.
pub const LOGIN_QUEUE_VAR: &str = "KUAIBAO_LOGIN_QUEUE";
/// Origins allowed to call the API from their pages (CORS).
pub const CORS_ORIGINS_VAR: &str = "KUAIBAO_CORS_ORIGINS";
/// PEM certificate chain for HTTPS.
pub const TLS_CERT_VAR: &str = "KUAIBAO_TLS_CERT";
/// PEM private key for HTTPS.
pub const TLS_KEY_VAR: &str = "KUAIBAO_TLS_KEY";
/// The `sender` of exported CAP alerts.
pub const CAP_SENDER_VAR: &str = "KUAIBAO_CAP_SENDER";
/// The duty office map's tile URL template.
pub const MAP_TILES_VAR: &str = "KUAIBAO_MAP_TILES";
/// The tiles' datum, `wgs84` or `gcj02`.
pub const MAP_TILES_CRS_VAR: &str = "KUAIBAO_MAP_TILES_CRS";
/// The base map's credit line.
pub const MAP_ATTRIBUTION_VAR: &str = "KUAIBAO_MAP_ATTRIBUTION";
/// What `{s}` in the tile URL takes.
pub const MAP_SUBDOMAINS_VAR: &str = "KUAIBAO_MAP_SUBDOMAINS";
/// Seconds to send a request's head; an idle keep-alive connection's life.
pub const HEADER_TIMEOUT_VAR: &str = "KUAIBAO_HEADER_TIMEOUT_SECS";
/// Seconds a request body may send nothing.
pub const BODY_IDLE_TIMEOUT_VAR: &str = "KUAIBAO_BODY_IDLE_TIMEOUT_SECS";
/// Seconds an answer may wait for its reader to take a byte.
pub const SEND_STALL_VAR: &str = "KUAIBAO_SEND_STALL_SECS";
/// Seconds one tus `PATCH` may take in all.
pub const PATCH_TIMEOUT_VAR: &str = "KUAIBAO_PATCH_TIMEOUT_SECS";
/// Seconds an API request may take until its answer starts.
pub const REQUEST_TIMEOUT_VAR: &str = "KUAIBAO_REQUEST_TIMEOUT_SECS";
/// Connections open at once.
pub const MAX_CONNECTIONS_VAR: &str = "KUAIBAO_MAX_CONNECTIONS";
/// The deployment's deadline rules file.
pub const RULES_VAR: &str = "KUAIBAO_RULES";
/// MiB of records and photos one account may store a day.
pub const ACCOUNT_MIB_PER_DAY_VAR: &str = "KUAIBAO_ACCOUNT_MIB_PER_DAY";

/// A phone syncing a backlog sends a report, then each photo in 128 KiB
/// `PATCH`es: an 8 MiB photo is 66 requests. 1200 a minute (20 a second,
/// 2.5 MiB/s in chunks, as fast as a good phone uplink) and a bucket of a
/// whole minute's worth leave a phone room to sync a day's backlog at full
/// speed, while one runaway or stolen session cannot flood the server.
pub const DEFAULT_RATE_PER_MIN: u32 = 1200;
/// Failed logins: ten a minute for one username from one address is more
/// than any person mistyping, and 14,400 guesses a day at most, against
/// passwords of at least eight characters hashed with argon2.
pub const DEFAULT_LOGIN_RATE_PER_MIN: u32 = 10;
/// Failed logins from one address across usernames: a few people behind
/// one office's NAT mistyping now and then stay far below 30 a minute,
/// while one address trying a common password on every username it can
/// think of (spraying) is held to 30 a minute.
pub const DEFAULT_LOGIN_ADDR_RATE_PER_MIN: u32 = 30;
/// Failed logins for one username from all addresses together: six times
/// what one address may, so it takes many addresses guessing at once to
/// slow an account's owner down, and they are held to 86,400 guesses a day
/// however many they are.
pub const DEFAULT_LOGIN_ACCOUNT_RATE_PER_MIN: u32 = 60;
/// Requests without a session from one address: the phone sends only its
/// login and a health check per sync without one, so even a hundred phones
/// behind one carrier's NAT stay well below 600 a minute; one client
/// flooding the public endpoints is held to 10 a second.
pub const DEFAULT_ANON_RATE_PER_MIN: u32 = 600;

/// A phone on a weak link sends a request's head (a few hundred bytes) in
/// well under a second; ten leave room for a stalled TCP retransmission or
/// two, while a client that opens connections and sends half a head (the
/// "slowloris" way of holding a server's sockets) loses each one quickly.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Thirty seconds without a byte of a body: the link is gone, not slow (a
/// 2G uplink still moves a few kB a second).
pub const DEFAULT_BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Two minutes in which a reader takes not one byte of an answer: no phone
/// on a live link, however slow, stalls that long (TCP's own retries give
/// up within that on a dead one), while a client that asks for downloads
/// and never reads them loses each connection, and the memory its answer
/// holds, soon.
pub const DEFAULT_SEND_STALL: Duration = Duration::from_secs(120);
/// An API request is a few KiB and a few queries: thirty seconds is far
/// more than one needs even on 2G, and bounds how long a stuck one holds
/// its connection and database work.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// One photo chunk's `PATCH`, at most: 128 KiB at 220 bytes a second.
pub const DEFAULT_PATCH_TIMEOUT: Duration = Duration::from_secs(600);
/// Reads and checks the deadline rules file at `path`.
fn rules_file(path: OsString) -> Result<kuaibao_core::rules::deadlines::RuleSet, ConfigError> {
    let shown = path.to_string_lossy().into_owned();
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::UnreadableRules {
        var: RULES_VAR,
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    kuaibao_core::rules::deadlines::file::read(&text).map_err(|reason| ConfigError::BadRules {
        var: RULES_VAR,
        path: shown,
        reason: Box::new(reason),
    })
}

/// A report is answered in milliseconds and a 128 KiB photo chunk in
/// seconds even on a weak uplink; thirty seconds lets them finish at a
/// shutdown, and is what systemd (`TimeoutStopSec`, 90 s) and Kubernetes
/// (`terminationGracePeriodSeconds`, 30 s) wait before they kill.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A district's phones and duty office pages, many times over; and below
/// the open-file limit a service is usually given (1024 soft, often raised),
/// counting the database and upload files besides.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

const MIB: u64 = 1024 * 1024;

/// What one account may store a day: a phone shrinks a photo to a few
/// hundred KiB, so 2 GiB is thousands of photos, or dozens of minute-long
/// clips, more than a worker can take in a day of disaster; a desk
/// officer's records are text. Twice the largest record.
pub const DEFAULT_ACCOUNT_MIB_PER_DAY: u64 = 2048;

/// The least `KUAIBAO_ACCOUNT_MIB_PER_DAY` may say: the largest record the
/// server takes (its body, and as many files as a report may announce, each
/// as large as one may be: video clips), so any one record fits in a day.
pub const MIN_ACCOUNT_MIB_PER_DAY: u64 = (kuaibao_core::photo::MAX_PHOTOS_PER_REPORT as u64
    * kuaibao_core::photo::media::MAX_MEDIA_BYTES
    + crate::http::API_BODY_LIMIT as u64)
    .div_ceil(MIB);

/// The most `KUAIBAO_MAX_CONNECTIONS` may say: far beyond any open-file
/// limit, and small enough to count in a `u32` (tokio's semaphores do).
const MAX_MAX_CONNECTIONS: u64 = 1_000_000;

const DEFAULT_SESSION: Duration = Duration::from_secs(30 * 24 * 3600);

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "./data";
const DEFAULT_STATIC_DIR: &str = "./dist";
const DEFAULT_UPLOAD_EXPIRY: Duration = Duration::from_secs(24 * 3600);
/// How often expired uploads are swept (and once at start).
pub const DEFAULT_SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
    /// The largest photo (a video clip or voice note has its kind's cap).
    pub max_photo_bytes: u64,
    /// An unfinished upload expires this long after its creation or its
    /// last `PATCH`.
    pub upload_expiry: Duration,
    /// How often expired uploads are swept; not an environment setting
    /// (tests shorten it).
    pub sweep_every: Duration,
    /// `s3://bucket[/prefix]`, or `None` for files under the data dir.
    pub object_store: Option<String>,
    /// Settings for the object store on top of the `AWS_*` variables, as
    /// `object_store`'s `AmazonS3ConfigKey` names (`aws_endpoint`,
    /// `aws_allow_http`, …). Not read from the environment: for programs
    /// (and tests) that start the server in-process.
    pub object_store_options: Vec<(String, String)>,
    /// `None`: the SQLite file in the data dir.
    pub database_url: Option<String>,
    pub session_lifetime: Duration,
    pub db_busy_timeout: Duration,
    /// Requests a minute one session may make (bucket of as many).
    pub rate_per_min: u32,
    /// Failed logins a minute per client address and username.
    pub login_rate_per_min: u32,
    /// Failed logins a minute per client address, across usernames.
    pub login_addr_rate_per_min: u32,
    /// Failed logins a minute per username, across addresses.
    pub login_account_rate_per_min: u32,
    /// API requests a minute per client address without a valid session.
    pub anon_rate_per_min: u32,
    /// Peers whose `X-Forwarded-For` names the client; empty: none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Password checks at once, each with 19 MiB of its own.
    pub password_workers: usize,
    /// Logins that may wait for a password check before one more is
    /// answered 503.
    pub login_queue: usize,
    /// Origins (`scheme://host[:port]`, lowercase) whose pages may call the
    /// API; empty: none but the server's own.
    pub cors_origins: Vec<String>,
    /// Serve HTTPS with this certificate chain and key.
    pub tls: Option<TlsFiles>,
    /// The `sender` of exported CAP alerts.
    pub cap_sender: String,
    /// Where phones send SMS reports; `None`: their area's duty phone.
    pub sms_number: Option<String>,
    /// The SMS gateway's secret; `None`: no gateway.
    pub sms_gateway_token: Option<String>,
    /// The secret SMS seal keys are derived under; `None`: the data dir's
    /// file (`http::sms::SEAL_SECRET_FILE`).
    pub sms_seal_secret: Option<String>,
    /// How many days phones keep a finished thread once it is all received
    /// (sent to them with the session).
    pub phone_keep_days: u32,
    /// The metrics scraper's secret; `None`: administrators' sessions only.
    pub metrics_token: Option<String>,
    /// How long requests in flight may take to finish at shutdown.
    pub shutdown_grace: Duration,
    /// The duty office map's base map (`KUAIBAO_MAP_*`); no tiles by default.
    pub map: kuaibao_core::desk::geo::MapConfig,
    /// The deadline rules (`KUAIBAO_RULES`); the national set by default.
    pub rules: kuaibao_core::rules::deadlines::RuleSet,
    /// How long a client has to send a request's head, the first on a
    /// connection or the next on a kept-alive one (so also how long an idle
    /// connection is kept).
    pub header_timeout: Duration,
    /// How long a request body may send nothing before the request is cut.
    pub body_idle_timeout: Duration,
    /// How long an answer may wait for its reader to take a byte before
    /// the connection is closed.
    pub send_stall: Duration,
    /// How long one tus `PATCH` may take in all.
    pub patch_timeout: Duration,
    /// How long an API request may take until its answer starts; not tus
    /// `PATCH`es nor the office's event stream.
    pub request_timeout: Duration,
    /// Connections open at once; more are refused.
    pub max_connections: usize,
    /// Bytes of records and photos one account may store a day.
    pub account_bytes_per_day: u64,
}

/// The PEM files of `KUAIBAO_TLS_CERT` and `KUAIBAO_TLS_KEY`. Read at start
/// (see `startup`), so a bad file stops the server naming its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Default for Config {
    /// The settings with no variable set.
    fn default() -> Self {
        Config {
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            static_dir: PathBuf::from(DEFAULT_STATIC_DIR),
            max_photo_bytes: kuaibao_core::photo::MAX_PHOTO_BYTES,
            upload_expiry: DEFAULT_UPLOAD_EXPIRY,
            sweep_every: DEFAULT_SWEEP_EVERY,
            object_store: None,
            object_store_options: Vec::new(),
            database_url: None,
            session_lifetime: DEFAULT_SESSION,
            db_busy_timeout: crate::db::DEFAULT_BUSY_TIMEOUT,
            rate_per_min: DEFAULT_RATE_PER_MIN,
            login_rate_per_min: DEFAULT_LOGIN_RATE_PER_MIN,
            login_addr_rate_per_min: DEFAULT_LOGIN_ADDR_RATE_PER_MIN,
            login_account_rate_per_min: DEFAULT_LOGIN_ACCOUNT_RATE_PER_MIN,
            anon_rate_per_min: DEFAULT_ANON_RATE_PER_MIN,
            trusted_proxies: Vec::new(),
            password_workers: crate::auth::password::default_workers(),
            login_queue: crate::auth::password::default_workers() * crate::auth::password::QUEUE_PER_WORKER,
            cors_origins: Vec::new(),
            tls: None,
            cap_sender: crate::export::DEFAULT_CAP_SENDER.to_owned(),
            sms_number: None,
            sms_gateway_token: None,
            sms_seal_secret: None,
            phone_keep_days: kuaibao_core::account::DEFAULT_KEEP_DAYS,
            metrics_token: None,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            map: kuaibao_core::desk::geo::MapConfig::default(),
            rules: kuaibao_core::rules::deadlines::RuleSet::national(),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_idle_timeout: DEFAULT_BODY_IDLE_TIMEOUT,
            send_stall: DEFAULT_SEND_STALL,
            patch_timeout: DEFAULT_PATCH_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            account_bytes_per_day: DEFAULT_ACCOUNT_MIB_PER_DAY * MIB,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}: `{value}` is not an address like {DEFAULT_ADDR}")]
    BadAddr { var: &'static str, value: String },
    #[error("{var} is not valid UTF-8")]
    NotUnicode { var: &'static str },
    #[error("{var} is set but empty; unset it to use the default `{default}`")]
    Empty { var: &'static str, default: &'static str },
    #[error("{var}: `{value}` is not a whole number from 1 to {max}")]
    BadNumber { var: &'static str, value: String, max: u64 },
    #[error("{var}: `{value}` is not an object store URL like s3://bucket or s3://bucket/prefix")]
    BadObjectStore { var: &'static str, value: String },
    /// The value is not repeated: a database URL may hold a password.
    #[error("{var} is not a sqlite:// or postgres:// URL")]
    BadDatabaseUrl { var: &'static str },
    #[error("{var}: `{value}` is not an origin like https://duty.example.cn or http://127.0.0.1:8080: {reason}")]
    BadOrigin {
        var: &'static str,
        value: String,
        reason: String,
    },
    #[error("{var} is set but empty: give the path of a PEM file")]
    EmptyFile { var: &'static str },
    #[error("{var} is set but {missing} is not: HTTPS needs both the certificate and its key")]
    HalfTls { var: &'static str, missing: &'static str },
    #[error(
        "{var}: `{value}` is not a CAP sender: one word with no spaces, commas, `<` or `&`, like yjj@xh.example.gov.cn"
    )]
    BadCapSender { var: &'static str, value: String },
    #[error("{var}: `{value}` is not a phone number (digits, spaces, `-`, a leading `+`; 7 to 15 digits)")]
    BadPhone { var: &'static str, value: String },
    /// The value is not repeated: it is a secret.
    #[error("{var} must be at least {MIN_SECRET_CHARS} characters with no spaces (e.g. `openssl rand -hex 32`)")]
    WeakToken { var: &'static str },
    #[error("{var}: `{value}` is not a tile URL template: {reason}")]
    BadMapTiles {
        var: &'static str,
        value: String,
        reason: kuaibao_core::desk::geo::TileUrlError,
    },
    #[error("{var}: `{value}` is not valid: {expected}")]
    BadMapSetting {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{var}: `{value}` is not an IP address or a CIDR range like 10.0.0.0/8 or fd00::/8")]
    BadProxy { var: &'static str, value: String },
    #[error(
        "{var}: {value} is not more than {LOGIN_RATE_PER_MIN_VAR} ({per_address}): one address could then lock an account out"
    )]
    AccountRateTooLow {
        var: &'static str,
        value: u32,
        per_address: u32,
    },
    #[error("{var}: {value} MiB is less than the largest record the server takes ({min} MiB): that record could never be stored")]
    QuotaTooLow { var: &'static str, value: u64, min: u64 },
    #[error("{var} is set but {MAP_TILES_VAR} is not: there are no tiles to describe")]
    MapWithoutTiles { var: &'static str },
    #[error("{var}: 无法读取期限规则文件 {path}（{reason}）。请检查路径和权限。 / cannot read the deadline rules file {path} ({reason}); check the path and its permissions")]
    UnreadableRules {
        var: &'static str,
        path: String,
        reason: String,
    },
    #[error("{var}: {path}: {reason}")]
    BadRules {
        var: &'static str,
        path: String,
        // Boxed: the rest of the variants are small.
        reason: Box<kuaibao_core::rules::deadlines::file::RulesError>,
    },
}

impl Config {
    /// The database to open: `DATABASE_URL`, or the SQLite file.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::db::sqlite_url(&self.data_dir))
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads settings through `lookup`, so tests need not touch the
    /// process-wide environment (which other threads may be reading).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self, ConfigError> {
        let addr_text = match lookup(ADDR_VAR) {
            None => DEFAULT_ADDR.to_owned(),
            Some(v) => v.into_string().map_err(|_| ConfigError::NotUnicode { var: ADDR_VAR })?,
        };
        let addr = addr_text.trim().parse().map_err(|_| ConfigError::BadAddr {
            var: ADDR_VAR,
            value: addr_text.clone(),
        })?;
        let defaults = Config::default();
        let max_photo_bytes = number(&lookup, MAX_PHOTO_BYTES_VAR, 1 << 40)?.unwrap_or(defaults.max_photo_bytes);
        let upload_expiry = number(&lookup, UPLOAD_EXPIRY_VAR, 365 * 24 * 3600)?
            .map(Duration::from_secs)
            .unwrap_or(defaults.upload_expiry);
        let object_store = match lookup(OBJECT_STORE_VAR) {
            None => None,
            Some(v) => {
                let value = v
                    .into_string()
                    .map_err(|_| ConfigError::NotUnicode { var: OBJECT_STORE_VAR })?;
                let value = value.trim().to_owned();
                if !is_object_store_url(&value) {
                    return Err(ConfigError::BadObjectStore {
                        var: OBJECT_STORE_VAR,
                        value,
                    });
                }
                Some(value)
            }
        };
        let database_url = match lookup(DATABASE_URL_VAR) {
            None => None,
            Some(v) => {
                let url = v
                    .into_string()
                    .map_err(|_| ConfigError::NotUnicode { var: DATABASE_URL_VAR })?;
                let url = url.trim().to_owned();
                if crate::db::Backend::of_url(&url).is_none() {
                    return Err(ConfigError::BadDatabaseUrl { var: DATABASE_URL_VAR });
                }
                Some(url)
            }
        };
        let session_lifetime = number(&lookup, SESSION_SECS_VAR, 365 * 24 * 3600)?
            .map(Duration::from_secs)
            .unwrap_or(defaults.session_lifetime);
        let db_busy_timeout = number(&lookup, DB_BUSY_MS_VAR, 600_000)?
            .map(Duration::from_millis)
            .unwrap_or(defaults.db_busy_timeout);
        let per_min = |var, default: u32| -> Result<u32, ConfigError> {
            Ok(number(&lookup, var, 1_000_000)?
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(default))
        };
        let rate_per_min = per_min(RATE_PER_MIN_VAR, defaults.rate_per_min)?;
        let login_rate_per_min = per_min(LOGIN_RATE_PER_MIN_VAR, defaults.login_rate_per_min)?;
        let login_addr_rate_per_min = per_min(LOGIN_ADDR_RATE_PER_MIN_VAR, defaults.login_addr_rate_per_min)?;
        let login_account_rate_per_min = per_min(LOGIN_ACCOUNT_RATE_PER_MIN_VAR, defaults.login_account_rate_per_min)?;
        if login_account_rate_per_min <= login_rate_per_min {
            // Named after the variable set: lowering one or raising the
            // other made them cross.
            let var = if lookup(LOGIN_ACCOUNT_RATE_PER_MIN_VAR).is_some() {
                LOGIN_ACCOUNT_RATE_PER_MIN_VAR
            } else {
                LOGIN_RATE_PER_MIN_VAR
            };
            return Err(ConfigError::AccountRateTooLow {
                var,
                value: login_account_rate_per_min,
                per_address: login_rate_per_min,
            });
        }
        let anon_rate_per_min = per_min(ANON_RATE_PER_MIN_VAR, defaults.anon_rate_per_min)?;
        let trusted_proxies = match lookup(TRUSTED_PROXIES_VAR) {
            None => Vec::new(),
            Some(v) => {
                let text = v.into_string().map_err(|_| ConfigError::NotUnicode {
                    var: TRUSTED_PROXIES_VAR,
                })?;
                proxies(&text)?
            }
        };
        let password_workers = number(&lookup, PASSWORD_WORKERS_VAR, 64)?
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(defaults.password_workers);
        let login_queue = number(&lookup, LOGIN_QUEUE_VAR, 100_000)?
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(password_workers * crate::auth::password::QUEUE_PER_WORKER);
        let cors_origins = match lookup(CORS_ORIGINS_VAR) {
            None => Vec::new(),
            Some(v) => {
                let text = v
                    .into_string()
                    .map_err(|_| ConfigError::NotUnicode { var: CORS_ORIGINS_VAR })?;
                origins(&text)?
            }
        };
        let tls = match (lookup(TLS_CERT_VAR), lookup(TLS_KEY_VAR)) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::HalfTls {
                    var: TLS_CERT_VAR,
                    missing: TLS_KEY_VAR,
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError::HalfTls {
                    var: TLS_KEY_VAR,
                    missing: TLS_CERT_VAR,
                })
            }
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: file(cert, TLS_CERT_VAR)?,
                key: file(key, TLS_KEY_VAR)?,
            }),
        };
        let cap_sender = match lookup(CAP_SENDER_VAR) {
            None => defaults.cap_sender.clone(),
            Some(v) => {
                let value = v
                    .into_string()
                    .map_err(|_| ConfigError::NotUnicode { var: CAP_SENDER_VAR })?;
                let value = value.trim().to_owned();
                if !is_cap_sender(&value) {
                    return Err(ConfigError::BadCapSender {
                        var: CAP_SENDER_VAR,
                        value,
                    });
                }
                value
            }
        };
        let text = |var: &'static str| -> Result<Option<String>, ConfigError> {
            lookup(var)
                .map(|v| v.into_string().map(|s| s.trim().to_owned()))
                .transpose()
                .map_err(|_| ConfigError::NotUnicode { var })
        };
        let sms_number = match text(SMS_NUMBER_VAR)? {
            Some(value) if !kuaibao_core::rules::validate::is_phone(&value) => {
                return Err(ConfigError::BadPhone {
                    var: SMS_NUMBER_VAR,
                    value,
                })
            }
            number => number,
        };
        let sms_gateway_token = secret(text(SMS_GATEWAY_TOKEN_VAR)?, SMS_GATEWAY_TOKEN_VAR)?;
        let sms_seal_secret = secret(text(SMS_SEAL_SECRET_VAR)?, SMS_SEAL_SECRET_VAR)?;
        let metrics_token = secret(text(METRICS_TOKEN_VAR)?, METRICS_TOKEN_VAR)?;
        // Ten years: beyond that, "keep" means "forever", which the list's
        // speed cannot afford.
        let phone_keep_days = number(&lookup, PHONE_KEEP_DAYS_VAR, 3650)?
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(defaults.phone_keep_days);
        let map = map_config(&lookup)?;
        let rules = match lookup(RULES_VAR) {
            None => defaults.rules.clone(),
            Some(path) => rules_file(path)?,
        };
        let seconds = |var, max, default| -> Result<Duration, ConfigError> {
            Ok(number(&lookup, var, max)?.map(Duration::from_secs).unwrap_or(default))
        };
        // A head needs seconds, not minutes: a long limit would undo the
        // point of having one.
        let header_timeout = seconds(HEADER_TIMEOUT_VAR, 300, defaults.header_timeout)?;
        let body_idle_timeout = seconds(BODY_IDLE_TIMEOUT_VAR, 3600, defaults.body_idle_timeout)?;
        let send_stall = seconds(SEND_STALL_VAR, 3600, defaults.send_stall)?;
        let request_timeout = seconds(REQUEST_TIMEOUT_VAR, 3600, defaults.request_timeout)?;
        let patch_timeout = seconds(PATCH_TIMEOUT_VAR, 24 * 3600, defaults.patch_timeout)?;
        // A stop that takes longer than an hour is a hang, not a drain.
        let shutdown_grace = seconds(SHUTDOWN_GRACE_VAR, 3600, defaults.shutdown_grace)?;
        let max_connections = number(&lookup, MAX_CONNECTIONS_VAR, MAX_MAX_CONNECTIONS)?
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(defaults.max_connections);
        let account_bytes_per_day = match number(&lookup, ACCOUNT_MIB_PER_DAY_VAR, 1 << 24)? {
            None => defaults.account_bytes_per_day,
            Some(mib) if mib < MIN_ACCOUNT_MIB_PER_DAY => {
                return Err(ConfigError::QuotaTooLow {
                    var: ACCOUNT_MIB_PER_DAY_VAR,
                    value: mib,
                    min: MIN_ACCOUNT_MIB_PER_DAY,
                })
            }
            Some(mib) => mib * MIB,
        };
        Ok(Config {
            account_bytes_per_day,
            addr,
            map,
            rules,
            header_timeout,
            body_idle_timeout,
            send_stall,
            patch_timeout,
            request_timeout,
            max_connections,
            cap_sender,
            sms_number,
            sms_gateway_token,
            sms_seal_secret,
            phone_keep_days,
            metrics_token,
            shutdown_grace,
            database_url,
            session_lifetime,
            db_busy_timeout,
            rate_per_min,
            login_rate_per_min,
            login_addr_rate_per_min,
            login_account_rate_per_min,
            anon_rate_per_min,
            trusted_proxies,
            password_workers,
            login_queue,
            cors_origins,
            tls,
            data_dir: dir(&lookup, DATA_DIR_VAR, DEFAULT_DATA_DIR)?,
            static_dir: dir(&lookup, STATIC_DIR_VAR, DEFAULT_STATIC_DIR)?,
            max_photo_bytes,
            upload_expiry,
            object_store,
            ..defaults
        })
    }
}

/// CAP 1.2 (3.2.1): a sender "MUST NOT include spaces, commas or
/// restricted characters (< and &)"; it goes into `<references>`, which are
/// separated by spaces and commas.
pub fn is_cap_sender(value: &str) -> bool {
    !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '<' | '&'))
}

/// `s3://bucket` or `s3://bucket/prefix`: a bucket name is lowercase
/// letters, digits, dots and hyphens.
pub fn is_object_store_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("s3://") else {
        return false;
    };
    let bucket = rest.split('/').next().unwrap_or_default();
    !bucket.is_empty()
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// `KUAIBAO_CORS_ORIGINS`: comma-separated origins, each `http` or `https`,
/// a host and maybe a port, nothing after (a trailing `/` is forgiven).
/// Each is kept as browsers write it in the `Origin` header, which is what
/// it is compared with: the `url` crate's serialisation of the origin
/// (scheme and host lowercase, an international host in punycode, the
/// scheme's default port dropped), so `https://Duty.example.cn:443/` allows
/// the pages of `https://duty.example.cn`. `*` is refused: the API is for
/// the app's own pages and the few named systems.
fn origins(text: &str) -> Result<Vec<String>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(origin)
        .collect()
}

/// One origin of [`origins`].
fn origin(item: &str) -> Result<String, ConfigError> {
    let bad = |reason: &str| ConfigError::BadOrigin {
        var: CORS_ORIGINS_VAR,
        value: item.to_owned(),
        reason: reason.to_owned(),
    };
    let url = url::Url::parse(item).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http and https pages send an origin to allow"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("an origin has no user name or password"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an origin has no path, query or fragment"));
    }
    if url.port() == Some(0) {
        return Err(bad("port 0 is no port a page is served from"));
    }
    match url.origin() {
        serialised @ url::Origin::Tuple(..) => Ok(serialised.ascii_serialization()),
        url::Origin::Opaque(_) => Err(bad("it has no host")),
    }
}

/// `KUAIBAO_TRUSTED_PROXIES`: comma-separated IP addresses (one host each)
/// and CIDR ranges, IPv4 or IPv6. A range with host bits set
/// (`10.1.2.3/8`) is read as its network, as routers do.
fn proxies(text: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .map(|net| net.trunc())
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::BadProxy {
                    var: TRUSTED_PROXIES_VAR,
                    value: item.to_owned(),
                })
        })
        .collect()
}

/// `KUAIBAO_MAP_*`: the tiles, their datum, credit line and `{s}` values.
/// The datum, credit and subdomains without tiles are refused: a
/// half-configured base map is a mistake to point out, not to ignore.
fn map_config(lookup: &impl Fn(&str) -> Option<OsString>) -> Result<kuaibao_core::desk::geo::MapConfig, ConfigError> {
    use kuaibao_core::desk::geo::{tile_origin, MapConfig, TileCrs, TileSource, DEFAULT_SUBDOMAINS};
    let text = |var: &'static str| -> Result<Option<String>, ConfigError> {
        lookup(var)
            .map(|v| {
                v.into_string()
                    .map(|s| s.trim().to_owned())
                    .map_err(|_| ConfigError::NotUnicode { var })
            })
            .transpose()
    };
    let bad = |var: &'static str, value: &str, expected: &'static str| ConfigError::BadMapSetting {
        var,
        value: value.to_owned(),
        expected,
    };
    let (url, crs, attribution, subdomains) = (
        text(MAP_TILES_VAR)?,
        text(MAP_TILES_CRS_VAR)?,
        text(MAP_ATTRIBUTION_VAR)?,
        text(MAP_SUBDOMAINS_VAR)?,
    );
    let Some(url) = url else {
        for (var, value) in [
            (MAP_TILES_CRS_VAR, &crs),
            (MAP_ATTRIBUTION_VAR, &attribution),
            (MAP_SUBDOMAINS_VAR, &subdomains),
        ] {
            if value.is_some() {
                return Err(ConfigError::MapWithoutTiles { var });
            }
        }
        return Ok(MapConfig::default());
    };
    tile_origin(&url).map_err(|reason| ConfigError::BadMapTiles {
        var: MAP_TILES_VAR,
        value: url.clone(),
        reason,
    })?;
    let crs = match crs {
        None => TileCrs::default(),
        Some(code) => TileCrs::from_code(&code).ok_or_else(|| bad(MAP_TILES_CRS_VAR, &code, "wgs84 or gcj02"))?,
    };
    let attribution = attribution.unwrap_or_default();
    if attribution.chars().count() > 300 || attribution.chars().any(char::is_control) {
        return Err(bad(
            MAP_ATTRIBUTION_VAR,
            &attribution,
            "one line of at most 300 characters",
        ));
    }
    let subdomains = subdomains.unwrap_or_else(|| DEFAULT_SUBDOMAINS.to_owned());
    if subdomains.is_empty() || subdomains.len() > 16 || !subdomains.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad(
            MAP_SUBDOMAINS_VAR,
            &subdomains,
            "1 to 16 letters or digits, each one value of {s}",
        ));
    }
    Ok(MapConfig {
        tiles: Some(TileSource {
            url,
            crs,
            attribution,
            subdomains,
        }),
    })
}

/// A whole-number setting in `1..=max`, or `None` when unset.
fn number(lookup: &impl Fn(&str) -> Option<OsString>, var: &'static str, max: u64) -> Result<Option<u64>, ConfigError> {
    let Some(v) = lookup(var) else {
        return Ok(None);
    };
    let text = v.into_string().map_err(|_| ConfigError::NotUnicode { var })?;
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(ConfigError::BadNumber { var, value: text, max }),
    }
}

/// A bearer secret setting: long enough not to be guessed, and no spaces
/// (which a header would not carry intact). Never repeated in the error.
fn secret(value: Option<String>, var: &'static str) -> Result<Option<String>, ConfigError> {
    match value {
        Some(token) if token.chars().count() < MIN_SECRET_CHARS || token.chars().any(char::is_whitespace) => {
            Err(ConfigError::WeakToken { var })
        }
        token => Ok(token),
    }
}

/// A file setting; empty is refused rather than read as "no file".
fn file(value: OsString, var: &'static str) -> Result<PathBuf, ConfigError> {
    if value.is_empty() {
        return Err(ConfigError::EmptyFile { var });
    }
    Ok(PathBuf::from(value))
}

/// A folder setting. Paths need not be UTF-8; an empty one is refused
/// because it would silently mean "the current folder".
fn dir(
    lookup: &impl Fn(&str) -> Option<OsString>,
    var: &'static str,
    default: &'static str,
) -> Result<PathBuf, ConfigError> {
    match lookup(var) {
        None => Ok(PathBuf::from(default)),
        Some(v) if v.is_empty() => Err(ConfigError::Empty { var, default }),
        Some(v) => Ok(PathBuf::from(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn cors_origins_are_kept_as_browsers_send_them() {
        let c = config(&[(
            CORS_ORIGINS_VAR,
            "https://duty.example.cn:443, HTTP://Desk.Example.cn:80/, https://x:8443, http://x:443, https://应急.cn",
        )])
        .expect("valid");
        assert_eq!(
            c.cors_origins,
            [
                "https://duty.example.cn",
                "http://desk.example.cn",
                "https://x:8443",
                "http://x:443",
                "https://xn--extu8a.cn"
            ]
        );
    }

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, OsString> = vars.iter().map(|(k, v)| ((*k).to_owned(), OsString::from(v))).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.addr, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.static_dir, PathBuf::from("./dist"));
        assert_eq!(c.max_photo_bytes, kuaibao_core::photo::MAX_PHOTO_BYTES);
        assert_eq!(c.upload_expiry, Duration::from_secs(86_400));
        assert_eq!(c.sweep_every, Duration::from_secs(600));
        assert_eq!(c.object_store, None);
        assert_eq!(c.database_url(), "sqlite://./data/kuaibao.sqlite3?mode=rwc");
        assert_eq!(c.session_lifetime, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(c.rate_per_min, 1200);
        assert_eq!(c.login_rate_per_min, 10);
        assert_eq!(c.login_addr_rate_per_min, 30);
        assert_eq!(c.login_account_rate_per_min, 60);
        assert_eq!(c.anon_rate_per_min, 600);
        assert!(c.trusted_proxies.is_empty());
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert_eq!(c.password_workers, cores.clamp(1, 4));
        assert_eq!(c.login_queue, 16 * c.password_workers);
        assert!(c.cors_origins.is_empty());
        assert_eq!(c.tls, None);
        assert_eq!(c.header_timeout, Duration::from_secs(10));
        assert_eq!(c.body_idle_timeout, Duration::from_secs(30));
        assert_eq!(c.send_stall, Duration::from_secs(120));
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.max_connections, 1024);
        assert_eq!(c.account_bytes_per_day, 2048 * 1024 * 1024);
        assert_eq!(c, Config::default());
    }

    /// The review that found half-sent heads held for 40 s and more asked
    /// for at most 15.
    #[test]
    fn a_half_sent_head_is_given_at_most_15_seconds_by_default() {
        let c = config(&[]).expect("defaults");
        assert!(c.header_timeout <= Duration::from_secs(15), "{:?}", c.header_timeout);
        assert!(c.header_timeout >= Duration::from_secs(1), "{:?}", c.header_timeout);
    }

    #[test]
    fn the_limits_are_read_and_checked() {
        let c = config(&[
            (HEADER_TIMEOUT_VAR, "5"),
            (BODY_IDLE_TIMEOUT_VAR, " 60 "),
            (SEND_STALL_VAR, "300"),
            (REQUEST_TIMEOUT_VAR, "120"),
            (MAX_CONNECTIONS_VAR, "4096"),
        ])
        .expect("valid");
        assert_eq!(c.header_timeout, Duration::from_secs(5));
        assert_eq!(c.body_idle_timeout, Duration::from_secs(60));
        assert_eq!(c.send_stall, Duration::from_secs(300));
        assert_eq!(c.request_timeout, Duration::from_secs(120));
        assert_eq!(c.max_connections, 4096);
        for (var, bad) in [
            (HEADER_TIMEOUT_VAR, "0"),
            (HEADER_TIMEOUT_VAR, "301"),
            (HEADER_TIMEOUT_VAR, "10s"),
            (BODY_IDLE_TIMEOUT_VAR, "0"),
            (BODY_IDLE_TIMEOUT_VAR, "3601"),
            (SEND_STALL_VAR, "0"),
            (SEND_STALL_VAR, "3601"),
            (REQUEST_TIMEOUT_VAR, "-1"),
            (REQUEST_TIMEOUT_VAR, ""),
            (MAX_CONNECTIONS_VAR, "0"),
            (MAX_CONNECTIONS_VAR, "1000001"),
            (MAX_CONNECTIONS_VAR, "many"),
        ] {
            let err = config(&[(var, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with(var), "{var}={bad:?}: {err}");
        }
    }

    #[test]
    fn phones_keep_finished_threads_30_days_unless_told_1_to_3650() {
        assert_eq!(config(&[]).expect("defaults").phone_keep_days, 30);
        assert_eq!(
            config(&[(PHONE_KEEP_DAYS_VAR, " 7 ")]).expect("valid").phone_keep_days,
            7
        );
        for bad in ["0", "3651", "thirty", "-1"] {
            assert!(
                matches!(
                    config(&[(PHONE_KEEP_DAYS_VAR, bad)]),
                    Err(ConfigError::BadNumber {
                        var: PHONE_KEEP_DAYS_VAR,
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_sms_number_is_a_phone_number_and_the_gateway_token_a_long_secret() {
        let c = config(&[]).expect("default");
        assert_eq!((c.sms_number, c.sms_gateway_token), (None, None));
        let token = "a".repeat(MIN_SECRET_CHARS);
        let c = config(&[(SMS_NUMBER_VAR, " 106 5550 1234 "), (SMS_GATEWAY_TOKEN_VAR, &token)]).expect("valid");
        assert_eq!(c.sms_number.as_deref(), Some("106 5550 1234"));
        assert_eq!(c.sms_gateway_token, Some(token.clone()));
        assert!(matches!(
            config(&[(SMS_NUMBER_VAR, "call me")]),
            Err(ConfigError::BadPhone { .. })
        ));
        for var in [SMS_GATEWAY_TOKEN_VAR, METRICS_TOKEN_VAR, SMS_SEAL_SECRET_VAR] {
            for weak in [&token[1..], "a a a a a a a a a a a a a a a a a a a a"] {
                let error = config(&[(var, weak)]).expect_err("refused");
                assert_eq!(error, ConfigError::WeakToken { var });
                assert!(!error.to_string().contains(weak), "a secret is not repeated");
            }
        }
        let c = config(&[(METRICS_TOKEN_VAR, &token), (SMS_SEAL_SECRET_VAR, &token)]).expect("valid");
        assert_eq!((c.metrics_token, c.sms_seal_secret), (Some(token.clone()), Some(token)));
    }

    #[test]
    fn the_shutdown_grace_is_thirty_seconds_unless_set() {
        assert_eq!(config(&[]).expect("default").shutdown_grace, Duration::from_secs(30));
        let c = config(&[(SHUTDOWN_GRACE_VAR, "5")]).expect("valid");
        assert_eq!(c.shutdown_grace, Duration::from_secs(5));
        for bad in ["0", "3601", "soon"] {
            assert!(
                matches!(config(&[(SHUTDOWN_GRACE_VAR, bad)]), Err(ConfigError::BadNumber { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_daily_quota_takes_the_largest_record() {
        // 20 video clips of 50 MiB and a body of 256 KiB: 1000.25 MiB,
        // rounded up.
        assert_eq!(MIN_ACCOUNT_MIB_PER_DAY, 1001);
        let c = config(&[(ACCOUNT_MIB_PER_DAY_VAR, "1001")]).expect("the least");
        assert_eq!(c.account_bytes_per_day, 1001 * 1024 * 1024);
        assert_eq!(
            config(&[(ACCOUNT_MIB_PER_DAY_VAR, "1000")]),
            Err(ConfigError::QuotaTooLow {
                var: ACCOUNT_MIB_PER_DAY_VAR,
                value: 1000,
                min: 1001
            })
        );
        let err = config(&[(ACCOUNT_MIB_PER_DAY_VAR, "2GB")]).expect_err("not a number");
        assert!(
            err.to_string().starts_with("KUAIBAO_ACCOUNT_MIB_PER_DAY: `2GB`"),
            "{err}"
        );
    }

    #[test]
    fn the_cap_sender_is_one_word_as_cap_requires() {
        assert_eq!(config(&[]).expect("default").cap_sender, "kuaibao@localhost");
        let c = config(&[(CAP_SENDER_VAR, " yjj@xh.example.gov.cn ")]).expect("valid");
        assert_eq!(c.cap_sender, "yjj@xh.example.gov.cn");
        for bad in ["", "duty office", "a,b", "a<b", "a&b"] {
            assert!(
                matches!(config(&[(CAP_SENDER_VAR, bad)]), Err(ConfigError::BadCapSender { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_setting_is_read() {
        let c = config(&[
            (ADDR_VAR, "0.0.0.0:0"),
            (DATA_DIR_VAR, "/var/lib/kuaibao"),
            (STATIC_DIR_VAR, "/srv/kuaibao/dist"),
            (MAX_PHOTO_BYTES_VAR, "1000000"),
            (UPLOAD_EXPIRY_VAR, " 3600 "),
            (OBJECT_STORE_VAR, "s3://kuaibao-photos/prod"),
            (DATABASE_URL_VAR, "postgres://kb:secret@db/kuaibao"),
            (SESSION_SECS_VAR, "3600"),
            (DB_BUSY_MS_VAR, "250"),
            (RATE_PER_MIN_VAR, "60"),
            (LOGIN_RATE_PER_MIN_VAR, "3"),
            (LOGIN_ADDR_RATE_PER_MIN_VAR, "20"),
            (LOGIN_ACCOUNT_RATE_PER_MIN_VAR, "4"),
            (ANON_RATE_PER_MIN_VAR, "100"),
            (TRUSTED_PROXIES_VAR, " 10.0.0.1, 172.16.5.9/12,, fd00::/8,::1 "),
            (PASSWORD_WORKERS_VAR, "3"),
            (LOGIN_QUEUE_VAR, "7"),
            (
                CORS_ORIGINS_VAR,
                "https://Duty.example.cn/, http://127.0.0.1:9000,http://[::1]:8080",
            ),
            (TLS_CERT_VAR, "/etc/kuaibao/cert.pem"),
            (TLS_KEY_VAR, "/etc/kuaibao/key.pem"),
        ])
        .expect("valid");
        assert_eq!(c.rate_per_min, 60);
        assert_eq!(c.login_rate_per_min, 3);
        assert_eq!(c.login_addr_rate_per_min, 20);
        assert_eq!(c.login_account_rate_per_min, 4);
        assert_eq!(c.anon_rate_per_min, 100);
        let nets: Vec<String> = c.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(nets, ["10.0.0.1/32", "172.16.0.0/12", "fd00::/8", "::1/128"]);
        assert_eq!((c.password_workers, c.login_queue), (3, 7));
        // The queue follows the workers unless set.
        let one = config(&[(PASSWORD_WORKERS_VAR, "1")]).expect("valid");
        assert_eq!((one.password_workers, one.login_queue), (1, 16));
        assert_eq!(
            c.cors_origins,
            ["https://duty.example.cn", "http://127.0.0.1:9000", "http://[::1]:8080"]
        );
        assert_eq!(
            c.tls,
            Some(TlsFiles {
                cert: PathBuf::from("/etc/kuaibao/cert.pem"),
                key: PathBuf::from("/etc/kuaibao/key.pem"),
            })
        );
        assert_eq!(c.addr, "0.0.0.0:0".parse().expect("addr"));
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/kuaibao"));
        assert_eq!(c.static_dir, PathBuf::from("/srv/kuaibao/dist"));
        assert_eq!(c.max_photo_bytes, 1_000_000);
        assert_eq!(c.upload_expiry, Duration::from_secs(3600));
        assert_eq!(c.object_store.as_deref(), Some("s3://kuaibao-photos/prod"));
        assert_eq!(c.database_url(), "postgres://kb:secret@db/kuaibao");
        assert_eq!(c.session_lifetime, Duration::from_secs(3600));
        assert_eq!(c.db_busy_timeout, Duration::from_millis(250));
        let v6 = config(&[(ADDR_VAR, "[::1]:9000")]).expect("ipv6");
        assert_eq!(v6.addr.port(), 9000);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = config(&[(ADDR_VAR, "localhost")]).expect_err("no port, not an IP");
        assert!(err.to_string().starts_with("KUAIBAO_ADDR: `localhost`"), "{err}");
        let err = config(&[(ADDR_VAR, "127.0.0.1:99999")]).expect_err("port out of range");
        assert!(err.to_string().contains(ADDR_VAR), "{err}");
        let err = config(&[(DATA_DIR_VAR, "")]).expect_err("empty");
        assert_eq!(
            err,
            ConfigError::Empty {
                var: DATA_DIR_VAR,
                default: "./data"
            }
        );
        assert!(err.to_string().starts_with("KUAIBAO_DATA_DIR"), "{err}");
        let err = config(&[(STATIC_DIR_VAR, "")]).expect_err("empty");
        assert!(err.to_string().starts_with("KUAIBAO_STATIC_DIR"), "{err}");
        for bad in ["0", "-1", "8MB", ""] {
            let err = config(&[(MAX_PHOTO_BYTES_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_MAX_PHOTO_BYTES"), "{err}");
            let err = config(&[(UPLOAD_EXPIRY_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_UPLOAD_EXPIRY_SECS"), "{err}");
        }
        let err = config(&[(DATABASE_URL_VAR, "mysql://root:hunter2@db/x")]).expect_err("mysql");
        assert!(err.to_string().starts_with("DATABASE_URL"), "{err}");
        assert!(
            !err.to_string().contains("hunter2"),
            "the password is not repeated: {err}"
        );
        for bad in ["", "bucket", "s3://", "s3:///x", "gs://bucket", "s3://Bucket"] {
            let err = config(&[(OBJECT_STORE_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_OBJECT_STORE"), "{err}");
        }
        for bad in ["0", "x", "1000001"] {
            let err = config(&[(RATE_PER_MIN_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_RATE_PER_MIN"), "{err}");
            let err = config(&[(LOGIN_RATE_PER_MIN_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_LOGIN_RATE_PER_MIN"), "{err}");
            for var in [
                LOGIN_ADDR_RATE_PER_MIN_VAR,
                LOGIN_ACCOUNT_RATE_PER_MIN_VAR,
                ANON_RATE_PER_MIN_VAR,
                LOGIN_QUEUE_VAR,
            ] {
                let err = config(&[(var, bad)]).expect_err(bad);
                assert!(err.to_string().starts_with(var), "{err}");
            }
        }
        for bad in ["0", "65", "two"] {
            let err = config(&[(PASSWORD_WORKERS_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_PASSWORD_WORKERS"), "{err}");
        }
        for bad in ["localhost", "10.0.0.0/33", "10.0.0.1, proxy", "fd00::/129", "*"] {
            let err = config(&[(TRUSTED_PROXIES_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_TRUSTED_PROXIES"), "{err}");
        }
        // One address must not be able to lock an account out: the
        // account's budget exceeds one address's for it.
        let err = config(&[(LOGIN_ACCOUNT_RATE_PER_MIN_VAR, "10")]).expect_err("equal");
        assert!(
            err.to_string().starts_with("KUAIBAO_LOGIN_ACCOUNT_RATE_PER_MIN"),
            "{err}"
        );
        let err = config(&[(LOGIN_RATE_PER_MIN_VAR, "100")]).expect_err("crossed");
        assert!(err.to_string().starts_with("KUAIBAO_LOGIN_RATE_PER_MIN"), "{err}");
        for bad in [
            "*",
            "duty.example.cn",
            "ftp://x",
            "https://x/path",
            "https://x:0",
            "https://x:port",
            "https://",
            "https://user@x",
            "https://x?q",
            "https://x/#f",
        ] {
            let err = config(&[(CORS_ORIGINS_VAR, bad)]).expect_err(bad);
            assert!(err.to_string().starts_with("KUAIBAO_CORS_ORIGINS"), "{err}");
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
        let err = config(&[(TLS_CERT_VAR, "/x.pem")]).expect_err("no key");
        assert!(
            err.to_string()
                .starts_with("KUAIBAO_TLS_CERT is set but KUAIBAO_TLS_KEY"),
            "{err}"
        );
        let err = config(&[(TLS_KEY_VAR, "/x.pem")]).expect_err("no cert");
        assert!(
            err.to_string()
                .starts_with("KUAIBAO_TLS_KEY is set but KUAIBAO_TLS_CERT"),
            "{err}"
        );
        let err = config(&[(TLS_KEY_VAR, "/x.pem"), (TLS_CERT_VAR, "")]).expect_err("empty");
        assert!(err.to_string().starts_with("KUAIBAO_TLS_CERT"), "{err}");
    }

    #[test]
    fn the_map_tiles_are_read_and_checked() {
        use kuaibao_core::desk::geo::{MapConfig, TileCrs};
        assert_eq!(config(&[]).expect("defaults").map, MapConfig::default());
        let c = config(&[
            (
                MAP_TILES_VAR,
                " https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z} ",
            ),
            (MAP_TILES_CRS_VAR, "GCJ02"),
            (MAP_ATTRIBUTION_VAR, "© 高德地图"),
            (MAP_SUBDOMAINS_VAR, "1234"),
        ])
        .expect("AMap");
        let tiles = c.map.tiles.expect("tiles");
        assert_eq!(
            tiles.url,
            "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"
        );
        assert_eq!(
            (tiles.crs, tiles.attribution.as_str(), tiles.subdomains.as_str()),
            (TileCrs::Gcj02, "© 高德地图", "1234")
        );
        let osm = config(&[(MAP_TILES_VAR, "https://tile.openstreetmap.org/{z}/{x}/{y}.png")]).expect("OSM");
        let tiles = osm.map.tiles.expect("tiles");
        assert_eq!((tiles.crs, tiles.subdomains.as_str()), (TileCrs::Wgs84, "abc"));
        for (vars, var) in [
            (vec![(MAP_TILES_VAR, "tiles/{z}/{x}/{y}.png")], MAP_TILES_VAR),
            (vec![(MAP_TILES_VAR, "https://x/{z}/{x}/{y}; img-src *")], MAP_TILES_VAR),
            (
                vec![(MAP_TILES_VAR, "https://x/{z}/{x}/{y}"), (MAP_TILES_CRS_VAR, "bd09")],
                MAP_TILES_CRS_VAR,
            ),
            (
                vec![(MAP_TILES_VAR, "https://x/{z}/{x}/{y}"), (MAP_SUBDOMAINS_VAR, "a,b")],
                MAP_SUBDOMAINS_VAR,
            ),
            (
                vec![(MAP_TILES_VAR, "https://x/{z}/{x}/{y}"), (MAP_ATTRIBUTION_VAR, "a\nb")],
                MAP_ATTRIBUTION_VAR,
            ),
            (vec![(MAP_TILES_CRS_VAR, "gcj02")], MAP_TILES_CRS_VAR),
        ] {
            let err = config(&vars).expect_err(var);
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_non_unicode_address_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let err = Config::from_lookup(|name| (name == ADDR_VAR).then(|| OsString::from_vec(vec![0xff, b':', b'1'])))
            .expect_err("not UTF-8");
        assert_eq!(err, ConfigError::NotUnicode { var: ADDR_VAR });
    }
}
