use kuaibao_core::account::AreaLevel;
use kuaibao_core::rules::picker::picker;
use leptos::prelude::*;

use crate::components::{dynamic, on, SaveFailed};
use crate::state::AppState;
use crate::words;

/// Choosing what to report: the kinds this worker files most (常用), then
/// every kind, hazards first for a grid worker (`kuaibao_core::rules::picker`).
/// Big buttons, two to a row, reachable with a thumb.
#[component]
pub fn NewReportPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    // What the picker is made of, followed: if the phone's list or the
    // login changes while the page is open (the list is read from storage
    // again after a discard, say), 常用 is drawn again; a sync changing a
    // report's status changes neither, and the buttons stay put under the
    // thumb.
    let made_of = Memo::new(move |_| {
        let account = state.session.with(|s| s.as_ref().map(|s| s.session.account.clone()));
        let grid_worker = account.as_ref().is_some_and(|a| a.area.level == AreaLevel::Grid);
        // The templates her threads began with on this phone, oldest first.
        let used: Vec<String> = state.reports.with(|rs| {
            let mut firsts: Vec<_> = rs
                .iter()
                .filter(|r| r.thread.is_none() && !r.stage.is_call())
                .filter(|r| match (&r.author, &account) {
                    (Some(author), Some(a)) => author.account_id == a.id,
                    // A draft has no author yet: it is this phone's user's.
                    (None, _) => true,
                    _ => false,
                })
                .collect();
            // A short list: the small stable sort, not std's kilobytes per type.
            kuaibao_core::sort::insertion_sort(&mut firsts, |a, b| a.updated_ms.total_cmp(&b.updated_ms).is_lt());
            firsts.into_iter().map(|r| r.template_id.clone()).collect()
        });
        (used, grid_worker)
    });
    dynamic(move || made_of.with(|(used, grid_worker)| page(state, used, *grid_worker).into_any()))
}

fn page(state: AppState, used: &[String], grid_worker: bool) -> impl IntoView {
    let picker = picker(used.iter().map(String::as_str), grid_worker);
    let buttons = move |templates: Vec<&'static kuaibao_core::Template>, testid: &'static str| {
        templates
            .into_iter()
            .map(|t| {
                view! {
                    <button type="button" class="choice" data-template=t.id data-testid=testid on:click=on(move |_| state.new_draft(t))>
                        {state.tr(t.title)}
                    </button>
                }
            })
            .collect_view()
    };
    let frequent = (!picker.frequent.is_empty()).then(|| {
        view! {
            <h3>{state.tr(words::FREQUENT)}</h3>
            <div class="choices" data-testid="frequent">{buttons(picker.frequent.clone(), "choice-frequent")}</div>
        }
    });
    let incidents = view! {
        <h3>{state.tr(words::INCIDENTS)}</h3>
        <div class="choices">{buttons(picker.incidents.clone(), "choice")}</div>
    };
    let hazards = view! {
        <h3>{state.tr(words::HAZARDS)}</h3>
        <div class="choices">{buttons(picker.hazards.clone(), "choice")}</div>
    };
    let sections = if picker.hazards_first {
        view! { {hazards}{incidents} }.into_any()
    } else {
        view! { {incidents}{hazards} }.into_any()
    };
    view! {
        <a class="back" href="#/">{state.tr(words::BACK)}</a>
        <h2>{state.tr(words::CHOOSE_TEMPLATE)}</h2>
        <SaveFailed/>
        {frequent}
        {sections}
    }
}
