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
/// its button again nor forgets the record it is sending.
pub struct Sending<I: 'static> {
    pending: StoredValue<Option<(I, Report)>>,
    busy: RwSignal<bool>,
}

impl<I: Send + Sync + 'static> Sending<I> {
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

    /// Whether a record was sent and not yet seen through: no answer came,
    /// or what follows it (the closing's photo) did not finish. Its form
    /// stays on the page until it is, even once the thread shows the record.
    pub fn unfinished(&self) -> bool {
        self.pending.with_value(Option::is_some)
    }
}

impl<I> Clone for Sending<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I> Copy for Sending<I> {}

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
    if sending.busy.get_untracked() {
        return;
    }
    shown.general.set(None);
    let report = match sending.pending.get_value() {
        Some((inputs, report)) if inputs == typed => Ok(report),
        _ => make(&typed),
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
#[allow(clippy::too_many_arguments)]
fn send_once<I: Clone + Send + Sync + 'static>(
    desk: Desk,
    inputs: I,
    report: Report,
    sending: Sending<I>,
    shown: Shown,
    after: AfterStored,
    on_done: Callback<()>,
) {
    let Sending { pending, busy } = sending;
    pending.set_value(Some((inputs, report.clone())));
    busy.set(true);
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
                        pending.try_set_value(None);
                        on_done.try_run(());
                    }
                    Err(words) => {
                        shown.general.try_set(Some(words));
                    }
                }
            }
            Err(e) => {
                desk.failed(&e);
                if !matches!(e, ApiFail::Net(_)) {
                    pending.try_set_value(None);
                }
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
        busy.try_set(false);
    });
}
