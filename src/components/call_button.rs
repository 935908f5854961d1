use kuaibao_core::ReportId;
use leptos::prelude::*;

use crate::components::{dynamic, on};
use crate::state::AppState;
use crate::words;

/// 「电话报告值班室」: dials the duty office's number (`tel:`) and logs the
/// call's time as a record of its own in the thread, offline too: the call
/// meets the phone deadline, the written report is another. Without a
/// number for the worker's area it logs a call made another way and says
/// whom to ask for the number.
#[component]
pub fn CallButton(thread_id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    let number = move || {
        state
            .session
            .with(|s| s.as_ref().and_then(|s| s.session.duty_phone.clone()))
    };
    let logged = move || {
        let count = state.thread(thread_id).map_or(0, |t| t.calls().count());
        (count > 0).then(|| state.t(words::CALLS_LOGGED).replace("{n}", &count.to_string()))
    };
    view! {
        <section class="call" data-testid="call">
            {dynamic(move || match number() {
                Some(n) => {
                    let dial = format!("tel:{}", n.replace([' ', '-'], ""));
                    view! {
                        <a class="button primary big" href=dial data-testid="call-office"
                            on:click=on(move |_| state.log_call(thread_id))>
                            {state.tr(words::CALL_OFFICE)}" "{n}
                        </a>
                    }
                    .into_any()
                }
                None => view! {
                    <button type="button" class="big" data-testid="call-office"
                        on:click=on(move |_| state.log_call(thread_id))>
                        {state.tr(words::LOG_CALL)}
                    </button>
                    <p class="hint">{state.tr(words::NO_DUTY_PHONE)}</p>
                }
                .into_any(),
            })}
            <p class="calls" role="status" data-testid="calls-logged">{logged}</p>
        </section>
    }
}
