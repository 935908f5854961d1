//! The list's first page (`Store::first_page`): the newest threads, read
//! through the indexes, are the whole list's first page; the indexes are
//! built by the upgrade from the records a phone already holds, and kept
//! in step by every write, receipt and let-go.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao::platform;
use kuaibao::store::{FirstPage, LocalPhoto, LocalReport, Status, Store, BLOBS, META, PHOTOS, RECEIPTS, REPORTS};
use kuaibao::threads::{threads, Thread};
use kuaibao_core::{ReportId, Stage};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{delivered, fresh_store, photo_record, report, waiting};

/// The id of a record written `minute` minutes into a day: the records of
/// a test sort as it numbers them.
fn id(minute: u64) -> ReportId {
    ReportId::from_parts(1_764_000_000_000 + minute * 60_000, [minute as u8; 10])
}

/// A record written at `minute`, in the thread begun at `thread` (its own
/// if `None`).
fn record(minute: u64, thread: Option<u64>, status: Status) -> LocalReport {
    let mut r = report(status);
    r.id = id(minute);
    r.thread = thread.map(id);
    if thread.is_some() {
        r.stage = Stage::FollowUp { n: 1 };
    }
    r
}

/// A phone's records: six threads, begun at minutes 1 to 7. Thread 1 has a
/// 续报 written last (minute 50), thread 4 a draft of one (minute 5);
/// thread 3 waits to be sent; the others are delivered.
fn phone() -> Vec<LocalReport> {
    vec![
        record(1, None, delivered(1)),
        record(2, None, delivered(2)),
        record(3, None, waiting(0.0)),
        record(4, None, delivered(4)),
        record(5, Some(4), Status::Draft),
        record(6, None, delivered(6)),
        record(7, None, delivered(7)),
        record(50, Some(1), delivered(50)),
    ]
}

/// The photos of the phone: of records 2, 3 and 7.
fn phone_photos() -> Vec<LocalPhoto> {
    [2, 3, 7].into_iter().map(|m| photo_record(id(m), 1)).collect()
}

async fn write(store: &Store, reports: &[LocalReport], photos: &[LocalPhoto]) {
    for r in reports {
        store.put(r).await.expect("put");
    }
    for p in photos {
        store.put_photo(p).await.expect("put photo");
    }
}

/// The threads a first page shows: those begun at or after its `from`.
fn shown(page: &FirstPage) -> Vec<Thread> {
    let mut all = threads(&page.records);
    all.retain(|t| t.id >= page.partial.from);
    all
}

/// Checks `store`'s first page of `n` against the whole list read from
/// every record: the same threads, whole; the rest counted; every record
/// not delivered there; and their photos, no others.
async fn check_first_page(store: &Store, n: usize) -> FirstPage {
    let all = store.all().await.expect("all");
    let whole = threads(&all);
    let page = store
        .first_page(n)
        .await
        .expect("first page")
        .expect("more threads than a page");
    assert_eq!(shown(&page), whole[..n].to_vec(), "the newest {n} threads, whole");
    assert_eq!(page.partial.threads, whole.len(), "every thread counted");
    assert_eq!(page.partial.from, whole[n - 1].id);
    for r in all.iter().filter(|r| !matches!(r.status, Status::Delivered { .. })) {
        assert!(page.records.contains(r), "a record not delivered is read: {}", r.id);
    }
    let ids: Vec<ReportId> = page.records.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "oldest first, as Store::all");
    let photos = store.photos().await.expect("photos");
    let expected: Vec<LocalPhoto> = photos.into_iter().filter(|p| ids.contains(&p.report_id)).collect();
    assert_eq!(page.photos, expected);
    page
}

#[wasm_bindgen_test]
async fn the_first_page_is_the_lists_first_page_read_from_the_indexes() {
    let store = fresh_store().await;
    write(&store, &phone(), &phone_photos()).await;
    let page = check_first_page(&store, 2).await;
    // Threads 7 and 6, the waiting 3 and the draft 5; not thread 1's 续报
    // of minute 50, whose thread is not on the page.
    let ids: Vec<ReportId> = page.records.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![id(3), id(5), id(6), id(7)]);
    assert_eq!(page.photos.len(), 2, "of records 3 and 7");
    // With thread 4 on the page, its draft 续报 is there as its own.
    check_first_page(&store, 3).await;
    check_first_page(&store, 5).await;
}

/// A phone with no more threads than a page reads them all at once.
#[wasm_bindgen_test]
async fn no_more_threads_than_a_page_is_read_whole() {
    let store = fresh_store().await;
    assert!(store.first_page(2).await.expect("empty").is_none());
    write(&store, &phone(), &[]).await;
    assert!(store.first_page(6).await.expect("six").is_none());
    assert!(store.first_page(30).await.expect("thirty").is_none());
}

/// A phone in the field at schema v3, with reports and photos on it,
/// updated to this version: the upgrade indexes every record there and
/// loses none.
#[wasm_bindgen_test]
async fn the_upgrade_from_v3_indexes_the_records_on_the_phone() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let (reports, photos) = (phone(), phone_photos());
    {
        let db = Database::open(name.as_str())
            .with_version(3u32)
            .with_on_upgrade_needed(|_, db| {
                db.create_object_store(REPORTS).with_key_path("id".into()).build()?;
                db.create_object_store(META).build()?;
                db.create_object_store(PHOTOS).with_key_path("id".into()).build()?;
                db.create_object_store(BLOBS).build()?;
                db.create_object_store(RECEIPTS).with_key_path("id".into()).build()?;
                Ok(())
            })
            .await
            .expect("open v3");
        let tx = db
            .transaction([REPORTS, PHOTOS])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .expect("tx");
        let (report_store, photo_store) = (
            tx.object_store(REPORTS).expect("reports"),
            tx.object_store(PHOTOS).expect("photos"),
        );
        for r in &reports {
            let value = serde_json::to_value(r).expect("json");
            report_store.put(value).serde().expect("put").await.expect("put done");
        }
        for p in &photos {
            let value = serde_json::to_value(p).expect("json");
            photo_store.put(value).serde().expect("put").await.expect("put done");
        }
        tx.commit().await.expect("commit");
        db.close();
    }
    let store = Store::open_named(&name).await.expect("upgrade");
    let mut kept = store.all().await.expect("all");
    kept.sort_by_key(|r| r.id);
    let mut written = reports.clone();
    written.sort_by_key(|r| r.id);
    assert_eq!(kept, written, "every record kept");
    assert_eq!(store.photos().await.expect("photos").len(), photos.len());
    check_first_page(&store, 2).await;
    check_first_page(&store, 3).await;
}

/// The indexes follow the store: a receipt takes a record out of those
/// not delivered; a thread let go leaves the count; a draft thrown away
/// leaves the page.
#[wasm_bindgen_test]
async fn the_indexes_follow_receipts_let_go_and_drafts() {
    let store = fresh_store().await;
    let (reports, photos) = (phone(), phone_photos());
    write(&store, &reports, &photos).await;

    let mut sent = reports[2].clone();
    sent.status = delivered(3);
    store.put(&sent).await.expect("the receipt of record 3");
    let page = check_first_page(&store, 2).await;
    assert!(
        !page.records.iter().any(|r| r.id == id(3)),
        "delivered, and its thread not on the page"
    );

    let newest = reports[6].clone();
    let its_photo = photos[2].id;
    store.archive(&[newest], &[its_photo]).await.expect("let thread 7 go");
    let page = check_first_page(&store, 2).await;
    assert_eq!(page.partial.threads, 5);
    assert_eq!(page.partial.from, id(4), "threads 6 and 4 now");
    assert!(page.photos.is_empty(), "its photo went with it");

    store.delete_draft(id(5)).await.expect("throw the draft away");
    let page = check_first_page(&store, 2).await;
    assert!(!page.records.iter().any(|r| r.id == id(5)));
}
