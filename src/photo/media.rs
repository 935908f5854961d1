//! Video clips and voice notes as evidence: kept as the user's file (no
//! re-encoding: phones' browsers cannot compress video in reasonable time),
//! capped by kind (`kuaibao_core::photo::media`), hashed by the browser and
//! stored like a photo, so they travel like photos (text first, then a
//! resumable upload, k/n on both ends). Voice notes are recorded with
//! `MediaRecorder` where the browser has it.

use kuaibao_core::photo::media::{self, Media};
use kuaibao_core::ReportId;
use wasm_bindgen::prelude::*;

use super::capture::{sha256_of, PhotoError};
use crate::platform;
use crate::store::{LocalPhoto, Store, Upload};

#[wasm_bindgen(module = "/src/photo/voice.js")]
extern "C" {
    #[wasm_bindgen(js_name = voiceSupported)]
    fn voice_supported_js() -> bool;

    #[wasm_bindgen(js_name = startVoice, catch)]
    async fn start_voice_js(max_ms: f64, on_done: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = stopVoice)]
    fn stop_voice_js();

    #[wasm_bindgen(js_name = mediaSeconds)]
    async fn media_seconds_js(file: &web_sys::File) -> JsValue;
}

/// Whether this browser can record a voice note.
pub fn voice_supported() -> bool {
    voice_supported_js()
}

/// Starts recording; `on_done` gets the file when it stops (by
/// [`stop_voice`] or at [`media::MAX_VOICE_SECONDS`]). `Err` says why not
/// (no microphone, permission refused).
pub async fn start_voice(on_done: impl FnOnce(web_sys::File) + 'static) -> Result<(), String> {
    let callback = Closure::once_into_js(move |file: JsValue| {
        if let Ok(file) = file.dyn_into::<web_sys::File>() {
            on_done(file);
        }
    });
    let max_ms = f64::from(media::MAX_VOICE_SECONDS) * 1000.0;
    start_voice_js(max_ms, &callback)
        .await
        .map(|_| ())
        .map_err(|e| platform::js_error(&e))
}

pub fn stop_voice() {
    stop_voice_js();
}

/// Whether `file` is a video clip or voice note rather than a photo.
pub fn is_media(file: &web_sys::File) -> bool {
    matches!(Media::of(&file.type_()), Some(Media::Video | Media::Voice))
}

/// Stores `file` (a video clip or voice note) as evidence of `report_id`'s
/// `blank`, refusing a type not accepted or a file over its kind's cap.
pub async fn add_media(
    store: &Store,
    report_id: ReportId,
    blank: &str,
    file: &web_sys::File,
) -> Result<LocalPhoto, PhotoError> {
    let mime = media::essence(&file.type_()).to_owned();
    let kind = Media::of(&mime).ok_or_else(|| PhotoError::Unsupported(mime.clone()))?;
    let size = file.size() as u64;
    if size > kind.max_bytes() {
        return Err(PhotoError::MediaTooLarge { kind, size });
    }
    let seconds = media_seconds_js(file).await.as_f64();
    if media::too_long(kind, seconds) {
        return Err(PhotoError::MediaTooLong {
            kind,
            seconds: seconds.unwrap_or_default().round() as u64,
        });
    }
    let sha256 = sha256_of(file).await?;
    let record = LocalPhoto {
        id: platform::new_photo_id(),
        report_id,
        blank: blank.to_owned(),
        sha256,
        size,
        mime,
        taken_at: None,
        lat: None,
        lon: None,
        created_ms: platform::now_ms(),
        upload: Upload::fresh(),
    };
    // No thumbnail: the list plays the file itself.
    let no_thumb = web_sys::Blob::new().map_err(|e| PhotoError::Unreadable(platform::js_error(&e)))?;
    store.add_photo(&record, file, &no_thumb).await?;
    Ok(record)
}
