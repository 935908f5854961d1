//! Kuaibao's shared core: what a report is, which blanks each template has,
//! which answers are acceptable and what the phone and the server say to each
//! other. It does no I/O and builds for wasm32 and native, so the phone and the
//! server judge a report by the very same code.
//!
//! Its rooms: [`rules`] (the reporting rules: templates, stages, validation,
//! grading, deadlines), [`wire`] (what travels: endpoints, field errors, ids,
//! times, JSON, SMS), [`desk`] (the duty office's inbox, map, written report,
//! statistics and ledger), [`report`] (the record itself and its answers),
//! [`photo`] (photos and clips, their EXIF and uploads), [`account`]
//! (accounts, roles, the area tree), and small homes of their own:
//! [`text`], [`decimal`], [`sort`], [`backoff`].

pub mod account;
pub mod backoff;
pub mod decimal;
pub mod desk;
pub mod photo;
pub mod report;
pub mod rules;
pub mod sort;
pub mod text;
pub mod wire;

pub use report::{Answers, Report};
pub use rules::grading::{Grade, GradeDecision};
pub use rules::stage::Stage;
pub use rules::template::{Blank, BlankKind, Family, Need, Piece, Template};
pub use rules::validate::validate;
pub use text::{Lang, Text};
pub use wire::error::{ErrorCode, FieldError};
pub use wire::ids::{PhotoId, ReportId, ThreadKey};
