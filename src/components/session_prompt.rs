use leptos::prelude::*;

use crate::components::{LoginForm, Shown};
use crate::route::Route;
use crate::session::{self, Standing};
use crate::state::AppState;
use crate::words;

/// Says that the login has run out (or was refused) while the work goes on:
/// how many records wait, that they go by themselves after a login, and the
/// login form itself (on the start screen) or a way to it (elsewhere).
#[component]
pub fn SessionPrompt(
    /// Shows the login form here rather than a link to the start screen.
    #[prop(optional)]
    with_form: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let shown = move || matches!(state.standing.get(), Standing::Expired | Standing::Refused);
    let text = move || session::prompt(state.standing.get(), state.waiting_count(), state.lang.get());
    view! {
        <Shown when=shown>
            // The alert is the sentence alone, not the form under it.
            <section class="session-prompt" data-testid="session-prompt">
                <p data-testid="session-prompt-text" role="alert">{text}</p>
                {if with_form {
                    view! { <LoginForm/> }.into_any()
                } else {
                    view! {
                        <a class="button primary" href=Route::Home.to_hash()>{state.tr(words::LOG_IN_AGAIN)}</a>
                    }
                    .into_any()
                }}
            </section>
        </Shown>
    }
}
