use kuaibao_core::rules::deadlines::{span_text, Standing};
use kuaibao_core::ReportId;
use leptos::prelude::*;

use crate::components::dynamic;
use crate::state::AppState;
use crate::words;

/// The reporting deadlines of an incident, counting down live (offline too:
/// it needs only the phone's clock).
#[component]
pub fn DeadlineList(
    thread_id: ReportId,
    #[prop(optional)] compact: bool,
    /// Its test id, where a page shows two lists (the form's urgent box).
    #[prop(optional, default = "deadlines")]
    testid: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = move || {
        let now = state.ticking_now()?;
        let thread = state.thread(thread_id)?;
        // Read in place: the rules are not copied every second.
        Some(state.rules.with(|rules| {
            thread
                .deadlines(rules, now)
                .into_iter()
                .map(|(due, standing)| (due.rule.id.clone(), due.rule.label.clone(), due.at, standing))
                .collect::<Vec<_>>()
        }))
    };
    dynamic(move || {
        let rows = rows().unwrap_or_default();
        if rows.is_empty() {
            return ().into_any();
        }
        let items = rows
            .into_iter()
            .filter(|(_, _, _, standing)| {
                !compact || matches!(standing, Standing::Left { .. } | Standing::Overdue { .. })
            })
            .map(|(rule, label, at, standing)| {
                let (class, word, seconds) = match standing {
                    Standing::Left { seconds } => ("left", words::LEFT, seconds),
                    Standing::Overdue { seconds } => ("overdue", words::OVERDUE, seconds),
                    Standing::Lapsed { seconds } => ("lapsed", words::LAPSED, seconds),
                    Standing::Met { early_seconds } => ("met", words::MET, early_seconds),
                    Standing::MetLate { late_seconds } => ("late", words::MET_LATE, late_seconds),
                    Standing::DeliveredLate { late_seconds } => ("delivered_late", words::DELIVERED_LATE, late_seconds),
                    Standing::Info { seconds } => ("info", words::FOR_THE_OFFICE, seconds),
                };
                let label = label.get(state.lang.get()).to_owned();
                view! {
                    <li class=format!("deadline {class}") data-rule=rule data-state=class>
                        <span class="rule">{label}</span>" "
                        <span class="due">{state.t(words::DUE_AT)}" "{crate::timefmt::hm(&at)}</span>" · "
                        <span class="standing">{state.t(word)}" "{span_text(seconds, state.lang.get())}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="deadlines" aria-label=state.tr(words::DEADLINES) data-testid=testid>
                {(!compact).then(|| view! { <h3>{state.t(words::DEADLINES)}</h3> })}
                <ul>{items}</ul>
            </section>
        }
        .into_any()
    })
}
