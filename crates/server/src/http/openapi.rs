//! `GET /api/openapi.json`: the API described as OpenAPI 3.1, for other
//! systems, for API tools, and for the property-based tests (schemathesis)
//! that throw generated requests at every operation.
//!
//! The schemas of the bodies come from the very types the server and the
//! phone use (`utoipa::ToSchema`, derived in the core behind its `openapi`
//! feature), so they cannot drift from what is sent. The operations are
//! declared here, apart from the handlers, because the handlers' files are
//! not the place for documentation of the whole; a test checks that the
//! router serves exactly the paths and methods described here, and another
//! that real answers match their schemas.
//!
//! A few answer types live in the server's storage layer, which stays free
//! of documentation concerns: they are mirrored below ([`StoredReport`] and
//! friends) with the same field names, and the conformance test catches any
//! difference.

use std::sync::OnceLock;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kuaibao_core::account::{LoginRequest, Session, SessionInfo};
use kuaibao_core::rules::deadlines::RuleSet;
use kuaibao_core::rules::grading::GradingRule;
use kuaibao_core::wire::protocol::{ApiError, Health, Receipt, Restore};
use kuaibao_core::wire::sms::SmsMessage;
use kuaibao_core::{PhotoId, Report, ReportId, Template};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

use super::error::AppError;
use super::health::Ready;
use super::NO_CACHE;

/// Where the description is served.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// The name of the bearer security scheme in the document.
pub const BEARER_SCHEME: &str = "bearer";

/// The whole description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "快报 Kuaibao",
        description = "Incident and hazard reports from grid workers' phones: sent once, stored \
                       idempotently by the phone-made id, photos after over tus 1.0. Every error \
                       is an `ApiError`. Every request but health, readiness, templates, this \
                       description, tus `OPTIONS` and the login needs `Authorization: Bearer <token>` \
                       from `POST /api/session` (the metrics also take the scraper's own token).",
        license(name = "MIT")
    ),
    paths(
        health,
        ready,
        metrics,
        login,
        whoami,
        logout,
        list_reports,
        submit_report,
        paste_sms,
        gateway_sms,
        get_report,
        report_photos,
        my_threads,
        thread_records,
        get_thread,
        templates,
        photo_bytes,
        export_csv,
        export_geojson,
        export_cap,
        written_report,
        written_thread,
        list_signatures,
        sign_written,
        statistics_csv,
        office_statistics,
        office_inbox,
        office_hazards,
        office_accountability,
        office_accountability_csv,
        office_events,
        office_map,
        acknowledge,
        ask_follow_up,
        my_requests,
        report_crash,
        list_crashes,
        openapi_json,
        tus_options,
        tus_create,
        tus_upload_options,
        tus_head,
        tus_patch,
        tus_delete,
    ),
    components(schemas(ApiError, Health, Ready, Receipt, Restore, Report, LoginRequest, Session, SessionInfo, SmsMessage, TusResumable)),
    modifiers(&BearerScheme),
    tags(
        (name = "health", description = "Is the server there, and what time is it; may a load balancer send it requests"),
        (name = "operations", description = "Figures for monitoring, in the Prometheus text format"),
        (name = "session", description = "Log in and out"),
        (name = "reports", description = "Reports and their threads of stages"),
        (name = "sms", description = "短信首报: first records that came as text messages, pasted at the desk or forwarded by an SMS gateway"),
        (name = "photos", description = "Which photos arrived, and their bytes"),
        (name = "uploads", description = "tus 1.0 resumable uploads of photos (creation, checksum, expiration, termination)"),
        (name = "catalogue", description = "Templates, grading rules and deadlines"),
        (name = "exports", description = "Reports as CSV, GeoJSON, CAP 1.2 alerts and printable written reports"),
        (name = "office", description = "The duty office: inbox, hazard ledger, statistics, live changes, acknowledgements, requests for a follow-up and signing written reports"),
        (name = "crashes", description = "Crash reports from the phones, and their list for administrators"),
        (name = "meta", description = "This description"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer scheme the operations name.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The `token` of a `Session` from `POST /api/session`"))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, made once (at the first request): it cannot
/// change while the server runs.
pub fn document_json() -> Result<&'static [u8], AppError> {
    static JSON: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).map_err(|e| e.to_string())?;
        // A report this server accepts, as the example of a submission: for
        // readers, and so API testers start from a valid body.
        if let Some(media) = doc.pointer_mut("/paths/~1api~1reports/post/requestBody/content/application~1json") {
            if let (Some(media), Some(example)) = (media.as_object_mut(), example_report()) {
                media.insert("example".to_owned(), example);
            }
        }
        serde_json::to_vec(&doc).map_err(|e| e.to_string())
    })
    .as_ref()
    .map(Vec::as_slice)
    .map_err(|e| AppError::Internal(format!("cannot encode the OpenAPI document: {e}")))
}

/// The core's example of a general incident report, written now about an
/// event an hour ago, with a fresh UUIDv7 (a fixed id would be a conflict
/// once the example changed). `None` if the system's random source fails.
fn example_report() -> Option<serde_json::Value> {
    use kuaibao_core::rules::catalogue::GENERAL_INCIDENT;
    use kuaibao_core::wire::timestamp::beijing;

    let now = Utc::now().with_timezone(&beijing());
    let mut random = [0u8; 10];
    getrandom::fill(&mut random).ok()?;
    let mut report = kuaibao_core::rules::examples::report(&GENERAL_INCIDENT, kuaibao_core::Stage::Initial);
    report.id = ReportId::from_parts(u64::try_from(now.timestamp_millis()).ok()?, random);
    report.written_at = now.fixed_offset();
    let occurred = (now - chrono::TimeDelta::hours(1)).format("%Y-%m-%dT%H:%M").to_string();
    report.answers.insert("occurred_at".to_owned(), occurred);
    serde_json::to_value(report).ok()
}

/// `GET /api/openapi.json`.
pub async fn serve() -> Result<Response, AppError> {
    let body = document_json()?;
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// Mirrors of answer types defined in the storage layer (same names, same
// fields; see the module's note).

/// A stored report with its receipt, and how many of its photos arrived.
#[derive(ToSchema)]
#[allow(dead_code)] // a description only: never built
pub struct StoredReport {
    receipt: Receipt,
    report: Report,
    photos: PhotoCount,
    /// The account it came under; absent on records stored before accounts.
    author: Option<kuaibao_core::wire::protocol::RecordAuthor>,
}

/// How many photos a report announces and how many have arrived.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotoCount {
    expected: u32,
    arrived: u32,
}

/// The records of one thread, in stage order.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Thread {
    /// The id of the thread's first record.
    thread: ReportId,
    records: Vec<StoredReport>,
}

/// The photos of one report.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportPhotos {
    expected: u32,
    arrived: u32,
    photos: Vec<PhotoStatus>,
}

/// One photo of a report, and whether it has arrived.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotoStatus {
    photo_id: PhotoId,
    blank: String,
    /// Lowercase hex SHA-256 of the bytes.
    sha256: String,
    size: u64,
    mime: String,
    /// When the server first held an exact copy; `null` while awaited.
    arrived_at: Option<DateTime<Utc>>,
}

/// The catalogue (`GET /api/templates`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Catalogue {
    /// Every template of every version.
    templates: Vec<Template>,
    /// What a new report may be started with.
    offered: Vec<Offered>,
    grading: Vec<GradingRule>,
    /// The deadline rules this server applies (`KUAIBAO_RULES`, else the
    /// national set): phones count their deadlines by them.
    deadlines: RuleSet,
}

/// A template a new report may be started with.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Offered {
    id: String,
    version: u32,
}

/// The inbox's filter (`kuaibao_core::desk::office::Filter`) as the exports'
/// query. The times are described as plain strings (RFC 3339 in words):
/// with `format: date-time`, API fuzzers count a value that serialises to
/// no parameter at all (an empty list) as a malformed time that must be
/// refused.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ExportFilter {
    /// An area id: that area and everything below it.
    area: Option<String>,
    /// A template id (the kind of incident, or `hazard`).
    category: Option<String>,
    /// This grade or graver: `I`, `II`, `III` or `IV`.
    grade: Option<String>,
    /// `open` (not finished yet) or `finished` (终报 or closed).
    stage: Option<String>,
    /// First received at or after this time (RFC 3339, e.g. `2026-11-23T08:00:00+08:00`).
    since: Option<String>,
    /// First received before this time (RFC 3339).
    until: Option<String>,
}

/// A page of a list (`kuaibao_core::wire::page`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// Rows in the page, 1 to 1000 (100 by default).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// Where the page starts: the `after` of a `Link` the server gave
    /// (opaque; absent for the first page).
    after: Option<String>,
}

/// The statistics' query (`kuaibao_core::desk::statistics::StatsQuery`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StatsParams {
    /// An area id: that area and everything below it (in the caller's area).
    area: Option<String>,
    /// Roll rows up to this level: `district`, `township`, `village` or
    /// `grid`. By default each incident counts under the area it was
    /// reported in.
    level: Option<String>,
    /// First event day, Beijing date `YYYY-MM-DD`, inclusive.
    from: Option<String>,
    /// Last event day, inclusive.
    to: Option<String>,
    /// A template id (the kind of incident).
    category: Option<String>,
}

/// The tus version every tus request but `OPTIONS` must name; without it,
/// 412 with `Tus-Version`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum TusResumable {
    #[schema(rename = "1.0.0")]
    V1,
}

// ---------------------------------------------------------------------------
// The refusals operations share. Each status is what the server answers;
// every one carries an `ApiError`.

/// Refusals of any request that needs a session.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NeedsSession {
    /// No live session: log in (again).
    #[response(status = 401)]
    Unauthorized(ApiError),
    /// Too many requests from this session (or, for a token that opens no
    /// session, from this address); see `Retry-After`.
    #[response(status = 429, headers(("Retry-After" = u32, description = "Seconds to wait")))]
    RateLimited(ApiError),
}

/// Refusals of a request without a session.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NoSession {
    /// Too many requests without a session from this address
    /// (`KUAIBAO_ANON_RATE_PER_MIN`); see `Retry-After`.
    #[response(status = 429, headers(("Retry-After" = u32, description = "Seconds to wait")))]
    RateLimited(ApiError),
}

/// Refusals of a JSON body.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BadBody {
    /// Not JSON of the right shape.
    #[response(status = 400)]
    BadRequest(ApiError),
    /// Larger than the API's body limit.
    #[response(status = 413)]
    TooLarge(ApiError),
    /// Not declared `Content-Type: application/json`.
    #[response(status = 415)]
    NotJson(ApiError),
}

/// The storage is busy or full.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Unavailable {
    /// The database is busy: nothing was stored; retry shortly.
    #[response(status = 503, headers(("Retry-After" = u32, description = "Seconds to wait")))]
    Busy(ApiError),
    /// The server's storage is full: nothing was stored; retry later.
    #[response(status = 507, headers(("Retry-After" = u32, description = "Seconds to wait")))]
    Full(ApiError),
}

/// Refusals of a path id.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ById {
    /// The id is not a UUID.
    #[response(status = 400)]
    BadId(ApiError),
    /// Nothing by that id that the caller may read.
    #[response(status = 404)]
    NotFound(ApiError),
}

/// Refusals every tus request but `OPTIONS` may get.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum TusRefusals {
    /// A header is missing or malformed.
    #[response(status = 400)]
    BadRequest(ApiError),
    /// No such upload (or not the caller's).
    #[response(status = 404)]
    NotFound(ApiError),
    /// The upload expired or was terminated.
    #[response(status = 410)]
    Gone(ApiError),
    /// `Tus-Resumable: 1.0.0` is missing.
    #[response(status = 412, headers(("Tus-Version" = String)))]
    NotTus(ApiError),
    /// Another request holds the upload.
    #[response(status = 423)]
    Locked(ApiError),
}

// ---------------------------------------------------------------------------
// The operations. These functions are never called: each only carries the
// description of the handler named in its doc line (the handlers live in
// their own files).

/// The server is up and its database answers; the server's clock.
#[utoipa::path(get, path = "/api/health", tag = "health",
    responses((status = 200, body = Health, description = "Ready"), NoSession, Unavailable))]
#[allow(dead_code)]
fn health() {}

/// Readiness, for a load balancer: 200 while the database answers a
/// trivial query and the data dir takes a file, each within 2 s; 503
/// otherwise, and from the moment the server begins to shut down (it then
/// finishes the requests in flight and turns new ones away with 503).
/// Public, limited like health.
#[utoipa::path(get, path = "/api/ready", tag = "health",
    responses(
        (status = 200, body = Ready, description = "Ready: send it requests"),
        (status = 503, body = ApiError, description = "Not ready, the message (Chinese first) saying why: \
            the database or the data dir does not answer, or the server is shutting down",
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
        NoSession,
    ))]
#[allow(dead_code)]
fn ready() {}

/// The server's figures in the Prometheus text format 0.0.4: requests by
/// route template and status class, their latency, requests in flight, the
/// database pool, the password-check queue, live-change queues, photo
/// uploads being written and the process's start time. For the scraper's
/// token (`KUAIBAO_METRICS_TOKEN`, as a bearer token) or an
/// administrator's session.
#[utoipa::path(get, path = "/api/metrics", tag = "operations", security(("bearer" = [])),
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        (status = 403, body = ApiError, description = "A session, but not an administrator's"),
        NeedsSession,
    ))]
#[allow(dead_code)]
fn metrics() {}

/// Log in: a new session and its bearer token. Wrong username and wrong
/// password get the same 401. A 503 also when too many logins already
/// wait for a password check.
#[utoipa::path(post, path = "/api/session", tag = "session",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 201, body = Session, description = "Logged in"),
        (status = 401, body = ApiError, description = "Wrong username or password"),
        (status = 403, body = ApiError, description = "The right password of a disabled account (`forbidden`): the \
         message says to phone the duty office and ask the administrator"),
        (status = 422, body = ApiError, description = "A field is empty, too long or not a UUID (`fields` names each)"),
        (status = 429, body = ApiError, description = "Too many failed logins for this username (from this address, \
            or from all together) or from this address, or too many requests without a session from this address",
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
        BadBody, Unavailable,
    ))]
#[allow(dead_code)]
fn login() {}

/// Who the token belongs to, and until when.
#[utoipa::path(get, path = "/api/session", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = SessionInfo, description = "The session"), NeedsSession, Unavailable))]
#[allow(dead_code)]
fn whoami() {}

/// Log out: the token is refused from now on.
#[utoipa::path(delete, path = "/api/session", tag = "session", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), NeedsSession, Unavailable))]
#[allow(dead_code)]
fn logout() {}

/// The reports the caller may read (a reporter her own; an officer his
/// area's), in arrival order, a page at a time: follow the `Link` header's
/// `rel="next"` address for the next page (keyset pagination: reports
/// arriving meanwhile never shift or repeat a page).
#[utoipa::path(get, path = "/api/reports", tag = "reports", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Vec<StoredReport>, description = "One page of the reports",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "An unknown, repeated or bad parameter: `fields` names each"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn list_reports() {}

/// Submit a report, idempotently by its id: 201 the first time, 200 with
/// the same receipt for a replay.
#[utoipa::path(post, path = "/api/reports", tag = "reports", security(("bearer" = [])),
    params(("x-kuaibao-clock" = Option<String>, Header, example = "1795399200000",
        description = "The phone's clock when it sent the request, in milliseconds since the Unix epoch. \
                       A value that is not such a number is ignored: the clock's offset is then not measured")),
    request_body(content = Report, content_type = "application/json"),
    responses(
        (status = 201, body = Receipt, description = "Stored"),
        (status = 200, body = Receipt, description = "Stored before: the first receipt again"),
        (status = 403, body = ApiError, description = "The sender may not add this record to its thread: \
            another's thread outside the sender's area, or a hazard's closing by a reporter. \
            `fields` names `thread` with the code `not_permitted`; nothing is stored"),
        (status = 409, body = ApiError, description = "The id is stored with other content, or a photo id with other bytes \
            or announced by another sender"),
        (status = 422, body = ApiError, description = "Answers not acceptable: `fields` names each"),
        (status = 425, body = ApiError, description = "A hazard's 整改中 or 已整改 whose finding has not arrived yet: \
            nothing is stored; send it again after the finding (`Retry-After` says when to try)"),
        BadBody, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn submit_report() {}

/// A duty officer enters a 短信首报 as it arrived: the text becomes the
/// record the phone holds, under its id, for the account it names (in the
/// officer's area or below). When the app later sends the record, it
/// completes this one (same id, photos added) and its receipt says
/// `via_sms`. Idempotent: the same text again, or a text of a record the
/// app delivered first, answers the stored receipt with 200.
#[utoipa::path(post, path = "/api/sms", tag = "sms", security(("bearer" = [])),
    request_body(content = SmsMessage, content_type = "application/json"),
    responses(
        (status = 201, body = Receipt, description = "Stored from the text"),
        (status = 200, body = Receipt, description = "Stored before (by SMS or by the app): its receipt"),
        (status = 400, body = ApiError, description = "The text is not a whole, unchanged Kuaibao SMS (`fields` names             `text` with `garbled` for a text cut short or changed), names no active account (`username`), or `from`             is not a phone number; nothing is stored"),
        (status = 403, body = ApiError, description = "The caller is a reporter, or the text's account is outside the             caller's area (`fields` names `text` with `not_permitted`); nothing is stored"),
        (status = 409, body = ApiError, description = "The id is stored with other content"),
        (status = 422, body = ApiError, description = "Answers not acceptable: `fields` names each"),
        BadBody, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn paste_sms() {}

/// An SMS gateway forwards a 短信首报, authenticated by its own secret
/// (`KUAIBAO_SMS_GATEWAY_TOKEN`) rather than a session (401 when it is
/// missing or wrong; requests count against the address's rate, 429). `from` is required
/// (kept, not trusted), and the text must be sealed by a session of the
/// account it names (`#KB2`). Answers as `POST /api/sms`; 401 also when no
/// gateway is configured.
#[utoipa::path(post, path = "/api/sms/gateway", tag = "sms", security(("bearer" = [])),
    request_body(content = SmsMessage, content_type = "application/json"),
    responses(
        (status = 201, body = Receipt, description = "Stored from the text"),
        (status = 200, body = Receipt, description = "Stored before (by SMS or by the app): its receipt"),
        (status = 400, body = ApiError, description = "Not a whole, unchanged Kuaibao SMS, no `from`, or no such active             account; nothing is stored"),
        (status = 403, body = ApiError, description = "The text is not sealed by a session of its account             (`fields` names `text` with `not_permitted`); nothing is stored"),
        (status = 409, body = ApiError, description = "The id is stored with other content"),
        (status = 422, body = ApiError, description = "Not acceptable, `fields` naming each fault: not a whole, \
            unchanged Kuaibao SMS (`text`), no `from`, no such active account (`username`), or answers not \
            acceptable; nothing is stored"),
        BadBody, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn gateway_sms() {}

/// One report, if the caller may read it.
#[utoipa::path(get, path = "/api/reports/{id}", tag = "reports", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The report's id")),
    responses((status = 200, body = StoredReport, description = "The report"), ById, NeedsSession, Unavailable))]
#[allow(dead_code)]
fn get_report() {}

/// Which photos the report announces, and which have arrived.
#[utoipa::path(get, path = "/api/reports/{id}/photos", tag = "photos", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The report's id")),
    responses((status = 200, body = ReportPhotos, description = "The photos"), ById, NeedsSession, Unavailable))]
#[allow(dead_code)]
fn report_photos() {}

/// The threads the caller began that a phone still keeps (not
/// settled before the deployment's `keep_days` ago: every unfinished one),
/// newest first, each with the caller's records in stage order, a page of
/// threads at a time (follow the `Link` header; a page may hold fewer than
/// `limit`, even none: only a missing link means the end). Any role: a new
/// phone, or one whose storage was cleared, reads them back.
#[utoipa::path(get, path = "/api/threads", tag = "reports", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Vec<Thread>, description = "A page of the threads",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "A bad `limit` or `after`, or an unknown or repeated parameter: `fields` names each"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn my_threads() {}

/// Every record of the threads the caller began, whoever filed it: hers,
/// and the duty office's (a call an officer logged, a hazard he closed, a
/// 续报 or 终报 he filed); in arrival order, a page at a time (`after` is a
/// receipt number; follow the `Link` header). Any role: a phone reads on
/// from where it stopped and keeps what it lacks, so its deadlines and next
/// stages count what the office did and what she filed on another phone.
/// On PostgreSQL a record is listed once 5 s old.
#[utoipa::path(get, path = "/api/thread-records", tag = "reports", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Vec<StoredReport>, description = "A page of the records",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "A bad `limit` or `after`, or an unknown or repeated parameter: `fields` names each"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn thread_records() {}

/// The records of one thread, in stage order whatever order they arrived in.
#[utoipa::path(get, path = "/api/threads/{id}", tag = "reports", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The thread's id: the id of its first record")),
    responses((status = 200, body = Thread, description = "The thread"), ById, NeedsSession, Unavailable))]
#[allow(dead_code)]
fn get_thread() {}

/// Every template of every version, the grading rules and the deadlines.
#[utoipa::path(get, path = "/api/templates", tag = "catalogue",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier answer")),
    responses(
        (status = 200, body = Catalogue, description = "The catalogue", headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given", headers(("ETag" = String))),
    ))]
#[allow(dead_code)]
fn templates() {}

/// A photo's bytes, by their SHA-256, for a caller who may read a record
/// naming them.
#[utoipa::path(get, path = "/api/photos/{sha256}", tag = "photos", security(("bearer" = [])),
    params(("sha256" = String, Path, description = "64 hex digits", pattern = "^[0-9a-fA-F]{64}$")),
    responses(
        (status = 200, description = "The bytes; the type is read from them",
            content(
                (Vec<u8> = "image/jpeg"),
                (Vec<u8> = "image/png"),
                (Vec<u8> = "image/webp"),
            ),
            headers(("ETag" = String))),
        (status = 400, body = ApiError, description = "Not 64 hex digits"),
        (status = 404, body = ApiError, description = "No such photo has arrived, or the caller may not see it"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn photo_bytes() {}

/// Every record the caller may read, one row per record (stage), as CSV:
/// UTF-8 with a byte-order mark, RFC 4180, a Chinese header row. The
/// columns' stable keys, in order: thread_id, record_id, stage,
/// category_id, category, area_id, area, reporter, reporter_name, grade,
/// occurred_at, written_at, received_at, clock_offset_ms, lat, lon,
/// photos_expected, photos_arrived, text, place, phone, responsible,
/// rectify_by, via (应用 or 短信首报, verified or not); then one column per figure
/// (every Count and Amount blank of the catalogue), headed
/// `label（unit）[blank id]`: the same blank id is the same column in every
/// template version, empty where a record's template lacks it. The inbox's
/// filter keeps or drops whole threads.
#[utoipa::path(get, path = "/api/exports/reports.csv", tag = "exports", security(("bearer" = [])),
    params(ExportFilter),
    responses(
        (status = 200, description = "The CSV file (`Content-Disposition: attachment`)",
            content((String = "text/csv")), headers(("Content-Disposition" = String))),
        (status = 400, body = ApiError, description = "The query cannot be read (an unknown parameter, a time that is not RFC 3339)"),
        (status = 422, body = ApiError, description = "A filter value is not acceptable (`fields` names each)"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn export_csv() {}

/// Every thread the caller may read as an RFC 7946 FeatureCollection: one
/// Feature per thread, a Point at `[longitude, latitude]` (WGS-84, as the
/// phone's GPS gives it) or `null` geometry when no record has a position.
#[utoipa::path(get, path = "/api/exports/reports.geojson", tag = "exports", security(("bearer" = [])),
    params(ExportFilter),
    responses(
        (status = 200, description = "The GeoJSON file (`Content-Disposition: attachment`)",
            content((Object = "application/geo+json")), headers(("Content-Disposition" = String))),
        (status = 400, body = ApiError, description = "The query cannot be read (an unknown parameter, a time that is not RFC 3339)"),
        (status = 422, body = ApiError, description = "A filter value is not acceptable (`fields` names each)"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn export_geojson() {}

/// An incident thread's record as an OASIS CAP 1.2 alert: `Alert` for the
/// first record, `Update` with `references` for later stages; scope
/// `Restricted`. Hazards are not alerts: 409.
#[utoipa::path(get, path = "/api/threads/{id}/cap", tag = "exports", security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "The thread's id: the id of its first record"),
        ("record" = Option<uuid::Uuid>, Query, description = "Which record's alert; the latest by default"),
    ),
    responses(
        (status = 200, description = "The CAP 1.2 alert (`Content-Disposition: attachment`)",
            content((String = "application/cap+xml")), headers(("Content-Disposition" = String))),
        (status = 409, body = ApiError, description = "The thread is a hazard, not an incident"),
        ById, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn export_cap() {}

/// The printable written report (书面报告) of the thread this record
/// belongs to: the same page as `GET /api/threads/{id}/written`.
#[utoipa::path(get, path = "/api/reports/{id}/written", tag = "exports", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The id of one of the thread's records")),
    responses(
        (status = 200, description = "The page", content((String = "text/html"))),
        ById, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn written_report() {}

/// A thread as a printable written report (书面报告), an HTML page for A4:
/// 报送单位, 报送对象, 签发人, 审核人 and 签发时间 of its latest signing (or
/// that it is not signed yet), the grade and why, then every record in
/// stage order with its filled sentence, its three times (Beijing time),
/// the clock offset, the reporter and its photos as thumbnails (`data:`
/// URLs). Records received after the latest signing are marked as not
/// signed. No scripts; print it from the browser.
#[utoipa::path(get, path = "/api/threads/{id}/written", tag = "exports", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The thread's id: the id of its first record")),
    responses(
        (status = 200, description = "The page", content((String = "text/html"))),
        ById, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn written_thread() {}

/// The signings of the thread's written report, oldest first, a page at a
/// time (follow the `Link` header). Officers and administrators whose area
/// has a record of the thread.
#[utoipa::path(get, path = "/api/threads/{id}/signatures", tag = "office", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The thread's id: the id of its first record"), PageParams),
    responses(
        (status = 200, body = Vec<kuaibao_core::desk::signing::Signature>, description = "A page of the signings",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "The id is not a UUID, or a bad `limit` or `after` (`fields` names it)"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        (status = 404, body = ApiError, description = "No record of the thread in the caller's area"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn list_signatures() {}

/// Sign the thread's written report (签发) as 签发人, naming the 审核人 and
/// the recipient (上级单位); the 报送单位 is the officer's area.
/// Idempotent by the id the browser made: 201 the first time, 200 with the
/// stored one for a replay, 409 for the id with other content. Only
/// officers and administrators of the thread's area or above; audited.
#[utoipa::path(post, path = "/api/threads/{id}/signatures", tag = "office", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The thread's id: the id of its first record")),
    request_body(content = kuaibao_core::desk::signing::Sign, content_type = "application/json"),
    responses(
        (status = 201, body = kuaibao_core::desk::signing::Signature, description = "Stored"),
        (status = 200, body = kuaibao_core::desk::signing::Signature, description = "Stored before: the same again"),
        (status = 400, body = ApiError, description = "The id is not a UUID, or the body is not JSON of the right shape"),
        (status = 403, body = ApiError, description = "A reporter's account, or an office below the thread's area (`fields` names `thread`)"),
        (status = 404, body = ApiError, description = "No record of the thread in the caller's area"),
        (status = 409, body = ApiError, description = "The signing's id is stored with other content"),
        (status = 413, body = ApiError, description = "Larger than the API's body limit"),
        (status = 415, body = ApiError, description = "Not declared `Content-Type: application/json`"),
        (status = 422, body = ApiError, description = "`recipient` or `reviewer` empty, too long or with control characters, or `report_id` not a record of this thread (`fields` names each)"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn sign_written() {}

/// A crash of the phone's app (a panic or trap of its wasm, an uncaught JS
/// error or rejection), recorded on the phone and sent when it was online.
/// Any logged-in account. Idempotent by the id the phone made: 201 the first
/// time, 200 for a replay, 409 for the id with other content. At most
/// `kuaibao_core::wire::crash::MAX_PER_ACCOUNT_PER_HOUR` (60) stored per account
/// an hour: beyond, 429 with `Retry-After` and nothing stored. Audited.
#[utoipa::path(post, path = "/api/crashes", tag = "crashes", security(("bearer" = [])),
    request_body(content = kuaibao_core::wire::crash::CrashReport, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored"),
        (status = 200, description = "Stored before: nothing new"),
        (status = 400, body = ApiError, description = "The body is not JSON of the right shape"),
        (status = 409, body = ApiError, description = "The id is stored with other content"),
        (status = 413, body = ApiError, description = "Larger than the API's body limit"),
        (status = 415, body = ApiError, description = "Not declared `Content-Type: application/json`"),
        (status = 422, body = ApiError, description = "`id`, `build`, `page` or `message` empty, too long or with control characters (`fields` names each)"),
        (status = 429, body = ApiError, description = "This account stored its hourly bound of crash reports, or too many requests: wait `Retry-After` seconds", headers(("Retry-After" = u32, description = "Seconds to wait"))),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn report_crash() {}

/// The phones' crash reports of accounts of the caller's area and below:
/// a page of the reports, newest first, with who sent them from which
/// device (follow the `Link` header), and on the first page each build's
/// count (the build with the latest crash first). Administrators only.
#[utoipa::path(get, path = "/api/crashes", tag = "crashes", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = kuaibao_core::wire::crash::CrashList, description = "A page of the reports (and, first, the counts per build)",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "A bad `limit` or `after`, or an unknown or repeated parameter: `fields` names each"),
        (status = 403, body = ApiError, description = "Not an administrator"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn list_crashes() {}

/// Incidents counted and their figures summed by area × event day (Beijing
/// time) × category, as CSV (UTF-8 with a BOM, RFC 4180): 事件日期, 区域代码,
/// 区域, 类别代码, 类别, 事件数, then one column per figure headed
/// `label（unit）[blank id]`, and a last row 合计. Each incident counts once,
/// with the latest figures its records gave (a 续报 supersedes a 首报); an
/// empty cell is a figure none of the row's incidents gave. Hazards are not
/// counted. Officers and administrators only, their area and below.
#[utoipa::path(get, path = "/api/exports/statistics.csv", tag = "exports", security(("bearer" = [])),
    params(StatsParams),
    responses(
        (status = 200, description = "The CSV file (`Content-Disposition: attachment`)",
            content((String = "text/csv")), headers(("Content-Disposition" = String))),
        (status = 400, body = ApiError, description = "A query value is not acceptable (an unknown level, a bad date, `to` before `from`, an area outside the caller's), or an unknown or repeated parameter (`fields` names each)"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn statistics_csv() {}

/// The same statistics table as JSON, for the desk: the figure columns,
/// the rows (by day, then area in tree order, then category) and the
/// total. Officers and administrators only, their area and below.
#[utoipa::path(get, path = "/api/office/statistics", tag = "office", security(("bearer" = [])),
    params(StatsParams),
    responses(
        (status = 200, body = kuaibao_core::desk::statistics::Table, description = "The table"),
        (status = 400, body = ApiError, description = "A query value is not acceptable (an unknown level, a bad date, `to` before `from`, an area outside the caller's), or an unknown or repeated parameter (`fields` names each)"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn office_statistics() {}

/// The duty office's inbox: the threads of the caller's area and below that
/// the filter keeps, and the server's clock, a page at a time: pages walk
/// the threads newest first (by their first record's arrival), each page
/// most urgent first (grade, deadline state, stage, age). A page may hold
/// fewer threads than `limit` when the filter keeps few; only a missing
/// `Link` means the end. `thread` reads one thread's line. Officers and
/// administrators only.
#[utoipa::path(get, path = "/api/office/inbox", tag = "office", security(("bearer" = [])),
    params(ExportFilter, PageParams,
        ("thread" = Option<uuid::Uuid>, Query, description = "One thread's line alone (the desk's page of an incident)")),
    responses(
        (status = 200, body = kuaibao_core::desk::office::Inbox, description = "A page of the inbox",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "A filter value is not acceptable, or an unknown or repeated parameter (`fields` names each)"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn office_inbox() {}

/// The hazard ledger (台账): hazards by the area they were reported in;
/// areas with an overdue rectification first, and overdue hazards first
/// within an area. A page of hazards at a time (newest first, like the
/// inbox; follow the `Link` header): an area may come again on a later
/// page. Officers and administrators only.
#[utoipa::path(get, path = "/api/office/hazards", tag = "office", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = kuaibao_core::desk::office::Ledger, description = "A page of the ledger",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "A bad `limit` or `after`, or an unknown or repeated parameter: `fields` names each"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn office_hazards() {}

/// The accountability ledger (问责台账) of the caller's area and below:
/// reports received after their deadline (`written_late`, or
/// `delivered_late` when written in time: evidence in `received_at`,
/// `written_at` corrected by the phone's clock offset, and
/// `clock_offset_ms`), deadlines passed with nothing received (`missed`),
/// the office's own steps up the chain signed after their deadline
/// (`forwarded_late`, its reporter the office), follow-up requests
/// unanswered, natural-disaster threads with no 核报 after the rules'
/// `final_report_days`, overdue hazards, and major hazards due within a
/// week (`major_hazard_due_soon`, a warning). Gravest kind
/// first within a page; a page holds the entries of up to `limit` threads
/// (newest first, like the inbox; follow the `Link` header). Officers and
/// administrators only.
#[utoipa::path(get, path = "/api/office/accountability", tag = "office", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = kuaibao_core::desk::accountability::Accountability, description = "A page of the ledger",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "A bad `limit` or `after`, or an unknown or repeated parameter: `fields` names each"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn office_accountability() {}

/// The accountability ledger as CSV: UTF-8 with a byte-order mark, a
/// Chinese header row, one row per entry (the columns' stable keys are
/// `kuaibao_core::desk::accountability::CSV_COLUMNS`), cells a spreadsheet would
/// run as formulas prefixed with `'`. Officers and administrators only.
#[utoipa::path(get, path = "/api/office/accountability.csv", tag = "office", security(("bearer" = [])),
    responses(
        (status = 200, description = "The CSV file (`Content-Disposition: attachment`)",
            content((String = "text/csv")), headers(("Content-Disposition" = String))),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn office_accountability_csv() {}

/// Server-sent events: one `data:` line per change to a thread of the
/// caller's area and below, a `Change` as JSON (`{"thread_id":…,"kind":…}`),
/// no event name. Comment lines (`:`) at once and every 15 s keep it
/// alive. `kind` `reload` (nil thread id): changes were missed, reload the
/// inbox. Needs the bearer token (read it with `fetch`); ends when the
/// session expires or the server stops. Officers and administrators only.
#[utoipa::path(get, path = "/api/office/events", tag = "office", security(("bearer" = [])),
    responses(
        (status = 200, description = "The stream of `Change`s", content((String = "text/event-stream"))),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn office_events() {}

/// The base map of the office's map: a tile URL template, its datum
/// (`wgs84`, or `gcj02`: points are then shifted for display only; every
/// position the API gives is WGS-84) and credit line; no `tiles` when none
/// is configured. Officers and administrators only.
#[utoipa::path(get, path = "/api/office/map", tag = "office", security(("bearer" = [])),
    responses(
        (status = 200, body = kuaibao_core::desk::geo::MapConfig, description = "The base map"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn office_map() {}

/// Acknowledge a record of the thread (已阅), idempotently by the id the
/// browser made: 201 the first time, 200 with the stored one for a replay.
/// Officers and administrators only, for threads of their area.
#[utoipa::path(post, path = "/api/threads/{id}/acknowledgements", tag = "office", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The thread's id: the id of its first record")),
    request_body(content = kuaibao_core::desk::office::Acknowledge, content_type = "application/json"),
    responses(
        (status = 201, body = kuaibao_core::desk::office::Acknowledgement, description = "Stored"),
        (status = 200, body = kuaibao_core::desk::office::Acknowledgement, description = "Stored before: the same again"),
        (status = 400, body = ApiError, description = "The id is not a UUID, or the body is not JSON of the right shape"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        (status = 404, body = ApiError, description = "No record of the thread in the caller's area"),
        (status = 409, body = ApiError, description = "The acknowledgement's id is stored with other content"),
        (status = 413, body = ApiError, description = "Larger than the API's body limit"),
        (status = 415, body = ApiError, description = "Not declared `Content-Type: application/json`"),
        (status = 422, body = ApiError, description = "`report_id` is not a record of this thread"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn acknowledge() {}

/// Ask the thread's reporter for a follow-up (续报), idempotently by the id
/// the browser made: 201 the first time, 200 with the stored one for a
/// replay. The phone shows it on its next sync (`GET /api/requests`).
/// Officers and administrators only, for threads of their area.
#[utoipa::path(post, path = "/api/threads/{id}/requests", tag = "office", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The thread's id: the id of its first record")),
    request_body(content = kuaibao_core::desk::office::AskFollowUp, content_type = "application/json"),
    responses(
        (status = 201, body = kuaibao_core::desk::office::FollowUpRequest, description = "Stored"),
        (status = 200, body = kuaibao_core::desk::office::FollowUpRequest, description = "Stored before: the same again"),
        (status = 400, body = ApiError, description = "The id is not a UUID, or the body is not JSON of the right shape"),
        (status = 403, body = ApiError, description = "A reporter's account"),
        (status = 404, body = ApiError, description = "No record of the thread in the caller's area"),
        (status = 409, body = ApiError, description = "The request's id is stored with other content"),
        (status = 413, body = ApiError, description = "Larger than the API's body limit"),
        (status = 415, body = ApiError, description = "Not declared `Content-Type: application/json`"),
        (status = 422, body = ApiError, description = "The message is empty, longer than 500 characters or has control characters"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn ask_follow_up() {}

/// The requests for a follow-up on threads the caller sent a record of,
/// oldest first, a page at a time (follow the `Link` header); `answered`
/// once a record of the thread arrived after the request. Any role: the
/// phone reads the open ones (`open=true`) on every sync.
#[utoipa::path(get, path = "/api/requests", tag = "office", security(("bearer" = [])),
    params(PageParams,
        ("open" = Option<bool>, Query, description = "`true`: only the requests not answered yet")),
    responses(
        (status = 200, body = Vec<kuaibao_core::desk::office::FollowUpRequest>, description = "A page of the requests",
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page's address, while there is one"))),
        (status = 400, body = ApiError, description = "A bad `limit`, `after` or `open`, or an unknown or repeated parameter: `fields` names each"),
        NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn my_requests() {}

/// This description.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object), NoSession))]
#[allow(dead_code)]
fn openapi_json() {}

/// tus: what this server supports.
#[utoipa::path(options, path = "/api/uploads", tag = "uploads",
    responses((status = 204, description = "Capabilities", headers(
        ("Tus-Version" = String), ("Tus-Extension" = String), ("Tus-Max-Size" = u64), ("Tus-Checksum-Algorithm" = String),
    )), NoSession))]
#[allow(dead_code)]
fn tus_options() {}

/// tus creation: a new upload for a photo a stored report announced.
#[utoipa::path(post, path = "/api/uploads", tag = "uploads", security(("bearer" = [])),
    params(
        ("Tus-Resumable" = TusResumable, Header),
        ("Upload-Length" = u64, Header, description = "The photo's size in bytes"),
        ("Upload-Metadata" = String, Header,
            description = "`photo_id <base64>,sha256 <base64>[,filetype <base64>]`: the photo as the report announced it"),
    ),
    responses(
        (status = 201, description = "Created", headers(
            ("Location" = String), ("Upload-Offset" = u64), ("Upload-Expires" = String),
        )),
        (status = 413, body = ApiError, description = "Larger than `Tus-Max-Size`"),
        (status = 422, body = ApiError, description = "The length or digest is not what the report announced"),
        (status = 429, body = ApiError, description = "The account holds 64 unfinished uploads already: \
            finish or end some, or wait for them to expire", headers(("Retry-After" = u32))),
        TusRefusals, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn tus_create() {}

/// tus: what this server supports.
#[utoipa::path(options, path = "/api/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id, from the `Location` of its creation")),
    responses((status = 204, description = "Capabilities", headers(
        ("Tus-Version" = String), ("Tus-Extension" = String), ("Tus-Max-Size" = u64), ("Tus-Checksum-Algorithm" = String),
    )), NoSession))]
#[allow(dead_code)]
fn tus_upload_options() {}

/// tus: how many bytes of the upload the server holds.
#[utoipa::path(head, path = "/api/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The upload's id"),
        ("Tus-Resumable" = TusResumable, Header),
    ),
    responses(
        (status = 200, description = "The offset", headers(
            ("Upload-Offset" = u64), ("Upload-Length" = u64), ("Upload-Expires" = String),
        )),
        TusRefusals, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn tus_head() {}

/// tus: bytes at the offset. The last byte in, the whole photo is checked
/// against the announced SHA-256 and stored.
#[utoipa::path(patch, path = "/api/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The upload's id"),
        ("Tus-Resumable" = TusResumable, Header),
        ("Upload-Offset" = u64, Header, description = "Where these bytes go: the server's offset"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1|sha256 <base64 digest>` of this body"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Appended", headers(("Upload-Offset" = u64), ("Upload-Expires" = String))),
        (status = 409, body = ApiError, description = "`Upload-Offset` is not the server's offset",
            headers(("Upload-Offset" = u64))),
        (status = 413, body = ApiError, description = "More bytes than the upload's length"),
        (status = 415, body = ApiError, description = "Not `application/offset+octet-stream`"),
        (status = 422, body = ApiError, description = "The whole is not the announced photo"),
        (status = 460, body = ApiError, description = "Checksum Mismatch: this body is not what `Upload-Checksum` says"),
        TusRefusals, NeedsSession, Unavailable,
    ))]
#[allow(dead_code)]
fn tus_patch() {}

/// tus termination: the upload and its bytes are dropped.
#[utoipa::path(delete, path = "/api/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The upload's id"),
        ("Tus-Resumable" = TusResumable, Header),
    ),
    responses((status = 204, description = "Terminated"), TusRefusals, NeedsSession, Unavailable))]
#[allow(dead_code)]
fn tus_delete() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_encodes_and_names_the_bearer_scheme() {
        let json: serde_json::Value = serde_json::from_slice(document_json().expect("encodes")).expect("JSON");
        assert!(
            json["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "{}",
            json["openapi"]
        );
        assert_eq!(json["components"]["securitySchemes"][BEARER_SCHEME]["scheme"], "bearer");
        for schema in [
            "Report",
            "Receipt",
            "ApiError",
            "LoginRequest",
            "Session",
            "Health",
            "StoredReport",
        ] {
            assert!(json["components"]["schemas"][schema].is_object(), "{schema}");
        }
    }
}
