use kuaibao_core::ReportId;
use leptos::prelude::*;

use crate::components::{dynamic, StatusLine};
use crate::route::Route;
use crate::state::AppState;
use crate::words;

/// Every record of a thread in stage order — 首报, 续报一, …, 终报 — with
/// where each stands; the one on screen is marked.
#[component]
pub fn ThreadChain(thread_id: ReportId, current: ReportId) -> impl IntoView {
    let state = expect_context::<AppState>();
    dynamic(move || {
        let Some(thread) = state.thread(thread_id) else {
            return ().into_any();
        };
        let kind = thread.kind();
        let items = thread
            .records
            .into_iter()
            .map(|r| {
                let id = r.id;
                let stage = r.stage.name_for(kind).get(state.lang.get());
                let here = id == current;
                view! {
                    <li class:current=here data-testid="chain-item">
                        <a href=Route::Report(id).to_hash() aria-current=here.then_some("page")>
                            <span class="stage">{stage}</span>
                            {here.then(|| view! { <span class="here">{state.t(words::CURRENT)}</span> })}
                            <StatusLine report=r/>
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="chain" data-testid="chain">
                <h3>{state.t(words::CHAIN)}</h3>
                <ol>{items}</ol>
            </section>
        }
        .into_any()
    })
}
