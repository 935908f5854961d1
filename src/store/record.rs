//! A report as the phone keeps it: the submitted [`Report`] fields plus where
//! it stands on its way to the duty office.

use chrono::{DateTime, FixedOffset};
use kuaibao_core::account::Account;
use kuaibao_core::photo::PhotoRef;
use kuaibao_core::wire::protocol::Receipt;
use kuaibao_core::{Answers, ErrorCode, FieldError, GradeDecision, Report, ReportId, Stage, Template, ThreadKey};
use serde::{Deserialize, Serialize};

/// Who submitted a record: it is sent under this account only, so a report
/// never reaches the duty office under a colleague's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub account_id: String,
    pub username: String,
}

impl From<&Account> for Author {
    fn from(account: &Account) -> Self {
        Author {
            account_id: account.id.clone(),
            username: account.username.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalReport {
    pub id: ReportId,
    /// The thread's first record; `None` on that record itself. Records
    /// stored before threads existed read as first records.
    #[serde(default)]
    pub thread: Option<ReportId>,
    /// On a first record made since thread keys: the key its id was made
    /// from, sent with it to show the thread is this phone's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_key: Option<ThreadKey>,
    #[serde(default)]
    pub stage: Stage,
    pub template_id: String,
    pub template_version: u32,
    pub answers: Answers,
    /// While a draft: the user's own grade and reason, if she overrode the
    /// suggestion. Once submitted: the suggestion and the choice as sent.
    #[serde(default)]
    pub grade: Option<GradeDecision>,
    /// The photo manifest, fixed when the report is submitted (a draft's
    /// photos are the photo records that name it).
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    /// Last edit, by the phone's clock (milliseconds since the epoch).
    pub updated_ms: f64,
    /// The account that submitted it; the record is sent under that account
    /// only. `None` on drafts, on records from before accounts, and on the
    /// office's records (`by_office`, never sent from here).
    #[serde(default)]
    pub author: Option<Author>,
    /// The server's clock minus the phone's as last measured when the record
    /// was submitted (`None` if the phone never reached the server): fixed
    /// with `written_at`, so every replay sends the same record.
    #[serde(default)]
    pub clock_offset_ms: Option<i64>,
    pub status: Status,
    /// On a draft reopened to fix a refusal: what the server refused, shown
    /// at its blank until the worker changes that blank. The phone's own
    /// check may not see it (an older catalogue, a rule only the server
    /// holds), and a fix that showed no reason would leave her guessing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<FieldError>,
    /// Read back from the server (`sync::recover`), not sent from here: its
    /// photos are at the office only. (A restore of the server still has it
    /// sent again from here: the phone that wrote it may be gone, and a
    /// second copy is a replay.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recovered: bool,
    /// Filed by the duty office in this account's thread (a call an
    /// officer logged, a hazard he closed, a 续报 he filed), read from the
    /// server (`sync::thread_records`): the name of the account that filed
    /// it. Such a record has no `author` on the phone and is never sent
    /// from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_office: Option<String>,
    /// Sent again after a restore of the server lost it (`Store::resend_after`):
    /// the receipt the server first gave it, sealed, which the server takes
    /// back to store it at its first time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_receipt: Option<Receipt>,
}

/// Where a report stands. Only a draft may change; from `Waiting` on, the
/// content is what was submitted.
///
/// Stored as `{"state": "waiting", "written_at": …, …}`; read through the
/// flat [`StatusFields`], whose code is a fraction of what serde derives for
/// an internally tagged enum (which buffers every record it reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "StatusFields")]
pub enum Status {
    /// Being written; autosaved.
    Draft,
    /// Submitted by the user, waiting for the network.
    Waiting {
        #[serde(serialize_with = "kuaibao_core::wire::timestamp::write_fixed")]
        written_at: DateTime<FixedOffset>,
        /// Failed tries so far.
        attempts: u32,
        /// Not before this time (ms), unless the user asks.
        next_try_ms: f64,
        #[serde(default)]
        last_error: Option<String>,
    },
    /// On its way: an upload was started. If the app dies here, the next
    /// start sends it again; the server recognises the id.
    Sending {
        #[serde(serialize_with = "kuaibao_core::wire::timestamp::write_fixed")]
        written_at: DateTime<FixedOffset>,
        attempts: u32,
    },
    /// Stored by the server, which answered this receipt.
    Delivered {
        #[serde(serialize_with = "kuaibao_core::wire::timestamp::write_fixed")]
        written_at: DateTime<FixedOffset>,
        receipt: Receipt,
    },
    /// Refused by the server for good; the user may fix and resend.
    Rejected {
        #[serde(serialize_with = "kuaibao_core::wire::timestamp::write_fixed")]
        written_at: DateTime<FixedOffset>,
        reason: String,
        #[serde(default)]
        fields: Vec<FieldError>,
        /// The server holds other content under this id (it answered 409),
        /// so the fix must go under a new one. Otherwise it stored nothing,
        /// and the fix keeps the id: a 续报 or a logged call already sent
        /// in the thread names it. Read as `true` from a phone that did
        /// not note it, which gave every fix a new id.
        id_taken: bool,
    },
}

/// Every field any [`Status`] has, as stored; `state` says which apply.
#[derive(Deserialize)]
struct StatusFields {
    /// Matched by hand: serde's enum visitor would be bigger than the rest.
    state: String,
    #[serde(default, deserialize_with = "kuaibao_core::wire::timestamp::fixed_opt")]
    written_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    next_try_ms: f64,
    last_error: Option<String>,
    receipt: Option<Receipt>,
    reason: Option<String>,
    #[serde(default)]
    fields: Vec<FieldError>,
    id_taken: Option<bool>,
}

impl TryFrom<StatusFields> for Status {
    type Error = &'static str;

    fn try_from(f: StatusFields) -> Result<Status, &'static str> {
        let written_at = || f.written_at.ok_or("missing field `written_at`");
        Ok(match f.state.as_str() {
            "draft" => Status::Draft,
            "waiting" => Status::Waiting {
                written_at: written_at()?,
                attempts: f.attempts,
                next_try_ms: f.next_try_ms,
                last_error: f.last_error,
            },
            "sending" => Status::Sending {
                written_at: written_at()?,
                attempts: f.attempts,
            },
            "delivered" => Status::Delivered {
                written_at: written_at()?,
                receipt: f.receipt.ok_or("missing field `receipt`")?,
            },
            "rejected" => Status::Rejected {
                written_at: written_at()?,
                reason: f.reason.ok_or("missing field `reason`")?,
                fields: f.fields,
                id_taken: f.id_taken.unwrap_or(true),
            },
            _ => return Err("unknown `state`"),
        })
    }
}

impl LocalReport {
    /// A fresh, empty draft of a template, starting its own thread: its id
    /// made from `key` (see `platform::new_thread`).
    pub fn new_thread(id: ReportId, key: ThreadKey, template: &Template, now_ms: f64) -> Self {
        LocalReport {
            thread_key: Some(key),
            ..Self::new_draft(id, template, now_ms)
        }
    }

    /// A fresh, empty draft of a template with a plain id: a later record
    /// once its thread is set.
    pub fn new_draft(id: ReportId, template: &Template, now_ms: f64) -> Self {
        LocalReport {
            id,
            thread: None,
            thread_key: None,
            stage: Stage::Initial,
            template_id: template.id.to_owned(),
            template_version: template.version,
            answers: Answers::new(),
            grade: None,
            photos: Vec::new(),
            updated_ms: now_ms,
            author: None,
            clock_offset_ms: None,
            status: Status::Draft,
            refused: Vec::new(),
            recovered: false,
            by_office: None,
            first_receipt: None,
        }
    }

    /// A record `author` sent that the server holds, read back (a new
    /// phone, or storage the browser cleared): delivered, with `receipt`.
    pub fn recovered(report: Report, receipt: Receipt, author: Author) -> Self {
        LocalReport {
            author: Some(author),
            ..LocalReport::read_back(report, receipt)
        }
    }

    /// A record the office account named `by` filed in one of this
    /// account's threads, read from the server: delivered, with `receipt`.
    pub fn by_office(report: Report, receipt: Receipt, by: String) -> Self {
        LocalReport {
            by_office: Some(by),
            ..LocalReport::read_back(report, receipt)
        }
    }

    /// A record the server holds, as the phone keeps it when it read it
    /// from there rather than sent it: delivered, with `receipt`.
    fn read_back(report: Report, receipt: Receipt) -> Self {
        LocalReport {
            id: report.id,
            thread: report.thread,
            thread_key: report.thread_key,
            stage: report.stage,
            template_id: report.template_id,
            template_version: report.template_version,
            answers: report.answers,
            grade: report.grade,
            photos: report.photos,
            // When it was written, not read: "her last report" (the
            // blanks a new draft starts from) is the last she wrote.
            updated_ms: report.written_at.timestamp_millis() as f64,
            author: None,
            clock_offset_ms: report.clock_offset_ms,
            status: Status::Delivered {
                written_at: report.written_at,
                receipt,
            },
            refused: Vec::new(),
            recovered: true,
            by_office: None,
            first_receipt: None,
        }
    }

    pub fn thread_id(&self) -> ReportId {
        self.thread.unwrap_or(self.id)
    }

    pub fn template(&self) -> Option<&'static Template> {
        kuaibao_core::rules::catalogue::find(&self.template_id, self.template_version)
    }

    /// When it was submitted, by the phone's clock; `None` for a draft.
    pub fn written_at(&self) -> Option<DateTime<FixedOffset>> {
        match &self.status {
            Status::Draft => None,
            Status::Waiting { written_at, .. }
            | Status::Sending { written_at, .. }
            | Status::Delivered { written_at, .. }
            | Status::Rejected { written_at, .. } => Some(*written_at),
        }
    }

    /// The record to send, once submitted.
    pub fn submission(&self) -> Option<Report> {
        Some(self.as_report(self.written_at()?))
    }

    /// The record as it would be sent if written at `written_at`.
    pub fn as_report(&self, written_at: DateTime<FixedOffset>) -> Report {
        Report {
            id: self.id,
            thread: self.thread,
            thread_key: self.thread_key.clone(),
            stage: self.stage,
            template_id: self.template_id.clone(),
            template_version: self.template_version,
            answers: self.answers.clone(),
            written_at,
            grade: self.grade.clone(),
            photos: self.photos.clone(),
            clock_offset_ms: self.clock_offset_ms,
        }
    }

    pub fn is_editable(&self) -> bool {
        matches!(self.status, Status::Draft | Status::Rejected { .. })
    }

    /// Whether a fix of this refused report goes under its own id: yes
    /// unless the server holds other content under it, or refused the id
    /// itself (a thread key that did not make it; a first record whose
    /// thread is another's), which no fix of the answers could mend. A 首报
    /// that keeps its id keeps its thread (a 续报 already sent names it)
    /// and its place before the thread's later records in the queue.
    pub fn fix_keeps_id(&self) -> bool {
        let Status::Rejected {
            id_taken: false,
            fields,
            ..
        } = &self.status
        else {
            return false;
        };
        !fields.iter().any(|f| self.refuses_id(f))
    }

    /// Whether this first record holds its thread's later records back
    /// (`sync::outbox`): refused, where its fix must take a new id (sent
    /// now, they would name an id that will be nobody's 首报; the fix takes
    /// them along, `threads::follow_the_fix`), or a draft being fixed, until
    /// it is submitted and goes before them.
    pub fn holds_its_thread_back(&self) -> bool {
        self.thread.is_none()
            && match self.status {
                Status::Draft => true,
                Status::Rejected { .. } => !self.fix_keeps_id(),
                _ => false,
            }
    }

    /// What a fix of this refused report shows of the refusal: every reason
    /// but one about the id, which the fix's new id leaves behind.
    pub fn refusal_to_fix(&self) -> Vec<FieldError> {
        let Status::Rejected { fields, .. } = &self.status else {
            return Vec::new();
        };
        fields.iter().filter(|f| !self.refuses_id(f)).cloned().collect()
    }

    /// Whether the server refused the id itself: a thread key that did not
    /// make it, or a first record whose thread is another's.
    fn refuses_id(&self, f: &FieldError) -> bool {
        f.field == "thread_key"
            || (self.stage == Stage::Initial && f.field == "thread" && f.code == ErrorCode::NotPermitted)
    }
}
