//! Freeing space on a full phone, by the worker's choice: the bytes of photos
//! the office already holds (upload `Done`) are deleted, oldest first. Their
//! records stay, so the report, its manifest and its upload state are as they
//! were (sync never sends a `Done` photo again), and so does the thumbnail,
//! which is small and is what the report page shows. Photos not yet
//! delivered, or refused, are never touched: the phone is their only copy.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use kuaibao_core::PhotoId;
use wasm_bindgen::JsValue;

use super::{decode_all, LocalPhoto, Store, StoreError, Upload, BLOBS, PHOTOS};

/// Delivered photos whose bytes are still on the phone, oldest first
/// (`created_ms`): what pruning would delete, in the order it would.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivered {
    /// Each photo's id and size in bytes.
    pub photos: Vec<(PhotoId, u64)>,
}

/// How many photos' bytes, and how many bytes, pruning frees (or freed).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Freed {
    pub photos: u32,
    pub bytes: u64,
}

impl Delivered {
    /// What deleting the oldest `at_most` would free.
    pub fn first(&self, at_most: u32) -> Freed {
        let taken = &self.photos[..self.photos.len().min(at_most as usize)];
        Freed {
            photos: taken.len() as u32,
            bytes: taken.iter().map(|(_, size)| size).sum(),
        }
    }

    /// What deleting all of them would free.
    pub fn all(&self) -> Freed {
        self.first(u32::MAX)
    }
}

impl Store {
    /// The delivered photos whose bytes are still on the phone.
    pub async fn delivered(&self) -> Result<Delivered, StoreError> {
        let tx = self.db.transaction([PHOTOS, BLOBS]).build()?;
        delivered(&tx).await
    }

    /// Deletes the bytes of the oldest `at_most` delivered photos still on
    /// the phone, in one transaction: chosen and deleted in the same one, so
    /// a photo that is not `Done` when the deleting starts cannot be among
    /// them.
    pub async fn prune_delivered(&self, at_most: u32) -> Result<Freed, StoreError> {
        let tx = self
            .db
            .transaction([PHOTOS, BLOBS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let chosen = delivered(&tx).await?;
        let freed = chosen.first(at_most);
        let blobs = tx.object_store(BLOBS)?;
        for (id, _) in &chosen.photos[..freed.photos as usize] {
            blobs.delete(id.to_string()).primitive()?.await?;
        }
        tx.commit().await?;
        Ok(freed)
    }

    /// Whether a photo's own bytes (not its thumbnail) are on the phone:
    /// false once pruned, so the report page can say so.
    pub async fn has_photo_bytes(&self, id: PhotoId) -> Result<bool, StoreError> {
        let tx = self.db.transaction(BLOBS).build()?;
        let n = tx
            .object_store(BLOBS)?
            .count()
            .with_query(id.to_string())
            .primitive()?
            .await?;
        Ok(n > 0)
    }
}

/// The `Done` photos whose bytes are in `blobs`, oldest first, read in `tx`.
async fn delivered(tx: &Transaction<'_>) -> Result<Delivered, StoreError> {
    let records: Vec<LocalPhoto> = decode_all(&tx.object_store(PHOTOS)?, PHOTOS).await?;
    // One read of every key rather than one request per photo; keys are
    // `{id}` and `{id}/thumb`, short strings.
    let keys: Vec<String> = tx
        .object_store(BLOBS)?
        .get_all_keys::<JsValue>()
        .primitive()?
        .await?
        .filter_map(|key| key.ok().and_then(|k| k.as_string()))
        .collect();
    let mut held: Vec<&LocalPhoto> = records
        .iter()
        .filter(|p| p.upload == Upload::Done)
        .filter(|p| {
            let key = p.id.to_string();
            keys.iter().any(|k| *k == key)
        })
        .collect();
    kuaibao_core::sort::insertion_sort(&mut held, |a, b| a.created_ms < b.created_ms);
    Ok(Delivered {
        photos: held.iter().map(|p| (p.id, p.size)).collect(),
    })
}
