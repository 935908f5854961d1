//! The duty office's requests for a follow-up (续报) on this account's
//! threads. Read at the end of every pass that reached the server, kept on
//! the phone, so the request still shows where there is no signal.

use kuaibao_core::desk::office::{FollowUpRequest, MY_REQUESTS_PATH};

use super::transport::{pages, NetError};

/// A short wait: the list is a nicety on top of a pass that already
/// delivered, never worth holding the pass for.
const TIMEOUT_MS: u32 = 15_000;

/// The most pages of requests read in one pass (of the server's default
/// page size): a thousand requests no record has answered yet.
const MAX_PAGES: usize = 10;

/// The open requests (none of the thread's records answers them yet) on
/// the threads this account sent, oldest first, page by page as the
/// server's `Link` header leads; `None` when the server did not answer
/// with a list (an older server answers 404: no requests). Only the open
/// ones: those are all the phone shows, and a reporter's answered requests
/// grow for years.
pub async fn fetch(token: &str) -> Result<Option<Vec<FollowUpRequest>>, NetError> {
    let first = format!("{MY_REQUESTS_PATH}?open=true");
    Ok(pages(first, token, TIMEOUT_MS, MAX_PAGES, "requests")
        .await?
        .map(|(all, _)| all))
}
