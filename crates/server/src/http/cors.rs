//! Cross-origin requests: closed unless allowed. The app and the API share
//! one origin, so the app needs no CORS at all; a page of any other origin
//! gets no `Access-Control-Allow-*` header (its browser then hides every
//! answer from it) and its preflights are refused with 403. Deployments
//! where another system's pages must call the API name those origins in
//! `KUAIBAO_CORS_ORIGINS`.
//!
//! No credentials mode: the API takes a bearer token, never a cookie, so a
//! page can only send what it holds itself.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AppError;

/// What an allowed page may send: the API's methods and headers, tus's
/// included.
const ALLOW_METHODS: &str = "GET, POST, PATCH, DELETE, HEAD, OPTIONS";
const ALLOW_HEADERS: &str = "authorization, content-type, if-none-match, x-kuaibao-clock, tus-resumable, \
     upload-length, upload-metadata, upload-offset, upload-checksum, upload-defer-length";
/// What an allowed page may read beyond the basic headers: tus's answers
/// and `Retry-After`.
const EXPOSE_HEADERS: &str = "location, etag, retry-after, tus-resumable, tus-version, tus-extension, \
     tus-max-size, tus-checksum-algorithm, upload-offset, upload-length, upload-expires";
/// Browsers may keep a preflight's answer this long (seconds).
const MAX_AGE: &str = "600";

/// The origins allowed, lowercase (`KUAIBAO_CORS_ORIGINS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<String>,
}

impl CorsPolicy {
    pub fn new(origins: Vec<String>) -> Arc<Self> {
        Arc::new(CorsPolicy { origins })
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        origin
            .to_str()
            .is_ok_and(|o| self.origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(o)))
    }
}

/// Middleware: answers preflights (allowed: 204 with the allowances;
/// otherwise 403), and marks answers to allowed origins readable.
pub async fn cors(State(policy): State<Arc<CorsPolicy>>, request: Request, next: Next) -> Response {
    let Some(origin) = request.headers().get(ORIGIN).cloned() else {
        // Not a browser's cross-origin request: nothing to do.
        return next.run(request).await;
    };
    let allowed = policy.allows(&origin);
    let preflight =
        request.method() == Method::OPTIONS && request.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        if allowed {
            let mut r = StatusCode::NO_CONTENT.into_response();
            let h = r.headers_mut();
            h.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
            h.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
            h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
            r
        } else {
            tracing::info!(origin = ?origin, "cross-origin preflight refused");
            AppError::Forbidden("cross-origin requests are not allowed from this origin".to_owned()).into_response()
        }
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    if allowed {
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if !preflight {
            h.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
        }
    }
    // The answer depends on the origin when some are allowed: caches must
    // not hand one origin's answer to another.
    if !policy.origins.is_empty() {
        h.append(VARY, HeaderValue::from_static("origin"));
    }
    response
}
