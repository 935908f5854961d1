//! axum's extractors, with their rejections turned into [`AppError`], so a
//! bad request gets the API's JSON error rather than axum's plain text.

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;

use super::error::AppError;

/// A JSON request body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct JsonBody<T>(pub T);

/// Parameters from the path.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct PathParam<T>(pub T);

/// The server's clock minus the phone's, from the phone's
/// [`CLOCK_HEADER`](kuaibao_core::wire::protocol::CLOCK_HEADER) (milliseconds since
/// the epoch when it sent the request); `None` when absent or unreadable,
/// which only means the offset was not measured. Includes the request's
/// travel time, a few seconds at worst, far below the minutes that matter.
pub struct PhoneClock(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for PhoneClock {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let now = chrono::Utc::now().timestamp_millis();
        let phone = parts
            .headers
            .get(kuaibao_core::wire::protocol::CLOCK_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        Ok(PhoneClock(phone.and_then(|p| now.checked_sub(p))))
    }
}
