//! The records a phone read back from the server (`sync::recover`): a new
//! phone, or one whose storage the browser cleared, holds none of its
//! account's threads, and without them the worker could neither file the
//! next 续报 nor see what she owes. They are kept as delivered, as if this
//! phone had sent them, marked as read back (`LocalReport::recovered`).
//! So are the records added to her threads since (`sync::thread_records`):
//! by the duty office (a closing, a call it logged, its 续报), or by her on
//! another phone, and the threads she began there since.

use chrono::{DateTime, Utc};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use wasm_bindgen::JsValue;

use super::schema::{RECOVERED_KEY, THREAD_RECORDS_KEY};
use super::{json, LocalReport, Status, Store, StoreError, META, RECEIPTS, REPORTS};

/// The `meta` value once the whole list was read.
const DONE: &str = "done";

/// The `meta` key saying how far `account_id`'s threads were read back:
/// [`DONE`], or the address of the next page.
fn key(account_id: &str) -> String {
    format!("{RECOVERED_KEY}:{account_id}")
}

/// The `meta` key of the address where reading the records of
/// `account_id`'s threads starts next.
fn records_key(account_id: &str) -> String {
    format!("{THREAD_RECORDS_KEY}:{account_id}")
}

impl Store {
    /// Where reading `account_id`'s threads back goes on: `first` if it
    /// never began, the next page's address if it stopped part-way, `None`
    /// once it reached the end.
    pub async fn recovery_from(&self, account_id: &str, first: String) -> Result<Option<String>, StoreError> {
        Ok(match self.meta(&key(account_id)).await? {
            None => Some(first),
            Some(done) if done == DONE => None,
            Some(next) => Some(next),
        })
    }

    /// Keeps the records read back for `account_id` that this phone does
    /// not hold (as a record, or as the receipt of one it let go), and
    /// notes where the list goes on (`next`; `None`: its end), in one
    /// transaction; returns those kept. A record the phone holds stays as
    /// it is: the phone's own copy may be further on (a draft of its fix, a
    /// refusal) than what the server has.
    pub async fn recover(
        &self,
        account_id: &str,
        records: &[LocalReport],
        next: Option<&str>,
    ) -> Result<Vec<LocalReport>, StoreError> {
        self.keep_new(records, None, &key(account_id), next.unwrap_or(DONE))
            .await
    }

    /// Where reading the records of `account_id`'s threads goes on: the
    /// address kept by the last read, else `first`.
    pub async fn thread_records_from(&self, account_id: &str, first: String) -> Result<String, StoreError> {
        Ok(self.meta(&records_key(account_id)).await?.unwrap_or(first))
    }

    /// Keeps the records of `account_id`'s threads that this phone holds
    /// the thread of (one it let go, or never held, is not brought back by
    /// the office's closing or call) and does not hold itself, and the
    /// first records of threads begun on her other phone: those the office
    /// received after `begun_after` (the phone's keeping time back from
    /// now). One begun before is either on the phone already, read back,
    /// or settled and let go. Notes where the next read starts (`next`),
    /// in one transaction; returns those kept.
    pub async fn keep_thread_records(
        &self,
        account_id: &str,
        records: &[LocalReport],
        next: &str,
        begun_after: DateTime<Utc>,
    ) -> Result<Vec<LocalReport>, StoreError> {
        self.keep_new(records, Some(begun_after), &records_key(account_id), next)
            .await
    }

    /// Puts each of `records` the phone neither holds nor let go (and, with
    /// `begun_after`, whose thread's first record it holds or that begins
    /// a thread received after that), and sets `meta` `key` to `value`, in
    /// one transaction; returns those put.
    async fn keep_new(
        &self,
        records: &[LocalReport],
        begun_after: Option<DateTime<Utc>>,
        key: &str,
        value: &str,
    ) -> Result<Vec<LocalReport>, StoreError> {
        let tx = self
            .db
            .transaction([REPORTS, RECEIPTS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let (reports, receipts) = (tx.object_store(REPORTS)?, tx.object_store(RECEIPTS)?);
        let mut kept = Vec::new();
        // Threads' first records first: a call or a 续报 that reached the
        // server before its 首报 is listed before it, and its thread must
        // be held by then.
        let (starts, rest): (Vec<&LocalReport>, Vec<&LocalReport>) = records.iter().partition(|r| r.thread.is_none());
        for record in starts.into_iter().chain(rest) {
            let id = record.id.to_string();
            let held: Option<JsValue> = reports.get(id.as_str()).primitive()?.await?;
            let let_go: Option<JsValue> = receipts.get(id.as_str()).primitive()?.await?;
            if held.is_some() || let_go.is_some() {
                continue;
            }
            if let Some(after) = begun_after {
                let begins = record.thread.is_none()
                    && matches!(&record.status, Status::Delivered { receipt, .. } if receipt.received_at > after);
                // Read within this transaction: a thread's first record
                // kept earlier in the list counts as held.
                if !begins {
                    let first: Option<JsValue> = reports.get(record.thread_id().to_string()).primitive()?.await?;
                    if first.is_none() {
                        continue;
                    }
                }
            }
            reports.put(json::to_js(record)?).primitive()?.await?;
            kept.push(record.clone());
        }
        tx.object_store(META)?.put(value).with_key(key).primitive()?.await?;
        tx.commit().await?;
        Ok(kept)
    }
}
