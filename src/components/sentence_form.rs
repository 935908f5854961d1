use kuaibao_core::rules::template::{layout, Part};
use kuaibao_core::{Answers, FieldError, ReportId, Stage, Template};
use leptos::prelude::*;

use crate::components::{dynamic, BlankInput};
use crate::state::AppState;

/// Draws any template as its sentence with the blanks inline, in the current
/// language, with the blanks asked at `stage` (`Template::pieces_at`), set
/// for a narrow screen (`template::layout`: no line starts with 。，）, and
/// a label the words before already say is for screen readers only). The
/// same component serves every template: templates are data.
#[component]
pub fn SentenceForm(
    template: &'static Template,
    /// The stage being filed: it decides which blanks are required.
    stage: Stage,
    /// The record being shown (its photos are found by it).
    report_id: ReportId,
    /// The answers so far, as typed.
    #[prop(into)]
    answers: Signal<Answers>,
    /// The previous stage's answers, to mark what this stage changes.
    #[prop(into)]
    previous: Signal<Option<Answers>>,
    /// The errors to show now, at their blanks.
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
    /// Told `(answer key, new text)` on every keystroke.
    on_edit: Callback<(String, String)>,
    /// Told a blank id when the user leaves that blank.
    on_leave: Callback<String>,
    /// Shows the answers without inputs (a submitted report).
    #[prop(optional)]
    readonly: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    // The sentence as asked at this stage (a 首报 has no 处置结果). A memo:
    // typing changes the answers, not which blanks are asked, and the form
    // is drawn again only when those change.
    let parts = Memo::new(move |_| {
        let lang = state.lang.get();
        answers.with(|a| layout(&template.pieces_at(lang, stage, a), lang))
    });
    dynamic(move || {
        parts
            .get()
            .into_iter()
            .map(|part| match part {
                Part::Words(words) => view! { <span class="words">{words}</span> }.into_any(),
                Part::Blank { blank, named_before, tail } => view! {
                    <BlankInput blank stage report_id answers previous errors on_edit on_leave readonly named_before tail/>
                }
                .into_any(),
            })
            .collect_view()
            .into_any()
    })
}
