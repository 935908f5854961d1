//! Freeing space on a full phone, by the worker's choice: the bytes of photos
//! the office already holds (upload `Done`) are deleted, oldest first. Their
//! records stay, so the report, its manifest and its upload state are as they
//! were (sync never sends a `Done` photo again), and so does the thumbnail,
//! which is small and is what the report page shows. Photos not yet
//! delivered, or refused, are never touched: the phone is their only copy.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao_core::PhotoId;
use wasm_bindgen::JsValue;

use super::{Store, StoreError, Upload, BLOBS};

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
    /// Deletes the originals of the oldest `at_most` delivered photos still
    /// on the phone, in one transaction, which also checks that each is
    /// there. Returns what was freed and what is left; with `at_most` 0 it
    /// only counts (one function rather than two: each async function costs
    /// the download hundreds of bytes).
    pub async fn prune_delivered(&self, at_most: u32) -> Result<(Freed, Delivered), StoreError> {
        // The records are read apart, before (reading them inside the
        // transaction needed a second copy of the record reader: 0.5 KB of
        // brotli). That is safe: `Done` is an upload's last state (only a
        // refused report's photos start again, and they never went up), so
        // a photo read as delivered is still delivered below.
        let records = self.photos().await?;
        let tx = self
            .db
            .transaction(BLOBS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let blobs = tx.object_store(BLOBS)?;
        let mut held = Vec::new();
        for p in records.iter().filter(|p| p.upload == Upload::Done) {
            // Only whether the original is there: in Chromium a stored Blob
            // is a handle, its bytes are not read.
            let original: Option<JsValue> = blobs.get(p.id.to_string()).primitive()?.await?;
            if original.is_some() {
                held.push(p);
            }
        }
        kuaibao_core::sort::insertion_sort(&mut held, |a, b| a.created_ms < b.created_ms);
        let held = Delivered {
            photos: held.iter().map(|p| (p.id, p.size)).collect(),
        };
        let freed = held.first(at_most);
        let (gone, left) = held.photos.split_at(freed.photos as usize);
        for (id, _) in gone {
            blobs.delete(id.to_string()).primitive()?.await?;
        }
        tx.commit().await?;
        Ok((freed, Delivered { photos: left.to_vec() }))
    }
}
