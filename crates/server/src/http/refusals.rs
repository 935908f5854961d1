//! Refused writes are audited (who tried what, on what, and why), and so
//! are the files taken out of the server (exports), but neither costs whoever
//! asks much: an account could write the audit log at its request rate for
//! ever (a reporter posting acknowledgements to made-up threads, a script
//! fetching a CAP alert in a loop; some thousands of rows a minute). Each
//! actor's rows of one kind are written up to [`AUDITED_PER_HOUR`] an hour
//! (one budget for refusals, one for exports); beyond, the request is
//! answered all the same and logged to the server's log, not each stored.
//! The rows that tell what happened are the first ones; the flood after
//! them tells it again.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::db::audit::Actor;

/// Rows of one kind (refusals, exports) of one actor written to the audit
/// log in an hour.
pub const AUDITED_PER_HOUR: u32 = 120;

const HOUR: Duration = Duration::from_secs(3600);

/// Actors kept before the ones whose hour is over are swept: one entry per
/// account refused this hour.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Default)]
pub struct AuditBudget {
    /// Per actor: when its hour began, and its refusals in it.
    spent: Mutex<HashMap<String, (Instant, u32)>>,
}

impl AuditBudget {
    /// Whether this row of `actor`'s is written to the audit log.
    pub fn admits(&self, actor: &Actor) -> bool {
        self.admits_for(actor.user_id.as_deref().unwrap_or(""))
    }

    /// Whether this row counted to `key` (an account's id) is written.
    pub fn admits_for(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        if spent.len() > SWEEP_ABOVE {
            spent.retain(|_, (since, _)| now.duration_since(*since) < HOUR);
        }
        let (since, n) = spent.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*since) >= HOUR {
            *since = now;
            *n = 0;
        }
        *n = n.saturating_add(1);
        if *n == AUDITED_PER_HOUR + 1 {
            tracing::warn!(
                actor = key,
                "over {AUDITED_PER_HOUR} audit rows of a kind this hour: further ones are logged here, not audited"
            );
        }
        *n <= AUDITED_PER_HOUR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: &str) -> Actor {
        Actor {
            user_id: Some(id.to_owned()),
            device_id: None,
        }
    }

    #[test]
    fn each_actor_has_its_own_hour_of_audited_refusals() {
        let budget = AuditBudget::default();
        for _ in 0..AUDITED_PER_HOUR {
            assert!(budget.admits(&actor("a")));
        }
        assert!(!budget.admits(&actor("a")));
        assert!(budget.admits(&actor("b")), "another account is not held to a's");
    }
}
