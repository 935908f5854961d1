//! Measuring the phone's clock against the server's, at the start of every
//! sync pass. A phone's clock may be hours off (a dead battery, a manual
//! setting); each record carries the last measured offset, so the duty
//! office can tell when it was really written.

use gloo_net::http::{Method, RequestBuilder};
use kuaibao_core::wire::protocol::{clock_offset_ms, Health, Restore, HEALTH_PATH};

use crate::platform;
use crate::store::ClockReading;
use crate::sync::transport::with_timeout;

/// A health check is small: give up soon rather than hold the pass.
pub const HEALTH_TIMEOUT_MS: u32 = 10_000;

/// A round trip longer than this measures too loosely (the error is up to
/// half of it) to replace an earlier, better reading.
pub const MAX_ROUND_TRIP_MS: f64 = 10_000.0;

/// The offset measured from one answer of `GET /api/health`, sent at
/// `sent_ms` and answered at `answered_ms` by the phone's clock, and the
/// server's last restore from a backup, if any. `None` when the answer is
/// not a healthy server's with its time.
pub fn reading(sent_ms: f64, answered_ms: f64, status: u16, body: &str) -> Option<(ClockReading, Option<Restore>)> {
    if status != 200 || answered_ms < sent_ms || answered_ms - sent_ms > MAX_ROUND_TRIP_MS {
        return None;
    }
    let health: Health = kuaibao_core::wire::json::from_str(body).ok()?;
    let offset_ms = clock_offset_ms(
        sent_ms as i64,
        health.server_time.timestamp_millis(),
        answered_ms as i64,
    );
    Some((
        ClockReading {
            offset_ms,
            measured_ms: answered_ms,
        },
        health.restored,
    ))
}

/// Asks the server's time (and whether it was restored); `None` when it
/// cannot be reached or measured.
pub async fn measure() -> Option<(ClockReading, Option<Restore>)> {
    // Never a cached answer: its time would be stale.
    let request = RequestBuilder::new(HEALTH_PATH)
        .method(Method::GET)
        .cache(web_sys::RequestCache::NoStore);
    let sent_ms = platform::now_ms();
    let response = with_timeout(HEALTH_TIMEOUT_MS, request, None).await.ok()?;
    let answered_ms = platform::now_ms();
    let body = response.text().await.ok()?;
    reading(sent_ms, answered_ms, response.status(), &body)
}
