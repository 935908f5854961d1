//! The phone's tus 1.0 client transport: create an upload, ask its offset,
//! send bytes from an offset. A trait, because the uploader is also driven
//! by a scripted transport in the browser tests.

use gloo_net::http::{Method, RequestBuilder, Response};
use kuaibao_core::photo::tus;
use kuaibao_core::wire::protocol::AUTHORIZATION_HEADER;

use crate::store::LocalPhoto;
use crate::sync::transport::{bearer, retry_after, with_timeout, NetError};

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
