//! A report as the phone submits it: an immutable record with a client-made
//! id. Once submitted it never changes; a correction is a new record.

pub mod answers;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::photo::PhotoRef;
use crate::rules::grading::GradeDecision;
use crate::rules::stage::Stage;
use crate::wire::ids::{ReportId, ThreadKey};

pub use answers::Answers;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: ReportId,
    /// The id of the thread's first record (the 首报, or the hazard as
    /// found); absent on that first record itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<ReportId>,
    /// On a first record only: the key its id was made from
    /// ([`ThreadKey`]), which shows that whoever sent it made the thread.
    /// Absent on records made before keys and on first records that came
    /// by SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_key: Option<ThreadKey>,
    #[serde(default)]
    pub stage: Stage,
    pub template_id: String,
    pub template_version: u32,
    // Its own Serialize is opaque to the derive: name what it reads as.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, String>))]
    pub answers: Answers,
    /// When the user pressed submit, by the phone's clock and zone.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::fixed",
            serialize_with = "crate::wire::timestamp::write_fixed"
        )
    )]
    pub written_at: DateTime<FixedOffset>,
    /// The grade suggested by the figures and the one chosen, for incidents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<GradeDecision>,
    /// The photos that belong to this record; their bytes follow apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoRef>,
    /// The server's clock minus the phone's, in milliseconds, as the phone
    /// last measured it before `written_at` (see
    /// [`crate::wire::protocol::clock_offset_ms`]); absent if it never had signal.
    /// With the offset the server measures on arrival, a wrong phone clock
    /// cannot hide a late report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
}

impl Report {
    /// The thread this record belongs to.
    pub fn thread_id(&self) -> ReportId {
        self.thread.unwrap_or(self.id)
    }
}

/// The sub-keys of a GPS blank's answer.
pub fn geo_keys(blank_id: &str) -> (String, String) {
    (format!("{blank_id}.lat"), format!("{blank_id}.lon"))
}
