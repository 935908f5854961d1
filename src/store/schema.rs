//! The IndexedDB schema: names, versions and the upgrade path. Every version
//! ever shipped stays listed here; a phone that skipped releases gets every
//! store it lacks in one upgrade and keeps its data.

use wasm_bindgen::JsValue;
use web_sys::{IdbDatabase, IdbObjectStoreParameters, IdbTransaction};

/// The database's name on the phone.
pub const DB_NAME: &str = "kuaibao";

/// Reports, drafts included, one record per report. Key: the report id
/// (UUIDv7 string, in-line at `id`). Value: [`super::LocalReport`].
pub const REPORTS: &str = "reports";

/// Photo records, one per photo. Key: the photo id (in-line at `id`).
/// Value: [`super::LocalPhoto`] (metadata and upload progress, no bytes).
pub const PHOTOS: &str = "photos";

/// Photo bytes, as Blobs (never base64). Key: `{photo id}` for the photo,
/// `{photo id}/thumb` for its thumbnail.
pub const BLOBS: &str = "blobs";

/// What is kept of records that left the phone (see `super::archive`).
/// Key: the report id (in-line at `id`). Value: [`super::Archived`].
pub const RECEIPTS: &str = "receipts";

/// The index of [`REPORTS`] by `thread`: every record but a thread's first
/// (a first record's `thread` is null, which IndexedDB does not index).
/// Key: the thread id; with the records' own keys it says which records
/// begin threads, without reading a record.
pub const BY_THREAD: &str = "thread";

/// The index of [`REPORTS`] by `status.state` (`draft`, `waiting`, …): the
/// records not yet delivered, read without the others.
pub const BY_STATE: &str = "state";

/// The index of [`PHOTOS`] by `report_id`: the photos of the list's first
/// page, read without the others.
pub const BY_REPORT: &str = "report_id";

/// Small settings of this device. Key: a setting's name (such as
/// [`LANG_KEY`]); value: a string.
pub const META: &str = "meta";

/// The screen language the user chose, `zh-CN` or `en`.
pub const LANG_KEY: &str = "lang";

/// The login: a [`super::StoredSession`] as JSON. Absent when logged out.
pub const SESSION_KEY: &str = "session";

/// This phone's id, a UUID made once and kept through log-outs.
pub const DEVICE_KEY: &str = "device_id";

/// The username of the last login, kept through log-outs to pre-fill the
/// form.
pub const LAST_USERNAME_KEY: &str = "last_username";

/// The latest clock measurement: a [`super::ClockReading`] as JSON.
pub const CLOCK_KEY: &str = "clock";

/// The duty office's follow-up requests on this account's threads, as last
/// read: a JSON list of `kuaibao_core::desk::office::FollowUpRequest`.
pub const REQUESTS_KEY: &str = "requests";

/// The deployment's deadline rules, as last read: a
/// `kuaibao_core::rules::deadlines::RuleSet` as JSON.
pub const RULES_KEY: &str = "rules";

/// When the server's last restore from a backup ran (ms since the epoch),
/// once this phone has queued again what that restore lost (see
/// `store::restore`). Not RFC 3339: chrono's formatting is not in the
/// download.
pub const RESTORE_KEY: &str = "restore_seen";

/// Followed by `:` and an account's id: set once this phone has read that
/// account's threads back from the server (see `store::recovered`).
pub const RECOVERED_KEY: &str = "recovered";

/// The `meta` key prefix of where reading the records of an account's
/// threads starts next (see `store::recovered`).
pub const THREAD_RECORDS_KEY: &str = "thread_records";

/// Schema versions, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// The first schema: `reports` and `meta`.
    V1 = 1,
    /// Photos: `photos` (metadata) and `blobs` (bytes).
    V2 = 2,
    /// Finished threads leave the list: `receipts`.
    V3 = 3,
    /// The list opens with its first page: [`BY_THREAD`] and [`BY_STATE`]
    /// on `reports`, [`BY_REPORT`] on `photos` (the browser builds them
    /// from the records there).
    V4 = 4,
}

impl Version {
    pub const CURRENT: Version = Version::V4;
}

/// Every object store of [`Version::CURRENT`], with its in-line key path
/// (`None`: keys given apart). A store is never renamed or dropped, so the
/// upgrade from any version is "make the stores that are missing".
pub const STORES: [(&str, Option<&str>); 5] = [
    (REPORTS, Some("id")),
    (META, None),
    (PHOTOS, Some("id")),
    (BLOBS, None),
    (RECEIPTS, Some("id")),
];

/// Every index of [`Version::CURRENT`]: its store, its name and its key
/// path. Like stores, indexes are only ever added.
pub const INDEXES: [(&str, &str, &str); 3] = [
    (REPORTS, BY_THREAD, "thread"),
    (REPORTS, BY_STATE, "status.state"),
    (PHOTOS, BY_REPORT, "report_id"),
];

/// Brings a database in its upgrade transaction `tx` to
/// [`Version::CURRENT`]: makes each store and index it lacks, whatever
/// version it was at, and leaves the others and their records as they are.
/// An index made on a store with records is filled from them by the
/// browser, in this same transaction: a phone upgraded with reports on it
/// has them all in its indexes.
pub fn upgrade(db: &IdbDatabase, tx: &IdbTransaction) -> Result<(), JsValue> {
    let existing = db.object_store_names();
    for (name, key_path) in STORES {
        if !existing.contains(name) {
            let options = IdbObjectStoreParameters::new();
            if let Some(path) = key_path {
                options.set_key_path(&JsValue::from_str(path));
            }
            db.create_object_store_with_optional_parameters(name, &options)?;
        }
    }
    for (store, name, key_path) in INDEXES {
        let store = tx.object_store(store)?;
        if !store.index_names().contains(name) {
            store.create_index_with_str(name, key_path)?;
        }
    }
    Ok(())
}

/// Whether a database has every store of [`Version::CURRENT`].
pub fn is_complete(names: &[String]) -> bool {
    STORES.iter().all(|(name, _)| names.iter().any(|n| n == name))
}
