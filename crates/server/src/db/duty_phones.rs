//! Duty phone numbers of areas (see migrations/*/0006_duty_phones.sql): the
//! number a worker's 「电话报告值班室」 button dials is her area's, or the
//! nearest area's up the tree that has one. Append-only: the latest row of
//! an area is its number.

use chrono::Utc;
use serde_json::json;

use super::accounts::{self, AccountError};
use super::audit::{self, Actor};
use super::photos::db_time;
use super::{Pool, StoreError};

/// Sets the duty number of `area_id` (the command line's
/// `area phone CODE NUMBER`). The number must read as a phone number, as
/// the reports' phone blanks do.
pub async fn set(
    pool: &Pool,
    actor: &Actor,
    area_id: &str,
    phone: &str,
) -> Result<Result<(), AccountError>, StoreError> {
    if accounts::area(pool, area_id).await?.is_none() {
        return Ok(Err(AccountError::NoSuchArea(area_id.to_owned())));
    }
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO duty_phones (area_id, phone, set_at, set_by) VALUES ($1, $2, $3, $4)")
        .bind(area_id)
        .bind(phone)
        .bind(db_time(Utc::now()))
        .bind(actor.user_id.as_deref().unwrap_or("cli"))
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, "area.phone", area_id, json!({ "phone": phone })).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// The duty number for an account whose area's path is `area_path`: the
/// latest number of the nearest area at or above it that has one.
pub async fn for_path(pool: &Pool, area_path: &str) -> Result<Option<String>, StoreError> {
    // An area is at or above `area_path` when its path is a prefix of it
    // (paths end in `/`, so `/d/t1/` is not above `/d/t10/`). A deployment
    // has a few hundred areas at most: read them all, compare here.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.path, d.phone FROM duty_phones AS d JOIN areas AS a ON a.id = d.area_id ORDER BY d.seq",
    )
    .fetch_all(pool)
    .await?;
    // Later rows replace earlier ones of the same area; the longest path
    // (the nearest area) wins.
    let mut best: Option<(usize, String)> = None;
    for (path, phone) in rows {
        if area_path.starts_with(&path) && best.as_ref().is_none_or(|(len, _)| path.len() >= *len) {
            best = Some((path.len(), phone));
        }
    }
    Ok(best.map(|(_, phone)| phone))
}
