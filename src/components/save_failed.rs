//! Why the phone could not store what the worker just did, on the screens
//! that have no draft's save line (the list of templates, a sent report): a
//! tap that made nothing on a full phone (a new report, a fix, a logged
//! call) must say so, and what to do.

use leptos::prelude::*;

use crate::drafts::SaveState;
use crate::state::AppState;
use crate::words;

#[component]
pub fn SaveFailed() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || match state.save_state().get() {
        SaveState::Failed(e) => Some(view! {
            <p class="form-error" role="alert" data-testid="save-failed">{format!("{}：{e}", state.t(words::SAVE_FAILED))}</p>
        }),
        _ => None,
    }
}
