//! Finished threads leave the phone's list (issue: the phone keeps its
//! history small). What stays of each record is its receipt and what the
//! list showed of it, in the `receipts` store; the record itself, its photo
//! records and their bytes are deleted, in the same transaction, so a record
//! is never both gone and unreceipted. The office holds all of it: the
//! archive page reads it back from the server, page by page.

use chrono::{DateTime, FixedOffset};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao_core::wire::protocol::Receipt;
use kuaibao_core::{PhotoId, ReportId, Stage};
use serde::{Deserialize, Serialize};

use super::{json, LocalPhoto, LocalReport, Status, Store, StoreError, BLOBS, PHOTOS, RECEIPTS, REPORTS};

/// What the phone keeps of a record that left it: enough to list it with
/// its receipt, as the office's answer about it said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Archived {
    pub id: ReportId,
    /// The thread's first record; `None` on that record itself.
    #[serde(default)]
    pub thread: Option<ReportId>,
    pub stage: Stage,
    pub template_id: String,
    pub template_version: u32,
    /// The place as typed (`answers.place`), if any.
    #[serde(default)]
    pub place: Option<String>,
    // Read with the phone's own reader too: chrono's general parser is the
    // largest part of chrono in the wasm, and only this field still used it.
    #[serde(
        serialize_with = "kuaibao_core::wire::timestamp::write_fixed",
        deserialize_with = "kuaibao_core::wire::timestamp::fixed"
    )]
    pub written_at: DateTime<FixedOffset>,
    pub receipt: Receipt,
}

impl Archived {
    /// The summary of a delivered record; `None` for any other.
    pub fn of(report: &LocalReport) -> Option<Archived> {
        let Status::Delivered { written_at, receipt } = &report.status else {
            return None;
        };
        Some(Archived {
            id: report.id,
            thread: report.thread,
            stage: report.stage,
            template_id: report.template_id.clone(),
            template_version: report.template_version,
            place: report.answers.get("place").filter(|p| !p.trim().is_empty()).cloned(),
            written_at: *written_at,
            receipt: receipt.clone(),
        })
    }
}

impl Store {
    /// Lets `records` go, keeping their summaries: one transaction over the
    /// records, their photos' records and bytes, and the receipts. A record
    /// that is not delivered is refused whole (nothing changes).
    pub async fn archive(&self, records: &[LocalReport], photos: &[PhotoId]) -> Result<(), StoreError> {
        let kept: Vec<Archived> = records.iter().filter_map(Archived::of).collect();
        if kept.len() != records.len() {
            return Err(StoreError::db("only delivered records leave the phone"));
        }
        let values = kept.iter().map(json::to_js).collect::<Result<Vec<_>, _>>()?;
        let tx = self
            .db
            .transaction([REPORTS, PHOTOS, BLOBS, RECEIPTS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let receipts = tx.object_store(RECEIPTS)?;
        for value in values {
            receipts.put(value).primitive()?.await?;
        }
        let reports = tx.object_store(REPORTS)?;
        for record in records {
            reports.delete(record.id.to_string()).primitive()?.await?;
        }
        let photo_records = tx.object_store(PHOTOS)?;
        let blobs = tx.object_store(BLOBS)?;
        for id in photos {
            photo_records.delete(id.to_string()).primitive()?.await?;
            blobs.delete(id.to_string()).primitive()?.await?;
            blobs.delete(LocalPhoto::thumb_key(*id)).primitive()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many records have left the phone.
    pub async fn archived_count(&self) -> Result<u32, StoreError> {
        let tx = self.db.transaction(RECEIPTS).build()?;
        let n = tx.object_store(RECEIPTS)?.count().primitive()?.await?;
        Ok(n)
    }

    /// Every record that left the phone, in id order (oldest first).
    pub async fn archived(&self) -> Result<Vec<Archived>, StoreError> {
        self.read_all(RECEIPTS).await
    }
}
