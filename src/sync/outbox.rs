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

use std::cell::{Cell, RefCell};

use kuaibao_core::backoff;
use kuaibao_core::wire::protocol::{outcome_of_status, ApiError, Outcome, Receipt};
use kuaibao_core::ReportId;

use crate::session::{current_auth, may_send, Auth};
use crate::store::{LocalReport, Status, Store, StoreError};
use crate::sync::pool::{self, Task};
use crate::sync::transport::{HttpAnswer, Transport};

/// The last error shown on a report the server would not take for want of
/// a valid session.
pub const NEED_LOGIN_NOTE: &str = "登录已过期，重新登录后自动发送";

/// The server's "too early": the record needs one not yet arrived (a
/// hazard's step before its finding, sent from another phone or before
/// this one ordered its sends).
const TOO_EARLY: u16 = 425;
/// The id is stored with other content: a fix needs a new id.
const CONFLICT: u16 = 409;

/// The last error shown on a record the server asked to send again later.
pub const EARLY_NOTE: &str = crate::words::AWAITS_FIRST.zh;

/// An answer that is not the server's (a 2xx without a receipt, a refusal
/// without the server's error): a Wi-Fi login page or a filter on the way.
/// The report is tried again, never taken as refused for good.
pub const NOT_THE_SERVER_NOTE: &str = crate::words::NOT_THE_SERVER.zh;

/// The server cannot take it now (5xx, 408, 404 from a proxy).
pub const BUSY_NOTE: &str = crate::words::SERVER_BUSY.zh;

/// Too many requests (429).
const TOO_MANY: u16 = 429;

/// The last error shown on a record the server asked to wait with (its
/// rate limit, or the account's daily quota): it may be hours, so the
/// worker is told the report is safe, and what to do if it cannot wait
/// (the list adds that it is tried again by itself).
pub const LATER_NOTE: &str = crate::words::SENT_TOO_MUCH.zh;

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
    /// A send had no answer at all (no network, a cut link): what was not
    /// yet sent waits for the next try.
    pub link_down: bool,
}

impl DrainSummary {
    /// Adds another pass's counts (the photos') to this one.
    pub fn merge(&mut self, other: &DrainSummary) {
        self.delivered += other.delivered;
        self.rejected += other.rejected;
        self.waiting += other.waiting;
        self.held += other.held;
        self.refused |= other.refused;
        self.link_down |= other.link_down;
        self.next_try_ms = earliest(self.next_try_ms, other.next_try_ms);
    }
}

/// Reports in flight at once: enough to hide the round trip of each on a
/// slow link, few enough to leave the browser's other connections free.
pub const REPORTS_IN_FLIGHT: usize = 4;

/// What the sends of one pass share: what each learnt that the next must
/// know before it starts.
struct Pass<J> {
    now_ms: f64,
    force: bool,
    /// `None` once the server refused the session in this pass.
    auth: RefCell<Option<Auth>>,
    /// A send had no answer at all: the link is down, and the rest wait
    /// for the next pass instead of each spending a try on it.
    link_down: Cell<bool>,
    jitter: RefCell<J>,
    summary: RefCell<DrainSummary>,
}

impl<J: FnMut() -> f64> Pass<J> {
    fn jitter(&self) -> f64 {
        (self.jitter.borrow_mut())()
    }

    /// One more report still waiting after this pass, due at `next_try_ms`.
    fn waiting(&self, next_try_ms: Option<f64>) {
        let mut summary = self.summary.borrow_mut();
        summary.waiting += 1;
        summary.next_try_ms = earliest(summary.next_try_ms, next_try_ms);
    }
}

impl<T: Transport> Outbox<T> {
    /// Sends every report that is due (all waiting ones when `force`), a
    /// few at a time ([`REPORTS_IN_FLIGHT`]). A report that fails never
    /// stops the others; a send without any answer ends the pass for the
    /// ones not yet started (the link is down), and they are tried again
    /// after the first step of the backoff. `on_change` is told of every
    /// new state, for the screen.
    pub async fn drain(
        &self,
        now_ms: f64,
        force: bool,
        jitter: impl FnMut() -> f64,
        on_change: &dyn Fn(&LocalReport),
    ) -> Result<DrainSummary, StoreError> {
        let pass = Pass {
            now_ms,
            force,
            auth: RefCell::new(current_auth(&self.store, now_ms).await?),
            link_down: Cell::new(false),
            jitter: RefCell::new(jitter),
            summary: RefCell::new(DrainSummary::default()),
        };
        let reports = self.store.all().await?;
        let behind = behind_in_their_threads(&reports);
        let tasks = reports
            .into_iter()
            .zip(behind)
            .map(|(report, ahead)| -> Task<'_, StoreError> {
                match ahead {
                    Some(ahead) => Box::pin(self.wait_behind(report, ahead, &pass, on_change)),
                    None => Box::pin(self.send_one(report, &pass, on_change)),
                }
            });
        pool::run(REPORTS_IN_FLIGHT, tasks).await?;
        let mut summary = pass.summary.into_inner();
        summary.link_down = pass.link_down.get();
        Ok(summary)
    }

    /// The turn of a report that waits for an earlier record of its thread
    /// (`ahead`) to be delivered first: it counts as waiting, due when that
    /// one is (held like it, when it waits for a login), and is not sent.
    async fn wait_behind(
        &self,
        mut report: LocalReport,
        ahead: LocalReport,
        pass: &Pass<impl FnMut() -> f64>,
        on_change: &dyn Fn(&LocalReport),
    ) -> Result<bool, StoreError> {
        let held = !pass.auth.borrow().as_ref().is_some_and(|a| may_send(&ahead, a));
        if held {
            let mut summary = pass.summary.borrow_mut();
            summary.waiting += 1;
            summary.held += 1;
        } else {
            // Due once the one ahead is sent: at once when it is due now
            // (delivered in this pass, so the next pass may send this one);
            // behind a refused one or its fix, when the fix is submitted,
            // which starts a pass of its own.
            let due = match ahead.status {
                Status::Waiting { next_try_ms, .. } if !pass.force => Some(next_try_ms.max(pass.now_ms)),
                Status::Rejected { .. } | Status::Draft => None,
                _ => Some(pass.now_ms),
            };
            pass.waiting(due);
        }
        if let Status::Sending { written_at, attempts } = report.status {
            // Left sending by a crash: it must not claim to be on its way.
            report.status = held_status(written_at, attempts, pass.now_ms, None);
            self.show(&report, on_change, "cannot mark a report as waiting behind another")
                .await;
        }
        Ok(false)
    }

    /// One report's turn in a pass; `Ok(true)` when it was sent.
    async fn send_one(
        &self,
        mut report: LocalReport,
        pass: &Pass<impl FnMut() -> f64>,
        on_change: &dyn Fn(&LocalReport),
    ) -> Result<bool, StoreError> {
        let now_ms = pass.now_ms;
        let (written_at, attempts, due) = match report.status {
            Status::Waiting {
                written_at,
                attempts,
                next_try_ms,
                ..
            } => (written_at, attempts, pass.force || backoff::is_due(next_try_ms, now_ms)),
            // Left "sending" by a crash or a closed tab: send again.
            Status::Sending { written_at, attempts } => (written_at, attempts, true),
            _ => return Ok(false),
        };
        let token = pass
            .auth
            .borrow()
            .as_ref()
            .filter(|a| may_send(&report, a))
            .map(|a| a.token.clone());
        let Some(token) = token else {
            {
                let mut summary = pass.summary.borrow_mut();
                summary.waiting += 1;
                summary.held += 1;
            }
            if matches!(report.status, Status::Sending { .. }) {
                // Left sending by a crash: it waits for the login, and
                // must not claim to be on its way meanwhile.
                report.status = held_status(written_at, attempts, now_ms, None);
                self.show(&report, on_change, "cannot mark a report as waiting for the login")
                    .await;
            }
            return Ok(false);
        };
        if !due {
            pass.waiting(next_try(&report));
            return Ok(false);
        }
        if pass.link_down.get() {
            // Untouched (its tries are not spent on a link known to be
            // down): due again when the link is next probed.
            let probe = now_ms + backoff::delay_ms(0, pass.jitter()) as f64;
            pass.waiting(Some(probe));
            return Ok(false);
        }
        report.status = Status::Sending { written_at, attempts };
        // On a full phone this write fails: the report goes all the same
        // (sending it again is harmless, the server knows its id), since
        // the office needs it more than the phone needs to remember this.
        self.show(&report, on_change, "cannot mark a report as sending, sent all the same")
            .await;

        let Some(submission) = report.submission() else {
            return Ok(false);
        };
        let answer = self
            .transport
            .submit(&submission, report.first_receipt.as_ref(), &token)
            .await;
        if matches!(&answer, Ok(a) if outcome_of_status(a.status) == Outcome::NeedLogin) {
            // The session, not the report: back to waiting as it was,
            // and the session marked so that nothing more goes out.
            report.status = held_status(written_at, attempts, now_ms, Some(NEED_LOGIN_NOTE.to_owned()));
            self.store.refuse_session(&token, now_ms).await?;
            pass.auth.replace(None);
            {
                let mut summary = pass.summary.borrow_mut();
                summary.refused = true;
                summary.waiting += 1;
                summary.held += 1;
            }
            self.store.put(&report).await?;
            on_change(&report);
            return Ok(true);
        }
        report.status = match answer {
            Ok(answer) => judge(&answer, written_at, attempts, now_ms, &mut || pass.jitter()),
            Err(e) => {
                pass.link_down.set(true);
                if browser_online() {
                    retry(
                        written_at,
                        attempts,
                        now_ms,
                        &mut || pass.jitter(),
                        None,
                        e.worker_note(),
                    )
                } else {
                    // No network at all, by the browser's own word: not the
                    // report's failure, so its backoff does not grow.
                    // Otherwise each submit made offline (every one starts a
                    // pass) would push the next try minutes away, and a
                    // report would sit out a short cut of the link long
                    // after it ended.
                    Status::Waiting {
                        written_at,
                        attempts,
                        next_try_ms: now_ms + backoff::delay_ms(attempts, pass.jitter()) as f64,
                        last_error: Some(e.worker_note()),
                    }
                }
            }
        };
        match &report.status {
            Status::Delivered { .. } => pass.summary.borrow_mut().delivered += 1,
            Status::Rejected { .. } => pass.summary.borrow_mut().rejected += 1,
            _ => pass.waiting(next_try(&report)),
        }
        // Not written (a full phone): the screen says what happened, the
        // phone keeps the report as it was and sends it again, which the
        // server answers with the same receipt, until the outcome can be
        // written.
        self.show(
            &report,
            on_change,
            "cannot write how a send ended, it will be sent again",
        )
        .await;
        Ok(true)
    }

    /// Writes `report`'s new state and shows it. On a full phone the write
    /// fails: the screen shows it all the same, the failure (`failed`)
    /// goes to the console, and the queue goes on; the next pass reads the
    /// state that was written.
    async fn show(&self, report: &LocalReport, on_change: &dyn Fn(&LocalReport), failed: &str) {
        if let Err(e) = self.store.put(report).await {
            leptos::logging::warn!("{failed}: {e}");
        }
        on_change(report);
    }
}

/// The reports each waiting for an earlier record of its thread, with that
/// record: of a thread's records still to send, only the earliest goes in a
/// pass. The server takes a hazard's step only after its finding (it answers
/// 425 otherwise), and the desk reads a thread in the order it arrived, so
/// a phone that found signal with a thread's 首报 and 续报 both waiting
/// sends them in the order they were written. `reports` is in key order,
/// and ids are UUIDv7: a later record has a later id. One entry per report:
/// the record it waits for, if any.
///
/// A first record the server refused holds its thread's later records back
/// when its fix must take a new id (`LocalReport::fix_keeps_id`): sent now,
/// they would name an id that will never be their thread's; the fix takes
/// them along (`threads::follow_the_fix`), and holds them until it is
/// submitted and goes first. Refused under an id the fix keeps, they go
/// until the fix is opened: the server takes a 续报 before its 首报, and
/// the office learns of it meanwhile.
fn behind_in_their_threads(reports: &[LocalReport]) -> Vec<Option<LocalReport>> {
    // The record each thread sends first: a first record that holds the
    // rest back, else the earliest to send by stage, then id (a fix takes
    // a new id, younger than the records after it in its thread). The
    // threads a phone has in its queue are few, and a list costs the wasm
    // none of a hash map's code.
    let earlier = |a: &LocalReport, b: &LocalReport| {
        (a.thread.is_some(), a.stage.order(), a.id) < (b.thread.is_some(), b.stage.order(), b.id)
    };
    let mut first_to_send: Vec<(ReportId, &LocalReport)> = reports
        .iter()
        .filter(|r| r.holds_its_thread_back())
        .map(|r| (r.id, r))
        .collect();
    for report in reports.iter().filter(|r| is_to_send(r)) {
        let thread = report.thread_id();
        match first_to_send.iter_mut().find(|(t, _)| *t == thread) {
            Some((_, ahead)) => {
                if !ahead.holds_its_thread_back() && earlier(report, ahead) {
                    *ahead = report;
                }
            }
            None => first_to_send.push((thread, report)),
        }
    }
    reports
        .iter()
        .map(|report| {
            if !is_to_send(report) {
                return None;
            }
            let thread = report.thread_id();
            let &(_, ahead) = first_to_send.iter().find(|(t, _)| *t == thread)?;
            (ahead.id != report.id).then(|| ahead.clone())
        })
        .collect()
}

/// Whether a pass sends `report` (in its turn).
fn is_to_send(report: &LocalReport) -> bool {
    matches!(report.status, Status::Waiting { .. } | Status::Sending { .. })
}

/// Turns the server's answer into the report's next state.
fn judge(
    answer: &HttpAnswer,
    written_at: chrono::DateTime<chrono::FixedOffset>,
    attempts: u32,
    now_ms: f64,
    jitter: &mut impl FnMut() -> f64,
) -> Status {
    // An answer that is not the server's is tried again, its note said.
    let mut not_the_server = |why: String| {
        leptos::logging::warn!("{why}");
        retry(
            written_at,
            attempts,
            now_ms,
            jitter,
            None,
            NOT_THE_SERVER_NOTE.to_owned(),
        )
    };
    match outcome_of_status(answer.status) {
        // Handled by the caller before judging; should one slip through, it
        // waits like any undecided answer.
        Outcome::NeedLogin => retry(written_at, attempts, now_ms, jitter, None, NEED_LOGIN_NOTE.to_owned()),
        Outcome::Delivered => match kuaibao_core::wire::json::from_str::<Receipt>(&answer.body) {
            Ok(receipt) => Status::Delivered { written_at, receipt },
            // A 2xx without a receipt we can read (a captive portal, say):
            // sending again is safe, the server recognises the id.
            Err(e) => not_the_server(format!("a 2xx without a readable receipt: {e}")),
        },
        Outcome::Rejected => match kuaibao_core::wire::json::from_str::<ApiError>(&answer.body) {
            Ok(err) => Status::Rejected {
                written_at,
                reason: err.message,
                fields: err.fields,
                id_taken: answer.status == CONFLICT,
            },
            // The server answers every refusal in its error shape; one
            // without it came from something on the way, not from judging
            // the report, so the report waits and goes again.
            Err(e) => not_the_server(format!("a refusal ({}) that is not the server's: {e}", answer.status)),
        },
        // Whatever the server asks to wait (a spent day of storage, a
        // server draining for a restart) is waited, within the hour.
        Outcome::Retry if answer.status == TOO_EARLY => retry(
            written_at,
            attempts,
            now_ms,
            jitter,
            answer.retry_after_s,
            EARLY_NOTE.to_owned(),
        ),
        Outcome::Retry if answer.status == TOO_MANY => retry(
            written_at,
            attempts,
            now_ms,
            jitter,
            answer.retry_after_s,
            LATER_NOTE.to_owned(),
        ),
        Outcome::Retry => retry(written_at, attempts, now_ms, jitter, answer.retry_after_s, {
            leptos::logging::warn!("the server did not take a report now ({})", answer.status);
            BUSY_NOTE.to_owned()
        }),
    }
}

/// Whether the browser believes it has a network (true where it cannot
/// tell).
pub(crate) fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

fn retry(
    written_at: chrono::DateTime<chrono::FixedOffset>,
    attempts: u32,
    now_ms: f64,
    jitter: &mut impl FnMut() -> f64,
    wait_s: Option<u64>,
    error: String,
) -> Status {
    let delay = backoff::delay_after_ms(attempts, jitter(), wait_s);
    Status::Waiting {
        written_at,
        attempts: attempts.saturating_add(1),
        next_try_ms: now_ms + delay as f64,
        last_error: Some(error),
    }
}

/// Waiting for a login: the failed tries stay as they were (a missing
/// session is nobody's failure to back off from), and it is due at once.
fn held_status(
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
