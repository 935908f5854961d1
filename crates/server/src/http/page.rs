//! The query and `Link` header of every paged list (`kuaibao_core::wire::page`),
//! and the walk through threads that the inbox and the ledgers share.

use axum::extract::Query;
use axum::http::header::LINK;
use axum::http::{HeaderMap, HeaderValue, Uri};
use chrono::{DateTime, Utc};
use kuaibao_core::wire::page::PageQuery;

use super::error::AppError;
use super::AppState;
use crate::db::office::{self as rows, Line};
use crate::db::reports::{self, Scope, ThreadWalk};

/// A paged list's query: the page, and the endpoint's own parameters
/// (a filter), which the next page's link carries on.
#[derive(Debug, Clone)]
pub struct Paged {
    pub page: PageQuery,
    pub rest: Vec<(String, String)>,
}

impl Paged {
    /// From the request's query string; 400 naming `limit` or `after` when
    /// either is bad. The endpoint checks `rest` itself.
    pub fn of(uri: &Uri) -> Result<Paged, AppError> {
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|q| q.0)
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let (page, rest) = PageQuery::split(&pairs).map_err(AppError::InvalidQuery)?;
        Ok(Paged { page, rest })
    }

    /// As [`Paged::of`] for a list without parameters of its own: any other
    /// parameter is 400 naming it.
    pub fn only(uri: &Uri) -> Result<PageQuery, AppError> {
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|q| q.0)
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        PageQuery::from_query(&pairs).map_err(AppError::InvalidQuery)
    }

    /// The answer's headers: the `Link` to the page after key `next`, if
    /// there is one, at the request's own path.
    pub fn headers(&self, uri: &Uri, next: Option<i64>) -> HeaderMap {
        link(uri, self.page, &self.rest, next)
    }
}

/// The `Link: <…>; rel="next"` header of the page after key `next` of the
/// list at `uri`'s path, with `rest` carried on; none at the end.
pub fn link(uri: &Uri, page: PageQuery, rest: &[(String, String)], next: Option<i64>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(last) = next {
        // Built from our own path and percent-encoded text: always a valid
        // header value.
        if let Ok(value) = HeaderValue::from_str(&page.next_link(uri.path(), rest, last)) {
            headers.insert(LINK, value);
        }
    }
    headers
}

/// How many threads one page may read through, kept or not: a filter that
/// keeps few threads answers a short page (with the link to go on) rather
/// than reading the whole area's history in one request.
const SCAN_CAP: usize = 5 * kuaibao_core::wire::page::MAX_LIMIT as usize;

/// Threads are read in batches of at least this many, so a page that is
/// nearly full does not cost a round of queries per thread.
const MIN_BATCH: u32 = 50;

/// One page of the threads in `scope` that `walk` reads (its `thread` and
/// `templates`; the page and the order are this function's) and `keep`
/// keeps, newest first, summarised as of `now`; and the key to continue after,
/// if more may follow. A page holds at most `page.limit` lines, possibly
/// fewer (even none) when the filter keeps few of [`SCAN_CAP`] threads:
/// only a missing key means the end.
pub async fn thread_page(
    state: &AppState,
    scope: &Scope,
    page: PageQuery,
    walk: ThreadWalk<'_>,
    now: DateTime<Utc>,
    keep: impl Fn(&Line) -> bool,
) -> Result<(Vec<Line>, Option<i64>), AppError> {
    let limit = page.limit as usize;
    let areas = reports::few_areas(&state.pool, scope).await?;
    let mut out = Vec::new();
    let mut after = page.after;
    let mut read = 0;
    loop {
        let want = u32::try_from(limit - out.len())
            .unwrap_or(u32::MAX)
            .clamp(MIN_BATCH, kuaibao_core::wire::page::MAX_LIMIT);
        let batch = ThreadWalk {
            after,
            limit: want,
            newest_first: true,
            ..walk
        };
        let (heads, more) = reports::thread_heads(&state.pool, scope, areas.as_deref(), batch).await?;
        let Some(&(_, last)) = heads.last() else {
            return Ok((out, None));
        };
        read += heads.len();
        for (key, line) in rows::lines(&state.pool, scope, &state.rules, now, &heads).await? {
            if !keep(&line) {
                continue;
            }
            out.push(line);
            if out.len() == limit {
                // Full: go on after this thread, unless it was the last.
                let end = key == last && !more;
                return Ok((out, (!end).then_some(key)));
            }
        }
        after = Some(last);
        if !more {
            return Ok((out, None));
        }
        if read >= SCAN_CAP {
            return Ok((out, after));
        }
    }
}
