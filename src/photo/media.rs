//! Video clips and voice notes as evidence, stored like a photo so they
//! travel like photos (text first, then a resumable upload, k/n on both
//! ends). A video clip over [`COMPRESS_ABOVE_BYTES`] is first made smaller
//! where the browser can (`compress.js`: played once, redrawn at 480p and
//! recorded at about 1 Mbit/s, in as long as the clip runs); where it
//! cannot, or the copy is not smaller, the user's own file is kept. Caps by
//! kind (`kuaibao_core::photo::media`) are judged on what is stored, so a
//! clip too large as filmed is taken once it is made small enough. Voice
//! notes are recorded with `MediaRecorder` where the browser has it.

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

#[wasm_bindgen(module = "/src/photo/compress.js")]
extern "C" {
    #[wasm_bindgen(js_name = compressionSupported)]
    fn compression_supported_js() -> bool;

    #[wasm_bindgen(js_name = compressVideo)]
    async fn compress_video_js(
        file: &web_sys::File,
        max_width: u32,
        max_height: u32,
        video_bps: u32,
        audio_bps: u32,
        on_progress: &Closure<dyn FnMut(f64)>,
    ) -> JsValue;
}

/// A clip larger than this is made smaller where the browser can: about
/// 16 seconds of the compressed rate, so a short clip is sent as filmed.
pub const COMPRESS_ABOVE_BYTES: u64 = 2 * 1024 * 1024;

/// The largest clip the phone tries to make smaller: beyond it even the
/// compressed copy of a minute would be unusual, and playing it through
/// costs the phone more than it saves.
const COMPRESS_AT_MOST_BYTES: u64 = 500 * 1024 * 1024;

/// The compressed copy: 854×480 at most (enough to see a crack or a water
/// line), about 1 Mbit/s of picture and 64 kbit/s of sound: a minute is
/// about 8 MB.
const SMALL_WIDTH: u32 = 854;
const SMALL_HEIGHT: u32 = 480;
const SMALL_VIDEO_BPS: u32 = 1_000_000;
const SMALL_AUDIO_BPS: u32 = 64_000;

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

/// Whether `file` says it is sound or video rather than a picture: taken
/// as a clip or voice note, or refused as a kind not taken (an MP3, an AMR
/// recording) by [`add_media`], never read as a broken photo.
pub fn is_media(file: &web_sys::File) -> bool {
    let kind = file.type_();
    kind.starts_with("audio/") || kind.starts_with("video/")
}

/// Whether this browser can make a video clip smaller before storing it.
pub fn compression_supported() -> bool {
    compression_supported_js()
}

/// A smaller copy of the video clip `file`, when it is large enough to be
/// worth it and the browser can make one; `None` keeps the original.
async fn smaller_copy(file: &web_sys::File, on_progress: impl FnMut(f64) + 'static) -> Option<web_sys::File> {
    let size = file.size() as u64;
    if !(COMPRESS_ABOVE_BYTES..=COMPRESS_AT_MOST_BYTES).contains(&size) || !compression_supported() {
        return None;
    }
    let on_progress = Closure::<dyn FnMut(f64)>::new(on_progress);
    let out = compress_video_js(
        file,
        SMALL_WIDTH,
        SMALL_HEIGHT,
        SMALL_VIDEO_BPS,
        SMALL_AUDIO_BPS,
        &on_progress,
    )
    .await;
    out.dyn_into::<web_sys::File>().ok()
}

/// Stores `file` (a video clip or voice note) as evidence of `report_id`'s
/// `blank`, made smaller first where it can be (`on_progress` hears how far
/// that is), refusing a type not accepted or a clip over its kind's caps.
pub async fn add_media(
    store: &Store,
    report_id: ReportId,
    blank: &str,
    file: &web_sys::File,
    on_progress: impl FnMut(f64) + 'static,
) -> Result<LocalPhoto, PhotoError> {
    let kind = Media::of(media::essence(&file.type_())).ok_or_else(|| PhotoError::Unsupported(file.type_()))?;
    // Judged on the clip as filmed: its running time does not change.
    let seconds = media_seconds_js(file).await.as_f64();
    if media::too_long(kind, seconds) {
        return Err(PhotoError::MediaTooLong {
            kind,
            seconds: seconds.unwrap_or_default().round() as u64,
        });
    }
    let smaller = match kind {
        Media::Video => smaller_copy(file, on_progress).await,
        _ => None,
    };
    let file = smaller.as_ref().unwrap_or(file);
    let mime = media::essence(&file.type_()).to_owned();
    let size = file.size() as u64;
    if size > kind.max_bytes() {
        return Err(PhotoError::MediaTooLarge { kind, size });
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
