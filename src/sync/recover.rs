//! A phone that lost its records (a new phone, storage the browser cleared,
//! the app installed again) reads its account's threads back from the
//! server (`GET /api/threads`: the ones a phone still keeps, every
//! unfinished one among them), once per account, so the worker goes on
//! with them there: the next stages, the deadlines and the office's
//! requests all come from the threads on the phone.

use chrono::{DateTime, FixedOffset};
use gloo_net::http::RequestBuilder;
use kuaibao_core::photo::PhotoRef;
use kuaibao_core::wire::protocol::{Receipt, AUTHORIZATION_HEADER, MY_THREADS_PATH};
use kuaibao_core::{Answers, GradeDecision, ReportId, Stage, ThreadKey};
use serde::Deserialize;

use super::transport::{bearer, with_timeout, NetError};
use crate::store::{Author, LocalReport, Status};

/// A page of 15 s at most, like the other reads after a pass.
const TIMEOUT_MS: u32 = 15_000;

/// Threads per page, and the most pages read: a worker's open threads
/// are a handful; five hundred is past any.
const PAGE: u32 = 50;
const MAX_PAGES: usize = 10;

#[derive(Deserialize)]
struct Listed {
    records: Vec<ListedRecord>,
}

#[derive(Deserialize)]
struct ListedRecord {
    receipt: Receipt,
    report: ListedReport,
}

/// What the phone keeps of a record: [`LocalReport`]'s fields, named as
/// the record is sent.
#[derive(Deserialize)]
struct ListedReport {
    id: ReportId,
    #[serde(default)]
    thread: Option<ReportId>,
    #[serde(default)]
    thread_key: Option<ThreadKey>,
    #[serde(default)]
    stage: Stage,
    template_id: String,
    template_version: u32,
    #[serde(default)]
    answers: Answers,
    #[serde(default)]
    grade: Option<GradeDecision>,
    #[serde(default)]
    photos: Vec<PhotoRef>,
    #[serde(default)]
    clock_offset_ms: Option<i64>,
    #[serde(deserialize_with = "kuaibao_core::wire::timestamp::fixed")]
    written_at: DateTime<FixedOffset>,
}

impl ListedRecord {
    fn local(self, author: &Author, now_ms: f64) -> LocalReport {
        let r = self.report;
        LocalReport {
            id: r.id,
            thread: r.thread,
            thread_key: r.thread_key,
            stage: r.stage,
            template_id: r.template_id,
            template_version: r.template_version,
            answers: r.answers,
            grade: r.grade,
            photos: r.photos,
            updated_ms: now_ms,
            author: Some(author.clone()),
            clock_offset_ms: r.clock_offset_ms,
            status: Status::Delivered {
                written_at: r.written_at,
                receipt: self.receipt,
            },
            refused: Vec::new(),
        }
    }
}

/// Every record of the threads of `author`'s account a phone keeps, as
/// this phone keeps a record it delivered; `None` when the server did not
/// answer with a list (an older server answers 404: nothing to read back).
pub async fn fetch(token: &str, author: &Author, now_ms: f64) -> Result<Option<Vec<LocalReport>>, NetError> {
    let mut all = Vec::new();
    let mut next = Some(format!("{MY_THREADS_PATH}?limit={PAGE}"));
    for _ in 0..MAX_PAGES {
        let Some(path) = next.take() else { break };
        let request = RequestBuilder::new(&path).header(AUTHORIZATION_HEADER, &bearer(token));
        let response = with_timeout(TIMEOUT_MS, request, None).await?;
        if response.status() != 200 {
            return Ok(None);
        }
        next = response
            .headers()
            .get("link")
            .and_then(|link| kuaibao_core::wire::page::next_of(&link).map(str::to_owned));
        let body = response.text().await?;
        let page: Vec<Listed> =
            kuaibao_core::wire::json::from_str(&body).map_err(|e| NetError(format!("threads: {e}")))?;
        all.extend(
            page.into_iter()
                .flat_map(|t| t.records)
                .map(|r| r.local(author, now_ms)),
        );
    }
    Ok(Some(all))
}
