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
        .keep_thread_records("li", &[in_hers.clone(), elsewhere.clone()], next, days_ago(30))
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
        .keep_thread_records("li", std::slice::from_ref(&in_hers), next, days_ago(30))
        .await
        .expect("keep");
    assert!(again.is_empty());
    assert_eq!(
        store.thread_records_from("wang", first.clone()).await.expect("meta"),
        first
    );
}

fn days_ago(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::TimeDelta::days(days)
}

/// A record as the server received it `days` ago.
fn received_days_ago(mut r: kuaibao::store::LocalReport, days: i64) -> kuaibao::store::LocalReport {
    if let Status::Delivered { receipt, .. } = &mut r.status {
        receipt.received_at = days_ago(days);
    }
    r
}

/// Before, a thread she began on her other phone never reached this one:
/// only records of threads it held were kept, so she could not file its
/// 续报 here, and would have begun it again.
#[wasm_bindgen_test]
async fn a_thread_begun_on_her_other_phone_is_kept_with_its_records_and_an_old_one_is_not() {
    let store = fresh_store().await;
    let next = "/api/thread-records?limit=100&after=k9";
    // Begun there yesterday, with its 续报 after it in the list.
    let begun = received_days_ago(report(delivered(5)), 1);
    let follow_up = kuaibao::store::LocalReport {
        thread: Some(begun.id),
        stage: kuaibao_core::Stage::FollowUp { n: 1 },
        recovered: true,
        ..report(delivered(6))
    };
    // Begun 40 days ago, kept 30: settled and let go, or read back, not
    // brought back from the list (a new phone reads it from its start).
    let old = received_days_ago(report(delivered(1)), 40);
    let old_follow_up = kuaibao::store::LocalReport {
        thread: Some(old.id),
        stage: kuaibao_core::Stage::FollowUp { n: 1 },
        ..received_days_ago(report(delivered(2)), 39)
    };
    // Let go on this phone, keeping its receipt: not brought back.
    let let_go = received_days_ago(report(delivered(3)), 2);
    store.put(&let_go).await.expect("put");
    store
        .archive(std::slice::from_ref(&let_go), &[])
        .await
        .expect("archive");
    // Its 续报 reached the server before it: listed first.
    let records = [old.clone(), old_follow_up, let_go, follow_up.clone(), begun.clone()];
    let kept = store
        .keep_thread_records("li", &records, next, days_ago(30))
        .await
        .expect("keep");
    assert_eq!(kept, vec![begun.clone(), follow_up.clone()]);
    assert_eq!(store.get(begun.id).await.expect("get"), Some(begun));
    assert_eq!(store.get(follow_up.id).await.expect("get"), Some(follow_up));
    assert_eq!(store.get(old.id).await.expect("get"), None);
}
