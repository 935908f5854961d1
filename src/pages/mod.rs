//! Whole screens, one per route.

mod home;
mod report;

pub use home::HomePage;
pub use report::ReportPage;
