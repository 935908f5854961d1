//! The phone's durable store: IndexedDB, through `indexed_db_futures`.
//! Everything the user types lands here first; the network only ever reads
//! from it. Records are plain objects made from their JSON (`json`), so they
//! stay readable across app versions.

mod archive;
mod error;
mod first_page;
mod json;
mod open;
mod photo_record;
mod prune;
mod record;
mod recovered;
mod requests;
mod restore;
mod rules;
mod schema;
mod session;

pub use archive::Archived;
pub use error::StoreError;
pub use first_page::{FirstPage, Partial};
pub use photo_record::{LocalPhoto, Upload};
pub use prune::{Delivered, Freed};
pub use record::{Author, LocalReport, Status};
pub use schema::{
    Version, BLOBS, BY_REPORT, BY_STATE, BY_THREAD, CLOCK_KEY, DB_NAME, DEVICE_KEY, LANG_KEY, LAST_USERNAME_KEY, META,
    PHOTOS, RECEIPTS, REPORTS, SESSION_KEY,
};
pub use session::{ClockReading, StoredSession};

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao_core::{PhotoId, ReportId};
use wasm_bindgen::{JsCast, JsValue};

/// An open connection to one IndexedDB database. Cheap to clone: every clone
/// shares the one connection.
#[derive(Clone)]
pub struct Store {
    db: std::rc::Rc<Database>,
}

impl Store {
    /// Opens (creating or upgrading as needed) the app's database.
    pub async fn open() -> Result<Store, StoreError> {
        Store::open_named(DB_NAME).await
    }

    /// Opens a database of another name: tests use one per test.
    pub async fn open_named(name: &str) -> Result<Store, StoreError> {
        let db = open::open(name).await?;
        Ok(Store {
            db: std::rc::Rc::new(db),
        })
    }

    /// Lets another tab have the database when it asks to upgrade it (a
    /// newer release opened there) or to delete it: `finish` runs first
    /// (what waits to be written goes in; it says whether all did), then
    /// this connection closes, and `then` follows, told what `finish` said.
    /// Held open, the connection would keep that tab at its start until
    /// this one closed (`open::finished`, `StoreError::Blocked`).
    /// `indexed_db_futures` has no plain hook for it (its listener brings
    /// an executor along), so the browser's own is set.
    pub fn give_way<F>(&self, finish: impl FnOnce() -> F + 'static, then: impl FnOnce(bool) + 'static)
    where
        F: std::future::Future<Output = bool> + 'static,
    {
        use indexed_db_futures::internals::SystemRepr;
        let raw: web_sys::IdbDatabase = self.db.as_sys().unchecked_ref::<web_sys::IdbDatabase>().clone();
        let db = raw.clone();
        let on_change = wasm_bindgen::closure::Closure::once(move |_: web_sys::Event| {
            wasm_bindgen_futures::spawn_local(async move {
                let finished = finish().await;
                db.close();
                then(finished);
            });
        });
        raw.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
        // Lives as long as the connection, which is the page's.
        on_change.forget();
    }

    /// Writes one report record, replacing the one with the same id.
    pub async fn put(&self, report: &LocalReport) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(REPORTS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(REPORTS)?.put(json::to_js(report)?).primitive()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes `record` (a draft's latest text, or the draft as submitted)
    /// unless the stored record has meanwhile left the draft state
    /// (submitted in this or another tab): a late autosave must never turn
    /// a submitted report back into a draft, nor a second tab's submit
    /// overwrite one already sent, and its receipt. Returns whether it
    /// wrote.
    pub async fn put_over_draft(&self, record: &LocalReport) -> Result<bool, StoreError> {
        // Made before the transaction opens, so it stays short.
        let value = json::to_js(record)?;
        let tx = self
            .db
            .transaction(REPORTS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(REPORTS)?;
        let existing: Option<JsValue> = store.get(record.id.to_string()).primitive()?.await?;
        // Only the stored record's state matters here: read it alone rather
        // than decode the whole record on every autosave.
        if existing.is_some_and(|r| !is_draft(&r)) {
            return Ok(false);
        }
        store.put(value).primitive()?.await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces the record `old` by `new` (the first; the others are
    /// records that follow it, rewritten), and writes `photos` (moved to
    /// it), in one transaction: a crash or a full phone between the steps
    /// cannot lose or double the report, nor leave its photos or its
    /// thread's records naming a report that is gone.
    pub async fn replace(&self, old: ReportId, new: &[LocalReport], photos: &[LocalPhoto]) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([REPORTS, PHOTOS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(REPORTS)?;
        store.delete(old.to_string()).primitive()?.await?;
        for report in new {
            store.put(json::to_js(report)?).primitive()?.await?;
        }
        let photo_store = tx.object_store(PHOTOS)?;
        for photo in photos {
            photo_store.put(json::to_js(photo)?).primitive()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, id: ReportId) -> Result<Option<LocalReport>, StoreError> {
        let tx = self.db.transaction(REPORTS).build()?;
        let found: Option<JsValue> = tx.object_store(REPORTS)?.get(id.to_string()).primitive()?.await?;
        found.map(|value| json::from_js(&value)).transpose()
    }

    /// Every report on the phone, oldest first (ids are UUIDv7). A record
    /// that cannot be read is reported and skipped, never allowed to hide
    /// the others.
    pub async fn all(&self) -> Result<Vec<LocalReport>, StoreError> {
        self.read_all(REPORTS).await
    }

    /// Every record of one object store, in key order; a record that cannot
    /// be read is reported and skipped.
    async fn read_all<T: serde::de::DeserializeOwned>(&self, store: &'static str) -> Result<Vec<T>, StoreError> {
        let tx = self.db.transaction(store).build()?;
        let records = tx.object_store(store)?.get_all::<JsValue>().primitive()?.await?;
        Ok(json::decoded(records.map(|r| r.map_err(StoreError::from)), store).collect())
    }

    /// Stores a new photo: its record, its bytes and its thumbnail, in one
    /// transaction, so a photo is never half there.
    /// Where the browser refuses Blobs in IndexedDB (WebKit's private
    /// sessions, as Safari's private browsing: "Error preparing Blob/File
    /// data to be stored"), the same bytes are stored as ArrayBuffers, which
    /// it takes; [`Store::photo_blob`] reads either back as a Blob.
    pub async fn add_photo(
        &self,
        photo: &LocalPhoto,
        bytes: &web_sys::Blob,
        thumb: &web_sys::Blob,
    ) -> Result<(), StoreError> {
        let as_blobs = [JsValue::from(bytes.clone()), JsValue::from(thumb.clone())];
        match self.put_photo_bytes(photo, as_blobs).await {
            Ok(()) => Ok(()),
            Err(refused) => {
                leptos::logging::warn!(
                    "photo not stored as Blobs ({}); storing its bytes as ArrayBuffers",
                    refused.raw()
                );
                let as_buffers = [buffer_of(bytes).await?, buffer_of(thumb).await?];
                self.put_photo_bytes(photo, as_buffers).await
            }
        }
    }

    async fn put_photo_bytes(&self, photo: &LocalPhoto, [bytes, thumb]: [JsValue; 2]) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([PHOTOS, BLOBS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(PHOTOS)?.put(json::to_js(photo)?).primitive()?.await?;
        let blobs = tx.object_store(BLOBS)?;
        blobs.put(bytes).with_key(photo.id.to_string()).primitive()?.await?;
        blobs
            .put(thumb)
            .with_key(LocalPhoto::thumb_key(photo.id))
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes a photo's record (its upload progress); the bytes stay.
    pub async fn put_photo(&self, photo: &LocalPhoto) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(PHOTOS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(PHOTOS)?.put(json::to_js(photo)?).primitive()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every photo record on the phone, oldest first; unreadable ones are
    /// reported and skipped.
    pub async fn photos(&self) -> Result<Vec<LocalPhoto>, StoreError> {
        self.read_all(PHOTOS).await
    }

    /// A photo's bytes (or with `thumb`, its thumbnail).
    pub async fn photo_blob(&self, id: PhotoId, thumb: bool) -> Result<Option<web_sys::Blob>, StoreError> {
        let key = if thumb {
            LocalPhoto::thumb_key(id)
        } else {
            id.to_string()
        };
        let tx = self.db.transaction([PHOTOS, BLOBS]).build()?;
        let value: Option<JsValue> = tx.object_store(BLOBS)?.get(key).primitive()?.await?;
        let Some(value) = value else {
            return Ok(None);
        };
        if let Some(blob) = value.dyn_ref::<web_sys::Blob>() {
            return Ok(Some(blob.clone()));
        }
        // Stored as an ArrayBuffer (see `add_photo`): a Blob of its type.
        let mime = if thumb {
            Some("image/jpeg".to_owned())
        } else {
            let record: Option<JsValue> = tx.object_store(PHOTOS)?.get(id.to_string()).primitive()?.await?;
            record
                .and_then(|r| json::from_js::<LocalPhoto>(&r).ok())
                .map(|p| p.mime)
        };
        Ok(blob_of(&value, mime.as_deref()))
    }

    /// Removes a photo of a draft (the user took the wrong one). Photos of
    /// submitted reports are never deleted by the app.
    pub async fn delete_photo(&self, id: PhotoId) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([PHOTOS, BLOBS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(PHOTOS)?.delete(id.to_string()).primitive()?.await?;
        let blobs = tx.object_store(BLOBS)?;
        blobs.delete(id.to_string()).primitive()?.await?;
        blobs.delete(LocalPhoto::thumb_key(id)).primitive()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reads a setting from the `meta` store.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let value = tx.object_store(META)?.get(key).primitive()?.await?;
        Ok(value)
    }

    /// Writes a setting to the `meta` store.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?.put(value).with_key(key).primitive()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a setting from the `meta` store.
    pub async fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?.delete(key).primitive()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a draft the user threw away (or left untouched), in one
    /// transaction with the check that it is still a draft: a submit in
    /// this or another tab just before must not be undone. Submitted
    /// reports are never deleted by the app; finished ones leave it keeping
    /// their receipts (`archive`). Returns whether it deleted.
    pub async fn delete_draft(&self, id: ReportId) -> Result<bool, StoreError> {
        let tx = self
            .db
            .transaction(REPORTS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(REPORTS)?;
        let existing: Option<JsValue> = store.get(id.to_string()).primitive()?.await?;
        if !existing.is_some_and(|r| is_draft(&r)) {
            return Ok(false);
        }
        store.delete(id.to_string()).primitive()?.await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Whether a stored report record is a draft: its `status.state`, as
/// [`Status`] is stored (`{"state": "draft"}`).
fn is_draft(record: &JsValue) -> bool {
    js_sys::Reflect::get(record, &"status".into())
        .and_then(|status| js_sys::Reflect::get(&status, &"state".into()))
        .ok()
        .and_then(|state| state.as_string())
        .is_some_and(|state| state == "draft")
}

/// A Blob's bytes as an ArrayBuffer, for a browser that stores no Blobs.
async fn buffer_of(blob: &web_sys::Blob) -> Result<JsValue, StoreError> {
    wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| StoreError::db(crate::platform::js_error(&e)))
}

/// The Blob of a stored ArrayBuffer, of type `mime`; `None` for anything
/// else (a value no version of the app stores).
fn blob_of(value: &JsValue, mime: Option<&str>) -> Option<web_sys::Blob> {
    if !value.is_instance_of::<js_sys::ArrayBuffer>() {
        return None;
    }
    let parts = js_sys::Array::of1(value);
    let options = web_sys::BlobPropertyBag::new();
    if let Some(mime) = mime {
        options.set_type(mime);
    }
    web_sys::Blob::new_with_buffer_source_sequence_and_options(&parts, &options).ok()
}
