//! Signing a thread's written report on the desk (`kuaibao_core::desk::signing`):
//! `POST /api/threads/{id}/signatures` stores a signing once by its id,
//! `GET` lists the thread's signings. The printed report
//! (`GET /api/threads/{id}/written`) shows them.
//!
//! Refused, with nothing stored and the attempt audited: a reporter (403),
//! a thread outside the caller's area (404, as if it did not exist), and an
//! office that can read one of its records but is not the thread's area or
//! above (403), as for every office act (`office::may_answer`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use chrono::Utc;
use kuaibao_core::desk::office::ChangeKind;
use kuaibao_core::desk::signing::{self, Sign, Signature};
use kuaibao_core::rules::deadlines::Obligation;
use kuaibao_core::rules::thread::Judge;
use kuaibao_core::wire::error::ErrorCode;
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{FieldError, ReportId};

use super::error::AppError;
use super::extract::{JsonBody, PathParam};
use super::office::{announced, may_answer, require_office, thread_in_scope};
use super::page::Paged;
use super::reports::parse_id;
use super::AppState;
use crate::auth::Caller;
use crate::db::reports as rows;
use crate::db::signatures;

pub use kuaibao_core::desk::signing::SIGNATURES_PATH;

/// `POST /api/threads/{id}/signatures`: 201 and the stored signing; 200
/// and the same again for a replay of its id; 409 for its id with other
/// content; 422 naming `recipient`, `reviewer`, `report_id` or `step` (a
/// step up the chain the thread does not have).
pub async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<Sign>,
) -> Result<(StatusCode, Json<Signature>), AppError> {
    // A malformed request is refused as such whoever sends it (400 before
    // 403), as on every other path.
    let thread = parse_id(&id, "thread")?;
    let records = may_answer(&state, &caller, thread, "thread.sign").await?;
    let user = &caller.0.user;
    if !records.contains(&body.report_id) {
        return Err(AppError::InvalidForm(vec![FieldError::new(
            "report_id",
            ErrorCode::BadId,
            "该记录不属于此事件，请刷新页面后重新签发",
            "that record is not one of this thread's; reload the page and sign again",
        )]));
    }
    let words = body.check().map_err(AppError::InvalidForm)?;
    if let Some(step) = &words.step {
        if !has_step(&state, &caller, thread, step).await? {
            return Err(AppError::InvalidForm(vec![signing::step_not_of_thread()]));
        }
    }
    let kept = signatures::sign(
        &state.pool,
        &caller.actor(),
        &user.account.area.id,
        body.id,
        thread,
        body.report_id,
        &words,
    )
    .await?;
    announced(&state, kept, body.id, thread, ChangeKind::Signed).await
}

/// Whether `thread`, as the caller sees it now, has the upward deadline
/// line `step` (a 较大 accident has no step to the State Council's).
async fn has_step(state: &AppState, caller: &Caller, thread: ReportId, step: &str) -> Result<bool, AppError> {
    let Some(t) = rows::thread(&state.pool, thread, &caller.scope()).await? else {
        return Ok(false);
    };
    let now = Utc::now().with_timezone(&beijing()).naive_local();
    let received: Vec<_> = t.records.iter().map(|r| r.received()).collect();
    Ok(Judge::new(&received)
        .deadlines(&state.rules, now)
        .iter()
        .any(|(due, _)| due.rule.obligation == Obligation::Upward && due.rule.id == step))
}

/// `GET /api/threads/{id}/signatures`: the thread's signings, oldest
/// first, a page at a time (`limit`, `after`; the next page in the `Link`
/// header). Officers and administrators whose area has a record of it.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    uri: Uri,
) -> Result<(HeaderMap, Json<Vec<Signature>>), AppError> {
    let thread = parse_id(&id, "thread")?;
    let page = Paged::only(&uri)?;
    require_office(&caller)?;
    thread_in_scope(&state.pool, &caller, thread).await?;
    let (rows, more) = signatures::page_of_thread(&state.pool, thread, page).await?;
    let next = rows.last().map(|(key, _)| *key).filter(|_| more);
    Ok((
        super::page::link(&uri, page, &[], next),
        Json(rows.into_iter().map(|(_, s)| s).collect()),
    ))
}
