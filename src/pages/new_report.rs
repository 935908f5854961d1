use kuaibao_core::{catalogue, Family};
use leptos::prelude::*;

use crate::state::AppState;
use crate::words;

/// Choosing what to report: the incident categories, then hazards. Big
/// buttons, two to a row, reachable with a thumb.
#[component]
pub fn NewReportPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let offered = catalogue::offered();
    let (hazards, incidents): (Vec<_>, Vec<_>) = offered.into_iter().partition(|t| t.family == Family::Hazard);
    let buttons = move |templates: Vec<&'static kuaibao_core::Template>| {
        templates
            .into_iter()
            .map(|t| {
                view! {
                    <button type="button" class="choice" data-template=t.id on:click=move |_| state.new_draft(t)>
                        {move || state.t(t.title)}
                    </button>
                }
            })
            .collect_view()
    };
    view! {
        <a class="back" href="#/">{move || state.t(words::BACK)}</a>
        <h2>{move || state.t(words::CHOOSE_TEMPLATE)}</h2>
        <h3>{move || state.t(words::INCIDENTS)}</h3>
        <div class="choices">{buttons(incidents)}</div>
        <h3>{move || state.t(words::HAZARDS)}</h3>
        <div class="choices">{buttons(hazards)}</div>
    }
}
