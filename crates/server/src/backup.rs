//! `kuaibao-server backup DIR` and `kuaibao-server restore DIR`.
//!
//! A backup is taken while the server runs, in this order:
//!
//! 1. the database: on SQLite a consistent snapshot (`VACUUM INTO`, which
//!    reads in one transaction while the server goes on writing); on
//!    PostgreSQL the operator's own `pg_dump`, made *before* the command;
//! 2. then the photos: every object of the photo store, re-hashed against
//!    its name. A photo is marked arrived only once its object is stored
//!    (`Uploads`), so every photo arrived in the snapshot already has its
//!    object when the copying starts; objects of photos arriving later are
//!    copied too or not, harmlessly;
//! 3. last `manifest.json`, so a folder with one is a finished backup.
//!
//! ```text
//! DIR/manifest.json              what is in the backup (see `Manifest`)
//! DIR/kuaibao.sqlite3            the snapshot (SQLite only)
//! DIR/photos/<aa>/<sha256>       every photo object, as in the store
//! ```
//!
//! A restore goes the other way into an empty data dir (or, on PostgreSQL,
//! a database `pg_restore` has just filled): photos first, each checked
//! against the manifest, then the database file, then the whole is opened
//! and checked: the counts are the manifest's and `fsck` finds the store
//! clean. Photos go first so that a restore refused half-way leaves no
//! database behind and can simply be run again.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use kuaibao_core::wire::protocol::Restore;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::audit::Actor;
use crate::db::{self, Pool, StoreError, DB_FILE};
use crate::fsck::{self, Findings, FsckError, Rehashed};
use crate::startup::{self, StartError};
use crate::storage::{self, PhotoStore, StorageError};

/// The manifest's file name inside a backup.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest's `format`: says what the file is to whoever finds it.
pub const FORMAT: &str = "kuaibao-backup";
/// The manifest's `version`; a restore refuses others.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The command cannot go on; the message says why and names the thing.
    #[error("{0}")]
    Refused(String),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: not a backup manifest: {source}", path.display())]
    Manifest { path: PathBuf, source: serde_json::Error },
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Fsck(#[from] FsckError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(e.into())
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Which database a backup is of, as the manifest writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgresql,
}

impl From<db::Backend> for Backend {
    fn from(b: db::Backend) -> Self {
        match b {
            db::Backend::Sqlite => Backend::Sqlite,
            db::Backend::Postgres => Backend::Postgresql,
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgresql => "PostgreSQL",
        })
    }
}

/// `DIR/manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub version: u32,
    /// When the backup started (before its snapshot), UTC.
    pub created_at: DateTime<Utc>,
    pub backend: Backend,
    /// The SQLite snapshot; `None` on PostgreSQL, whose dump the operator
    /// keeps (`pg_dump`).
    pub database: Option<DatabaseFile>,
    /// Rows in the snapshot (SQLite), or in the live database when the
    /// backup started (PostgreSQL).
    pub counts: Counts,
    /// Every photo object copied, by key.
    pub photos: Vec<PhotoObject>,
    /// Objects in the store whose bytes did not match their name: not
    /// copied (`kuaibao-server fsck` quarantines them).
    pub damaged: Vec<String>,
    /// Photos arrived in the snapshot whose object is not in the backup
    /// (missing or damaged in the store when it was taken).
    pub missing: Vec<MissingPhoto>,
}

/// A file of the backup, with what its bytes must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseFile {
    /// Relative to the backup folder.
    pub file: String,
    pub size: u64,
    pub sha256: String,
}

/// A photo object of the backup: `DIR/<key>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoObject {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingPhoto {
    pub photo_id: String,
    pub key: String,
}

/// Rows of the tables that hold the evidence and who may see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Counts {
    pub reports: i64,
    pub photos_arrived: i64,
    pub photos_announced: i64,
    pub users: i64,
    pub areas: i64,
    pub audit: i64,
    pub acknowledgements: i64,
    pub follow_up_requests: i64,
    /// Signings of written reports (a manifest written before they existed
    /// reads as none).
    #[serde(default)]
    pub signatures: i64,
    /// Duty phone numbers set for areas (likewise).
    #[serde(default)]
    pub duty_phones: i64,
    /// The app's copies completing records that came by SMS (likewise).
    #[serde(default)]
    pub report_completions: i64,
    /// Crash reports from phones (likewise).
    #[serde(default)]
    pub crash_reports: i64,
}

impl Counts {
    /// Each count with the words that name it.
    pub fn named(&self) -> [(&'static str, i64); 12] {
        [
            ("reports", self.reports),
            ("photos arrived", self.photos_arrived),
            ("photos announced", self.photos_announced),
            ("users", self.users),
            ("areas", self.areas),
            ("audit rows", self.audit),
            ("acknowledgements", self.acknowledgements),
            ("follow-up requests", self.follow_up_requests),
            ("signatures", self.signatures),
            ("duty phones", self.duty_phones),
            ("SMS report completions", self.report_completions),
            ("crash reports", self.crash_reports),
        ]
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.named().iter().map(|(name, n)| format!("{n} {name}")).collect();
        f.write_str(&parts.join(", "))
    }
}

/// Counts the rows of the database `pool` is on. One statement, so on
/// PostgreSQL the counts are of one moment.
pub async fn count(pool: &Pool) -> Result<Counts, StoreError> {
    let counts = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM reports) AS reports, \
                (SELECT COUNT(*) FROM photos WHERE arrived_at IS NOT NULL) AS photos_arrived, \
                (SELECT COUNT(*) FROM photos) AS photos_announced, \
                (SELECT COUNT(*) FROM users) AS users, \
                (SELECT COUNT(*) FROM areas) AS areas, \
                (SELECT COUNT(*) FROM audit) AS audit, \
                (SELECT COUNT(*) FROM acknowledgements) AS acknowledgements, \
                (SELECT COUNT(*) FROM follow_up_requests) AS follow_up_requests, \
                (SELECT COUNT(*) FROM signatures) AS signatures, \
                (SELECT COUNT(*) FROM duty_phones) AS duty_phones, \
                (SELECT COUNT(*) FROM report_completions) AS report_completions, \
                (SELECT COUNT(*) FROM crash_reports) AS crash_reports",
    )
    .fetch_one(pool)
    .await?;
    Ok(counts)
}

/// What `backup` wrote.
#[derive(Debug, Clone)]
pub struct BackedUp {
    /// The backup folder, absolute.
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// The photos' bytes, together.
    pub photo_bytes: u64,
}

impl BackedUp {
    /// Whether every photo arrived in the snapshot is in the backup and
    /// nothing in the store was damaged.
    pub fn complete(&self) -> bool {
        self.manifest.damaged.is_empty() && self.manifest.missing.is_empty()
    }
}

/// Backs up the server of `config` into `dir`, which must not exist or be
/// empty. The server may be running.
pub async fn backup(config: &Config, dir: &Path) -> Result<BackedUp, BackupError> {
    let backend = configured_backend(config)?;
    if backend == db::Backend::Sqlite && config.database_url.is_none() {
        // Opening would make an empty database and back that up.
        let file = config.data_dir.join(DB_FILE);
        if !file.is_file() {
            return Err(BackupError::Refused(format!(
                "there is no database at {}: is KUAIBAO_DATA_DIR the server's?",
                file.display()
            )));
        }
    }
    let dir = empty_dir(dir)?;
    let created_at = Utc::now();
    // Opened as it is, never migrated: the server running on it may be
    // older than this binary (an upgrade's "back up first").
    let pool = db::open(&config.database_url(), config.db_busy_timeout)
        .await
        .map_err(StoreError::from)?;
    let result = async {
        expect_schema(&pool, backend, Schema::Same).await?;
        let backed_up = backup_from(config, &pool, backend, &dir, created_at).await?;
        audit_backup(&pool, &backed_up).await?;
        Ok(backed_up)
    }
    .await;
    pool.close().await;
    if result.is_err() {
        // What was written is no backup (it has no manifest): not left to
        // fill the disk.
        if let Err(e) = empty_out(&dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot clear the unfinished backup");
        }
    }
    result
}

/// Which schema a database must be at for [`expect_schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schema {
    /// This binary's exactly (the live database a backup reads).
    Same,
    /// This binary's or older, which opening migrates (a restored one).
    NotNewer,
}

/// Refuses a database whose schema is not `want` against this binary's
/// migrations: a backup must not upgrade the live database under the server
/// still running it, nor a restore take one this binary cannot read.
async fn expect_schema(pool: &Pool, backend: db::Backend, want: Schema) -> Result<(), BackupError> {
    let (found,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await?;
    let found = found.unwrap_or(0);
    let ours = db::migrations(backend).last().map_or(0, |(version, _)| *version);
    if found > ours {
        return Err(BackupError::Refused(format!(
            "the database is at schema version {found}, newer than this kuaibao-server's ({ours}): use the \
             kuaibao-server that serves it, or a newer one"
        )));
    }
    if want == Schema::Same && found < ours {
        return Err(BackupError::Refused(format!(
            "the database is at schema version {found}, older than this kuaibao-server's ({ours}): back up with \
             the kuaibao-server that serves it (this one would upgrade the database under it); the new one \
             upgrades it when it starts"
        )));
    }
    Ok(())
}

/// Notes the backup in the audit log, with its counts: who holds a copy of
/// the reports is the office's business, as with every export.
async fn audit_backup(pool: &Pool, backed_up: &BackedUp) -> Result<(), BackupError> {
    let counts: serde_json::Map<String, serde_json::Value> = backed_up
        .manifest
        .counts
        .named()
        .into_iter()
        .map(|(name, n)| (name.to_owned(), n.into()))
        .collect();
    db::audit::note(
        pool,
        &Actor::command_line(),
        "server.backup",
        &backed_up.dir.display().to_string(),
        serde_json::json!({
            "created_at": backed_up.manifest.created_at,
            "counts": counts,
            "photos": backed_up.manifest.photos.len(),
        }),
    )
    .await?;
    Ok(())
}

/// Removes everything in `dir`, which was empty when the backup began.
fn empty_out(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

async fn backup_from(
    config: &Config,
    pool: &Pool,
    backend: db::Backend,
    dir: &Path,
    created_at: DateTime<Utc>,
) -> Result<BackedUp, BackupError> {
    // The database first: see the module's comment.
    let (database, counts, arrived) = match backend {
        db::Backend::Sqlite => {
            let snapshot = dir.join(DB_FILE);
            let target = snapshot.to_str().ok_or_else(|| {
                BackupError::Refused(format!(
                    "{}: SQLite takes only UTF-8 file names; choose another folder",
                    snapshot.display()
                ))
            })?;
            // The file name is bound, not spliced into the SQL: any quote
            // in it stays part of the name.
            sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await?;
            // SQLite does not sync what VACUUM INTO writes.
            storage::sync_file_and_dir(&snapshot)?;
            let (counts, arrived) = read_snapshot(&snapshot).await?;
            let (size, sha256) = hash_file(snapshot.clone()).await?;
            let file = DatabaseFile {
                file: DB_FILE.to_owned(),
                size,
                sha256,
            };
            (Some(file), counts, arrived)
        }
        db::Backend::Postgres => (None, count(pool).await?, fsck::arrived_photos(pool).await?),
    };

    let store = startup::photo_store(config)?;
    let copy = PhotoStore::local(dir)?;
    let mut photos = Vec::new();
    let mut damaged = Vec::new();
    let mut photo_bytes = 0;
    for key in fsck::photo_keys(&store).await? {
        // Gone since listed: only `fsck` removes objects (quarantine).
        let Some(bytes) = store.get(&key).await? else {
            continue;
        };
        match fsck::rehash(&key, &bytes) {
            Rehashed::Intact { sha256 } => {
                let size = bytes.len() as u64;
                copy.put(&key, bytes).await?;
                photo_bytes += size;
                photos.push(PhotoObject { key, size, sha256 });
            }
            Rehashed::Damaged { sha256 } => {
                tracing::warn!(%key, %sha256, "a stored photo does not match its name: not backed up");
                damaged.push(key);
            }
        }
    }
    let copied: HashSet<&str> = photos.iter().map(|p| p.key.as_str()).collect();
    let missing = arrived
        .into_iter()
        .filter(|(_, key)| !copied.contains(key.as_str()))
        .map(|(photo_id, key)| MissingPhoto { photo_id, key })
        .collect();

    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: FORMAT_VERSION,
        created_at,
        backend: backend.into(),
        database,
        counts,
        photos,
        damaged,
        missing,
    };
    let path = dir.join(MANIFEST_FILE);
    let text = serde_json::to_vec_pretty(&manifest).map_err(|source| BackupError::Manifest {
        path: path.clone(),
        source,
    })?;
    storage::write_durably(&path, &text)?;
    Ok(BackedUp {
        dir: dir.to_owned(),
        manifest,
        photo_bytes,
    })
}

/// The counts and arrived photos of the SQLite snapshot at `file`, opened
/// read-only: its bytes are hashed afterwards and must stay as written.
async fn read_snapshot(file: &Path) -> Result<(Counts, Vec<(String, String)>), BackupError> {
    let pool = open_read_only(file).await?;
    let read = async {
        let counts = count(&pool).await?;
        let arrived = fsck::arrived_photos(&pool).await?;
        Ok::<_, StoreError>((counts, arrived))
    }
    .await;
    pool.close().await;
    Ok(read?)
}

/// The SQLite database at `file`, read-only: nothing written beside it.
async fn open_read_only(file: &Path) -> Result<Pool, BackupError> {
    let url = format!("{}?mode=ro", sqlite_file_url(file)?);
    sqlx::any::install_default_drivers();
    Ok(sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await?)
}

/// `sqlite://` and the path of `file`, with the characters a URL would
/// read as its own (`%`, `?`, `#`) escaped: sqlx decodes them again.
fn sqlite_file_url(file: &Path) -> Result<String, BackupError> {
    let text = file
        .to_str()
        .ok_or_else(|| BackupError::Refused(format!("{}: not a UTF-8 file name", file.display())))?;
    let mut url = String::from("sqlite://");
    for c in text.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            c => url.push(c),
        }
    }
    Ok(url)
}

/// The size and SHA-256 of a file, read in pieces: a database may not fit
/// in memory.
async fn hash_file(path: PathBuf) -> Result<(u64, String), BackupError> {
    tokio::task::spawn_blocking(move || storage::hash_file(&path).map_err(io_error(&path)))
        .await
        .map_err(|e| BackupError::Refused(format!("hashing did not finish: {e}")))?
}

/// `dir`, made if missing, absolute; refused unless empty.
fn empty_dir(dir: &Path) -> Result<PathBuf, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BackupError::Refused(format!(
                    "{} is not empty: a backup goes into a new or empty folder",
                    dir.display()
                )));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(dir)(e)),
    }
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    // The copy holds password hashes and every report: for the server's
    // user alone (refused where that user does not own the folder).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_error(dir))?;
    }
    dir.canonicalize().map_err(io_error(dir))
}

fn configured_backend(config: &Config) -> Result<db::Backend, BackupError> {
    db::Backend::of_url(&config.database_url())
        .ok_or_else(|| BackupError::Refused("DATABASE_URL is not a sqlite: or postgres:// URL".to_owned()))
}

/// What `restore` did and found.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    /// The photos' bytes, together.
    pub photo_bytes: u64,
    /// Rows of the restored database, after its migrations.
    pub counts: Counts,
    /// `fsck` on the restored store.
    pub findings: Findings,
    /// Where the restored data differs from the backup, each naming what;
    /// empty when the restore is exact.
    pub problems: Vec<String>,
    /// What is short of the manifest without being wrong (PostgreSQL: rows
    /// stored between `pg_dump` and `backup`; photos the backup lacked).
    pub notes: Vec<String>,
}

/// Restores the backup in `dir` into the data dir (SQLite), or completes
/// the database `pg_restore` filled (PostgreSQL), then checks the result.
/// Refuses a data dir that already has a database, and any photo or file
/// that is not as the manifest says.
pub async fn restore(config: &Config, dir: &Path) -> Result<Restored, BackupError> {
    let dir = dir.canonicalize().map_err(io_error(dir))?;
    let manifest = read_manifest(&dir)?;
    let backend = configured_backend(config)?;
    if Backend::from(backend) != manifest.backend {
        return Err(BackupError::Refused(format!(
            "{} is a backup of a {} database, but the server is set up for {} (DATABASE_URL)",
            dir.display(),
            manifest.backend,
            Backend::from(backend)
        )));
    }
    // Checked before anything is written.
    let database = match backend {
        db::Backend::Sqlite => Some(sqlite_target(config, &dir, &manifest).await?),
        db::Backend::Postgres => {
            expect_pg_restored(config).await?;
            None
        }
    };
    std::fs::create_dir_all(&config.data_dir).map_err(io_error(&config.data_dir))?;

    let backup_store = PhotoStore::local(&dir)?;
    let store = startup::photo_store(config)?;
    // A store with photos of its own is some server's, not one to restore
    // into. Photos of this backup are let be: a restore refused half-way
    // leaves them, and is run again.
    let in_backup: HashSet<&str> = manifest.photos.iter().map(|p| p.key.as_str()).collect();
    if let Some(stray) = fsck::photo_keys(&store)
        .await?
        .into_iter()
        .find(|key| !in_backup.contains(key.as_str()))
    {
        return Err(BackupError::Refused(format!(
            "the photo store ({store:?}) already holds {stray}, which is not in this backup: restore into an empty one"
        )));
    }
    let mut photo_bytes = 0;
    for photo in &manifest.photos {
        let bytes = backup_store.get(&photo.key).await?.ok_or_else(|| {
            BackupError::Refused(format!(
                "photo {} is in the manifest but not in the backup ({})",
                photo.key,
                dir.join(&photo.key).display()
            ))
        })?;
        let size = bytes.len() as u64;
        let intact = matches!(fsck::rehash(&photo.key, &bytes), Rehashed::Intact { sha256 } if sha256 == photo.sha256);
        if !intact || size != photo.size {
            return Err(BackupError::Refused(format!(
                "photo {} in the backup is damaged: {size} bytes with SHA-256 {}, the manifest says {} bytes with \
                 SHA-256 {}",
                photo.key,
                storage::hex_sha256(&bytes),
                photo.size,
                photo.sha256
            )));
        }
        store.put(&photo.key, bytes).await?;
        photo_bytes += size;
    }
    if let Some((from, to)) = database {
        tokio::task::spawn_blocking(move || storage::copy_durably(&from, &to))
            .await
            .map_err(|e| BackupError::Refused(format!("copying the database did not finish: {e}")))??;
    }

    let pool = startup::open_database(config).await?;
    let checked = async {
        let counts = count(&pool).await?;
        let findings = fsck::check(&pool, &store, &Actor::command_line(), chrono::Utc::now()).await?;
        // Counted first: the manifest's counts are the backup's. Then noted,
        // so that phones send again what the server received after the
        // backup, and no receipt number is handed out twice.
        let restore = Restore {
            restored_at: Utc::now(),
            backup_made_at: db::restores::lacks_from(&pool, manifest.created_at).await?,
        };
        db::restores::record(&pool, backend, &restore, manifest.created_at).await?;
        Ok::<_, BackupError>((counts, findings))
    }
    .await;
    pool.close().await;
    let (counts, findings) = checked?;
    let (problems, notes) = compare(&manifest, &counts, &findings);
    Ok(Restored {
        manifest,
        photo_bytes,
        counts,
        findings,
        problems,
        notes,
    })
}

/// Reads and checks `dir/manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST_FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(BackupError::Refused(format!(
                "{} has no {MANIFEST_FILE}: not a backup, or one that did not finish",
                dir.display()
            )))
        }
        Err(e) => return Err(io_error(&path)(e)),
    };
    // The format first, so another file is named as such rather than by
    // its first missing field.
    let head: serde_json::Value = serde_json::from_slice(&text).map_err(|source| BackupError::Manifest {
        path: path.clone(),
        source,
    })?;
    if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(BackupError::Refused(format!(
            "{}: not a {FORMAT} manifest",
            path.display()
        )));
    }
    let version = head.get("version").and_then(|v| v.as_u64());
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(BackupError::Refused(format!(
            "{}: format version {}, this server reads version {FORMAT_VERSION}",
            path.display(),
            version.map_or_else(|| "missing".to_owned(), |v| v.to_string())
        )));
    }
    serde_json::from_value(head).map_err(|source| BackupError::Manifest { path, source })
}

/// Where the SQLite snapshot goes and comes from, once both are checked:
/// the data dir has no database yet, and the backup's file is the one the
/// manifest describes.
async fn sqlite_target(config: &Config, dir: &Path, manifest: &Manifest) -> Result<(PathBuf, PathBuf), BackupError> {
    if config.database_url.is_some() {
        return Err(BackupError::Refused(
            "a SQLite backup is restored into KUAIBAO_DATA_DIR: unset DATABASE_URL".to_owned(),
        ));
    }
    let to = config.data_dir.join(DB_FILE);
    if to.exists() {
        return Err(BackupError::Refused(format!(
            "{} already exists: restore into an empty data dir (KUAIBAO_DATA_DIR)",
            to.display()
        )));
    }
    let Some(file) = &manifest.database else {
        return Err(BackupError::Refused(format!(
            "{}: the manifest names no database file",
            dir.join(MANIFEST_FILE).display()
        )));
    };
    // A name, not a path: the manifest is data and must not point
    // anywhere outside the backup.
    if file.file != DB_FILE {
        return Err(BackupError::Refused(format!(
            "{}: the database file is `{}`, expected {DB_FILE}",
            dir.join(MANIFEST_FILE).display(),
            file.file
        )));
    }
    let from = dir.join(DB_FILE);
    let (size, sha256) = hash_file(from.clone()).await?;
    if size != file.size || sha256 != file.sha256 {
        return Err(BackupError::Refused(format!(
            "the database {} in the backup is damaged: {size} bytes with SHA-256 {sha256}, the manifest says {} \
             bytes with SHA-256 {}",
            from.display(),
            file.size,
            file.sha256
        )));
    }
    // Before anything is written: a database this binary cannot migrate
    // would be copied in and then refused, leaving the data dir taken.
    let snapshot = open_read_only(&from).await?;
    let schema = expect_schema(&snapshot, db::Backend::Sqlite, Schema::NotNewer).await;
    snapshot.close().await;
    schema?;
    // Absolute: a relative data dir would leave the file's folder empty.
    let data_dir = std::path::absolute(&config.data_dir).map_err(io_error(&config.data_dir))?;
    Ok((from, data_dir.join(DB_FILE)))
}

/// On PostgreSQL the operator restores the dump first; a database without
/// the tables means that step was missed (migrations would make empty ones
/// and the counts would only disagree later).
async fn expect_pg_restored(config: &Config) -> Result<(), BackupError> {
    let pool = db::open(&config.database_url(), config.db_busy_timeout).await?;
    let found: Result<(i64,), sqlx::Error> = sqlx::query_as(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name IN ('reports', '_sqlx_migrations')",
    )
    .fetch_one(&pool)
    .await;
    let checked = match found {
        Ok((n,)) if n < 2 => Err(BackupError::Refused(
            "the database of DATABASE_URL has no Kuaibao tables: restore the dump into it first \
             (pg_restore --no-owner -d …, see docs/operations.md)"
                .to_owned(),
        )),
        Ok(_) => expect_schema(&pool, db::Backend::Postgres, Schema::NotNewer).await,
        Err(e) => Err(e.into()),
    };
    pool.close().await;
    checked
}

/// The restored counts and store against the manifest: (problems, notes).
fn compare(manifest: &Manifest, counts: &Counts, findings: &Findings) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    for ((name, want), (_, got)) in manifest.counts.named().into_iter().zip(counts.named()) {
        match manifest.backend {
            Backend::Sqlite if got != want => {
                problems.push(format!("{name}: the restored database has {got}, the backup {want}"));
            }
            // The dump was made before the backup started, so it holds at
            // most what the database held then.
            Backend::Postgresql if got > want => problems.push(format!(
                "{name}: the restored database has {got}, more than the {want} when the backup started: was the \
                 dump made after the backup? Photos that arrived in between are not in it"
            )),
            Backend::Postgresql if got < want => notes.push(format!(
                "{name}: {got}, {} fewer than when the backup started (stored between pg_dump and the backup)",
                want - got
            )),
            _ => {}
        }
    }
    for (key, moved) in &findings.quarantined {
        problems.push(format!(
            "photo {key} in the restored store is damaged (moved to {moved})"
        ));
    }
    let known_missing: HashSet<&str> = manifest.missing.iter().map(|m| m.key.as_str()).collect();
    for (photo, key) in &findings.missing {
        if known_missing.contains(key.as_str()) {
            notes.push(format!(
                "photo {photo} ({key}) has arrived but its bytes were not in the store when the backup was taken"
            ));
        } else {
            problems.push(format!(
                "photo {photo} ({key}) has arrived but its bytes are not in the restored store"
            ));
        }
    }
    (problems, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(backend: Backend, counts: Counts) -> Manifest {
        Manifest {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            created_at: Utc::now(),
            backend,
            database: None,
            counts,
            photos: Vec::new(),
            damaged: Vec::new(),
            missing: Vec::new(),
        }
    }

    #[test]
    fn the_manifest_names_its_format_and_backend() {
        let m = manifest(Backend::Postgresql, Counts::default());
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["format"], FORMAT);
        assert_eq!(json["version"], 1);
        assert_eq!(json["backend"], "postgresql");
        assert!(json["created_at"].as_str().expect("text").ends_with('Z'));
        assert_eq!(json["counts"]["follow_up_requests"], 0);
        let back: Manifest = serde_json::from_value(json).expect("back");
        assert_eq!(back, m);
    }

    #[test]
    fn a_manifest_of_another_format_or_version_is_refused() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let write = |value: serde_json::Value| {
            std::fs::write(dir.path().join(MANIFEST_FILE), value.to_string()).expect("write");
        };
        let message = || read_manifest(dir.path()).expect_err("refused").to_string();
        assert!(message().contains("has no manifest.json"), "{}", message());
        write(serde_json::json!({ "format": "tarball" }));
        assert!(message().contains("not a kuaibao-backup manifest"), "{}", message());
        write(serde_json::json!({ "format": FORMAT, "version": 2 }));
        assert!(message().contains("format version 2"), "{}", message());
        let good = manifest(Backend::Sqlite, Counts::default());
        write(serde_json::to_value(&good).expect("json"));
        assert_eq!(read_manifest(dir.path()).expect("read"), good);
    }

    #[test]
    fn a_backup_goes_into_a_new_or_empty_folder() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let new = dir.path().join("new");
        assert!(empty_dir(&new).expect("made").is_dir());
        assert!(empty_dir(&new).is_ok(), "empty is fine");
        std::fs::write(new.join("x"), b"x").expect("write");
        let refused = empty_dir(&new).expect_err("not empty").to_string();
        assert!(refused.contains(&new.display().to_string()), "{refused}");
    }

    #[test]
    fn odd_characters_in_a_path_stay_in_the_name() {
        let url = sqlite_file_url(Path::new("/b/50%?#/k.sqlite3")).expect("utf-8");
        assert_eq!(url, "sqlite:///b/50%25%3F%23/k.sqlite3");
    }

    #[test]
    fn a_manifest_from_before_signatures_reads_them_as_none() {
        let old = r#"{"reports":3,"photos_arrived":1,"photos_announced":2,"users":2,"areas":4,"audit":9,"acknowledgements":1,"follow_up_requests":0}"#;
        let counts: Counts = serde_json::from_str(old).expect("an old manifest's counts");
        assert_eq!((counts.reports, counts.signatures, counts.duty_phones), (3, 0, 0));
    }

    #[test]
    fn counts_must_match_exactly_on_sqlite_and_at_most_on_postgresql() {
        let backed = Counts {
            reports: 10,
            audit: 30,
            ..Counts::default()
        };
        let fewer = Counts { reports: 9, ..backed };
        let more = Counts { audit: 31, ..backed };
        let clean = Findings::default();
        let unsigned = Counts {
            signatures: 1,
            ..backed
        };
        let (problems, _) = compare(&manifest(Backend::Sqlite, unsigned), &backed, &clean);
        assert_eq!(
            problems,
            vec!["signatures: the restored database has 0, the backup 1"],
            "a signing lost in the restore is named"
        );
        let (problems, _) = compare(&manifest(Backend::Sqlite, backed), &fewer, &clean);
        assert_eq!(problems, vec!["reports: the restored database has 9, the backup 10"]);
        assert!(compare(&manifest(Backend::Sqlite, backed), &backed, &clean)
            .0
            .is_empty());
        let (problems, notes) = compare(&manifest(Backend::Postgresql, backed), &fewer, &clean);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(notes[0].starts_with("reports: 9, 1 fewer"), "{notes:?}");
        let (problems, _) = compare(&manifest(Backend::Postgresql, backed), &more, &clean);
        assert!(
            problems[0].starts_with("audit rows: the restored database has 31"),
            "{problems:?}"
        );
    }

    #[test]
    fn photos_missing_since_the_backup_are_noted_others_are_problems() {
        let mut m = manifest(Backend::Sqlite, Counts::default());
        m.missing.push(MissingPhoto {
            photo_id: "p1".into(),
            key: "photos/aa/a".into(),
        });
        let findings = Findings {
            checked: 0,
            quarantined: Vec::new(),
            missing: vec![("p1".into(), "photos/aa/a".into()), ("p2".into(), "photos/bb/b".into())],
            ..Findings::default()
        };
        let (problems, notes) = compare(&m, &Counts::default(), &findings);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("photo p2"), "{problems:?}");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("photo p1"), "{notes:?}");
    }
}
