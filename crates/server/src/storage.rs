//! Where finished photos are kept: one interface (`object_store`) over local
//! files under the data dir (the default) or an S3-compatible bucket
//! (`KUAIBAO_OBJECT_STORE=s3://bucket[/prefix]`).
//!
//! Photos are content-addressed: the key is `photos/<aa>/<sha256>` where
//! `aa` is the first two hex digits of the SHA-256 of the bytes. Putting the
//! same bytes twice writes the same object, so storing twice is harmless,
//! and an object under a key is either absent or complete: local files are
//! written under a temporary name and renamed (by `LocalFileSystem`), and an
//! S3 PUT becomes visible whole or not at all.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};

/// The key of the photo whose bytes have this lowercase hex SHA-256.
pub fn photo_key(sha256: &str) -> String {
    let fan_out = sha256.get(..2).unwrap_or("00");
    format!("photos/{fan_out}/{sha256}")
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("photo store: {0}")]
    Store(#[from] object_store::Error),
    #[error("photo store: bad key {0}: {1}")]
    Key(String, object_store::path::Error),
    #[error("photo store: cannot sync {}: {source}", path.display())]
    Sync { path: PathBuf, source: std::io::Error },
    #[error("photo store: unknown setting {0}")]
    Setting(String),
    #[error("photo store: {0}")]
    Url(String),
}

impl StorageError {
    /// Whether the write failed because the disk is full: somewhere in the
    /// chain of causes is ENOSPC/EDQUOT. object_store wraps its I/O errors
    /// in types of its own, so the chain is walked, and its text read as a
    /// last resort.
    pub fn is_disk_full(&self) -> bool {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if crate::db::is_disk_full(io) {
                    return true;
                }
            }
            cause = e.source();
        }
        let text = self.to_string();
        text.contains("No space left on device") || text.contains("os error 28")
    }
}

/// The photo store.
#[derive(Clone)]
pub struct PhotoStore {
    inner: Arc<dyn ObjectStore>,
    /// For local files: the folder keys are relative to, so a stored file
    /// can be synced to disk (`LocalFileSystem` renames but does not fsync,
    /// and a photo marked arrived must survive a power cut).
    local_root: Option<PathBuf>,
    description: String,
}

impl std::fmt::Debug for PhotoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

impl PhotoStore {
    /// Files under `root` (which must exist): key `photos/ab/…` is the file
    /// `root/photos/ab/…`.
    pub fn local(root: &Path) -> Result<Self, StorageError> {
        let root = root
            .canonicalize()
            .map_err(|e| StorageError::Url(format!("{}: {e}", root.display())))?;
        let inner = LocalFileSystem::new_with_prefix(&root)?;
        Ok(PhotoStore {
            inner: Arc::new(inner),
            description: format!("local files under {}", root.display()),
            local_root: Some(root),
        })
    }

    /// An S3 bucket from `s3://bucket[/prefix]`, configured by the `AWS_*`
    /// environment variables, then by `options` (`AmazonS3ConfigKey` names
    /// such as `aws_endpoint`), which win.
    pub fn s3(url: &str, options: &[(String, String)]) -> Result<Self, StorageError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| StorageError::Url(format!("{url} is not an s3:// URL")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in options {
            let key = AmazonS3ConfigKey::from_str(&key.to_ascii_lowercase())
                .map_err(|_| StorageError::Setting(key.clone()))?;
            builder = builder.with_config(key, value);
        }
        let s3 = builder.build()?;
        let prefix = prefix.trim_matches('/');
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            let prefix = Key::parse(prefix).map_err(|e| StorageError::Key(prefix.to_owned(), e))?;
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(PhotoStore {
            inner,
            local_root: None,
            description: format!("S3 bucket {url}"),
        })
    }

    /// Whether an object is stored under `key`.
    pub async fn contains(&self, key: &str) -> Result<bool, StorageError> {
        match self.inner.head(&parse(key)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores `bytes` under `key`, whole or not at all, durably.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let location = parse(key)?;
        self.inner.put(&location, PutPayload::from(bytes)).await?;
        if let Some(root) = &self.local_root {
            let path = root.join(key);
            tokio::task::spawn_blocking(move || sync_file_and_dir(&path))
                .await
                .map_err(|e| StorageError::Url(format!("sync task: {e}")))??;
        }
        Ok(())
    }

    /// The bytes under `key`, or `None` if absent.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match self.inner.get(&parse(key)?).await {
            Ok(got) => Ok(Some(got.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every key under `prefix`, for tests and audits.
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        use futures_util::TryStreamExt;
        let prefix = parse(prefix)?;
        let listed: Vec<_> = self.inner.list(Some(&prefix)).try_collect().await?;
        let mut keys: Vec<String> = listed.into_iter().map(|m| m.location.to_string()).collect();
        keys.sort();
        Ok(keys)
    }
}

fn parse(key: &str) -> Result<Key, StorageError> {
    Key::parse(key).map_err(|e| StorageError::Key(key.to_owned(), e))
}

/// fsync of a file just renamed into place and of its folder (so the rename
/// itself is on disk).
fn sync_file_and_dir(path: &Path) -> Result<(), StorageError> {
    let sync = |p: &Path| {
        std::fs::File::open(p)
            .and_then(|f| f.sync_all())
            .map_err(|source| StorageError::Sync {
                path: p.to_owned(),
                source,
            })
    };
    sync(path)?;
    if let Some(dir) = path.parent() {
        sync(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fan_out_by_the_first_two_digits() {
        let sha = "ab".repeat(32);
        assert_eq!(photo_key(&sha), format!("photos/ab/{sha}"));
    }

    #[tokio::test]
    async fn local_objects_are_files_under_the_root() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let store = PhotoStore::local(dir.path()).expect("store");
        let key = photo_key(&"cd".repeat(32));
        assert!(!store.contains(&key).await.expect("head"));
        assert_eq!(store.get(&key).await.expect("get"), None);
        store.put(&key, Bytes::from_static(b"abc")).await.expect("put");
        store.put(&key, Bytes::from_static(b"abc")).await.expect("put again");
        assert!(store.contains(&key).await.expect("head"));
        assert_eq!(store.get(&key).await.expect("get").as_deref(), Some(&b"abc"[..]));
        assert_eq!(std::fs::read(dir.path().join(&key)).expect("file"), b"abc");
        assert_eq!(store.keys("photos").await.expect("list"), vec![key]);
    }
}
