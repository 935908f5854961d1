//! A photo as the phone keeps it: what the report's manifest says of it, and
//! how far its upload has come. The bytes live apart, in the `blobs` store.

use chrono::NaiveDateTime;
use kuaibao_core::photo::PhotoRef;
use kuaibao_core::{PhotoId, ReportId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalPhoto {
    pub id: PhotoId,
    pub report_id: ReportId,
    /// The Photos blank it was taken for.
    pub blank: String,
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    #[serde(
        default,
        deserialize_with = "kuaibao_core::photo::taken_at",
        serialize_with = "kuaibao_core::wire::timestamp::write_naive_opt"
    )]
    pub taken_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    pub created_ms: f64,
    pub upload: Upload,
}

/// How far a photo's upload has come. Uploads start only once the report's
/// text has been delivered: text first, photos after.
///
/// Read through the flat [`UploadFields`], as [`super::Status`] is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "UploadFields")]
pub enum Upload {
    /// Not (fully) on the server yet. `url` is the tus upload, once made;
    /// `offset` the bytes the server held when last asked.
    Waiting {
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        offset: u64,
        #[serde(default)]
        attempts: u32,
        #[serde(default)]
        next_try_ms: f64,
        #[serde(default)]
        last_error: Option<String>,
    },
    /// The server holds the exact bytes.
    Done,
    /// Refused for good (too large, say): kept on the phone, with the reason.
    Rejected { reason: String },
}

/// Every field any [`Upload`] has, as stored; `state` says which apply.
#[derive(Deserialize)]
struct UploadFields {
    /// Matched by hand, as [`super::record`]'s `state` is.
    state: String,
    url: Option<String>,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    next_try_ms: f64,
    last_error: Option<String>,
    reason: Option<String>,
}

impl TryFrom<UploadFields> for Upload {
    type Error = &'static str;

    fn try_from(f: UploadFields) -> Result<Upload, &'static str> {
        Ok(match f.state.as_str() {
            "waiting" => Upload::Waiting {
                url: f.url,
                offset: f.offset,
                attempts: f.attempts,
                next_try_ms: f.next_try_ms,
                last_error: f.last_error,
            },
            "done" => Upload::Done,
            "rejected" => Upload::Rejected {
                reason: f.reason.ok_or("missing field `reason`")?,
            },
            _ => return Err("unknown `state`"),
        })
    }
}

impl Upload {
    pub fn fresh() -> Upload {
        Upload::Waiting {
            url: None,
            offset: 0,
            attempts: 0,
            next_try_ms: 0.0,
            last_error: None,
        }
    }
}

impl LocalPhoto {
    /// The entry for the report's manifest.
    pub fn to_ref(&self) -> PhotoRef {
        PhotoRef {
            id: self.id,
            blank: self.blank.clone(),
            sha256: self.sha256.clone(),
            size: self.size,
            mime: self.mime.clone(),
            taken_at: self.taken_at,
            lat: self.lat,
            lon: self.lon,
        }
    }

    pub fn thumb_key(id: PhotoId) -> String {
        format!("{id}/thumb")
    }
}
