//! The records read back from the server for an account (a new phone, or
//! storage the browser cleared): kept as delivered where the phone holds
//! nothing of them, a few pages a pass to the end of the list, once per
//! account.

use kuaibao::store::Status;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{delivered, fresh_store, report};

#[wasm_bindgen_test]
async fn records_read_back_are_kept_where_the_phone_holds_nothing_of_them() {
    let store = fresh_store().await;
    let first = "/api/threads?limit=50".to_owned();
    assert_eq!(
        store.recovery_from("li", first.clone()).await.expect("meta"),
        Some(first.clone())
    );
    // The phone's own copy, further on than the server's (a refusal the
    // worker is fixing, say), and a record it let go, keeping its receipt.
    let own = report(Status::Draft);
    let let_go = report(delivered(2));
    store.put(&own).await.expect("put");
    store.put(&let_go).await.expect("put");
    store
        .archive(std::slice::from_ref(&let_go), &[])
        .await
        .expect("archive");
    let missing = report(delivered(3));
    let server_copy_of_own = kuaibao::store::LocalReport {
        status: delivered(1),
        ..own.clone()
    };

    // A pass that stopped part-way: the next goes on from its page.
    let next = "/api/threads?limit=50&after=k1";
    let kept = store
        .recover("li", &[server_copy_of_own, let_go.clone(), missing.clone()], Some(next))
        .await
        .expect("recover");
    assert_eq!(kept, vec![missing.clone()], "only what the phone lacked");
    assert_eq!(
        store.get(own.id).await.expect("get"),
        Some(own),
        "the phone's copy stays"
    );
    assert_eq!(store.get(let_go.id).await.expect("get"), None, "let go stays let go");
    assert_eq!(store.get(missing.id).await.expect("get"), Some(missing.clone()));
    assert_eq!(
        store.recovery_from("li", first.clone()).await.expect("meta"),
        Some(next.to_owned())
    );

    // The last page: done for this account, not for another.
    let older = report(delivered(4));
    let kept = store
        .recover("li", &[missing, older.clone()], None)
        .await
        .expect("recover");
    assert_eq!(kept, vec![older]);
    assert_eq!(store.recovery_from("li", first.clone()).await.expect("meta"), None);
    assert_eq!(
        store.recovery_from("wang", first.clone()).await.expect("meta"),
        Some(first)
    );
}

/// The records of her threads (here the office's): kept where the phone holds the
/// thread and not the record; where the next read starts is noted.
#[wasm_bindgen_test]
async fn thread_records_are_kept_in_the_threads_the_phone_holds() {
    let store = fresh_store().await;
    let first = "/api/thread-records?limit=100".to_owned();
    assert_eq!(
        store.thread_records_from("li", first.clone()).await.expect("meta"),
        first
    );
    let hers = report(delivered(1));
    store.put(&hers).await.expect("put");
    let office = |thread| kuaibao::store::LocalReport {
        thread: Some(thread),
        stage: kuaibao_core::Stage::Call { n: 1 },
        by_office: Some("周值班".into()),
        recovered: true,
        ..report(delivered(2))
    };
    let in_hers = office(hers.id);
    // A thread the phone let go, or never held: not brought back by one
    // record of the office's.
    let elsewhere = office(kuaibao::platform::new_report_id());
    let next = "/api/thread-records?limit=100&after=k2";
    let kept = store
        .keep_thread_records("li", &[in_hers.clone(), elsewhere.clone()], next)
        .await
        .expect("keep");
    assert_eq!(kept, vec![in_hers.clone()]);
    assert_eq!(store.get(in_hers.id).await.expect("get"), Some(in_hers.clone()));
    assert_eq!(store.get(elsewhere.id).await.expect("get"), None);
    assert_eq!(
        store.thread_records_from("li", first.clone()).await.expect("meta"),
        next
    );
    // Read again (a pass cut short): kept once.
    let again = store
        .keep_thread_records("li", std::slice::from_ref(&in_hers), next)
        .await
        .expect("keep");
    assert!(again.is_empty());
    assert_eq!(
        store.thread_records_from("wang", first.clone()).await.expect("meta"),
        first
    );
}
