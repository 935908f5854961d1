//! Why the phone could not store what the worker just did, on the screens
//! that have no draft's save line (the list of templates, a sent report): a
//! tap that made nothing on a full phone (a new report, a fix, a logged
//! call) must say so, and what to do.

use leptos::prelude::*;

use crate::drafts::SaveState;
use crate::state::AppState;
use crate::store::StoreError;
use crate::words;

#[component]
pub fn SaveFailed() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || match state.save_state().get() {
        SaveState::Failed(e) => Some(view! {
            <p class="form-error" role="alert" data-testid="save-failed">{save_failed_words(state, &e)}</p>
        }),
        _ => None,
    }
}

/// "保存失败：" and what failed, then what to do, in the worker's language.
pub fn save_failed_words(state: AppState, e: &StoreError) -> String {
    format!("{}{}", state.t(words::SAVE_FAILED), e.message(state.lang.get()))
}
