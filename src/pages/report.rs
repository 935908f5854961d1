use std::collections::BTreeSet;

use kuaibao_core::{catalogue, validate, FieldError, ReportId};
use leptos::prelude::*;

use crate::components::{SentenceForm, StatusLine};
use crate::drafts::SaveState;
use crate::platform;
use crate::state::AppState;
use crate::store::{LocalReport, Status};
use crate::words;

/// One report: the editor while it is a draft, its sentence and state after.
#[component]
pub fn ReportPage(id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    // Redraw only when the report changes kind, not on every autosave, so
    // the input being typed in keeps its focus.
    let mode = Memo::new(move |_| state.reports.with(|rs| rs.iter().find(|r| r.id == id).map(|r| r.status == Status::Draft)));
    view! {
        <a class="back" href="#/">{move || state.t(words::BACK)}</a>
        {move || match mode.get() {
            None => view! { <p class="empty">"?"</p> }.into_any(),
            Some(true) => view! { <DraftEditor id/> }.into_any(),
            Some(false) => view! { <SubmittedReport id/> }.into_any(),
        }}
    }
}

fn find(state: AppState, id: ReportId) -> Option<LocalReport> {
    state.reports.with_untracked(|rs| rs.iter().find(|r| r.id == id).cloned())
}

#[component]
fn DraftEditor(id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    let Some(draft) = find(state, id) else { return ().into_any() };
    let Some(template) = catalogue::find(&draft.template_id, draft.template_version) else {
        return view! { <p class="error">{format!("{} v{}", draft.template_id, draft.template_version)}</p> }.into_any();
    };
    let answers = RwSignal::new(draft.answers.clone());
    let left: RwSignal<BTreeSet<String>> = RwSignal::new(BTreeSet::new());
    let tried_submit = RwSignal::new(false);
    let all_errors = Memo::new(move |_| {
        let now = platform::now_local().with_timezone(&validate::beijing()).naive_local();
        answers.with(|a| validate::validate_answers(template, a, now))
    });
    // Errors show at a blank once the user has left it, or after a submit.
    let shown: Signal<Vec<FieldError>> = Signal::derive(move || {
        let all = all_errors.get();
        if tried_submit.get() {
            all
        } else {
            left.with(|l| all.into_iter().filter(|e| l.contains(&e.field)).collect())
        }
    });
    let on_edit = Callback::new(move |(key, value): (String, String)| {
        answers.update(|a| {
            if value.is_empty() {
                a.remove(&key);
            } else {
                a.insert(key, value);
            }
        });
        state.edit(LocalReport { answers: answers.get_untracked(), updated_ms: platform::now_ms(), ..draft.clone() });
    });
    let on_leave = Callback::new(move |id: String| left.update(|l| {
        l.insert(id);
    }));
    let submit = move |_| {
        tried_submit.set(true);
        let report = LocalReport { answers: answers.get_untracked(), ..find(state, id).unwrap_or_else(|| draft_fallback(id)) };
        leptos::task::spawn_local(async move {
            if let Err(errors) = state.submit(report).await {
                if let Some(first) = errors.first() {
                    focus(&format!("blank-{}", first.field));
                }
            }
        });
    };
    let save_note = move || match state.save_state().get() {
        SaveState::Saved => state.t(words::SAVED).to_owned(),
        SaveState::Unsaved => state.t(words::UNSAVED).to_owned(),
        SaveState::Saving => state.t(words::SAVING).to_owned(),
        SaveState::Failed(e) => format!("{}：{e}", state.t(words::SAVE_FAILED)),
    };
    view! {
        <h2>{move || state.t(template.title)}</h2>
        <p class="save-state" role="status" data-testid="save-state"
            data-state=move || format!("{:?}", state.save_state().get()).to_lowercase()>{save_note}</p>
        <form class="sentence" on:submit=|ev| ev.prevent_default()>
            <SentenceForm template answers errors=shown on_edit on_leave/>
        </form>
        <Show when=move || tried_submit.get() && !all_errors.with(|e| e.is_empty())>
            <p class="form-error" role="alert">{move || state.t(words::FIX_ERRORS)}</p>
        </Show>
        <div class="actions">
            <button type="button" class="primary big" on:click=submit>{move || state.t(words::SUBMIT)}</button>
            <button type="button" class="danger" on:click=move |_| state.discard(id)>{move || state.t(words::DISCARD)}</button>
        </div>
    }
    .into_any()
}

/// Only reached if the list lost the draft between render and submit.
fn draft_fallback(id: ReportId) -> LocalReport {
    LocalReport::new_draft(id, &catalogue::GENERAL_INCIDENT, platform::now_ms())
}

fn focus(element_id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id(element_id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _focus_is_a_courtesy = el.focus();
    }
}

/// A report that left the draft state: its sentence, read-only, its state,
/// and for a rejected one the reasons at the blanks and a way to fix it.
#[component]
fn SubmittedReport(id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    let report = Memo::new(move |_| state.reports.with(|rs| rs.iter().find(|r| r.id == id).cloned()));
    move || {
        let Some(report) = report.get() else { return ().into_any() };
        let Some(template) = catalogue::find(&report.template_id, report.template_version) else {
            return view! { <p class="error">{report.template_id.clone()}</p> }.into_any();
        };
        let errors = match &report.status {
            Status::Rejected { fields, .. } => fields.clone(),
            _ => Vec::new(),
        };
        let written = report.submission().map(|s| s.written_at.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default();
        let rejected = matches!(report.status, Status::Rejected { .. }).then(|| report.clone());
        let answers = report.answers.clone();
        view! {
            <h2>{move || state.t(template.title)}</h2>
            <StatusLine report=report.clone()/>
            <p class="meta">{move || state.t(words::WRITTEN_AT)}" "{written.clone()}</p>
            <div class="sentence readonly">
                <SentenceForm template answers=Signal::derive(move || answers.clone()) errors=Signal::derive(move || errors.clone())
                    on_edit=Callback::new(|_| {}) on_leave=Callback::new(|_| {}) readonly=true/>
            </div>
            {rejected.map(|r| view! {
                <button type="button" class="primary big" on:click=move |_| state.reopen(r.clone())>
                    {move || state.t(words::FIX_AND_RESEND)}
                </button>
            })}
        }
        .into_any()
    }
}

