//! After the server was restored from a backup (`Health::restored`), it lacks
//! what it received after the backup was made, and this phone may hold it.
//! Every record delivered since then goes again, and every photo the office
//! held whose original is still here: a replay of a record the server did
//! keep gets its first receipt back, and a photo it holds is complete at
//! once, so sending too much costs a request, never a duplicate. Done once
//! per restore; a pass cut short does it again, to the same effect.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao_core::wire::protocol::Restore;
use wasm_bindgen::JsValue;

use super::schema::RESTORE_KEY;
use super::{json, LocalPhoto, LocalReport, Status, Store, StoreError, Upload, BLOBS, META, PHOTOS, REPORTS};

impl Store {
    /// Queues again what `restore` lost: the records it returns, which
    /// were delivered after the backup was made, and the delivered photos
    /// still on the phone. Nothing if this phone did so for this restore.
    pub async fn resend_after(&self, restore: &Restore, now_ms: f64) -> Result<Vec<LocalReport>, StoreError> {
        let seen = restore.restored_at.timestamp_millis().to_string();
        if self.meta(RESTORE_KEY).await?.as_deref() == Some(seen.as_str()) {
            return Ok(Vec::new());
        }
        // Read apart, as `prune_delivered` does: delivered and `Done` are
        // last states, so what is read as such is still so below.
        let again: Vec<LocalReport> = self
            .all()
            .await?
            .into_iter()
            .filter_map(|r| match r.status {
                // Read back from the server and come by SMS: sent from here
                // it would be stored as an app report, its way and seal lost.
                Status::Delivered { ref receipt, .. } if r.recovered && receipt.via_sms => None,
                // The office's record: under this account it would be
                // stored as the worker's (the office's own copy is its).
                Status::Delivered { .. } if r.by_office.is_some() => None,
                Status::Delivered { written_at, receipt } if receipt.received_at > restore.backup_made_at => {
                    Some(LocalReport {
                        status: Status::Waiting {
                            written_at,
                            attempts: 0,
                            next_try_ms: now_ms,
                            last_error: None,
                        },
                        // Shown with it, the server's seal lets it be
                        // stored at its first time again.
                        first_receipt: receipt.seal.is_some().then_some(receipt),
                        ..r
                    })
                }
                _ => None,
            })
            .collect();
        let photos = self.photos().await?;
        let tx = self
            .db
            .transaction([REPORTS, PHOTOS, BLOBS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let reports = tx.object_store(REPORTS)?;
        for r in &again {
            reports.put(json::to_js(r)?).primitive()?.await?;
        }
        let (photo_store, blobs) = (tx.object_store(PHOTOS)?, tx.object_store(BLOBS)?);
        for p in photos.into_iter().filter(|p| p.upload == Upload::Done) {
            // A photo whose original was deleted to free space cannot go.
            let original: Option<JsValue> = blobs.get(p.id.to_string()).primitive()?.await?;
            if original.is_some() {
                let waiting = LocalPhoto {
                    upload: Upload::Waiting {
                        url: None,
                        offset: 0,
                        attempts: 0,
                        next_try_ms: now_ms,
                        last_error: None,
                    },
                    ..p
                };
                photo_store.put(json::to_js(&waiting)?).primitive()?.await?;
            }
        }
        tx.object_store(META)?
            .put(seen)
            .with_key(RESTORE_KEY)
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(again)
    }
}
