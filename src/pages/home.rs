use kuaibao_core::catalogue::GENERAL_INCIDENT;
use leptos::prelude::*;

use crate::components::StatusLine;
use crate::route::Route;
use crate::state::AppState;
use crate::store::{LocalReport, Status};
use crate::words;

/// The start screen: a big "new report" button, the outbox at a glance, and
/// every report with where it stands, newest first.
#[component]
pub fn HomePage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let waiting = move || {
        state.reports.with(|rs| rs.iter().filter(|r| matches!(r.status, Status::Waiting { .. } | Status::Sending { .. })).count())
    };
    let newest_first = move || {
        let mut rs = state.reports.get();
        rs.reverse();
        rs
    };
    view! {
        <button type="button" class="primary big" on:click=move |_| state.new_draft(&GENERAL_INCIDENT)>
            {move || state.t(words::NEW_REPORT)}
        </button>
        <section class="outbox" aria-live="polite">
            <p data-testid="outbox-count">
                <strong>{waiting}</strong>" "{move || state.t(words::WAITING_COUNT)}
            </p>
            <button type="button" class="secondary" on:click=move |_| state.sync_now() disabled=move || state.syncing.get()>
                {move || if state.syncing.get() { state.t(words::SYNCING) } else { state.t(words::SYNC_NOW) }}
            </button>
        </section>
        <section aria-labelledby="reports-title">
            <h2 id="reports-title">{move || state.t(words::MY_REPORTS)}</h2>
            <Show when=move || state.reports.with(|rs| rs.is_empty())>
                <p class="empty">{move || state.t(words::NO_REPORTS)}</p>
            </Show>
            <ul class="reports">
                <For each=newest_first key=|r| (r.id, r.updated_ms.to_bits(), format!("{:?}", r.status)) let(report)>
                    <ReportItem report/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn ReportItem(report: LocalReport) -> impl IntoView {
    let state = expect_context::<AppState>();
    let place = report.answers.get("place").cloned().filter(|p| !p.trim().is_empty());
    let when = report.answers.get("occurred_at").map(|t| t.replace('T', " ")).unwrap_or_default();
    let id = report.id;
    view! {
        <li class="report-item" data-testid="report-item" data-id=id.to_string()>
            <a href=Route::Report(id).to_hash()>
                <span class="place">{move || place.clone().unwrap_or_else(|| state.t(words::NO_PLACE).to_owned())}</span>
                <span class="when">{when}</span>
                <StatusLine report/>
            </a>
        </li>
    }
}
