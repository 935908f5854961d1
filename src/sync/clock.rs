//! Measuring the phone's clock against the server's, at the start of every
//! sync pass. A phone's clock may be hours off (a dead battery, a manual
//! setting); each record carries the last measured offset, so the duty
//! office can tell when it was really written.

use gloo_net::http::{Method, RequestBuilder};
use kuaibao_core::wire::protocol::{clock_offset_ms, Health, Restore, HEALTH_PATH};

use crate::platform;
use crate::store::ClockReading;
use crate::sync::transport::with_timeout;

/// A health check is small: give up soon rather than hold the pass. Longer
/// than [`MAX_ROUND_TRIP_MS`], so that a slow link still hears of a
/// restore.
pub const HEALTH_TIMEOUT_MS: u32 = 20_000;

/// A round trip longer than this measures too loosely (the error is up to
/// half of it) to replace an earlier, better reading.
pub const MAX_ROUND_TRIP_MS: f64 = 10_000.0;

/// What one answer of `GET /api/health` told: the phone's clock against
/// the server's, unless the round trip was too slow to measure by, and the
/// server's last restore from a backup, if any (heeded however slow: what
/// the restore lost must go again).
#[derive(Debug, Clone, PartialEq)]
pub struct Told {
    pub clock: Option<ClockReading>,
    pub restored: Option<Restore>,
}

/// What the answer to a health check sent at `sent_ms` and answered at
/// `answered_ms` by the phone's clock tells. `None` when it is not a
/// healthy server's answer with its time.
pub fn reading(sent_ms: f64, answered_ms: f64, status: u16, body: &str) -> Option<Told> {
    if status != 200 {
        return None;
    }
    let health: Health = kuaibao_core::wire::json::from_str(body).ok()?;
    let measurable = answered_ms >= sent_ms && answered_ms - sent_ms <= MAX_ROUND_TRIP_MS;
    Some(Told {
        clock: measurable.then(|| ClockReading {
            offset_ms: clock_offset_ms(
                sent_ms as i64,
                health.server_time.timestamp_millis(),
                answered_ms as i64,
            ),
            measured_ms: answered_ms,
        }),
        restored: health.restored,
    })
}

/// Asks the server's time (and whether it was restored); `None` when it
/// cannot be reached.
pub async fn measure() -> Option<Told> {
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
