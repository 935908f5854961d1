//! From a camera or gallery file to a stored photo: read the capture time and
//! position from the original's EXIF, shrink it off the main thread, hash
//! the bytes that will be sent (by the browser's SHA-256, so the photo is
//! never copied into wasm memory), and store photo and thumbnail as Blobs.

use js_sys::{Reflect, Uint8Array};
use kuaibao_core::photo::{self, exif};
use kuaibao_core::{Lang, ReportId};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::platform;
use crate::store::{LocalPhoto, Store, StoreError, Upload};
use crate::words;

#[wasm_bindgen(module = "/src/photo/shrink.js")]
extern "C" {
    #[wasm_bindgen(js_name = shrinkPhoto, catch)]
    async fn shrink_photo(
        file: &web_sys::Blob,
        max_edge: u32,
        quality: f64,
        thumb_edge: u32,
        orientation: u16,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = sha256Hex, catch)]
    async fn sha256_hex(blob: &web_sys::Blob) -> Result<JsValue, JsValue>;
}

/// EXIF lives near the start of a JPEG; reading more only costs memory.
const EXIF_WINDOW: f64 = 128.0 * 1024.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PhotoError {
    /// What the browser said goes to the console, not to the worker.
    #[error("{}", self.message(Lang::Zh))]
    Unreadable(String),
    #[error("{}", self.message(Lang::Zh))]
    TooLarge(u64),
    /// A video clip or voice note over its kind's cap.
    #[error("{}", self.message(Lang::Zh))]
    MediaTooLarge {
        kind: kuaibao_core::photo::media::Media,
        size: u64,
    },
    /// A video clip or voice note over its kind's running time.
    #[error("{}", self.message(Lang::Zh))]
    MediaTooLong {
        kind: kuaibao_core::photo::media::Media,
        seconds: u64,
    },
    #[error("{}", self.message(Lang::Zh))]
    Unsupported(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PhotoError {
    /// What the worker reads, in her language: what was wrong, the cap
    /// where there is one, and what to do.
    pub fn message(&self, lang: Lang) -> String {
        use kuaibao_core::photo::media::Media;
        let what = |kind: Media| {
            (if kind == Media::Video {
                words::MEDIA_VIDEO
            } else {
                words::MEDIA_VOICE
            })
            .get(lang)
        };
        let mb = |b: u64| (b / (1024 * 1024)).to_string();
        let max_seconds = |kind: Media| kind.max_seconds().unwrap_or(0).to_string();
        match self {
            PhotoError::Unreadable(_) => words::PHOTO_UNREADABLE.get(lang).to_owned(),
            PhotoError::TooLarge(n) => words::PHOTO_TOO_LARGE.get(lang).replace("{n}", &n.to_string()),
            PhotoError::MediaTooLarge { kind, size } => words::MEDIA_TOO_LARGE
                .get(lang)
                .replace("{what}", what(*kind))
                .replace("{mb}", &mb(*size))
                .replace("{max}", &mb(kind.max_bytes()))
                .replace("{s}", &max_seconds(*kind)),
            PhotoError::MediaTooLong { kind, seconds } => words::MEDIA_TOO_LONG
                .get(lang)
                .replace("{what}", what(*kind))
                .replace("{s}", &seconds.to_string())
                .replace("{max}", &max_seconds(*kind)),
            PhotoError::Unsupported(mime) => words::MEDIA_UNSUPPORTED.get(lang).replace("{type}", mime),
            PhotoError::Store(e) => e.message(lang),
        }
    }
}

fn js_error(e: JsValue) -> PhotoError {
    PhotoError::Unreadable(crate::platform::js_error(&e))
}

/// The first `limit` bytes of a Blob (all of them if it is smaller).
async fn head_bytes(blob: &web_sys::Blob, limit: f64) -> Result<Vec<u8>, JsValue> {
    let part = if blob.size() > limit {
        blob.slice_with_f64_and_f64(0.0, limit)?
    } else {
        blob.clone()
    };
    let buffer = JsFuture::from(part.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A camera or gallery file made ready to send: shrunk, hashed, its EXIF
/// facts read from the original.
pub struct Prepared {
    /// The bytes to send (a JPEG).
    pub bytes: web_sys::Blob,
    pub thumb: web_sys::Blob,
    pub sha256: String,
    pub size: u64,
    pub facts: exif::ExifFacts,
}

impl Prepared {
    /// The photo record of `report_id`'s `blank` these bytes make, with a
    /// new photo id.
    pub fn record(&self, report_id: ReportId, blank: &str) -> LocalPhoto {
        LocalPhoto {
            id: platform::new_photo_id(),
            report_id,
            blank: blank.to_owned(),
            sha256: self.sha256.clone(),
            size: self.size,
            mime: "image/jpeg".to_owned(),
            taken_at: self.facts.taken_at,
            lat: self.facts.lat,
            lon: self.facts.lon,
            created_ms: platform::now_ms(),
            upload: Upload::fresh(),
        }
    }
}

/// Shrinks and hashes the user's file: the phone's photos and the desk's
/// verification photo alike.
pub async fn prepare(file: &web_sys::Blob) -> Result<Prepared, PhotoError> {
    let head = head_bytes(file, EXIF_WINDOW).await.map_err(js_error)?;
    let facts = exif::read(&head);
    // The orientation read here tells the worker's scaled decoder which
    // way the picture stands (1: as stored).
    let orientation = facts.orientation.unwrap_or(1);
    let shrunk = shrink_photo(
        file,
        photo::MAX_EDGE_PX,
        photo::JPEG_QUALITY,
        photo::THUMB_EDGE_PX,
        orientation,
    )
    .await
    .map_err(js_error)?;
    let blob_at = |key: &str| -> Result<web_sys::Blob, PhotoError> {
        Reflect::get(&shrunk, &key.into())
            .map_err(js_error)?
            .dyn_into()
            .map_err(|_| PhotoError::Unreadable(key.into()))
    };
    let (bytes, thumb) = (blob_at("photo")?, blob_at("thumb")?);
    let size = bytes.size() as u64;
    if size > photo::MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge(size));
    }
    let sha256 = sha256_of(&bytes).await?;
    Ok(Prepared {
        bytes,
        thumb,
        sha256,
        size,
        facts,
    })
}

/// The SHA-256 of `blob` by the browser, as lowercase hex.
pub(super) async fn sha256_of(blob: &web_sys::Blob) -> Result<String, PhotoError> {
    sha256_hex(blob)
        .await
        .map_err(js_error)?
        .as_string()
        .filter(|hex| photo::is_sha256_hex(hex))
        .ok_or_else(|| PhotoError::Unreadable("SHA-256".into()))
}

/// Turns the user's file into a stored photo of `report_id`'s `blank`.
pub async fn add_photo(
    store: &Store,
    report_id: ReportId,
    blank: &str,
    file: &web_sys::Blob,
) -> Result<LocalPhoto, PhotoError> {
    let prepared = prepare(file).await?;
    let record = prepared.record(report_id, blank);
    store.add_photo(&record, &prepared.bytes, &prepared.thumb).await?;
    Ok(record)
}
