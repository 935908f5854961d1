//! Reports, stored once each and never changed.

use std::cmp::Ordering;
use std::ops::Range;

use chrono::{TimeDelta, Utc};
use kuaibao_core::account::Role;
use kuaibao_core::rules::grading::{self, Grade};
use kuaibao_core::rules::thread::Received;
use kuaibao_core::wire::page::PageQuery;
use kuaibao_core::wire::protocol::{Arrival, Receipt, RecordAuthor};
use kuaibao_core::{Family, Report, ReportId, Template};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::{Any, Connection};

use super::audit::{self, Actor};
use super::office::parse_time;
use super::photos::{self, PhotoCount};
use super::{Pool, StoreError};

/// What storing a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// First receipt of this id: a new row.
    Created(Receipt),
    /// The same report again (a retry): the first receipt, nothing written.
    Replayed(Receipt),
    /// This id is stored with other content; the stored one stays.
    Conflict,
    /// A photo of the manifest has an id another record already announced
    /// with other bytes; nothing was stored.
    PhotoConflict(kuaibao_core::PhotoId),
    /// A first record whose thread holds another author's records already
    /// (see [`INSERT_REPORT`]); nothing was stored.
    ThreadHeld,
}

/// A stored report with its receipt, as the API lists them, and how many
/// of its photos have arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    pub receipt: Receipt,
    pub report: Report,
    #[serde(default)]
    pub photos: PhotoCount,
    /// The account it came under; `None` for records stored before
    /// accounts existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<RecordAuthor>,
}

/// The records of one thread, in stage order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// The thread's id: the id of its first record.
    pub thread: ReportId,
    pub records: Vec<StoredReport>,
}

/// Who sent a report, from the session it came with, or, for one that came
/// as a text message, from the account the text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub user_id: String,
    /// The sender's area: the report is routed there.
    pub area_id: String,
    /// The phone's; `None` for a text message.
    pub device_id: Option<String>,
    /// The server's clock minus the phone's when the request arrived.
    pub clock_offset_ms: Option<i64>,
    /// Set when the record came as a text message.
    pub sms: Option<SmsArrival>,
    /// How the server first received the record, before a restore lost
    /// it, its seal checked (`http::reports`): stored as received then
    /// (its time, and `clock_offset_ms` as measured then), under a new
    /// number, since numbers are the order records reach this database,
    /// which readers page by. The first number is in the audit entry.
    pub first_receipt: Option<Arrival>,
}

/// How a text message reached the server: who entered it (the officer who
/// pasted it, or the gateway) and what it said, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsArrival {
    pub entered_by: Actor,
    pub text: String,
    /// The number it came from, as the gateway or the officer gave it.
    pub from: Option<String>,
    /// Whether it carried the seal of one of its account's sessions
    /// (`kuaibao_core::wire::sms::Parsed::sealed_by`).
    pub sealed: bool,
}

/// `reports.via` of a record stored from a text message.
const VIA_SMS: &str = "sms";

/// Which reports a reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A reporter: the reports she sent.
    Own { user_id: String },
    /// An officer or administrator: the reports routed to the area with this
    /// path or below it. `legacy` adds the reports stored before accounts
    /// existed, which have no area (administrators see those).
    Area { path: String, legacy: bool },
}

impl Scope {
    /// The condition on `reports AS r`, with its one parameter at `$n`.
    pub(super) fn condition(&self, n: usize) -> (String, &str) {
        self.condition_on("r", n)
    }

    /// The condition on `reports AS {alias}`, with its one parameter at
    /// `$n` (a query that reads reports twice, under two names).
    pub(super) fn condition_on(&self, alias: &str, n: usize) -> (String, &str) {
        match self {
            Scope::Own { user_id } => (format!("{alias}.author_id = ${n}"), user_id),
            // substr/length rather than LIKE: area codes may contain `_`,
            // which LIKE reads as a wildcard.
            Scope::Area { path, legacy } => (
                format!(
                    "(EXISTS (SELECT 1 FROM areas AS a WHERE a.id = {alias}.area_id \
                       AND substr(a.path, 1, length(${n})) = ${n}){})",
                    if *legacy {
                        format!(" OR {alias}.area_id IS NULL")
                    } else {
                        String::new()
                    }
                ),
                path,
            ),
        }
    }
}

/// The text stored for a report: serde's serialisation of the parsed report.
/// Parsing first means two sends of one report give the same text even if
/// they differ in key order, spacing or number formatting.
pub fn canonical_body(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string(report)
}

/// A report's canonical body and its SHA-256 (hex), as stored: made once
/// per request, for the store and for the receipt's seal.
pub struct Canonical {
    pub body: String,
    pub sha256: String,
}

impl Canonical {
    pub fn of(report: &Report) -> Result<Self, serde_json::Error> {
        let body = canonical_body(report)?;
        let sha256 = crate::storage::hex_sha256(body.as_bytes());
        Ok(Canonical { body, sha256 })
    }
}

/// The columns copied out of a report for queries (see migrations/).
struct Columns {
    thread_id: String,
    stage: String,
    stage_rank: i64,
    stage_n: i64,
    grade_suggested: Option<&'static str>,
    grade_chosen: Option<&'static str>,
}

impl Columns {
    /// `template` is the one `report` was validated against.
    fn of(report: &Report, template: &Template) -> Result<Self, serde_json::Error> {
        let (rank, n) = report.stage.order();
        let (suggested, chosen) = match (&report.grade, template.family) {
            (Some(decision), _) => (Some(decision.suggested), Some(decision.chosen)),
            // No decision sent: keep what the figures say, so the duty
            // office can list incidents by grade all the same.
            (None, Family::Incident { grading: rule, .. }) => {
                (Some(grading::suggest(rule, &report.answers).grade), None)
            }
            (None, _) => (None, None),
        };
        Ok(Columns {
            thread_id: report.thread_id().to_string(),
            stage: serde_json::to_string(&report.stage)?,
            stage_rank: i64::from(rank),
            stage_n: i64::from(n),
            grade_suggested: suggested.map(Grade::code),
            grade_chosen: chosen.map(Grade::code),
        })
    }
}

/// The columns of a report's row that follow from the report alone, as
/// [`store`] writes them (the sender's and the receipt's are the caller's).
/// Public for the province benchmark, which loads rows with `COPY` rather
/// than through [`store`] and must write the very same values.
#[derive(Debug, Clone)]
pub struct ReportColumns {
    pub id: String,
    pub body: String,
    pub body_sha256: String,
    pub written_at: String,
    pub thread_id: String,
    pub stage: String,
    pub stage_rank: i64,
    pub stage_n: i64,
    pub grade_suggested: Option<&'static str>,
    pub grade_chosen: Option<&'static str>,
}

impl ReportColumns {
    /// The columns of `report`, already validated against `template`.
    pub fn of(report: &Report, template: &Template) -> Result<Self, serde_json::Error> {
        let Canonical { body, sha256 } = Canonical::of(report)?;
        let columns = Columns::of(report, template)?;
        Ok(ReportColumns {
            id: report.id.to_string(),
            body_sha256: sha256,
            body,
            written_at: report.written_at.to_rfc3339(),
            thread_id: columns.thread_id,
            stage: columns.stage,
            stage_rank: columns.stage_rank,
            stage_n: columns.stage_n,
            grade_suggested: columns.grade_suggested,
            grade_chosen: columns.grade_chosen,
        })
    }
}

/// The insert of a report's row; a replay (the id stored already) inserts
/// nothing and returns no row. RETURNING gives a new row's columns with the
/// insert itself, so a first receipt needs no read-back.
///
/// A later record is routed to its thread's area, that of the thread's first
/// record once stored, not the sender's: a district officer's 验收销号 of a
/// village hazard, or his 续报 to a township's incident, is the township's
/// to read as much as the rest of the thread (every read is scoped by a
/// record's own area). The sender's area until the first record is stored:
/// not the earliest record's, which may be a stranger's planted under the
/// thread's id (see `kuaibao_core::rules::writers`), whose area would then
/// get the office's records, and the real 首报 too.
///
/// A first record (its id is its thread's, `$1 = $8`) whose thread holds
/// records already is inserted only if it shows its thread's key (`$20`)
/// or the earliest of them is its author's
/// (`kuaibao_core::rules::writers::may_start`): a stranger's 首报 sent under
/// a known thread id would otherwise hold the thread. The guard is in the
/// insert, not a query before it, so a 首报 still costs one statement
/// (issue 6); a refused one also returns no row, and the read-back tells it
/// from a replay by finding no row of its id.
macro_rules! insert_report {
    () => {
        "INSERT INTO reports \
             (id, template_id, template_version, body, body_sha256, written_at, received_at, \
              thread_id, stage, stage_rank, stage_n, grade_suggested, grade_chosen, \
              author_id, area_id, device_id, clock_offset_ms, via, sms_sealed, author_name) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             COALESCE((SELECT t.area_id FROM reports AS t WHERE t.id = $8 AND t.id <> $1), $15), \
             $16, $17, $18, $19, \
             (SELECT u.display_name FROM users AS u WHERE u.id = $14) \
         WHERE $1 <> $8 OR $20 = 1 OR $14 = COALESCE(\
             (SELECT COALESCE(h.author_id, '') FROM reports AS h WHERE h.thread_id = $8 ORDER BY h.seq LIMIT 1), \
             $14) \
         ON CONFLICT (id) DO NOTHING \
         RETURNING seq, body_sha256, received_at, author_id, clock_offset_ms, via, sms_sealed"
    };
}
const INSERT_REPORT: &str = insert_report!();

/// PostgreSQL only: [`INSERT_REPORT`] and the report's audit row in one
/// statement, which PostgreSQL runs as one transaction. Each data-modifying
/// `WITH` runs exactly once and to completion; the audit insert reads the
/// rows `new` returned, so a replay (no row) writes no audit row either, as
/// in the transaction path. One round trip instead of four (BEGIN, two
/// inserts, COMMIT): on PostgreSQL those round trips, not the rows, were
/// most of the cost of a report (issue 6). The audit row's time is the
/// receipt time ($7), its actor the sender ($14, $16): only the app's
/// records take this path. SQLite has no data-modifying `WITH`.
const INSERT_REPORT_AND_AUDIT: &str = concat!(
    "WITH new AS (",
    insert_report!(),
    "), \
     logged AS (\
         INSERT INTO audit (at, actor_id, device_id, action, subject, detail) \
         SELECT $7, $14, $16, $21, $1, $22 FROM new) \
     SELECT seq, body_sha256, received_at, author_id, clock_offset_ms, via, sms_sealed FROM new"
);

/// The audit action of a stored report.
const STORE_ACTION: &str = "report.store";

/// The values of a new report row, in the order of [`INSERT_REPORT`]'s
/// parameters.
struct NewRow<'a> {
    id: &'a str,
    report: &'a Report,
    body: &'a str,
    sha256: &'a str,
    written_at: String,
    now: &'a str,
    columns: &'a Columns,
    sender: &'a Sender,
}

impl<'a> NewRow<'a> {
    /// `sql` (either insert) with $1–$20 bound.
    fn query(&'a self, sql: &'a str) -> QueryAs<'a, Any, StoredColumns, AnyArguments<'a>> {
        sqlx::query_as(sql)
            .bind(self.id)
            .bind(self.report.template_id.as_str())
            .bind(i64::from(self.report.template_version))
            .bind(self.body)
            .bind(self.sha256)
            .bind(self.written_at.as_str())
            .bind(self.now)
            .bind(self.columns.thread_id.as_str())
            .bind(self.columns.stage.as_str())
            .bind(self.columns.stage_rank)
            .bind(self.columns.stage_n)
            .bind(self.columns.grade_suggested)
            .bind(self.columns.grade_chosen)
            .bind(self.sender.user_id.as_str())
            .bind(self.sender.area_id.as_str())
            .bind(self.sender.device_id.as_deref())
            .bind(self.sender.clock_offset_ms)
            .bind(self.sender.sms.as_ref().map(|_| VIA_SMS))
            .bind(self.sender.sms.as_ref().map(|sms| i64::from(sms.sealed)))
            // Validated already: a key on a first record is its id's.
            .bind(i64::from(self.report.thread_key.is_some()))
    }
}

/// Stores `report`, already validated against `template`, unless its id is
/// already stored. Race-safe: the insert does nothing if the id exists (the
/// UNIQUE index decides, not a prior read), and a replay then reads the one
/// row there is (rows never change), so two concurrent sends of one report
/// both answer the one row's receipt. The row and its audit row are written
/// together or not at all.
///
/// A record that came as a text message (`sender.sms`) is stored the same
/// way, marked `via = 'sms'`; the app's copy of it, sent later, completes it
/// (see [`complete`]) rather than conflicting with it.
pub async fn store(
    pool: &Pool,
    report: &Report,
    canonical: &Canonical,
    template: &Template,
    sender: &Sender,
) -> Result<Stored, StoreError> {
    let Canonical { body, sha256 } = canonical;
    let id = report.id.to_string();
    let columns = Columns::of(report, template)?;
    let mut detail = json!({
        "thread": columns.thread_id,
        "stage": report.stage.order(),
        "template": report.template_id,
        "area": sender.area_id,
        "clock_offset_ms": sender.clock_offset_ms,
    });
    if let Some(first) = &sender.first_receipt {
        // Stored again after a restore, at its first time, its first number
        // kept here; the audit row's own time is when it came back.
        detail["first_receipt"] = json!({ "seq": first.seq, "received_at": photos::db_time(first.at) });
    }
    if let Some(sms) = &sender.sms {
        detail["via"] = json!(VIA_SMS);
        detail["sms"] = json!({ "text": sms.text, "from": sms.from, "sealed": sms.sealed });
    }
    let mut conn = pool.acquire().await?;
    // The receipt time once a connection is had: a wait for one (a pool
    // spent in a surge) must not age it, or a reader of the records by
    // receipt number could take it for committed already (`VISIBLE_AFTER`).
    // A record sent again after a restore keeps the time it was first
    // received (its seal checked by the caller). On PostgreSQL a reader by
    // number could pass it in the moment between its number and its
    // commit, as its time is old; `VISIBLE_AFTER` does not cover that.
    let now = sender
        .first_receipt
        .map_or_else(now_text, |first| photos::db_time(first.at));
    let postgres = conn.backend_name() == "PostgreSQL";
    let write = async {
        let row = NewRow {
            id: &id,
            report,
            body,
            sha256,
            written_at: report.written_at.to_rfc3339(),
            now: &now,
            columns: &columns,
            sender,
        };
        // A report with photos needs the transaction: its manifest is checked
        // row by row, and a clash must undo the report's row. So does a text
        // message: its audit row names who entered it, not the sender.
        let one_statement = postgres && report.photos.is_empty() && sender.sms.is_none();
        let new_row: Option<StoredColumns> = if one_statement {
            // Autocommit: committed (durably: `synchronous_commit = on`) when
            // the statement returns.
            row.query(INSERT_REPORT_AND_AUDIT)
                .bind(STORE_ACTION)
                .bind(detail.to_string())
                .fetch_optional(&mut *conn)
                .await?
        } else {
            // The insert is the transaction's first statement, so it takes the
            // write lock at once (waiting out `busy_timeout` behind another
            // writer) and never has to upgrade a read snapshot, which SQLite
            // would refuse.
            let mut tx = conn.begin().await?;
            let new_row: Option<StoredColumns> = row.query(INSERT_REPORT).fetch_optional(&mut *tx).await?;
            // The photos to await, written with the report they belong to; a
            // replay writes none.
            if new_row.is_some() {
                if let Err(photo) = photos::insert_manifest(&mut tx, report, &sender.user_id).await? {
                    tx.rollback().await?;
                    return Ok(Err(Stored::PhotoConflict(photo)));
                }
                let actor = sender
                    .sms
                    .as_ref()
                    .map_or_else(|| sender.actor(), |sms| sms.entered_by.clone());
                audit::record(&mut tx, &actor, STORE_ACTION, &id, detail).await?;
            }
            tx.commit().await?;
            new_row
        };
        Ok::<_, StoreError>(Ok(new_row))
    };
    // On PostgreSQL a record must be committed within `VISIBLE_AFTER` of its
    // receipt time, or a reader of records by receipt number could move
    // past it before it is visible: a write not done by the deadline is
    // dropped (rolled back) and answered busy, and the phone sends it again.
    let written = if postgres {
        tokio::time::timeout(WRITE_DEADLINE, write).await.unwrap_or_else(|_| {
            Err(StoreError::Busy(sqlx::Error::Protocol(format!(
                "a record's write took longer than {WRITE_DEADLINE:?}: given up"
            ))))
        })?
    } else {
        write.await?
    };
    let new_row = match written {
        Ok(new_row) => new_row,
        Err(refused) => return Ok(refused),
    };
    let inserted = new_row.is_some();
    let stored = match new_row {
        Some(row) => row,
        // A replay: the row is committed (by whoever stored it first; a
        // concurrent first insert of the same id made ours wait for its
        // commit) and never changes, so a plain read finds it. No row: a
        // first record refused by the insert's guard.
        None => {
            let stored = sqlx::query_as(
                "SELECT seq, body_sha256, received_at, author_id, clock_offset_ms, via, sms_sealed FROM reports WHERE id = $1",
            )
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?;
            match stored {
                Some(stored) => stored,
                None => return Ok(Stored::ThreadHeld),
            }
        }
    };
    drop(conn);

    // A replay must come from whoever sent the report first: an id is not a
    // way to read or claim someone else's record. A record stored before
    // accounts existed has no author; the phone that sent it may still be
    // waiting for its receipt.
    if stored.author_id.as_deref().is_some_and(|a| a != sender.user_id) {
        return Ok(Stored::Conflict);
    }
    // Built from the stored row even on first receipt, so every answer for
    // this id carries exactly the same text.
    let receipt = Receipt {
        id: report.id,
        seq: stored.seq,
        received_at: parse_time(&id, &stored.received_at)?,
        clock_offset_ms: stored.clock_offset_ms,
        via_sms: stored.via.is_some(),
        sms_sealed: stored.sms_sealed == Some(1),
        seal: None,
    };
    let same_text =
        stored.body_sha256 == *sha256 || stored_as_older_text(pool, &id, report, stored.via.is_none()).await?;
    Ok(match (same_text, stored.via.is_some(), sender.sms.is_some()) {
        (true, _, _) if inserted => Stored::Created(receipt),
        (true, _, _) => Stored::Replayed(receipt),
        // The app's copy of a record that came by SMS.
        (false, true, false) => complete(pool, report, sender, body, sha256, receipt).await?,
        // A text message of a record the app delivered first: nothing to
        // add, if it says what the app's copy says.
        (false, false, true) => match stored_report(pool, &id).await? {
            full if kuaibao_core::wire::sms::completes(report, &full) => Stored::Replayed(receipt),
            _ => Stored::Conflict,
        },
        (false, _, _) => Stored::Conflict,
    })
}

/// The app's copy `report` of a record stored from a text message: stored
/// once beside it (`report_completions`) with its photo manifest, if the
/// text said the same (`sms::completes`); a retry of the same copy replays.
/// Anything else is a conflict and nothing is written.
async fn complete(
    pool: &Pool,
    report: &Report,
    sender: &Sender,
    body: &str,
    sha256: &str,
    receipt: Receipt,
) -> Result<Stored, StoreError> {
    let id = report.id.to_string();
    let completed = |hash: Option<String>| match hash {
        Some(hash) if hash == sha256 => Stored::Replayed(receipt.clone()),
        _ => Stored::Conflict,
    };
    if let Some(hash) = completion_hash(pool, &id).await? {
        return Ok(completed(Some(hash)));
    }
    if !kuaibao_core::wire::sms::completes(&stored_report(pool, &id).await?, report) {
        return Ok(Stored::Conflict);
    }
    let mut tx = pool.begin().await?;
    let now = now_text();
    let inserted = sqlx::query(
        "INSERT INTO report_completions (report_id, body, body_sha256, received_at, device_id, clock_offset_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (report_id) DO NOTHING",
    )
    .bind(&id)
    .bind(body)
    .bind(sha256)
    .bind(&now)
    .bind(sender.device_id.as_deref())
    .bind(sender.clock_offset_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        // Another copy completed it a moment ago.
        tx.rollback().await?;
        return Ok(completed(completion_hash(pool, &id).await?));
    }
    if let Err(photo) = photos::insert_manifest(&mut tx, report, &sender.user_id).await? {
        tx.rollback().await?;
        return Ok(Stored::PhotoConflict(photo));
    }
    let detail = json!({ "photos": report.photos.len(), "clock_offset_ms": sender.clock_offset_ms });
    audit::record(&mut tx, &sender.actor(), COMPLETE_ACTION, &id, detail).await?;
    tx.commit().await?;
    Ok(Stored::Created(receipt))
}

/// The audit action of the app's copy completing a record that came by SMS.
const COMPLETE_ACTION: &str = "report.complete";

async fn completion_hash(pool: &Pool, id: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_as::<_, (String,)>("SELECT body_sha256 FROM report_completions WHERE report_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|(hash,)| hash),
    )
}

/// The record of row `id` as first stored (an SMS record's text, not its
/// completion).
async fn stored_report(pool: &Pool, id: &str) -> Result<Report, StoreError> {
    let (body,): (String,) = sqlx::query_as("SELECT body FROM reports WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

/// The server's clock as stored: microseconds and `Z`, fixed width, so the
/// text sorts like the time.
fn now_text() -> String {
    photos::db_time(Utc::now())
}

impl Sender {
    fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id.clone()),
            device_id: self.device_id.clone(),
        }
    }
}

/// What a receipt is built from.
#[derive(sqlx::FromRow)]
struct StoredColumns {
    seq: i64,
    body_sha256: String,
    received_at: String,
    author_id: Option<String>,
    clock_offset_ms: Option<i64>,
    via: Option<String>,
    sms_sealed: Option<i64>,
}

/// Whether the row of `id`, whose hash differs from that of `report`'s
/// text, is nevertheless the same report, stored when the canonical text
/// was different: a field added to `Report` since (such as `stage`, which
/// serialises even at its default) changes the text of an old report but
/// not the report. So the stored body is parsed and re-serialised as today's
/// canonical text before deciding it is a conflict. Stored rows never
/// change, so reading outside the insert's transaction sees the same row.
///
/// The thread key is not the report's content but the proof that came
/// with it: a copy with it and one without are the same record (a tab
/// still running the app's version before keys, open beside an updated
/// one, reads the record without the field it does not know, and sends
/// it so). Judged as a conflict, the phone would take the delivered report
/// for refused and file it again. Only for a row the app made: a row
/// from a text message never has the key, and the app's copy with it must
/// go on to complete it (`complete`), not be taken for a replay.
async fn stored_as_older_text(pool: &Pool, id: &str, report: &Report, keys_aside: bool) -> Result<bool, StoreError> {
    let canonical = |r: &Report| {
        canonical_body(&Report {
            thread_key: if keys_aside { None } else { r.thread_key.clone() },
            ..r.clone()
        })
    };
    Ok(canonical(&stored_report(pool, id).await?)? == canonical(report)?)
}

/// Who holds thread `thread` (see `kuaibao_core::rules::writers`): the author and
/// area path of its first record, or, while that has not arrived, of its
/// earliest stored one, with how many records it holds. `None` when nothing
/// of the thread is stored.
pub async fn thread_holder(pool: &Pool, thread: ReportId) -> Result<Option<HolderRow>, StoreError> {
    let id = thread.to_string();
    Ok(sqlx::query_as(
        "SELECT r.author_id, a.path AS area_path, \
                (SELECT COUNT(*) FROM reports AS n WHERE n.thread_id = $1) AS records \
         FROM reports AS r \
         LEFT JOIN areas AS a ON a.id = r.area_id \
         WHERE r.thread_id = $1 ORDER BY CASE WHEN r.id = $1 THEN 0 ELSE 1 END, r.seq LIMIT 1",
    )
    .bind(&id)
    .fetch_optional(pool)
    .await?)
}

/// The record a thread is held by: its author and area path (both `None`
/// for a record stored before accounts existed).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HolderRow {
    pub author_id: Option<String>,
    pub area_path: Option<String>,
    /// The thread's records stored (see `writers::MAX_RECORDS_PER_THREAD`).
    pub records: i64,
}

impl HolderRow {
    pub fn holder(&self) -> kuaibao_core::rules::writers::Holder<'_> {
        kuaibao_core::rules::writers::Holder {
            author_id: self.author_id.as_deref(),
            area_path: self.area_path.as_deref(),
        }
    }
}

/// Records a refused write in the audit log: who tried to add what to which
/// thread, and why. Nothing else is written.
pub async fn audit_refusal(pool: &Pool, actor: &Actor, report: &Report, reason: &str) -> Result<(), StoreError> {
    let detail = json!({
        "thread": report.thread_id().to_string(),
        "stage": report.stage.order(),
        "template": report.template_id,
        "reason": reason,
    });
    audit::note(pool, actor, REFUSE_ACTION, &report.id.to_string(), detail).await
}

/// The audit action of a record refused for who sent it.
pub const REFUSE_ACTION: &str = "report.refuse";

/// A record's author's name as it was when the record was made (kept since
/// migration 0017), else the account's current one, over [`FROM_REPORTS`].
macro_rules! author_name {
    () => {
        "COALESCE(r.author_name, au.display_name)"
    };
}
pub(super) const AUTHOR_NAME: &str = author_name!();

/// The columns a [`Row`] is read from: the record, and how many photos its
/// manifest announces and how many of those have arrived (by photo id, so a
/// photo announced again by a later record counts for both).
///
/// A record that came by SMS and was completed by the app reads as the
/// app's copy (see [`FROM_REPORTS`]).
pub(super) const ROW_COLUMNS: &str = concat!(
    "r.seq, r.id, COALESCE(c.body, r.body) AS body, r.received_at, r.clock_offset_ms, r.via, r.sms_sealed, \
     au.username AS author_username, ",
    author_name!(),
    " AS author_name, au.role AS author_role, \
     (SELECT count(*) FROM report_photos AS m WHERE m.report_id = r.id) AS photos_expected, \
     (SELECT count(*) FROM report_photos AS m JOIN photos AS p ON p.photo_id = m.photo_id \
        WHERE m.report_id = r.id AND p.arrived_at IS NOT NULL) AS photos_arrived"
);

/// The reports a reader reads, `r`, each with the app's copy of a record
/// that came by SMS, `c`, if it arrived.
pub(super) const FROM_REPORTS: &str = "reports AS r LEFT JOIN report_completions AS c ON c.report_id = r.id \
     LEFT JOIN users AS au ON au.id = r.author_id";

/// The report with this id, if stored and in `scope`.
pub async fn get(pool: &Pool, id: ReportId, scope: &Scope) -> Result<Option<StoredReport>, StoreError> {
    let (visible, param) = scope.condition(2);
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM {FROM_REPORTS} WHERE r.id = $1 AND {visible}"
    ))
    .bind(id.to_string())
    .bind(param)
    .fetch_optional(pool)
    .await?;
    row.map(Row::decode).transpose()
}

/// `$from, $from+1, …`: `count` parameters, for an `IN (…)` list.
pub(super) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which threads a page of threads reads (the inbox, the ledgers, the
/// exports). A thread's key is the arrival number (`seq`) of its first
/// record in the reader's scope: it never changes once the thread is
/// visible, since a later record arrives with a larger number, so a walk
/// by it neither repeats nor skips a thread however many records arrive
/// meanwhile. A thread that becomes visible during a walk starts before a
/// newest-first walk's first page, or after an oldest-first walk's last.
#[derive(Debug, Clone, Copy)]
pub struct ThreadWalk<'a> {
    /// The key the page starts after; `None`: from the start.
    pub after: Option<i64>,
    /// At most this many threads.
    pub limit: u32,
    /// Newest first (the office's views) or oldest first (the exports,
    /// whose files have always listed threads in arrival order).
    pub newest_first: bool,
    /// This thread alone (the desk's page of one incident).
    pub thread: Option<ReportId>,
    /// Only threads whose first record in scope has one of these
    /// templates (the hazard ledger: the hazard templates).
    pub templates: Option<&'a [&'a str]>,
}

/// The next threads of `walk` in `scope`, each with its key, and whether
/// more follow.
///
/// Served by an index in both databases (see docs/operations.md, tested):
/// a large scope's walk reads `reports` by its primary key in key order,
/// stopping at `limit`; a small scope's reads each of its areas through
/// `reports (area_id, seq)` (see [`few_areas`]). Whether an earlier record
/// of the same thread is in scope is one look-up in
/// `reports (thread_id, seq)`. `areas` is what [`few_areas`] said of
/// `scope`, asked once by a caller that walks many pages.
pub async fn thread_heads(
    pool: &Pool,
    scope: &Scope,
    areas: Option<&[String]>,
    walk: ThreadWalk<'_>,
) -> Result<(Vec<(ReportId, i64)>, bool), StoreError> {
    let (sql, binds) = thread_heads_sql(scope, walk, areas);
    let rows = bound(sqlx::query_as::<_, (String, i64)>(&sql), binds)
        .fetch_all(pool)
        .await?;
    let more = rows.len() > walk.limit as usize;
    let heads = rows
        .into_iter()
        .take(walk.limit as usize)
        .map(|(thread, seq)| Ok((super::office::parse_id(&thread)?, seq)))
        .collect::<Result<_, StoreError>>()?;
    Ok((heads, more))
}

/// A scope of at most this many areas is read area by area: a grid's
/// records are one in thousands of a province's, so a walk of every record
/// by arrival reads thousands of others to fill a page of a grid's (1.2 s
/// at two million records), while a walk of each area's own records in
/// `reports (area_id, seq)` reads only the page. A township (about fifty
/// grids) is still few: each area adds a branch to the statement, which
/// costs planning time (about 15 ms for fifty on PostgreSQL), so a
/// district's hundreds are read by the walk by arrival, where its records
/// are dense enough (one in fourteen).
pub const FEW_AREAS: usize = 64;

/// The ids of the areas of `scope` when there are at most [`FEW_AREAS`];
/// `None` for a larger one, for a reporter's own reports (found through
/// `reports (author_id, seq)`) and for a scope that also holds the records
/// stored before accounts existed, which have no area.
pub async fn few_areas(pool: &Pool, scope: &Scope) -> Result<Option<Vec<String>>, StoreError> {
    let Scope::Area { path, legacy: false } = scope else {
        return Ok(None);
    };
    // The areas table is small (thousands of rows): read whole, it costs
    // about a millisecond.
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM areas WHERE substr(path, 1, length($1)) = $1 ORDER BY id LIMIT $2")
            .bind(path.as_str())
            .bind(FEW_AREAS as i64 + 1)
            .fetch_all(pool)
            .await?;
    Ok((ids.len() <= FEW_AREAS).then_some(ids))
}

/// `query` with `binds` bound in order.
fn bound<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, AnyArguments<'q>>,
    binds: Vec<Bind>,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Text(t) => query.bind(t),
            Bind::Int(n) => query.bind(n),
        };
    }
    query
}

/// A page read area by area: `arm(area)` is the statement of one area's
/// rows (`area` its placeholder), each branch takes its first `limit` in
/// `order` of `seq` by its index, and the branches are merged. Each branch
/// is bounded by its own LIMIT, so PostgreSQL merges them in order (Merge
/// Append) and SQLite sorts at most `limit` rows a branch.
fn by_area(areas: Range<usize>, arm: impl Fn(usize) -> String, order: &str, limit: usize) -> String {
    let branches = areas
        .enumerate()
        .map(|(i, area)| {
            format!(
                "SELECT * FROM ({} ORDER BY r.seq {order} LIMIT ${limit}) AS a{i}",
                arm(area)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!("SELECT * FROM ({branches}) AS page ORDER BY seq {order} LIMIT ${limit}")
}

/// A parameter of a statement built at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// The statement of [`thread_heads`] and its parameters (public for the
/// query-plan test); `areas`: the scope's areas, when [`few_areas`].
pub fn thread_heads_sql(scope: &Scope, walk: ThreadWalk<'_>, areas: Option<&[String]>) -> (String, Vec<Bind>) {
    let (visible, param) = scope.condition_on("r", 1);
    let earlier = match scope {
        // Kept off every index (`|| ''`): on a reporter's author index
        // SQLite would walk all her earlier records, a row each, for each
        // of hers (quadratic: a review's reporter held the pool for over a
        // minute), where the thread's `(thread_id, seq)` finds its first
        // record at once.
        Scope::Own { .. } => "(e.author_id || '') = $1".to_owned(),
        Scope::Area { .. } => scope.condition_on("e", 1).0,
    };
    let mut binds = vec![Bind::Text(param.to_owned())];
    let (compare, order, start) = if walk.newest_first {
        ("<", "DESC", i64::MAX)
    } else {
        (">", "ASC", 0)
    };
    binds.push(Bind::Int(walk.after.unwrap_or(start)));
    let mut extra = String::new();
    if let Some(thread) = walk.thread {
        binds.push(Bind::Text(thread.to_string()));
        extra.push_str(&format!(" AND r.thread_id = ${}", binds.len()));
    }
    if let Some(templates) = walk.templates {
        let first = binds.len() + 1;
        binds.extend(templates.iter().map(|t| Bind::Text((*t).to_owned())));
        extra.push_str(&format!(
            " AND r.template_id IN ({})",
            placeholders(first, templates.len())
        ));
    }
    // One row more than the page: whether there is a next page, without
    // counting.
    binds.push(Bind::Int(i64::from(walk.limit) + 1));
    let limit = binds.len();
    let head = |visible: &str, earlier: &str| {
        format!(
            "SELECT r.thread_id, r.seq FROM reports AS r \
             WHERE r.seq {compare} $2{extra} AND {visible} \
               AND NOT EXISTS (SELECT 1 FROM reports AS e \
                               WHERE e.thread_id = r.thread_id AND e.seq < r.seq AND {earlier})"
        )
    };
    let sql = match areas {
        None => format!("{} ORDER BY r.seq {order} LIMIT ${limit}", head(&visible, &earlier)),
        Some(areas) => {
            let first = binds.len() + 1;
            binds.extend(areas.iter().map(|a| Bind::Text(a.clone())));
            by_area(
                first..first + areas.len(),
                |area| head(&format!("r.area_id = ${area}"), &earlier),
                order,
                limit,
            )
        }
    };
    (sql, binds)
}

/// The statement of [`list`] and its parameters: `$1` the scope's
/// parameter, `$2` the key to start after, `$3` the rows to read; then the
/// scope's areas, when [`few_areas`] (read area by area: the page's keys,
/// then their rows by key).
pub fn list_sql(scope: &Scope, page: PageQuery, areas: Option<&[String]>) -> (String, Vec<Bind>) {
    let (visible, param) = scope.condition(1);
    let mut binds = vec![
        Bind::Text(param.to_owned()),
        Bind::Int(page.after.unwrap_or(0)),
        // One row more than the page: whether there is a next page,
        // without counting.
        Bind::Int(i64::from(page.limit) + 1),
    ];
    let sql = match areas {
        None => {
            format!("SELECT {ROW_COLUMNS} FROM {FROM_REPORTS} WHERE {visible} AND r.seq > $2 ORDER BY r.seq LIMIT $3")
        }
        Some(areas) => {
            binds.extend(areas.iter().map(|a| Bind::Text(a.clone())));
            let keys = by_area(
                4..4 + areas.len(),
                |area| format!("SELECT r.seq FROM reports AS r WHERE r.area_id = ${area} AND r.seq > $2"),
                "ASC",
                3,
            );
            // The scope's condition again: the areas were read a moment
            // before, and what is shown is what the scope allows now.
            format!("SELECT {ROW_COLUMNS} FROM {FROM_REPORTS} WHERE r.seq IN ({keys}) AND {visible} ORDER BY r.seq")
        }
    };
    (sql, binds)
}

/// The statement of [`of_threads`] for `count` threads: `$1` the scope's
/// parameter, then the threads. Unordered: the records are sorted thread by
/// thread where they are used (by stage, writing time and `seq`), and an
/// ORDER BY here would cost a sort of the whole page.
pub fn of_threads_sql(scope: &Scope, count: usize) -> String {
    let (visible, _) = scope.condition(1);
    format!(
        "SELECT {ROW_COLUMNS} FROM {FROM_REPORTS} WHERE r.thread_id IN ({}) AND {visible}",
        placeholders(2, count)
    )
}

/// The most records read into memory at once where whole threads are read
/// for a page or an export: one thread at its bound
/// (`writers::MAX_RECORDS_PER_THREAD`). A page of ordinary threads is one
/// read; threads grown to their bound are read one at a time, so a page's
/// memory does not grow with what their reporters stored (a review's page
/// of ten such threads took 580 MiB).
pub const RECORDS_PER_READ: i64 = kuaibao_core::rules::writers::MAX_RECORDS_PER_THREAD as i64;

/// `threads` cut, in order, into runs of at most `budget` records (a
/// thread over it alone; [`RECORDS_PER_READ`] but in tests): each run's
/// length.
pub async fn runs(pool: &Pool, threads: &[ReportId], budget: i64) -> Result<Vec<usize>, StoreError> {
    if threads.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT thread_id, COUNT(*) FROM reports WHERE thread_id IN ({}) GROUP BY thread_id",
        placeholders(1, threads.len())
    );
    let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
    for thread in threads {
        query = query.bind(thread.to_string());
    }
    let counts: std::collections::HashMap<String, i64> = query.fetch_all(pool).await?.into_iter().collect();
    let mut runs = Vec::new();
    let (mut len, mut records) = (0usize, 0i64);
    for thread in threads {
        let n = counts.get(&thread.to_string()).copied().unwrap_or(0);
        if len > 0 && records + n > budget {
            runs.push(len);
            (len, records) = (0, 0);
        }
        len += 1;
        records += n;
    }
    if len > 0 {
        runs.push(len);
    }
    Ok(runs)
}

/// The records in `scope` of `threads`, in no particular order.
pub async fn of_threads(pool: &Pool, scope: &Scope, threads: &[ReportId]) -> Result<Vec<StoredReport>, StoreError> {
    if threads.is_empty() {
        return Ok(Vec::new());
    }
    let (_, param) = scope.condition(1);
    let sql = of_threads_sql(scope, threads.len());
    let mut query = sqlx::query_as::<_, Row>(&sql).bind(param);
    for thread in threads {
        query = query.bind(thread.to_string());
    }
    query.fetch_all(pool).await?.into_iter().map(Row::decode).collect()
}

/// One page of the stored reports in `scope`, in the order they arrived
/// (by `seq`, after `page.after`), and whether more follow.
pub async fn list(pool: &Pool, scope: &Scope, page: PageQuery) -> Result<(Vec<StoredReport>, bool), StoreError> {
    let areas = few_areas(pool, scope).await?;
    let (sql, binds) = list_sql(scope, page, areas.as_deref());
    let rows: Vec<Row> = bound(sqlx::query_as(&sql), binds).fetch_all(pool).await?;
    page_of(rows, page)
}

/// A page of `page.limit` records out of the `limit + 1` rows read, and
/// whether more follow (the row beyond).
fn page_of(rows: Vec<Row>, page: PageQuery) -> Result<(Vec<StoredReport>, bool), StoreError> {
    let more = rows.len() > page.limit as usize;
    let rows = rows
        .into_iter()
        .take(page.limit as usize)
        .map(Row::decode)
        .collect::<Result<_, _>>()?;
    Ok((rows, more))
}

/// The statement of [`of_threads_begun_by`]: `$1` her account, `$2` the
/// receipt number to start after, `$3` the rows to read, `$4` the receipt
/// time (as stored) before which they were received.
pub fn of_threads_begun_by_sql() -> String {
    format!(
        "SELECT {ROW_COLUMNS} FROM {FROM_REPORTS} \
         WHERE r.thread_id IN (SELECT f.id FROM reports AS f WHERE f.author_id = $1 AND f.thread_id = f.id) \
           AND r.seq > $2 AND r.received_at < $4 \
         ORDER BY r.seq LIMIT $3"
    )
}

/// How long after its receipt a record is listed by [`of_threads_begun_by`] on
/// PostgreSQL. A phone reads that list from the last receipt number it
/// read on; PostgreSQL hands numbers out as records are inserted, not as
/// they are committed, so a record numbered lower may become visible just
/// after a higher one, and a reader that had moved past it would never see
/// it. Lists only what is older than any write of a record takes: a
/// transaction is bounded by [`WRITE_DEADLINE`]; a record without photos
/// is one statement, which the deadline cannot stop once sent (PostgreSQL
/// runs it to its end), bounded by the busy timeout it may wait on locks
/// (5 s by default) and its commit. (SQLite, one writer at a time, commits
/// in number order.)
pub const VISIBLE_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// The longest a record's write may take on PostgreSQL, from its receipt
/// time to its commit ([`store`]), within [`VISIBLE_AFTER`]: the rest is
/// room for the commit itself and replicas' clocks a little apart.
pub const WRITE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

/// The records of the threads `user_id` began, whoever filed them, in
/// arrival order after receipt number `page.after`, and whether more
/// follow. Read thread by thread (her first records by author, then each
/// thread's records by `(thread_id, seq)`), so the cost is her threads', not
/// the province's.
pub async fn of_threads_begun_by(
    pool: &Pool,
    user_id: &str,
    page: PageQuery,
) -> Result<(Vec<StoredReport>, bool), StoreError> {
    let cutoff = match super::backend(pool).await? {
        super::Backend::Postgres => {
            let lag = TimeDelta::from_std(VISIBLE_AFTER).unwrap_or(TimeDelta::zero());
            photos::db_time(Utc::now() - lag)
        }
        // Later than any time stored.
        super::Backend::Sqlite => "9".to_owned(),
    };
    let rows: Vec<Row> = sqlx::query_as(&of_threads_begun_by_sql())
        .bind(user_id)
        .bind(page.after.unwrap_or(0))
        .bind(i64::from(page.limit) + 1)
        .bind(cutoff)
        .fetch_all(pool)
        .await?;
    page_of(rows, page)
}

/// The records of thread `thread`, first to last: by stage (首报, 续报一,
/// 续报二 …, 终报; or found, rectifying, rectified, closed), then, within a
/// stage, by when they were written, then by arrival. `None` when no record
/// of the thread is stored.
///
/// Arrival order means nothing here: phones deliver whenever they find a
/// signal, so a 终报 may well arrive before the 首报.
pub async fn thread(pool: &Pool, thread: ReportId, scope: &Scope) -> Result<Option<Thread>, StoreError> {
    let (visible, param) = scope.condition(2);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM {FROM_REPORTS} WHERE r.thread_id = $1 AND {visible} \
         ORDER BY r.stage_rank, r.stage_n, r.seq"
    ))
    .bind(thread.to_string())
    .bind(param)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut records = rows.into_iter().map(Row::decode).collect::<Result<Vec<_>, _>>()?;
    // Writing times are compared as instants here rather than as the stored
    // text: phones write them with their own zone offsets, so the text does
    // not sort like the time. A thread is a handful of records.
    records.sort_by(thread_order);
    Ok(Some(Thread { thread, records }))
}

/// The records in `scope` of each of `threads`, a [`Thread`] each in the
/// order given (a thread with no record in scope is left out).
pub async fn threads_of(pool: &Pool, scope: &Scope, threads: &[ReportId]) -> Result<Vec<Thread>, StoreError> {
    let mut records = of_threads(pool, scope, threads).await?;
    records.sort_by(thread_order);
    // Grouped once, in order, rather than the page's records read again
    // for each of its threads.
    let mut by_thread: std::collections::HashMap<ReportId, Vec<StoredReport>> = std::collections::HashMap::new();
    for record in records {
        by_thread.entry(record.report.thread_id()).or_default().push(record);
    }
    Ok(threads
        .iter()
        .filter_map(|&thread| by_thread.remove(&thread).map(|records| Thread { thread, records }))
        .collect())
}

impl StoredReport {
    /// The record as the core judges it: received when its receipt says,
    /// with the offset measured on arrival.
    pub fn received(&self) -> Received {
        Received {
            report: self.report.clone(),
            received_at: self.receipt.received_at,
            arrival_offset_ms: self.receipt.clock_offset_ms,
        }
    }
}

fn thread_order(a: &StoredReport, b: &StoredReport) -> Ordering {
    let key = |s: &StoredReport| (s.report.stage.order(), s.report.written_at, s.receipt.seq);
    key(a).cmp(&key(b))
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    id: String,
    body: String,
    received_at: String,
    clock_offset_ms: Option<i64>,
    via: Option<String>,
    sms_sealed: Option<i64>,
    author_username: Option<String>,
    author_name: Option<String>,
    author_role: Option<String>,
    photos_expected: i64,
    photos_arrived: i64,
}

impl Row {
    fn decode(self) -> Result<StoredReport, StoreError> {
        let report: Report = serde_json::from_str(&self.body).map_err(|e| StoreError::Corrupt {
            id: self.id.clone(),
            reason: e.to_string(),
        })?;
        let received_at = parse_time(&self.id, &self.received_at)?;
        let count = |n: i64| u32::try_from(n).unwrap_or(0);
        Ok(StoredReport {
            receipt: Receipt {
                id: report.id,
                seq: self.seq,
                received_at,
                clock_offset_ms: self.clock_offset_ms,
                via_sms: self.via.is_some(),
                sms_sealed: self.sms_sealed == Some(1),
                seal: None,
            },
            report,
            photos: PhotoCount {
                expected: count(self.photos_expected),
                arrived: count(self.photos_arrived),
            },
            author: match (
                self.author_username,
                self.author_name,
                self.author_role.as_deref().and_then(Role::from_code),
            ) {
                (Some(username), Some(display_name), Some(role)) => Some(RecordAuthor {
                    username,
                    display_name,
                    role,
                }),
                _ => None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_body_ignores_how_the_json_was_written() {
        let a: Report = serde_json::from_str(
            r#"{"id":"01890a5d-ac96-774b-bcce-b302099a8057","template_id":"t","template_version":1,
                "answers":{"b":"2","a":"1"},"written_at":"2026-11-23T10:00:00+08:00"}"#,
        )
        .expect("parses");
        let b: Report = serde_json::from_str(
            r#"{ "written_at" : "2026-11-23T10:00:00.000+08:00", "answers":{"a":"1","b":"2"},
                 "template_version":1, "template_id":"t", "id":"01890A5D-AC96-774B-BCCE-B302099A8057" }"#,
        )
        .expect("parses");
        assert_eq!(canonical_body(&a).expect("a"), canonical_body(&b).expect("b"));
    }

    #[test]
    fn a_body_stored_before_stages_existed_reads_as_a_first_record() {
        // The text the first server stored: no thread, stage or grade.
        let old = r#"{"id":"01890a5d-ac96-774b-bcce-b302099a8057","template_id":"t","template_version":1,"answers":{},"written_at":"2026-11-23T10:00:00+08:00"}"#;
        let report: Report = serde_json::from_str(old).expect("parses");
        assert_eq!(report.stage, kuaibao_core::Stage::Initial);
        assert_eq!(report.thread_id(), report.id);
        // Today's text of the same report differs, which is why a replay is
        // judged by the parsed report when the hashes differ.
        let today = canonical_body(&report).expect("json");
        assert_ne!(today, old);
        assert_eq!(today.replace(r#""stage":{"kind":"initial"},"#, ""), old);
    }

    #[test]
    fn a_thread_orders_by_stage_then_writing_instant_then_arrival() {
        use kuaibao_core::Stage;
        let record = |seq: i64, stage: Stage, written: &str| {
            let mut report: Report = serde_json::from_str(&format!(
                r#"{{"id":"01890a5d-ac96-774b-bcce-b302099a8057","template_id":"t","template_version":1,"answers":{{}},"written_at":"{written}"}}"#
            ))
            .expect("parses");
            report.stage = stage;
            StoredReport {
                receipt: Receipt {
                    id: report.id,
                    seq,
                    received_at: Utc::now(),
                    clock_offset_ms: None,
                    via_sms: false,
                    sms_sealed: false,
                    seal: None,
                },
                report,
                photos: PhotoCount::default(),
                author: None,
            }
        };
        let mut records = [
            record(1, Stage::Final, "2026-11-23T09:00:00+08:00"),
            // 10:20 Beijing, written in UTC: sorts after 10:10 Beijing
            // although its text sorts first.
            record(2, Stage::FollowUp { n: 1 }, "2026-11-23T02:20:00+00:00"),
            record(3, Stage::FollowUp { n: 1 }, "2026-11-23T10:10:00+08:00"),
            record(4, Stage::FollowUp { n: 2 }, "2026-11-23T08:00:00+08:00"),
            record(5, Stage::Initial, "2026-11-23T10:00:00+08:00"),
            record(6, Stage::Initial, "2026-11-23T10:00:00+08:00"),
        ];
        records.sort_by(thread_order);
        let seqs: Vec<i64> = records.iter().map(|r| r.receipt.seq).collect();
        assert_eq!(seqs, vec![5, 6, 3, 2, 4, 1]);
    }
}
