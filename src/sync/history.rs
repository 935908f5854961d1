//! The records that left the phone (`store::Archived`), read back from the
//! server a page at a time (`GET /api/reports`, which lists a reporter's own
//! records, oldest first, and links to the next page).

use chrono::{DateTime, FixedOffset};
use kuaibao_core::wire::protocol::{Receipt, SUBMIT_REPORT_PATH};
use kuaibao_core::{Answers, ReportId, Stage};
use serde::Deserialize;

use super::transport::{page, NetError};
use crate::store::Archived;

/// Records per page: a screen or two on a phone, a few kB on a weak link.
pub const PAGE: u32 = 30;

/// A page of 15 s at most: the worker is waiting for it.
const TIMEOUT_MS: u32 = 15_000;

/// The first page's address.
pub fn first_page() -> String {
    format!("{SUBMIT_REPORT_PATH}?limit={PAGE}")
}

/// One page of the server's list, and the next page's address.
pub struct Page {
    pub records: Vec<Archived>,
    pub next: Option<String>,
}

/// One stored record as the list gives it; only what the summary keeps is
/// read (the rest of the record is skipped, not decoded).
#[derive(Deserialize)]
struct Listed {
    receipt: Receipt,
    report: ListedReport,
}

#[derive(Deserialize)]
struct ListedReport {
    id: ReportId,
    #[serde(default)]
    thread: Option<ReportId>,
    #[serde(default)]
    stage: Stage,
    template_id: String,
    template_version: u32,
    #[serde(default)]
    answers: Answers,
    #[serde(deserialize_with = "kuaibao_core::wire::timestamp::fixed")]
    written_at: DateTime<FixedOffset>,
}

impl From<Listed> for Archived {
    fn from(l: Listed) -> Archived {
        let r = l.report;
        Archived {
            id: r.id,
            thread: r.thread,
            stage: r.stage,
            template_id: r.template_id,
            template_version: r.template_version,
            place: r.answers.get("place").filter(|p| !p.trim().is_empty()).cloned(),
            written_at: r.written_at,
            receipt: l.receipt,
        }
    }
}

/// The page at `url` (from [`first_page`] or a previous page's `next`).
pub async fn fetch(url: &str, token: &str) -> Result<Page, NetError> {
    let (body, next) = page(url, token, TIMEOUT_MS)
        .await?
        .ok_or_else(|| NetError("history: the server did not answer with the list".to_owned()))?;
    let listed: Vec<Listed> =
        kuaibao_core::wire::json::from_str(&body).map_err(|e| NetError(format!("history: {e}")))?;
    Ok(Page {
        records: listed.into_iter().map(Archived::from).collect(),
        next,
    })
}
