//! The HTTP side: one router for the API under `/api/` and the app for
//! every other path.

pub mod accountability;
mod admission;
pub mod cors;
mod crashes;
pub mod error;
mod extract;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod office;
pub mod openapi;
pub mod page;
pub mod per_account;
pub mod photos;
pub mod quota;
pub mod rate_limit;
pub mod refusals;
pub mod relay;
mod reports;
pub mod security;
mod session;
mod signatures;
pub mod sms;
mod static_files;
mod templates;
pub mod tus;

use std::path::Path;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use kuaibao_core::photo::tus::UPLOADS_PATH;
use kuaibao_core::wire::protocol::{
    HEALTH_PATH, MY_THREADS_PATH, SESSION_PATH, SUBMIT_REPORT_PATH, THREAD_RECORDS_PATH,
};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

use crate::db::Pool;
use crate::export;
use crate::uploads::Uploads;
use cors::CorsPolicy;
use error::AppError;
use limits::RequestLimits;
use rate_limit::RateLimits;
use security::SecurityHeaders;

pub use static_files::{IMMUTABLE, NO_CACHE};

/// The largest request body the API reads. A report is a few KiB of text;
/// this leaves room for long answers while keeping a flood of junk cheap.
pub const API_BODY_LIMIT: usize = 256 * 1024;

/// One report, for the duty office (under [`SUBMIT_REPORT_PATH`]).
pub const REPORT_PATH: &str = "/api/reports/{id}";

/// The records of one thread (`Report::thread_id()`), in stage order.
pub const THREAD_PATH: &str = "/api/threads/{id}";

/// The template catalogue, grading rules and deadlines.
pub const TEMPLATES_PATH: &str = "/api/templates";

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// Photo uploads and the store finished photos are kept in.
    pub uploads: Arc<Uploads>,
    /// How long a new session lasts.
    pub session_lifetime: chrono::Duration,
    /// The `sender` of exported CAP alerts (`KUAIBAO_CAP_SENDER`).
    pub cap_sender: Arc<str>,
    /// Sessions read in the last seconds (see `auth::cache`).
    pub sessions: Arc<crate::auth::cache::SessionCache>,
    /// The duty office's live changes (`GET /api/office/events`).
    pub changes: office::Changes,
    /// The duty office map's base map (`GET /api/office/map`).
    pub map: Arc<kuaibao_core::desk::geo::MapConfig>,
    /// Where logins' passwords are checked, a few at a time.
    pub passwords: Arc<crate::auth::password::PasswordChecks>,
    /// The deadline rules this deployment applies and serves.
    pub rules: Arc<kuaibao_core::rules::deadlines::RuleSet>,
    /// Where phones send SMS reports, and the gateway's secret.
    pub sms: Arc<sms::SmsSettings>,
    /// How many days phones keep a finished thread (`KUAIBAO_PHONE_KEEP_DAYS`).
    pub keep_days: u32,
    /// Serving or draining (`GET /api/ready`, and the request layer).
    pub lifecycle: Arc<crate::lifecycle::Lifecycle>,
    /// The request counters and the gauges' sources (`GET /api/metrics`).
    pub metrics: Arc<metrics::Metrics>,
    /// Where the database (SQLite) and unfinished uploads are kept; ready
    /// only while it can be written.
    pub data_dir: Arc<Path>,
    /// The exports each account is downloading (see `export::MAX_EXPORTS_PER_ACCOUNT`).
    pub exports: per_account::PerAccount,
    /// What each account may still store today (`KUAIBAO_ACCOUNT_MIB_PER_DAY`).
    pub quotas: Arc<quota::Quotas>,
    /// How many more of each account's refusals the audit log takes this
    /// hour (see `refusals`).
    pub refusals: Arc<refusals::AuditBudget>,
    /// How many more of each account's exports the audit log notes this
    /// hour (see `refusals`).
    pub export_notes: Arc<refusals::AuditBudget>,
    /// How many more failed logins to each account the audit log notes
    /// this hour (see `refusals`).
    pub login_notes: Arc<refusals::AuditBudget>,
    /// Failed logins a username may have in a minute, across every replica
    /// (`KUAIBAO_LOGIN_ACCOUNT_RATE_PER_MIN`, `db::login_failures`).
    pub login_account_rate_per_min: u32,
    /// The last restore from a backup, told to phones by `GET /api/health`
    /// (`db::restores`).
    pub restored: Option<kuaibao_core::wire::protocol::Restore>,
}

impl FromRef<AppState> for crate::auth::Sessions {
    fn from_ref(state: &AppState) -> Self {
        crate::auth::Sessions {
            pool: state.pool.clone(),
            cache: Arc::clone(&state.sessions),
        }
    }
}

impl FromRef<AppState> for export::ExportState {
    fn from_ref(state: &AppState) -> Self {
        export::ExportState {
            pool: state.pool.clone(),
            rules: Arc::clone(&state.rules),
            uploads: Arc::clone(&state.uploads),
            cap_sender: Arc::clone(&state.cap_sender),
            exports: state.exports.clone(),
            notes: Arc::clone(&state.export_notes),
        }
    }
}

/// What guards the application besides sessions: rate limits, CORS, the
/// browser security headers and how long a request may take.
#[derive(Debug, Clone)]
pub struct Protections {
    pub rate_limits: Arc<RateLimits>,
    pub cors: Arc<CorsPolicy>,
    pub headers: Arc<SecurityHeaders>,
    pub limits: RequestLimits,
}

impl Protections {
    /// From the settings, served over HTTPS or not.
    pub fn new(config: &crate::config::Config, https: bool) -> Self {
        Protections {
            rate_limits: RateLimits::new(config),
            cors: CorsPolicy::new(&config.cors_origins),
            headers: SecurityHeaders::new(
                https,
                config
                    .map
                    .tiles
                    .as_ref()
                    .and_then(|t| kuaibao_core::desk::geo::tile_origin(&t.url).ok())
                    .as_deref(),
            ),
            limits: RequestLimits::new(config),
        }
    }
}

/// The paths of the tus routes (`tus::routes`).
const TUS_PATHS: [&str; 2] = [UPLOADS_PATH, tus::UPLOAD_PATH];

/// Every API route but tus's, with its handlers. The OpenAPI document must
/// describe exactly these and tus's (see [`api_paths`]; tested).
fn api_routes(limits: &Arc<RateLimits>) -> Vec<(&'static str, MethodRouter<AppState>)> {
    // Only the login is limited per username and address; the layer sits
    // on its method alone.
    let login = post(session::login).layer(middleware::from_fn_with_state(
        Arc::clone(limits),
        rate_limit::limit_logins,
    ));
    vec![
        (HEALTH_PATH, get(health::health)),
        (health::READY_PATH, get(health::ready)),
        (metrics::METRICS_PATH, get(metrics::serve)),
        (SESSION_PATH, get(session::whoami).merge(login).delete(session::logout)),
        (SUBMIT_REPORT_PATH, get(reports::list).post(reports::submit)),
        (REPORT_PATH, get(reports::get_one)),
        (kuaibao_core::wire::sms::PASTE_PATH, post(sms::paste)),
        (kuaibao_core::wire::sms::GATEWAY_PATH, post(sms::gateway)),
        (MY_THREADS_PATH, get(reports::my_threads)),
        (THREAD_RECORDS_PATH, get(reports::thread_records)),
        (THREAD_PATH, get(reports::get_thread)),
        (TEMPLATES_PATH, get(templates::templates)),
        (photos::REPORT_PHOTOS_PATH, get(photos::of_report)),
        (photos::PHOTO_PATH, get(photos::bytes)),
        (export::CSV_PATH, get(export::csv_export)),
        (export::GEOJSON_PATH, get(export::geojson_export)),
        (export::CAP_PATH, get(export::cap_export)),
        (export::WRITTEN_PATH, get(export::written_report)),
        (export::THREAD_WRITTEN_PATH, get(export::written_thread)),
        (
            signatures::SIGNATURES_PATH,
            get(signatures::list).post(signatures::sign),
        ),
        (
            export::statistics::STATISTICS_CSV_PATH,
            get(export::statistics::statistics_csv),
        ),
        (
            export::statistics::STATISTICS_PATH,
            get(export::statistics::statistics_json),
        ),
        (office::INBOX_PATH, get(office::inbox)),
        (office::HAZARDS_PATH, get(office::hazards)),
        (
            kuaibao_core::desk::accountability::ACCOUNTABILITY_PATH,
            get(accountability::ledger),
        ),
        (
            kuaibao_core::desk::accountability::ACCOUNTABILITY_CSV_PATH,
            get(accountability::csv),
        ),
        (office::EVENTS_PATH, get(office::events)),
        (office::MAP_PATH, get(office::map)),
        (office::ACKNOWLEDGE_PATH, post(office::acknowledge)),
        (office::ASK_PATH, post(office::ask)),
        (office::MY_REQUESTS_PATH, get(office::my_requests)),
        (crashes::CRASHES_PATH, get(crashes::list).post(crashes::report)),
        (openapi::OPENAPI_PATH, get(openapi::serve)),
    ]
}

/// Every path the API serves, in axum's `{param}` form.
pub fn api_paths() -> Vec<&'static str> {
    let limits = RateLimits::new(&crate::config::Config::default());
    api_routes(&limits)
        .into_iter()
        .map(|(path, _)| path)
        .chain(TUS_PATHS)
        .collect()
}

/// The whole application: API, app files, compression and request logs.
pub fn app(state: AppState, static_dir: &Path, protections: Protections) -> Router {
    let Protections {
        rate_limits,
        cors,
        headers,
        limits,
    } = protections;
    let sessions = Arc::clone(&state.sessions);
    let metrics = Arc::clone(&state.metrics);
    let mut api = Router::new();
    for (path, handlers) in api_routes(&rate_limits) {
        // The office's event stream is meant to stay open for hours (its
        // head is sent at once, which is all the limit bounds, but it is
        // kept clear of it all the same). tus is merged below, without it.
        let handlers = if path == office::EVENTS_PATH {
            handlers
        } else {
            handlers.layer(limits.request_layer())
        };
        api = api.route(path, handlers);
    }
    let api = api
        // Unknown API paths answer JSON, not the app's index.html: a phone
        // talking to a newer or older server must see a clear 404.
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
        // tus has its own body rules (see `tus::routes`), so it is merged
        // after the API's body limit is laid on the rest.
        .merge(tus::routes())
        // Whatever refuses a request (axum's own extractors included), the
        // answer is the API's error shape.
        .layer(middleware::from_fn(api_error_shape))
        // Every API request counts against its session's rate, or, without
        // a valid session, against its address's.
        .layer(middleware::from_fn_with_state(
            (rate_limits, sessions),
            rate_limit::limit_requests,
        ))
        // Outermost on each route (laid by `Router::layer`, so the route's
        // template is known): every answer above is counted and timed, and
        // while draining a request is turned away before any of them.
        .layer(middleware::from_fn_with_state(metrics, metrics::track))
        .with_state(state);
    api.fallback_service(static_files::service(static_dir))
        // A bug must not cost the client its connection with no answer:
        // the API's error shape, a 500, and the panic in the log.
        .layer(CatchPanicLayer::custom(panicked))
        // Preflights are answered before routing: the API's routes need
        // not know about `OPTIONS`.
        .layer(middleware::from_fn_with_state(cors, cors::cors))
        .layer(middleware::from_fn_with_state(headers, security::set_headers))
        .layer(CompressionLayer::new())
        // Every body, tus's included, is cut when it sends nothing for a
        // while; the handler reading it then answers 408.
        .layer(limits.body_idle_layer())
        // Method, path, status, latency and the request's id of every
        // request; never bodies.
        .layer(
            TraceLayer::new_for_http().make_span_with(request_span).on_response(
                DefaultOnResponse::new()
                    .level(Level::INFO)
                    .latency_unit(LatencyUnit::Millis),
            ),
        )
        .layer(middleware::from_fn(request_id))
}

/// The header that carries a request's id back to the client.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id the server gave a request (see [`request_id`]).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Gives each request an id of the server's own, in every log line of the
/// request (through its span) and in the answer's `X-Request-Id`: an
/// officer's screenshot of a failure, or a phone's stored refusal, then
/// leads to the lines in the log. A client's own `X-Request-Id` is not
/// taken: it would let anyone write what they like into the log.
async fn request_id(mut request: axum::extract::Request, next: middleware::Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(axum::http::HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    response
}

/// The span every log line of a request is written in: as tower-http's
/// default (method, URI, version), with the request's id.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.extensions().get::<RequestId>().map_or("-", |id| id.0.as_str());
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %request.uri(),
        version = ?request.version(),
        request_id = %id,
    )
}

async fn api_not_found() -> AppError {
    AppError::NotFound("no such API endpoint".to_owned())
}

/// The most of a plain-text refusal kept as the message.
const MAX_MESSAGE_BYTES: usize = 2048;

/// Turns a refusal that is not the API's JSON (a plain-text rejection of an
/// axum extractor, say `Invalid URL` for a path that is not UTF-8) into an
/// [`ApiError`](kuaibao_core::wire::protocol::ApiError) with the same status, its
/// text as the message, and the other headers kept. A safety net: the
/// handlers answer the shape themselves.
async fn api_error_shape(request: axum::extract::Request, next: middleware::Next) -> Response {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
    use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode};

    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_MESSAGE_BYTES).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if !text.is_empty() {
        text
    } else if status == StatusCode::REQUEST_TIMEOUT {
        // `RequestLimits::request_layer`'s answer, which has no body.
        "the request was not answered in time and was stopped; send it again".to_owned()
    } else {
        status.canonical_reason().unwrap_or("refused").to_owned()
    };
    let error = match status.as_u16() {
        401 => ApiErrorCode::Unauthorized,
        403 => ApiErrorCode::Forbidden,
        404 | 410 => ApiErrorCode::NotFound,
        409 | 423 => ApiErrorCode::Conflict,
        413 => ApiErrorCode::PayloadTooLarge,
        429 => ApiErrorCode::RateLimited,
        408 | 503 | 507 => ApiErrorCode::Unavailable,
        500..=599 => ApiErrorCode::Internal,
        _ => ApiErrorCode::BadRequest,
    };
    let body = ApiError {
        error,
        message,
        fields: Vec::new(),
    };
    parts.headers.remove(CONTENT_LENGTH);
    let mut shaped = (status, axum::Json(body)).into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE {
            shaped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    shaped
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic hook has printed the message and place already.
    AppError::Internal("a handler panicked".to_owned()).into_response()
}

/// 405 in the API's error shape. The `Allow` header HTTP requires is
/// axum's: the method router that calls this fallback adds the methods it
/// routes (HEAD wherever GET), which are the described ones (tested).
async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed("this endpoint does not accept that method".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_are_unique_and_under_api() {
        let paths = api_paths();
        let unique: std::collections::BTreeSet<_> = paths.iter().collect();
        assert_eq!(unique.len(), paths.len(), "{paths:?}");
        assert!(paths.iter().all(|p| p.starts_with("/api/")), "{paths:?}");
    }

    #[test]
    fn report_path_is_under_the_submit_path() {
        assert!(REPORT_PATH.starts_with(&format!("{SUBMIT_REPORT_PATH}/")));
    }
}
