use kuaibao_core::{Answers, FieldError, Piece, ReportId, Stage, Template};
use leptos::prelude::*;

use crate::components::BlankInput;
use crate::state::AppState;

/// Draws any template as its sentence with the blanks inline, in the current
/// language, with the blanks asked at `stage` (`Template::pieces_at`). The
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
    let pieces = Memo::new(move |_| answers.with(|a| template.pieces_at(state.lang.get(), stage, a)));
    move || {
        pieces
            .get()
            .into_iter()
            .map(|piece| match piece {
                Piece::Words(words) => view! { <span class="words">{words}</span> }.into_any(),
                Piece::Blank(blank) => {
                    view! { <BlankInput blank stage report_id answers previous errors on_edit on_leave readonly/> }
                        .into_any()
                }
            })
            .collect_view()
    }
}
