use kuaibao_core::{Answers, FieldError, Piece, ReportId, Stage, Template};
use leptos::prelude::*;

use crate::components::BlankInput;
use crate::state::AppState;

/// Draws any template as its sentence with the blanks inline, in the current
/// language. The same component serves every template: templates are data.
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
    move || {
        template
            .pieces(state.lang.get())
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
