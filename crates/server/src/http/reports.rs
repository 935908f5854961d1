//! Receiving and reading reports.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use kuaibao_core::protocol::Receipt;
use kuaibao_core::{validate, Report, ReportId};

use super::error::AppError;
use super::extract::{JsonBody, PathParam};
use super::AppState;
use crate::db::reports::{self, Stored, StoredReport};

/// `POST /api/reports`: 201 and a receipt on first receipt, 200 and the same
/// receipt on a replay. The phone retries until it gets a receipt, so every
/// retry of a stored report must succeed again, identically.
pub async fn submit(
    State(state): State<AppState>,
    JsonBody(report): JsonBody<Report>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    // The phone validated already; the server must not trust that.
    validate(&report).map_err(AppError::InvalidReport)?;
    match reports::store(&state.pool, &report).await? {
        Stored::Created(receipt) => {
            tracing::info!(id = %receipt.id, seq = receipt.seq, "report stored");
            Ok((StatusCode::CREATED, Json(receipt)))
        }
        Stored::Replayed(receipt) => {
            tracing::info!(id = %receipt.id, seq = receipt.seq, "report replayed");
            Ok((StatusCode::OK, Json(receipt)))
        }
        Stored::Conflict => {
            tracing::warn!(id = %report.id, "report refused: id stored with other content");
            Err(AppError::Conflict(report.id))
        }
    }
}

/// `GET /api/reports`: every report in arrival order.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<StoredReport>>, AppError> {
    Ok(Json(reports::list(&state.pool).await?))
}

/// `GET /api/reports/{id}`.
pub async fn get_one(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
) -> Result<Json<StoredReport>, AppError> {
    let id: ReportId = id
        .parse()
        .map_err(|_| AppError::BadRequest(format!("`{id}` is not a report id (a UUID)")))?;
    reports::get(&state.pool, id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no report {id}")))
}
