//! 记录来电 at the desk: the officer who took a worker's phone report logs
//! it on the thread, as the same kind of record the phone's call button
//! makes (`kuaibao_core::rules::calls`). It meets the phone deadline; the written
//! report is another. A send that got no answer keeps its record, so
//! sending the same inputs again is a replay the server stores once.

use kuaibao_core::rules::calls::{CallForm, CALL_FIELDS};
use kuaibao_core::rules::closing::error_at;
use kuaibao_core::{FieldError, Lang, ReportId};
use leptos::prelude::*;

use super::answer::focus;
use super::send::{submit_once, Sending, Shown};
use crate::office::state::Desk;

/// The label and input type of each blank of [`CALL_FIELDS`].
fn drawn(field: &str) -> (&'static str, &'static str) {
    match field {
        "called_at" => ("通话时间（北京时间）", "datetime-local"),
        "reporter" => ("来电人", "text"),
        "phone" => ("来电号码（选填）", "tel"),
        _ => ("通话要点（选填）", "text"),
    }
}

/// What is typed into 记录来电 and what was said of the last try, kept by
/// the page: a live reload (any report arriving in the area) redraws the
/// box, and must not wipe a call half logged.
#[derive(Clone, Copy)]
pub struct CallDraft {
    /// `None` until the officer types: the form then opens afresh (now,
    /// the thread's reporter) on each drawing.
    form: RwSignal<Option<CallForm>>,
    /// The record last sent without an answer, and the inputs it was made
    /// of (sending them again sends the very same record), and whether a
    /// send is under way: a reload mid-send must not offer the button again.
    sending: Sending<CallForm>,
    errors: RwSignal<Vec<FieldError>>,
    general: RwSignal<Option<String>>,
}

impl CallDraft {
    pub fn new() -> Self {
        CallDraft {
            form: RwSignal::new(None),
            sending: Sending::new(),
            errors: RwSignal::new(Vec::new()),
            general: RwSignal::new(None),
        }
    }
}

#[component]
pub fn CallBox(
    thread_id: ReportId,
    /// The number the new call takes in the thread.
    n: u32,
    /// The form as it opens: now, and the thread's reporter.
    start: CallForm,
    /// What is typed, kept on the shelf.
    draft: CallDraft,
    /// Called once the server stored the call.
    on_logged: Callback<()>,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let CallDraft {
        form: typed,
        sending,
        errors,
        general,
    } = draft;
    let form = Signal::derive({
        let start = start.clone();
        move || typed.get().unwrap_or_else(|| start.clone())
    });
    // The form as the officer starts on it: the call's time is now, not
    // when the page was drawn (it may have been open for an hour).
    let fresh = StoredValue::new(start);
    let fresh = move || CallForm {
        called_at: this_minute(desk.server_now_ms()),
        ..fresh.get_value()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let shown = Shown {
            fields: errors,
            general,
            place: show_errors,
            offline: "连不上服务器，来电尚未记录。已填的内容仍在，请检查网络后再点「记录来电」。/ Cannot reach the server: the call is not logged yet. What you typed is still here: check the network and press 记录来电 again.",
        };
        let make = |typed: &CallForm| {
            typed.check(
                crate::platform::new_report_id(),
                thread_id,
                n,
                desk.server_now_ms() as i64,
            )
        };
        // Pressed untouched: the form is fixed as it is sent, so a press
        // after a lost answer sends the very same call.
        if typed.get_untracked().is_none() {
            typed.set(Some(fresh()));
        }
        // Logged: the next call opens afresh. Plain handles of the shelf:
        // this box may be drawn anew before the answer comes.
        let done = move || {
            typed.try_set(None);
            on_logged.try_run(());
        };
        submit_once(desk, form.get_untracked(), sending, shown, make, None, done);
    };
    let fields = CALL_FIELDS
        .iter()
        .map(|&id| {
            let (label, kind) = drawn(id);
            let input_id = format!("call-{id}");
            let error_id = format!("call-{id}-error");
            let has_error = move || errors.with(|e| e.iter().any(|x| x.field == id));
            view! {
                <div class="field" class:has-error=has_error>
                    <label for=input_id.clone()>{label}</label>
                    <input id=input_id name=id type=kind
                        aria-invalid=move || has_error().to_string() aria-describedby=error_id.clone()
                        prop:value=move || form.with(|v| v.get(id).to_owned())
                        on:input=move |ev| {
                            typed.update(|v| v.get_or_insert_with(fresh).set(id, event_target_value(&ev)));
                            errors.update(|e| e.retain(|x| x.field != id));
                        }/>
                    <span class="error" id=error_id.clone() data-testid=format!("call-{id}-error")>
                        {move || errors.with(|e| error_at(e, id, Lang::Zh))}
                    </span>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="call-box" on:submit=submit novalidate=true aria-labelledby="call-title" data-testid="call-form">
            <h3 id="call-title">"记录来电（电话报告）"</h3>
            <p class="help">"接到报告人电话报告此事件时，在此记录通话时间。电话报告时限由来电满足，书面报告时限由报告本身满足，两者分别计时。"</p>
            <div class="close-fields">{fields}</div>
            <p class="error" role="alert" data-testid="call-error">{move || general.get()}</p>
            <button type="submit" class="primary" disabled=move || sending.busy() data-testid="call-button">
                {move || if sending.busy() { "正在记录…" } else { "记录来电" }}
            </button>
        </form>
    }
}

/// `now_ms` (the server's clock, `Desk::server_now_ms`), to the minute, in
/// Beijing time as the form takes it (`2026-12-06T21:40`).
pub fn this_minute(now_ms: f64) -> String {
    crate::timefmt::beijing_at(now_ms)
        .map(|t| crate::timefmt::ymd_t_hm(&t))
        .unwrap_or_default()
}

/// Shows `list` at the blanks they name, the rest above the button, and
/// puts the cursor in the first bad blank.
fn show_errors(errors: RwSignal<Vec<FieldError>>, general: RwSignal<Option<String>>, list: Vec<FieldError>) {
    let elsewhere = list
        .iter()
        .filter(|e| !CALL_FIELDS.contains(&e.field.as_str()))
        .map(|e| e.message(Lang::Zh).to_owned())
        .reduce(|a, b| format!("{a}；{b}"));
    general.set(elsewhere);
    if let Some(first) = CALL_FIELDS.iter().find(|f| list.iter().any(|e| e.field == **f)) {
        focus(&format!("call-{first}"));
    }
    errors.set(list);
}
