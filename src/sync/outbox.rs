//! The outbox: submitted reports waiting for the network, and what each
//! answer of the server means for them. Every step is written to the store
//! before the next begins, so a crash at any point leaves each report either
//! still waiting (and safe to send again: the server knows its id) or
//! delivered with its receipt.

use kuaibao_core::backoff;
use kuaibao_core::protocol::{outcome_of_status, ApiError, Outcome, Receipt};

use crate::store::{LocalReport, Status, Store, StoreError};
use crate::sync::transport::{HttpAnswer, Transport};

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
    /// The earliest time (ms) a waiting report is due again.
    pub next_try_ms: Option<f64>,
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
            let answer = self.transport.submit(&submission).await;
            report.status = match answer {
                Ok(answer) => judge(&answer, written_at, attempts, now_ms, &mut jitter),
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
        // Until the phone can log in, a refused session waits like any
        // other undecided answer: nothing queued is dropped.
        Outcome::NeedLogin => retry(written_at, attempts, now_ms, jitter, "需要重新登录".to_owned()),
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

fn next_try(report: &LocalReport) -> Option<f64> {
    match report.status {
        Status::Waiting { next_try_ms, .. } => Some(next_try_ms),
        _ => None,
    }
}

fn earliest(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
