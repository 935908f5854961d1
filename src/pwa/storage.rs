//! Persistent storage: without it the browser may delete the app's data when
//! the phone runs short of space — the worst way to lose a report. And on
//! an iPhone, Safari deletes a site's script storage after seven days of
//! use without a visit to it, persistent or not; an app opened from the
//! home screen keeps its own count.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What the browser says about the app's storage. `None` where the browser
/// does not say (the API is missing in some web views).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StorageInfo {
    pub persisted: Option<bool>,
    pub usage_bytes: Option<f64>,
    pub quota_bytes: Option<f64>,
    /// Running in a browser tab, not from the home screen.
    pub in_a_tab: bool,
    /// That tab is Safari's on an iPhone or iPad (`navigator.standalone`
    /// exists there only): its seven-day deletion applies.
    pub safari_tab: bool,
}

impl StorageInfo {
    /// Whether the browser may delete what this phone holds: in a tab
    /// whose storage is not persistent, or in Safari's. The worker is told
    /// while anything on it is unsent.
    pub fn may_clear(&self) -> bool {
        self.in_a_tab && (self.safari_tab || self.persisted != Some(true))
    }
}

/// Reads what the browser says of the app's storage and tells `show`;
/// then, where it is not persistent yet, asks for that (granted silently
/// to installed apps in Chromium) and tells `show` again with the answer.
/// Shown before asking: Firefox asks the user, whose answer may be long
/// coming or never come, and meanwhile the worker must be told that the
/// browser may clear what she holds.
pub async fn request_persistence(show: impl Fn(StorageInfo)) {
    let mut info = read().await;
    show(info);
    if info.persisted != Some(true) {
        if let Some(granted) = call("persist").await.and_then(|v| v.as_bool()) {
            info.persisted = Some(granted);
            show(info);
        }
    }
}

/// The app's storage as the browser says now, without asking for anything.
pub async fn read() -> StorageInfo {
    let persisted = call("persisted").await.and_then(|v| v.as_bool());
    let estimate = call("estimate").await;
    let number = |key: &str| {
        estimate
            .as_ref()
            .and_then(|e| Reflect::get(e, &JsValue::from_str(key)).ok())
            .and_then(|v| v.as_f64())
    };
    let (in_a_tab, safari_tab) = how_opened();
    StorageInfo {
        persisted,
        usage_bytes: number("usage"),
        quota_bytes: number("quota"),
        in_a_tab,
        safari_tab,
    }
}

/// Whether the app runs in a browser tab, and whether that tab is
/// Safari's on an iPhone: `(display-mode: standalone)` holds for an app
/// opened from the home screen (the manifest's `display`), and iOS says so
/// in `navigator.standalone` too.
fn how_opened() -> (bool, bool) {
    let Some(window) = web_sys::window() else {
        return (false, false);
    };
    let ios = Reflect::get(&window.navigator(), &JsValue::from_str("standalone"))
        .ok()
        .and_then(|v| v.as_bool());
    let standalone = ios == Some(true)
        || window
            .match_media("(display-mode: standalone)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
    (!standalone, !standalone && ios.is_some())
}

/// Calls `navigator.storage[method]()` and awaits it, if all of that exists.
async fn call(method: &str) -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let storage = Reflect::get(&navigator, &JsValue::from_str("storage"))
        .ok()
        .filter(|s| s.is_object())?;
    let function = Reflect::get(&storage, &JsValue::from_str(method))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let promise = function.call0(&storage).ok()?.dyn_into::<Promise>().ok()?;
    JsFuture::from(promise).await.ok()
}
