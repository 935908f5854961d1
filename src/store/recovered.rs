//! The records a phone read back from the server (`sync::recover`): a new
//! phone, or one whose storage the browser cleared, holds none of its
//! account's threads, and without them the worker could neither file the
//! next 续报 nor see what she owes. They are kept as delivered, as if this
//! phone had sent them, marked as read back (`LocalReport::recovered`).

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use wasm_bindgen::JsValue;

use super::schema::RECOVERED_KEY;
use super::{json, LocalReport, Store, StoreError, META, RECEIPTS, REPORTS};

/// The `meta` value once the whole list was read.
const DONE: &str = "done";

/// The `meta` key saying how far `account_id`'s threads were read back:
/// [`DONE`], or the address of the next page.
fn key(account_id: &str) -> String {
    format!("{RECOVERED_KEY}:{account_id}")
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
        let tx = self
            .db
            .transaction([REPORTS, RECEIPTS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let (reports, receipts) = (tx.object_store(REPORTS)?, tx.object_store(RECEIPTS)?);
        let mut kept = Vec::new();
        for record in records {
            let id = record.id.to_string();
            let held: Option<JsValue> = reports.get(id.as_str()).primitive()?.await?;
            let let_go: Option<JsValue> = receipts.get(id.as_str()).primitive()?.await?;
            if held.is_none() && let_go.is_none() {
                reports.put(json::to_js(record)?).primitive()?.await?;
                kept.push(record.clone());
            }
        }
        tx.object_store(META)?
            .put(next.unwrap_or(DONE))
            .with_key(key(account_id))
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(kept)
    }
}
