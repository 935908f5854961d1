use kuaibao_core::rules::grading::{self, Grade, GradeDecision};
use kuaibao_core::{Answers, Family, FieldError, Template};
use leptos::prelude::*;

use crate::components::{dynamic, error_at, on, Shown};
use crate::state::AppState;
use crate::words;

/// The grade the figures suggest and why, and the grade the user reports;
/// another grade than the suggestion asks for a reason.
#[component]
pub fn GradePanel(
    template: &'static Template,
    #[prop(into)] answers: Signal<Answers>,
    /// The user's override, if any.
    own: RwSignal<Option<GradeDecision>>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    /// Told after every change of the override.
    on_change: Callback<()>,
    #[prop(optional)] readonly: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let Family::Incident { grading: rule, .. } = template.family else {
        return ().into_any();
    };
    let suggestion = Memo::new(move |_| answers.with(|a| grading::suggest(rule, a)));
    // 未定级 (None) until the figures that decide it are filled. A plain
    // closure: a memo of its own costs the download more than the work.
    let graded = move || suggestion.with(|s| s.graded(template));
    let chosen = move || own.get().map_or_else(|| suggestion.get().grade, |o| o.chosen);
    let open = move || graded().is_none() && own.with(Option::is_none);
    let choose = move |ev| {
        let picked = Grade::from_code(&event_target_value(&ev)).unwrap_or(Grade::IV);
        let suggested = suggestion.get_untracked().grade;
        own.update(|o| {
            *o = (picked != suggested).then(|| GradeDecision {
                suggested,
                chosen: picked,
                reason: o.take().map(|d| d.reason).unwrap_or_default(),
            })
        });
        on_change.run(());
    };
    let reason_error = error_at(state, errors, "grade_reason");
    // A work-safety accident graded below its figures (Decree 493).
    let grade_error = error_at(state, errors, "grade");
    view! {
        <section class="grade" aria-labelledby="grade-title" data-testid="grade-panel">
            <h3 id="grade-title">{state.tr(words::GRADE)}</h3>
            <p class="suggested" data-testid="grade-suggested" data-grade=move || graded().map_or("none", Grade::code)>
                {state.tr(words::SUGGESTED)}"："
                <strong>{move || state.t(graded().map_or(grading::NOT_GRADED, Grade::name))}</strong>
            </p>
            <ul class="reasons">
                {dynamic(move || suggestion.get().explain(template, state.lang.get()).into_iter().map(|line| view! { <li>{line}</li> }).collect_view().into_any())}
            </ul>
            <span class="blank" class:has-error=move || grade_error().is_some()>
                <label for="blank-grade">{state.tr(words::CHOSEN)}</label>
                // While 未定级 and not chosen by hand, the select says so
                // too, rather than a 一般 the figures have not decided.
                <select id="blank-grade" disabled=readonly on:change=on(choose) aria-describedby="error-grade"
                    aria-invalid=move || grade_error().is_some().to_string()
                    prop:value=move || if open() { "" } else { chosen().code() }>
                    <option value="" disabled=true selected=open>{state.tr(grading::NOT_GRADED)}</option>
                    // Below a work-safety accident's figures is not offered
                    // (it would be refused); still shown while chosen, with
                    // the error saying why.
                    {Grade::ALL.into_iter().map(|g| view! {
                        <option value=g.code() selected=move || !open() && chosen() == g
                            disabled=move || rule.refuses(g, suggestion.get().grade)>{state.tr(g.name())}</option>
                    }).collect_view()}
                </select>
                <span class="error" id="error-grade" role="alert">{grade_error}</span>
            </span>
            <Shown when=move || own.with(|o| o.is_some())>
                <span class="blank wide" class:has-error=move || reason_error().is_some()>
                    <label for="blank-grade_reason">{state.tr(words::GRADE_REASON)}" *"</label>
                    <input id="blank-grade_reason" type="text" readonly=readonly aria-describedby="error-grade_reason"
                        aria-invalid=move || reason_error().is_some().to_string()
                        prop:value=move || own.with(|o| o.as_ref().map(|d| d.reason.clone()).unwrap_or_default())
                        on:input=on(move |ev| {
                            let text = event_target_value(&ev);
                            own.update(|o| if let Some(d) = o { d.reason = text });
                            on_change.run(());
                        })/>
                    <span class="error" id="error-grade_reason" role="alert">{reason_error}</span>
                </span>
            </Shown>
        </section>
    }
    .into_any()
}
