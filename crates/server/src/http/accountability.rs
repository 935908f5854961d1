//! `GET /api/office/accountability` (and `.csv`): the accountability ledger
//! (问责台账, `kuaibao_core::accountability`) of the caller's area and below,
//! read like the inbox: officers and administrators only, each seeing the
//! threads in scope and nothing of a neighbouring area.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use kuaibao_core::accountability::{entries, Accountability, CSV_COLUMNS};
use kuaibao_core::validate::beijing;

use super::error::AppError;
use super::office::require_office;
use super::AppState;
use crate::auth::Caller;
use crate::db::office as rows;
use crate::export::{attachment, csv};

/// The ledger as of now.
async fn read(state: &AppState, caller: &Caller) -> Result<Accountability, AppError> {
    require_office(caller)?;
    let now = Utc::now();
    let lines = rows::threads(&state.pool, &caller.scope(), &state.rules, now).await?;
    let threads: Vec<_> = lines.into_iter().map(|l| l.summary).collect();
    let days = state.rules.final_report_days();
    Ok(Accountability {
        server_time: now,
        final_report_days: days,
        entries: entries(&threads, days, now),
    })
}

/// `GET /api/office/accountability`.
pub async fn ledger(State(state): State<AppState>, caller: Caller) -> Result<Json<Accountability>, AppError> {
    Ok(Json(read(&state, &caller).await?))
}

/// `GET /api/office/accountability.csv`: the same, one row per entry, as
/// the reports' CSV is written (BOM, Chinese header, formula guard).
pub async fn csv(State(state): State<AppState>, caller: Caller) -> Result<Response, AppError> {
    let ledger = read(&state, &caller).await?;
    let mut body = String::from('\u{FEFF}');
    csv::push_row(&mut body, CSV_COLUMNS.iter().map(|(_, header)| (*header).to_owned()));
    for entry in &ledger.entries {
        csv::push_row(&mut body, entry.cells());
    }
    let stem = ledger.server_time.with_timezone(&beijing()).format("%Y%m%d-%H%M");
    attachment(csv::CONTENT_TYPE, &format!("kuaibao-accountability-{stem}.csv"), body)
}
