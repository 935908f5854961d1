//! The duty office (值班室): the desk or tablet screen of the officers on
//! duty. A second binary of this crate (`src/bin/office.rs`, built by
//! Trunk from `office.html` into `dist/office/`, served under `/office/`),
//! so none of it weighs on the phone's download; it shares the phone
//! app's store and login (same origin, same IndexedDB), so an officer logs
//! in once.
//!
//! - `api/`: requests with the token; `events/`: the live stream;
//! - `state`, `route`: the shared state and the open view;
//! - `login/`, `inbox/`, `incident/`, `ledger/`, `statistics/`, `exports/`,
//!   `sms/` (录入短信首报), `crashes/` (崩溃报告): the views.
//!
//! What is decided rather than drawn (stage changes, live countdowns, the
//! filter, the stream's parser, the closing of a hazard) is in the core
//! (`kuaibao_core::desk`, `kuaibao_core::rules::closing`,
//! `kuaibao_core::wire::sse`), tested natively.

mod accountability;
mod api;
mod app;
mod crashes;
mod events;
mod exports;
mod inbox;
mod incident;
mod ledger;
mod login;
mod map;
mod more;
mod route;
mod sms;
mod state;
mod statistics;

pub use app::OfficeApp;

use chrono::{DateTime, NaiveDateTime, Utc};
use kuaibao_core::wire::timestamp::beijing;

/// A server time in Beijing time, to the second.
pub fn bj(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A Beijing wall-clock time, to the minute.
pub fn bj_naive(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
