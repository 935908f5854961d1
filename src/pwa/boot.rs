//! index.html's plain login screen (`#boot`): on a first visit over a weak
//! link the app's code takes seconds to arrive (about 300 KB at 2G's
//! 50 kB/s), and the worker types meanwhile instead of looking at a blank
//! page. Its button waits ("正在载入快报…"): nothing is sent before the app
//! runs. When the app draws its first screen it takes the plain one over:
//! what was typed, and which box had the cursor, go into the app's own
//! login form ([`typed`]), and the plain screen goes.
//!
//! The plain screen is hidden where a session is on the phone: the app keeps
//! a flag in `localStorage` ([`remember_session`]), which `recorder.js`
//! reads before the page is drawn, so a logged-in worker never sees a login
//! form flash by.

use std::cell::RefCell;

use wasm_bindgen::JsCast;

/// What the worker typed into the plain login screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typed {
    pub username: String,
    pub password: String,
    /// `username` or `password`: the box that had the cursor.
    pub focused: Option<&'static str>,
}

thread_local! {
    static TYPED: RefCell<Option<Typed>> = const { RefCell::new(None) };
}

/// The `localStorage` key of the "a session is on this phone" flag.
const SESSION_FLAG: &str = "kuaibao.session";

/// Removes the plain login screen, keeping what was typed into it for
/// [`typed`]. Called as the app draws its first screen; does nothing when
/// there is none (a repeat visit, a signed-in phone).
pub fn take_over() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(boot) = document.get_element_by_id("boot") else {
        return;
    };
    let focused = document.active_element().map(|e| e.id());
    let value = |field: &'static str| {
        boot.query_selector(&format!("#login-{field}"))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    };
    let typed = Typed {
        username: value("username"),
        password: value("password"),
        focused: ["username", "password"]
            .into_iter()
            .find(|f| focused.as_deref() == Some(format!("login-{f}").as_str())),
    };
    boot.remove();
    if typed != Typed::default() {
        TYPED.with(|t| *t.borrow_mut() = Some(typed));
    }
}

/// What was typed into the plain login screen before the app took it over;
/// once (the second login form of a session is empty).
pub fn typed() -> Option<Typed> {
    TYPED.with(|t| t.borrow_mut().take())
}

/// Keeps the flag that hides the plain login screen on the next visit: set
/// while a session is on the phone, cleared when it is gone.
pub fn remember_session(signed_in: bool) {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    // Private modes may refuse: the plain screen then shows a moment longer
    // on a signed-in phone, nothing worse.
    let _flag_is_a_courtesy = if signed_in {
        storage.set_item(SESSION_FLAG, "1")
    } else {
        storage.remove_item(SESSION_FLAG)
    };
}
