use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao::platform;
use kuaibao::store::{Status, Store, REPORTS};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{fresh_store, report, waiting};

#[wasm_bindgen_test]
async fn a_saved_draft_reads_back_identically() {
    let store = fresh_store().await;
    let draft = report(Status::Draft);
    assert!(store.save_draft(&draft).await.expect("save"));
    assert_eq!(store.get(draft.id).await.expect("get"), Some(draft.clone()));
    assert_eq!(store.all().await.expect("all"), vec![draft]);
}

#[wasm_bindgen_test]
async fn records_survive_closing_and_reopening_the_database() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let draft = report(Status::Draft);
    {
        let store = Store::open_named(&name).await.expect("open");
        store.save_draft(&draft).await.expect("save");
    }
    let reopened = Store::open_named(&name).await.expect("reopen");
    assert_eq!(reopened.get(draft.id).await.expect("get"), Some(draft));
}

#[wasm_bindgen_test]
async fn a_late_autosave_never_turns_a_submitted_report_back_into_a_draft() {
    let store = fresh_store().await;
    let mut r = report(waiting(0.0));
    store.put(&r).await.expect("put");
    let submitted = r.clone();
    r.status = Status::Draft;
    r.answers.insert("place".into(), "changed after submit".into());
    assert!(!store.save_draft(&r).await.expect("save_draft"));
    assert_eq!(store.get(r.id).await.expect("get"), Some(submitted));
}

#[wasm_bindgen_test]
async fn replace_swaps_one_record_for_another() {
    let store = fresh_store().await;
    let old = report(Status::Draft);
    store.put(&old).await.expect("put");
    let new = report(Status::Draft);
    store.replace(old.id, &new).await.expect("replace");
    assert_eq!(store.all().await.expect("all"), vec![new]);
}

#[wasm_bindgen_test]
async fn only_drafts_can_be_deleted() {
    let store = fresh_store().await;
    let draft = report(Status::Draft);
    let sent = report(waiting(0.0));
    store.put(&draft).await.expect("put");
    store.put(&sent).await.expect("put");
    store.delete_draft(draft.id).await.expect("delete");
    store.delete_draft(sent.id).await.expect("delete is a no-op");
    assert_eq!(store.all().await.expect("all"), vec![sent]);
}

#[wasm_bindgen_test]
async fn an_unreadable_record_does_not_hide_the_others() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let store = Store::open_named(&name).await.expect("open");
    let good = report(Status::Draft);
    store.put(&good).await.expect("put");
    // Write a record of another shape straight into the object store, as a
    // bug or an older app version might have.
    let db = Database::open(name.as_str()).await.expect("raw open");
    let tx = db
        .transaction(REPORTS)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .expect("tx");
    let bad = serde_json::json!({ "id": "00000000-0000-7000-8000-000000000000", "status": 42 });
    tx.object_store(REPORTS)
        .expect("store")
        .put(bad)
        .serde()
        .expect("put")
        .await
        .expect("put done");
    tx.commit().await.expect("commit");
    assert_eq!(store.all().await.expect("all"), vec![good]);
}
