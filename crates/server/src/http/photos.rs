//! Photos for the duty office: which of a report's photos have arrived,
//! and the bytes of one.

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::{Bytes, BytesMut};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use kuaibao_core::photo::is_sha256_hex;
use kuaibao_core::photo::media;

use super::error::AppError;
use super::extract::PathParam;
use super::reports::parse_id;
use super::AppState;
use crate::auth::Caller;
use crate::db::photos::{self, ReportPhotos};
use crate::db::reports;

/// `GET /api/reports/{id}/photos`: each photo the report announces, and
/// whether it has arrived.
pub const REPORT_PHOTOS_PATH: &str = "/api/reports/{id}/photos";

/// `GET /api/photos/{sha256}`: the bytes, by their lowercase hex SHA-256.
pub const PHOTO_PATH: &str = "/api/photos/{sha256}";

pub async fn of_report(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Result<Json<ReportPhotos>, AppError> {
    let id = parse_id(&id, "report")?;
    let stored = reports::get(&state.pool, id, &caller.scope())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no report {id}")))?;
    Ok(Json(photos::of_report(&state.pool, &stored.report).await?))
}

/// Kept by no cache, not even the browser's: duty desks are shared
/// computers, and a photo read by one officer must not stay on the disk for
/// the next person at the desk after logout. The desk reads each photo once
/// per page anyway.
const PHOTO_CACHE: &str = "private, no-store";

/// The bytes of an arrived photo, with the type its first bytes show.
/// Only for a caller who may read some record naming a photo with these
/// bytes whose own upload brought them.
pub async fn bytes(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(sha256): PathParam<String>,
) -> Result<Response, AppError> {
    let sha256 = sha256.to_ascii_lowercase();
    if !is_sha256_hex(&sha256) {
        return Err(AppError::BadRequest(format!(
            "`{sha256}` is not a SHA-256 (64 hex digits)"
        )));
    }
    let not_found = || AppError::NotFound(format!("no photo with SHA-256 {sha256} has arrived"));
    if !photos::visible(&state.pool, &sha256, &caller.scope()).await? {
        return Err(not_found());
    }
    let key = photos::stored_key(&state.pool, &sha256).await?.ok_or_else(not_found)?;
    let missing = || AppError::Internal(format!("photo {key} is marked arrived but is not in the store"));
    let opened = state
        .uploads
        .store()
        .open(&key)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or_else(missing)?;
    // Photos, video clips and voice notes alike, typed by their first
    // bytes; the rest streams after them, a chunk at a time.
    let (head, rest) = first_bytes(opened.chunks, SNIFF_BYTES)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mime = media::sniff(&head).unwrap_or("application/octet-stream");
    let etag = HeaderValue::from_str(&format!("\"{sha256}\"")).map_err(|e| AppError::Internal(e.to_string()))?;
    let body = Body::from_stream(futures_util::stream::iter([Ok(head)]).chain(rest));
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(mime)),
            (CACHE_CONTROL, HeaderValue::from_static(PHOTO_CACHE)),
            (ETAG, etag),
            (CONTENT_LENGTH, HeaderValue::from(opened.size)),
        ],
        body,
    )
        .into_response())
}

use kuaibao_core::photo::media::SNIFF_BYTES;

type Chunks = BoxStream<'static, object_store::Result<Bytes>>;

/// At least `n` bytes from the start of `chunks` (fewer if the file is
/// shorter), and the chunks after them.
async fn first_bytes(mut chunks: Chunks, n: usize) -> object_store::Result<(Bytes, Chunks)> {
    let mut head = BytesMut::new();
    while head.len() < n {
        match chunks.next().await {
            Some(chunk) => head.extend_from_slice(&chunk?),
            None => break,
        }
    }
    Ok((head.freeze(), chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> Chunks {
        let parts: Vec<object_store::Result<Bytes>> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        futures_util::stream::iter(parts).boxed()
    }

    #[tokio::test]
    async fn the_head_is_whole_chunks_up_to_n_bytes_and_the_rest_follows_untouched() {
        let (head, rest) = first_bytes(chunks(&[b"ab", b"cdef", b"gh"]), 5).await.expect("read");
        assert_eq!(head.as_ref(), b"abcdef");
        let rest: Vec<Bytes> = rest.map(|c| c.expect("chunk")).collect().await;
        assert_eq!(rest, vec![Bytes::from_static(b"gh")]);
        // A file shorter than n is all head.
        let (head, rest) = first_bytes(chunks(&[b"xy"]), 64).await.expect("read");
        assert_eq!(head.as_ref(), b"xy");
        assert_eq!(rest.count().await, 0);
    }
}
