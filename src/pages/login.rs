use leptos::prelude::*;

use crate::components::{dynamic, LoginForm};
use crate::state::AppState;
use crate::words;

/// The first screen of a phone with no login: what logging in is for, and
/// the form. Reports already on the phone (from before a log-out) are
/// counted, so nobody fears they are gone.
#[component]
pub fn LoginPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let queued = move || {
        let n = state.waiting_count();
        (n > 0).then(|| format!("{n} {}", state.t(words::QUEUED_SAVED)))
    };
    view! {
        <section class="login-page" aria-labelledby="login-title">
            <h2 id="login-title">{state.tr(words::LOGIN_TITLE)}</h2>
            <p class="intro">{state.tr(words::LOGIN_INTRO)}</p>
            {dynamic(move || queued().map(|q| view! { <p class="notice" data-testid="login-queued">{q}</p> }).into_any())}
            <LoginForm/>
        </section>
    }
}
