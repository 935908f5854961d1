use indexed_db_futures::error::{Error as DbError, OpenDbError};
use thiserror::Error;

/// Why the phone's store failed. Kept as text: the user sees it, and a
/// failed save must be shown, never swallowed. The text is boxed so the
/// error is two words: every `?` on the store's many awaits copies it
/// (measured: a `String` here cost the download 0.5 KB more).
#[derive(Debug, Clone, PartialEq, Error)]
#[allow(clippy::box_collection)]
pub enum StoreError {
    #[error("无法打开本机存储：{0}")]
    Open(Box<String>),
    #[error("本机存储出错：{0}")]
    Db(Box<String>),
}

impl StoreError {
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
            OpenDbError::VersionZero => "database version 0".to_owned(),
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
    match e {
        DbError::DomException(e) => e.to_string(),
        DbError::MissingData(e) => e.to_string(),
        DbError::Unknown(e) => e.to_string(),
        DbError::Serialisation(_) => "a stored value could not be read".to_owned(),
    }
}
