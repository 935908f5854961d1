//! Pieces drawn on more than one screen, or big enough to stand alone.
//! They draw and forward the user's actions to `AppState`; the deciding is
//! done there, in `session` and `sync`, and in the core crate.

mod blank_input;
mod call_button;
mod deadline_list;
mod device_panel;
mod errors_elsewhere;
mod grade_panel;
mod login_form;
mod office_requests;
mod photo_blank;
mod save_failed;
mod sentence_form;
mod session_prompt;
mod sms_button;
mod status_line;
mod thread_chain;
mod update_banner;
mod voice_button;

pub use blank_input::BlankInput;
pub use call_button::CallButton;
pub use deadline_list::DeadlineList;
pub use device_panel::DevicePanel;
pub use errors_elsewhere::{shown_at_a_blank, ErrorsElsewhere, ERRORS_ELSEWHERE_ID};
pub use grade_panel::GradePanel;
pub use login_form::{login_field, LoginForm};
pub use office_requests::OfficeRequests;
pub use photo_blank::PhotoBlank;
pub use save_failed::{save_failed_words, SaveFailed};
pub use sentence_form::SentenceForm;
pub use session_prompt::SessionPrompt;
pub use sms_button::SmsButton;
pub use status_line::{receipt_text, status_word, StatusLine};
pub use thread_chain::ThreadChain;
pub use update_banner::UpdateBanner;

use kuaibao_core::FieldError;
use std::sync::Arc;

use leptos::prelude::*;

use crate::state::AppState;

/// The message of the error at `field`, in the current language (reactive).
pub fn error_at(
    state: AppState,
    errors: Signal<Vec<FieldError>>,
    field: &'static str,
) -> impl Fn() -> Option<String> + Copy {
    move || {
        errors.with(|es| {
            es.iter()
                .find(|e| e.field == field)
                .map(|e| e.message(state.lang.get()).to_owned())
        })
    }
}

/// A part of a view redrawn whenever what `draw` reads changes, like a
/// `move || …` closure in `view!`: every such part is drawn and redrawn by
/// the same code ([`redraw`]) instead of one copy per closure type.
pub fn dynamic(draw: impl Fn() -> AnyView + Send + Sync + 'static) -> impl IntoView {
    redraw(Arc::new(draw))
}

/// What [`dynamic`] returns: one type for every caller.
fn redraw(draw: Arc<dyn Fn() -> AnyView + Send + Sync>) -> impl Fn() -> AnyView + Send + Sync + 'static {
    move || draw()
}

/// A text redrawn whenever what `write` reads changes, as [`dynamic`] for
/// views: one closure type for every such text.
pub fn text(write: impl Fn() -> String + Send + Sync + 'static) -> impl IntoView {
    rewrite(Arc::new(write))
}

/// What [`text`] returns: one type for every caller.
fn rewrite(write: Arc<dyn Fn() -> String + Send + Sync>) -> impl Fn() -> String + Send + Sync + 'static {
    move || write()
}

/// An event handler as `on:click=on(move |_| …)` takes it: boxed, so that
/// every handler of an event is one type and the code attaching, copying
/// and removing it exists once in the wasm, not once per closure (with
/// `erase_components` each attribute type has its own of that code).
pub fn on<E: 'static>(handler: impl FnMut(E) + 'static) -> Box<dyn FnMut(E)> {
    Box::new(handler)
}

/// Leptos's `<Show>` without its type parameters: its children drawn while
/// `when` holds (`fallback` otherwise), redrawn only when `when` changes.
/// `<Show>` is compiled anew for each condition and children type, which
/// adds up in the wasm; this is compiled once.
#[component]
pub fn Shown(
    /// Whether to draw the children.
    #[prop(into)]
    when: Signal<bool>,
    children: ChildrenFn,
    /// What to draw otherwise; nothing if absent.
    #[prop(optional, into)]
    fallback: ViewFn,
) -> impl IntoView {
    let when = Memo::new(move |_| when.get());
    move || if when.get() { children() } else { fallback.run() }
}

/// A text box's `maxlength` for an answer of at most `max_chars`: twice
/// that, so a paste too long is kept and its error names the field, not
/// cut short unseen.
pub fn input_maxlength(max_chars: usize) -> usize {
    max_chars * 2
}
