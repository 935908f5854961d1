//! A short-lived, in-process cache of live sessions, so that a phone sending
//! a backlog (reports, 128 KiB photo chunks) does not cost one session query
//! per request: on PostgreSQL that query was a whole extra round trip to the
//! database for every report (issue 6, the ingest bench).
//!
//! What it may not weaken, and how it keeps that:
//! - **Expiry** is checked against the session's own `expires_at` on every
//!   hit, so a cached session never outlives its database row's expiry.
//! - **Logout, revocation and disabling made by this process** (the
//!   `DELETE /api/session` route, or [`accounts::revoke_user`] called in
//!   this process) bump [`accounts::session_changes`]; an entry filled before
//!   the bump is never served again, so they take effect at once.
//! - **Revocation or disabling from another process** (the
//!   `kuaibao-server user revoke|disable` command) cannot reach this memory:
//!   a session it ends is still accepted for at most [`WINDOW`] after this
//!   server last read it from the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::db::accounts::{self, SessionRow};
use crate::db::{Pool, StoreError};

/// How long a session read from the database is trusted without asking
/// again. Short: it bounds how late a revocation from the command line
/// takes effect, while still sparing nearly every query of a burst.
pub const WINDOW: Duration = Duration::from_secs(2);

/// More entries than this and the stale ones are swept out; if all are
/// fresh, the cache is emptied (each session then costs one query again).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    session: SessionRow,
    read_at: Instant,
    /// [`accounts::session_changes`] before the database was read.
    changes: u64,
}

impl Entry {
    fn fresh(&self, now: Instant, wall: DateTime<Utc>, changes: u64) -> bool {
        self.changes == changes && now.duration_since(self.read_at) < WINDOW && wall < self.session.expires_at
    }
}

/// Live sessions by the SHA-256 of their token.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").finish_non_exhaustive()
    }
}

impl SessionCache {
    pub fn new() -> SessionCache {
        SessionCache::default()
    }

    /// The live session whose token hashes to `token_sha256` at `now`, as
    /// [`accounts::live_session`] would answer it, from memory when this
    /// server read it less than [`WINDOW`] ago and no session was ended in
    /// this process since.
    pub async fn live_session(
        &self,
        pool: &Pool,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StoreError> {
        // Read before the database: a logout committed after this point
        // bumps the count, so what the query below returns is not kept.
        let changes = accounts::session_changes();
        if let Some(session) = self.get(token_sha256, now, changes) {
            return Ok(Some(session));
        }
        let session = accounts::live_session(pool, token_sha256, now).await?;
        match &session {
            Some(s) => self.put(token_sha256, s, changes),
            // Not live: drop what was held. A refusal is not cached, so a
            // token is never refused from memory.
            None => self.forget(token_sha256),
        }
        Ok(session)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves only a map of copies; use it.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, token_sha256: &str, wall: DateTime<Utc>, changes: u64) -> Option<SessionRow> {
        let now = Instant::now();
        let mut entries = self.lock();
        match entries.get(token_sha256) {
            Some(e) if e.fresh(now, wall, changes) => Some(e.session.clone()),
            Some(_) => {
                entries.remove(token_sha256);
                None
            }
            None => None,
        }
    }

    fn put(&self, token_sha256: &str, session: &SessionRow, changes: u64) {
        let now = Instant::now();
        let wall = Utc::now();
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            let current = accounts::session_changes();
            entries.retain(|_, e| e.fresh(now, wall, current));
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        let mut session = session.clone();
        // Nothing that uses a session needs the password's hash; keep it
        // out of long-lived memory.
        session.user.password_hash.clear();
        entries.insert(
            token_sha256.to_owned(),
            Entry {
                session,
                read_at: now,
                changes,
            },
        );
    }

    fn forget(&self, token_sha256: &str) {
        self.lock().remove(token_sha256);
    }

    /// Whether the session of `token_sha256` was read live by this server
    /// and has neither expired nor (as far as this process knows) ended,
    /// however long ago it was read. For the rate limits only, to tell a
    /// real phone from a made-up token without asking the database: whoever
    /// serves the request still asks [`live_session`](Self::live_session).
    pub fn remembers(&self, token_sha256: &str, wall: DateTime<Utc>) -> bool {
        let changes = accounts::session_changes();
        self.lock()
            .get(token_sha256)
            .is_some_and(|e| e.changes == changes && wall < e.session.expires_at)
    }

    /// How many sessions are held (for the tests).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
