//! The IndexedDB schema: names, versions and the upgrade path. Every version
//! ever shipped stays listed here, so a phone that skipped releases steps
//! through each upgrade in turn and keeps its data.

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;

/// The database's name on the phone.
pub const DB_NAME: &str = "kuaibao";

/// Reports, drafts included, one record per report. Key: the report id
/// (UUIDv7 string, in-line at `id`). Value: [`super::LocalReport`].
pub const REPORTS: &str = "reports";

/// Photo records, one per photo. Key: the photo id (in-line at `id`).
/// Value: [`super::LocalPhoto`] (metadata and upload progress, no bytes).
pub const PHOTOS: &str = "photos";

/// Photo bytes, as Blobs (never base64). Key: `{photo id}` for the photo,
/// `{photo id}/thumb` for its thumbnail.
pub const BLOBS: &str = "blobs";

/// Small settings of this device. Key: a setting's name (such as
/// [`LANG_KEY`]); value: a string.
pub const META: &str = "meta";

/// The screen language the user chose, `zh-CN` or `en`.
pub const LANG_KEY: &str = "lang";

/// The login: a [`super::StoredSession`] as JSON. Absent when logged out.
pub const SESSION_KEY: &str = "session";

/// This phone's id, a UUID made once and kept through log-outs.
pub const DEVICE_KEY: &str = "device_id";

/// The username of the last login, kept through log-outs to pre-fill the
/// form.
pub const LAST_USERNAME_KEY: &str = "last_username";

/// The latest clock measurement: a [`super::ClockReading`] as JSON.
pub const CLOCK_KEY: &str = "clock";

/// The duty office's follow-up requests on this account's threads, as last
/// read: a JSON list of `kuaibao_core::office::FollowUpRequest`.
pub const REQUESTS_KEY: &str = "requests";

/// Schema versions, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// No database yet.
    None = 0,
    /// The first schema: `reports` and `meta`.
    V1 = 1,
    /// Photos: `photos` (metadata) and `blobs` (bytes).
    V2 = 2,
}

impl Version {
    pub const CURRENT: Version = Version::V2;

    fn from_number(n: f64) -> Option<Version> {
        match n as u32 {
            0 => Some(Version::None),
            1 => Some(Version::V1),
            2 => Some(Version::V2),
            _ => None,
        }
    }
}

/// Brings the schema from `event.old_version()` up to [`Version::CURRENT`],
/// one step at a time.
pub fn upgrade(event: VersionChangeEvent, db: Database) -> Result<(), indexed_db_futures::error::Error> {
    let mut version = Version::from_number(event.old_version()).unwrap_or(Version::None);
    while version < Version::CURRENT {
        version = match version {
            Version::None => {
                db.create_object_store(REPORTS).with_key_path("id".into()).build()?;
                db.create_object_store(META).build()?;
                Version::V1
            }
            Version::V1 => {
                db.create_object_store(PHOTOS).with_key_path("id".into()).build()?;
                db.create_object_store(BLOBS).build()?;
                Version::V2
            }
            Version::V2 => Version::CURRENT,
        };
    }
    Ok(())
}
