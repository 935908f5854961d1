//! Storage in one SQLite file. Routes call the functions here and never write
//! SQL themselves, so every query lives next to the schema it depends on.

pub mod photos;
pub mod reports;

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// The database file's name inside the data dir.
pub const DB_FILE: &str = "kuaibao.sqlite3";

/// Connections in the pool. SQLite lets one connection write at a time (the
/// others wait, see `busy_timeout`); a few more let reads run alongside.
const MAX_CONNECTIONS: u32 = 4;

/// How long a writer waits for another writer before giving up with "busy".
/// Writes take milliseconds, so reaching this means something is stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a storage call failed. Both are the server's fault, never the client's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("cannot encode report: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("stored report {id} cannot be read back: {reason}")]
    Corrupt { id: String, reason: String },
}

/// Opens (creating if missing) the database at `path`.
pub async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL: readers (the duty office's list) never block the writer.
        .journal_mode(SqliteJournalMode::Wal)
        // FULL, not NORMAL: with WAL, NORMAL survives a crash of the server
        // but may lose the last commits on power loss or an OS crash. A
        // receipt tells the phone it may stop retrying, so a report must be
        // on disk before its receipt leaves; one fsync per report is cheap
        // at the rate people write incident reports.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await
}

/// Brings the schema up to date with `crates/server/migrations/`, which is
/// embedded in the binary at build time.
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!().run(pool).await
}

/// A trivial query: proves the database answers, for the health check.
pub async fn ping(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}
