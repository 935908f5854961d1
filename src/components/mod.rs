//! Pieces drawn on more than one screen, or big enough to stand alone.

mod blank_input;
mod device_panel;
mod sentence_form;
mod status_line;
mod update_banner;

pub use blank_input::BlankInput;
pub use device_panel::DevicePanel;
pub use sentence_form::SentenceForm;
pub use status_line::StatusLine;
pub use update_banner::UpdateBanner;
