//! `GET /api/health`: for load balancers, monitors and the phone's "can I
//! reach the server" check.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::error::AppError;
use super::AppState;
use crate::db;

/// Ready means the database answers, not just that the process is up.
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    db::ping(&state.pool).await?;
    Ok(Json(json!({ "status": "ok" })))
}
