//! Signings of a thread's written report (see
//! migrations/*/0008_signatures.sql and `kuaibao_core::desk::signing`): stored
//! once by their browser-made id, audited, never changed.

use std::collections::HashMap;

use chrono::Utc;
use kuaibao_core::desk::signing::{Signature, Words};
use kuaibao_core::rules::deadlines::Forwarded;
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::ReportId;
use serde_json::json;
use sqlx::Connection;
use uuid::Uuid;

use super::audit::{self, Actor};
use kuaibao_core::desk::office::Act;

use super::office::{parse_id, parse_time, parse_uuid, Kept};
use super::photos::db_time;
use super::{Pool, StoreError};

const COLUMNS: &str = "s.id, s.thread_id, s.report_id, s.recipient, s.reviewer, us.username, \
     COALESCE(s.by_name, us.display_name) AS display_name, s.area_id, ar.name AS area_name, s.signed_at, \
     s.officer_id, s.step";
const FROM: &str =
    "FROM signatures AS s JOIN users AS us ON us.id = s.officer_id JOIN areas AS ar ON ar.id = s.area_id";

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    thread_id: String,
    report_id: String,
    recipient: String,
    reviewer: String,
    username: String,
    display_name: String,
    area_id: String,
    area_name: String,
    signed_at: String,
    officer_id: String,
    step: Option<String>,
}

impl Row {
    fn decode(self) -> Result<Signature, StoreError> {
        Ok(Signature {
            id: parse_uuid(&self.id)?,
            thread_id: parse_id(&self.thread_id)?,
            report_id: parse_id(&self.report_id)?,
            recipient: self.recipient,
            reviewer: self.reviewer,
            by: self.username,
            by_name: self.display_name,
            unit_id: self.area_id,
            unit: self.area_name,
            signed_at: parse_time(&self.id, &self.signed_at)?,
            step: self.step,
        })
    }
}

/// Stores `actor`'s signing `id` of `thread` (covering up to `report`),
/// as an officer of `area_id`, unless the id is stored already. The caller
/// has checked who may sign and that the record is of the thread. Race-safe
/// like acknowledgements: the UNIQUE id decides, and a replay reads the row.
pub async fn sign(
    pool: &Pool,
    actor: &Actor,
    area_id: &str,
    id: Uuid,
    thread: ReportId,
    report: ReportId,
    words: &Words,
) -> Result<Kept<Signature>, StoreError> {
    let officer = actor.user_id.as_deref().unwrap_or_default();
    let (id, thread, report) = (id.to_string(), thread.to_string(), report.to_string());
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let new: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO signatures (id, thread_id, report_id, officer_id, area_id, recipient, reviewer, signed_at, step, \
              by_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT u.display_name FROM users AS u WHERE u.id = $4)) \
         ON CONFLICT (id) DO NOTHING RETURNING seq",
    )
    .bind(&id)
    .bind(&thread)
    .bind(&report)
    .bind(officer)
    .bind(area_id)
    .bind(&words.recipient)
    .bind(&words.reviewer)
    .bind(db_time(Utc::now()))
    .bind(&words.step)
    .fetch_optional(&mut *tx)
    .await?;
    if new.is_some() {
        if let Err(refusal) = super::office::room_left(&mut tx, Act::Signing, &thread).await? {
            tx.rollback().await?;
            return Ok(Kept::NoRoom(refusal));
        }
        audit::record(
            &mut tx,
            actor,
            "thread.sign",
            &id,
            json!({ "thread": thread, "report": report, "recipient": words.recipient, "step": words.step }),
        )
        .await?;
    }
    tx.commit().await?;
    let row: Row = sqlx::query_as(&format!("SELECT {COLUMNS} {FROM} WHERE s.id = $1"))
        .bind(&id)
        .fetch_one(&mut *conn)
        .await?;
    if row.thread_id != thread
        || row.report_id != report
        || row.officer_id != officer
        || row.recipient != words.recipient
        || row.reviewer != words.reviewer
        || row.step != words.step
    {
        return Ok(Kept::Conflict);
    }
    let signature = row.decode()?;
    Ok(if new.is_some() {
        Kept::Created(signature)
    } else {
        Kept::Replayed(signature)
    })
}

/// The signings of `thread`, oldest first. The caller has checked that the
/// thread is in the reader's scope.
pub async fn of_thread(pool: &Pool, thread: ReportId) -> Result<Vec<Signature>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE s.thread_id = $1 ORDER BY s.seq"
    ))
    .bind(thread.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Row::decode).collect()
}

/// The statement of [`page_of_thread`]: `$1` the thread, `$2` the key to
/// start after, `$3` the rows to read.
pub fn page_sql() -> String {
    format!("SELECT s.seq, {COLUMNS} {FROM} WHERE s.thread_id = $1 AND s.seq > $2 ORDER BY s.seq LIMIT $3")
}

/// One page of thread `thread`'s signings, oldest first (by `seq`, after
/// `page.after`), each with its key, and whether more follow.
pub async fn page_of_thread(
    pool: &Pool,
    thread: ReportId,
    page: kuaibao_core::wire::page::PageQuery,
) -> Result<(Vec<(i64, Signature)>, bool), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Keyed {
        seq: i64,
        #[sqlx(flatten)]
        row: Row,
    }
    let rows: Vec<Keyed> = sqlx::query_as(&page_sql())
        .bind(thread.to_string())
        .bind(page.after.unwrap_or(0))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(pool)
        .await?;
    let more = rows.len() > page.limit as usize;
    let signatures = rows
        .into_iter()
        .take(page.limit as usize)
        .map(|k| Ok((k.seq, k.row.decode()?)))
        .collect::<Result<_, StoreError>>()?;
    Ok((signatures, more))
}

/// The steps up the chain signed for each of `threads` (see
/// `kuaibao_core::rules::deadlines::Forwarded`): what meets the inbox's upward
/// lines.
pub async fn steps_of(pool: &Pool, threads: &[String]) -> Result<HashMap<ReportId, Vec<Forwarded>>, StoreError> {
    if threads.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT s.id, s.thread_id, s.step, s.signed_at FROM signatures AS s \
         WHERE s.step IS NOT NULL AND s.thread_id IN ({}) ORDER BY s.seq",
        super::reports::placeholders(1, threads.len())
    );
    let mut query = sqlx::query_as::<_, (String, String, String, String)>(&sql);
    for thread in threads {
        query = query.bind(thread);
    }
    let rows = query.fetch_all(pool).await?;
    let mut steps: HashMap<ReportId, Vec<Forwarded>> = HashMap::new();
    for (id, thread, step, signed_at) in rows {
        let at = parse_time(&id, &signed_at)?.with_timezone(&beijing()).naive_local();
        steps
            .entry(parse_id(&thread)?)
            .or_default()
            .push(Forwarded { step, at });
    }
    Ok(steps)
}
