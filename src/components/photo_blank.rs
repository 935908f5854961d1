use kuaibao_core::photo::media::Media;
use kuaibao_core::{Blank, BlankKind, FieldError, PhotoId, ReportId};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::voice_button::VoiceButton;
use crate::components::{dynamic, error_at, on, Shown};
use crate::state::AppState;
use crate::store::{LocalPhoto, Upload};
use crate::words;

/// A photo blank: take a picture (the camera, facing out) or pick from the
/// gallery; thumbnails of what was taken, each with its upload state.
#[component]
pub fn PhotoBlank(
    blank: &'static Blank,
    report_id: ReportId,
    required: bool,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    readonly: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let BlankKind::Photos { min } = blank.kind else {
        return ().into_any();
    };
    let id = blank.id;
    let photos = Memo::new(move |_| {
        state.photos.with(|ps| {
            ps.iter()
                .filter(|p| p.report_id == report_id && p.blank == id)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let error = error_at(state, errors, id);
    let take = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let files: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // Let the same file be picked again after removing it.
        input.set_value("");
        if !files.is_empty() {
            state.add_photos(report_id, id, files);
        }
    };
    // A record read back from the server (a new phone) has its photos at
    // the office only: its manifest says how many. Read once: such a record
    // is delivered and never changes.
    let at_office = readonly
        .then(|| {
            state.reports.with_untracked(|rs| {
                rs.iter()
                    .find(|r| r.id == report_id && r.recovered)
                    .map(|r| r.photos.iter().filter(|p| p.blank == id).count())
            })
        })
        .flatten();
    let count = move || {
        let n = photos.with(|p| p.len());
        if let Some(held) = at_office.filter(|_| n == 0) {
            return format!(
                "{} {held}（{}）",
                state.t(words::PHOTOS_HAVE),
                state.t(words::PHOTOS_AT_OFFICE)
            );
        }
        format!(
            "{} {n}{}",
            state.t(words::PHOTOS_HAVE),
            if min > 0 {
                format!(" / {} {min}", state.t(words::PHOTOS_MIN))
            } else {
                String::new()
            }
        )
    };
    view! {
        // Focusable, so that a refused submit brings the user here (the
        // evidence rules speak at this blank).
        <fieldset class="blank photos wide" class:has-error=move || error().is_some() data-testid=format!("photos-{id}")
            id=format!("blank-{id}") tabindex="-1">
            <legend>{state.tr(blank.label)}{required.then_some(" *")}</legend>
            <p class="count" data-testid="photo-count">{count}</p>
            <ul class="thumbs">
                <For each=move || photos.get() key=|p| (p.id, serde_json::to_string(&p.upload).unwrap_or_default()) let(photo)>
                    <Thumb photo readonly/>
                </For>
            </ul>
            // Why a photo was refused, the width of the form: a thumbnail's
            // column is too narrow to read a sentence in.
            {move || {
                let refusals: Vec<(String, &'static str)> = photos.with(|ps| {
                    ps.iter()
                        .enumerate()
                        .filter_map(|(i, p)| match &p.upload {
                            Upload::Rejected { reason } => {
                                Some((format!("{} {}：{reason}", state.t(words::PHOTO), i + 1), "photo-refusal"))
                            }
                            // Tried and failed a few times: why, so that a
                            // photo that never goes is not silent.
                            Upload::Waiting { attempts, last_error: Some(why), .. } if *attempts >= SAY_WHY_AFTER => {
                                let why = words::send_note(why, state.lang.get());
                                let said = format!("{} {}（{}）：{why}", state.t(words::PHOTO), i + 1, state.t(words::PHOTO_WAITING));
                                Some((said, "photo-waiting-why"))
                            }
                            _ => None,
                        })
                        .collect()
                });
                (!refusals.is_empty()).then(|| view! {
                    <ul class="refusals" data-testid="photo-refusals">
                        {refusals.into_iter().map(|(r, testid)| view! { <li data-testid=testid>{r}</li> }).collect_view()}
                    </ul>
                })
            }}
            {(!readonly).then(|| view! {
                <div class="photo-actions">
                    <label class="button" for=format!("camera-{id}")>{state.tr(words::TAKE_PHOTO)}</label>
                    <input id=format!("camera-{id}") class="visually-hidden" type="file" accept="image/*" capture="environment" on:change=on(take)/>
                    <label class="button" for=format!("video-{id}")>{state.tr(words::TAKE_VIDEO)}</label>
                    <input id=format!("video-{id}") class="visually-hidden" type="file" accept="video/*" capture="environment" on:change=on(take)/>
                    <label class="button" for=format!("gallery-{id}")>{state.tr(words::PICK_PHOTOS)}</label>
                    <input id=format!("gallery-{id}") class="visually-hidden" type="file" accept="image/*,video/*,audio/*" multiple on:change=on(take)/>
                    <VoiceButton report_id blank=id/>
                </div>
                <p class="note" role="status" data-testid="photo-note">{move || state.photo_note.get()}</p>
            })}
            <span class="error" role="alert">{error}</span>
        </fieldset>
    }
    .into_any()
}

/// Failed tries of a photo after which its blank says why it waits: one
/// failure on a weak link is the usual thing, three in a row are worth a
/// word.
const SAY_WHY_AFTER: u32 = 3;

/// One photo's thumbnail (from the phone's store) and how its upload goes.
#[component]
fn Thumb(photo: LocalPhoto, readonly: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let url = RwSignal::new(None::<String>);
    let photo_id: PhotoId = photo.id;
    // A clip has no thumbnail: it plays from its own bytes.
    let thumb = Media::of(&photo.mime).is_none_or(|m| m == Media::Photo);
    // A delivered photo's original may have been deleted to free space
    // (`store::prune`): say so where it was, rather than a broken player.
    let pruned = RwSignal::new(false);
    let delivered = photo.upload == Upload::Done;
    leptos::task::spawn_local(async move {
        if delivered && matches!(state.store().photo_blob(photo_id, false).await, Ok(None)) {
            pruned.set(true);
        }
        if let Ok(Some(blob)) = state.store().photo_blob(photo_id, thumb).await {
            url.set(web_sys::Url::create_object_url_with_blob(&blob).ok());
        }
    });
    on_cleanup(move || {
        if let Some(u) = url.get_untracked() {
            let _already_gone = web_sys::Url::revoke_object_url(&u);
        }
    });
    let (class, word) = match &photo.upload {
        Upload::Done => ("done", words::PHOTO_SENT),
        Upload::Rejected { .. } => ("rejected", words::PHOTO_REFUSED),
        Upload::Waiting { offset, .. } if *offset > 0 => ("sending", words::PHOTO_SENDING),
        Upload::Waiting { .. } => ("waiting", words::PHOTO_WAITING),
    };
    // A refusal's reason is said under the photos, at full width.
    let detail = match &photo.upload {
        Upload::Waiting { offset, .. } if *offset > 0 => format!("{}%", offset * 100 / photo.size.max(1)),
        _ => String::new(),
    };
    let media = Media::of(&photo.mime);
    // A clip has nothing left to play once pruned; a photo keeps its thumbnail.
    let draw = move || {
        match media {
            // `thumb` first: a photo's preview need not follow `pruned`.
            _ if !thumb && pruned.get() => ().into_any(),
            Some(Media::Video) => view! {
                <video src=move || url.get() controls preload="metadata" width="160" aria-label=state.tr(words::VIDEO) data-testid="photo-video"></video>
            }
            .into_any(),
            Some(Media::Voice) => view! {
                <audio src=move || url.get() controls preload="metadata" aria-label=state.tr(words::VOICE) data-testid="photo-voice"></audio>
            }
            .into_any(),
            _ => view! { <img src=move || url.get() alt=state.tr(words::PHOTO) width="96" height="96"/> }.into_any(),
        }
    };
    view! {
        <li class=format!("thumb {class}") data-testid="photo" data-state=class>
            {dynamic(draw)}
            <Shown when=pruned>
                <span class="pruned" data-testid="photo-pruned">{state.tr(words::PHOTO_PRUNED)}</span>
            </Shown>
            <span class="photo-state">{state.tr(word)}" "{detail.clone()}</span>
            {(!readonly).then(|| {
                // Two taps: the button sits close to 拍照, and a photo is
                // evidence. The first asks; a second within 4 s removes.
                let asked = RwSignal::new(false);
                let tap = move |_| {
                    if asked.get_untracked() {
                        state.remove_photo(photo_id);
                    } else {
                        asked.set(true);
                        gloo_timers::callback::Timeout::new(4_000, move || {
                            asked.try_set(false);
                        })
                        .forget();
                    }
                };
                view! {
                    <button type="button" class="remove" class:asked=move || asked.get() data-testid="photo-remove" on:click=on(tap)>
                        {move || if asked.get() { state.t(words::REMOVE_CONFIRM) } else { state.t(words::REMOVE) }}
                    </button>
                }
            })}
        </li>
    }
}
