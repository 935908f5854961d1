//! Crash reports from the phones (`kuaibao_core::wire::crash`):
//! `POST /api/crashes` from any logged-in account stores one once by its
//! id; `GET /api/crashes` lists them for administrators, counted per build.
//!
//! Refused with nothing stored: a field over its bound or with control
//! characters (422 naming it), the id stored with other content (409), and
//! more than [`MAX_PER_ACCOUNT_PER_HOUR`] from one account in an hour (429
//! with `Retry-After`; a replay of a stored id is still answered 200).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use kuaibao_core::account::Role;
use kuaibao_core::wire::crash::{CrashList, CrashReport, MAX_PER_ACCOUNT_PER_HOUR};

use super::error::AppError;
use super::extract::JsonBody;
use super::page::Paged;
use super::AppState;
use crate::auth::Caller;
use crate::db::crashes::{self, Stored};
use crate::db::office::Kept;

pub use kuaibao_core::wire::crash::CRASHES_PATH;

/// `POST /api/crashes`: 201 stored, 200 stored before (the same again), 409
/// its id with other content, 422 naming each bad field, 429 over the
/// account's hourly bound.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CrashReport>,
) -> Result<StatusCode, AppError> {
    body.check().map_err(AppError::InvalidForm)?;
    let user = &caller.0.user;
    let stored = crashes::store(
        &state.pool,
        &caller.actor(),
        &user.account.area.id,
        &body,
        MAX_PER_ACCOUNT_PER_HOUR,
    )
    .await?;
    match stored {
        Stored::Kept(Kept::Created(())) => {
            tracing::warn!(id = %body.id, build = %body.build, user = %user.account.id, "a page crashed: {}", first_line(&body.message));
            Ok(StatusCode::CREATED)
        }
        Stored::Kept(Kept::Replayed(())) => Ok(StatusCode::OK),
        Stored::Kept(Kept::Conflict) => Err(AppError::OfficeConflict(body.id)),
        // Crash reports are bounded by the hour, not by a thread.
        Stored::Kept(Kept::NoRoom(refusal)) => Err(AppError::InvalidForm(vec![refusal])),
        Stored::OverBound(wait) => {
            let seconds = u64::try_from(wait.num_seconds()).unwrap_or(1).max(1);
            tracing::warn!(user = %user.account.id, "crash report refused: over the hourly bound");
            Err(AppError::OverBound {
                message: format!(
                    "this account sent {MAX_PER_ACCOUNT_PER_HOUR} crash reports in the last hour; \
                     nothing was stored; wait {seconds} s"
                ),
                retry_after_secs: seconds,
            })
        }
    }
}

/// The message's first line, at most 200 characters, for the log.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().chars().take(200).collect()
}

/// `GET /api/crashes`: administrators only (others 403): the crashes of
/// accounts of their area and below, newest first, a page at a time
/// (`limit`, `after`; the next page in the `Link` header); the first page
/// also counts them per build.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<CrashList>), AppError> {
    let page = Paged::only(&uri)?;
    if caller.role() != Role::Admin {
        return Err(AppError::Forbidden(
            "only administrators read the phones' crash reports".to_owned(),
        ));
    }
    let (list, next) = crashes::list(&state.pool, &caller.0.user.area_path, page).await?;
    Ok((super::page::link(&uri, page, &[], next), Json(list)))
}
