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

#[cfg(test)]
mod tests {
    use super::*;

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
