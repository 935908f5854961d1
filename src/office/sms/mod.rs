//! 录入短信首报: an officer pastes a 短信首报 as it arrived on the duty
//! mobile. The server parses it (`kuaibao_core::wire::sms`) into the very record
//! the worker's phone holds and stores it as the worker's; when the phone
//! syncs later it is the same report. The officer then opens its thread.

use kuaibao_core::rules::closing::error_at;
use kuaibao_core::wire::protocol::Receipt;
use kuaibao_core::wire::sms::{SmsMessage, PASTE_PATH};
use kuaibao_core::{FieldError, Lang};
use leptos::prelude::*;

use super::api::{self, ApiFail};
use super::route::Route;
use super::state::Desk;

/// The fields the server may name, as the form shows them.
const SHOWN_FIELDS: [&str; 3] = ["text", "from", "username"];

#[component]
pub fn SmsPaste() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let text = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors: RwSignal<Vec<FieldError>> = RwSignal::new(Vec::new());
    let general: RwSignal<Option<String>> = RwSignal::new(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let from = from.get_untracked().trim().to_owned();
        let message = SmsMessage {
            text: text.get_untracked(),
            from: (!from.is_empty()).then_some(from),
        };
        busy.set(true);
        errors.set(Vec::new());
        general.set(None);
        let token = desk.token();
        leptos::task::spawn_local(async move {
            let result = api::post::<_, Receipt>(&token, PASTE_PATH, &message).await;
            busy.set(false);
            match result {
                // Stored now or before (by SMS or by the app): its thread.
                Ok(receipt) => {
                    text.set(String::new());
                    Route::Thread(receipt.id).go();
                }
                Err(ApiFail::Fields { message, fields }) => {
                    let named = fields.iter().any(|f| SHOWN_FIELDS.contains(&f.field.as_str()));
                    if !named {
                        general.set(Some(
                            ApiFail::Fields {
                                message,
                                fields: fields.clone(),
                            }
                            .words(),
                        ));
                    }
                    errors.set(fields);
                }
                Err(ApiFail::Net(_)) => general.set(Some(
                    "连不上服务器，短信尚未录入。粘贴的内容仍在，请检查网络后再点「录入」。/ Cannot reach the server: the text is not entered yet. What you pasted is still here: check the network and press 录入 again.".to_owned(),
                )),
                Err(e) => {
                    desk.failed(&e);
                    general.set(Some(e.words()));
                }
            }
        });
    };
    let error = move |field: &'static str| move || errors.with(|e| error_at(e, field, Lang::Zh));
    let has = move |field: &'static str| move || errors.with(|e| e.iter().any(|x| x.field == field));
    view! {
        <details class="sms-paste" data-testid="sms-paste">
            <summary>"录入短信首报"</summary>
            <form on:submit=submit>
                <p class="help">"把报告人发来的整条快报短信原样粘贴在下面（以“【快报】首报”开头，以“#KB”开头的一行结尾）。录入后即算值班室收到；报告人手机有网络后会补发照片，同一份报告不会重复。快报应用发出的短信带报告人手机的验证码，录入后注明「已验证」；没有验证码的，请先电话核实报告人。"</p>
                <div class="field" class:has-error=has("text")>
                    <label for="sms-text">"短信原文"</label>
                    <textarea id="sms-text" name="text" rows="8" required=true
                        aria-invalid=move || has("text")().to_string() aria-describedby="sms-text-error"
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            text.set(event_target_value(&ev));
                            errors.update(|e| e.retain(|x| x.field != "text" && x.field != "username"));
                        }></textarea>
                    <span class="error" id="sms-text-error" data-testid="sms-text-error">
                        {error("text")}{error("username")}
                    </span>
                </div>
                <div class="field" class:has-error=has("from")>
                    <label for="sms-from">"发信号码（选填）"</label>
                    <input id="sms-from" name="from" type="tel" autocomplete="off"
                        aria-invalid=move || has("from")().to_string() aria-describedby="sms-from-error"
                        prop:value=move || from.get()
                        on:input=move |ev| {
                            from.set(event_target_value(&ev));
                            errors.update(|e| e.retain(|x| x.field != "from"));
                        }/>
                    <span class="error" id="sms-from-error">{error("from")}</span>
                </div>
                {move || general.get().map(|g| view! { <p class="form-error" role="alert" data-testid="sms-error">{g}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get() data-testid="sms-submit">
                    {move || if busy.get() { "正在录入…" } else { "录入" }}
                </button>
            </form>
        </details>
    }
}
