//! Opening the database, upgrading its schema on the way.
//!
//! The store's connection is opened by `indexed_db_futures` at whatever
//! version the database has, which never upgrades. On almost every start
//! that is the current version with every store, and that one open is all.
//! Otherwise (a new phone, a new release, a newer release's database) the
//! upgrade runs in an open on the browser's own API, and the store opens
//! again. `indexed_db_futures`' own upgrade hook would do it in one open,
//! but it words its errors with that crate's messages, which print numbers
//! with Rust's float formatting: the hook cost 4.7 KB of the phone's brotli
//! download, measured.

use indexed_db_futures::database::Database;
use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbFactory, IdbOpenDbRequest, IdbRequest};

use super::schema::{self, Version};
use super::StoreError;
use crate::platform::js_error;

/// Opens `name` at [`Version::CURRENT`], made or upgraded as needed.
pub async fn open(name: &str) -> Result<Database, StoreError> {
    let factory = factory().ok_or_else(|| StoreError::open("this browser has no IndexedDB"))?;
    let current = f64::from(Version::CURRENT as u32);
    // The upgrade leaves the current version with every store, so the
    // second round returns; a third would mean the browser does not keep
    // the database at all.
    for _ in 0..2 {
        let db = Database::open(name).await?;
        let names: Vec<String> = db.object_store_names().collect();
        let at_current = db.version() == current;
        if at_current && schema::is_complete(&names) {
            return Ok(db);
        }
        db.close();
        if at_current {
            // At the current version without its stores: made by an open
            // that did not upgrade (site data cleared in the middle of a
            // start), so it holds nothing to keep, and no upgrade would
            // run on it. It is made anew.
            let deleting = factory.delete_database(name).map_err(open_error)?;
            finished(&deleting).await.map_err(open_error)?;
        }
        upgrade(&factory, name).await?;
    }
    Err(StoreError::open("the database keeps losing its stores"))
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
        let tx = in_upgrade
            .transaction()
            .ok_or_else(|| JsValue::from_str("an upgrade without its transaction"))?;
        schema::upgrade(&in_upgrade.result()?.unchecked_into::<IdbDatabase>(), &tx)
    });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let opened = finished(&request).await;
    if opened
        .as_ref()
        .is_err_and(|e| e.as_string().as_deref() == Some(BLOCKED))
    {
        // The browser keeps the open waiting, and runs it once the other
        // tab closes: its upgrade must still make the stores (or the next
        // start would find the version without them, and make the
        // database anew, losing what it held), and its connection must be
        // closed then. Both handlers live as long as the page.
        let waiting = request.clone();
        let close = Closure::once(move |_: web_sys::Event| {
            if let Ok(db) = waiting.result() {
                db.unchecked_into::<IdbDatabase>().close();
            }
        });
        request.set_onsuccess(Some(close.as_ref().unchecked_ref()));
        close.forget();
        on_upgrade.forget();
        return Err(StoreError::Blocked);
    }
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    opened.map_err(open_error)?.unchecked_into::<IdbDatabase>().close();
    Ok(())
}

/// Waits for an IndexedDB request to succeed, giving its result, or to
/// fail, giving its error. It listens from the call on, not from the first
/// poll: requests made in a row and waited for in turn miss no event.
///
/// An upgrade that another tab or window holds up (it keeps the database
/// open at the old version: an installed app's window in the background)
/// fails with [`BLOCKED`] (then `StoreError::Blocked`) if that tab has not let go [`BLOCKED_GRACE_MS`]
/// after the browser said so, rather than a start that waits for ever; the
/// worker is told to close the others. The grace is for this app's own
/// tabs: they save what is typed before they let go (`Store::give_way`),
/// and the browser says "blocked" as soon as they have not closed at once.
pub(super) fn finished(request: &IdbRequest) -> impl std::future::Future<Output = Result<JsValue, JsValue>> {
    let open = request.dyn_ref::<IdbOpenDbRequest>().cloned();
    let mut on_blocked = None;
    let done = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
        if let Some(open) = &open {
            // A success within the grace settles the promise first, and
            // the late rejection is ignored.
            let blocked = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
                if let Some(window) = web_sys::window() {
                    let _refused_only_without_a_window =
                        window.set_timeout_with_callback_and_timeout_and_arguments_1(&reject, BLOCKED_GRACE_MS, &event);
                }
            });
            open.set_onblocked(Some(blocked.as_ref().unchecked_ref()));
            on_blocked = Some(blocked);
        }
    });
    let request = request.clone();
    async move {
        let outcome = JsFuture::from(done).await;
        request.set_onsuccess(None);
        request.set_onerror(None);
        if let Some(open) = &open {
            open.set_onblocked(None);
        }
        drop(on_blocked);
        match outcome {
            Ok(_) => request.result(),
            Err(event)
                if event
                    .dyn_ref::<web_sys::Event>()
                    .is_some_and(|e| e.type_() == "blocked") =>
            {
                Err(JsValue::from_str(BLOCKED))
            }
            Err(_) => Err(request
                .error()
                .ok()
                .flatten()
                .map_or_else(|| JsValue::from_str("the request failed"), JsValue::from)),
        }
    }
}

/// What `finished` fails with when another tab held an upgrade up.
const BLOCKED: &str = "blocked";

/// How long another tab may take to let go of the database before the
/// upgrade is said to be held up: this app's tabs take a write's time.
const BLOCKED_GRACE_MS: i32 = 3_000;

fn open_error(e: JsValue) -> StoreError {
    StoreError::open(js_error(&e))
}
