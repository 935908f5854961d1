//! Pieces drawn on more than one screen, or big enough to stand alone.
//! They draw and forward the user's actions to `AppState`; the deciding is
//! done there, in `session` and `sync`, and in the core crate.

mod blank_input;
mod call_button;
mod deadline_list;
mod device_panel;
mod grade_panel;
mod login_form;
mod office_requests;
mod photo_blank;
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
pub use grade_panel::GradePanel;
pub use login_form::{login_field, LoginForm};
pub use office_requests::OfficeRequests;
pub use photo_blank::PhotoBlank;
pub use sentence_form::SentenceForm;
pub use session_prompt::SessionPrompt;
pub use sms_button::SmsButton;
pub use status_line::{receipt_text, StatusLine};
pub use thread_chain::ThreadChain;
pub use update_banner::UpdateBanner;

use kuaibao_core::FieldError;
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
