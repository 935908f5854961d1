//! 签发: the officer signs the thread's written report for sending upward,
//! naming the 审核人 and the recipient (上级单位), then prints it. Where
//! the thread has steps up the chain of regulation 493 (市级, 省级, 国务院),
//! the officer names the step it is sent for, and the signing meets that
//! step's deadline line. The
//! signing is a record on the server (`kuaibao_core::desk::signing`); its id is
//! made here and kept until the server answers, so a double click or a
//! retry after a lost answer stores it once. The words are checked by the
//! core as the server checks them; each error shows at its field.

use kuaibao_core::desk::signing::{Sign, Signature, MAX_RECIPIENT_CHARS, MAX_REVIEWER_CHARS, SIGNATURES_PATH};
use kuaibao_core::{Lang, ReportId};
use leptos::prelude::*;
use uuid::Uuid;

use super::answer::focus;
use super::send::{Ended, Sending};
use crate::office::api::{self, with_id, ApiFail};
use crate::office::exports::{written_path, ExportButton};
use crate::office::state::Desk;

/// The form's words, what was said of them, and the signing sent without
/// an answer: kept on the shelf (`super::Shelf`), so a live reload of the
/// thread (another desk's answer, a photo arriving) keeps them.
#[derive(Clone, Copy)]
pub struct SignDraft {
    recipient: RwSignal<String>,
    reviewer: RwSignal<String>,
    /// The step up the chain (an upward rule's id); empty for none.
    step: RwSignal<String>,
    errors: RwSignal<Vec<kuaibao_core::FieldError>>,
    error: RwSignal<Option<String>>,
    /// The signing being sent, by its words (its id left out).
    sending: Sending<Sign, Uuid>,
}

impl SignDraft {
    pub fn new() -> Self {
        SignDraft {
            recipient: RwSignal::new(String::new()),
            reviewer: RwSignal::new(String::new()),
            step: RwSignal::new(String::new()),
            errors: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            sending: Sending::new(),
        }
    }
}

#[component]
pub fn SignBox(
    thread_id: ReportId,
    /// The latest written stage: what the signature names.
    latest: ReportId,
    /// When the thread's last record arrived: a signing before it no longer
    /// covers the thread, whatever stage that record is.
    last_received: Option<chrono::DateTime<chrono::Utc>>,
    /// The thread's signings so far, oldest first.
    signatures: Vec<Signature>,
    /// The thread's steps up the chain: each upward line's rule id and
    /// label.
    steps: Vec<(String, String)>,
    draft: SignDraft,
    on_signed: Callback<()>,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let SignDraft {
        errors, error, sending, ..
    } = draft;
    let signed: RwSignal<Vec<Signature>> = RwSignal::new(signatures);
    let step_labels = StoredValue::new(steps.clone());
    let error_at = move |field: &'static str| {
        move || {
            errors.with(|l| {
                l.iter()
                    .filter(|e| e.field == field)
                    .map(|e| e.message(Lang::Zh).to_owned())
                    .reduce(|a, b| format!("{a}；{b}"))
            })
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.busy_now() {
            return;
        }
        errors.set(Vec::new());
        error.set(None);
        let step = draft.step.get_untracked();
        let mut body = Sign {
            id: Uuid::nil(),
            report_id: latest,
            recipient: draft.recipient.get_untracked(),
            reviewer: draft.reviewer.get_untracked(),
            step: (!step.is_empty()).then_some(step),
        };
        // The same words again after a lost answer keep their id.
        let words = body.clone();
        body.id = sending
            .pending_for(&words)
            .unwrap_or_else(|| crate::platform::new_report_id().0);
        if let Err(found) = body.check() {
            if let Some(first) = found.first() {
                focus(&format!("sign-{}", first.field));
            }
            errors.set(found);
            return;
        }
        if !sending.begin(words, body.id) {
            return;
        }
        let token = desk.token();
        leptos::task::spawn_local(async move {
            match api::post::<_, Signature>(&token, &with_id(SIGNATURES_PATH, thread_id), &body).await {
                Ok(s) => {
                    sending.end(Ended::Done);
                    signed.try_update(|list| {
                        if !list.iter().any(|x| x.id == s.id) {
                            list.push(s)
                        }
                    });
                    // The page may have been left while the answer came.
                    let _page_left = on_signed.try_run(());
                }
                Err(e) => {
                    desk.failed(&e);
                    sending.end(Ended::of(&e));
                    match &e {
                        ApiFail::Fields { fields, .. } if fields.iter().any(|f| f.field != "thread") => {
                            errors.try_set(fields.clone());
                        }
                        _ => {
                            error.try_set(Some(e.words()));
                        }
                    }
                }
            }
        });
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      max: usize,
                      value: RwSignal<String>| {
        let error = error_at(id);
        view! {
            <div class="field" class:has-error=move || error().is_some()>
                <label for=format!("sign-{id}")>{label}</label>
                <input id=format!("sign-{id}") name=id type="text" maxlength=crate::components::input_maxlength(max).to_string() placeholder=hint
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby=format!("sign-{id}-error")
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
                <span class="error" id=format!("sign-{id}-error") role="alert" data-testid=format!("sign-{id}-error")>{error}</span>
            </div>
        }
    };
    let list = move || {
        signed.with(|list| {
            list.iter()
                .map(|s| {
                    let step = s
                        .step
                        .as_ref()
                        .map(|id| {
                            let label = step_labels.with_value(|l| {
                                l.iter()
                                    .find(|(i, _)| i == id)
                                    .map_or_else(|| id.clone(), |(_, l)| l.clone())
                            });
                            format!("，报送层级：{label}")
                        })
                        .unwrap_or_default();
                    let covers = if s.report_id == latest && last_received.is_none_or(|t| t <= s.signed_at) {
                        ""
                    } else {
                        "（签发后又收到新记录，需重新签发）"
                    };
                    view! {
                        <li data-testid="signature">
                            {format!(
                                "{} 由 {} 签发，审核人 {}，报送 {}（报送单位 {}）{step}{covers}",
                                crate::office::bj(s.signed_at),
                                s.by_name,
                                s.reviewer,
                                s.recipient,
                                s.unit
                            )}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let step_error = error_at("step");
    let step_field = (!steps.is_empty()).then(|| {
        let options = steps
            .iter()
            .map(|(id, label)| view! { <option value=id.clone()>{label.clone()}</option> })
            .collect_view();
        view! {
            <div class="field" class:has-error=move || step_error().is_some()>
                <label for="sign-step">"报送层级（493 号条例逐级上报）"</label>
                <select id="sign-step" name="step" aria-describedby="sign-step-error"
                    aria-invalid=move || step_error().is_some().to_string()
                    prop:value=move || draft.step.get()
                    on:change=move |ev| draft.step.set(event_target_value(&ev))>
                    <option value="">"不标记层级"</option>
                    {options}
                </select>
                <span class="error" id="sign-step-error" role="alert" data-testid="sign-step-error">{step_error}</span>
            </div>
        }
    });
    view! {
        <form class="sign-box" on:submit=submit novalidate=true data-testid="sign-form">
            <h3>"书面报告签发"</h3>
            <div class="sign-fields">
                {field("recipient", "报送对象（上级单位）", "如：××区应急管理局", MAX_RECIPIENT_CHARS, draft.recipient)}
                {field("reviewer", "审核人", "审核人姓名", MAX_REVIEWER_CHARS, draft.reviewer)}
                {step_field}
            </div>
            <div class="sign-actions">
                <button type="submit" class="primary" disabled=move || sending.busy() data-testid="sign-button">
                    {move || if sending.busy() { "正在签发…" } else { "签发（本人为签发人）" }}
                </button>
                <ExportButton label="打印书面报告" path=Signal::derive(move || written_path(thread_id))
                    file=format!("kuaibao-{thread_id}.html") open=true testid="export-written"/>
            </div>
            <p class="error" role="alert" data-testid="sign-error">{move || error.get()}</p>
            <ul class="signatures" aria-label="签发记录" data-testid="signatures">{list}</ul>
        </form>
    }
}
