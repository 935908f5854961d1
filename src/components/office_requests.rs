use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::ReportId;
use leptos::prelude::*;

use crate::components::dynamic;
use crate::state::AppState;
use crate::words;

/// The duty office's open requests for a follow-up on this thread, as last
/// read from the server: shown until a later record of the thread is
/// written on this phone or the server says it is answered.
#[component]
pub fn OfficeRequests(thread_id: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    dynamic(move || {
        let Some(thread) = state.thread(thread_id) else {
            return ().into_any();
        };
        state
            .requests
            .with(|rs| thread.open_requests(rs))
            .into_iter()
            .map(|r| {
                let when = crate::timefmt::ymd_hm(&r.asked_at.with_timezone(&beijing()).naive_local());
                view! {
                    <section class="office-request" role="status" data-testid="office-request">
                        <h2>{state.tr(words::OFFICE_ASKS)}</h2>
                        <p class="message">{r.message}</p>
                        <p class="by">{r.by_name}" · "{when}</p>
                    </section>
                }
            })
            .collect::<Vec<_>>()
            .into_any()
    })
}
