//! A record's photos: "照片 2/3 已到" while some are on their way, and a
//! thumbnail of each that arrived (its bytes fetched with the token); a
//! video clip or voice note is played in place.

use kuaibao_core::photo::media::Media;
use kuaibao_core::ReportId;
use leptos::prelude::*;

use crate::office::api::{self, with_id, PhotoCount, ReportPhotos};
use crate::office::state::Desk;

pub const REPORT_PHOTOS_PATH: &str = "/api/reports/{id}/photos";
pub const PHOTO_PATH: &str = "/api/photos/{sha256}";

#[component]
pub fn RecordPhotos(report_id: ReportId, count: PhotoCount) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let status: RwSignal<Option<ReportPhotos>> = RwSignal::new(None);
    let token = desk.token();
    leptos::task::spawn_local(async move {
        match api::get::<ReportPhotos>(&token, &with_id(REPORT_PHOTOS_PATH, report_id)).await {
            Ok(s) => status.set(Some(s)),
            Err(e) => desk.failed(&e),
        }
    });
    let summary = move || {
        let (arrived, expected) = status.with(|s| {
            s.as_ref()
                .map_or((count.arrived, count.expected), |s| (s.arrived, s.expected))
        });
        if arrived >= expected {
            format!("照片 {arrived}/{expected} 全部已到")
        } else {
            format!("照片 {arrived}/{expected} 已到，其余在路上")
        }
    };
    let tiles = move || {
        status.with(|s| {
            s.as_ref().map(|s| {
                s.photos
                    .iter()
                    .map(|p| {
                        if p.arrived_at.is_some() {
                            view! { <Thumb sha256=p.sha256.clone() mime=p.mime.clone()/> }.into_any()
                        } else {
                            view! { <li class="photo waiting" data-testid="photo-waiting">"未到"</li> }.into_any()
                        }
                    })
                    .collect_view()
            })
        })
    };
    view! {
        <div class="photos">
            <p data-testid="photos-count" data-arrived=move || status.with(|s| s.as_ref().map_or(count.arrived, |s| s.arrived))>
                {summary}
            </p>
            <ul class="thumbs">{tiles}</ul>
        </div>
    }
}

/// One arrived photo, shown from an object URL of its bytes.
#[component]
fn Thumb(sha256: String, mime: String) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let url: RwSignal<Option<String>> = RwSignal::new(None);
    let token = desk.token();
    let path = PHOTO_PATH.replace("{sha256}", &sha256);
    leptos::task::spawn_local(async move {
        match api::blob_url(&token, &path).await {
            // The page may have moved on meanwhile: then free it at once.
            Ok(u) => {
                if url.try_set(Some(u.clone())).is_some() {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            }
            Err(e) => leptos::logging::warn!("photo {path}: {}", e.words()),
        }
    });
    on_cleanup(move || {
        if let Some(u) = url.try_get_untracked().flatten() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    // Video clips and voice notes travel as photos do, and play here.
    let kind = Media::of(&mime);
    view! {
        <li class="photo">
            {move || url.get().map(|u| match kind {
                Some(Media::Video) => view! {
                    <video src=u controls preload="metadata" aria-label="现场视频" data-testid="media-video"></video>
                }.into_any(),
                Some(Media::Voice) => view! {
                    <audio src=u controls preload="metadata" aria-label="语音说明" data-testid="media-voice"></audio>
                }.into_any(),
                _ => view! {
                    <a href=u.clone() target="_blank" rel="noopener">
                        <img src=u.clone() alt="现场照片" data-testid="photo-thumb" loading="lazy"/>
                    </a>
                }.into_any(),
            })}
        </li>
    }
}
