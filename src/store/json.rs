//! How records cross into IndexedDB: through JSON text, written by the
//! serde_json the app already carries for the network and read by the
//! phone's JSON reader (`kuaibao_core::wire::json`, as for the server's answers),
//! instead of a second, generic JS-value serializer (serde-wasm-bindgen) and
//! a second copy of every record's (de)serialisation code in the download.
//!
//! Records are still stored as plain objects (`JSON.parse` of the text), so
//! the in-line key paths (`id`) work and records written by earlier versions
//! through serde-wasm-bindgen (plain objects too: maps as objects, numbers
//! as numbers, `None` as absent) read back unchanged.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use super::StoreError;
use crate::platform::js_error;

/// A value as JSON text (for the `meta` store's string values).
pub fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    // Cannot fail for the app's records (string keys, no custom errors);
    // a fixed message keeps serde_json's error texts out of the download.
    serde_json::to_string(value).map_err(|_| StoreError::db("cannot write the record as JSON"))
}

/// A record as the plain JS object IndexedDB stores.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, StoreError> {
    js_sys::JSON::parse(&to_json(value)?).map_err(|e| StoreError::db(js_error(&e)))
}

/// A stored object read back as a record.
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, StoreError> {
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|e| StoreError::db(js_error(&e)))?
        .into();
    kuaibao_core::wire::json::from_str(&text).map_err(|e| StoreError::db(e.to_string()))
}

/// The records among `values` that read; an unreadable one is reported
/// and skipped, never allowed to hide the others.
pub fn decoded<T: serde::de::DeserializeOwned>(
    values: impl IntoIterator<Item = Result<JsValue, StoreError>>,
    store: &'static str,
) -> impl Iterator<Item = T> {
    values
        .into_iter()
        .filter_map(move |value| match value.and_then(|v| from_js(&v)) {
            Ok(r) => Some(r),
            Err(e) => {
                leptos::logging::warn!("skipping an unreadable record in {store}: {e}");
                None
            }
        })
}
