//! The records a phone read back from the server (`sync::recover`): a new
//! phone, or one whose storage the browser cleared, holds none of its
//! account's threads, and without them the worker could neither file the
//! next 续报 nor see what she owes. They are kept as delivered, as if this
//! phone had sent them.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use wasm_bindgen::JsValue;

use super::schema::RECOVERED_KEY;
use super::{json, LocalReport, Store, StoreError, META, RECEIPTS, REPORTS};

/// The `meta` key saying `account_id`'s threads were read back.
fn key(account_id: &str) -> String {
    format!("{RECOVERED_KEY}:{account_id}")
}

impl Store {
    /// Whether this phone has read `account_id`'s threads back already.
    pub async fn has_recovered(&self, account_id: &str) -> Result<bool, StoreError> {
        Ok(self.meta(&key(account_id)).await?.is_some())
    }

    /// Keeps the records read back for `account_id` that this phone does
    /// not hold (as a record, or as the receipt of one it let go), and
    /// notes that it has them, in one transaction; returns those kept. A
    /// record the phone holds stays as it is: the phone's own copy may be
    /// further on (a draft of its fix, a refusal) than what the server has.
    pub async fn recover(&self, account_id: &str, records: &[LocalReport]) -> Result<Vec<LocalReport>, StoreError> {
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
            .put("1")
            .with_key(key(account_id))
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(kept)
    }
}
