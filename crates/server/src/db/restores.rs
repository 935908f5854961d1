//! Restores from a backup, as `kuaibao-server restore` notes them in the
//! database it restored. A restore loses what the server received after the
//! backup was made; the phones still hold it, and send it again once
//! `GET /api/health` tells them of the restore (`Health::restored`).

use chrono::{DateTime, Utc};
use kuaibao_core::wire::protocol::Restore;

use super::audit::{self, Actor};
use super::office::parse_time;
use super::photos::db_time;
use super::{Backend, Pool, StoreError};

/// How far a restore moves the next receipt number past the last one the
/// backup holds. The server handed out numbers after the backup that the
/// restored database does not know of, and workers hold them as 回执号: a
/// new report must never get one of them. A million is more reports than a
/// province files in the weeks a backup may be old.
pub const RECEIPT_NUMBERS_SKIPPED: i64 = 1_000_000;

/// Notes `restore` of a backup begun at `backup_began`, moves the receipt
/// numbers past the gap and forgets the unfinished uploads, in one
/// transaction. The table's `backup_made_at` holds `restore.backup_made_at`:
/// from when the database may lack receipts ([`lacks_from`]; the backup's
/// start itself for restores made before 2026-12-07). An unfinished upload's bytes
/// (`uploads/<id>.part`) are in no backup: kept, its row would fail every
/// append; gone, a phone asking after it is told so and starts again.
pub async fn record(
    pool: &Pool,
    backend: Backend,
    restore: &Restore,
    backup_began: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO restores (restored_at, backup_made_at) VALUES ($1, $2)")
        .bind(db_time(restore.restored_at))
        .bind(db_time(restore.backup_made_at))
        .execute(&mut *tx)
        .await?;
    let forgotten = sqlx::query("DELETE FROM uploads WHERE received < length")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    match backend {
        // AUTOINCREMENT keeps its last number in `sqlite_sequence`, which
        // has no row for `reports` before the first report.
        Backend::Sqlite => {
            sqlx::query(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'reports', 0 \
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'reports')",
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE sqlite_sequence SET seq = seq + $1 WHERE name = 'reports'")
                .bind(RECEIPT_NUMBERS_SKIPPED)
                .execute(&mut *tx)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('reports', 'seq'), \
                 nextval(pg_get_serial_sequence('reports', 'seq')) + $1)",
            )
            .bind(RECEIPT_NUMBERS_SKIPPED)
            .execute(&mut *tx)
            .await?;
        }
    }
    // In the audit log too: what the office answers for since lost (its
    // acts after the backup) is at least known to have been lost, and when.
    let detail = serde_json::json!({
        "backup_made_at": db_time(backup_began),
        "phones_resend_after": db_time(restore.backup_made_at),
        "receipt_numbers_skipped": RECEIPT_NUMBERS_SKIPPED,
        "unfinished_uploads_forgotten": forgotten,
    });
    audit::record(&mut tx, &Actor::command_line(), "server.restore", "database", detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The newest restore, if the database was ever restored, with the
/// earliest time any restore's backup may lack receipts from: a phone that
/// slept through two restores acts on the newest alone, and what the
/// first lost may be missing from the second's backup too.
pub async fn latest(pool: &Pool) -> Result<Option<Restore>, StoreError> {
    let (restored_at, backup_made_at): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT MAX(restored_at), MIN(backup_made_at) FROM restores")
            .fetch_one(pool)
            .await?;
    let (Some(restored_at), Some(backup_made_at)) = (restored_at, backup_made_at) else {
        return Ok(None);
    };
    Ok(Some(Restore {
        restored_at: parse_time("restores", &restored_at)?,
        backup_made_at: parse_time("restores", &backup_made_at)?,
    }))
}

/// The longest a record's receipt time may precede its commit: the time is
/// taken before the write, and a request may take up to
/// `KUAIBAO_REQUEST_TIMEOUT_SECS` (at most an hour) before it commits or
/// is dropped. Also covers replicas' clocks a little apart.
pub const RECEIPT_BEFORE_COMMIT: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// From when a database restored from a backup begun at `backup_began`
/// may lack what the server received: the backup's start or the last
/// receipt in the database, whichever is earlier (a PostgreSQL dump is
/// made before the backup, and holds nothing stored after it), less
/// [`RECEIPT_BEFORE_COMMIT`] (a record given its time before the snapshot
/// but committed after it is not in it). Earlier than needed costs the
/// phones requests only: a record the server kept is answered with its
/// first receipt.
pub async fn lacks_from(pool: &Pool, backup_began: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
    let (last,): (Option<String>,) = sqlx::query_as("SELECT MAX(received_at) FROM reports")
        .fetch_one(pool)
        .await?;
    let last = last.map(|t| parse_time("reports", &t)).transpose()?;
    Ok(last.map_or(backup_began, |t| t.min(backup_began)) - RECEIPT_BEFORE_COMMIT)
}
