//! What the phone keeps about its login and its clock, in the `meta` store:
//! the session (so the app works offline for as long as it lasts), the
//! device's own id, the last username (to pre-fill the form) and the latest
//! clock measurement. Values are JSON strings, so the schema needs no new
//! object store and every earlier record stays as it is.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao_core::account::Session;
use serde::{Deserialize, Serialize};

use super::json::to_json;
use super::schema::{CLOCK_KEY, DEVICE_KEY, LAST_USERNAME_KEY, META, SESSION_KEY};
use super::{Store, StoreError};
use crate::platform;

/// The session as the phone keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSession {
    pub session: Session,
    /// When (phone ms) the server refused the token with a 401: revoked, or
    /// expired by the server's clock. The account stays shown and the
    /// username pre-filled, but nothing is sent until the next login.
    #[serde(default)]
    pub refused_ms: Option<f64>,
}

/// The latest measurement of the phone's clock against the server's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClockReading {
    /// Server minus phone, in milliseconds: positive when the phone is slow.
    pub offset_ms: i64,
    /// When it was measured, by the phone's clock (ms since the epoch).
    pub measured_ms: f64,
}

impl Store {
    /// The stored session, if any. One that cannot be read (written by a
    /// future version, say) counts as none: the user logs in again and
    /// nothing else is touched.
    pub async fn session(&self) -> Result<Option<StoredSession>, StoreError> {
        self.meta_json(SESSION_KEY).await
    }

    /// Keeps a new session (a login), and its username for the next form.
    pub async fn save_session(&self, session: &Session) -> Result<(), StoreError> {
        let stored = StoredSession {
            session: session.clone(),
            refused_ms: None,
        };
        let json = to_json(&stored)?;
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        meta.put(json).with_key(SESSION_KEY).primitive()?.await?;
        meta.put(session.account.username.as_str())
            .with_key(LAST_USERNAME_KEY)
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks the session refused by the server, if it is still the one
    /// with `token`: a 401 for an older token must not spoil a login made
    /// meanwhile. Returns whether it marked.
    pub async fn refuse_session(&self, token: &str, now_ms: f64) -> Result<bool, StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        let text: Option<String> = meta.get(SESSION_KEY).primitive()?.await?;
        let Some(mut stored) = text.and_then(|t| kuaibao_core::wire::json::from_str::<StoredSession>(&t).ok()) else {
            return Ok(false);
        };
        if stored.session.token != token || stored.refused_ms.is_some() {
            return Ok(false);
        }
        stored.refused_ms = Some(now_ms);
        meta.put(to_json(&stored)?).with_key(SESSION_KEY).primitive()?.await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Forgets the session (log out). Reports, drafts, photos, the device
    /// id and the last username stay.
    pub async fn clear_session(&self) -> Result<(), StoreError> {
        self.delete_meta(SESSION_KEY).await
    }

    /// The username of the last login, to pre-fill the form.
    pub async fn last_username(&self) -> Result<Option<String>, StoreError> {
        self.meta(LAST_USERNAME_KEY).await
    }

    /// This phone's id: made once, on first use, and kept for good (log out
    /// keeps it), so the server's audit log names one device throughout.
    pub async fn device_id(&self) -> Result<String, StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        let existing: Option<String> = meta.get(DEVICE_KEY).primitive()?.await?;
        if let Some(id) = existing.filter(|id| kuaibao_core::account::is_device_id(id)) {
            return Ok(id);
        }
        // A UUIDv7 is a UUID like any other, and the app already makes them
        // from the clock and the browser's cryptographic random source.
        let id = platform::new_report_id().to_string();
        meta.put(id.as_str()).with_key(DEVICE_KEY).primitive()?.await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The latest clock measurement, if the phone ever reached the server.
    pub async fn clock(&self) -> Result<Option<ClockReading>, StoreError> {
        self.meta_json(CLOCK_KEY).await
    }

    pub async fn set_clock(&self, reading: &ClockReading) -> Result<(), StoreError> {
        self.set_meta(CLOCK_KEY, &to_json(reading)?).await
    }

    /// A JSON value from the `meta` store; an unreadable one is reported
    /// and read as absent.
    pub(super) async fn meta_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let Some(text) = self.meta(key).await? else {
            return Ok(None);
        };
        match kuaibao_core::wire::json::from_str(&text) {
            Ok(value) => Ok(Some(value)),
            Err(e) => {
                leptos::logging::warn!("ignoring an unreadable {key} in meta: {e}");
                Ok(None)
            }
        }
    }
}
