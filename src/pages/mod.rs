//! Whole screens, one per route.

mod archive;
mod home;
mod login;
mod new_report;
mod report;

pub use archive::ArchivePage;
pub use home::{HomePage, LIST_PAGE};
pub use login::LoginPage;
pub use new_report::NewReportPage;
pub use report::ReportPage;
