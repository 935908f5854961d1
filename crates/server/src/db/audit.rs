//! The audit log: one row per change (who, from which device, when, what),
//! written in the same transaction as the change itself, so a change is
//! never stored without its row nor its row without the change.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::photos::db_time;
use super::{Pool, StoreError, Tx};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account; `None` for the command line or the server itself.
    pub user_id: Option<String>,
    /// The phone's device id, or [`CLI_DEVICE`].
    pub device_id: Option<String>,
}

/// The device named for changes made with `kuaibao-server` on the server.
pub const CLI_DEVICE: &str = "command-line";

impl Actor {
    /// A change made on the server's command line.
    pub fn command_line() -> Actor {
        Actor {
            user_id: None,
            device_id: Some(CLI_DEVICE.to_owned()),
        }
    }
}

/// The system account running this command: `sudo`'s caller if any.
fn os_user() -> Option<String> {
    ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// One row of the log as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub device_id: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// Records `action` on `subject` by `actor`, inside `tx`. `detail` is a
/// small JSON object of facts about the change; never a password or token.
/// A change made on the command line is noted with who ran it
/// (`os_user`: the system account, the one behind `sudo` if any), which
/// no login names.
pub async fn record(
    tx: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    subject: &str,
    mut detail: serde_json::Value,
) -> Result<(), StoreError> {
    if actor.device_id.as_deref() == Some(CLI_DEVICE) {
        if let (Some(fields), Some(who)) = (detail.as_object_mut(), os_user()) {
            fields.insert("os_user".to_owned(), serde_json::Value::String(who));
        }
    }
    sqlx::query("INSERT INTO audit (at, actor_id, device_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(db_time(Utc::now()))
        .bind(actor.user_id.as_deref())
        .bind(actor.device_id.as_deref())
        .bind(action)
        .bind(subject)
        .bind(detail.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records, in a transaction of its own, what changed nothing but is
/// answered for all the same: a write that was refused (who tried `action`
/// on `subject`, and why), or what left the server as a file (an export:
/// which, and for whom). Nothing else is written.
pub async fn note(
    pool: &Pool,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    record(&mut tx, actor, action, subject, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Entries the command line reads at a time: the log grows with the
/// deployment's age, the memory of reading it must not.
pub const PAGE: i64 = 1000;

/// Up to [`PAGE`] entries after `after` (a `seq`), oldest first.
pub async fn page(pool: &Pool, after: i64) -> Result<Vec<Entry>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT seq, at, actor_id, device_id, action, subject, detail FROM audit \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(PAGE)
    .fetch_all(pool)
    .await?)
}

/// The whole log, oldest first (for the tests).
pub async fn all(pool: &Pool) -> Result<Vec<Entry>, StoreError> {
    let mut all = Vec::new();
    loop {
        let page = page(pool, all.last().map_or(0, |e: &Entry| e.seq)).await?;
        let more = page.len() as i64 == PAGE;
        all.extend(page);
        if !more {
            return Ok(all);
        }
    }
}
