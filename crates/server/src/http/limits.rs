//! How long a request may take, once its head has arrived (the head itself
//! and the number of connections are bounded where connections are
//! accepted, see `crate::serve`):
//!
//! - every request body, the API's and tus's alike, is cut when it sends
//!   nothing for [`RequestLimits::body_idle`] (tower-http's
//!   [`RequestBodyTimeoutLayer`]), and the request is answered 408;
//! - every API request but tus's and the office's event stream is answered
//!   408 when its answer has not started after [`RequestLimits::request`]
//!   (tower-http's [`TimeoutLayer`]), body reading included.
//!
//! A 408 says "not taken, send it again" (the phone retries it, see
//! `kuaibao_core::wire::protocol::outcome_of_status`), never "refused".

use std::error::Error;
use std::time::Duration;

use axum::http::StatusCode;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutError, TimeoutLayer};

/// The limits on one request, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// A body that sends nothing for this long is cut.
    pub body_idle: Duration,
    /// An API request whose answer has not started after this long is
    /// answered 408.
    pub request: Duration,
}

impl RequestLimits {
    pub fn new(config: &crate::config::Config) -> Self {
        RequestLimits {
            body_idle: config.body_idle_timeout,
            request: config.request_timeout,
        }
    }

    /// The layer that cuts idle bodies: reading the next piece of a body
    /// fails with [`TimeoutError`] (see [`is_body_timeout`]).
    pub fn body_idle_layer(&self) -> RequestBodyTimeoutLayer {
        RequestBodyTimeoutLayer::new(self.body_idle)
    }

    /// The layer that answers a request 408 when its answer has not started
    /// in time. It drops the handler's work (a database transaction not yet
    /// committed is rolled back), and every API write is idempotent, so the
    /// client may simply send it again. It bounds the time to the answer's
    /// head only: a long answer (an export) is not cut while it is sent.
    pub fn request_layer(&self) -> TimeoutLayer {
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, self.request)
    }
}

/// Whether `error`, or any error it wraps, is a body cut for sending
/// nothing for too long. axum wraps a body's error once or twice on its
/// way to an extractor's rejection, so the whole chain is searched.
pub fn is_body_timeout(error: &(dyn Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<TimeoutError>() {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, Bytes};
    use axum::extract::{FromRequest, Request};
    use http_body_util::StreamBody;
    use hyper::body::Frame;
    use tower_http::timeout::TimeoutBody;

    use crate::http::error::AppError;
    use crate::http::extract::JsonBody;

    /// A JSON request whose body never sends a byte, cut after 20 ms.
    fn silent_request() -> Request {
        let silent = StreamBody::new(futures_util::stream::pending::<Result<Frame<Bytes>, std::io::Error>>());
        let body = Body::new(TimeoutBody::new(Duration::from_millis(20), silent));
        Request::builder()
            .method("POST")
            .uri("/api/reports")
            .header("content-type", "application/json")
            .body(body)
            .expect("request")
    }

    #[tokio::test]
    async fn a_silent_json_body_is_a_timeout_not_a_bad_request() {
        let rejection = match JsonBody::<serde_json::Value>::from_request(silent_request(), &()).await {
            Ok(_) => panic!("a silent body cannot be read"),
            Err(rejection) => rejection,
        };
        assert!(matches!(rejection, AppError::RequestTimeout), "{rejection:?}");
        let response = axum::response::IntoResponse::into_response(rejection);
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    }

    #[tokio::test]
    async fn the_timeout_is_found_however_deep_it_is_wrapped() {
        let (_, body) = silent_request().into_parts();
        let err = axum::body::to_bytes(body, 1024).await.expect_err("silent");
        assert!(is_body_timeout(&err), "{err:?}");
        let other = std::io::Error::other("connection reset");
        assert!(!is_body_timeout(&other));
        assert!(!is_body_timeout(&axum::Error::new(other)));
    }
}
