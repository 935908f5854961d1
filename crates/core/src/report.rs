//! A report as the phone submits it: an immutable record with a client-made
//! id. Once submitted it never changes; a correction is a new record.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::ids::ReportId;

/// The user's answers, keyed by blank id (a GPS blank `gps` answers as
/// `gps.lat` and `gps.lon`). Kept as the text typed, so nothing the user
/// typed is lost even while it is not yet valid.
pub type Answers = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: ReportId,
    pub template_id: String,
    pub template_version: u32,
    pub answers: Answers,
    /// When the user pressed submit, by the phone's clock and zone.
    pub written_at: DateTime<FixedOffset>,
}

/// The sub-keys of a GPS blank's answer.
pub fn geo_keys(blank_id: &str) -> (String, String) {
    (format!("{blank_id}.lat"), format!("{blank_id}.lon"))
}
