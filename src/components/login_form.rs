use leptos::prelude::*;

use crate::components::on;
use crate::session::api::LoginError;
use crate::state::AppState;
use crate::words;

/// Username, password and a big button. The form is checked as the server
/// will check it before anything is sent; each error shows at its field.
#[component]
pub fn LoginForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The user who was logged in (expired or refused), else the last one.
    let known = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.session.account.username.clone()))
        .or_else(|| state.last_username.get_untracked())
        .unwrap_or_default();
    // Typed into the page's plain login screen while the app was loading.
    let typed = crate::pwa::boot::typed().unwrap_or_default();
    let username = RwSignal::new(if typed.username.is_empty() {
        known
    } else {
        typed.username
    });
    let password = RwSignal::new(typed.password);
    if let Some(field) = typed.focused {
        // The cursor stays in the box the worker was typing in, after what
        // was typed (iOS will not raise its keyboard for it unasked: one
        // tap there).
        Effect::new(move |_| focus(&format!("login-{field}")));
    }
    let error: RwSignal<Option<LoginError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let at = move |field: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.at(field, state.lang.get())));
    let general = move || error.with(|e| e.as_ref().and_then(|e| e.general(state.lang.get())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match state.login(username.get_untracked(), password.get_untracked()).await {
                Ok(()) => password.set(String::new()),
                Err(e) => {
                    let lang = state.lang.get_untracked();
                    // Straight to the field to fix.
                    let field = ["username", "password"].into_iter().find(|f| e.at(f, lang).is_some());
                    error.set(Some(e));
                    if let Some(field) = field {
                        focus(&format!("login-{field}"));
                    }
                }
            }
            busy.set(false);
        });
    };
    let field = move |id: &'static str, label: kuaibao_core::Text, kind: &'static str, auto: &'static str| {
        let value = if id == "username" { username } else { password };
        login_field(id, state.tr(label), kind, auto, value, at(id))
    };
    view! {
        <form class="login" on:submit=submit novalidate=true data-testid="login-form">
            {field("username", words::USERNAME, "text", "username")}
            {field("password", words::PASSWORD, "password", "current-password")}
            <p class="form-error" role="alert" data-testid="login-error">{general}</p>
            <button type="submit" class="primary big" disabled=move || busy.get()>
                {state.tr_if(busy, words::LOGGING_IN, words::LOGIN)}
            </button>
        </form>
    }
}

/// One box of a login form (`id` is `username` or `password`), with its
/// label and its error: the phone's form and the duty office's draw the
/// same field.
pub fn login_field(
    id: &'static str,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    kind: &'static str,
    auto: &'static str,
    value: RwSignal<String>,
    error_here: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field" class:has-error=move || error_here().is_some()>
            <label for=format!("login-{id}")>{label}</label>
            <input id=format!("login-{id}") name=id type=kind autocomplete=auto autocapitalize="none"
                spellcheck="false" required=true aria-invalid=move || error_here().is_some().to_string()
                aria-describedby=format!("login-{id}-error") prop:value=move || value.get()
                on:input=on(move |ev| value.set(event_target_value(&ev)))/>
            <span class="error" id=format!("login-{id}-error") role="alert" data-testid=format!("login-{id}-error")>
                {error_here}
            </span>
        </div>
    }
}

/// Puts the cursor in the box `element_id`, after what it holds.
fn focus(element_id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(input) = document()
        .get_element_by_id(element_id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        let _focus_is_a_courtesy = input.focus();
        let end = u32::try_from(input.value().encode_utf16().count()).unwrap_or(u32::MAX);
        let _caret_is_a_courtesy = input.set_selection_range(end, end);
    }
}
