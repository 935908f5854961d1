//! The office's two answers to a thread: 确认收到 (acknowledge its latest
//! record) and 请求续报 (ask the reporter for a follow-up, with a message).
//! Each POST carries an id made in this browser and kept until it
//! succeeds, so a double click or a retry after a lost answer stores it
//! once.

use kuaibao_core::desk::office::{
    Acknowledge, Acknowledgement, AskFollowUp, FollowUpRequest, ACKNOWLEDGE_PATH, ASK_PATH, MAX_REQUEST_CHARS,
};
use kuaibao_core::{Lang, ReportId};
use leptos::prelude::*;
use uuid::Uuid;

use super::send::{Ended, Sending};
use crate::office::api::{self, with_id};
use crate::office::state::Desk;

fn new_id() -> Uuid {
    crate::platform::new_report_id().0
}

/// An acknowledgement under way, kept on the shelf (`super::Shelf`): its id, by the record
/// acknowledged, survives a live reload, so a press after a lost answer
/// stores it once.
pub type AckSending = Sending<ReportId, Uuid>;

/// What 请求续报 keeps across live reloads, kept on the shelf: the message
/// typed, the request being sent (its id, by its text), and what was said
/// of the last try. A reload (the officer's own acknowledgement, a record
/// arriving) redraws the box and must wipe none of it.
#[derive(Clone, Copy)]
pub struct AskDraft {
    message: RwSignal<String>,
    sending: Sending<String, Uuid>,
    field_error: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
}

impl AskDraft {
    pub fn new() -> Self {
        AskDraft {
            message: RwSignal::new(String::new()),
            sending: Sending::new(),
            field_error: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }
}

#[component]
pub fn AcknowledgeBox(
    thread_id: ReportId,
    /// The latest written stage: the one acknowledged.
    latest: ReportId,
    /// When the thread's last report arrived (a logged call is not one):
    /// an acknowledgement before it is of an earlier stage, as the inbox
    /// says too.
    last_received: Option<chrono::DateTime<chrono::Utc>>,
    /// The latest acknowledgement, if any.
    ack: Option<Acknowledgement>,
    /// The acknowledgement being sent, kept on the shelf.
    sending: AckSending,
    /// Called once the server stored the answer.
    on_answered: Callback<()>,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    // Acknowledged already, of the latest stage, and since the last record
    // came?
    let covers = move |a: &Acknowledgement| a.report_id == latest && last_received.is_none_or(|t| t <= a.at);
    let current = ack.as_ref().is_some_and(covers);
    let done: RwSignal<Option<Acknowledgement>> = RwSignal::new(ack);
    let click = move |_| {
        let id = sending.pending_for(&latest).unwrap_or_else(new_id);
        if !sending.begin(latest, id) {
            return;
        }
        error.set(None);
        let token = desk.token();
        // The box may be redrawn, or the page left, while the answer comes.
        leptos::task::spawn_local(async move {
            let body = Acknowledge { id, report_id: latest };
            match api::post::<_, Acknowledgement>(&token, &with_id(ACKNOWLEDGE_PATH, thread_id), &body).await {
                Ok(a) => {
                    sending.end(Ended::Done);
                    done.try_set(Some(a));
                    on_answered.try_run(());
                }
                Err(e) => {
                    desk.failed(&e);
                    // Refused for good: a new click is a new answer.
                    sending.end(Ended::of(&e));
                    error.try_set(Some(e.words()));
                }
            }
        });
    };
    let state = move || {
        done.get().map(|a| {
            format!(
                "{} 于 {} 确认收到{}",
                a.by_name,
                crate::office::bj(a.at),
                if covers(&a) { "" } else { "（之前的阶段）" }
            )
        })
    };
    view! {
        <div class="ack-box">
            <button type="button" class="primary" on:click=click disabled=move || sending.busy() data-testid="ack-button">
                {move || if sending.busy() { "正在确认…" } else if current { "再次确认收到" } else { "确认收到" }}
            </button>
            <p class="ack-state" role="status" data-testid="ack-state" data-state=move || if done.with(|d| d.is_some()) { "yes" } else { "no" }>
                {move || state().unwrap_or_else(|| "尚未确认".to_owned())}
            </p>
            <p class="error" role="alert" data-testid="ack-error">{move || error.get()}</p>
        </div>
    }
}

#[component]
pub fn AskBox(
    thread_id: ReportId,
    /// Requests not yet answered by a later record.
    requests: Vec<FollowUpRequest>,
    /// What is typed and sent, kept on the shelf.
    draft: AskDraft,
    on_answered: Callback<()>,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let AskDraft {
        message,
        sending,
        field_error,
        error,
    } = draft;
    let sent: RwSignal<Vec<FollowUpRequest>> = RwSignal::new(requests);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.busy_now() {
            return;
        }
        field_error.set(None);
        error.set(None);
        let text = message.get_untracked();
        // The same text again after a lost answer keeps its id.
        let id = sending.pending_for(&text).unwrap_or_else(new_id);
        let body = AskFollowUp {
            id,
            message: text.clone(),
        };
        if let Err(e) = body.check() {
            field_error.set(Some(e.message(Lang::Zh).to_owned()));
            focus("ask-message");
            return;
        }
        if !sending.begin(text, id) {
            return;
        }
        let token = desk.token();
        // The box may be redrawn, or the page left, while the answer comes.
        leptos::task::spawn_local(async move {
            match api::post::<_, FollowUpRequest>(&token, &with_id(ASK_PATH, thread_id), &body).await {
                Ok(r) => {
                    sending.end(Ended::Done);
                    message.try_set(String::new());
                    sent.try_update(|s| {
                        if !s.iter().any(|x| x.id == r.id) {
                            s.push(r)
                        }
                    });
                    on_answered.try_run(());
                }
                Err(e) => {
                    desk.failed(&e);
                    sending.end(Ended::of(&e));
                    match e.at("message") {
                        Some(m) => {
                            field_error.try_set(Some(m));
                            focus("ask-message");
                        }
                        None => {
                            error.try_set(Some(e.words()));
                        }
                    }
                }
            }
        });
    };
    let list = move || {
        sent.with(|s| {
            s.iter()
                .map(|r| {
                    view! {
                        <li data-testid="open-request">
                            <span class="when">{crate::office::bj(r.asked_at)}</span>" "
                            <span class="by">{r.by_name.clone()}</span>"："
                            <span class="message">{r.message.clone()}</span>
                            {if r.answered { " （已续报）" } else { " （待续报）" }}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <form class="ask-box" on:submit=submit novalidate=true data-testid="ask-form">
            <div class="field" class:has-error=move || field_error.with(|e| e.is_some())>
                <label for="ask-message">"请求续报：需要报告人补充什么"</label>
                <textarea id="ask-message" name="message" rows="3" maxlength=crate::components::input_maxlength(MAX_REQUEST_CHARS).to_string()
                    aria-invalid=move || field_error.with(|e| e.is_some()).to_string()
                    aria-describedby="ask-message-error"
                    prop:value=move || message.get()
                    on:input=move |ev| {
                        message.set(event_target_value(&ev));
                        // Typed again: what was said of it no longer applies.
                        field_error.set(None);
                    }></textarea>
                <span class="error" id="ask-message-error" role="alert" data-testid="ask-message-error">
                    {move || field_error.get()}
                </span>
            </div>
            <button type="submit" class="primary" disabled=move || sending.busy() data-testid="ask-button">
                {move || if sending.busy() { "正在发送…" } else { "请求续报" }}
            </button>
            <p class="error" role="alert" data-testid="ask-error">{move || error.get()}</p>
            <ul class="requests" aria-label="未答复的续报请求">{list}</ul>
        </form>
    }
}

/// Puts the cursor in the element `element_id`, if it is there.
pub(super) fn focus(element_id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(element_id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _focus_is_a_courtesy = el.focus();
    }
}
