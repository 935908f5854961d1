//! Whole screens, one per route.

mod home;
mod new_report;
mod report;

pub use home::HomePage;
pub use new_report::NewReportPage;
pub use report::ReportPage;
