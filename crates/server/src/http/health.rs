//! `GET /api/health`: for load balancers, monitors and the phone's "can I
//! reach the server" check.

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use kuaibao_core::protocol::Health;

use super::error::AppError;
use super::AppState;
use crate::db;

/// Ready means the database answers, not just that the process is up. The
/// server's time lets the phone measure its clock's offset.
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    db::ping(&state.pool).await?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        server_time: Utc::now(),
    }))
}
