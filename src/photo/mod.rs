//! Photos as evidence: taken in the report, shrunk on the phone, stored as
//! Blobs, sent after the text (see `sync::uploads`).

mod capture;
pub mod media;

pub use capture::{add_photo, prepare, PhotoError, Prepared};
