//! When to try again. Exponential backoff with jitter: phones that lost the
//! network together must not all come back in the same second.

/// First retry after about this long.
pub const BASE_MS: u64 = 2_000;
/// Never wait longer than this between tries: a worker who walks back into
/// signal should see her reports leave within minutes at most.
pub const CAP_MS: u64 = 300_000;

/// The delay before retry number `attempt` (0 for the first retry).
/// `jitter` is a random number in `[0, 1)`; the delay is spread over the upper
/// half of the exponential step, so it never collapses to zero.
pub fn delay_ms(attempt: u32, jitter: f64) -> u64 {
    let step = BASE_MS.saturating_mul(1u64 << attempt.min(20)).min(CAP_MS);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    step / 2 + (step as f64 / 2.0 * jitter) as u64
}

/// The longest wait a server's `Retry-After` may set: an account's day of
/// storage may ask for hours, but the phone tries again within the hour
/// (a refusal costs the server nothing), and 立即发送 tries at once.
pub const RETRY_AFTER_CAP_MS: u64 = 3_600_000;

/// The delay before retry number `attempt` when the server said how long to
/// wait (`Retry-After`, in seconds): the longer of the two, the server's
/// capped at [`RETRY_AFTER_CAP_MS`].
pub fn delay_after_ms(attempt: u32, jitter: f64, retry_after_s: Option<u64>) -> u64 {
    let asked = retry_after_s.map_or(0, |s| s.saturating_mul(1000).min(RETRY_AFTER_CAP_MS));
    delay_ms(attempt, jitter).max(asked)
}

/// Whether a try set for `next_try_ms` is due at `now_ms` (both by the
/// phone's clock). A try further off than any wait the phone sets (the
/// backoff's cap, a server's wait capped at [`RETRY_AFTER_CAP_MS`]) shows
/// the clock has gone back since it was set (a phone days fast, then
/// corrected): due now, or the report would sit out the difference.
pub fn is_due(next_try_ms: f64, now_ms: f64) -> bool {
    let longest = CAP_MS.max(RETRY_AFTER_CAP_MS) as f64;
    next_try_ms <= now_ms || next_try_ms - now_ms > longest
}

/// A `Retry-After` header's seconds. Only the delay form (`120`) is read:
/// an HTTP date would need the phone's clock, which may be wrong, and this
/// server never sends one.
pub fn retry_after_seconds(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All digits: only overflow can fail, and a wait that long is the cap.
    Some(value.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_wait_is_honoured_up_to_an_hour() {
        // Shorter than the backoff: the backoff.
        assert_eq!(delay_after_ms(3, 0.0, Some(2)), 8_000);
        // Longer: the server's.
        assert_eq!(delay_after_ms(0, 0.5, Some(120)), 120_000);
        assert_eq!(delay_after_ms(0, 0.5, None), delay_ms(0, 0.5));
        // Hours (a spent day of storage): within the hour still.
        assert_eq!(delay_after_ms(0, 0.0, Some(5 * 3600)), RETRY_AFTER_CAP_MS);
        assert_eq!(delay_after_ms(0, 0.0, Some(u64::MAX)), RETRY_AFTER_CAP_MS);
    }

    #[test]
    fn a_try_set_before_the_clock_went_back_is_due() {
        let now = 1_800_000_000_000.0;
        assert!(is_due(now, now));
        assert!(is_due(now - 1.0, now));
        assert!(!is_due(now + 1_000.0, now), "a backoff's wait");
        assert!(!is_due(now + RETRY_AFTER_CAP_MS as f64, now), "the longest wait asked");
        // Set by a clock three days fast, read after it was corrected.
        assert!(is_due(now + 3.0 * 86_400_000.0, now));
    }

    #[test]
    fn retry_after_is_read_as_seconds_only() {
        assert_eq!(retry_after_seconds("120"), Some(120));
        assert_eq!(retry_after_seconds(" 5 "), Some(5));
        assert_eq!(retry_after_seconds("0"), Some(0));
        assert_eq!(retry_after_seconds("99999999999999999999999"), Some(u64::MAX));
        for not in ["", "-5", "1.5", "Wed, 21 Oct 2026 07:28:00 GMT", "5s"] {
            assert_eq!(retry_after_seconds(not), None, "{not:?}");
        }
    }

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        assert_eq!(delay_ms(0, 0.0), 1_000);
        assert_eq!(delay_ms(0, 0.999_999), 1_999);
        assert_eq!(delay_ms(1, 0.0), 2_000);
        assert_eq!(delay_ms(3, 0.5), 12_000);
        assert_eq!(delay_ms(40, 0.0), CAP_MS / 2);
        assert_eq!(delay_ms(u32::MAX, 1.0), CAP_MS);
    }

    #[test]
    fn bad_jitter_is_harmless() {
        assert_eq!(delay_ms(2, f64::NAN), 4_000);
        assert_eq!(delay_ms(2, -3.0), 4_000);
        assert_eq!(delay_ms(2, 7.0), 8_000);
    }
}
