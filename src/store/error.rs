use thiserror::Error;

/// Why the phone's store failed. Kept as text: the user sees it, and a
/// failed save must be shown, never swallowed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StoreError {
    #[error("无法打开本机存储：{0}")]
    Open(String),
    #[error("本机存储出错：{0}")]
    Db(String),
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        StoreError::Open(e.to_string())
    }
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}
