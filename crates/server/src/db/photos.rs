//! Photos (one row per photo a report announces, see migrations/0003) and
//! the tus uploads that bring their bytes.

use chrono::{DateTime, SecondsFormat, Utc};
use kuaibao_core::photo::PhotoRef;
use kuaibao_core::{PhotoId, Report};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{self, Actor};
use super::reports::Scope;
use super::{Pool, StoreError, Tx};

/// Times as stored: microseconds and `Z`, fixed width, so text order is
/// time order.
pub fn db_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// How many photos a report announces and how many have arrived. A report
/// is complete when all its photos arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoCount {
    pub expected: u32,
    pub arrived: u32,
}

impl PhotoCount {
    pub fn complete(&self) -> bool {
        self.arrived >= self.expected
    }
}

/// One photo of a report as `GET /api/reports/{id}/photos` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoStatus {
    pub photo_id: PhotoId,
    pub blank: String,
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    /// When the server first held an exact copy; `None` while awaited.
    pub arrived_at: Option<DateTime<Utc>>,
}

/// The photos of one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPhotos {
    pub expected: u32,
    pub arrived: u32,
    pub photos: Vec<PhotoStatus>,
}

/// A photo's row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub photo_id: String,
    pub report_id: String,
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub arrived_at: Option<String>,
    pub storage_key: Option<String>,
}

/// The photo rows for a report being stored for the first time, inside the
/// transaction that stores it (whose report row, by `author_id`, is in
/// already). A photo id already announced by another record keeps its row
/// if it names the same bytes, type and blank and that record has the same
/// author (a 续报
/// carries its 首报's photos on); otherwise `Err(id)`: the record must be
/// refused. One id names one photo of one sender: announcing someone else's
/// photo id must not make her photo count as this record's, nor make its
/// bytes readable to whoever may read this record.
pub(super) async fn insert_manifest(
    tx: &mut Tx<'_>,
    report: &Report,
    author_id: &str,
) -> Result<Result<(), PhotoId>, StoreError> {
    let report_id = report.id.to_string();
    // In photo-id order: two records announcing the same new photos in
    // opposite orders would each wait for the other's uncommitted row, a
    // deadlock on PostgreSQL.
    let mut photos: Vec<&PhotoRef> = report.photos.iter().collect();
    photos.sort_by_key(|photo| photo.id);
    for photo in photos {
        let id = photo.id.to_string();
        sqlx::query(
            "INSERT INTO photos (photo_id, report_id, blank, sha256, size, mime, taken_at, lat, lon) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (photo_id) DO NOTHING",
        )
        .bind(&id)
        .bind(&report_id)
        .bind(&photo.blank)
        .bind(&photo.sha256)
        .bind(size_i64(photo))
        .bind(&photo.mime)
        // As the body writes it, so rows made here and by migration 0003's
        // backfill (which copies the body's text) read alike.
        .bind(photo.taken_at.and_then(|t| match serde_json::to_value(t) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }))
        .bind(photo.lat)
        .bind(photo.lon)
        .execute(&mut **tx)
        .await?;
        let (sha256, size, mime, blank, first_author): (String, i64, String, String, Option<String>) = sqlx::query_as(
            "SELECT p.sha256, p.size, p.mime, p.blank, r.author_id FROM photos AS p \
             JOIN reports AS r ON r.id = p.report_id WHERE p.photo_id = $1",
        )
        .bind(&id)
        .fetch_one(&mut **tx)
        .await?;
        // The type and the blank are what the evidence rules count: a clip
        // announced again as a picture must not pass for one.
        if sha256 != photo.sha256
            || size != size_i64(photo)
            || mime != photo.mime
            || blank != photo.blank
            || first_author.as_deref() != Some(author_id)
        {
            return Ok(Err(photo.id));
        }
        sqlx::query("INSERT INTO report_photos (report_id, photo_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&report_id)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Ok(()))
}

fn size_i64(photo: &PhotoRef) -> i64 {
    i64::try_from(photo.size).unwrap_or(i64::MAX)
}

/// The photos announced before `before` that never arrived, as (photo,
/// record, when announced), oldest first: announced when their record
/// arrived, or for a 短信首报 when the app's copy completed it (the text
/// carries no photos).
pub async fn never_arrived_since(
    pool: &Pool,
    before: DateTime<Utc>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT p.photo_id, p.report_id, COALESCE(c.received_at, r.received_at) AS announced \
         FROM photos AS p JOIN reports AS r ON r.id = p.report_id \
         LEFT JOIN report_completions AS c ON c.report_id = r.id \
         WHERE p.arrived_at IS NULL AND COALESCE(c.received_at, r.received_at) < $1 \
         ORDER BY announced, p.photo_id",
    )
    .bind(db_time(before))
    .fetch_all(pool)
    .await?)
}

/// The row of photo `id`.
pub async fn photo(pool: &Pool, id: &str) -> Result<Option<PhotoRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT photo_id, report_id, sha256, size, mime, arrived_at, storage_key FROM photos WHERE photo_id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// Where the bytes with this SHA-256 are stored, if some photo with them
/// has arrived.
pub async fn stored_key(pool: &Pool, sha256: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT storage_key FROM photos WHERE sha256 = $1 AND arrived_at IS NOT NULL ORDER BY arrived_at LIMIT 1",
    )
    .bind(sha256)
    .fetch_optional(pool)
    .await?)
}

/// Whether a record sent by `user_id` names photo `photo_id`: only its
/// reporter uploads a photo. Records stored before accounts existed have
/// no author; their photos may come from any account (the bytes must still
/// be the ones the manifest's SHA-256 names).
pub async fn sent_by(pool: &Pool, photo_id: &str, user_id: &str) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM report_photos AS m JOIN reports AS r ON r.id = m.report_id \
         WHERE m.photo_id = $1 AND (r.author_id = $2 OR r.author_id IS NULL) LIMIT 1",
    )
    .bind(photo_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// Whether some record in `scope` names a photo with these bytes that has
/// arrived: its own upload brought them. Announcing a hash is no proof of
/// holding the bytes, so a record whose photo is still awaited opens
/// nothing, whatever other photo has the same bytes.
pub async fn visible(pool: &Pool, sha256: &str, scope: &Scope) -> Result<bool, StoreError> {
    let (visible, param) = scope.condition(2);
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT 1 FROM photos AS p JOIN report_photos AS m ON m.photo_id = p.photo_id \
         JOIN reports AS r ON r.id = m.report_id \
         WHERE p.sha256 = $1 AND p.arrived_at IS NOT NULL AND {visible} LIMIT 1"
    ))
    .bind(sha256)
    .bind(param)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// The status of each photo `report` announces, in manifest order.
pub async fn of_report(pool: &Pool, report: &Report) -> Result<ReportPhotos, StoreError> {
    let mut photos = Vec::with_capacity(report.photos.len());
    for p in &report.photos {
        let arrived: Option<String> =
            sqlx::query_scalar("SELECT arrived_at FROM photos WHERE photo_id = $1 AND arrived_at IS NOT NULL")
                .bind(p.id.to_string())
                .fetch_optional(pool)
                .await?;
        let arrived_at = arrived
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::Corrupt {
                        id: p.id.to_string(),
                        reason: format!("arrived_at: {e}"),
                    })
            })
            .transpose()?;
        photos.push(PhotoStatus {
            photo_id: p.id,
            blank: p.blank.clone(),
            sha256: p.sha256.clone(),
            size: p.size,
            mime: p.mime.clone(),
            arrived_at,
        });
    }
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(ReportPhotos {
        expected: count(photos.len()),
        arrived: count(photos.iter().filter(|p| p.arrived_at.is_some()).count()),
        photos,
    })
}

// ---------------------------------------------------------------------------
// Uploads.

/// An upload's row. `received` is tus's `Upload-Offset`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UploadRow {
    pub upload_id: String,
    pub photo_id: String,
    pub length: i64,
    pub received: i64,
    pub expires_at: String,
}

impl UploadRow {
    pub fn complete(&self) -> bool {
        self.received == self.length
    }

    /// Unfinished and past its expiry.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        !self.complete() && self.expires_at < db_time(now)
    }

    pub fn expires(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.expires_at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

const UPLOAD_COLUMNS: &str = "upload_id, photo_id, length, received, expires_at";

pub async fn upload(pool: &Pool, upload_id: &str) -> Result<Option<UploadRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE upload_id = $1"))
            .bind(upload_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// An upload of photo `photo_id` still usable at `now`: a complete one, or
/// else an unfinished one not expired (the newest).
pub async fn usable_upload_of(
    pool: &Pool,
    photo_id: PhotoId,
    now: DateTime<Utc>,
) -> Result<Option<UploadRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads \
         WHERE photo_id = $1 AND (received = length OR expires_at >= $2) \
         ORDER BY received = length DESC, created_at DESC LIMIT 1"
    ))
    .bind(photo_id.to_string())
    .bind(db_time(now))
    .fetch_optional(pool)
    .await?)
}

/// How many unfinished, unexpired uploads there are of photos that records
/// of `user_id` announce.
pub async fn unfinished_uploads_of(pool: &Pool, user_id: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM uploads AS u JOIN photos AS p ON p.photo_id = u.photo_id \
         JOIN reports AS r ON r.id = p.report_id \
         WHERE r.author_id = $1 AND u.received < u.length AND u.expires_at >= $2",
    )
    .bind(user_id)
    .bind(db_time(now))
    .fetch_one(pool)
    .await?)
}

pub async fn create_upload(pool: &Pool, row: &UploadRow, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO uploads (upload_id, photo_id, length, received, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.upload_id)
    .bind(&row.photo_id)
    .bind(row.length)
    .bind(row.received)
    .bind(db_time(now))
    .bind(&row.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Moves the offset of an unfinished upload from `from` to `to` (< length)
/// and its expiry to `expires_at`; false if the row is gone or moved.
pub async fn advance(pool: &Pool, upload_id: &str, from: i64, to: i64, expires_at: &str) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE uploads SET received = $1, expires_at = $2 WHERE upload_id = $3 AND received = $4 AND $5 < length",
    )
    .bind(to)
    .bind(expires_at)
    .bind(upload_id)
    .bind(from)
    .bind(to)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves the offset of an unfinished upload back from `from` to `to`, for
/// a file found holding fewer bytes than the offset says (see
/// `Uploads::heal`); false if the row is gone or moved.
pub async fn rewind(pool: &Pool, upload_id: &str, from: i64, to: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE uploads SET received = $1 WHERE upload_id = $2 AND received = $3 AND $4 < received \
         AND received < length",
    )
    .bind(to)
    .bind(upload_id)
    .bind(from)
    .bind(to)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the photo arrived (unless it already had) and the upload complete,
/// together. Returns whether this call made the photo arrive.
pub async fn arrive(
    pool: &Pool,
    actor: &Actor,
    upload_id: &str,
    photo_id: &str,
    storage_key: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let arrived =
        sqlx::query("UPDATE photos SET arrived_at = $1, storage_key = $2 WHERE photo_id = $3 AND arrived_at IS NULL")
            .bind(db_time(now))
            .bind(storage_key)
            .bind(photo_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
    sqlx::query("UPDATE uploads SET received = length WHERE upload_id = $1")
        .bind(upload_id)
        .execute(&mut *tx)
        .await?;
    if arrived {
        audit::record(&mut tx, actor, "photo.arrive", photo_id, json!({ "upload": upload_id })).await?;
    }
    tx.commit().await?;
    Ok(arrived)
}

/// Deletes an upload's row; false if there was none.
pub async fn delete_upload(pool: &Pool, upload_id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM uploads WHERE upload_id = $1")
        .bind(upload_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Uploads whose expiry is before `now`, finished or not (a finished one
/// is only a pointer to a stored photo, kept a while for clients that ask).
pub async fn expired_uploads(pool: &Pool, now: DateTime<Utc>) -> Result<Vec<UploadRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE expires_at < $1"))
            .bind(db_time(now))
            .fetch_all(pool)
            .await?,
    )
}

/// The ids of every upload.
pub async fn upload_ids(pool: &Pool) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT upload_id FROM uploads")
        .fetch_all(pool)
        .await?)
}
