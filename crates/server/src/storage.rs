//! Where finished photos are kept: one interface (`object_store`) over local
//! files under the data dir (the default) or an S3-compatible bucket
//! (`KUAIBAO_OBJECT_STORE=s3://bucket[/prefix]`).
//!
//! Photos are content-addressed: the key is `photos/<aa>/<sha256>` where
//! `aa` is the first two hex digits of the SHA-256 of the bytes. Putting the
//! same bytes twice writes the same object, so storing twice is harmless,
//! and an object under a key is either absent or complete: a local file is
//! written under a temporary name, synced, renamed into place and its
//! folder synced (so a power cut leaves the old state or the whole new
//! file, never a renamed empty one), and an S3 PUT becomes visible whole or
//! not at all.
//!
//! A key that is present is still not trusted blindly: a disk can lose or
//! damage a file after the fact. [`PhotoStore::holds`] re-reads and hashes
//! an object before an upload is skipped because of it, and
//! `kuaibao-server fsck` (see `fsck`) checks every object against its name.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload, WriteMultipart};

/// The size of each part of a multipart upload into a bucket: S3's least
/// (but for the last part), so a finish holds as little as it can.
pub const PART_BYTES: usize = 5 * 1024 * 1024;

/// How many parts of one upload into a bucket may be in flight at once: a
/// finish holds at most this many parts and the one being filled.
const PARTS_IN_FLIGHT: usize = 2;

/// Feeds the file at `path` into `writer`, a read at a time, waiting while
/// [`PARTS_IN_FLIGHT`] parts are still being sent.
async fn send_parts(writer: &mut WriteMultipart, path: &Path) -> Result<(), StorageError> {
    use tokio::io::AsyncReadExt;
    let io = |source| StorageError::Sync {
        path: path.to_owned(),
        source,
    };
    let mut file = tokio::fs::File::open(path).await.map_err(io)?;
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = file.read(&mut buffer).await.map_err(io)?;
        if read == 0 {
            return Ok(());
        }
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        writer.write(&buffer[..read]);
    }
}

/// The size and lowercase hex SHA-256 of the file at `path`, read in
/// pieces (a database or a clip may not fit in memory). Blocking.
pub fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok((size, format!("{:x}", hasher.finalize())))
}

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
    #[error("photo store: {}: {source}", path.display())]
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

/// An object being read (see [`PhotoStore::open`]).
pub struct Opened {
    pub size: u64,
    pub chunks: futures_util::stream::BoxStream<'static, object_store::Result<Bytes>>,
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

    /// Whether an object of `size` bytes is stored under `key`: the cheap
    /// check, by its metadata, for a question a sender may repeat at will
    /// (an arrived photo's upload asked for again), which must not cost a
    /// read of a 50 MiB clip each time. A copy damaged at its own size is
    /// `kuaibao-server fsck`'s to find: it quarantines it, and the next
    /// such question finds it gone.
    pub async fn has_size(&self, key: &str, size: u64) -> Result<bool, StorageError> {
        match self.inner.head(&parse(key)?).await {
            Ok(meta) => Ok(meta.size == size),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores `bytes` under `key`, whole or not at all, durably: when this
    /// returns, the object survives a power cut.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let location = parse(key)?;
        match &self.local_root {
            // `LocalFileSystem` renames its temporary file into place without
            // syncing it first, so after a power cut the name could stand
            // for an empty or partial file.
            Some(root) => {
                let path = root.join(location.as_ref());
                tokio::task::spawn_blocking(move || write_durably(&path, &bytes))
                    .await
                    .map_err(|e| StorageError::Url(format!("write task: {e}")))??;
            }
            None => {
                self.inner.put(&location, PutPayload::from(bytes)).await?;
            }
        }
        Ok(())
    }

    /// Stores the file at `path` under `key`, as [`PhotoStore::put`] does,
    /// read a chunk at a time: a finished upload may be a 50 MiB clip, and
    /// several finish at once. Into a bucket it goes as a multipart upload
    /// of [`PART_BYTES`] parts, at most [`PARTS_IN_FLIGHT`] of them sent at
    /// once; one that fails is aborted, so no parts are left behind.
    pub async fn put_file(&self, key: &str, path: &Path) -> Result<(), StorageError> {
        let location = parse(key)?;
        match &self.local_root {
            Some(root) => {
                let (from, to) = (path.to_owned(), root.join(location.as_ref()));
                tokio::task::spawn_blocking(move || copy_durably(&from, &to))
                    .await
                    .map_err(|e| StorageError::Url(format!("write task: {e}")))??;
            }
            None => {
                let upload = self.inner.put_multipart(&location).await?;
                let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
                match send_parts(&mut writer, path).await {
                    Ok(()) => {
                        writer.finish().await?;
                    }
                    Err(e) => {
                        if let Err(abort) = writer.abort().await {
                            tracing::warn!(%key, "cannot abort a failed multipart upload: {abort}");
                        }
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether `key` holds exactly the bytes with this SHA-256 and size. An
    /// object that is there but differs (a damaged disk, a truncated file)
    /// is no copy of them: the caller stores the bytes again.
    ///
    /// Read a chunk at a time: a stored video clip is 50 MiB, and the check
    /// runs whenever its upload is asked for again.
    pub async fn holds(&self, key: &str, sha256: &str, size: u64) -> Result<bool, StorageError> {
        use futures_util::StreamExt;
        use sha2::{Digest, Sha256};
        let Some(mut opened) = self.open(key).await? else {
            return Ok(false);
        };
        if opened.size != size {
            return Ok(false);
        }
        let mut hasher = Sha256::new();
        while let Some(chunk) = opened.chunks.next().await {
            hasher.update(chunk?);
        }
        Ok(format!("{:x}", hasher.finalize()) == sha256)
    }

    /// Moves the object under `key` to `quarantine/<key>`: out of the way
    /// of the photos, kept for whoever investigates.
    pub async fn quarantine(&self, key: &str) -> Result<String, StorageError> {
        let to = format!("{QUARANTINE}/{key}");
        let (from_location, to_location) = (parse(key)?, parse(&to)?);
        self.inner.rename(&from_location, &to_location).await?;
        Ok(to)
    }

    /// The bytes under `key`, or `None` if absent.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match self.inner.get(&parse(key)?).await {
            Ok(got) => Ok(Some(got.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The object under `key` as it is read, a chunk at a time, and its
    /// size; `None` if absent. Serving a photo or a video clip this way
    /// holds one chunk in memory, not the whole file.
    pub async fn open(&self, key: &str) -> Result<Option<Opened>, StorageError> {
        match self.inner.get(&parse(key)?).await {
            Ok(got) => Ok(Some(Opened {
                size: got.meta.size,
                chunks: got.into_stream(),
            })),
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

/// Where [`PhotoStore::quarantine`] moves objects.
pub const QUARANTINE: &str = "quarantine";

/// The lowercase hex SHA-256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

/// Writes `bytes` to `path` so that a power cut at any moment leaves either
/// what was there or all of `bytes` (see [`replace_durably`]).
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    use std::io::Write;
    replace_durably(path, |file| file.write_all(bytes))
}

/// Copies the file `from` to `to` as [`write_durably`] writes, streaming:
/// a database file may not fit in memory.
pub fn copy_durably(from: &Path, to: &Path) -> Result<(), StorageError> {
    let mut source = std::fs::File::open(from).map_err(|source| StorageError::Sync {
        path: from.to_owned(),
        source,
    })?;
    replace_durably(to, |file| std::io::copy(&mut source, file).map(drop))
}

/// Whether `key` names one of the temporary files [`replace_durably`]
/// writes beside a photo before renaming it into place: not a photo (yet),
/// so whoever lists the store while the server runs passes it by.
pub fn is_temporary(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    name.starts_with('.') && name.ends_with(TEMPORARY_SUFFIX)
}

const TEMPORARY_SUFFIX: &str = ".tmp";

/// Puts a file at `path` so that a power cut at any moment leaves either
/// what was there or the whole of what `fill` writes: a temporary file in
/// the same folder, filled, synced, renamed over `path`, then the folder
/// synced (the rename itself is an entry in the folder).
fn replace_durably(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), StorageError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| StorageError::Sync { path: p, source }
    };
    let dir = path
        .parent()
        .ok_or_else(|| StorageError::Url(format!("{} has no folder", path.display())))?;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("photo");
    let temporary = dir.join(format!(".{name}.{}{TEMPORARY_SUFFIX}", uuid::Uuid::new_v4().simple()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            fill(&mut file)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(source) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(StorageError::Sync {
            path: path.to_owned(),
            source,
        });
    }
    sync_dir(dir)
}

/// Syncs a file someone else wrote (SQLite's `VACUUM INTO` does not), and
/// its folder, so both its bytes and its name survive a power cut.
pub fn sync_file_and_dir(path: &Path) -> Result<(), StorageError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| StorageError::Sync {
            path: path.to_owned(),
            source,
        })?;
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StorageError::Sync {
            path: dir.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_lowercase_hex() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

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
        assert_eq!(store.keys("photos").await.expect("list"), vec![key.clone()]);
        // No temporary file left beside it.
        let folder = dir.path().join(&key);
        let siblings = std::fs::read_dir(folder.parent().expect("folder"))
            .expect("list")
            .count();
        assert_eq!(siblings, 1);
    }

    #[test]
    fn temporary_files_are_told_apart_from_photos() {
        let sha = "ab".repeat(32);
        assert!(!is_temporary(&photo_key(&sha)));
        assert!(is_temporary(&format!("photos/ab/.{sha}.0123abcd{TEMPORARY_SUFFIX}")));
        assert!(!is_temporary(&format!("photos/ab/{sha}{TEMPORARY_SUFFIX}")));
    }

    #[tokio::test]
    async fn a_damaged_object_is_not_held_and_is_replaced_whole() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let store = PhotoStore::local(dir.path()).expect("store");
        let bytes = b"the photo's bytes".to_vec();
        let sha = hex_sha256(&bytes);
        let key = photo_key(&sha);
        let size = bytes.len() as u64;
        assert!(!store.holds(&key, &sha, size).await.expect("absent"));
        assert!(!store.has_size(&key, size).await.expect("absent"));
        store.put(&key, Bytes::from(bytes.clone())).await.expect("put");
        assert!(store.holds(&key, &sha, size).await.expect("held"));
        assert!(store.has_size(&key, size).await.expect("held"));
        // Truncated behind the server's back.
        std::fs::write(dir.path().join(&key), &bytes[..4]).expect("truncate");
        assert!(!store.holds(&key, &sha, size).await.expect("damaged"));
        assert!(!store.has_size(&key, size).await.expect("truncated"));
        // Damaged at its own size: only a read finds it (fsck's).
        let mut flipped = bytes.clone();
        flipped[0] ^= 1;
        std::fs::write(dir.path().join(&key), &flipped).expect("flip");
        assert!(!store.holds(&key, &sha, size).await.expect("damaged"));
        assert!(store.has_size(&key, size).await.expect("same size"));
        store.put(&key, Bytes::from(bytes.clone())).await.expect("put again");
        assert!(store.holds(&key, &sha, size).await.expect("repaired"));
        // Quarantined: gone from its place, kept aside.
        let moved = store.quarantine(&key).await.expect("quarantine");
        assert!(!store.contains(&key).await.expect("head"));
        assert_eq!(store.get(&moved).await.expect("get").as_deref(), Some(&bytes[..]));
    }
}
