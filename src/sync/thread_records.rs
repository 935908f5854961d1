//! Every record of this account's threads (`GET /api/thread-records`),
//! read on from where the last read stopped, and kept where the phone
//! lacks it (`store::recovered`): what the duty office added (a call an
//! officer logged when she phoned, a hazard he verified and closed, a 续报
//! or 终报 he filed for her) and what she filed on another phone. The phone
//! then counts them as the office does: the call meets the verbal
//! deadline, the closed hazard is finished (and let go in time), the next
//! 续报 takes the next number. Read after every pass with signal, once the
//! account's threads are all on the phone (`sync::recover`): a record of a
//! thread not yet read back would be passed over for good.

use kuaibao_core::wire::page::PageQuery;
use kuaibao_core::wire::protocol::{Receipt, THREAD_RECORDS_PATH};
use kuaibao_core::Report;
use serde::Deserialize;

use super::transport::{pages, NetError};
use crate::store::{Author, LocalReport};

/// A page of 15 s at most, like the other reads after a pass.
const TIMEOUT_MS: u32 = 15_000;

/// Records per page, and the pages read in one pass: a handful is usual;
/// after a long time without signal the next pass goes on from there.
const PAGE: u32 = 100;
const PAGES_PER_PASS: usize = 4;

/// Where the list starts, for an account never read.
pub fn first_page() -> String {
    format!("{THREAD_RECORDS_PATH}?limit={PAGE}")
}

#[derive(Deserialize)]
struct Listed {
    receipt: Receipt,
    report: Report,
    /// The account that filed it; records from before accounts have none.
    author: Option<By>,
}

#[derive(Deserialize)]
struct By {
    username: String,
    display_name: String,
}

/// A few pages of `author`'s threads' records from `from`, each as the
/// phone keeps it (hers as read back, any other account's as the
/// office's), and where the next read starts: the next page, or after the
/// last record read (`from` again if there was none); `None` when the
/// server did not answer with a list (an older server answers 404).
pub async fn fetch(token: &str, author: &Author, from: String) -> Result<Option<(Vec<LocalReport>, String)>, NetError> {
    let Some((listed, next)) =
        pages::<Listed>(from.clone(), token, TIMEOUT_MS, PAGES_PER_PASS, "thread records").await?
    else {
        return Ok(None);
    };
    let after_last = listed.last().map(|r| {
        let page = PageQuery {
            after: None,
            limit: PAGE,
        };
        format!("{THREAD_RECORDS_PATH}?{}", page.next_after(r.receipt.seq))
    });
    let next = next.or(after_last).unwrap_or(from);
    let records = listed
        .into_iter()
        .map(|r| match r.author {
            Some(by) if by.username == author.username => LocalReport::recovered(r.report, r.receipt, author.clone()),
            by => LocalReport::by_office(r.report, r.receipt, by.map_or_else(String::new, |b| b.display_name)),
        })
        .collect();
    Ok(Some((records, next)))
}
