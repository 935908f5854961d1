//! The duty office's reads and writes (see migrations/*/0005_office.sql):
//! the threads of an officer's area summarised for the inbox and the hazard
//! ledger, acknowledgements and requests for a follow-up.
//!
//! Every read goes through the caller's [`Scope`], the same condition as
//! every other read, so a thread out of scope never shows up here either.
//! A thread is in scope when one of its records is; its line is made from
//! the records in scope only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kuaibao_core::account::{AreaLevel, AreaRef};
use kuaibao_core::desk::office::{
    Acknowledgement, Act, Casualties, DeadlineLine, DeadlineState, FollowUpRequest, ThreadSummary,
};
use kuaibao_core::rules::catalogue;
use kuaibao_core::rules::deadlines::RuleSet;
use kuaibao_core::rules::thread::{Judge, Received};
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::FieldError;
use kuaibao_core::{Report, ReportId};
use serde_json::json;
use sqlx::Connection;
use uuid::Uuid;

use super::audit::{self, Actor};
use super::photos::db_time;
use super::reports::{placeholders, Scope, AUTHOR_NAME, FROM_REPORTS};
use super::{Pool, StoreError};
use kuaibao_core::rules::deadlines::Forwarded;
use kuaibao_core::wire::page::PageQuery;

/// One thread of the inbox, and the area paths of its records in scope
/// (to filter by an area and below).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub summary: ThreadSummary,
    /// The path of the thread's area (its first record's): the inbox's area
    /// filter keeps a thread whose area is the filter's or below it. `None`
    /// for a record stored before accounts existed.
    pub area_path: Option<String>,
}

/// One record in scope, with who sent it and where it was routed.
struct Record {
    seq: i64,
    report: Report,
    received_at: DateTime<Utc>,
    /// The server's clock minus the phone's on arrival.
    arrival_offset_ms: Option<i64>,
    reporter: Option<(String, String)>,
    area: Option<AreaRef>,
    area_path: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    seq: i64,
    id: String,
    body: String,
    received_at: String,
    clock_offset_ms: Option<i64>,
    username: Option<String>,
    display_name: Option<String>,
    area_id: Option<String>,
    area_name: Option<String>,
    area_level: Option<String>,
    area_path: Option<String>,
}

impl RecordRow {
    fn decode(self) -> Result<Record, StoreError> {
        let report: Report = serde_json::from_str(&self.body).map_err(|e| StoreError::Corrupt {
            id: self.id.clone(),
            reason: e.to_string(),
        })?;
        let area = match (
            self.area_id,
            self.area_name,
            self.area_level.as_deref().and_then(AreaLevel::from_code),
        ) {
            (Some(id), Some(name), Some(level)) => Some(AreaRef { id, name, level }),
            _ => None,
        };
        Ok(Record {
            seq: self.seq,
            report,
            received_at: parse_time(&self.id, &self.received_at)?,
            arrival_offset_ms: self.clock_offset_ms,
            reporter: self.username.zip(self.display_name),
            area,
            area_path: self.area_path,
        })
    }
}

/// The lines of threads `heads` (from [`super::reports::thread_heads`]),
/// summarised as of `now` from their records in `scope`, in the order of
/// `heads`, each with its key. A thread whose records in scope are all
/// logged calls has no line.
pub async fn lines(
    pool: &Pool,
    scope: &Scope,
    rules: &RuleSet,
    now: DateTime<Utc>,
    heads: &[(ReportId, i64)],
) -> Result<Vec<(i64, Line)>, StoreError> {
    let ids: Vec<ReportId> = heads.iter().map(|(t, _)| *t).collect();
    let mut lines = Vec::with_capacity(heads.len());
    let mut from = 0;
    // A run of threads at a time: a page's memory stays a run's.
    for len in super::reports::runs(pool, &ids, super::reports::RECORDS_PER_READ).await? {
        lines.extend(run_lines(pool, scope, rules, now, &heads[from..from + len]).await?);
        from += len;
    }
    Ok(lines)
}

/// [`lines`] of one run of threads, read at once.
async fn run_lines(
    pool: &Pool,
    scope: &Scope,
    rules: &RuleSet,
    now: DateTime<Utc>,
    heads: &[(ReportId, i64)],
) -> Result<Vec<(i64, Line)>, StoreError> {
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let threads: Vec<String> = heads.iter().map(|(t, _)| t.to_string()).collect();
    let (visible, param) = scope.condition(1);
    let sql = format!(
        "SELECT r.seq, r.id, COALESCE(c.body, r.body) AS body, r.received_at, r.clock_offset_ms, \
                au.username, {AUTHOR_NAME} AS display_name, \
                ar.id AS area_id, ar.name AS area_name, ar.level AS area_level, ar.path AS area_path \
         FROM {FROM_REPORTS} \
         LEFT JOIN areas AS ar ON ar.id = r.area_id \
         WHERE r.thread_id IN ({}) AND {visible}",
        placeholders(2, threads.len())
    );
    // Unordered: `summarise` sorts each thread's records itself.
    let mut query = sqlx::query_as::<_, RecordRow>(&sql).bind(param);
    for thread in &threads {
        query = query.bind(thread);
    }
    let rows = query.fetch_all(pool).await?;
    // Read after the records: whatever they name is committed by now.
    let photos = photo_counts(pool, scope, &threads).await?;
    let mut acks = latest_acknowledgements(pool, &threads).await?;
    let mut steps = super::signatures::steps_of(pool, &threads).await?;
    let mut requests: HashMap<ReportId, Vec<FollowUpRequest>> = HashMap::new();
    for request in open_requests_of(pool, &threads).await? {
        requests.entry(request.thread_id).or_default().push(request);
    }

    let mut by_thread: HashMap<ReportId, Vec<Record>> = HashMap::new();
    for row in rows {
        let record = row.decode()?;
        by_thread.entry(record.report.thread_id()).or_default().push(record);
    }
    Ok(heads
        .iter()
        .filter_map(|(thread, key)| {
            let mut records = by_thread.remove(thread)?;
            let (expected, arrived) = photos.get(thread).copied().unwrap_or((0, 0));
            let forwarded = steps.remove(thread).unwrap_or_default();
            let mut line = summarise(&mut records, &forwarded, rules, now)?;
            line.summary.photos_expected = expected;
            line.summary.photos_arrived = arrived;
            line.summary.acknowledged = acks.remove(thread);
            line.summary.open_requests = requests.remove(thread).unwrap_or_default();
            Some((*key, line))
        })
        .collect())
}

/// `IN (…)` over `threads`, binding them after `first` parameters.
fn bind_threads<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    threads: &'q [String],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    for thread in threads {
        query = query.bind(thread);
    }
    query
}

/// The inbox's line for one thread from its records, which it sorts into
/// the thread's order (as `GET /api/threads/{id}`: stage, then the writing
/// instant, then arrival; phones deliver whenever they find a signal, so
/// arrival order means nothing), with the office's signed steps up the
/// chain (`forwarded`). Photos, acknowledgement and requests are left for
/// the caller.
fn summarise(records: &mut [Record], forwarded: &[Forwarded], rules: &RuleSet, now: DateTime<Utc>) -> Option<Line> {
    records.sort_by_key(|r| (r.report.stage.order(), r.report.written_at, r.seq));
    let received: Vec<Received> = records
        .iter()
        .map(|r| Received {
            report: r.report.clone(),
            received_at: r.received_at,
            arrival_offset_ms: r.arrival_offset_ms,
        })
        .collect();
    let first = &records[first_written(&received)?];
    let summary = summary(
        &received,
        first.area.clone(),
        first.reporter.clone(),
        forwarded,
        rules,
        now,
    )?;
    Some(Line {
        summary,
        area_path: first.area_path.clone(),
    })
}

/// Where a thread's kind, area and reporter come from: its first written
/// record (a call logged from a 首报 still in draft may arrive before it),
/// else its first. `None` for no records.
pub(crate) fn first_written(received: &[Received]) -> Option<usize> {
    received
        .iter()
        .position(|r| !r.report.stage.is_call())
        .or((!received.is_empty()).then_some(0))
}

/// A thread's summary, as the inbox and the exports show it, from its
/// records as received, in the thread's order; `area` and `reporter` are
/// its first written record's ([`first_written`]). Photos,
/// acknowledgement and requests are left for the caller. `None` for a
/// thread of logged calls alone (its 首报 still on its way).
pub(crate) fn summary(
    received: &[Received],
    area: Option<AreaRef>,
    reporter: Option<(String, String)>,
    forwarded: &[Forwarded],
    rules: &RuleSet,
    now: DateTime<Utc>,
) -> Option<ThreadSummary> {
    let first = &received[first_written(received)?].report;
    // A logged call is not a stage of the report: the latest stage, and
    // the latest arrival an acknowledgement answers, are the latest
    // written record's.
    let written = || received.iter().filter(|r| !r.report.stage.is_call());
    let latest = &written().next_back()?.report;
    let judge = Judge::new(received).with_forwarded(forwarded);
    let now_bj = now.with_timezone(&beijing()).naive_local();
    let deadlines = judge.judged(rules, now_bj);
    let standings: Vec<_> = deadlines.iter().map(|(_, s, _)| *s).collect();
    let position = received
        .iter()
        .rev()
        .find_map(|r| kuaibao_core::desk::geo::record_position(&r.report));
    let (reporter, reporter_name) = reporter.unwrap_or_default();
    let template = catalogue::find(&first.template_id, first.template_version);
    let (theme_zh, responsible) = kuaibao_core::desk::office::hazard_facts(first);
    Some(ThreadSummary {
        thread_id: first.thread_id(),
        template_id: first.template_id.clone(),
        title_zh: template.map_or_else(String::new, |t| t.title.zh.to_owned()),
        hazard: judge.is_hazard(),
        // A record stored before accounts existed has no area (only
        // administrators see those): an empty reference, not a made-up one.
        area: area.unwrap_or(AreaRef {
            id: String::new(),
            name: String::new(),
            level: AreaLevel::District,
        }),
        reporter,
        reporter_name,
        latest_stage: latest.stage,
        records: u32::try_from(received.len()).unwrap_or(u32::MAX),
        grade: judge.graded(),
        place: place_of(latest),
        casualties: Casualties::of(&latest.answers),
        theme_zh,
        responsible,
        occurred_at: judge.occurred_at(),
        first_received_at: received.iter().map(|r| r.received_at).min()?,
        latest_received_at: written().map(|r| r.received_at).max()?,
        deadline: DeadlineState::of(&standings),
        deadlines: deadlines
            .iter()
            .map(|(due, s, met_by)| DeadlineLine::of(due, *s).met_by(met_by.as_ref()))
            .collect(),
        rectify_by: judge.rectify_by(),
        rectification_overdue_days: judge.rectification_overdue(now_bj.date()),
        major: kuaibao_core::rules::major_hazard::of_thread(received.iter().map(|r| &r.report), now_bj.date()),
        finished: judge.finished(),
        lat: position.map(|(lat, _)| lat),
        lon: position.map(|(_, lon)| lon),
        photos_expected: 0,
        photos_arrived: 0,
        acknowledged: None,
        open_requests: Vec::new(),
    })
}

/// Where a record says it happened (地点), trimmed; empty if it does not.
fn place_of(report: &Report) -> String {
    report
        .answers
        .get("place")
        .map(|p| p.trim().to_owned())
        .unwrap_or_default()
}

/// Photos named by each thread's records in scope, and how many of them
/// have arrived: by photo id, so a photo named again by a later record
/// counts once.
async fn photo_counts(
    pool: &Pool,
    scope: &Scope,
    threads: &[String],
) -> Result<HashMap<ReportId, (u32, u32)>, StoreError> {
    let (visible, param) = scope.condition(1);
    let sql = format!(
        "SELECT r.thread_id, count(DISTINCT m.photo_id), \
                count(DISTINCT CASE WHEN p.arrived_at IS NOT NULL THEN m.photo_id END) \
         FROM reports AS r \
         JOIN report_photos AS m ON m.report_id = r.id \
         JOIN photos AS p ON p.photo_id = m.photo_id \
         WHERE r.thread_id IN ({}) AND {visible} GROUP BY r.thread_id",
        placeholders(2, threads.len())
    );
    let rows: Vec<(String, i64, i64)> = bind_threads(sqlx::query_as(&sql).bind(param), threads)
        .fetch_all(pool)
        .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(0);
    rows.into_iter()
        .map(|(thread, expected, arrived)| Ok((parse_id(&thread)?, (count(expected), count(arrived)))))
        .collect()
}

const ACK_COLUMNS: &str =
    "k.id, k.thread_id, k.report_id, us.username, COALESCE(k.by_name, us.display_name) AS display_name, k.at";

#[derive(sqlx::FromRow)]
struct AckRow {
    id: String,
    thread_id: String,
    report_id: String,
    username: String,
    display_name: String,
    at: String,
}

impl AckRow {
    fn decode(self) -> Result<Acknowledgement, StoreError> {
        Ok(Acknowledgement {
            id: parse_uuid(&self.id)?,
            thread_id: parse_id(&self.thread_id)?,
            report_id: parse_id(&self.report_id)?,
            by: self.username,
            by_name: self.display_name,
            at: parse_time(&self.id, &self.at)?,
        })
    }
}

/// The latest acknowledgement of each of `threads`.
async fn latest_acknowledgements(
    pool: &Pool,
    threads: &[String],
) -> Result<HashMap<ReportId, Acknowledgement>, StoreError> {
    let sql = format!(
        "SELECT {ACK_COLUMNS} FROM acknowledgements AS k JOIN users AS us ON us.id = k.officer_id \
         WHERE k.thread_id IN ({}) \
         AND k.seq = (SELECT MAX(m.seq) FROM acknowledgements AS m WHERE m.thread_id = k.thread_id)",
        placeholders(1, threads.len())
    );
    // The latest of each thread alone: a thread may hold many.
    let rows: Vec<AckRow> = bind_threads(sqlx::query_as(&sql), threads).fetch_all(pool).await?;
    let mut latest = HashMap::new();
    for row in rows {
        let ack = row.decode()?;
        latest.insert(ack.thread_id, ack);
    }
    Ok(latest)
}

/// A request is answered by any record of its thread received after it,
/// whoever sent it and whichever the stage: that is what the office asked
/// for, a sign of life from the scene.
/// Whether request `q` is answered: a record of its thread arrived after
/// it. A macro, so the columns below can be one `concat!`.
macro_rules! answered {
    () => {
        "EXISTS (SELECT 1 FROM reports AS l WHERE l.thread_id = q.thread_id AND l.received_at > q.asked_at)"
    };
}

/// Counts a thread's (`$1`) rows of `act`, and those of them no record has
/// answered (requests only; 0 for the others).
fn acts_sql(act: Act) -> &'static str {
    match act {
        Act::Acknowledgement => "SELECT COUNT(*), 0 FROM acknowledgements AS q WHERE q.thread_id = $1",
        Act::Request => concat!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN ",
            answered!(),
            " THEN 0 ELSE 1 END), 0) FROM follow_up_requests AS q WHERE q.thread_id = $1"
        ),
        Act::Signing => "SELECT COUNT(*), 0 FROM signatures AS q WHERE q.thread_id = $1",
    }
}

const REQUEST_COLUMNS: &str = concat!(
    "q.id, q.thread_id, q.message, us.username, COALESCE(q.by_name, us.display_name) AS display_name, q.asked_at, \
     CAST(CASE WHEN ",
    answered!(),
    " THEN 1 ELSE 0 END AS BIGINT) AS answered"
);

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: String,
    thread_id: String,
    message: String,
    username: String,
    display_name: String,
    asked_at: String,
    answered: i64,
}

impl RequestRow {
    fn decode(self) -> Result<FollowUpRequest, StoreError> {
        Ok(FollowUpRequest {
            id: parse_uuid(&self.id)?,
            thread_id: parse_id(&self.thread_id)?,
            message: self.message,
            by: self.username,
            by_name: self.display_name,
            asked_at: parse_time(&self.id, &self.asked_at)?,
            answered: self.answered != 0,
        })
    }
}

/// The requests on `threads` no record has answered yet, oldest first
/// (`MAX_OPEN_REQUESTS` a thread).
async fn open_requests_of(pool: &Pool, threads: &[String]) -> Result<Vec<FollowUpRequest>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM follow_up_requests AS q JOIN users AS us ON us.id = q.officer_id \
         WHERE q.thread_id IN ({}) AND NOT {} ORDER BY q.seq",
        placeholders(1, threads.len()),
        answered!()
    );
    let rows: Vec<RequestRow> = bind_threads(sqlx::query_as(&sql), threads).fetch_all(pool).await?;
    rows.into_iter().map(RequestRow::decode).collect()
}

/// One page of the requests on a thread with a record in `scope`, oldest
/// first (by `seq`, after `page.after`), each with its key, and whether
/// more follow. With [`Scope::Own`], the requests a reporter's phone
/// shows: those on threads she sent a record of.
pub async fn requests_in(
    pool: &Pool,
    scope: &Scope,
    page: PageQuery,
    open_only: bool,
) -> Result<(Vec<(i64, FollowUpRequest)>, bool), StoreError> {
    let (_, param) = scope.condition(1);
    let rows: Vec<(i64, RequestRow)> = {
        #[derive(sqlx::FromRow)]
        struct Keyed {
            seq: i64,
            #[sqlx(flatten)]
            row: RequestRow,
        }
        let rows: Vec<Keyed> = sqlx::query_as(&requests_page_sql(scope, open_only))
            .bind(param)
            .bind(page.after.unwrap_or(0))
            .bind(i64::from(page.limit) + 1)
            .fetch_all(pool)
            .await?;
        rows.into_iter().map(|k| (k.seq, k.row)).collect()
    };
    let more = rows.len() > page.limit as usize;
    let requests = rows
        .into_iter()
        .take(page.limit as usize)
        .map(|(seq, row)| Ok((seq, row.decode()?)))
        .collect::<Result<_, StoreError>>()?;
    Ok((requests, more))
}

/// The statement of [`requests_in`]: `$1` the scope's parameter, `$2` the
/// key to start after, `$3` the rows to read. `open_only`: only requests no
/// record of the thread has answered since (what a phone shows), so a
/// reporter's years of answered requests are never read again.
pub fn requests_page_sql(scope: &Scope, open_only: bool) -> String {
    let (visible, _) = scope.condition(1);
    let open: &str = if open_only {
        concat!("AND NOT ", answered!(), " ")
    } else {
        ""
    };
    format!(
        "SELECT q.seq, {REQUEST_COLUMNS} FROM follow_up_requests AS q JOIN users AS us ON us.id = q.officer_id \
         WHERE q.seq > $2 AND q.thread_id IN (SELECT r.thread_id FROM reports AS r WHERE {visible}) {open}\
         ORDER BY q.seq LIMIT $3"
    )
}

/// The records of `thread` in `scope`, by id: empty when the thread is not
/// the caller's to see (or unknown; the same answer for both).
pub async fn records_in_scope(pool: &Pool, thread: ReportId, scope: &Scope) -> Result<Vec<ReportId>, StoreError> {
    let (visible, param) = scope.condition(2);
    let ids: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT r.id FROM reports AS r WHERE r.thread_id = $1 AND {visible} ORDER BY r.seq"
    ))
    .bind(thread.to_string())
    .bind(param)
    .fetch_all(pool)
    .await?;
    ids.into_iter().map(|(id,)| parse_id(&id)).collect()
}

/// The area paths of `thread`'s records (`None` for a record without an
/// area): who may hear of a change to it.
pub async fn thread_areas(pool: &Pool, thread: ReportId) -> Result<Vec<Option<String>>, StoreError> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT DISTINCT ar.path FROM reports AS r LEFT JOIN areas AS ar ON ar.id = r.area_id \
         WHERE r.thread_id = $1",
    )
    .bind(thread.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// The threads whose records name the photo of upload `upload_id`, each
/// with the area path of such a record (`None` without an area).
pub async fn threads_of_upload(pool: &Pool, upload_id: &str) -> Result<Vec<(ReportId, Option<String>)>, StoreError> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT r.thread_id, ar.path FROM uploads AS u \
         JOIN report_photos AS m ON m.photo_id = u.photo_id \
         JOIN reports AS r ON r.id = m.report_id \
         LEFT JOIN areas AS ar ON ar.id = r.area_id \
         WHERE u.upload_id = $1",
    )
    .bind(upload_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(thread, path)| Ok((parse_id(&thread)?, path)))
        .collect()
}

/// What storing an acknowledgement or a request did.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept<T> {
    /// First receipt of this id: a new row.
    Created(T),
    /// The same again (a retry or a second click): the stored one.
    Replayed(T),
    /// The id is stored with other content (another thread, record,
    /// message or officer); the stored one stays.
    Conflict,
    /// Not stored: the thread held the most of the act it may when this
    /// one's turn came ([`room_left`]); the refusal says so.
    NoRoom(FieldError),
}

/// Whether the thread had room for the `act` just inserted in `tx`,
/// counting within the transaction after the insert: the refusal if not,
/// and the caller rolls back. The only count: a replay inserts nothing and
/// is answered whatever the count.
///
/// The count is exact because the rest of `tx` is the only one counting
/// `thread`'s acts: on PostgreSQL it first takes a lock on the thread until
/// the transaction ends (read committed, the count then sees every act
/// committed before the lock was given); on SQLite nothing, as its one
/// writer at a time holds from the insert on. Without it, a burst of acts
/// at the same instant each counted the others' uncommitted rows as
/// absent and passed the bound together.
pub(super) async fn room_left(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    act: Act,
    thread: &str,
) -> Result<Result<(), FieldError>, StoreError> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT CAST(pg_advisory_xact_lock(hashtextextended($1, 0)) AS TEXT)")
            .bind(format!("office-acts:{thread}"))
            .execute(&mut **tx)
            .await?;
    }
    let (held, open): (i64, i64) = sqlx::query_as(acts_sql(act)).bind(thread).fetch_one(&mut **tx).await?;
    // Counted with the new row: the room was for one more than the rest.
    let before = |n: i64| usize::try_from(n - 1).unwrap_or(0);
    Ok(kuaibao_core::desk::office::room_for(act, before(held), before(open)))
}

/// Stores officer `actor`'s acknowledgement `id` of record `report` of
/// `thread`, unless the id is stored already. The caller has checked that
/// the record is of the thread and in the officer's scope. Race-safe like
/// reports: the UNIQUE id decides, and a replay reads the one row.
pub async fn acknowledge(
    pool: &Pool,
    actor: &Actor,
    id: Uuid,
    thread: ReportId,
    report: ReportId,
) -> Result<Kept<Acknowledgement>, StoreError> {
    let officer = actor.user_id.as_deref().unwrap_or_default();
    let (id, thread, report) = (id.to_string(), thread.to_string(), report.to_string());
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let new: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO acknowledgements (id, thread_id, report_id, officer_id, at, by_name) \
         VALUES ($1, $2, $3, $4, $5, (SELECT u.display_name FROM users AS u WHERE u.id = $4)) \
         ON CONFLICT (id) DO NOTHING RETURNING seq",
    )
    .bind(&id)
    .bind(&thread)
    .bind(&report)
    .bind(officer)
    .bind(db_time(Utc::now()))
    .fetch_optional(&mut *tx)
    .await?;
    if new.is_some() {
        if let Err(refusal) = room_left(&mut tx, Act::Acknowledgement, &thread).await? {
            tx.rollback().await?;
            return Ok(Kept::NoRoom(refusal));
        }
        audit::record(
            &mut tx,
            actor,
            "thread.acknowledge",
            &id,
            json!({ "thread": thread, "report": report }),
        )
        .await?;
    }
    tx.commit().await?;
    let (row, officer_id): (AckRow, String) = {
        #[derive(sqlx::FromRow)]
        struct Stored {
            #[sqlx(flatten)]
            row: AckRow,
            officer_id: String,
        }
        let stored: Stored = sqlx::query_as(&format!(
            "SELECT {ACK_COLUMNS}, k.officer_id FROM acknowledgements AS k \
             JOIN users AS us ON us.id = k.officer_id WHERE k.id = $1"
        ))
        .bind(&id)
        .fetch_one(&mut *conn)
        .await?;
        (stored.row, stored.officer_id)
    };
    if row.thread_id != thread || row.report_id != report || officer_id != officer {
        return Ok(Kept::Conflict);
    }
    let ack = row.decode()?;
    Ok(if new.is_some() {
        Kept::Created(ack)
    } else {
        Kept::Replayed(ack)
    })
}

/// Stores officer `actor`'s request `id` for a follow-up of `thread`,
/// `message` already checked and trimmed, unless the id is stored already.
pub async fn ask(
    pool: &Pool,
    actor: &Actor,
    id: Uuid,
    thread: ReportId,
    message: &str,
) -> Result<Kept<FollowUpRequest>, StoreError> {
    let officer = actor.user_id.as_deref().unwrap_or_default();
    let (id, thread) = (id.to_string(), thread.to_string());
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let new: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO follow_up_requests (id, thread_id, message, officer_id, asked_at, by_name) \
         VALUES ($1, $2, $3, $4, $5, (SELECT u.display_name FROM users AS u WHERE u.id = $4)) \
         ON CONFLICT (id) DO NOTHING RETURNING seq",
    )
    .bind(&id)
    .bind(&thread)
    .bind(message)
    .bind(officer)
    .bind(db_time(Utc::now()))
    .fetch_optional(&mut *tx)
    .await?;
    if new.is_some() {
        if let Err(refusal) = room_left(&mut tx, Act::Request, &thread).await? {
            tx.rollback().await?;
            return Ok(Kept::NoRoom(refusal));
        }
        // The message's length, not the message: the log says who did what,
        // the table keeps the words.
        audit::record(
            &mut tx,
            actor,
            "thread.ask",
            &id,
            json!({ "thread": thread, "chars": message.chars().count() }),
        )
        .await?;
    }
    tx.commit().await?;
    #[derive(sqlx::FromRow)]
    struct Stored {
        #[sqlx(flatten)]
        row: RequestRow,
        officer_id: String,
    }
    let stored: Stored = sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS}, q.officer_id FROM follow_up_requests AS q \
         JOIN users AS us ON us.id = q.officer_id WHERE q.id = $1"
    ))
    .bind(&id)
    .fetch_one(&mut *conn)
    .await?;
    if stored.row.thread_id != thread || stored.row.message != message || stored.officer_id != officer {
        return Ok(Kept::Conflict);
    }
    let request = stored.row.decode()?;
    Ok(if new.is_some() {
        Kept::Created(request)
    } else {
        Kept::Replayed(request)
    })
}

pub(super) fn parse_id(text: &str) -> Result<ReportId, StoreError> {
    text.parse()
        .map_err(|e: kuaibao_core::wire::ids::BadId| StoreError::Corrupt {
            id: text.to_owned(),
            reason: e.to_string(),
        })
}

pub(super) fn parse_uuid(text: &str) -> Result<Uuid, StoreError> {
    parse_id(text).map(|id| id.0)
}

pub(super) fn parse_time(id: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            id: id.to_owned(),
            reason: format!("time `{text}`: {e}"),
        })
}
