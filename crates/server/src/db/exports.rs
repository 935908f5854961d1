//! Where each record was routed: what the exports (CSV, GeoJSON, CAP, the
//! written report) say besides the record itself and its author. Kept
//! apart from the record's own query (`reports`), which the phone's hot
//! paths use and which needs none of it.

use std::collections::HashMap;

use kuaibao_core::account::{AreaLevel, AreaRef};
use kuaibao_core::ReportId;

use super::reports::{placeholders, Scope};
use super::{Pool, StoreError};

/// The area of one record; absent for a record stored before accounts
/// existed. (Who sent it is the record's own `author`.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub area: Option<AreaRef>,
    /// The area's path in the tree (see `accounts`), to filter by an area
    /// and everything below it.
    pub area_path: Option<String>,
}

#[derive(sqlx::FromRow)]
struct OriginRow {
    id: String,
    area_id: Option<String>,
    area_name: Option<String>,
    area_level: Option<String>,
    area_path: Option<String>,
}

/// The origins of the records in `scope` of `threads`, by record id. The
/// same scope condition as every read, so a record out of scope never
/// shows up here either.
pub async fn origins(pool: &Pool, scope: &Scope, threads: &[ReportId]) -> Result<HashMap<String, Origin>, StoreError> {
    if threads.is_empty() {
        return Ok(HashMap::new());
    }
    let (visible, param) = scope.condition(1);
    // The aliases differ from the scope condition's `a`.
    let sql = format!(
        "SELECT r.id, ar.id AS area_id, ar.name AS area_name, ar.level AS area_level, ar.path AS area_path \
         FROM reports AS r \
         LEFT JOIN areas AS ar ON ar.id = r.area_id \
         WHERE r.thread_id IN ({}) AND {visible}",
        placeholders(2, threads.len())
    );
    let mut query = sqlx::query_as::<_, OriginRow>(&sql).bind(param);
    for thread in threads {
        query = query.bind(thread.to_string());
    }
    let rows = query.fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let area = match (
                row.area_id,
                row.area_name,
                row.area_level.as_deref().and_then(AreaLevel::from_code),
            ) {
                (Some(id), Some(name), Some(level)) => Some(AreaRef { id, name, level }),
                _ => None,
            };
            let origin = Origin {
                area,
                area_path: row.area_path,
            };
            (row.id, origin)
        })
        .collect())
}
