//! `kuaibao-server fsck`: every stored photo re-read and checked against its
//! name. Photos are content-addressed (`photos/<aa>/<sha256>`), so an object
//! whose bytes do not hash to its name is damaged: a disk that lost part of
//! a file, a copy cut short, a hand that edited the store. Such an object is
//! moved to `quarantine/…` (kept for whoever investigates, out of the
//! photos' way) and listed; so is every arrived photo whose object is then
//! missing.
//!
//! A photo's arrival time is evidence and never changes; its bytes come
//! back with the next upload of them: the photo's own sender (the server
//! takes an arrived photo again when its copy is missing or damaged, see
//! `Uploads::create`) or any other photo with the same bytes.

use serde_json::json;

use crate::db::audit::{self, Actor};
use crate::db::{Pool, StoreError};
use crate::storage::{hex_sha256, is_temporary, photo_key, PhotoStore, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum FsckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a check found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Findings {
    /// Objects read and hashed.
    pub checked: u64,
    /// Objects whose bytes were not their name's, with where they went.
    pub quarantined: Vec<(String, String)>,
    /// Arrived photos (id, key) whose object is not in the store (any more).
    pub missing: Vec<(String, String)>,
    /// Intact objects no arrived photo names: bytes the database does not
    /// know of (after a restore, photos that arrived between the
    /// database's snapshot and the copy of the store; while the server
    /// runs, a photo between its bytes and its row). Not damage: listed for
    /// the operator, kept (a phone that sends the photo again finds its
    /// bytes there).
    pub unclaimed: Vec<String>,
    /// Photos announced more than [`OVERDUE_DAYS`] ago that never arrived
    /// (id, record, when it announced them): the
    /// office may call the reporter, whose phone may hold them still.
    pub overdue: Vec<(String, String, String)>,
}

/// After how many days a photo announced and never arrived is listed.
pub const OVERDUE_DAYS: i64 = 7;

impl Findings {
    pub fn clean(&self) -> bool {
        self.quarantined.is_empty() && self.missing.is_empty()
    }
}

/// What an object's bytes hash to, against its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rehashed {
    /// The bytes are the ones the key names.
    Intact { sha256: String },
    /// They hash to something else: the object is damaged.
    Damaged { sha256: String },
}

/// Re-hashes `bytes`, read from the store under `key`. A photo's key is
/// made from the SHA-256 of its bytes, so any other hash means damage.
pub fn rehash(key: &str, bytes: &[u8]) -> Rehashed {
    let sha256 = hex_sha256(bytes);
    if key == photo_key(&sha256) {
        Rehashed::Intact { sha256 }
    } else {
        Rehashed::Damaged { sha256 }
    }
}

/// Every photo object in `store`: the keys under `photos/`, less the
/// temporary files a local store writes before renaming a photo into place
/// (listed while the server runs, they are a photo on its way, not damage).
pub async fn photo_keys(store: &PhotoStore) -> Result<Vec<String>, StorageError> {
    let mut keys = store.keys(PHOTOS_PREFIX).await?;
    keys.retain(|key| !is_temporary(key));
    Ok(keys)
}

/// The folder of the photo objects in a store.
const PHOTOS_PREFIX: &str = "photos";

/// Checks every object under `photos/` and every arrived photo's object;
/// quarantines the damaged ones, each with an audit row by `actor`; lists
/// the objects no photo names and the photos overdue as of `now`.
pub async fn check(
    pool: &Pool,
    store: &PhotoStore,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Findings, FsckError> {
    let mut findings = Findings::default();
    // The store listed before the photos that arrived are read: a photo
    // arriving while a large store is listed is then named, not unclaimed.
    let keys = photo_keys(store).await?;
    let arrived = arrived_photos(pool).await?;
    let named: std::collections::HashSet<&str> = arrived.iter().map(|(_, key)| key.as_str()).collect();
    for key in keys {
        // One object at a time: photos are a few MB, the store may hold
        // millions.
        let Some(bytes) = store.get(&key).await? else {
            continue;
        };
        findings.checked += 1;
        let Rehashed::Damaged { sha256 } = rehash(&key, &bytes) else {
            if !named.contains(key.as_str()) {
                findings.unclaimed.push(key);
            }
            continue;
        };
        let moved = store.quarantine(&key).await?;
        tracing::warn!(%key, %moved, size = bytes.len(), "a stored photo does not match its name: quarantined");
        let mut tx = pool.begin().await.map_err(StoreError::from)?;
        audit::record(
            &mut tx,
            actor,
            "photo.quarantine",
            &key,
            json!({ "to": moved, "size": bytes.len(), "sha256": sha256 }),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        findings.quarantined.push((key, moved));
    }
    for (photo_id, key) in arrived {
        if !store.contains(&key).await? {
            findings.missing.push((photo_id, key));
        }
    }
    findings.overdue =
        crate::db::photos::never_arrived_since(pool, now - chrono::TimeDelta::days(OVERDUE_DAYS)).await?;
    Ok(findings)
}

/// Every arrived photo as (id, key of its object), in order of arrival.
pub async fn arrived_photos(pool: &Pool) -> Result<Vec<(String, String)>, StoreError> {
    let arrived = sqlx::query_as(
        "SELECT photo_id, storage_key FROM photos WHERE storage_key IS NOT NULL ORDER BY arrived_at, photo_id",
    )
    .fetch_all(pool)
    .await?;
    Ok(arrived)
}
