use indexed_db_futures::error::{Error as DbError, JSError, OpenDbError};
use kuaibao_core::{Lang, Text};
use thiserror::Error;

use crate::platform::js_error;
use crate::words;

/// Why the phone's store failed. Kept as text: the user sees it, and a
/// failed save must be shown, never swallowed. The text is boxed so the
/// error is two words: every `?` on the store's many awaits copies it
/// (measured: a `String` here cost the download 0.5 KB more).
#[derive(Debug, Clone, PartialEq, Error)]
#[allow(clippy::box_collection)]
pub enum StoreError {
    /// The browser's own words are kept (for the console and the tests);
    /// the user reads what to do ([`StoreError::message`]).
    #[error("{}", self.message(Lang::Zh))]
    Open(Box<String>),
    #[error("{}", self.message(Lang::Zh))]
    Db(Box<String>),
    /// An upgrade of the database held up by another tab or window of the
    /// app still open at the old version (see `open::finished`).
    #[error("{}", self.message(Lang::Zh))]
    Blocked,
}

/// What the worker can do about a store failure the browser described as
/// `raw` (a full disk; a private window or web view that refuses storage;
/// anything else), never the browser's English. `opening`: the database
/// was being opened, where an `InvalidStateError` is Firefox's private
/// window (elsewhere it is a connection closing).
fn hint(raw: &str, opening: bool) -> Text {
    let refused = ["Blob", "private", "denied permission", "SecurityError"];
    if raw.contains("Quota") {
        words::STORE_FULL
    } else if refused.iter().any(|r| raw.contains(r)) || (opening && raw.contains("InvalidState")) {
        words::STORE_REFUSED
    } else {
        words::STORE_RETRY
    }
}

impl StoreError {
    /// What the worker reads: what failed, then what to do.
    pub fn message(&self, lang: Lang) -> String {
        let (what, hint) = match self {
            StoreError::Open(raw) => (words::STORE_OPEN_FAILED, hint(raw, true)),
            StoreError::Db(raw) => (words::STORE_ERROR, hint(raw, false)),
            StoreError::Blocked => (words::STORE_OPEN_FAILED, words::STORE_BLOCKED),
        };
        format!("{}{}", what.get(lang), hint.get(lang))
    }

    /// The browser's own words, for the console.
    pub fn raw(&self) -> &str {
        match self {
            StoreError::Open(raw) | StoreError::Db(raw) => raw,
            StoreError::Blocked => "the upgrade is blocked by another tab",
        }
    }

    pub fn open(why: impl Into<String>) -> StoreError {
        StoreError::Open(Box::new(why.into()))
    }

    pub fn db(why: impl Into<String>) -> StoreError {
        StoreError::Db(Box::new(why.into()))
    }
}

impl From<OpenDbError> for StoreError {
    fn from(e: OpenDbError) -> Self {
        StoreError::open(match e {
            OpenDbError::Base(e) => describe(&e),
            OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => {
                "this browser has no IndexedDB".to_owned()
            }
            // What indexed_db_futures makes of any exception `open` throws
            // (it asks no version, so never 0): a browser that lets the
            // site store nothing, a private window (Firefox's threw
            // `InvalidStateError`), blocked storage (`SecurityError`).
            OpenDbError::VersionZero => {
                "the browser refused to open a database: a private window, or storage blocked".to_owned()
            }
        })
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        StoreError::db(describe(&e))
    }
}

/// What went wrong, as the browser said it. Not the crate's own `Display`
/// (here or for the open errors above):
/// its value-conversion errors print the offending number, which links
/// Rust's float formatting (its tables and algorithms) into the download for
/// a message nobody acts on. The app converts no stored value that way
/// (records cross as JSON text, see `json.rs`), so those read as one plain
/// sentence.
fn describe(e: &DbError) -> String {
    // With the exception's name (`InvalidStateError`, `QuotaExceededError`):
    // its message alone does not say which kind it is, and `hint` reads
    // the kind. (An exception `open` throws is `OpenDbError::VersionZero`.)
    match e {
        DbError::DomException(e) => js_error(e.as_ref()),
        DbError::Unknown(JSError::Error(e)) => js_error(e),
        DbError::Unknown(JSError::Unknown(v)) => js_error(v),
        DbError::MissingData(e) => e.to_string(),
        DbError::Serialisation(_) => "a stored value could not be read".to_owned(),
    }
}
