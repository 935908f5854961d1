//! Restores from a backup, as `kuaibao-server restore` notes them in the
//! database it restored. A restore loses what the server received after the
//! backup was made; the phones still hold it, and send it again once
//! `GET /api/health` tells them of the restore (`Health::restored`).

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

/// Notes `restore`, moves the receipt numbers past the gap and forgets the
/// unfinished uploads, in one transaction. An unfinished upload's bytes
/// (`uploads/<id>.part`) are in no backup: kept, its row would fail every
/// append; gone, a phone asking after it is told so and starts again.
pub async fn record(pool: &Pool, backend: Backend, restore: &Restore) -> Result<(), StoreError> {
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
        "backup_made_at": db_time(restore.backup_made_at),
        "receipt_numbers_skipped": RECEIPT_NUMBERS_SKIPPED,
        "unfinished_uploads_forgotten": forgotten,
    });
    audit::record(&mut tx, &Actor::command_line(), "server.restore", "database", detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The newest restore, if the database was ever restored.
pub async fn latest(pool: &Pool) -> Result<Option<Restore>, StoreError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT restored_at, backup_made_at FROM restores ORDER BY seq DESC LIMIT 1")
            .fetch_optional(pool)
            .await?;
    let Some((restored_at, backup_made_at)) = row else {
        return Ok(None);
    };
    Ok(Some(Restore {
        restored_at: parse_time("restores", &restored_at)?,
        backup_made_at: parse_time("restores", &backup_made_at)?,
    }))
}
