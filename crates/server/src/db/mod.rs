//! Storage in SQLite (one file, the default) or PostgreSQL (`DATABASE_URL`),
//! through sqlx's `Any` driver. Routes call the functions here and never
//! write SQL themselves, so every query lives next to the schema it depends
//! on.
//!
//! The SQL is written once for both databases: `$1`-style parameters (SQLite
//! reads them as positions too), BIGINT-sized integers read as `i64`, times
//! as RFC 3339 text, nothing dialect-specific outside the migrations but one
//! statement: on PostgreSQL a report without photos is stored with its audit
//! row in a single `WITH … INSERT` (see `reports::store`). The
//! migrations differ by dialect (triggers, identity columns), so each
//! database has its own folder with the same numbered steps.

pub mod accounts;
pub mod admission;
pub mod audit;
pub mod crashes;
pub mod duty_phones;
pub mod exports;
pub mod login_failures;
pub mod office;
pub mod photos;
pub mod plans;
pub mod reports;
pub mod restores;
pub mod signatures;

use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::AnyConnection;
use sqlx::{AnyPool, Connection, Executor};

/// The pool every query runs on, whichever the database.
pub type Pool = AnyPool;
pub type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// The database file's name inside the data dir, when no URL is given.
pub const DB_FILE: &str = "kuaibao.sqlite3";

/// Connections in the pool. SQLite lets one connection write at a time (the
/// others wait, see `busy_timeout`); a few more let reads run alongside.
/// PostgreSQL writes in parallel, so it gets more.
const SQLITE_CONNECTIONS: u32 = 4;
const POSTGRES_CONNECTIONS: u32 = 16;

/// A pooled connection idle this long is pinged before it is handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How long a statement waits for a lock held by another writer before it
/// gives up with "busy". Writes take milliseconds, so reaching this means
/// something is stuck; the client is told to retry (503), never that its
/// data was refused.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite:…` or `postgres://…`/`postgresql://…`; anything else is
    /// refused when the settings are read.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Why a storage call failed. None of these is the client's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer held the lock for longer than the busy timeout, or the
    /// pool had no free connection: nothing was written, retry later.
    #[error("database busy: {0}")]
    Busy(sqlx::Error),
    /// The disk (or the database's quota) is full: nothing was written.
    #[error("storage full: {0}")]
    Full(String),
    #[error("database: {0}")]
    Sqlx(sqlx::Error),
    #[error("cannot encode report: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("stored report {id} cannot be read back: {reason}")]
    Corrupt { id: String, reason: String },
}

impl From<sqlx::Error> for StoreError {
    /// Sorts out the failures that mean "try again later" from the rest, so
    /// they can be answered 503/507 instead of 500.
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut => StoreError::Busy(e),
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                let message = db.message().to_ascii_lowercase();
                // SQLite: SQLITE_BUSY (5), SQLITE_LOCKED (6) and their
                // extended codes; SQLITE_FULL (13). PostgreSQL: lock_not_available
                // (55P03), query_canceled by lock/statement timeout (57014),
                // disk_full (53100), out_of_memory (53200); deadlock_detected
                // (40P01) and serialization_failure (40001) roll the
                // transaction back whole, so it may simply be sent again
                // (the phone retries a 503, a load balancer on another replica).
                let busy = matches!(
                    code.as_str(),
                    "5" | "6" | "261" | "262" | "517" | "55P03" | "57014" | "40P01" | "40001"
                ) || message.contains("database is locked");
                let full =
                    matches!(code.as_str(), "13" | "53100" | "53200") || message.contains("database or disk is full");
                if full {
                    StoreError::Full(db.message().to_owned())
                } else if busy {
                    StoreError::Busy(e)
                } else {
                    StoreError::Sqlx(e)
                }
            }
            sqlx::Error::Io(io) if is_disk_full(io) => StoreError::Full(io.to_string()),
            _ => StoreError::Sqlx(e),
        }
    }
}

/// ENOSPC or EDQUOT: the disk or the user's quota is full.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(28) | Some(122))
}

/// The URL of the default database: a SQLite file in the data dir.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join(DB_FILE).display())
}

/// Opens (creating a SQLite file if missing) the database at `url`.
pub async fn open(url: &str, busy_timeout: Duration) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)
        .ok_or_else(|| sqlx::Error::Configuration(format!("not a sqlite: or postgres:// URL: {url}").into()))?;
    let millis = busy_timeout.as_millis();
    let options = AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => SQLITE_CONNECTIONS,
            Backend::Postgres => POSTGRES_CONNECTIONS,
        })
        // A request waits this long for a connection, then is told "busy".
        .acquire_timeout(busy_timeout + Duration::from_secs(1))
        // A connection is reused only if no transaction is left open on it.
        // When a COMMIT finds the disk full, SQLite rolls the transaction
        // back by itself, so sqlx's own rollback fails and sqlx goes on
        // believing the transaction open: reused, the connection's next
        // `begin` would make only a savepoint, whose commit commits nothing
        // while the write lock stays held (other connections answer "busy"
        // for good, and this one acknowledges writes never committed).
        // Closing it rolls back whatever is open and lets go of every lock.
        .after_release(move |conn: &mut AnyConnection, _| {
            Box::pin(async move {
                // SQLite's worker thread lowers the transaction depth only
                // once it has run a rollback queued when a transaction was
                // dropped: wait for it. PostgreSQL's driver lowers it when
                // it queues the ROLLBACK, and sqlx's own check on release
                // (a ping, after this) sends it; pinging here too cost a
                // second round trip to the server on every release (issue 6).
                if backend == Backend::Sqlite {
                    conn.ping().await?;
                }
                Ok(!conn.is_in_transaction())
            })
        })
        // sqlx pings every connection before handing it out, by default: one
        // more round trip per query. A connection released (and pinged by
        // sqlx on release) moments ago is known to work; one that sat idle
        // may have been cut (a server restart, a firewall), so only that is
        // checked again.
        .test_before_acquire(false)
        .before_acquire(|conn: &mut AnyConnection, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_PING {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn: &mut AnyConnection, _| {
            Box::pin(async move {
                for statement in session_settings(backend, millis) {
                    conn.execute(statement.as_str()).await?;
                }
                Ok(())
            })
        });
    let pool = options.connect(url).await?;
    // Fail now, not at the first report, if the settings are refused.
    pool.acquire().await?.ping().await?;
    Ok(pool)
}

/// What every new connection is told before use.
fn session_settings(backend: Backend, busy_millis: u128) -> Vec<String> {
    match backend {
        Backend::Sqlite => vec![
            // WAL: readers (the duty office's list) never block the writer.
            "PRAGMA journal_mode = WAL".to_owned(),
            // FULL, not NORMAL: with WAL, NORMAL survives a crash of the
            // server but may lose the last commits on power loss or an OS
            // crash. A receipt tells the phone it may stop retrying, so a
            // report must be on disk before its receipt leaves; one fsync
            // per report is cheap at the rate people write reports.
            "PRAGMA synchronous = FULL".to_owned(),
            format!("PRAGMA busy_timeout = {busy_millis}"),
            "PRAGMA foreign_keys = ON".to_owned(),
        ],
        Backend::Postgres => vec![
            // The same promise as SQLite's busy timeout: wait for a lock this
            // long, then fail with a "busy" error the client may retry.
            format!("SET lock_timeout = {busy_millis}"),
            // Receipts are promises: commit only once it is on disk, even if
            // the cluster's default says otherwise.
            "SET synchronous_commit = on".to_owned(),
            "SET TIME ZONE 'UTC'".to_owned(),
        ],
    }
}

/// Which database `pool` talks to.
pub async fn backend(pool: &Pool) -> Result<Backend, sqlx::Error> {
    let conn = pool.acquire().await?;
    Ok(match conn.backend_name() {
        "PostgreSQL" => Backend::Postgres,
        _ => Backend::Sqlite,
    })
}

/// Brings the schema up to date with `crates/server/migrations/<dialect>/`,
/// which is embedded in the binary at build time.
pub async fn migrate(pool: &Pool) -> Result<(), MigrateError> {
    let backend = backend(pool).await?;
    if backend == Backend::Sqlite {
        return backend.migrator().run(pool).await;
    }
    // A connection of its own, closed afterwards: neither its changed
    // setting nor sqlx's lock (which a failed migration leaves held) goes
    // back into the pool.
    let mut conn = pool.acquire().await?.detach();
    let result = migrate_postgres(&mut conn).await;
    if let Err(e) = conn.close().await {
        tracing::debug!("closing the migrations' connection: {e}");
    }
    result
}

/// sqlx migrates under an advisory lock, so that replicas started together
/// migrate one at a time. Under the pool's `lock_timeout` a replica starting
/// while another migrates would give up after the busy timeout and not
/// start: it waits for that lock without limit instead. The migrations
/// themselves keep the timeout: one stuck behind a live transaction fails
/// the start rather than hold up every query queued behind its table lock.
async fn migrate_postgres(conn: &mut AnyConnection) -> Result<(), MigrateError> {
    let busy: String = sqlx::query_scalar("SELECT current_setting('lock_timeout')")
        .fetch_one(&mut *conn)
        .await?;
    conn.execute("SET lock_timeout = 0").await?;
    // sqlx's own lock; `run_direct` takes it again (a session may hold an
    // advisory lock more than once) and lets go of that once.
    conn.lock().await?;
    sqlx::query("SELECT set_config('lock_timeout', $1, false)")
        .bind(&busy)
        .execute(&mut *conn)
        .await?;
    // `run_direct`, not `run`: `run`'s future is not `Send` for every
    // lifetime of its `Acquire`, so a caller could not spawn this.
    Backend::Postgres.migrator().run_direct(conn).await?;
    conn.unlock().await
}

/// The migrations each dialect has, as (version, description): the same in
/// both, which a test checks.
pub fn migrations(backend: Backend) -> Vec<(i64, String)> {
    backend
        .migrator()
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

/// A trivial query: proves the database answers, for the health check.
pub async fn ping(pool: &Pool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_database() {
        assert_eq!(
            Backend::of_url("sqlite://data/k.sqlite3?mode=rwc"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::of_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("mysql://u@h/db"), None);
    }

    #[test]
    fn both_databases_have_the_same_migrations() {
        assert_eq!(migrations(Backend::Sqlite), migrations(Backend::Postgres));
        assert!(migrations(Backend::Sqlite).len() >= 4);
    }

    /// A database's error as its driver reports it: a code and a message.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "error {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            "an error"
        }

        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.0.into())
        }

        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }

        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }

        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }

        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn stored(code: &'static str) -> StoreError {
        StoreError::from(sqlx::Error::Database(Box::new(Coded(code))))
    }

    #[test]
    fn lock_waits_deadlocks_and_serialization_failures_are_busy() {
        // SQLite busy and locked; PostgreSQL lock and statement timeouts,
        // a deadlock, a serialization failure.
        for code in ["5", "6", "517", "55P03", "57014", "40P01", "40001"] {
            assert!(matches!(stored(code), StoreError::Busy(_)), "{code}");
        }
        for code in ["13", "53100"] {
            assert!(matches!(stored(code), StoreError::Full(_)), "{code}");
        }
        // A unique violation, an undefined table: not the client's to retry.
        for code in ["23505", "42P01"] {
            assert!(matches!(stored(code), StoreError::Sqlx(_)), "{code}");
        }
    }

    #[test]
    fn disk_full_is_recognised() {
        assert!(is_disk_full(&std::io::Error::from_raw_os_error(28)));
        assert!(!is_disk_full(&std::io::Error::from_raw_os_error(13)));
    }
}
