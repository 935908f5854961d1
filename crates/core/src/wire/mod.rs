//! The wire: what the phone, the desk and the server say to each other and
//! how it is written.
//!
//! Here belong each endpoint's path, request and answer ([`protocol`]),
//! the field errors a refused request names, ids, times and one-word codes
//! as they travel, the phone's small JSON reader, pages of long lists,
//! server-sent events, the SMS form of a first report and crash reports.
//! A type belongs here when its shape on the wire is the point; what a
//! report means is [`crate::rules`]'s business.

pub mod code;
pub mod crash;
pub mod error;
pub mod ids;
pub mod json;
pub mod page;
pub mod protocol;
pub mod read;
pub mod sms;
pub mod sse;
pub mod timestamp;
