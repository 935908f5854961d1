//! The outbox: submitted reports waiting for the network, and what each
//! answer of the server means for them. Every step is written to the store
//! before the next begins, so a crash at any point leaves each report either
//! still waiting (and safe to send again: the server knows its id) or
//! delivered with its receipt.
//!
//! Nothing is sent without a valid session: while the user must log in
//! (never logged in, the session past its end, or refused by the server),
//! submitted reports simply stay waiting. A 401 is an answer about the
//! session, never about the report: the report goes back to waiting as it
//! was, and nothing more is sent until the next login.

use kuaibao_core::backoff;
use kuaibao_core::protocol::{outcome_of_status, ApiError, Outcome, Receipt};

use crate::session::{current_auth, may_send};
use crate::store::{LocalReport, Status, Store, StoreError};
use crate::sync::transport::{HttpAnswer, Transport};

/// The last error shown on a report the server would not take for want of
/// a valid session.
pub const NEED_LOGIN_NOTE: &str = "登录已过期，重新登录后自动发送";

pub struct Outbox<T> {
    pub store: Store,
    pub transport: T,
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrainSummary {
    pub delivered: usize,
    pub rejected: usize,
    /// Still waiting after this pass.
    pub waiting: usize,
    /// Of those, the ones not sent for want of a valid session (or because
    /// another account submitted them): they go when the right user logs in.
    pub held: usize,
    /// The server refused the session (401) during this pass.
    pub refused: bool,
    /// The earliest time (ms) a waiting report is due again; never set by
    /// held reports, which wait for a login, not for a timer.
    pub next_try_ms: Option<f64>,
}

impl DrainSummary {
    /// Adds another pass's counts (the photos') to this one.
    pub fn merge(&mut self, other: &DrainSummary) {
        self.delivered += other.delivered;
        self.rejected += other.rejected;
        self.waiting += other.waiting;
        self.held += other.held;
        self.refused |= other.refused;
        self.next_try_ms = earliest(self.next_try_ms, other.next_try_ms);
    }
}

impl<T: Transport> Outbox<T> {
    /// Sends every report that is due (all waiting ones when `force`), one
    /// after the other. A report that fails never stops the others.
    /// `on_change` is told of every new state, for the screen.
    pub async fn drain(
        &self,
        now_ms: f64,
        force: bool,
        mut jitter: impl FnMut() -> f64,
        on_change: &dyn Fn(&LocalReport),
    ) -> Result<DrainSummary, StoreError> {
        let mut summary = DrainSummary::default();
        let mut auth = current_auth(&self.store, now_ms).await?;
        for mut report in self.store.all().await? {
            let (written_at, attempts, due) = match report.status {
                Status::Waiting {
                    written_at,
                    attempts,
                    next_try_ms,
                    ..
                } => (written_at, attempts, force || next_try_ms <= now_ms),
                // Left "sending" by a crash or a closed tab: send again.
                Status::Sending { written_at, attempts } => (written_at, attempts, true),
                _ => continue,
            };
            let Some(token) = auth.as_ref().filter(|a| may_send(&report, a)).map(|a| a.token.clone()) else {
                summary.waiting += 1;
                summary.held += 1;
                if matches!(report.status, Status::Sending { .. }) {
                    // Left sending by a crash: it waits for the login, and
                    // must not claim to be on its way meanwhile.
                    report.status = held(written_at, attempts, now_ms, None);
                    self.store.put(&report).await?;
                    on_change(&report);
                }
                continue;
            };
            if !due {
                summary.waiting += 1;
                summary.next_try_ms = earliest(summary.next_try_ms, next_try(&report));
                continue;
            }
            report.status = Status::Sending { written_at, attempts };
            self.store.put(&report).await?;
            on_change(&report);

            let Some(submission) = report.submission() else {
                continue;
            };
            let answer = self.transport.submit(&submission, &token).await;
            if matches!(&answer, Ok(a) if outcome_of_status(a.status) == Outcome::NeedLogin) {
                // The session, not the report: back to waiting as it was,
                // and the session marked so that nothing more goes out.
                report.status = held(written_at, attempts, now_ms, Some(NEED_LOGIN_NOTE.to_owned()));
                self.store.refuse_session(&token, now_ms).await?;
                auth = None;
                summary.refused = true;
                summary.waiting += 1;
                summary.held += 1;
                self.store.put(&report).await?;
                on_change(&report);
                continue;
            }
            report.status = match answer {
                Ok(answer) => judge(&answer, written_at, attempts, now_ms, &mut jitter),
                // No network at all, by the browser's own word: not the
                // report's failure, so its backoff does not grow. Otherwise
                // each submit made offline (every one starts a pass) would
                // push the next try minutes away, and a report would sit
                // out a short cut of the link long after it ended.
                Err(e) if !browser_online() => Status::Waiting {
                    written_at,
                    attempts,
                    next_try_ms: now_ms + backoff::delay_ms(attempts, jitter()) as f64,
                    last_error: Some(e.0),
                },
                Err(e) => retry(written_at, attempts, now_ms, &mut jitter, e.0),
            };
            match &report.status {
                Status::Delivered { .. } => summary.delivered += 1,
                Status::Rejected { .. } => summary.rejected += 1,
                _ => {
                    summary.waiting += 1;
                    summary.next_try_ms = earliest(summary.next_try_ms, next_try(&report));
                }
            }
            self.store.put(&report).await?;
            on_change(&report);
        }
        Ok(summary)
    }
}

/// Turns the server's answer into the report's next state.
fn judge(
    answer: &HttpAnswer,
    written_at: chrono::DateTime<chrono::FixedOffset>,
    attempts: u32,
    now_ms: f64,
    jitter: &mut impl FnMut() -> f64,
) -> Status {
    match outcome_of_status(answer.status) {
        // Handled by the caller before judging; should one slip through, it
        // waits like any undecided answer.
        Outcome::NeedLogin => retry(written_at, attempts, now_ms, jitter, NEED_LOGIN_NOTE.to_owned()),
        Outcome::Delivered => match serde_json::from_str::<Receipt>(&answer.body) {
            Ok(receipt) => Status::Delivered { written_at, receipt },
            // A 2xx without a receipt we can read (a captive portal, say):
            // sending again is safe, the server recognises the id.
            Err(e) => retry(written_at, attempts, now_ms, jitter, format!("服务器应答无法识别：{e}")),
        },
        Outcome::Rejected => match serde_json::from_str::<ApiError>(&answer.body) {
            Ok(err) => Status::Rejected {
                written_at,
                reason: err.message,
                fields: err.fields,
            },
            Err(_) => Status::Rejected {
                written_at,
                reason: format!("服务器拒收（HTTP {}）", answer.status),
                fields: Vec::new(),
            },
        },
        Outcome::Retry => retry(
            written_at,
            attempts,
            now_ms,
            jitter,
            format!("服务器暂时无法接收（HTTP {}）", answer.status),
        ),
    }
}

/// Whether the browser believes it has a network (true where it cannot
/// tell).
fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

fn retry(
    written_at: chrono::DateTime<chrono::FixedOffset>,
    attempts: u32,
    now_ms: f64,
    jitter: &mut impl FnMut() -> f64,
    error: String,
) -> Status {
    let delay = backoff::delay_ms(attempts, jitter());
    Status::Waiting {
        written_at,
        attempts: attempts.saturating_add(1),
        next_try_ms: now_ms + delay as f64,
        last_error: Some(error),
    }
}

/// Waiting for a login: the failed tries stay as they were (a missing
/// session is nobody's failure to back off from), and it is due at once.
fn held(
    written_at: chrono::DateTime<chrono::FixedOffset>,
    attempts: u32,
    now_ms: f64,
    last_error: Option<String>,
) -> Status {
    Status::Waiting {
        written_at,
        attempts,
        next_try_ms: now_ms,
        last_error,
    }
}

fn next_try(report: &LocalReport) -> Option<f64> {
    match report.status {
        Status::Waiting { next_try_ms, .. } => Some(next_try_ms),
        _ => None,
    }
}

pub(crate) fn earliest(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
