//! 验收销号 at the desk: the form that closes a rectified hazard. When it
//! is offered and what record it makes are decided in the core
//! (`kuaibao_core::rules::closing`); this draws the form, validates with the
//! server's own rules before sending, and says what came of it.
//!
//! A send that got no answer keeps its record (id and writing time) with
//! the page, so sending the same inputs again, even after a live reload,
//! is a replay the server stores once.

use kuaibao_core::photo::PhotoRef;
use kuaibao_core::rules::catalogue::HAZARD_CLOSED;
use kuaibao_core::rules::closing::{error_at, error_elsewhere, ClosingForm, PHOTOS};
use kuaibao_core::{BlankKind, FieldError, Lang, ReportId};
use leptos::prelude::*;

use super::answer::focus;
use super::close_photo::{upload, ClosePhotoInput, DeskPhoto};
use super::send::{submit_once, AfterStored, Sending, Shown};
use crate::office::state::Desk;

/// One blank of the form as drawn.
struct Field {
    id: &'static str,
    label: &'static str,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Tel,
    Long,
}

/// The blanks of `kuaibao_core::rules::closing::FIELDS`, the optional note last;
/// their lengths are the template's.
const BLANKS: [Field; 4] = [
    Field {
        id: "verifier",
        label: "验收人",
        kind: Kind::Text,
    },
    Field {
        id: "reporter",
        label: "报告人",
        kind: Kind::Text,
    },
    Field {
        id: "phone",
        label: "联系电话",
        kind: Kind::Tel,
    },
    Field {
        id: "note",
        label: "备注（选填）",
        kind: Kind::Long,
    },
];

/// What a closing is made of: what is typed and the photos chosen.
type Typed = (ClosingForm, Vec<PhotoRef>);

/// What the closing form keeps across live reloads of the thread and the
/// officer's trips back to the inbox: kept on the shelf (`super::Shelf`).
#[derive(Clone, Copy)]
pub struct CloseDraft {
    /// What is typed.
    form: RwSignal<ClosingForm>,
    /// The verification photo chosen, shrunk and hashed.
    photo: RwSignal<Option<DeskPhoto>, LocalStorage>,
    /// The record last sent without an answer (or whose photo did not
    /// finish), and the inputs it was made of: sending them again sends
    /// the very same record. The thread shows the closing as soon as its
    /// text is stored, while the photo is still on its way; the form stays
    /// until that is done (`ThreadView`), so a photo that fails is said,
    /// and sent again, here.
    sending: Sending<Typed>,
    /// What was said of the last try, by blank and above the button: a
    /// live reload (a photo arriving) must not wipe it.
    errors: RwSignal<Vec<FieldError>>,
    general: RwSignal<Option<String>>,
}

impl CloseDraft {
    /// The form as it opens for the officer named `officer`.
    pub fn new(officer: &str) -> Self {
        CloseDraft {
            form: RwSignal::new(ClosingForm::for_officer(officer)),
            photo: RwSignal::new_local(None),
            sending: Sending::new(),
            errors: RwSignal::new(Vec::new()),
            general: RwSignal::new(None),
        }
    }

    /// Whether a closing was sent and not seen through (its photo above
    /// all): the form stays on the page until it is.
    pub fn unfinished(&self) -> bool {
        self.sending.unfinished()
    }
}

#[component]
pub fn CloseBox(
    thread_id: ReportId,
    /// What is typed and sent, kept on the shelf.
    draft: CloseDraft,
    /// Called once the server stored the closing.
    on_closed: Callback<()>,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let CloseDraft {
        form,
        photo,
        sending,
        errors,
        general,
    } = draft;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let shown = Shown {
            fields: errors,
            general,
            place: show_errors,
            offline: "连不上服务器，验收销号尚未提交。已填的内容仍在，请检查网络后再点「确认验收销号」。/ Cannot reach the server: the closing is not sent yet. What you typed is still here: check the network and press 确认验收销号 again.",
        };
        // The inputs are what is typed and the photo chosen: the same
        // pair sends the very same record again.
        let photos: Vec<_> = photo.with_untracked(|p| p.iter().map(DeskPhoto::to_ref).collect());
        let typed = (form.get_untracked(), photos);
        let make = |(typed, photos): &Typed| {
            typed.check(
                crate::platform::new_report_id(),
                thread_id,
                desk.server_now_ms() as i64,
                photos.clone(),
            )
        };
        // Text first, evidence after; until the photo is up, the record
        // stays pending, so a retry replays it.
        let after: AfterStored = photo.get_untracked().map(|p| {
            let after: Box<dyn FnOnce(String) -> _> = Box::new(
                move |token: String| -> std::pin::Pin<Box<dyn std::future::Future<Output = _>>> {
                    Box::pin(async move { upload(&token, &p).await })
                },
            );
            after
        });
        submit_once(desk, typed, sending, shown, make, after, move || {
            // Closed, its photo up: the shelf need not hold its bytes.
            photo.try_set(None);
            on_closed.try_run(());
        });
    };
    let fields = BLANKS
        .iter()
        .map(|f| {
            let id = f.id;
            let input_id = format!("close-{id}");
            let error_id = format!("close-{id}-error");
            let error = move || errors.with(|e| error_at(e, id, Lang::Zh));
            let has_error = move || errors.with(|e| e.iter().any(|x| x.field == id));
            let value = move || form.with(|v| v.get(id).to_owned());
            let on_input = move |ev| {
                form.update(|v| v.set(id, event_target_value(&ev)));
                // Typed again: its message no longer applies.
                errors.update(|e| e.retain(|x| x.field != id));
            };
            let described = error_id.clone();
            let control = if f.kind == Kind::Long {
                view! {
                    <textarea id=input_id.clone() name=id rows="2" maxlength=max_chars(id) readonly=move || sending.stored()
                        aria-invalid=move || has_error().to_string() aria-describedby=described
                        prop:value=value on:input=on_input></textarea>
                }
                .into_any()
            } else {
                let tel = f.kind == Kind::Tel;
                view! {
                    <input id=input_id.clone() name=id maxlength=max_chars(id) readonly=move || sending.stored()
                        type=if tel { "tel" } else { "text" }
                        inputmode=tel.then_some("tel") autocomplete=if tel { "tel" } else { "off" }
                        aria-required="true"
                        aria-invalid=move || has_error().to_string() aria-describedby=described
                        prop:value=value on:input=on_input/>
                }
                .into_any()
            };
            view! {
                <div class="field" class:has-error=has_error>
                    <label for=input_id>{f.label}</label>
                    {control}
                    <span class="error" id=error_id data-testid=format!("close-{id}-error")>{error}</span>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="close-box" on:submit=submit novalidate=true aria-labelledby="close-title" data-testid="close-form">
            <h3 id="close-title">"验收销号"</h3>
            <p class="help">"报告人已报整改完成。请核实现场整改到位后，填写验收人（默认为您本人，可改为到现场验收的人员）和联系电话，附上验收时拍的现场照片，再点「确认验收销号」。销号后此隐患即办结。"</p>
            <div class="close-fields">{fields}</div>
            <ClosePhotoInput thread_id blank=PHOTOS photo
                error=Signal::derive(move || errors.with(|e| error_at(e, PHOTOS, Lang::Zh)))
                on_pick=Callback::new(move |()| errors.update(|e| e.retain(|x| x.field != PHOTOS)))
                locked=Signal::derive(move || sending.stored())/>
            {move || sending.stored().then(|| view! {
                <p class="help" data-testid="close-stored">"验收销号已存入，只差验收照片。填写的内容不能再改；请点「确认验收销号」补传照片。"</p>
            })}
            <p class="error" role="alert" data-testid="close-error">{move || general.get()}</p>
            <button type="submit" class="primary" disabled=move || sending.busy() data-testid="close-button">
                {move || if sending.busy() { "正在提交…" } else { "确认验收销号" }}
            </button>
        </form>
    }
}

/// The most characters the template takes in blank `id`, if it says.
/// A blank's `maxlength`, as on the phone (`input_maxlength`).
fn max_chars(id: &str) -> Option<String> {
    match HAZARD_CLOSED.blank(id)?.kind {
        BlankKind::Text { max_chars } | BlankKind::LongText { max_chars } => {
            Some(crate::components::input_maxlength(max_chars).to_string())
        }
        _ => None,
    }
}

/// Shows `list` at the blanks they name, the rest above the button, and
/// puts the cursor in the first bad blank.
fn show_errors(errors: RwSignal<Vec<FieldError>>, general: RwSignal<Option<String>>, list: Vec<FieldError>) {
    general.set(error_elsewhere(&list, Lang::Zh));
    let first = BLANKS
        .iter()
        .map(|f| f.id)
        .chain([PHOTOS])
        .find(|&id| list.iter().any(|e| e.field == id));
    errors.set(list);
    if let Some(id) = first {
        focus(&format!("close-{id}"));
    }
}
