//! Receiving and reading reports.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use chrono::{TimeDelta, Utc};
use kuaibao_core::rules::thread::Judge;
use kuaibao_core::rules::writers;
use kuaibao_core::wire::protocol::{parse_first_receipt, Arrival, Receipt, FIRST_RECEIPT_HEADER};
use kuaibao_core::{validate, Report, ReportId, Stage};

use super::error::AppError;
use super::extract::{JsonBody, PathParam, PhoneClock};
use super::page::Paged;
use super::AppState;
use crate::auth::Caller;
use crate::db::admission;
use crate::db::audit::Actor;
use crate::db::reports::{self, HolderRow, Scope, Stored, StoredReport, Thread, ThreadWalk};

/// `POST /api/reports`: 201 and a receipt on first receipt, 200 and the same
/// receipt on a replay. The phone retries until it gets a receipt, so every
/// retry of a stored report must succeed again, identically.
/// The report is routed to the sender's area (a later record to its
/// thread's, see `db::reports::store`) and stored with the offset of
/// the phone's clock.
///
/// Every answer's receipt carries the server's seal over it and the
/// record's content. A record sent again after a restore of the server lost
/// it shows that sealed receipt (`FIRST_RECEIPT_HEADER`), and is stored at
/// its first time (under a new number): the office's ledger then reads it
/// as it arrived, not as it came back. A record completing a text message
/// is not sealed.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    PhoneClock(clock_offset_ms): PhoneClock,
    headers: HeaderMap,
    JsonBody(report): JsonBody<Report>,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    // The phone validated already; the server must not trust that.
    let template = validate(&report).map_err(AppError::InvalidReport)?;
    may_join_thread(&state, &caller, &report).await?;
    super::admission::admit_new(&state.pool, &report, template).await?;
    let account = &caller.0.user.account.id;
    // Paid before storing, given back unless stored: a replay costs nothing,
    // and one over the quota still gets its receipt.
    let charge = state
        .quotas
        .charge_new(account, &report, admission::is_stored(&state.pool, report.id))
        .await?;
    let canonical = reports::Canonical::of(&report).map_err(crate::db::StoreError::from)?;
    let first = first_receipt(&state, &headers, &report, &canonical.sha256);
    // Stored again as first received: the phone's clock as measured then.
    let mut sender = caller.sender(first.map_or(clock_offset_ms, |f| f.clock_offset_ms));
    sender.first_receipt = first;
    // A record completing a text message is sealed as the text was
    // received, not as its body now is: no seal, so that a restore cannot
    // turn it into an app record of the text's time.
    let sealed = |receipt: Receipt| Receipt {
        seal: (!receipt.via_sms).then(|| state.sms.seal_receipt(&receipt, &canonical.sha256)),
        ..receipt
    };
    match reports::store(&state.pool, &report, &canonical, template, &sender).await? {
        Stored::Created(receipt) => {
            let receipt = sealed(receipt);
            if let Some(charge) = charge {
                charge.keep();
            }
            tracing::info!(id = %receipt.id, seq = receipt.seq, "report stored");
            if report.stage == Stage::Initial {
                state
                    .changes
                    .report_stored(report.thread_id(), &caller.0.user.area_path);
            } else {
                // Routed to its thread's area: heard by those who read the
                // thread, not only by the sender's area.
                state.changes.thread_changed(&state.pool, report.thread_id()).await;
            }
            Ok((StatusCode::CREATED, Json(receipt)))
        }
        Stored::Replayed(receipt) => {
            tracing::info!(id = %receipt.id, seq = receipt.seq, "report replayed");
            Ok((StatusCode::OK, Json(sealed(receipt))))
        }
        Stored::Conflict => {
            tracing::warn!(id = %report.id, "report refused: id stored with other content");
            Err(AppError::Conflict(report.id))
        }
        Stored::PhotoConflict(photo) => {
            tracing::warn!(id = %report.id, %photo, "report refused: photo id announced with other bytes");
            Err(AppError::PhotoConflict(photo))
        }
        Stored::ThreadHeld => Err(refuse(&state, &caller.actor(), &report, writers::Refusal::NotYourThread).await?),
    }
}

/// How a record sent again after a restore was first received, as its
/// first receipt shows (`FIRST_RECEIPT_HEADER`), when that holds: the seal
/// is this server's over this record, number, time, clock offset and
/// content, and the time is within what the last restore lost (after
/// what its backup may lack, before the restore). Anything else is logged
/// and the record stored as received now: a record is never refused for
/// what its receipt claims.
fn first_receipt(state: &AppState, headers: &HeaderMap, report: &Report, body_sha256: &str) -> Option<Arrival> {
    let value = headers.get(FIRST_RECEIPT_HEADER)?;
    let ignored = |why: &str| {
        tracing::warn!(id = %report.id, "first receipt not taken: {why}");
        None
    };
    let Some((received, seal)) = value.to_str().ok().and_then(parse_first_receipt) else {
        return ignored("not a receipt");
    };
    let Some(restore) = state.restored else {
        return ignored("the server was never restored");
    };
    if received.at < restore.backup_made_at || received.at >= restore.restored_at {
        return ignored("not received in what the restore lost");
    }
    if !state.sms.receipt_seal_holds(report.id, received, body_sha256, seal) {
        return ignored("not this server's seal over this record");
    }
    Some(received)
}

/// Refuses a record that would join a thread its sender may not write in
/// (see `kuaibao_core::rules::writers`), after logging the attempt. A first record
/// costs no query: the store's insert itself refuses one that would join
/// another author's records ([`Stored::ThreadHeld`]).
async fn may_join_thread(state: &AppState, caller: &Caller, report: &Report) -> Result<(), AppError> {
    if report.stage == Stage::Initial {
        return Ok(());
    }
    let holder = reports::thread_holder(&state.pool, report.thread_id()).await?;
    let Err(refusal) = writers::may_add(
        report.stage,
        &caller.writer(),
        holder.as_ref().map(HolderRow::holder).as_ref(),
    ) else {
        let full =
            holder.is_some_and(|h| usize::try_from(h.records).unwrap_or(usize::MAX) >= writers::MAX_RECORDS_PER_THREAD);
        // A replay of a stored record still gets its receipt.
        if full && !admission::is_stored(&state.pool, report.id).await? {
            tracing::warn!(id = %report.id, thread = %report.thread_id(), "record refused: its thread is full");
            return Err(AppError::InvalidReport(vec![writers::thread_full()]));
        }
        return Ok(());
    };
    Err(refuse(state, &caller.actor(), report, refusal).await?)
}

/// Logs and audits (up to the account's share of refusals) that `actor`'s
/// `report` was refused by the thread's rules; the refusal to answer.
pub(super) async fn refuse(
    state: &AppState,
    actor: &Actor,
    report: &Report,
    refusal: writers::Refusal,
) -> Result<AppError, AppError> {
    tracing::warn!(id = %report.id, thread = %report.thread_id(), user = ?actor.user_id, "record refused: {refusal}");
    if state.refusals.admits(actor) {
        reports::audit_refusal(&state.pool, actor, report, &refusal.to_string()).await?;
    }
    Ok(refusal.into())
}

/// `GET /api/reports`: the reports the caller may read, in arrival order,
/// a page at a time (`kuaibao_core::wire::page`): the next page's address is in
/// the `Link` header while there is one.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<Vec<StoredReport>>), AppError> {
    let page = Paged::only(&uri)?;
    let (rows, more) = reports::list(&state.pool, &caller.scope(), page).await?;
    let next = rows.last().map(|r| r.receipt.seq).filter(|_| more);
    Ok((super::page::link(&uri, page, &[], next), Json(rows)))
}

/// `GET /api/threads`: the threads the caller began that a phone still
/// keeps (by the rule phones let threads go by: not settled
/// before `keep_days` ago, so every unfinished one), newest first, each
/// with the caller's records in stage order, a page of threads at a time
/// (`limit`, `after`; the next page in the `Link` header). A page may hold
/// fewer threads than `limit`, even none, where it passed settled ones:
/// only a missing link means the end. Any role: a new phone, or one whose
/// storage the browser cleared, reads them back, and the worker goes on
/// with her threads there.
pub async fn my_threads(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<Vec<Thread>>), AppError> {
    let page = Paged::only(&uri)?;
    let own = Scope::Own {
        user_id: caller.0.user.account.id.clone(),
    };
    let walk = ThreadWalk {
        after: page.after,
        limit: page.limit,
        newest_first: true,
        thread: None,
        templates: None,
    };
    let (heads, more) = reports::thread_heads(&state.pool, &own, None, walk).await?;
    let ids: Vec<ReportId> = heads.iter().map(|&(id, _)| id).collect();
    let cutoff = Utc::now() - TimeDelta::days(i64::from(state.keep_days));
    let kept = reports::threads_of(&state.pool, &own, &ids)
        .await?
        .into_iter()
        // Threads she began: a call an officer logged into a reporter's
        // thread, or a closing he filed, is his record in another's.
        .filter(|t| t.records.iter().any(|r| r.report.thread.is_none()))
        .filter(|t| {
            let received: Vec<_> = t.records.iter().map(StoredReport::received).collect();
            !Judge::new(&received).settled_before(cutoff)
        })
        .collect();
    let next = heads.last().map(|&(_, key)| key).filter(|_| more);
    Ok((super::page::link(&uri, page, &[], next), Json(kept)))
}

/// `GET /api/thread-records`: every record of the threads the caller began,
/// hers and the duty office's, in arrival order, a page at a time by
/// receipt number (`after`; the next page in the `Link` header). Any role.
/// A phone reads it on from where it stopped, and keeps what it lacks:
/// what the office added, and what she filed on another phone.
pub async fn thread_records(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<Vec<StoredReport>>), AppError> {
    let page = Paged::only(&uri)?;
    let (rows, more) = reports::of_threads_begun_by(&state.pool, &caller.0.user.account.id, page).await?;
    let next = rows.last().map(|r| r.receipt.seq).filter(|_| more);
    Ok((super::page::link(&uri, page, &[], next), Json(rows)))
}

/// `GET /api/reports/{id}`.
/// 404 also for a report the caller may not read: whether it exists is
/// none of their business.
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Result<Json<StoredReport>, AppError> {
    let id = parse_id(&id, "report")?;
    reports::get(&state.pool, id, &caller.scope())
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no report {id}")))
}

/// `GET /api/threads/{id}`: the records of one incident or hazard, in stage
/// order whatever order they arrived in. 404 until some record of the thread
/// has arrived (not necessarily its first).
pub async fn get_thread(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Result<Json<Thread>, AppError> {
    let id = parse_id(&id, "thread")?;
    reports::thread(&state.pool, id, &caller.scope())
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no record of thread {id}")))
}

pub(super) fn parse_id(text: &str, what: &str) -> Result<ReportId, AppError> {
    text.parse()
        .map_err(|_| AppError::BadRequest(format!("`{text}` is not a {what} id (a UUID)")))
}
