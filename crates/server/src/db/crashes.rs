//! Crash reports from the phones (see migrations/*/0011_crash_reports.sql
//! and `kuaibao_core::wire::crash`): stored once by their phone-made id, at most
//! so many per account an hour, audited, never changed.

use chrono::{Duration, Utc};
use kuaibao_core::wire::crash::{BuildCount, CrashKind, CrashList, CrashReport, StoredCrash};
use kuaibao_core::wire::page::PageQuery;
use serde_json::json;
use sqlx::Connection;
use uuid::Uuid;

use super::audit::{self, Actor};
use super::office::{parse_time, Kept};
use super::photos::db_time;
use super::{Pool, StoreError};

/// What became of a crash report sent.
#[derive(Debug)]
pub enum Stored {
    /// Kept: new, a replay, or its id taken by other content.
    Kept(Kept<()>),
    /// Not stored: the account has stored its hourly bound; one more may
    /// be stored after this long.
    OverBound(Duration),
}

/// Stores `report` from `actor` (of area `area_id`) unless its id is
/// stored already or the account has stored `per_hour` in the last hour.
/// A replay of a stored id is answered as such whatever the bound. The id's
/// UNIQUE decides between concurrent sends; the bound may be passed by the
/// few sends that race for its last place (on PostgreSQL).
pub async fn store(
    pool: &Pool,
    actor: &Actor,
    area_id: &str,
    report: &CrashReport,
    per_hour: i64,
) -> Result<Stored, StoreError> {
    let account = actor.user_id.as_deref().unwrap_or_default();
    let device = actor.device_id.as_deref().unwrap_or_default();
    let id = report.id.to_string();
    let now = Utc::now();
    let mut conn = pool.acquire().await?;
    if let Some(kept) = replay(&mut conn, &id, account, report).await? {
        return Ok(Stored::Kept(kept));
    }
    let since = db_time(now - Duration::hours(1));
    let recent: Vec<(String,)> = sqlx::query_as(
        "SELECT received_at FROM crash_reports WHERE account_id = $1 AND received_at > $2 \
         ORDER BY received_at LIMIT $3",
    )
    .bind(account)
    .bind(&since)
    .bind(per_hour)
    .fetch_all(&mut *conn)
    .await?;
    if recent.len() as i64 >= per_hour {
        // The oldest of the hour leaves the window an hour after it came.
        let oldest = recent
            .first()
            .map(|(at,)| parse_time(&id, at))
            .transpose()?
            .unwrap_or(now);
        return Ok(Stored::OverBound(
            (oldest + Duration::hours(1) - now).max(Duration::seconds(1)),
        ));
    }
    let mut tx = conn.begin().await?;
    let new: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO crash_reports \
         (id, account_id, area_id, device_id, build, page, kind, message, happened_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING seq",
    )
    .bind(&id)
    .bind(account)
    .bind(area_id)
    .bind(device)
    .bind(&report.build)
    .bind(&report.page)
    .bind(report.kind.code())
    .bind(&report.message)
    .bind(db_time(report.at))
    .bind(db_time(now))
    .fetch_optional(&mut *tx)
    .await?;
    if new.is_some() {
        audit::record(
            &mut tx,
            actor,
            "crash.report",
            &id,
            json!({ "build": report.build, "kind": report.kind.code(), "page": report.page }),
        )
        .await?;
    }
    tx.commit().await?;
    if new.is_some() {
        return Ok(Stored::Kept(Kept::Created(())));
    }
    // Stored by a concurrent send between the two statements.
    Ok(Stored::Kept(
        replay(&mut conn, &id, account, report).await?.unwrap_or(Kept::Conflict),
    ))
}

/// What a send of the stored id `id` is: the same again (`Replayed`), or
/// other content (`Conflict`); `None` when the id is not stored.
async fn replay(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    account: &str,
    report: &CrashReport,
) -> Result<Option<Kept<()>>, StoreError> {
    let row: Option<(String, String, String, String, String, String)> =
        sqlx::query_as("SELECT account_id, build, page, kind, message, happened_at FROM crash_reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(by, build, page, kind, message, at)| {
        let same = by == account
            && build == report.build
            && page == report.page
            && kind == report.kind.code()
            && message == report.message
            && at == db_time(report.at);
        if same {
            Kept::Replayed(())
        } else {
            Kept::Conflict
        }
    }))
}

/// The crash reports of accounts whose area was `$1` or below.
// substr/length rather than LIKE: area codes may contain `_`.
const IN_AREA: &str = "EXISTS (SELECT 1 FROM areas AS a WHERE a.id = c.area_id \
                       AND substr(a.path, 1, length($1)) = $1)";

/// The statement of [`list`]'s page: `$1` the area's path, `$2` the key
/// to start before, `$3` the rows to read.
pub fn page_sql() -> String {
    format!(
        "SELECT c.seq, c.id, c.build, c.page, c.kind, c.message, c.happened_at, c.received_at, c.device_id, \
         u.username, u.display_name FROM crash_reports AS c JOIN users AS u ON u.id = c.account_id \
         WHERE c.seq < $2 AND {IN_AREA} ORDER BY c.seq DESC LIMIT $3"
    )
}

/// How many builds the first page of crashes counts, latest first: a
/// deployment ships a build a week or so, so this is years of them, and
/// the count stays bounded however long the server runs.
pub const BUILDS_LISTED: i64 = 200;

/// One page of the crash reports of accounts whose area was `area_path` or
/// below when they sent them, newest first (by `seq`, before
/// `page.after`), and the key of its last row if more follow. The first
/// page also counts each build's crashes, latest first; later pages leave
/// the counts empty.
pub async fn list(pool: &Pool, area_path: &str, page: PageQuery) -> Result<(CrashList, Option<i64>), StoreError> {
    let builds = if page.after.is_none() {
        let builds: Vec<(String, i64, String)> = sqlx::query_as(&format!(
            "SELECT c.build, COUNT(*), MAX(c.received_at) AS last FROM crash_reports AS c WHERE {IN_AREA} \
             GROUP BY c.build ORDER BY last DESC, c.build LIMIT $2"
        ))
        .bind(area_path)
        .bind(BUILDS_LISTED)
        .fetch_all(pool)
        .await?;
        builds
            .into_iter()
            .map(|(build, count, last)| {
                Ok(BuildCount {
                    last_received_at: parse_time(&build, &last)?,
                    build,
                    count,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?
    } else {
        Vec::new()
    };
    #[derive(sqlx::FromRow)]
    struct Keyed {
        seq: i64,
        #[sqlx(flatten)]
        row: Row,
    }
    let rows: Vec<Keyed> = sqlx::query_as(&page_sql())
        .bind(area_path)
        .bind(page.after.unwrap_or(i64::MAX))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(pool)
        .await?;
    let more = rows.len() > page.limit as usize;
    let mut last = None;
    let mut latest = Vec::with_capacity(rows.len());
    for keyed in rows.into_iter().take(page.limit as usize) {
        last = Some(keyed.seq);
        latest.push(keyed.row.decode()?);
    }
    Ok((CrashList { builds, latest }, last.filter(|_| more)))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    build: String,
    page: String,
    kind: String,
    message: String,
    happened_at: String,
    received_at: String,
    device_id: String,
    username: String,
    display_name: String,
}

impl Row {
    fn decode(self) -> Result<StoredCrash, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            id: self.id.clone(),
            reason,
        };
        let id = Uuid::parse_str(&self.id).map_err(|e| corrupt(e.to_string()))?;
        let kind = CrashKind::from_code(&self.kind).ok_or_else(|| corrupt(format!("kind `{}`", self.kind)))?;
        Ok(StoredCrash {
            report: CrashReport {
                id,
                kind,
                at: parse_time(&self.id, &self.happened_at)?,
                build: self.build,
                page: self.page,
                message: self.message,
            },
            received_at: parse_time(&self.id, &self.received_at)?,
            device_id: self.device_id,
            username: self.username,
            display_name: self.display_name,
        })
    }
}
