use leptos::prelude::*;

use crate::components::{on, Shown};
use crate::state::AppState;
use crate::words;

/// Offers a waiting new version; the draft is saved before it takes over.
/// Says what to do when a newer release took over from another tab before
/// what was typed here could be saved.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Shown when=move || state.replaced_unsaved.get()>
            <p class="banner" role="alert" data-testid="replaced-unsaved">{state.tr(words::REPLACED_UNSAVED)}</p>
        </Shown>
        <Shown when=move || state.update_ready.get()>
            <div class="banner update" role="status">
                <span>{state.tr(words::UPDATE_READY)}</span>
                <button type="button" on:click=on(move |_| state.update_app())>
                    {state.tr(words::UPDATE_NOW)}
                </button>
            </div>
        </Shown>
    }
}
