//! Opening the database, upgrading its schema on the way.
//!
//! The upgrade runs in a first open on the browser's own API, which is then
//! closed; the store's connection is a second open, by `indexed_db_futures`,
//! at the version the first left, so it has nothing to upgrade.
//! `indexed_db_futures`' own upgrade hook would do it in one, but it words
//! its errors with that crate's messages, which print numbers with Rust's
//! float formatting: that hook cost 6 KB of the phone's brotli download,
//! measured. The first open takes a few milliseconds.

use indexed_db_futures::database::Database;
use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbFactory, IdbRequest};

use super::schema::{self, Version};
use super::StoreError;
use crate::platform::js_error;

/// Opens `name` at [`Version::CURRENT`], made or upgraded as needed.
pub async fn open(name: &str) -> Result<Database, StoreError> {
    let factory = factory().ok_or_else(|| StoreError::open("this browser has no IndexedDB"))?;
    // A second round only if the database vanished between the two opens
    // (site data cleared in those milliseconds): the second open then made
    // it anew without stores, and it holds nothing to keep.
    for _ in 0..2 {
        upgrade(&factory, name).await?;
        let db = Database::open(name).with_version(Version::CURRENT as u32).await?;
        let names: Vec<String> = db.object_store_names().collect();
        if schema::is_complete(&names) {
            return Ok(db);
        }
        db.close();
        let deleting = factory.delete_database(name).map_err(open_error)?;
        finished(&deleting).await.map_err(open_error)?;
    }
    Err(StoreError::open("the database has lost its stores"))
}

fn factory() -> Option<IdbFactory> {
    web_sys::window()?.indexed_db().ok()?
}

/// Opens `name` at the current version with [`schema::upgrade`] as its
/// upgrade, and closes it again.
async fn upgrade(factory: &IdbFactory, name: &str) -> Result<(), StoreError> {
    let request = factory
        .open_with_u32(name, Version::CURRENT as u32)
        .map_err(open_error)?;
    let in_upgrade = request.clone();
    // An error thrown here aborts the upgrade, and the open fails with it.
    let on_upgrade = Closure::once(move |_: web_sys::Event| -> Result<(), JsValue> {
        schema::upgrade(&in_upgrade.result()?.unchecked_into::<IdbDatabase>())
    });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let opened = finished(&request).await;
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    opened.map_err(open_error)?.unchecked_into::<IdbDatabase>().close();
    Ok(())
}

/// Waits for an IndexedDB request to succeed, giving its result, or to
/// fail, giving its error.
async fn finished(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let done = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(done).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match outcome {
        Ok(_) => request.result(),
        Err(_) => Err(request
            .error()
            .ok()
            .flatten()
            .map_or_else(|| JsValue::from_str("the request failed"), JsValue::from)),
    }
}

fn open_error(e: JsValue) -> StoreError {
    StoreError::open(js_error(&e))
}
