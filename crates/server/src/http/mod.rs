//! The HTTP side: one router for the API under `/api/` and the app for
//! every other path.

pub mod error;
mod extract;
mod health;
pub mod photos;
mod reports;
mod session;
mod static_files;
mod templates;
pub mod tus;

use std::path::Path;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get};
use axum::Router;
use kuaibao_core::protocol::{HEALTH_PATH, SESSION_PATH, SUBMIT_REPORT_PATH};
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

use crate::db::Pool;
use crate::uploads::Uploads;
use error::AppError;

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
}

/// The whole application: API, app files, compression and request logs.
pub fn app(state: AppState, static_dir: &Path) -> Router {
    let api = Router::new()
        .route(HEALTH_PATH, get(health::health))
        .route(
            SESSION_PATH,
            get(session::whoami).post(session::login).delete(session::logout),
        )
        .route(SUBMIT_REPORT_PATH, get(reports::list).post(reports::submit))
        .route(REPORT_PATH, get(reports::get_one))
        .route(THREAD_PATH, get(reports::get_thread))
        .route(TEMPLATES_PATH, get(templates::templates))
        .route(photos::REPORT_PHOTOS_PATH, get(photos::of_report))
        .route(photos::PHOTO_PATH, get(photos::bytes))
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
        .with_state(state);
    api.fallback_service(static_files::service(static_dir))
        .layer(CompressionLayer::new())
        // Method, path, status and latency of every request; never bodies.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
}

async fn api_not_found() -> AppError {
    AppError::NotFound("no such API endpoint".to_owned())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed("this endpoint does not accept that method".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_path_is_under_the_submit_path() {
        assert!(REPORT_PATH.starts_with(&format!("{SUBMIT_REPORT_PATH}/")));
    }
}
