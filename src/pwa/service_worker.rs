//! Registers `/sw.js` and reports when a new version waits to take over.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/pwa/register.js")]
extern "C" {
    #[wasm_bindgen(js_name = registerServiceWorker)]
    fn register_service_worker(on_update: &Closure<dyn Fn()>) -> bool;
    #[wasm_bindgen(js_name = applyUpdate)]
    async fn apply_update_js() -> JsValue;
    #[wasm_bindgen(js_name = isControlled)]
    pub fn is_controlled() -> bool;
}

/// Registers the service worker; `on_update` runs when a new version has
/// installed and waits. Returns false where the browser has no service
/// workers (some in-app web views): the app then works online only after a
/// reload, and says so.
pub fn register(on_update: impl Fn() + 'static) -> bool {
    let callback = Closure::<dyn Fn()>::new(on_update);
    let supported = register_service_worker(&callback);
    // Lives as long as the page.
    callback.forget();
    supported
}

/// Lets the waiting version take over; the page reloads when it has.
/// Callers save the open draft first.
pub async fn apply_update() -> bool {
    apply_update_js().await.as_bool().unwrap_or(false)
}
