//! The shapes of the server's answers the office reads that the core does
//! not declare (the thread and photo endpoints). Unknown fields are
//! ignored, so a newer server does not break the page.

use chrono::{DateTime, Utc};
use kuaibao_core::wire::protocol::{Receipt, RecordAuthor};
use kuaibao_core::{PhotoId, Report, ReportId};
use serde::Deserialize;

/// `GET /api/threads/{id}`: the records of a thread in stage order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Thread {
    pub thread: ReportId,
    pub records: Vec<StoredRecord>,
}

/// One stored record, with its receipt.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StoredRecord {
    pub receipt: Receipt,
    pub report: Report,
    #[serde(default)]
    pub photos: PhotoCount,
    /// The account it came under (absent before accounts, or from an
    /// older server).
    #[serde(default)]
    pub author: Option<RecordAuthor>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct PhotoCount {
    pub expected: u32,
    pub arrived: u32,
}

/// `GET /api/reports/{id}/photos`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReportPhotos {
    pub expected: u32,
    pub arrived: u32,
    pub photos: Vec<PhotoStatus>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PhotoStatus {
    pub photo_id: PhotoId,
    pub blank: String,
    pub sha256: String,
    pub size: u64,
    /// As the record announced it: a photo, video clip or voice note.
    pub mime: String,
    #[serde(default)]
    pub arrived_at: Option<DateTime<Utc>>,
}
