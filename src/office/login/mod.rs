//! The duty office's login: the phone app's form and rules (the same
//! request, the same errors at the same fields), kept in the same
//! IndexedDB session, so the officer logs in once per browser.

use kuaibao_core::account::LoginRequest;
use kuaibao_core::Lang;
use leptos::prelude::*;

use super::state::Desk;
use crate::components::login_field;
use crate::session::api::{self, LoginError};

#[component]
pub fn OfficeLogin() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let username = RwSignal::new(desk.last_username.get_untracked().unwrap_or_default());
    let password = RwSignal::new(String::new());
    let error: RwSignal<Option<LoginError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let at = move |field: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.at(field, Lang::Zh)));
    let general = move || error.with(|e| e.as_ref().and_then(|e| e.general(Lang::Zh)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let device_id = match desk.store().device_id().await {
                Ok(id) => id,
                Err(e) => {
                    error.set(Some(LoginError::Storage(e)));
                    busy.set(false);
                    return;
                }
            };
            let form = LoginRequest {
                username: username.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
                device_id,
            };
            match api::login(&form).await {
                Ok(session) => {
                    password.set(String::new());
                    desk.logged_in(session).await;
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let field = move |id: &'static str, label: &'static str, kind: &'static str, auto: &'static str| {
        let value = if id == "username" { username } else { password };
        login_field(id, move || label, kind, auto, value, at(id))
    };
    view! {
        <section class="login-page" aria-labelledby="login-title">
            <h2 id="login-title">"值班员登录"</h2>
            <p class="intro">"用值班员或管理员账号登录，查看本辖区及下级区域的全部报告。"</p>
            <form class="login" on:submit=submit novalidate=true data-testid="login-form">
                {field("username", "用户名", "text", "username")}
                {field("password", "密码", "password", "current-password")}
                <p class="form-error" role="alert" data-testid="login-error">{general}</p>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "正在登录…" } else { "登录" }}
                </button>
            </form>
        </section>
    }
}
