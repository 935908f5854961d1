//! tus 1.0.0 at `/api/uploads` (core protocol with the creation, checksum,
//! expiration and termination extensions): the photos' bytes, resumable
//! over the weakest links. See `crate::uploads` for what happens to them.
//!
//! | request                      | answer |
//! |------------------------------|--------|
//! | `OPTIONS /api/uploads[/{id}]`| 204, `Tus-Version`, `Tus-Extension`, `Tus-Max-Size`, `Tus-Checksum-Algorithm` |
//! | `POST /api/uploads`          | `Upload-Length`, `Upload-Metadata: photo_id …,sha256 …[,filetype …]` → 201, `Location`, `Upload-Expires`, `Upload-Offset` |
//! | `HEAD /api/uploads/{id}`     | 200, `Upload-Offset`, `Upload-Length`, `Cache-Control: no-store`, `Upload-Expires` while unfinished |
//! | `PATCH /api/uploads/{id}`    | `Content-Type: application/offset+octet-stream`, `Upload-Offset`, optional `Upload-Checksum: sha1|sha256 <base64>` → 204, `Upload-Offset`, `Upload-Expires` |
//! | `DELETE /api/uploads/{id}`   | 204 |
//!
//! Every request but `OPTIONS` must say `Tus-Resumable: 1.0.0` (else 412
//! with `Tus-Version`) and every answer says it. Errors carry the API's
//! JSON error body; 409, and a `PATCH` cut short, also carry the upload's
//! `Upload-Offset`.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{options, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use kuaibao_core::photo::tus;
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode};

use super::error::{store_unavailable, unavailable_response};
use super::extract::PathParam;
use super::AppState;
use crate::auth::Caller;
use crate::db::is_disk_full;
use crate::uploads::{is_upload_id, Append, Checksum, UploadError, UploadInfo, CHECKSUM_ALGORITHMS};

/// One upload: `HEAD`, `PATCH`, `DELETE` (under [`tus::UPLOADS_PATH`]).
pub const UPLOAD_PATH: &str = "/api/uploads/{id}";

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const TUS_VERSION: HeaderName = HeaderName::from_static("tus-version");
const TUS_EXTENSION: HeaderName = HeaderName::from_static("tus-extension");
const TUS_MAX_SIZE: HeaderName = HeaderName::from_static("tus-max-size");
const TUS_CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static("tus-checksum-algorithm");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");

/// The `PATCH` body type tus requires.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// The tus routes. No body limit: a `PATCH` may carry a whole photo, up to
/// `Tus-Max-Size`, and is streamed to disk, never held in memory.
pub fn routes() -> Router<AppState> {
    // `route_layer`: tus's header is asked for by the methods tus serves
    // only, so another method is told 405 (with axum's `Allow`) like on
    // every other API path, not 412 ("speak tus").
    let speaks_tus = || middleware::from_fn(tus_resumable);
    Router::new()
        .route(
            tus::UPLOADS_PATH,
            post(create).options(capabilities).route_layer(speaks_tus()),
        )
        .route(
            UPLOAD_PATH,
            options(capabilities)
                .head(head)
                .patch(patch)
                .delete(terminate)
                .route_layer(speaks_tus()),
        )
        .method_not_allowed_fallback(super::method_not_allowed)
        .layer(DefaultBodyLimit::disable())
}

/// 412 unless the request speaks tus 1.0.0 (`OPTIONS` need not); every
/// answer says `Tus-Resumable: 1.0.0`.
async fn tus_resumable(request: Request, next: Next) -> Response {
    let speaks_tus = request.headers().get(TUS_RESUMABLE).map(HeaderValue::as_bytes) == Some(tus::VERSION.as_bytes());
    let mut response = if speaks_tus || request.method() == Method::OPTIONS {
        next.run(request).await
    } else {
        let mut r = error_response(
            StatusCode::PRECONDITION_FAILED,
            ApiErrorCode::BadRequest,
            format!("this is a tus {0} server: send `Tus-Resumable: {0}`", tus::VERSION),
        );
        r.headers_mut()
            .insert(TUS_VERSION, HeaderValue::from_static(tus::VERSION));
        r
    };
    response
        .headers_mut()
        .insert(TUS_RESUMABLE, HeaderValue::from_static(tus::VERSION));
    response
}

/// `OPTIONS`: what this server supports.
async fn capabilities(State(state): State<AppState>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(TUS_VERSION, HeaderValue::from_static(tus::VERSION));
    headers.insert(TUS_EXTENSION, HeaderValue::from_static(tus::EXTENSIONS));
    headers.insert(TUS_MAX_SIZE, HeaderValue::from(state.uploads.max_length()));
    headers.insert(TUS_CHECKSUM_ALGORITHM, HeaderValue::from_static(CHECKSUM_ALGORITHMS));
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// `POST`: a new upload for a photo of a stored report.
async fn create(State(state): State<AppState>, caller: Caller, headers: HeaderMap) -> Result<Response, UploadError> {
    if headers.contains_key(UPLOAD_DEFER_LENGTH) && !headers.contains_key(UPLOAD_LENGTH) {
        return Err(UploadError::BadRequest(
            "Upload-Defer-Length is not supported: send Upload-Length, the photo's size".to_owned(),
        ));
    }
    let length = number_header(&headers, &UPLOAD_LENGTH)?
        .ok_or_else(|| UploadError::BadRequest("Upload-Length is required".to_owned()))?;
    // The size first: an upload larger than any kind may be is refused
    // whatever it is (a photo's own cap is checked once its record is
    // read, as a video clip may be larger).
    if length > state.uploads.max_length() {
        return Err(UploadError::TooLarge {
            length,
            max: state.uploads.max_length(),
        });
    }
    let metadata = match headers.get(UPLOAD_METADATA) {
        None => BTreeMap::new(),
        Some(v) => tus::parse_metadata(
            v.to_str()
                .map_err(|_| UploadError::BadRequest("Upload-Metadata is not ASCII".to_owned()))?,
        )
        .map_err(|e| UploadError::BadRequest(format!("Upload-Metadata {e}")))?,
    };
    let meta = |key: &str| {
        metadata
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| UploadError::BadRequest(format!("Upload-Metadata must give `{key}`")))
    };
    let info = state
        .uploads
        .create(
            &caller.actor(),
            meta(tus::META_PHOTO_ID)?,
            meta(tus::META_SHA256)?,
            length,
        )
        .await?;
    // Complete at creation: the same bytes had arrived for another photo.
    if info.complete() {
        state.changes.photo_arrived(&state.pool, &info.upload_id);
    }
    let mut response = StatusCode::CREATED.into_response();
    let location = format!("{}/{}", tus::UPLOADS_PATH, info.upload_id);
    let headers = response.headers_mut();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&location).map_err(|e| UploadError::Internal(e.to_string()))?,
    );
    describe(headers, &info);
    Ok(response)
}

/// `HEAD`: the upload's offset and length.
async fn head(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Result<Response, UploadError> {
    if !is_upload_id(&id) {
        return Err(UploadError::NotFound);
    }
    state.uploads.check_owner(&id, &caller.0.user.account.id).await?;
    let info = state.uploads.head(&id).await?;
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    describe(headers, &info);
    headers.insert(UPLOAD_LENGTH, HeaderValue::from(info.length));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `PATCH`: bytes at the offset.
async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, UploadError> {
    if !is_upload_id(&id) {
        return Err(UploadError::NotFound);
    }
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(OFFSET_OCTET_STREAM) {
        return Err(UploadError::UnsupportedMediaType(format!(
            "a PATCH body must be `Content-Type: {OFFSET_OCTET_STREAM}`"
        )));
    }
    let offset = number_header(&headers, &UPLOAD_OFFSET)?
        .ok_or_else(|| UploadError::BadRequest("Upload-Offset is required".to_owned()))?;
    let content_length = number_header(&headers, &CONTENT_LENGTH)?;
    let checksum = match headers.get(UPLOAD_CHECKSUM) {
        None => None,
        Some(v) => Some(parse_checksum(v)?),
    };
    state.uploads.check_owner(&id, &caller.0.user.account.id).await?;
    let info = state
        .uploads
        .append(
            Append {
                actor: caller.actor(),
                upload_id: id,
                offset,
                content_length,
                checksum,
            },
            body,
        )
        .await?;
    if info.complete() {
        state.changes.photo_arrived(&state.pool, &info.upload_id);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    describe(response.headers_mut(), &info);
    Ok(response)
}

/// `DELETE`: termination.
async fn terminate(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Result<StatusCode, UploadError> {
    if !is_upload_id(&id) {
        return Err(UploadError::NotFound);
    }
    state.uploads.check_owner(&id, &caller.0.user.account.id).await?;
    state.uploads.terminate(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `Upload-Offset`, and `Upload-Expires` while unfinished.
fn describe(headers: &mut HeaderMap, info: &UploadInfo) {
    headers.insert(UPLOAD_OFFSET, HeaderValue::from(info.offset));
    if let Some(expires) = info.expires {
        if let Ok(v) = HeaderValue::from_str(&http_date(expires)) {
            headers.insert(UPLOAD_EXPIRES, v);
        }
    }
}

/// RFC 7231 IMF-fixdate, e.g. `Wed, 25 Jun 2014 16:00:00 GMT`.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A non-negative whole number header, or `None` if absent.
fn number_header(headers: &HeaderMap, name: &HeaderName) -> Result<Option<u64>, UploadError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("");
    // Digits only: `u64::from_str` would take a leading `+`.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UploadError::BadRequest(format!(
            "{name} must be a whole number of bytes"
        )));
    }
    text.parse()
        .map(Some)
        .map_err(|_| UploadError::BadRequest(format!("{name} is too large")))
}

/// `Upload-Checksum: <algorithm> <base64 digest>`.
fn parse_checksum(value: &HeaderValue) -> Result<Checksum, UploadError> {
    let text = value.to_str().unwrap_or("");
    let (algorithm, digest) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| UploadError::BadRequest("Upload-Checksum must be `<algorithm> <base64 digest>`".to_owned()))?;
    let digest = BASE64
        .decode(digest.trim())
        .map_err(|_| UploadError::BadRequest("Upload-Checksum: the digest is not base64".to_owned()))?;
    let algorithm = algorithm.to_ascii_lowercase();
    Checksum::new(&algorithm, digest).ok_or_else(|| {
        UploadError::BadRequest(format!(
            "Upload-Checksum: algorithm `{algorithm}` is not supported; use one of {CHECKSUM_ALGORITHMS}"
        ))
    })
}

/// tus's status for a body that does not match its checksum.
fn checksum_mismatch() -> StatusCode {
    StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST)
}

fn error_response(status: StatusCode, error: ApiErrorCode, message: String) -> Response {
    let mut response = (
        status,
        Json(ApiError {
            error,
            message,
            fields: Vec::new(),
        }),
    )
        .into_response();
    if status.as_u16() == 460 {
        response
            .extensions_mut()
            .insert(hyper::ext::ReasonPhrase::from_static(b"Checksum Mismatch"));
    }
    response
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        use ApiErrorCode as C;
        let unavailable = match &self {
            UploadError::Store(e) => store_unavailable(e),
            UploadError::Io { source, .. } if is_disk_full(source) => Some(StatusCode::INSUFFICIENT_STORAGE),
            UploadError::Storage(e) if e.is_disk_full() => Some(StatusCode::INSUFFICIENT_STORAGE),
            _ => None,
        };
        if let Some(status) = unavailable {
            let mut response = unavailable_response(status, &self);
            if let Some(offset) = self.offset() {
                response.headers_mut().insert(UPLOAD_OFFSET, HeaderValue::from(offset));
            }
            return response;
        }
        let (status, code) = match &self {
            UploadError::TooLarge { .. } | UploadError::BodyTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, C::PayloadTooLarge)
            }
            UploadError::UnknownPhoto(_) | UploadError::NotFound => (StatusCode::NOT_FOUND, C::NotFound),
            UploadError::Gone => (StatusCode::GONE, C::NotFound),
            UploadError::NotTheManifest(_) | UploadError::Rejected(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, C::BadRequest)
            }
            UploadError::BadRequest(_) | UploadError::Incomplete { .. } => (StatusCode::BAD_REQUEST, C::BadRequest),
            // "Send the rest again", like a busy server's answer.
            UploadError::TimedOut { .. } => (StatusCode::REQUEST_TIMEOUT, C::Unavailable),
            UploadError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, C::BadRequest),
            UploadError::OffsetMismatch { .. } | UploadError::RepeatDiffers { .. } | UploadError::Superseded { .. } => {
                (StatusCode::CONFLICT, C::Conflict)
            }
            UploadError::Locked => (StatusCode::LOCKED, C::Conflict),
            UploadError::TooManyUnfinished { .. } => (StatusCode::TOO_MANY_REQUESTS, C::RateLimited),
            UploadError::ChecksumMismatch => (checksum_mismatch(), C::BadRequest),
            UploadError::Store(_) | UploadError::Storage(_) | UploadError::Io { .. } | UploadError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, C::Internal)
            }
        };
        let message = if code == C::Internal {
            tracing::error!(error = %self, "upload request failed");
            "something went wrong".to_owned()
        } else {
            self.to_string()
        };
        let mut response = error_response(status, code, message);
        if status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(crate::http::error::RETRY_AFTER_SECS),
            );
        }
        if let Some(offset) = self.offset() {
            response.headers_mut().insert(UPLOAD_OFFSET, HeaderValue::from(offset));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_name_a_supported_algorithm() {
        let v = |s: &str| HeaderValue::from_str(s).expect("header");
        assert_eq!(
            parse_checksum(&v("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=")).expect("sha1"),
            Checksum::Sha1(BASE64.decode("qZk+NkcGgWq6PiVxeFDCbJzQ2J0=").expect("b64"))
        );
        assert!(matches!(parse_checksum(&v("sha256 AAAA")), Ok(Checksum::Sha256(_))));
        assert!(parse_checksum(&v("md5 AAAA")).is_err());
        assert!(parse_checksum(&v("sha1")).is_err());
        assert!(parse_checksum(&v("sha1 %%%")).is_err());
    }

    #[test]
    fn dates_are_imf_fixdate() {
        let t = DateTime::parse_from_rfc3339("2014-06-25T16:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(http_date(t), "Wed, 25 Jun 2014 16:00:00 GMT");
    }

    #[test]
    fn the_mismatch_status_is_460() {
        let r = UploadError::ChecksumMismatch.into_response();
        assert_eq!(r.status().as_u16(), 460);
        let r = UploadError::OffsetMismatch { current: 5 }.into_response();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(r.headers()[UPLOAD_OFFSET], "5");
    }
}
