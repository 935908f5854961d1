//! Sending a record the desk made (a hazard's closing, a logged call) to
//! `POST /api/reports`, once: the record is kept with the inputs it was
//! made of until the server answers, so sending the same inputs again
//! after a lost answer is a replay the server stores once; a refusal drops
//! it (the next try makes a new record).

use kuaibao_core::{FieldError, Report};
use leptos::prelude::*;

use crate::office::api::{self, ApiFail};
use crate::office::state::Desk;

/// Places a refusal's errors: those of the form's blanks at them, the rest
/// in the message above the button.
pub type Place = fn(RwSignal<Vec<FieldError>>, RwSignal<Option<String>>, Vec<FieldError>);

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

/// A form's submit: unless a send is under way, the record of what is
/// typed in `form` (the pending one if the inputs are the same, else what
/// `make` makes of them, or its errors placed at the form), sent once.
#[allow(clippy::too_many_arguments)]
pub fn submit_once<I: Clone + PartialEq + Send + Sync + 'static>(
    desk: Desk,
    form: RwSignal<I>,
    pending: StoredValue<Option<(I, Report)>>,
    busy: RwSignal<bool>,
    shown: Shown,
    make: impl FnOnce(&I) -> Result<Report, Vec<FieldError>>,
    on_done: Callback<()>,
) {
    if busy.get_untracked() {
        return;
    }
    shown.general.set(None);
    let typed = form.get_untracked();
    let report = match pending.get_value() {
        Some((inputs, report)) if inputs == typed => Ok(report),
        _ => make(&typed),
    };
    match report {
        Ok(report) => {
            shown.fields.set(Vec::new());
            send_once(desk, typed, report, pending, busy, shown, on_done);
        }
        Err(errors) => (shown.place)(shown.fields, shown.general, errors),
    }
}

/// Sends `report` (made of `inputs`); `on_done` once stored.
fn send_once<I: Clone + Send + Sync + 'static>(
    desk: Desk,
    inputs: I,
    report: Report,
    pending: StoredValue<Option<(I, Report)>>,
    busy: RwSignal<bool>,
    shown: Shown,
    on_done: Callback<()>,
) {
    pending.set_value(Some((inputs, report.clone())));
    busy.set(true);
    let token = desk.token();
    leptos::task::spawn_local(async move {
        match api::submit_report(&token, &report).await {
            Ok(_receipt) => {
                pending.set_value(None);
                on_done.run(());
            }
            Err(e) => {
                desk.failed(&e);
                if !matches!(e, ApiFail::Net(_)) {
                    pending.set_value(None);
                }
                match e {
                    ApiFail::Fields { fields, .. } => (shown.place)(shown.fields, shown.general, fields),
                    ApiFail::Net(_) => shown.general.set(Some(shown.offline.to_owned())),
                    other => shown.general.set(Some(other.words())),
                }
            }
        }
        busy.set(false);
    });
}
