//! Cross-origin requests: closed unless allowed. The app and the API share
//! one origin, so the app needs no CORS at all; a page of any other origin
//! gets no `Access-Control-Allow-*` header (its browser then hides every
//! answer from it) and its preflights are refused with 403. Deployments
//! where another system's pages must call the API name those origins in
//! `KUAIBAO_CORS_ORIGINS` (read and normalised by `config`).
//!
//! The allowances are written by tower-http's [`CorsLayer`]. This module
//! only decides which requests it sees, for what it leaves to its user: it
//! answers every `OPTIONS` itself as a preflight (tus's own `OPTIONS` must
//! reach its handler), and it answers a refused preflight 200 without
//! allowances where the API says 403 in its own error shape.
//!
//! No credentials mode: the API takes a bearer token, never a cookie, so a
//! page can only send what it holds itself.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, ORIGIN, RETRY_AFTER,
};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kuaibao_core::wire::protocol::{CLOCK_HEADER, FIRST_RECEIPT_HEADER};
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::error::AppError;

/// What an allowed page may send: the API's methods and headers, tus's
/// included.
const ALLOW_METHODS: [Method; 6] = [
    Method::GET,
    Method::POST,
    Method::PATCH,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
];
const TUS_REQUEST_HEADERS: [&str; 6] = [
    "tus-resumable",
    "upload-length",
    "upload-metadata",
    "upload-offset",
    "upload-checksum",
    "upload-defer-length",
];
/// What an allowed page may read beyond the basic headers: tus's answers
/// and `Retry-After`.
const TUS_RESPONSE_HEADERS: [&str; 8] = [
    "tus-resumable",
    "tus-version",
    "tus-extension",
    "tus-max-size",
    "tus-checksum-algorithm",
    "upload-offset",
    "upload-length",
    "upload-expires",
];
/// Browsers may keep a preflight's answer this long.
const MAX_AGE: Duration = Duration::from_secs(600);

/// The origins allowed and the layer that answers them.
#[derive(Debug, Clone)]
pub struct CorsPolicy {
    /// As browsers send them in `Origin` (see `config::origins`); empty:
    /// none.
    origins: Vec<HeaderValue>,
    layer: CorsLayer,
}

impl CorsPolicy {
    /// For the origins of `KUAIBAO_CORS_ORIGINS`, as `config` normalised
    /// them.
    pub fn new(origins: &[String]) -> Arc<Self> {
        // `config` keeps ASCII serialisations of origins only, which are
        // always header values.
        let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        let names = |list: &[&'static str]| list.iter().map(|n| HeaderName::from_static(n)).collect::<Vec<_>>();
        let mut allow_headers = vec![
            AUTHORIZATION,
            CONTENT_TYPE,
            IF_NONE_MATCH,
            HeaderName::from_static(CLOCK_HEADER),
            HeaderName::from_static(FIRST_RECEIPT_HEADER),
        ];
        allow_headers.extend(names(&TUS_REQUEST_HEADERS));
        let mut expose_headers = vec![LOCATION, ETAG, RETRY_AFTER];
        expose_headers.extend(names(&TUS_RESPONSE_HEADERS));
        let layer = CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.clone()))
            .allow_methods(ALLOW_METHODS)
            .allow_headers(allow_headers)
            .expose_headers(expose_headers)
            .max_age(MAX_AGE);
        Arc::new(CorsPolicy { origins, layer })
    }
}

/// Middleware: refuses preflights from origins not allowed (403), and lets
/// [`CorsLayer`] answer allowed ones and mark the answers to allowed
/// origins readable (with `Vary`, so caches keep one origin's answer from
/// another).
pub async fn cors(State(policy): State<Arc<CorsPolicy>>, request: Request, next: Next) -> Response {
    let Some(origin) = request.headers().get(ORIGIN) else {
        // Not a browser's cross-origin request: nothing to do.
        return next.run(request).await;
    };
    let allowed = policy.origins.contains(origin);
    let options = request.method() == Method::OPTIONS;
    let preflight = options && request.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    if preflight && !allowed {
        tracing::info!(origin = ?origin, "cross-origin preflight refused");
        return AppError::Forbidden("cross-origin requests are not allowed from this origin".to_owned())
            .into_response();
    }
    // With no origin allowed there is nothing to write; and an `OPTIONS`
    // that is not a preflight (tus's) is for its handler, which the layer
    // would never call.
    if policy.origins.is_empty() || (options && !preflight) {
        return next.run(request).await;
    }
    let answered: Result<Response, Infallible> = policy.layer.clone().layer(next).oneshot(request).await;
    match answered {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
