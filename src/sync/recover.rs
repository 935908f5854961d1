//! A phone that lost its records (a new phone, storage the browser cleared,
//! the app installed again) reads its account's threads back from the
//! server (`GET /api/threads`: the ones she began that a phone still keeps,
//! every unfinished one among them), so the worker goes on with them there:
//! the next stages, the deadlines and the office's requests all come from
//! the threads on the phone. Once per account, a few pages a pass, to the
//! end of the list (`store::recovered` keeps where it stands).

use kuaibao_core::wire::protocol::{Receipt, MY_THREADS_PATH};
use kuaibao_core::Report;
use serde::Deserialize;

use super::transport::{pages, NetError};
use crate::store::{Author, LocalReport};

/// A page of 15 s at most, like the other reads after a pass.
const TIMEOUT_MS: u32 = 15_000;

/// Threads per page, and the pages read in one pass: a pass is not held
/// long by a worker with years of hazards the office never closed on her
/// phone; the next pass goes on from there.
const PAGE: u32 = 50;
const PAGES_PER_PASS: usize = 4;

/// Where the list starts.
pub fn first_page() -> String {
    format!("{MY_THREADS_PATH}?limit={PAGE}")
}

#[derive(Deserialize)]
struct Listed {
    records: Vec<ListedRecord>,
}

#[derive(Deserialize)]
struct ListedRecord {
    receipt: Receipt,
    report: Report,
}

/// A few pages of `author`'s threads from `from`, each record as this
/// phone keeps one it delivered, and where the list goes on (`None` at its
/// end); `None` when the server did not answer with a list (an older
/// server answers 404: nothing to read back).
pub async fn fetch(
    token: &str,
    author: &Author,
    from: String,
) -> Result<Option<(Vec<LocalReport>, Option<String>)>, NetError> {
    let Some((listed, next)) = pages::<Listed>(from, token, TIMEOUT_MS, PAGES_PER_PASS, "threads").await? else {
        return Ok(None);
    };
    let records = listed
        .into_iter()
        .flat_map(|t| t.records)
        .map(|r| LocalReport::recovered(r.report, r.receipt, author.clone()))
        .collect();
    Ok(Some((records, next)))
}
