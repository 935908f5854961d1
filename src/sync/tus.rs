//! The phone's tus 1.0 client transport: create an upload, ask its offset,
//! send bytes from an offset. A trait, because the uploader is also driven
//! by a scripted transport in the browser tests.

use gloo_net::http::{Method, RequestBuilder, Response};
use kuaibao_core::photo::tus;
use kuaibao_core::wire::protocol::AUTHORIZATION_HEADER;

use crate::store::LocalPhoto;
use crate::sync::transport::{bearer, retry_after, with_timeout, NetError};

/// Bytes per `PATCH`. The server keeps what arrived before a cut, but a
/// browser sends a request cut on a kept-alive connection again by itself,
/// from its first byte: a cut can cost up to a chunk. 256 KiB cost 1.3×
/// the photo bytes over six cuts in the end-to-end test, 128 KiB 1.1–1.2×;
/// smaller chunks would add round trips on slow, high-latency links.
pub const CHUNK_BYTES: u64 = 128 * 1024;

/// What a tus request answered, with the headers the client needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TusAnswer {
    pub status: u16,
    pub location: Option<String>,
    pub offset: Option<u64>,
    pub body: String,
    /// How long the server asked to wait (`Retry-After`, seconds).
    pub retry_after_s: Option<u64>,
}

// The app is single-threaded wasm: no caller needs the future to be `Send`.
#[allow(async_fn_in_trait)]
/// Every request carries the session's `token`.
pub trait TusTransport {
    /// `POST`: creates the upload of `photo`.
    async fn create(&self, photo: &LocalPhoto, token: &str) -> Result<TusAnswer, NetError>;
    /// `HEAD`: how many bytes the server holds.
    async fn offset(&self, url: &str, token: &str) -> Result<TusAnswer, NetError>;
    /// `PATCH`: sends `chunk`, which starts at `offset`.
    async fn patch(&self, url: &str, offset: u64, chunk: &web_sys::Blob, token: &str) -> Result<TusAnswer, NetError>;
}

pub struct HttpTus {
    pub timeout_ms: u32,
}

impl Default for HttpTus {
    fn default() -> Self {
        // A 128 KiB chunk takes about 3 s at a good 2G link's 50 kB/s, three
        // at once 8 s. On a worse link (GPRS: a few kB/s) a chunk is cut by
        // this, the server keeps what arrived, and the next try goes on
        // from there at once (`Uploader`: a photo that moves is not failing).
        HttpTus { timeout_ms: 60_000 }
    }
}

fn base64(text: &str) -> String {
    web_sys::window().and_then(|w| w.btoa(text).ok()).unwrap_or_default()
}

fn tus_request(url: &str, method: Method, token: &str) -> RequestBuilder {
    RequestBuilder::new(url)
        .method(method)
        .header("Tus-Resumable", tus::VERSION)
        .header(AUTHORIZATION_HEADER, &bearer(token))
}

async fn answer(response: Response) -> Result<TusAnswer, NetError> {
    let header = |name: &str| response.headers().get(name);
    let location = header("Location");
    let offset = header("Upload-Offset").and_then(|o| o.parse().ok());
    let status = response.status();
    let retry_after_s = retry_after(&response);
    let body = response.text().await.unwrap_or_default();
    Ok(TusAnswer {
        status,
        location,
        offset,
        body,
        retry_after_s,
    })
}

impl TusTransport for HttpTus {
    async fn create(&self, photo: &LocalPhoto, token: &str) -> Result<TusAnswer, NetError> {
        let metadata = format!(
            "{} {},{} {},{} {}",
            tus::META_PHOTO_ID,
            base64(&photo.id.to_string()),
            tus::META_SHA256,
            base64(&photo.sha256),
            tus::META_FILETYPE,
            base64(&photo.mime)
        );
        let request = tus_request(tus::UPLOADS_PATH, Method::POST, token)
            .header("Upload-Length", &photo.size.to_string())
            .header("Upload-Metadata", &metadata);
        answer(with_timeout(self.timeout_ms, request, None).await?).await
    }

    async fn offset(&self, url: &str, token: &str) -> Result<TusAnswer, NetError> {
        answer(with_timeout(self.timeout_ms, tus_request(url, Method::HEAD, token), None).await?).await
    }

    async fn patch(&self, url: &str, offset: u64, chunk: &web_sys::Blob, token: &str) -> Result<TusAnswer, NetError> {
        let request = tus_request(url, Method::PATCH, token)
            .header("Upload-Offset", &offset.to_string())
            .header("Content-Type", "application/offset+octet-stream");
        answer(with_timeout(self.timeout_ms, request, Some(chunk.into())).await?).await
    }
}

/// Why sending an upload's chunks stopped before its end.
#[derive(Debug, Clone, PartialEq)]
pub enum ChunkStop {
    /// No answer at all (no signal, a timeout), with the browser's words.
    Unreachable(String),
    /// The bytes could not be read from the blob.
    Unreadable,
    /// The server said it holds an offset it cannot hold.
    BadOffset,
    /// The upload is gone (expired: 404 or 410): start a new one.
    Gone,
    /// Any other answer, for the caller to judge.
    Answer(TusAnswer),
}

/// The bytes the server holds of the upload at `url`.
pub async fn held_offset(tus: &impl TusTransport, url: &str, token: &str) -> Result<u64, ChunkStop> {
    match tus.offset(url, token).await {
        Err(e) => Err(ChunkStop::Unreachable(e.0)),
        Ok(a) if a.status == 404 || a.status == 410 => Err(ChunkStop::Gone),
        Ok(TusAnswer {
            status: 200,
            offset: Some(o),
            ..
        }) => Ok(o),
        Ok(a) => Err(ChunkStop::Answer(a)),
    }
}

/// Sends `bytes` (`size` of them) from `offset` to the upload at `url`, a
/// chunk at a time, telling `held` each offset the server then holds (the
/// phone keeps it, so a cut pass goes on from there). Where the server
/// says our offset is stale (409: a chunk cut earlier arrived after all),
/// asks it and goes on from there. The phone's uploader and the desk's
/// verification photo both send this way.
pub async fn send_chunks(
    tus: &impl TusTransport,
    url: &str,
    bytes: &web_sys::Blob,
    mut offset: u64,
    size: u64,
    token: &str,
    mut held: impl AsyncFnMut(u64),
) -> Result<(), ChunkStop> {
    while offset < size {
        let end = (offset + CHUNK_BYTES).min(size);
        let chunk = bytes
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(|_| ChunkStop::Unreadable)?;
        offset = match tus.patch(url, offset, &chunk, token).await {
            Err(e) => return Err(ChunkStop::Unreachable(e.0)),
            Ok(a) if a.status == 204 => match a.offset {
                Some(o) if o > offset && o <= size => o,
                _ => return Err(ChunkStop::BadOffset),
            },
            Ok(a) if a.status == 409 => held_offset(tus, url, token).await?,
            Ok(a) if a.status == 404 || a.status == 410 => return Err(ChunkStop::Gone),
            Ok(a) => return Err(ChunkStop::Answer(a)),
        };
        held(offset).await;
    }
    Ok(())
}
