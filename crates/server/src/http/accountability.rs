//! `GET /api/office/accountability` (and `.csv`): the accountability ledger
//! (问责台账, `kuaibao_core::desk::accountability`) of the caller's area and below,
//! read like the inbox: officers and administrators only, each seeing the
//! threads in scope and nothing of a neighbouring area.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::Json;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use kuaibao_core::desk::accountability::{entries, Accountability, CSV_COLUMNS};
use kuaibao_core::wire::page::{PageQuery, MAX_LIMIT};
use kuaibao_core::wire::timestamp::beijing;

use super::error::AppError;
use super::office::require_office;
use super::page::{link, thread_page, Paged};
use super::AppState;
use crate::auth::Caller;
use crate::db::office::Line;
use crate::db::reports::{Scope, ThreadWalk};
use crate::export::{attachment, csv};

/// One page of the ledger as of `now`: the entries of the next
/// `page.limit` threads that have any (walked newest first, like the
/// inbox), and the key to go on after, if more may follow.
async fn read(
    state: &AppState,
    scope: &Scope,
    page: PageQuery,
    now: DateTime<Utc>,
) -> Result<(Accountability, Option<i64>), AppError> {
    let days = state.rules.final_report_days();
    let walk = ThreadWalk {
        after: None,
        limit: page.limit,
        newest_first: true,
        thread: None,
        templates: None,
    };
    let has_entries = |line: &Line| !entries(std::slice::from_ref(&line.summary), days, now).is_empty();
    let (lines, next) = thread_page(state, scope, page, walk, now, has_entries).await?;
    let threads: Vec<_> = lines.into_iter().map(|l| l.summary).collect();
    Ok((
        Accountability {
            server_time: now,
            final_report_days: days,
            entries: entries(&threads, days, now),
        },
        next,
    ))
}

/// `GET /api/office/accountability`: a page at a time (`limit` counts
/// threads, each giving one entry or more; `after`; the next page in the
/// `Link` header).
pub async fn ledger(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<(HeaderMap, Json<Accountability>), AppError> {
    let page = Paged::only(&uri)?;
    require_office(&caller)?;
    let (ledger, next) = read(&state, &caller.scope(), page, Utc::now()).await?;
    Ok((link(&uri, page, &[], next), Json(ledger)))
}

/// `GET /api/office/accountability.csv`: every entry, one row each, as the
/// reports' CSV is written (BOM, Chinese header, formula guard), streamed
/// a page of threads at a time (gravest first within each page). An error
/// half-way cuts the download off (see `export::streamed`).
pub async fn csv(State(state): State<AppState>, caller: Caller) -> Result<Response, AppError> {
    require_office(&caller)?;
    let place = crate::export::export_place(&state.exports, &caller)?;
    <crate::export::ExportState as axum::extract::FromRef<AppState>>::from_ref(&state)
        .note(
            &caller,
            "export.accountability",
            "accountability",
            serde_json::json!({}),
        )
        .await?;
    let now = Utc::now();
    let scope = caller.scope();
    let mut head = String::from('\u{FEFF}');
    csv::push_row(&mut head, CSV_COLUMNS.iter().map(|(_, header)| (*header).to_owned()));
    let pages = futures_util::stream::unfold(
        Some((
            state,
            PageQuery {
                limit: MAX_LIMIT,
                after: None,
            },
        )),
        move |next| {
            let scope = scope.clone();
            async move {
                let (state, page) = next?;
                match read(&state, &scope, page, now).await {
                    Ok((ledger, after)) => {
                        let mut out = String::new();
                        for entry in &ledger.entries {
                            csv::push_row(&mut out, entry.cells());
                        }
                        let next = after.map(|after| {
                            (
                                state,
                                PageQuery {
                                    after: Some(after),
                                    ..page
                                },
                            )
                        });
                        Some((Ok(Bytes::from(out)), next))
                    }
                    Err(e) => {
                        tracing::error!("accountability CSV cut off mid-stream: {e}");
                        Some((Err(std::io::Error::other(e.to_string())), None))
                    }
                }
            }
        },
    );
    // Fused: the compression layer polls a body once more after its end,
    // which an `unfold` stream answers with a panic.
    let body = Body::from_stream(
        futures_util::stream::once(async move { Ok(Bytes::from(head)) })
            .chain(pages)
            .fuse(),
    );
    let body = crate::http::per_account::held(body, place);
    let stem = now.with_timezone(&beijing()).format("%Y%m%d-%H%M");
    attachment(csv::CONTENT_TYPE, &format!("kuaibao-accountability-{stem}.csv"), body)
}
