//! The reporting rules: what a report may say and what follows from it.
//!
//! Here belong the template catalogue and each template's blanks, the
//! stages of a thread and the order they come in, validation of answers
//! (and the checks across blanks, photos and major hazards), grading by
//! the figures, the reporting deadlines and what a thread owes at a given
//! time, who may write a record, and the forms a worker fills (the picker,
//! prefilled blanks, calls, closing a hazard). These are the regulations
//! turned into code, judged alike by the phone and the server; nothing here
//! knows how a record travels (see [`crate::wire`]) or how the duty office
//! shows it (see [`crate::desk`]).

pub mod calls;
pub mod catalogue;
pub mod closing;
pub mod crosscheck;
pub mod deadlines;
pub mod disaster;
pub mod evidence;
pub mod examples;
pub mod figures;
pub mod grading;
pub mod hazard_loop;
pub mod major_hazard;
pub mod picker;
pub mod prefill;
pub mod stage;
pub mod template;
pub mod thread;
pub mod validate;
pub mod writers;
