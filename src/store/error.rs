use indexed_db_futures::error::{Error as DbError, OpenDbError};
use thiserror::Error;

/// Why the phone's store failed. Kept as text: the user sees it, and a
/// failed save must be shown, never swallowed. The text is boxed so the
/// error is two words: every `?` on the store's many awaits copies it
/// (measured: a `String` here cost the download 0.5 KB more).
#[derive(Debug, Clone, PartialEq, Error)]
#[allow(clippy::box_collection)]
pub enum StoreError {
    /// The browser's own words are kept (for the console and the tests);
    /// the user reads what to do.
    #[error("无法打开本机存储：{}", hint(.0))]
    Open(Box<String>),
    #[error("本机存储出错：{}", hint(.0))]
    Db(Box<String>),
}

/// What the worker can do about a store failure the browser described as
/// `raw` (a full disk; a private window or web view that refuses storage;
/// anything else), never the browser's English.
fn hint(raw: &str) -> &'static str {
    if raw.contains("Quota") {
        "手机存储空间不足。请回到首页，在“本机状态”中删除已送达的照片，或删除不需要的草稿、清理手机空间后重试；已保存的内容不会丢失。"
    } else if raw.contains("Blob") || raw.contains("private") || raw.contains("InvalidState") {
        "此浏览器（无痕模式或内置浏览器）不允许在本机保存。请用手机自带浏览器打开快报，并关闭无痕模式。"
    } else {
        "请重试；如反复出现，请重新打开快报或换用手机自带浏览器。已保存的内容不会丢失。"
    }
}

impl StoreError {
    /// The browser's own words, for the console.
    pub fn raw(&self) -> &str {
        match self {
            StoreError::Open(raw) | StoreError::Db(raw) => raw,
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
