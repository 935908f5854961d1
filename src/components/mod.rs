//! Pieces drawn on more than one screen, or big enough to stand alone.

mod blank_input;
mod deadline_list;
mod device_panel;
mod grade_panel;
mod photo_blank;
mod sentence_form;
mod status_line;
mod thread_chain;
mod update_banner;

pub use blank_input::BlankInput;
pub use deadline_list::DeadlineList;
pub use device_panel::DevicePanel;
pub use grade_panel::GradePanel;
pub use photo_blank::PhotoBlank;
pub use sentence_form::SentenceForm;
pub use status_line::StatusLine;
pub use thread_chain::ThreadChain;
pub use update_banner::UpdateBanner;
