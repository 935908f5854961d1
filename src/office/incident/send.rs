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

/// A form's send, kept by the page with its draft: the record last sent
/// without an answer (or whose `after` did not finish) with the inputs it
/// was made of, and whether a send is under way. A live reload redraws the
/// form in the middle of a send; kept here, the redrawn form neither offers
/// its button again nor forgets the record (its id) it is sending, so a
/// press after a lost answer replays it rather than storing a second.
/// `R` is what is sent: a record, or the id of an office answer.
pub struct Sending<I: 'static, R: 'static = Report> {
    pending: StoredValue<Option<(I, R)>>,
    busy: RwSignal<bool>,
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

    /// What was last sent of `inputs` without an answer: sending the same
    /// inputs again sends it again.
    pub fn pending_for(&self, inputs: &I) -> Option<R> {
        self.pending
            .with_value(|p| p.as_ref().filter(|(i, _)| i == inputs).map(|(_, r)| r.clone()))
    }

    /// A send of `record`, made of `inputs`, begins; `false` if one is
    /// under way already (a double press).
    pub fn begin(&self, inputs: I, record: R) -> bool {
        if self.busy_now() {
            return false;
        }
        self.pending.set_value(Some((inputs, record)));
        self.busy.set(true);
        true
    }

    /// The send ended. `settled`: stored, or refused for good, so the next
    /// press makes a new one; otherwise (no answer) it is kept to replay.
    /// Tried, not assumed: the page may be gone when the answer comes.
    pub fn end(&self, settled: bool) {
        if settled {
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
/// `typed` (the pending one if the inputs are the same, else what `make`
/// makes of them, or its errors placed at the form), sent once, then
/// `after`.
pub fn submit_once<I: Clone + PartialEq + Send + Sync + 'static>(
    desk: Desk,
    typed: I,
    sending: Sending<I>,
    shown: Shown,
    make: impl FnOnce(&I) -> Result<Report, Vec<FieldError>>,
    after: AfterStored,
    on_done: Callback<()>,
) {
    if sending.busy_now() {
        return;
    }
    shown.general.set(None);
    let report = match sending.pending_for(&typed) {
        Some(report) => Ok(report),
        None => make(&typed),
    };
    match report {
        Ok(report) => {
            shown.fields.set(Vec::new());
            send_once(desk, typed, report, sending, shown, after, on_done);
        }
        Err(errors) => (shown.place)(shown.fields, shown.general, errors),
    }
}

/// Sends `report` (made of `inputs`), then `after`; `on_done` once both
/// went through.
fn send_once<I: Clone + PartialEq + Send + Sync + 'static>(
    desk: Desk,
    inputs: I,
    report: Report,
    sending: Sending<I>,
    shown: Shown,
    after: AfterStored,
    on_done: Callback<()>,
) {
    if !sending.begin(inputs, report.clone()) {
        return;
    }
    let token = desk.token();
    // The page may be gone when the answer comes (the officer moved on):
    // everything after the await is tried, not assumed.
    leptos::task::spawn_local(async move {
        match api::submit_report(&token, &report).await {
            Ok(_receipt) => {
                let then = match after {
                    Some(after) => after(token).await,
                    None => Ok(()),
                };
                match then {
                    Ok(()) => {
                        sending.end(true);
                        on_done.try_run(());
                    }
                    Err(words) => {
                        sending.end(false);
                        shown.general.try_set(Some(words));
                    }
                }
            }
            Err(e) => {
                desk.failed(&e);
                sending.end(!matches!(e, ApiFail::Net(_)));
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
