//! The list's first page, read without decoding every record on the phone
//! (issue 19: a phone with 500 reports opens its list as fast as one with a
//! few). Which records begin threads, and so how many threads there are
//! and which are the newest, comes from keys alone: the records' own keys
//! and the [`BY_THREAD`] index's. Only the records of the newest threads,
//! those not yet delivered (the outbox counts them) and their photos' are
//! read and decoded; the app reads the rest once the list is on screen.
//!
//! The indexes are the browser's: kept in step with every write, receipt
//! and let-go by IndexedDB itself, and filled from the records already on
//! the phone by the upgrade that made them (`schema::Version::V4`).
//!
//! Read on the browser's own API, as the upgrade is (`open`): requests
//! made in a row and waited for once, since a transaction answers them in
//! order, and none of `indexed_db_futures`' index and key-range code in
//! the download.

use indexed_db_futures::internals::SystemRepr;
use js_sys::Array;
use kuaibao_core::sort::insertion_sort;
use kuaibao_core::ReportId;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange, IdbRequest};

use super::open::finished;
use super::{
    json, LocalPhoto, LocalReport, Status, Store, StoreError, BY_REPORT, BY_STATE, BY_THREAD, PHOTOS, REPORTS,
};
use crate::platform::js_error;

/// The newest threads' records, and what the list says of the others.
pub struct FirstPage {
    /// The records of the threads begun at or after `from`, and every
    /// record not yet delivered, oldest first (as [`Store::all`]).
    pub records: Vec<LocalReport>,
    /// The photo records of those records.
    pub photos: Vec<LocalPhoto>,
    /// Where the list stands while the rest is read.
    pub partial: Partial,
}

/// What the list knows before the rest of the records is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    /// How many threads the phone holds.
    pub threads: usize,
    /// The oldest of the newest threads read: the threads of the first
    /// page begin at or after it.
    pub from: ReportId,
}

impl Store {
    /// The records of the newest `n` threads, every record not yet
    /// delivered, and their photos; `None` when the phone holds no more
    /// than `n` threads (all of them is then the first page, read with
    /// [`Store::all`]).
    ///
    /// Thread ids are UUIDv7 and sort by when the thread began, as the
    /// list does. A thread's records other than its first all name it in
    /// `thread`, so one range of the [`BY_THREAD`] index gives the newest
    /// threads' later records, whatever their own ids.
    pub async fn first_page(&self, n: usize) -> Result<Option<FirstPage>, StoreError> {
        self.read_first_page(n).await.map_err(|e| StoreError::db(js_error(&e)))
    }

    async fn read_first_page(&self, n: usize) -> Result<Option<FirstPage>, JsValue> {
        let db: &IdbDatabase = self.db.as_sys().unchecked_ref();
        let tx = db.transaction_with_str_sequence(&Array::of2(&REPORTS.into(), &PHOTOS.into()))?;
        let reports = tx.object_store(REPORTS)?;
        let by_thread = reports.index(BY_THREAD)?;
        let by_report = tx.object_store(PHOTOS)?.index(BY_REPORT)?;
        let all = reports.get_all_keys()?;
        let later: Array = finished(&by_thread.get_all_keys()?).await?.unchecked_into();
        let all: Array = all.result()?.unchecked_into();
        // Every key is once in `all`, and in `later` unless its record
        // begins a thread.
        let threads = all.length().saturating_sub(later.length()) as usize;
        if threads <= n {
            return Ok(None);
        }
        // Looked at in JS: only the key found crosses into Rust.
        let from = (0..all.length())
            .rev()
            .map(|i| all.get(i))
            .filter(|k| !later.includes(k, 0))
            .nth(n.saturating_sub(1))
            .ok_or("fewer threads than counted")?;
        let partial = Partial {
            threads,
            from: from
                .as_string()
                .and_then(|k| k.parse().ok())
                .ok_or("a report key is not an id")?,
        };
        let newest = IdbKeyRange::lower_bound(&from)?;
        let delivered = JsValue::from_str("delivered");
        let by_state = reports.index(BY_STATE)?;
        let (before, after) = (
            IdbKeyRange::upper_bound_with_open(&delivered, true)?,
            IdbKeyRange::lower_bound_with_open(&delivered, true)?,
        );
        let asked = [
            // From `from` on: the newest first records, and later records
            // of any thread (those of older threads are dropped below).
            reports.get_all_with_key(&newest)?,
            by_thread.get_all_with_key(&newest)?,
            // Every state but `delivered`, on either side of it.
            by_state.get_all_with_key(&before)?,
            by_state.get_all_with_key(&after)?,
        ];
        let photos = by_report.get_all_with_key(&newest)?;
        finished(&photos).await?;
        let mut records: Vec<LocalReport> = Vec::new();
        for r in json::decoded::<LocalReport>(results(&asked)?, REPORTS) {
            let known = records.iter().any(|k| k.id == r.id);
            // An older thread's delivered record: its thread is not on the
            // first page, and only a part of it would be here.
            let older = r.thread_id() < partial.from && matches!(r.status, Status::Delivered { .. });
            if !known && !older {
                records.push(r);
            }
        }
        insertion_sort(&mut records, |a, b| a.id < b.id);
        // The photos of records older than `from` (not yet delivered, of
        // older threads), each asked for by its report.
        let mut photo_requests = vec![photos];
        for r in records.iter().filter(|r| r.id < partial.from) {
            photo_requests.push(by_report.get_all_with_key(&JsValue::from_str(&r.id.to_string()))?);
        }
        // The first is answered already: waiting for it again would wait
        // for an event that came.
        if let [_, .., last] = photo_requests.as_slice() {
            finished(last).await?;
        }
        let mut photos: Vec<LocalPhoto> = json::decoded::<LocalPhoto>(results(&photo_requests)?, PHOTOS)
            .filter(|p| records.iter().any(|r| r.id == p.report_id))
            .collect();
        // Oldest first, as [`Store::photos`].
        insertion_sort(&mut photos, |a, b| a.id < b.id);
        Ok(Some(FirstPage {
            records,
            photos,
            partial,
        }))
    }
}

/// The values answered to `getAll` requests, in turn.
fn results(requests: &[IdbRequest]) -> Result<impl Iterator<Item = Result<JsValue, StoreError>>, JsValue> {
    let mut values = Vec::new();
    for request in requests {
        values.extend(request.result()?.unchecked_into::<Array>().iter().map(Ok));
    }
    Ok(values.into_iter())
}
