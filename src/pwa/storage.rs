//! Persistent storage: without it the browser may delete the app's data when
//! the phone runs short of space — the worst way to lose a report.

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
}

/// Asks for persistent storage (granted silently to installed apps in
/// Chromium) and reads the usage.
pub async fn request_persistence() -> StorageInfo {
    let persisted = match call("persisted").await {
        Some(v) if v.as_bool() == Some(true) => Some(true),
        _ => call("persist").await.and_then(|v| v.as_bool()),
    };
    let estimate = call("estimate").await;
    let number = |key: &str| {
        estimate
            .as_ref()
            .and_then(|e| Reflect::get(e, &JsValue::from_str(key)).ok())
            .and_then(|v| v.as_f64())
    };
    StorageInfo {
        persisted,
        usage_bytes: number("usage"),
        quota_bytes: number("quota"),
    }
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
