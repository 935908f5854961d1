//! The verification photo of the desk's 验收销号: taken or picked at the
//! desk (a tablet's camera, or a file the verifier sent in), shrunk and
//! hashed as the phone does (`crate::photo::prepare`), announced in the
//! closing record, and uploaded by tus once the record is stored: text
//! first, evidence after, as on the phone.

use kuaibao_core::photo::PhotoRef;
use kuaibao_core::ReportId;
use leptos::prelude::*;

use crate::photo::{prepare, Prepared};
use crate::store::LocalPhoto;
use crate::sync::{send_chunks, ChunkStop, HttpTus, NetError, TusTransport};

/// A chosen photo: the bytes to send and what the record announces.
#[derive(Clone)]
pub struct DeskPhoto {
    /// Its manifest entry and tus metadata (its id is fixed when chosen,
    /// so a resent record announces the same photo).
    pub record: LocalPhoto,
    pub bytes: web_sys::Blob,
    /// An object URL of its thumbnail, for the preview.
    pub thumb_url: Option<String>,
}

impl DeskPhoto {
    /// Shrinks and hashes `file` for the closing of `thread` (the id is
    /// only the local owner's: the server keys photos by their own ids).
    pub async fn from_file(file: &web_sys::File, thread: ReportId, blank: &str) -> Result<Self, String> {
        let prepared: Prepared = prepare(file).await.map_err(|e| e.to_string())?;
        Ok(DeskPhoto {
            record: prepared.record(thread, blank),
            thumb_url: web_sys::Url::create_object_url_with_blob(&prepared.thumb).ok(),
            bytes: prepared.bytes,
        })
    }

    pub fn to_ref(&self) -> PhotoRef {
        self.record.to_ref()
    }
}

/// Sends the photo's bytes to the server a chunk at a time (as the phone
/// does), resuming where an earlier try stopped: on a slow link each press
/// of the button gets further, rather than sending the whole photo again
/// within one request's timeout. `Err` says in Chinese what went wrong and
/// what to do.
pub async fn upload(token: &str, photo: &DeskPhoto) -> Result<(), String> {
    const RETRY: &str = "请检查网络后再点「确认验收销号」重新上传（验收记录不会重复）。";
    let tus = HttpTus::default();
    let fail = |what: &str| format!("验收照片未传完（{what}）。{RETRY}");
    // The browser's own words ("TypeError: Failed to fetch") go to the
    // console, for whoever debugs; the officer reads hers.
    let unreachable = |e: NetError| {
        leptos::logging::warn!("desk photo upload failed: {}", e.0);
        fail("连不上服务器")
    };
    // What the answer means for her next press, never its number.
    let refused = |status: u16| {
        leptos::logging::warn!("desk photo upload answered {status}");
        match status {
            401 => "登录已失效：请重新登录后再点「确认验收销号」上传验收照片（验收记录不会重复）。".to_owned(),
            413 | 415 | 422 => {
                "服务器不收这张验收照片（太大、类型不符或传输中损坏）。请截图告知系统管理员；验收记录已保存。"
                    .to_owned()
            }
            429 | 500..=599 => {
                "服务器正忙，验收照片未传完。请稍后再点「确认验收销号」（验收记录不会重复）。".to_owned()
            }
            _ => fail("服务器未接收"),
        }
    };
    let created = tus.create(&photo.record, token).await.map_err(unreachable)?;
    let url = match (created.status, created.location) {
        (201, Some(url)) => url,
        (status, _) => return Err(refused(status)),
    };
    let size = photo.record.size;
    // The server answers an upload begun before with what it holds of it
    // (all of it, for a photo that arrived).
    let offset = created.offset.unwrap_or(0).min(size);
    send_chunks(&tus, &url, &photo.bytes, offset, size, token, async |_| {})
        .await
        .map_err(|stop| match stop {
            ChunkStop::Unreachable(e) => unreachable(NetError(e)),
            ChunkStop::Unreadable => fail("读不出这张照片"),
            ChunkStop::BadOffset => fail("进度未知"),
            ChunkStop::Gone => refused(410),
            ChunkStop::Answer(a) => refused(a.status),
        })
}

/// The photo input of the closing form: the button opens the camera or
/// the files; the preview shows what will be sent.
#[component]
pub fn ClosePhotoInput(
    thread_id: ReportId,
    blank: &'static str,
    photo: RwSignal<Option<DeskPhoto>, LocalStorage>,
    #[prop(into)] error: Signal<Option<String>>,
    /// Told when a photo was chosen (its error no longer applies).
    on_pick: Callback<()>,
    /// The closing is stored with this photo announced: it can no longer
    /// be changed, only sent.
    #[prop(into)]
    locked: Signal<bool>,
) -> impl IntoView {
    let note: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let pick = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let Some(file) = input.files().and_then(|list| list.get(0)) else {
            return;
        };
        input.set_value("");
        busy.set(true);
        note.set(Some("正在处理照片…".into()));
        leptos::task::spawn_local(async move {
            match DeskPhoto::from_file(&file, thread_id, blank).await {
                Ok(p) => {
                    photo.set(Some(p));
                    note.set(None);
                    on_pick.try_run(());
                }
                Err(e) => note.set(Some(format!(
                    "{}。请换一张照片（JPEG、PNG 或 WebP）。",
                    e.trim_end_matches('。')
                ))),
            }
            busy.set(false);
        });
    };
    let input_id = format!("close-{blank}");
    view! {
        <div class="field close-photo" class:has-error=move || error.get().is_some()>
            <p class="field-title">"验收照片（必填，至少 1 张，现场验收时拍摄）"</p>
            <input id=input_id.clone() type="file" accept="image/*" capture="environment" class="visually-hidden"
                aria-describedby=format!("close-{blank}-error") disabled=move || busy.get() || locked.get() on:change=pick/>
            {move || (!locked.get()).then(|| view! {
                <label for=input_id.clone() class="button" data-testid="close-photo-button">
                    {move || if photo.with(Option::is_some) { "换一张验收照片" } else { "拍照或选择验收照片" }}
                </label>
            })}
            {move || photo.with(|p| p.as_ref().and_then(|p| p.thumb_url.clone())).map(|src| view! {
                <img class="close-thumb" src=src alt="验收照片预览" data-testid="close-photo-preview"/>
            })}
            <p class="note" role="status">{move || note.get()}</p>
            <span class="error" id=format!("close-{blank}-error") data-testid=format!("close-{blank}-error")>{move || error.get()}</span>
        </div>
    }
}
