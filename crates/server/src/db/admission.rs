//! What the server reads to judge a record new to it (see
//! `http::admission`): whether its id is stored already, and the stages of
//! its thread's stored records.

use kuaibao_core::rules::catalogue;
use kuaibao_core::{Family, ReportId, Stage};

use super::{Pool, StoreError};

/// Whether a record with this id is stored (whoever sent it): a replay is
/// judged by the rules it was stored under, never again. A record that
/// came by SMS counts as stored once the app's copy completed it: that
/// copy, with its photos, is judged by the rules when it comes.
pub async fn is_stored(pool: &Pool, id: ReportId) -> Result<bool, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT r.seq FROM reports AS r LEFT JOIN report_completions AS c ON c.report_id = r.id \
         WHERE r.id = $1 AND (r.via IS NULL OR c.report_id IS NOT NULL)",
    )
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// Whether any row has this id, a text message's not yet completed by the
/// app's copy included: a text entered again is a replay of it.
pub async fn has_row(pool: &Pool, id: ReportId) -> Result<bool, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT seq FROM reports WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// The stage of each stored record of `thread` and its template's family
/// (a record of a template no longer in the catalogue is left out: it can
/// be neither a finding nor a step).
pub async fn thread_stages(pool: &Pool, thread: ReportId) -> Result<Vec<(Stage, Family)>, StoreError> {
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT stage, template_id, template_version FROM reports WHERE thread_id = $1")
            .bind(thread.to_string())
            .fetch_all(pool)
            .await?;
    let mut stages = Vec::with_capacity(rows.len());
    for (stage, template_id, version) in rows {
        let stage: Stage = serde_json::from_str(&stage).map_err(|e| StoreError::Corrupt {
            id: thread.to_string(),
            reason: format!("stage column: {e}"),
        })?;
        let template = u32::try_from(version)
            .ok()
            .and_then(|v| catalogue::find(&template_id, v));
        if let Some(template) = template {
            stages.push((stage, template.family));
        }
    }
    Ok(stages)
}

/// The types of the photos the stored records of `thread` announced, each
/// photo once (`kuaibao_core::rules::evidence::Earlier`).
pub async fn thread_media(pool: &Pool, thread: ReportId) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT p.photo_id, p.mime FROM photos AS p \
         JOIN reports AS r ON r.id = p.report_id WHERE r.thread_id = $1",
    )
    .bind(thread.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(_, mime)| mime).collect())
}
