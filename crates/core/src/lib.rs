//! Kuaibao's shared core: what a report is, which blanks each template has,
//! which answers are acceptable and what the phone and the server say to each
//! other. It does no I/O and builds for wasm32 and native, so the phone and the
//! server judge a report by the very same code.

pub mod account;
pub mod accountability;
pub mod answers;
pub mod backoff;
pub mod calls;
pub mod catalogue;
pub mod closing;
pub mod code;
pub mod crash;
pub mod crosscheck;
pub mod deadlines;
pub mod decimal;
pub mod desk;
pub mod disaster;
pub mod evidence;
pub mod examples;
pub mod figures;
pub mod geo;
pub mod grading;
pub mod hazard_loop;
pub mod ids;
pub mod json;
pub mod major_hazard;
pub mod office;
pub mod page;
pub mod photo;
pub mod picker;
pub mod prefill;
pub mod protocol;
pub mod read;
pub mod report;
pub mod signing;
pub mod sms;
pub mod sort;
pub mod sse;
pub mod stage;
pub mod statistics;
pub mod template;
pub mod text;
pub mod thread;
pub mod timestamp;
pub mod validate;
pub mod writers;
pub mod written;

pub use grading::{Grade, GradeDecision};
pub use ids::{PhotoId, ReportId};
pub use report::{Answers, Report};
pub use stage::Stage;
pub use template::{Blank, BlankKind, Family, Need, Piece, Template};
pub use text::{Lang, Text};
pub use validate::{validate, ErrorCode, FieldError};
