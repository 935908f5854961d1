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
//! | `KUAIBAO_MAX_PHOTO_BYTES`    | 8388608 (8 MiB)    | the largest photo accepted (tus `Tus-Max-Size`); larger uploads are refused with 413. The core's validator separately refuses manifests announcing more than its own `MAX_PHOTO_BYTES` |
//! | `KUAIBAO_UPLOAD_EXPIRY_SECS` | 86400 (24 h)       | how long an unfinished upload is kept after its creation or its last `PATCH` (tus `Upload-Expires`); expired ones are swept with their bytes every 10 minutes |
//! | `DATABASE_URL`               | unset: SQLite file | unset keeps the database in `<data dir>/kuaibao.sqlite3`; `postgres://user:password@host/db` uses PostgreSQL (same schema, same migrations) |
//! | `KUAIBAO_SESSION_SECS`       | 2592000 (30 days)  | how long a login lasts; the phone works offline all that time and asks for a new login after |
//! | `KUAIBAO_DB_BUSY_MS`         | 5000               | how long a write waits for a database lock before the request is answered 503 (retry later) |
//! | `KUAIBAO_OBJECT_STORE`       | unset: local files | where finished photos are kept: unset keeps them under `<data dir>/photos/`; `s3://bucket` or `s3://bucket/prefix` keeps them in an S3 bucket or any S3-compatible store, configured by the usual `AWS_*` variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, and for S3-compatible servers `AWS_ENDPOINT` and `AWS_ALLOW_HTTP=true`) |
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
/// `s3://bucket[/prefix]` to keep photos in an S3-compatible store.
pub const OBJECT_STORE_VAR: &str = "KUAIBAO_OBJECT_STORE";
/// `sqlite://…` or `postgres://…`; unset: a SQLite file in the data dir.
pub const DATABASE_URL_VAR: &str = "DATABASE_URL";
/// A session's lifetime, in seconds.
pub const SESSION_SECS_VAR: &str = "KUAIBAO_SESSION_SECS";
/// How long a write waits for a lock, in milliseconds.
pub const DB_BUSY_MS_VAR: &str = "KUAIBAO_DB_BUSY_MS";

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
    /// tus `Tus-Max-Size`: no upload may be longer.
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
        Ok(Config {
            addr,
            database_url,
            session_lifetime,
            db_busy_timeout,
            data_dir: dir(&lookup, DATA_DIR_VAR, DEFAULT_DATA_DIR)?,
            static_dir: dir(&lookup, STATIC_DIR_VAR, DEFAULT_STATIC_DIR)?,
            max_photo_bytes,
            upload_expiry,
            object_store,
            ..defaults
        })
    }
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
        assert_eq!(c, Config::default());
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
        ])
        .expect("valid");
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
