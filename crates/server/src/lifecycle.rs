//! Where the server is in its life, as a load balancer needs to know it:
//! serving, or draining after SIGTERM. Shared by the request layer
//! (`http::metrics::track`, which counts requests in flight and turns new
//! ones away while draining), `GET /api/ready` and the accept loop
//! (`serve`), which waits for the count to reach zero before it closes.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

/// The server's phase and its API requests in flight.
#[derive(Debug)]
pub struct Lifecycle {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    /// Woken whenever the count falls to zero.
    idle: Notify,
    /// How long a drain may take (`KUAIBAO_SHUTDOWN_GRACE_SECS`).
    grace: Duration,
    /// Set once, when the drain begins: the moment it must end.
    deadline: std::sync::OnceLock<Instant>,
    /// When the process started serving (`process_start_time_seconds`).
    started: SystemTime,
}

impl Lifecycle {
    pub fn new(grace: Duration) -> Self {
        Lifecycle {
            draining: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
            grace,
            deadline: std::sync::OnceLock::new(),
            started: SystemTime::now(),
        }
    }

    /// A request begins: `None` when the server is draining and it must be
    /// turned away. The guard counts it in flight until dropped (answered,
    /// or abandoned by its client).
    pub fn admit(&self) -> Option<InFlight<'_>> {
        // Counted first, checked second; `begin_drain` sets the flag first
        // and counts second. Both sequentially consistent, so either this
        // request sees the flag or the drain sees this request: none slips
        // in after the drain found nothing in flight.
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self);
        if self.draining.load(Ordering::SeqCst) {
            return None;
        }
        Some(guard)
    }

    /// From now on `/api/ready` answers 503 and new requests are turned
    /// away; the drain must end within the grace. Idempotent.
    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        let _ = self.deadline.set(Instant::now() + self.grace);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// When the drain must end; `None` while serving.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline.get().copied()
    }

    /// API requests being handled now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Completes once no API request is in flight.
    pub async fn idle(&self) {
        loop {
            // Registered before the count is read, so a fall to zero in
            // between still wakes it.
            let notified = self.idle.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    pub fn started(&self) -> SystemTime {
        self.started
    }
}

/// One request in flight (see [`Lifecycle::admit`]).
#[derive(Debug)]
pub struct InFlight<'a>(&'a Lifecycle);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_drain_waits_for_admitted_requests_and_turns_new_ones_away() {
        let life = Lifecycle::new(Duration::from_secs(5));
        assert!(!life.is_draining());
        assert_eq!(life.deadline(), None);
        let first = life.admit().expect("admitted while serving");
        let second = life.admit().expect("admitted while serving");
        assert_eq!(life.in_flight(), 2);

        life.begin_drain();
        assert!(life.is_draining());
        assert!(life.deadline().is_some());
        assert!(life.admit().is_none(), "turned away while draining");
        assert_eq!(life.in_flight(), 2, "a refusal is not left counted");

        let idle = life.idle();
        let mut idle = std::pin::pin!(idle);
        drop(first);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), idle.as_mut())
                .await
                .is_err(),
            "one request is still in flight"
        );
        drop(second);
        tokio::time::timeout(Duration::from_secs(1), idle)
            .await
            .expect("idle once the last request is done");
    }
}
