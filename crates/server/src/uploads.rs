//! Photo uploads (the tus 1.0 resource model, without HTTP): create an
//! upload for a photo a stored report announced, append bytes at its
//! offset, and, when the last byte is in, verify the whole against the
//! manifest and store it for good.
//!
//! The bytes received so far live in `<data dir>/uploads/<upload_id>.part`;
//! the offset lives in the database (`uploads.received`), which is the
//! truth: the file is synced before the offset grows, and whatever lies in
//! the file past the offset (a chunk refused or cut) is cut off before the
//! next append. A photo is stored only whole and verified, under its
//! content address, and only then marked arrived, so no half file is ever
//! where a complete one is expected.
//!
//! One request at a time appends to an upload. A client that lost its
//! connection comes back with a new request while the old one may still
//! be running on the server (a phone's dead link is often half-open, so the
//! old request sees nothing for a long while): a new `PATCH` therefore
//! preempts the one in flight, which keeps what it received and stops, and
//! a `HEAD` waits a moment for it, so its answer includes those bytes.

use std::collections::{HashMap, HashSet};
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use kuaibao_core::photo::media::{self, Media};
use kuaibao_core::PhotoId;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::sync::{watch, OwnedMutexGuard};

use crate::db::audit::Actor;
use crate::db::photos::{self as rows, db_time, UploadRow};
use crate::db::{Pool, StoreError};
use crate::storage::{photo_key, PhotoStore, StorageError};

/// How long a request waits for another one on the same upload to let go.
const LOCK_WAIT: Duration = Duration::from_secs(10);
/// How long a `HEAD` waits for a `PATCH` in flight before answering with
/// the offset as it stands.
const HEAD_WAIT: Duration = Duration::from_secs(2);

/// How old a file in the uploads folder that no upload owns must be before
/// a sweep removes it: far longer than `create` takes between making an
/// upload's file and storing its row (one database write).
pub const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

/// The most unfinished uploads one account may hold open at once. Each
/// holds a file on the server's disk until it expires; a phone sends three
/// photos at a time, so this is far beyond any honest backlog.
pub const MAX_UNFINISHED_PER_ACCOUNT: i64 = 64;

/// How many uploads are finished (hashed, then stored) at once. Each holds
/// at most a few parts of a multipart upload into a bucket (about 15 MiB);
/// the rest wait their turn.
const FINISHING_AT_ONCE: usize = 4;

/// A checksum of one `PATCH` body (tus checksum extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checksum {
    Sha1(Vec<u8>),
    Sha256(Vec<u8>),
}

/// The algorithms of the checksum extension, as `Tus-Checksum-Algorithm`
/// lists them.
pub const CHECKSUM_ALGORITHMS: &str = "sha1,sha256";

impl Checksum {
    /// From the algorithm name and the digest bytes; `None` for an
    /// algorithm not supported.
    pub fn new(algorithm: &str, digest: Vec<u8>) -> Option<Self> {
        match algorithm {
            "sha1" => Some(Checksum::Sha1(digest)),
            "sha256" => Some(Checksum::Sha256(digest)),
            _ => None,
        }
    }
}

enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Hasher {
    fn of(checksum: &Checksum) -> Self {
        match checksum {
            Checksum::Sha1(_) => Hasher::Sha1(Sha1::new()),
            Checksum::Sha256(_) => Hasher::Sha256(Sha256::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    fn matches(self, checksum: &Checksum) -> bool {
        match (self, checksum) {
            (Hasher::Sha1(h), Checksum::Sha1(want)) => h.finalize().as_slice() == want.as_slice(),
            (Hasher::Sha256(h), Checksum::Sha256(want)) => h.finalize().as_slice() == want.as_slice(),
            _ => false,
        }
    }
}

/// Why an upload request failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(
        "the photo is too large: {length} bytes is {} bytes more than the limit of {max} bytes ({:.1} MiB)",
        length - max,
        *max as f64 / (1024.0 * 1024.0)
    )]
    TooLarge { length: u64, max: u64 },
    #[error(
        "no stored report announces photo {0}: the report's text must arrive first (POST /api/reports), \
         then its photos"
    )]
    UnknownPhoto(String),
    /// The upload's metadata or length disagree with the report's manifest.
    #[error("{0}")]
    NotTheManifest(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("no such upload")]
    NotFound,
    #[error("this account has {max} unfinished uploads already; finish or end some, or wait for them to expire")]
    TooManyUnfinished { max: i64 },
    #[error("this upload expired unfinished; create a new one")]
    Gone,
    #[error("the upload is at offset {current}, not at the Upload-Offset sent")]
    OffsetMismatch { current: u64 },
    /// The body starts behind the offset and its repeat of the held bytes
    /// is not those bytes.
    #[error("the body repeats bytes this upload already holds with other bytes; nothing was appended, the upload is at offset {current}")]
    RepeatDiffers { current: u64 },
    #[error("another request is writing to this upload; try again")]
    Locked,
    #[error("the body is longer than the {remaining} bytes that remain of the upload; nothing was appended")]
    BodyTooLarge { remaining: u64 },
    #[error("the body does not match its Upload-Checksum; nothing was appended")]
    ChecksumMismatch,
    #[error("the body ended early ({reason}); the upload is at offset {offset}")]
    Incomplete { offset: u64, reason: String },
    /// The body sent nothing for `KUAIBAO_BODY_IDLE_TIMEOUT_SECS`: what it
    /// brought is kept, as for one cut short.
    #[error("the body sent nothing for too long and was cut; the upload is at offset {offset}")]
    TimedOut { offset: u64 },
    #[error("a newer request for this upload took over; the upload is at offset {offset}")]
    Superseded { offset: u64 },
    /// The whole photo was received but is not what the manifest announced
    /// (or not an image): discarded, the photo is still awaited.
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("upload file {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Internal(String),
}

impl UploadError {
    /// The upload's offset, where the answer should tell it.
    pub fn offset(&self) -> Option<u64> {
        match self {
            UploadError::OffsetMismatch { current } | UploadError::RepeatDiffers { current } => Some(*current),
            UploadError::Incomplete { offset, .. }
            | UploadError::Superseded { offset }
            | UploadError::TimedOut { offset } => Some(*offset),
            _ => None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> UploadError + '_ {
    move |source| UploadError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A finished upload's file, as read for its finish.
struct ReadPart {
    sha256: String,
    size: u64,
    /// Its first bytes, enough to know its type by (`media::bytes_match`).
    head: Vec<u8>,
}

/// Hashes the file at `path` a piece at a time and reads its first bytes.
async fn read_part(path: &Path) -> std::io::Result<ReadPart> {
    use tokio::io::AsyncReadExt;
    let owned = path.to_owned();
    let (size, sha256) = tokio::task::spawn_blocking(move || crate::storage::hash_file(&owned))
        .await
        .map_err(std::io::Error::other)??;
    let mut head = Vec::with_capacity(media::SNIFF_BYTES);
    tokio::fs::File::open(path)
        .await?
        .take(media::SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .await?;
    Ok(ReadPart { sha256, size, head })
}

/// An upload as `POST` and `HEAD` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInfo {
    pub upload_id: String,
    pub offset: u64,
    pub length: u64,
    /// When it expires if still unfinished; `None` once complete.
    pub expires: Option<DateTime<Utc>>,
}

impl UploadInfo {
    fn of(row: &UploadRow) -> Self {
        UploadInfo {
            upload_id: row.upload_id.clone(),
            offset: u64::try_from(row.received).unwrap_or(0),
            length: u64::try_from(row.length).unwrap_or(0),
            expires: if row.complete() { None } else { row.expires() },
        }
    }

    pub fn complete(&self) -> bool {
        self.offset == self.length
    }
}

/// One `PATCH`, as read from its headers.
#[derive(Debug, Clone)]
pub struct Append {
    /// Who sends the bytes: named in the audit log when the photo arrives.
    pub actor: Actor,
    pub upload_id: String,
    pub offset: u64,
    pub content_length: Option<u64>,
    pub checksum: Option<Checksum>,
}

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Expired uploads (rows), with their files.
    pub uploads: usize,
    /// Files in the uploads folder that no upload owned.
    pub orphans: usize,
}

/// Whether `id` is an upload id as this server makes them (32 lowercase
/// hex digits), so that it is safe in a file name.
pub fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Per-upload coordination: who appends now, and a signal to make them stop.
struct Slot {
    lock: Arc<tokio::sync::Mutex<()>>,
    preempt: watch::Sender<u64>,
}

/// The uploads of this server.
pub struct Uploads {
    pool: Pool,
    store: PhotoStore,
    dir: PathBuf,
    max_bytes: u64,
    expiry: Duration,
    /// One `PATCH`, at most (`KUAIBAO_PATCH_TIMEOUT_SECS`).
    patch_timeout: Duration,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    /// Creation and the orphan sweep, one at a time: a new upload's file
    /// exists a moment before its row.
    creating: tokio::sync::Mutex<()>,
    /// Uploads being finished at once (see `finish`).
    finishing: tokio::sync::Semaphore,
}

impl Uploads {
    /// `dir` holds the unfinished uploads' bytes and must exist.
    pub fn new(
        pool: Pool,
        store: PhotoStore,
        dir: PathBuf,
        max_bytes: u64,
        expiry: Duration,
        patch_timeout: Duration,
    ) -> Self {
        Uploads {
            pool,
            store,
            dir,
            max_bytes,
            expiry,
            patch_timeout,
            slots: Mutex::new(HashMap::new()),
            creating: tokio::sync::Mutex::new(()),
            finishing: tokio::sync::Semaphore::new(FINISHING_AT_ONCE),
        }
    }

    /// The largest upload of any kind: a video clip's cap, or the
    /// configured photo cap if larger. What `OPTIONS` announces as
    /// `Tus-Max-Size`; each upload is then held to its own kind's cap.
    pub fn max_length(&self) -> u64 {
        self.max_bytes.max(Media::Video.max_bytes())
    }

    pub fn store(&self) -> &PhotoStore {
        &self.store
    }

    /// Uploads with a `PATCH` being written now (or waiting for the one
    /// before it): for the metrics, and the end of a shutdown.
    pub fn appending(&self) -> usize {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// The file of an unfinished upload's bytes.
    pub fn part_path(&self, upload_id: &str) -> PathBuf {
        self.dir.join(format!("{upload_id}.part"))
    }

    fn expires_from(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.expiry).unwrap_or(chrono::Duration::days(1))
    }

    /// tus creation: an upload of photo `photo_id`, whose bytes must have
    /// this SHA-256 and length. For a photo already arrived, a complete
    /// upload (its offset is its length: nothing to send); for a photo with
    /// an unfinished upload, that upload, so bytes already received are
    /// not sent again.
    /// Only the reporter who sent a record naming the photo may upload it.
    pub async fn create(
        &self,
        actor: &Actor,
        photo_id: &str,
        sha256: &str,
        length: u64,
    ) -> Result<UploadInfo, UploadError> {
        // Photos are held to the configured cap; video clips and voice
        // notes to their kind's (checked once the record is read below).
        let largest = self.max_length();
        if length > largest {
            return Err(UploadError::TooLarge { length, max: largest });
        }
        let photo_id: PhotoId = photo_id
            .parse()
            .map_err(|_| UploadError::BadRequest(format!("photo_id `{photo_id}` is not a photo id (a UUID)")))?;
        let photo_key_text = photo_id.to_string();
        let photo = rows::photo(&self.pool, &photo_key_text)
            .await?
            .ok_or_else(|| UploadError::UnknownPhoto(photo_key_text.clone()))?;
        // Someone else's photo is answered like a photo that does not
        // exist: ids are not a way to learn about others' reports.
        let sender = actor.user_id.as_deref().unwrap_or_default();
        if !rows::sent_by(&self.pool, &photo_key_text, sender).await? {
            return Err(UploadError::UnknownPhoto(photo_key_text));
        }
        let max = match Media::of(&photo.mime) {
            Some(kind @ (Media::Video | Media::Voice)) => kind.max_bytes(),
            _ => self.max_bytes,
        };
        if length > max {
            return Err(UploadError::TooLarge { length, max });
        }
        if !sha256.eq_ignore_ascii_case(&photo.sha256) {
            return Err(UploadError::NotTheManifest(format!(
                "photo {photo_id}: the sha256 sent is not the one its report announced ({})",
                photo.sha256
            )));
        }
        if i64::try_from(length).ok() != Some(photo.size) {
            return Err(UploadError::NotTheManifest(format!(
                "photo {photo_id}: Upload-Length {length} is not the size its report announced ({})",
                photo.size
            )));
        }
        let now = Utc::now();
        // Only this photo's own upload makes it arrive, even when another
        // photo with the same bytes is stored already: a SHA-256 is printed
        // in exports and threads, so knowing it proves nothing. The bytes
        // are stored once all the same (the store is content-addressed).
        // An arrived photo whose stored copy was lost or damaged since
        // (`kuaibao-server fsck` finds and quarantines such copies) is taken
        // again from its sender: its arrival time stands, its bytes are
        // written anew. Asked by the copy's metadata, not by reading it: a
        // sender may ask this as often as its rate allows, and each read of
        // a clip would be 50 MiB of disk or bucket.
        let held = match (&photo.arrived_at, &photo.storage_key) {
            (Some(_), Some(key)) => {
                let held = self.store.has_size(key, length).await?;
                if !held {
                    tracing::warn!(photo = %photo_id, %key, "an arrived photo's stored copy is missing or damaged: taken again");
                }
                held
            }
            _ => false,
        };
        // Taken only now: asking the store (over the network on S3) must
        // not hold every other phone's new upload. A photo that arrives
        // meanwhile is at worst sent once more.
        let _creating = self.creating.lock().await;
        if let Some(row) = rows::usable_upload_of(&self.pool, photo_id, now).await? {
            if row.complete() == held {
                return Ok(UploadInfo::of(&row));
            }
        }
        if !held && rows::unfinished_uploads_of(&self.pool, sender, now).await? >= MAX_UNFINISHED_PER_ACCOUNT {
            return Err(UploadError::TooManyUnfinished {
                max: MAX_UNFINISHED_PER_ACCOUNT,
            });
        }
        let row = UploadRow {
            upload_id: uuid::Uuid::new_v4().simple().to_string(),
            photo_id: photo_key_text,
            length: photo.size,
            received: if held { photo.size } else { 0 },
            expires_at: db_time(self.expires_from(now)),
        };
        if !held {
            let path = self.part_path(&row.upload_id);
            tokio::fs::File::create(&path).await.map_err(io_error(&path))?;
        }
        if let Err(e) = rows::create_upload(&self.pool, &row, now).await {
            let _ = tokio::fs::remove_file(self.part_path(&row.upload_id)).await;
            return Err(e.into());
        }
        tracing::info!(upload = %row.upload_id, photo = %photo_id, length, held, "upload created");
        Ok(UploadInfo::of(&row))
    }

    /// tus `HEAD`: where the upload stands.
    /// Refuses, as if it did not exist, an upload of a photo that no record
    /// of `user_id` names.
    pub async fn check_owner(&self, upload_id: &str, user_id: &str) -> Result<(), UploadError> {
        let row = rows::upload(&self.pool, upload_id)
            .await?
            .ok_or(UploadError::NotFound)?;
        if rows::sent_by(&self.pool, &row.photo_id, user_id).await? {
            Ok(())
        } else {
            Err(UploadError::NotFound)
        }
    }

    pub async fn head(&self, upload_id: &str) -> Result<UploadInfo, UploadError> {
        let slot = self.slot(upload_id);
        let guard = tokio::time::timeout(HEAD_WAIT, Arc::clone(&slot.lock).lock_owned())
            .await
            .ok();
        let row = rows::upload(&self.pool, upload_id).await;
        drop(guard);
        self.release(upload_id, slot);
        let row = row?.ok_or(UploadError::NotFound)?;
        if row.expired(Utc::now()) {
            return Err(UploadError::Gone);
        }
        Ok(UploadInfo::of(&row))
    }

    /// tus `PATCH`: appends `body` at `append.offset`. Runs in a task of
    /// its own, so a client that goes away mid-body does not cancel it: the
    /// bytes it sent are kept (unless the chunk carried a checksum, which a
    /// cut chunk cannot be checked against) and a last chunk is verified
    /// and stored all the same.
    pub async fn append(self: &Arc<Self>, append: Append, body: Body) -> Result<UploadInfo, UploadError> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let id = append.upload_id.clone();
            let slot = this.slot(&id);
            // Whoever is appending now must stop: this request is newer.
            slot.preempt.send_modify(|n| *n = n.wrapping_add(1));
            let result = match tokio::time::timeout(LOCK_WAIT, Arc::clone(&slot.lock).lock_owned()).await {
                Err(_) => Err(UploadError::Locked),
                Ok(guard) => {
                    let preempted = slot.preempt.subscribe();
                    this.append_locked(append, body, preempted, guard).await
                }
            };
            this.release(&id, slot);
            result
        })
        .await
        .map_err(|e| UploadError::Internal(format!("upload task failed: {e}")))?
    }

    async fn append_locked(
        &self,
        append: Append,
        mut body: Body,
        mut preempted: watch::Receiver<u64>,
        _guard: OwnedMutexGuard<()>,
    ) -> Result<UploadInfo, UploadError> {
        let id = append.upload_id.as_str();
        let row = rows::upload(&self.pool, id).await?.ok_or(UploadError::NotFound)?;
        let now = Utc::now();
        if row.expired(now) {
            return Err(UploadError::Gone);
        }
        let row = self.heal(row).await?;
        let info = UploadInfo::of(&row);
        // A `PATCH` from behind the offset repeats bytes the server holds.
        // Browsers send one by themselves: a request cut on a kept-alive
        // connection before any answer is sent again from its first byte,
        // after the server kept what reached it of the first try. Its
        // repeated bytes are compared with those held and skipped, and the
        // rest appended; answering 409 instead would waste the whole body,
        // which has crossed the link again by the time the client reads it.
        // A repeat that differs from the bytes held is a conflict.
        if append.offset > info.offset {
            return Err(UploadError::OffsetMismatch { current: info.offset });
        }
        let remaining = info.length - info.offset;
        let held = info.offset - append.offset;
        // What remains from where the body starts.
        let from_body = info.length - append.offset;
        if append.content_length.is_some_and(|n| n > from_body) {
            return Err(UploadError::BodyTooLarge { remaining: from_body });
        }
        if info.complete() {
            return Ok(info);
        }

        let path = self.part_path(id);
        let mut file = tokio::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .map_err(io_error(&path))?;
        let on_disk = file.metadata().await.map_err(io_error(&path))?.len();
        // Cut back by another replica since `heal` looked: the next
        // `PATCH` heals it.
        if on_disk < info.offset {
            return Err(UploadError::Internal(format!(
                "upload {id}: {on_disk} bytes on disk, fewer than its offset {}",
                info.offset
            )));
        }
        // Bytes past the offset are a chunk refused or cut: not part of it.
        file.set_len(info.offset).await.map_err(io_error(&path))?;
        file.seek(SeekFrom::Start(info.offset)).await.map_err(io_error(&path))?;

        let mut hasher = append.checksum.as_ref().map(Hasher::of);
        // Bytes of the body still to compare with those held, then bytes
        // appended.
        let mut repeat = Repeat {
            at: append.offset,
            left: held,
        };
        let mut got: u64 = 0;
        // A body that sends a byte now and then is never idle: it is cut
        // when the PATCH has taken its time in all, like an idle one.
        let deadline = tokio::time::sleep(self.patch_timeout);
        tokio::pin!(deadline);
        let ending = loop {
            // A body that sends nothing for a while is cut by the layer
            // every request goes through (`http::limits`): its error ends
            // the loop like a broken connection's.
            let frame = tokio::select! {
                biased;
                _ = preempted.changed() => break Ending::Superseded,
                () = &mut deadline => break Ending::Idle,
                frame = body.frame() => frame,
            };
            let data = match frame {
                None => break Ending::Complete,
                Some(Err(e)) if crate::http::limits::is_body_timeout(&e) => break Ending::Idle,
                Some(Err(e)) => break Ending::Cut(e.to_string()),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    // Trailers: nothing to append.
                    Err(_) => continue,
                },
            };
            if let Some(h) = hasher.as_mut() {
                h.update(&data);
            }
            let data = match repeat.skip(&mut file, data).await {
                Ok(Some(rest)) => rest,
                Ok(None) => break Ending::Differs,
                Err(e) => break Ending::Failed(e),
            };
            let len = data.len() as u64;
            if got + len > remaining {
                break Ending::TooLong;
            }
            if let Err(e) = file.write_all(&data).await {
                break Ending::Failed(e);
            }
            got += len;
        };
        // tokio's File writes in the background: flush, then sync.
        let synced = async {
            file.flush().await?;
            file.sync_data().await
        }
        .await;

        let keep = match (&ending, hasher, &append.checksum) {
            (Ending::Failed(_) | Ending::TooLong | Ending::Differs, _, _) => 0,
            (Ending::Complete, Some(h), Some(want)) => {
                if h.matches(want) {
                    got
                } else {
                    // Left in the file past the offset, not cut off here
                    // (see below).
                    return Err(UploadError::ChecksumMismatch);
                }
            }
            // A cut chunk with a checksum cannot be verified: dropped.
            (_, Some(_), _) => 0,
            _ => got,
        };
        let keep = if synced.is_err() { 0 } else { keep };
        // Bytes not kept stay in the file past the offset until the next
        // append cuts them off, at the offset it reads then. Cutting them
        // off here, at the offset this request read at its start, could
        // cut bytes another replica appended meanwhile (replicas share the
        // uploads folder): the file would then hold fewer bytes than the
        // offset says.
        drop(file);
        match ending {
            Ending::Failed(source) => return Err(UploadError::Io { path, source }),
            Ending::TooLong => return Err(UploadError::BodyTooLarge { remaining: from_body }),
            Ending::Differs => return Err(UploadError::RepeatDiffers { current: info.offset }),
            _ => {}
        }
        synced.map_err(io_error(&path))?;

        let offset = info.offset + keep;
        if offset == info.length {
            return self.finish(&row, &append.actor).await;
        }
        let expires = self.expires_from(Utc::now());
        if keep > 0 {
            let moved = rows::advance(&self.pool, id, row.received, offset as i64, &db_time(expires)).await?;
            if !moved {
                // Swept or terminated meanwhile.
                return Err(UploadError::NotFound);
            }
        }
        match ending {
            Ending::Complete => Ok(UploadInfo {
                offset,
                expires: Some(expires),
                ..info
            }),
            Ending::Superseded => Err(UploadError::Superseded { offset }),
            Ending::Cut(reason) => {
                tracing::info!(upload = %id, kept = keep, offset, "upload body ended early: {reason}");
                Err(UploadError::Incomplete { offset, reason })
            }
            Ending::Idle => {
                tracing::info!(upload = %id, kept = keep, offset, "upload body sent nothing for too long");
                Err(UploadError::TimedOut { offset })
            }
            Ending::Failed(_) | Ending::TooLong | Ending::Differs => {
                Err(UploadError::Internal("unreachable ending".to_owned()))
            }
        }
    }

    /// `row` as its file stands. A file holding fewer bytes than the
    /// offset (a request on a replica, or a server before this one, cut it
    /// back to an offset read before another replica's append committed)
    /// would refuse every `PATCH` until the upload expired, while `POST`
    /// offers that same upload again. The offset is set back to the bytes
    /// the file holds instead: a `PATCH` from further on is answered 409,
    /// and the client's `HEAD` then tells it where to resume. The bytes
    /// kept are checked with the whole photo's SHA-256 in `finish`.
    async fn heal(&self, row: UploadRow) -> Result<UploadRow, UploadError> {
        if row.complete() {
            // Its file is gone: the photo is stored.
            return Ok(row);
        }
        let path = self.part_path(&row.upload_id);
        let on_disk = tokio::fs::metadata(&path).await.map_err(io_error(&path))?.len();
        let on_disk = i64::try_from(on_disk).unwrap_or(i64::MAX);
        if on_disk >= row.received {
            return Ok(row);
        }
        if rows::rewind(&self.pool, &row.upload_id, row.received, on_disk).await? {
            tracing::warn!(
                upload = %row.upload_id,
                offset = row.received,
                on_disk,
                "upload file shorter than its offset: the offset is set back to the file's length"
            );
            return Ok(UploadRow {
                received: on_disk,
                ..row
            });
        }
        // Moved meanwhile, by an append on another replica or a sweep: as
        // it now stands (an append that still finds the file short fails,
        // and the next one heals it).
        rows::upload(&self.pool, &row.upload_id)
            .await?
            .ok_or(UploadError::NotFound)
    }

    /// The last byte is in: verify the whole, store it under its content
    /// address, mark the photo arrived. A photo that is not what its report
    /// announced is discarded with its upload, and stays awaited.
    async fn finish(&self, row: &UploadRow, actor: &Actor) -> Result<UploadInfo, UploadError> {
        let id = row.upload_id.as_str();
        let path = self.part_path(id);
        // Read a chunk at a time, and a few finishes at once: each holds a
        // read buffer and, into a bucket, a few parts (see `PhotoStore::
        // put_file`), never the whole of a 50 MiB clip.
        let _finishing =
            self.finishing.acquire().await.map_err(|_| {
                UploadError::Internal("the finishing queue is closed: the server is stopping".to_owned())
            })?;
        let read = read_part(&path).await.map_err(io_error(&path))?;
        let photo = rows::photo(&self.pool, &row.photo_id)
            .await?
            .ok_or_else(|| UploadError::UnknownPhoto(row.photo_id.clone()))?;
        if read.sha256 != photo.sha256 {
            self.discard(id).await?;
            tracing::warn!(upload = %id, photo = %row.photo_id, "upload discarded: not the announced bytes");
            return Err(UploadError::Rejected(format!(
                "the {} bytes received for photo {} do not have the SHA-256 its report announced; \
                 the upload is discarded and the photo still awaited",
                read.size, row.photo_id
            )));
        }
        // Each kind by its own allow-list: the bytes must be of the type
        // the record announced (an image, a video or a voice note).
        if !media::bytes_match(&photo.mime, &read.head) {
            self.discard(id).await?;
            tracing::warn!(upload = %id, photo = %row.photo_id, mime = %photo.mime, "upload discarded: not its type");
            return Err(UploadError::Rejected(format!(
                "file {} is not the {} its record announced (a photo must be a JPEG, PNG or WebP image, \
                 a video WebM or MP4, a voice note WebM, Ogg or MP4); the upload is discarded and the file \
                 still awaited",
                row.photo_id, photo.mime
            )));
        }
        let key = photo_key(&read.sha256);
        // Content-addressed: the same bytes already stored are these bytes,
        // once re-read and hashed (a damaged copy is replaced by these).
        if !self.store.holds(&key, &read.sha256, read.size).await? {
            self.store.put_file(&key, &path).await?;
        }
        let first = rows::arrive(&self.pool, actor, id, &row.photo_id, &key, Utc::now()).await?;
        if let Err(e) = tokio::fs::remove_file(&path).await {
            tracing::warn!(upload = %id, "cannot remove {}: {e}", path.display());
        }
        tracing::info!(upload = %id, photo = %row.photo_id, %key, first, "photo arrived");
        Ok(UploadInfo {
            upload_id: row.upload_id.clone(),
            offset: u64::try_from(row.length).unwrap_or(0),
            length: u64::try_from(row.length).unwrap_or(0),
            expires: None,
        })
    }

    /// Removes an upload's row and file.
    async fn discard(&self, upload_id: &str) -> Result<bool, UploadError> {
        let existed = rows::delete_upload(&self.pool, upload_id).await?;
        let path = self.part_path(upload_id);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(UploadError::Io { path, source: e }),
        }
        Ok(existed)
    }

    /// tus termination: the upload and its bytes are removed (a photo
    /// already stored stays stored).
    pub async fn terminate(&self, upload_id: &str) -> Result<(), UploadError> {
        let slot = self.slot(upload_id);
        slot.preempt.send_modify(|n| *n = n.wrapping_add(1));
        let result = match tokio::time::timeout(LOCK_WAIT, Arc::clone(&slot.lock).lock_owned()).await {
            Err(_) => Err(UploadError::Locked),
            Ok(_guard) => match self.discard(upload_id).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(UploadError::NotFound),
                Err(e) => Err(e),
            },
        };
        self.release(upload_id, slot);
        if result.is_ok() {
            tracing::info!(upload = %upload_id, "upload terminated");
        }
        result
    }

    /// Removes expired uploads and their bytes (except one being written to
    /// right now), and files in the uploads folder that no upload owns,
    /// once they are [`ORPHAN_GRACE`] old.
    pub async fn sweep(&self) -> Result<Swept, UploadError> {
        let mut swept = Swept::default();
        for row in rows::expired_uploads(&self.pool, Utc::now()).await? {
            let slot = self.slot(&row.upload_id);
            if let Ok(_guard) = Arc::clone(&slot.lock).try_lock_owned() {
                if self.discard(&row.upload_id).await? {
                    swept.uploads += 1;
                }
            }
            self.release(&row.upload_id, slot);
        }
        let _creating = self.creating.lock().await;
        let live: HashSet<String> = rows::upload_ids(&self.pool).await?.into_iter().collect();
        let mut entries = tokio::fs::read_dir(&self.dir).await.map_err(io_error(&self.dir))?;
        while let Some(entry) = entries.next_entry().await.map_err(io_error(&self.dir))? {
            let name = entry.file_name();
            let owned = name
                .to_str()
                .and_then(|n| n.strip_suffix(".part"))
                .is_some_and(|id| live.contains(id));
            let is_file = entry.file_type().await.is_ok_and(|t| t.is_file());
            // A file whose row is still being written: replicas share this
            // folder, and another one's `create` makes the file before its
            // row, outside this replica's `creating` lock. Swept, it would
            // leave that upload a row without bytes until it expired.
            let young = entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age < ORPHAN_GRACE);
            if !owned && is_file && !young {
                let path = entry.path();
                tokio::fs::remove_file(&path).await.map_err(io_error(&path))?;
                swept.orphans += 1;
            }
        }
        if swept != Swept::default() {
            tracing::info!(
                uploads = swept.uploads,
                orphans = swept.orphans,
                "expired uploads swept"
            );
        }
        Ok(swept)
    }

    fn slot(&self, upload_id: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(slots.entry(upload_id.to_owned()).or_insert_with(|| {
            Arc::new(Slot {
                lock: Arc::new(tokio::sync::Mutex::new(())),
                preempt: watch::channel(0).0,
            })
        }))
    }

    /// Forgets a slot nobody else holds.
    fn release(&self, upload_id: &str, slot: Arc<Slot>) {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's reference and ours: nobody else is using it.
        if Arc::strong_count(&slot) == 2 {
            slots.remove(upload_id);
        }
    }
}

/// The start of a `PATCH` body that lies behind the upload's offset:
/// compared with the bytes the file holds there, a frame at a time (so a
/// hostile offset costs no more memory than a frame), then skipped.
struct Repeat {
    /// Where in the upload the next byte of the body belongs.
    at: u64,
    /// How many more of the body's bytes the file already holds.
    left: u64,
}

impl Repeat {
    /// What of `data` lies past the held bytes (empty while the body is
    /// still repeating them), or `None` if it repeats them with other bytes.
    /// When the last repeated byte is compared, `file` is left at the end
    /// of the held bytes, where appending goes on.
    async fn skip(&mut self, file: &mut tokio::fs::File, data: Bytes) -> std::io::Result<Option<Bytes>> {
        if self.left == 0 {
            return Ok(Some(data));
        }
        let n = usize::try_from(self.left).unwrap_or(usize::MAX).min(data.len());
        let mut held = vec![0; n];
        file.seek(SeekFrom::Start(self.at)).await?;
        file.read_exact(&mut held).await?;
        if held[..] != data[..n] {
            return Ok(None);
        }
        self.at += n as u64;
        self.left -= n as u64;
        Ok(Some(data.slice(n..)))
    }
}

/// How reading a `PATCH` body ended.
enum Ending {
    Complete,
    /// The connection broke.
    Cut(String),
    /// The body sent nothing for too long.
    Idle,
    /// A newer request for the same upload arrived.
    Superseded,
    /// More bytes than remain.
    TooLong,
    /// The body repeats held bytes with other bytes.
    Differs,
    /// The file could not be written.
    Failed(std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids_are_32_lowercase_hex_digits() {
        assert!(is_upload_id(&uuid::Uuid::new_v4().simple().to_string()));
        assert!(!is_upload_id("../../etc/passwd"));
        assert!(!is_upload_id(&"A".repeat(32)));
        assert!(!is_upload_id(&"a".repeat(31)));
    }

    #[test]
    fn checksums_match_their_algorithm_only() {
        let data = b"abc";
        let sha1 = Sha1::digest(data).to_vec();
        let sha256 = Sha256::digest(data).to_vec();
        for (checksum, ok) in [
            (Checksum::Sha1(sha1.clone()), true),
            (Checksum::Sha256(sha256.clone()), true),
            (Checksum::Sha256(sha1), false),
            (Checksum::Sha1(sha256), false),
        ] {
            let mut h = Hasher::of(&checksum);
            h.update(data);
            assert_eq!(h.matches(&checksum), ok, "{checksum:?}");
        }
        assert_eq!(Checksum::new("md5", vec![]), None);
    }

    #[test]
    fn too_large_says_by_how_much() {
        let e = UploadError::TooLarge {
            length: 9_000_000,
            max: 8 * 1024 * 1024,
        };
        assert_eq!(
            e.to_string(),
            "the photo is too large: 9000000 bytes is 611392 bytes more than the limit of 8388608 bytes (8.0 MiB)"
        );
    }
}
