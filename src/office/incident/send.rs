//! Sending a record the desk made (a hazard's closing, a logged call) to
//! `POST /api/reports`, once: the record is kept with the inputs it was
//! made of until the server answers, so sending the same inputs again
//! after a lost answer is a replay the server stores once; a refusal drops
//! it (the next try makes a new record).

use std::future::Future;
use std::pin::Pin;

use kuaibao_core::{FieldError, Report};
use leptos::prelude::*;

use crate::office::api::{self, ApiFail};
use crate::office::state::Desk;

/// Places a refusal's errors: those of the form's blanks at them, the rest
/// in the message above the button.
pub type Place = fn(RwSignal<Vec<FieldError>>, RwSignal<Option<String>>, Vec<FieldError>);

/// What follows once the server stored the record (the closing's photo,
/// uploaded after its text): given the session token; an error keeps the
/// record pending, so the next press replays it and tries again.
pub type AfterStored = Option<Box<dyn FnOnce(String) -> Pin<Box<dyn Future<Output = Result<(), String>>>>>>;

/// A form's send, kept with its draft on the shelf: the record last sent
/// and not seen through, with the inputs it was made of, and whether a
/// send is under way. A live reload redraws the form in the middle of a
/// send; kept here, the redrawn form neither offers its button again nor
/// forgets the record (its id) it is sending, so a press after a lost
/// answer replays it rather than storing a second. `R` is what is sent: a
/// record, or the id of an office answer.
pub struct Sending<I: 'static, R: 'static = Report> {
    pending: StoredValue<Option<Pending<I, R>>>,
    busy: RwSignal<bool>,
}

struct Pending<I, R> {
    inputs: I,
    record: R,
    /// The server holds it, and only what follows it (the closing's photo)
    /// is missing: every press now replays this very record, whatever the
    /// form says (a new one would be refused, the hazard being closed).
    stored: bool,
}

/// How a send ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Stored, and whatever follows done.
    Done,
    /// Refused for good (the server judged it): the next press makes a new
    /// one, unless the record is stored already.
    Refused,
    /// No answer, or one that may pass (a proxy's 502, a busy server): the
    /// next press sends the same again.
    Unsettled,
}

impl Ended {
    /// How a send that failed so ended.
    pub fn of(fail: &ApiFail) -> Self {
        if fail.is_refusal() {
            Ended::Refused
        } else {
            Ended::Unsettled
        }
    }
}

impl<I: PartialEq + Send + Sync + 'static, R: Clone + Send + Sync + 'static> Sending<I, R> {
    pub fn new() -> Self {
        Sending {
            pending: StoredValue::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// Whether a send is under way (tracked: the button follows it).
    pub fn busy(&self) -> bool {
        self.busy.get()
    }

    /// Whether a send is under way now (untracked: for handlers).
    pub fn busy_now(&self) -> bool {
        self.busy.get_untracked()
    }

    /// Whether a record was sent and not yet seen through: no answer came,
    /// or what follows it (the closing's photo) did not finish. Its form
    /// stays on the page until it is, even once the thread shows the record.
    /// Tracked: the record sent changes only as a send begins or ends,
    /// which `busy` follows.
    pub fn unfinished(&self) -> bool {
        self.busy.track();
        self.pending.with_value(Option::is_some)
    }

    /// Whether the server holds the record and only what follows it is
    /// missing: the form's words can no longer change it (tracked, as
    /// [`unfinished`](Self::unfinished)).
    pub fn stored(&self) -> bool {
        self.busy.track();
        self.pending.with_value(|p| p.as_ref().is_some_and(|p| p.stored))
    }

    /// What to send for `inputs`: the record last sent of the same inputs
    /// without an answer, or the stored one whatever the inputs.
    pub fn pending_for(&self, inputs: &I) -> Option<R> {
        self.pending.with_value(|p| {
            p.as_ref()
                .filter(|p| p.stored || p.inputs == *inputs)
                .map(|p| p.record.clone())
        })
    }

    /// A send of `record`, made of `inputs`, begins; `false` if one is
    /// under way already (a double press).
    pub fn begin(&self, inputs: I, record: R) -> bool {
        if self.busy_now() {
            return false;
        }
        let stored = self.pending.with_value(|p| p.as_ref().is_some_and(|p| p.stored));
        self.pending.set_value(Some(Pending { inputs, record, stored }));
        self.busy.set(true);
        true
    }

    /// The server holds the record; what follows it may still fail.
    pub fn mark_stored(&self) {
        self.pending.try_update_value(|p| {
            if let Some(p) = p {
                p.stored = true;
            }
        });
    }

    /// The send ended so. Tried, not assumed: the page may be gone when the
    /// answer comes.
    pub fn end(&self, ended: Ended) {
        let forget = match ended {
            Ended::Done => true,
            Ended::Refused => self.pending.try_with_value(|p| !p.as_ref().is_some_and(|p| p.stored)) == Some(true),
            Ended::Unsettled => false,
        };
        if forget {
            self.pending.try_set_value(None);
        }
        self.busy.try_set(false);
    }
}

impl<I, R> Clone for Sending<I, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, R> Copy for Sending<I, R> {}

/// What a form shows of a failed send.
pub struct Shown {
    /// The errors by blank (the server's 422), for the form to place.
    pub fields: RwSignal<Vec<FieldError>>,
    /// The message above the button.
    pub general: RwSignal<Option<String>>,
    /// Places `fields` at their blanks and the rest in `general`.
    pub place: Place,
    /// What to say when the server cannot be reached (the inputs stay).
    pub offline: &'static str,
}

/// A form's submit: unless a send is under way, the record of the inputs
/// `typed` (the pending one if the inputs are the same, or the stored one;
/// else what `make` makes of them, or its errors placed at the form), sent
/// once, then `after`; `on_done` once both went through. `on_done` is a
/// plain closure over the shelf's handles: the form that was pressed may be
/// redrawn (and its own callbacks gone) before the answer comes.
pub fn submit_once<I: Clone + PartialEq + Send + Sync + 'static>(
    desk: Desk,
    typed: I,
    sending: Sending<I>,
    shown: Shown,
    make: impl FnOnce(&I) -> Result<Report, Vec<FieldError>>,
    after: AfterStored,
    on_done: impl FnOnce() + 'static,
) {
    if sending.busy_now() {
        return;
    }
    shown.general.set(None);
    let report = match sending.pending_for(&typed) {
        Some(report) => report,
        None => match make(&typed) {
            Ok(report) => report,
            Err(errors) => return (shown.place)(shown.fields, shown.general, errors),
        },
    };
    shown.fields.set(Vec::new());
    if !sending.begin(typed, report.clone()) {
        return;
    }
    let token = desk.token();
    // Everything after the await is tried, not assumed: the page may be
    // gone when the answer comes (the officer moved on).
    leptos::task::spawn_local(async move {
        match api::submit_report(&token, &report).await {
            Ok(_receipt) => {
                sending.mark_stored();
                let then = match after {
                    Some(after) => after(token).await,
                    None => Ok(()),
                };
                match then {
                    Ok(()) => {
                        sending.end(Ended::Done);
                        on_done();
                    }
                    Err(words) => {
                        sending.end(Ended::Unsettled);
                        shown.general.try_set(Some(words));
                    }
                }
            }
            Err(e) => {
                desk.failed(&e);
                sending.end(Ended::of(&e));
                match e {
                    ApiFail::Fields { fields, .. } => (shown.place)(shown.fields, shown.general, fields),
                    ApiFail::Net(_) => {
                        shown.general.try_set(Some(shown.offline.to_owned()));
                    }
                    other => {
                        shown.general.try_set(Some(other.words()));
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_record_is_sent_again_until_seen_through_and_a_stored_one_whatever_the_form_says() {
        Owner::new().with(|| {
            let sending: Sending<&str, u32> = Sending::new();
            // No answer: the same inputs send the same record; others not.
            assert!(sending.begin("a", 1));
            assert!(!sending.begin("a", 1), "one send at a time");
            sending.end(Ended::Unsettled);
            assert_eq!((sending.pending_for(&"a"), sending.pending_for(&"b")), (Some(1), None));
            // Refused before it was stored: the next press makes a new one.
            assert!(sending.begin("a", 1));
            sending.end(Ended::Refused);
            assert_eq!(sending.pending_for(&"a"), None);
            // Stored, its photo not up: that record, whatever is typed now,
            // and a refusal of a press does not forget it.
            assert!(sending.begin("a", 2));
            sending.mark_stored();
            sending.end(Ended::Unsettled);
            assert_eq!(sending.pending_for(&"edited"), Some(2));
            assert!(sending.begin("edited", 2));
            sending.end(Ended::Refused);
            assert_eq!(sending.pending_for(&"again"), Some(2));
            // Seen through: forgotten.
            assert!(sending.begin("again", 2));
            sending.end(Ended::Done);
            assert_eq!(sending.pending_for(&"again"), None);
        });
    }
}
