//! Crash reports (`kuaibao_core::wire::crash`). A panic, a wasm trap, an
//! uncaught JS error or rejection is recorded on the phone and sent to the
//! server when the phone is online; the worker is offered a reload that
//! keeps her drafts (they are in IndexedDB already). The duty office's page
//! loads the same recorder, worded for the desk by its `data-crash`
//! attribute, and its desk sends what it recorded (`office::state`).
//!
//! The recording and the 「出错了」 overlay are plain JS,
//! `src/crash/recorder.js`, a classic script in `index.html`'s head before
//! the module loader (`window.kuaibaoCrash`, with `error` and
//! `unhandledrejection` listeners installed before the wasm loads, so an
//! error while it loads is caught too): after a panic (`panic = "abort"`)
//! or a trap the wasm is dead, and only synchronous storage
//! (`localStorage`, key `kuaibao_core::wire::crash::STORAGE_KEY`) is sure to be
//! written. The script keeps the latest 20 records, each bounded as the
//! server wants (`kuaibao_core::wire::crash`); draws the overlay for a panic or a
//! wasm trap (`WebAssembly.RuntimeError`), not for other JS errors, which
//! need not be fatal. Only the first panic or trap of a page's life is
//! recorded: after it the wasm's state is broken (a task's `RefCell` left
//! borrowed, say), and what JS calls into it later panics or traps again
//! as a consequence, starting with the trap that ends the panic itself. Its reload goes to the start screen
//! after the test crash or when the same page crashed twice within a
//! minute. A file rather than inline, so that the server's
//! Content-Security-Policy is one fixed header (`script-src 'self'`). This module gives that
//! script the build id, routes panics to it, and sends what it recorded.

use gloo_net::http::{Method, RequestBuilder};
use kuaibao_core::wire::crash::{CRASHES_PATH, STORAGE_KEY};
use kuaibao_core::wire::protocol::AUTHORIZATION_HEADER;
use wasm_bindgen::{JsCast, JsValue};

use crate::sync::{bearer, with_timeout};

/// The build this app is, baked in when it was compiled: `KUAIBAO_BUILD`
/// (`cargo xtask build` sets it from `git describe --always --dirty`), or
/// `dev`.
pub const BUILD: &str = match option_env!("KUAIBAO_BUILD") {
    Some(build) => build,
    None => "dev",
};

/// The JS recorder's name on `window` (see `recorder.js`).
const RECORDER: &str = "kuaibaoCrash";
/// Where the recorder reads the build id from.
const BUILD_GLOBAL: &str = "kuaibaoBuild";

/// The page's route that panics on purpose, to try the whole chain: a real
/// panic in the wasm, recorded, shown, sent and listed.
pub const TEST_HASH: &str = "#/crash-test";

/// Tells the recorder the build, and installs the panic hook: the console
/// message as before (`console_error_panic_hook`), then the record and the
/// overlay. The panic's text carries its `file:line:column` (the release
/// wasm keeps panic locations: see README, "The release wasm").
pub fn install() {
    if let Some(window) = web_sys::window() {
        let _cosmetic = js_sys::Reflect::set(&window, &BUILD_GLOBAL.into(), &BUILD.into());
    }
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        record("panic", &info.to_string());
    }));
}

/// Hands a crash to the page's recorder, if it has one (the browser tests'
/// pages do not).
fn record(kind: &str, message: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(recorder) = js_sys::Reflect::get(&window, &RECORDER.into()) else {
        return;
    };
    if let Some(recorder) = recorder.dyn_ref::<js_sys::Function>() {
        // Inside a panic: nothing more can be done if this throws.
        let _ = recorder.call2(&JsValue::NULL, &kind.into(), &message.into());
    }
}

/// Panics, for [`TEST_HASH`].
pub fn test_panic() -> ! {
    // A literal: no formatting code for a message nobody else sees.
    panic!("测试崩溃：由 #/crash-test 触发 (crash test, forced from #/crash-test)")
}

/// Don't wait longer than this for one crash report's answer.
const TIMEOUT_MS: u32 = 15_000;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The records waiting on this phone, as the recorder wrote them.
fn pending(storage: &web_sys::Storage) -> Vec<JsValue> {
    let text = storage.get_item(STORAGE_KEY).ok().flatten().unwrap_or_default();
    if text.is_empty() {
        return Vec::new();
    }
    match js_sys::JSON::parse(&text) {
        Ok(list) if js_sys::Array::is_array(&list) => js_sys::Array::from(&list).to_vec(),
        // Not ours to read: forget it rather than fail on it forever.
        _ => Vec::new(),
    }
}

/// How many crash records wait on this phone.
pub fn pending_count() -> usize {
    storage().map_or(0, |s| pending(&s).len())
}

fn id_of(record: &JsValue) -> Option<String> {
    js_sys::Reflect::get(record, &"id".into()).ok()?.as_string()
}

/// Sends every crash record waiting on this phone with the session's
/// `token`, oldest first, and forgets each the server answered for good: a
/// 2xx (stored, now or before), or a refusal of the record itself (400,
/// 409, 413, 415, 422: it would be refused again). Stops at the first
/// answer that says "later" (no signal, 401, 429, 5xx). Returns how many
/// were forgotten.
pub async fn send_pending(token: &str) -> usize {
    let Some(storage) = storage() else { return 0 };
    let mut done: Vec<String> = Vec::new();
    for record in pending(&storage) {
        let Some(id) = id_of(&record) else { continue };
        let Some(body) = js_sys::JSON::stringify(&record).ok().and_then(|s| s.as_string()) else {
            continue;
        };
        let request = RequestBuilder::new(CRASHES_PATH)
            .method(Method::POST)
            .header("Content-Type", "application/json")
            .header(AUTHORIZATION_HEADER, &bearer(token));
        let status = match with_timeout(TIMEOUT_MS, request, Some(JsValue::from_str(&body))).await {
            Ok(response) => response.status(),
            Err(e) => {
                leptos::logging::warn!("crash report not sent: {e}");
                break;
            }
        };
        match status {
            200..=299 | 400 | 409 | 413 | 415 | 422 => done.push(id),
            _ => {
                leptos::logging::warn!("crash report not sent: HTTP {status}");
                break;
            }
        }
    }
    if done.is_empty() {
        return 0;
    }
    // Read again: the recorder may have added one while these were sent.
    let kept: js_sys::Array = pending(&storage)
        .into_iter()
        .filter(|r| id_of(r).is_none_or(|id| !done.contains(&id)))
        .collect();
    let written = if kept.length() == 0 {
        storage.remove_item(STORAGE_KEY)
    } else {
        match js_sys::JSON::stringify(&kept).ok().and_then(|s| s.as_string()) {
            Some(text) => storage.set_item(STORAGE_KEY, &text),
            None => Ok(()),
        }
    };
    if let Err(e) = written {
        leptos::logging::warn!("sent crash reports not forgotten: {}", crate::platform::js_error(&e));
    }
    done.len()
}
