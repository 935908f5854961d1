//! Exports: the reports in formats other systems and people read without
//! Kuaibao.
//!
//! - `GET /api/exports/reports.csv`: one row per record, for spreadsheets
//!   ([`csv`]);
//! - `GET /api/exports/reports.geojson`: one point per thread, for GIS
//!   ([`geojson`]);
//! - `GET /api/threads/{id}/cap`: an OASIS CAP 1.2 alert for an incident,
//!   for alerting systems ([`cap`]);
//! - `GET /api/threads/{id}/written` (or `/api/reports/{id}/written` by a
//!   record of it): the printable 书面报告 of a whole thread, with its
//!   signing ([`written`]);
//! - `GET /api/exports/statistics.csv` (and `GET /api/office/statistics`
//!   as JSON): incidents counted and their figures summed by area × day ×
//!   category ([`statistics`]).
//!
//! Every export reads through the caller's scope, like every other read: a
//! record out of scope is left out of a list and is 404 by id. The lists
//! take the office inbox's [`Filter`] as their query, with the inbox's
//! meaning (a filter keeps or drops whole threads).
//!
//! Positions are WGS-84 latitude and longitude as the phone's GPS (the
//! browser's Geolocation API) gives them, never shifted to GCJ-02: a GCJ-02
//! base map must convert them itself.

pub mod cap;
pub mod csv;
pub mod geojson;
pub mod statistics;
pub mod written;

use std::collections::HashMap;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use kuaibao_core::desk::office::{Filter, ThreadSummary};
use kuaibao_core::rules::catalogue;
use kuaibao_core::rules::deadlines::RuleSet;
use kuaibao_core::rules::thread::{Judge, Received};
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{Family, Report, ReportId, Template};

use crate::auth::Caller;
use crate::db::exports::{self, Origin};
use crate::db::reports::{self, StoredReport};
use crate::db::{accounts, Pool};
use crate::http::error::AppError;
use crate::http::NO_CACHE;
use crate::uploads::Uploads;

/// The CSV of every record in scope.
pub const CSV_PATH: &str = "/api/exports/reports.csv";
/// The GeoJSON of every thread in scope.
pub const GEOJSON_PATH: &str = "/api/exports/reports.geojson";
/// The CAP alert of an incident thread (its latest record, or `?record=`).
pub const CAP_PATH: &str = "/api/threads/{id}/cap";
/// The printable written report of the thread of one record.
pub const WRITTEN_PATH: &str = "/api/reports/{id}/written";
/// The printable written report of a thread.
pub use kuaibao_core::desk::signing::THREAD_WRITTEN_PATH;

/// The default CAP `sender` (`KUAIBAO_CAP_SENDER`): a deployment names its
/// duty office, e.g. `yjj@xh.example.gov.cn`.
pub const DEFAULT_CAP_SENDER: &str = "kuaibao@localhost";

/// One stored record with who sent it and where it was routed.
#[derive(Debug, Clone)]
pub struct Record {
    pub stored: StoredReport,
    pub origin: Origin,
}

impl Record {
    pub fn report(&self) -> &Report {
        &self.stored.report
    }

    /// The account it came under, username and display name (as it was
    /// then); `None` for a record stored before accounts existed.
    pub fn reporter(&self) -> Option<(String, String)> {
        self.stored
            .author
            .as_ref()
            .map(|a| (a.username.clone(), a.display_name.clone()))
    }

    pub fn template(&self) -> Option<&'static Template> {
        catalogue::find(&self.report().template_id, self.report().template_version)
    }
}

/// The records of one thread the caller may read, first to last, and what
/// the inbox would say of it.
#[derive(Debug, Clone)]
pub struct ThreadRecords {
    pub records: Vec<Record>,
    pub summary: ThreadSummary,
}

impl ThreadRecords {
    /// `records` must be one thread's, non-empty.
    fn new(mut records: Vec<Record>, rules: &RuleSet, now: DateTime<Utc>) -> Option<Self> {
        // The thread's order (as `GET /api/threads/{id}`): stage, then the
        // writing instant, then arrival. Phones deliver whenever they find
        // a signal, so arrival order means nothing.
        records.sort_by_key(|r| (r.report().stage.order(), r.report().written_at, r.stored.receipt.seq));
        let summary = summarise(&records, rules, now)?;
        Some(ThreadRecords { records, summary })
    }

    /// The grade of the thread as of record `i`, as the desk shows it (its
    /// own choice, else what its figures decide); `None` while 未定级, and
    /// for hazards.
    pub fn grade_at(&self, i: usize) -> Option<kuaibao_core::Grade> {
        let reports: Vec<Report> = self.records[..=i].iter().map(|r| r.report().clone()).collect();
        Judge::new(&reports).graded()
    }

    /// The last written stage at or before record `i`: not a logged call
    /// (which sorts right after the 首报, so a thread of a 首报 and a call
    /// ends with the call) nor a 日报.
    pub fn written_stage_at(&self, i: usize) -> usize {
        self.records[..=i]
            .iter()
            .rposition(|r| {
                r.template()
                    .is_some_and(|t| !matches!(t.family, Family::Call | Family::DailyReport))
            })
            .unwrap_or(i)
    }
}

/// The inbox's line for a thread, from its records (stage order).
fn summarise(records: &[Record], rules: &RuleSet, now: DateTime<Utc>) -> Option<ThreadSummary> {
    let received: Vec<Received> = records
        .iter()
        .map(|r| Received {
            report: r.report().clone(),
            received_at: r.stored.receipt.received_at,
            arrival_offset_ms: r.stored.receipt.clock_offset_ms,
        })
        .collect();
    let first = &records[crate::db::office::first_written(&received)?];
    let mut summary =
        crate::db::office::summary(&received, first.origin.area.clone(), first.reporter(), &[], rules, now)?;
    summary.photos_expected = records.iter().map(|r| r.stored.photos.expected).sum();
    summary.photos_arrived = records.iter().map(|r| r.stored.photos.arrived).sum();
    Some(summary)
}

/// What the exports read of the application's state: the database, the
/// deadline rules, the photo store (the written report's pictures) and the
/// CAP alerts' `sender`.
#[derive(Clone)]
pub struct ExportState {
    pub pool: Pool,
    pub rules: std::sync::Arc<RuleSet>,
    pub uploads: std::sync::Arc<Uploads>,
    pub cap_sender: std::sync::Arc<str>,
    /// The exports each account is downloading.
    pub exports: crate::http::per_account::PerAccount,
    /// What the audit log still takes of each account's exports this hour.
    pub notes: std::sync::Arc<crate::http::refusals::AuditBudget>,
}

/// The most exports one account downloads at once. Each reads the whole
/// of its scope, a batch at a time, on the pool the phones' reports are
/// stored through.
pub const MAX_EXPORTS_PER_ACCOUNT: usize = 2;

/// A place for one more export of `caller`'s; 429 while they have
/// [`MAX_EXPORTS_PER_ACCOUNT`] under way.
pub(crate) fn export_place(
    open: &crate::http::per_account::PerAccount,
    caller: &Caller,
) -> Result<crate::http::per_account::Place, AppError> {
    open.take(&caller.0.user.account.id).ok_or_else(|| AppError::OverBound {
        message: format!(
            "此账号已有 {MAX_EXPORTS_PER_ACCOUNT} 个导出正在下载：请等下载完成后再导出。\
             / This account has {MAX_EXPORTS_PER_ACCOUNT} exports downloading: wait for them to finish, then export again."
        ),
        retry_after_secs: 10,
    })
}

/// Threads an export reads at a time: a few MB of records, whatever the
/// size of the area's history.
const EXPORT_BATCH: u32 = 500;

/// The threads in the caller's scope that a filter keeps, oldest first (by
/// their first record's arrival, as the exports have always listed them),
/// found a batch at a time and read a run of them at a time
/// (`reports::runs`), so that an export holds one run's records in memory
/// rather than the area's whole history (issue 19), nor a batch of threads
/// grown to their bound.
pub(crate) struct ThreadBatches {
    pool: Pool,
    rules: std::sync::Arc<RuleSet>,
    scope: reports::Scope,
    /// The scope's areas when few (`reports::few_areas`), asked once.
    areas: Option<Vec<String>>,
    filter: Filter,
    /// The filter's area's path; `Some(None)`: an unknown area, which keeps
    /// nothing, like an area with no reports.
    area_path: Option<Option<String>>,
    after: Option<i64>,
    done: bool,
    /// Threads found and not yet read, and the runs they are read in
    /// (`reports::runs`: a run's records, not a batch's, are in memory).
    pending: std::collections::VecDeque<ReportId>,
    runs: std::collections::VecDeque<usize>,
}

impl ThreadBatches {
    /// Checks the filter (400/422 now, before an answer starts).
    pub(crate) async fn new(state: &ExportState, caller: &Caller, filter: Filter) -> Result<Self, AppError> {
        filter.check().map_err(AppError::InvalidForm)?;
        let area_path = match filter.area.as_deref().filter(|a| !a.is_empty()) {
            Some(id) => Some(accounts::area(&state.pool, id).await?.map(|a| a.path)),
            None => None,
        };
        let scope = caller.scope();
        let areas = reports::few_areas(&state.pool, &scope).await?;
        Ok(ThreadBatches {
            pool: state.pool.clone(),
            rules: std::sync::Arc::clone(&state.rules),
            scope,
            areas,
            filter,
            area_path,
            after: None,
            done: false,
            pending: Default::default(),
            runs: Default::default(),
        })
    }

    /// The next batch's threads that the filter keeps (possibly none);
    /// `None` once every thread was read.
    pub(crate) async fn next(&mut self) -> Result<Option<Vec<ThreadRecords>>, AppError> {
        if self.pending.is_empty() {
            if self.done || matches!(self.area_path, Some(None)) {
                return Ok(None);
            }
            let walk = reports::ThreadWalk {
                after: self.after,
                limit: EXPORT_BATCH,
                newest_first: false,
                thread: None,
                templates: None,
            };
            let (heads, more) = reports::thread_heads(&self.pool, &self.scope, self.areas.as_deref(), walk).await?;
            self.done = !more;
            let Some(&(_, last)) = heads.last() else {
                return Ok(None);
            };
            self.after = Some(last);
            self.pending = heads.iter().map(|(t, _)| *t).collect();
            self.runs = reports::runs(&self.pool, self.pending.make_contiguous(), reports::RECORDS_PER_READ)
                .await?
                .into();
        }
        let run = self.runs.pop_front().unwrap_or(self.pending.len());
        let ids: Vec<ReportId> = self.pending.drain(..run.min(self.pending.len())).collect();
        let stored = reports::of_threads(&self.pool, &self.scope, &ids).await?;
        // After the records: any record listed is committed, so its origin
        // is there too (and rows never change).
        let mut origins = exports::origins(&self.pool, &self.scope, &ids).await?;
        let mut by_thread: HashMap<ReportId, Vec<Record>> = HashMap::new();
        for s in stored {
            let origin = origins.remove(&s.report.id.to_string()).unwrap_or_default();
            by_thread
                .entry(s.report.thread_id())
                .or_default()
                .push(Record { stored: s, origin });
        }
        let now = Utc::now();
        Ok(Some(
            ids.into_iter()
                .filter_map(|t| ThreadRecords::new(by_thread.remove(&t)?, &self.rules, now))
                .filter(|t| self.filter.keeps(&t.summary))
                .filter(|t| match &self.area_path {
                    None => true,
                    Some(None) => false,
                    Some(Some(path)) => t
                        .records
                        .first()
                        .and_then(|r| r.origin.area_path.as_deref())
                        .is_some_and(|p| p.starts_with(path.as_str())),
                })
                .collect(),
        ))
    }
}

/// A download's body written batch by batch as `batches` reads them: `head`,
/// what `render` makes of each batch, then `tail`. Memory stays one batch
/// whatever the export's size.
///
/// The status and headers have gone out before the first batch is read,
/// so a storage error half-way cannot become an error status any more: it
/// is logged and the body is cut off (the connection is reset before the
/// end of the chunked body), which every HTTP client reports as a failed
/// download, never as a complete file.
pub(crate) fn streamed<R>(head: String, batches: ThreadBatches, render: R, tail: String) -> axum::body::Body
where
    R: FnMut(&[ThreadRecords]) -> Result<String, AppError> + Send + 'static,
{
    enum Step {
        Head,
        Rows,
        Tail,
        Done,
    }
    struct State<R> {
        step: Step,
        head: String,
        tail: String,
        batches: ThreadBatches,
        render: R,
    }
    let start = State {
        step: Step::Head,
        head,
        tail,
        batches,
        render,
    };
    let stream = futures_util::stream::unfold(start, |mut st| async move {
        loop {
            match st.step {
                Step::Head => {
                    st.step = Step::Rows;
                    let head = std::mem::take(&mut st.head);
                    return Some((Ok(bytes::Bytes::from(head)), st));
                }
                Step::Rows => {
                    let chunk = match st.batches.next().await {
                        Ok(Some(batch)) => (st.render)(&batch),
                        Ok(None) => {
                            st.step = Step::Tail;
                            continue;
                        }
                        Err(e) => Err(e),
                    };
                    match chunk {
                        Ok(text) if text.is_empty() => continue,
                        Ok(text) => return Some((Ok(bytes::Bytes::from(text)), st)),
                        Err(e) => {
                            tracing::error!("export cut off mid-stream: {e}");
                            st.step = Step::Done;
                            return Some((Err(std::io::Error::other(e.to_string())), st));
                        }
                    }
                }
                Step::Tail => {
                    st.step = Step::Done;
                    let tail = std::mem::take(&mut st.tail);
                    return Some((Ok(bytes::Bytes::from(tail)), st));
                }
                Step::Done => return None,
            }
        }
    });
    // Fused: the compression layer polls a body once more after its end,
    // which an `unfold` stream answers with a panic.
    axum::body::Body::from_stream(futures_util::StreamExt::fuse(stream))
}

/// One thread in the caller's scope; 404 when it has no record they may read.
async fn thread(pool: &Pool, rules: &RuleSet, caller: &Caller, id: ReportId) -> Result<ThreadRecords, AppError> {
    let scope = caller.scope();
    let not_found = || AppError::NotFound(format!("no record of thread {id}"));
    let found = reports::thread(pool, id, &scope).await?.ok_or_else(not_found)?;
    let mut origins = exports::origins(pool, &scope, &[id]).await?;
    let records = found
        .records
        .into_iter()
        .map(|s| {
            let origin = origins.remove(&s.report.id.to_string()).unwrap_or_default();
            Record { stored: s, origin }
        })
        .collect();
    ThreadRecords::new(records, rules, Utc::now()).ok_or_else(not_found)
}

/// The filter from the query string (the inbox's [`Filter`]).
fn filter_of(uri: &Uri) -> Result<Filter, AppError> {
    axum::extract::Query::<Filter>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| AppError::BadRequest(e.body_text()))
}

fn parse_id(text: &str, what: &str) -> Result<ReportId, AppError> {
    text.parse()
        .map_err(|_| AppError::BadRequest(format!("`{text}` is not a {what} id (a UUID)")))
}

/// A time as RFC 3339 in Beijing time, to the second: `2026-11-23T10:00:00+08:00`.
pub fn beijing_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing()).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A time in its own zone (the phone's), to the second.
pub fn zoned_time(t: DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A Beijing wall-clock time (an event time as typed) with its zone.
pub fn beijing_wall_time(t: NaiveDateTime) -> Option<String> {
    beijing()
        .from_local_datetime(&t)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

/// A download: the body with its type and a file name for saving it.
pub(crate) fn attachment(
    content_type: &'static str,
    file_name: &str,
    body: impl IntoResponse,
) -> Result<Response, AppError> {
    // The name is ours (ASCII letters, digits, `-` and `.`): no quoting issue.
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .map_err(|e| AppError::Internal(format!("Content-Disposition: {e}")))?;
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
        ],
        body,
    )
        .into_response())
}

impl ExportState {
    /// Notes in the audit log that `caller` asked for `what` as a file
    /// (`export.csv`, `export.written`, …) and the server began sending it:
    /// the office answers for what left it, when and by whom, as for what
    /// it changed. `detail` says which (the filter as asked, a thread and
    /// record, the page's SHA-256). A streamed file cut off half-way is
    /// noted all the same (its reader holds a broken file, not a complete
    /// one). Within the account's hourly budget (`AuditBudget`); a note that
    /// cannot be written refuses the file, as a change is never made
    /// without its row.
    pub(crate) async fn note(
        &self,
        caller: &Caller,
        what: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let actor = caller.actor();
        if self.notes.admits(&actor) {
            crate::db::audit::note(&self.pool, &actor, what, subject, detail).await?;
        } else {
            tracing::info!(actor = ?actor.user_id, what, subject, %detail, "export over the hour's audit budget");
        }
        Ok(())
    }
}

/// The query of a request as it was asked, for the audit log.
pub(crate) fn asked(uri: &Uri) -> serde_json::Value {
    serde_json::json!({ "query": uri.query().unwrap_or_default() })
}

/// `kuaibao-reports-20261123-1000` (Beijing time of the export).
fn file_stem(now: DateTime<Utc>) -> String {
    format!(
        "kuaibao-reports-{}",
        now.with_timezone(&beijing()).format("%Y%m%d-%H%M")
    )
}

/// `GET /api/exports/reports.csv`: streamed (see [`streamed`]).
pub async fn csv_export(State(state): State<ExportState>, caller: Caller, uri: Uri) -> Result<Response, AppError> {
    let filter = filter_of(&uri)?;
    let place = export_place(&state.exports, &caller)?;
    let batches = ThreadBatches::new(&state, &caller, filter).await?;
    state.note(&caller, "export.csv", "reports", asked(&uri)).await?;
    let body = streamed(
        csv::head(),
        batches,
        |threads| {
            let mut out = String::new();
            csv::push_threads(&mut out, threads);
            Ok(out)
        },
        String::new(),
    );
    let body = crate::http::per_account::held(body, place);
    attachment(csv::CONTENT_TYPE, &format!("{}.csv", file_stem(Utc::now())), body)
}

/// `GET /api/exports/reports.geojson`: streamed (see [`streamed`]), the
/// same bytes as the collection serialised whole.
pub async fn geojson_export(State(state): State<ExportState>, caller: Caller, uri: Uri) -> Result<Response, AppError> {
    let filter = filter_of(&uri)?;
    let place = export_place(&state.exports, &caller)?;
    let batches = ThreadBatches::new(&state, &caller, filter).await?;
    state.note(&caller, "export.geojson", "reports", asked(&uri)).await?;
    let (head, tail) = geojson::frame();
    let mut first = true;
    let body = streamed(
        head,
        batches,
        move |threads| {
            let mut out = String::new();
            for thread in threads {
                if !std::mem::take(&mut first) {
                    out.push(',');
                }
                let feature = serde_json::to_string(&geojson::feature(thread))
                    .map_err(|e| AppError::Internal(format!("GeoJSON: {e}")))?;
                out.push_str(&feature);
            }
            Ok(out)
        },
        tail,
    );
    let body = crate::http::per_account::held(body, place);
    attachment(
        geojson::CONTENT_TYPE,
        &format!("{}.geojson", file_stem(Utc::now())),
        body,
    )
}

/// The query of the CAP export: which record's alert (default: the latest).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CapQuery {
    #[serde(default)]
    record: Option<String>,
}

/// `GET /api/threads/{id}/cap`.
pub async fn cap_export(
    State(state): State<ExportState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> Result<Response, AppError> {
    let Path(id) = path?;
    let id = parse_id(&id, "thread")?;
    let query = axum::extract::Query::<CapQuery>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let thread = thread(&state.pool, &state.rules, &caller, id).await?;
    if thread.summary.hazard {
        return Err(AppError::NotApplicable(format!(
            "thread {id} is a hazard (风险隐患), not an incident: CAP alerts are made for incidents; \
             its records are in the CSV and GeoJSON exports"
        )));
    }
    // `record=` with nothing is a bad id, not "the latest": the
    // description says a UUID (schemathesis sends it).
    let index = match query.record.as_deref() {
        None => thread.written_stage_at(thread.records.len() - 1),
        Some(text) => {
            let record = parse_id(text, "record")?;
            thread
                .records
                .iter()
                .position(|r| r.report().id == record)
                .ok_or_else(|| AppError::NotFound(format!("no record {record} in thread {id}")))?
        }
    };
    let xml = cap::alert(&thread, index, &state.cap_sender);
    let record = thread.records[index].report().id;
    state
        .note(
            &caller,
            "export.cap",
            &id.to_string(),
            serde_json::json!({ "record": record.to_string() }),
        )
        .await?;
    let name = format!("kuaibao-cap-{record}.xml");
    attachment(cap::CONTENT_TYPE, &name, xml)
}

/// `GET /api/reports/{id}/written`: the written report of the whole
/// thread this record belongs to (as `GET /api/threads/{id}/written`).
pub async fn written_report(
    State(state): State<ExportState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let Path(id) = path?;
    let id = parse_id(&id, "report")?;
    let stored = reports::get(&state.pool, id, &caller.scope())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no report {id}")))?;
    written_page(&state, &caller, stored.report.thread_id()).await
}

/// `GET /api/threads/{id}/written`: the printable 书面报告 of the thread,
/// every record in stage order, with its signing.
pub async fn written_thread(
    State(state): State<ExportState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let Path(id) = path?;
    let id = parse_id(&id, "thread")?;
    written_page(&state, &caller, id).await
}

/// The written report page of thread `id` as `caller` may read it: shown,
/// not downloaded, so it prints from the browser.
async fn written_page(state: &ExportState, caller: &Caller, id: ReportId) -> Result<Response, AppError> {
    // Up to `MAX_PRINTED_IMAGE_BYTES` of pictures read and set in a page
    // held until it is read: one of an account's export places, so no one
    // account holds that many times over.
    let place = export_place(&state.exports, caller)?;
    let thread = thread(&state.pool, &state.rules, caller, id).await?;
    let mut photos = Vec::with_capacity(thread.records.len());
    // A 续报 carries its 首报's photos on: each is printed once, under the
    // first record that has it.
    let mut printed: Vec<String> = Vec::new();
    // Pictures only (a clip or a voice note is not printed, nor read), and
    // at most `MAX_PRINTED_IMAGE_BYTES` of them, by their announced size.
    let mut budget = written::MAX_PRINTED_IMAGE_BYTES;
    for record in &thread.records {
        let status = crate::db::photos::of_report(&state.pool, record.report()).await?;
        let mut thumbnails = Vec::new();
        let mut shown_before = 0;
        let mut left_out = 0;
        for p in status.photos.iter().filter(|p| p.arrived_at.is_some()) {
            if printed.contains(&p.sha256) {
                shown_before += 1;
                continue;
            }
            printed.push(p.sha256.clone());
            if kuaibao_core::photo::media::Media::of(&p.mime) != Some(kuaibao_core::photo::media::Media::Photo) {
                continue;
            }
            if p.size > budget {
                left_out += 1;
                continue;
            }
            budget -= p.size;
            let Some(key) = crate::db::photos::stored_key(&state.pool, &p.sha256).await? else {
                continue;
            };
            // A photo marked arrived but gone from the store is left out of
            // the page (its count still says it arrived; fsck reports it).
            let bytes = match state.uploads.store().get(&key).await {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(e) => return Err(AppError::Internal(e.to_string())),
            };
            if let Some(mime) = kuaibao_core::photo::sniff_image(&bytes) {
                thumbnails.push(written::Thumbnail { mime, bytes });
            }
        }
        photos.push(written::RecordPhotos {
            status,
            thumbnails,
            shown_before,
            left_out,
        });
    }
    let signatures = crate::db::signatures::of_thread(&state.pool, id).await?;
    let html = written::page(&thread, &photos, &signatures);
    // The page as printed and sent up the chain: its hash ties a paper copy
    // to this request.
    let sha256 = crate::storage::hex_sha256(html.as_bytes());
    state
        .note(
            caller,
            "export.written",
            &id.to_string(),
            serde_json::json!({ "sha256": sha256, "signed": signatures.len() }),
        )
        .await?;
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
        ],
        crate::http::per_account::held(axum::body::Body::from(html), place),
    )
        .into_response())
}
