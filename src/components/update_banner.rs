use leptos::prelude::*;

use crate::state::AppState;
use crate::words;

/// Offers a waiting new version; the draft is saved before it takes over.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.update_ready.get()>
            <div class="banner update" role="status">
                <span>{move || state.t(words::UPDATE_READY)}</span>
                <button type="button" on:click=move |_| state.update_app()>
                    {move || state.t(words::UPDATE_NOW)}
                </button>
            </div>
        </Show>
    }
}
