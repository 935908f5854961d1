//! The statistics table (area × day × category) for the duty office, as
//! JSON for the desk and as CSV for the next level up. The counting is the
//! core's (`kuaibao_core::desk::statistics`); here the threads in the caller's
//! scope are read and each is given its chain of areas.
//!
//! Access is the inbox's: officers and administrators, their area and
//! below; a reporter gets 403; an area filter outside the caller's area is
//! 400 naming the field, as in the inbox.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use kuaibao_core::account::AreaRef;
use kuaibao_core::desk::office::Filter;
use kuaibao_core::desk::statistics::{Checked, StatsQuery, Table, Tally, ThreadFacts};
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::Report;

use super::{attachment, csv, ExportState, ThreadBatches};
use crate::auth::Caller;
use crate::db::accounts;
use crate::http::error::AppError;
use crate::http::office::{area_in_scope, require_office};

pub use kuaibao_core::desk::statistics::{STATISTICS_CSV_PATH, STATISTICS_PATH};

/// The query from the URI, checked; 400 naming each bad field.
fn query_of(uri: &Uri) -> Result<Checked, AppError> {
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    StatsQuery::from_query(&pairs).map_err(AppError::InvalidQuery)
}

/// The table of the caller's threads that `query` keeps.
async fn table(state: &ExportState, caller: &Caller, query: &Checked) -> Result<Table, AppError> {
    require_office(caller)?;
    let scope = caller.scope();
    let within = match query.area.as_deref() {
        None => None,
        Some(id) => Some(area_in_scope(&state.pool, id, &scope).await?),
    };
    let areas: HashMap<String, AreaRef> = accounts::areas(&state.pool)
        .await?
        .into_iter()
        .map(|a| (a.area.id.clone(), a.area))
        .collect();
    // Counted a batch at a time: memory is one batch of threads and the
    // table's rows, whatever the number of threads.
    let mut tally = Tally::new(query);
    let mut batches = ThreadBatches::new(state, caller, Filter::default()).await?;
    while let Some(batch) = batches.next().await? {
        for thread in &batch {
            let path = thread.records.first().and_then(|r| r.origin.area_path.as_deref());
            if within
                .as_ref()
                .is_some_and(|within| !path.is_some_and(|p| p.starts_with(within.as_str())))
            {
                continue;
            }
            // Its chain of areas, root first.
            let chain: Vec<AreaRef> = path
                .unwrap_or_default()
                .split('/')
                .filter(|id| !id.is_empty())
                .filter_map(|id| areas.get(id).cloned())
                .collect();
            let records: Vec<Report> = thread.records.iter().map(|r| r.report().clone()).collect();
            let received_day = thread.summary.first_received_at.with_timezone(&beijing()).date_naive();
            tally.add(&ThreadFacts {
                records: &records,
                areas: &chain,
                received_day,
            });
        }
    }
    Ok(tally.table())
}

/// `GET /api/office/statistics`.
pub async fn statistics_json(
    State(state): State<ExportState>,
    caller: Caller,
    uri: Uri,
) -> Result<Json<Table>, AppError> {
    let query = query_of(&uri)?;
    let _place = super::export_place(&state.exports, &caller)?;
    Ok(Json(table(&state, &caller, &query).await?))
}

/// `GET /api/exports/statistics.csv`.
pub async fn statistics_csv(State(state): State<ExportState>, caller: Caller, uri: Uri) -> Result<Response, AppError> {
    let query = query_of(&uri)?;
    let _place = super::export_place(&state.exports, &caller)?;
    let table = table(&state, &caller, &query).await?;
    state
        .note(&caller, "export.statistics", "statistics", super::asked(&uri))
        .await?;
    let stamp = Utc::now().with_timezone(&beijing()).format("%Y%m%d-%H%M");
    attachment(
        csv::CONTENT_TYPE,
        &format!("kuaibao-statistics-{stamp}.csv"),
        document(&table),
    )
}

/// The fixed columns of the statistics CSV, before one per figure.
pub const COLUMNS: [&str; 6] = ["事件日期", "区域代码", "区域", "类别代码", "类别", "事件数"];

/// The CSV: BOM, header, a row per table row, then the total (合计).
/// Figure columns are headed like the report CSV's (`死亡人数（人）[dead]`);
/// an empty cell is a figure none of the row's incidents gave.
pub fn document(table: &Table) -> String {
    let mut out = String::from('\u{FEFF}');
    let figures = table.figures.iter().map(|f| f.header());
    csv::push_row(&mut out, COLUMNS.iter().map(|c| (*c).to_owned()).chain(figures));
    for row in &table.rows {
        let fixed = [
            row.day.to_string(),
            row.area.id.clone(),
            row.area.name.clone(),
            row.category_id.clone(),
            row.category_zh.clone(),
            row.threads.to_string(),
        ];
        csv::push_row(&mut out, fixed.into_iter().chain(row.figures.iter().map(cell)));
    }
    let total = [
        "合计".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        table.total_threads.to_string(),
    ];
    csv::push_row(&mut out, total.into_iter().chain(table.total_figures.iter().map(cell)));
    out
}

fn cell(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}
