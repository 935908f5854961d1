//! The errors a form cannot mark at a blank: the record's stage, its
//! thread, a photo's manifest, a grade without its blank. Listed by their
//! own sentences, so "请看标红的空格" never points at nothing.

use kuaibao_core::{Family, FieldError, Template};
use leptos::prelude::*;

use crate::components::dynamic;
use crate::state::AppState;

/// The id of the list, for the submit to bring it into view.
pub const ERRORS_ELSEWHERE_ID: &str = "errors-elsewhere";

/// Whether the form marks `error` at one of `template`'s blanks (or an
/// incident's grade and its reason, which the grade panel marks).
pub fn shown_at_a_blank(template: &Template, error: &FieldError) -> bool {
    let graded = matches!(template.family, Family::Incident { .. });
    template.blank(&error.field).is_some() || (graded && matches!(error.field.as_str(), "grade" | "grade_reason"))
}

#[component]
pub fn ErrorsElsewhere(template: &'static Template, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    dynamic(move || {
        let lang = state.lang.get();
        let items: Vec<String> = errors.with(|es| {
            es.iter()
                .filter(|e| !shown_at_a_blank(template, e))
                .map(|e| e.message(lang).to_owned())
                .collect()
        });
        if items.is_empty() {
            return ().into_any();
        }
        view! {
            <ul class="form-error" role="alert" tabindex="-1" id=ERRORS_ELSEWHERE_ID data-testid="errors-elsewhere">
                {items.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    })
}
