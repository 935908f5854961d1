//! After the server was restored from a backup: what this phone delivered
//! after the backup was made goes again, with the delivered photos it still
//! holds; nothing else, and once per restore.

use chrono::{Duration, Utc};
use kuaibao::platform;
use kuaibao::store::{Status, Upload};
use kuaibao_core::wire::protocol::Restore;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{delivered, fresh_store, report, stored_photo};

/// A record the server received `ago` before now.
fn received(ago: Duration) -> Status {
    let mut status = delivered(1);
    if let Status::Delivered { receipt, .. } = &mut status {
        receipt.received_at = Utc::now() - ago;
    }
    status
}

#[wasm_bindgen_test]
async fn what_the_server_received_after_its_backup_goes_again_once() {
    let store = fresh_store().await;
    let backup_made_at = Utc::now() - Duration::hours(6);
    let kept = report(received(Duration::hours(8)));
    let lost = report(received(Duration::hours(2)));
    let waiting = report(crate::waiting(0.0));
    // Read back from the server by this phone, written on another (which
    // may be gone): sent again from here too, a replay if both do.
    let read_back = kuaibao::store::LocalReport {
        recovered: true,
        ..report(received(Duration::hours(2)))
    };
    // Read back, and it came by SMS: sent from here it would be stored as
    // an app report (its way and seal lost); the text's own phone, or the
    // office's paste, brings it again.
    let mut sms_read_back = kuaibao::store::LocalReport {
        recovered: true,
        ..report(received(Duration::hours(2)))
    };
    if let Status::Delivered { receipt, .. } = &mut sms_read_back.status {
        receipt.via_sms = true;
    }
    // Filed by the office in her thread: never sent under her account.
    let office = kuaibao::store::LocalReport {
        recovered: true,
        by_office: Some("王科长".to_owned()),
        ..report(received(Duration::hours(2)))
    };
    for r in [&kept, &lost, &waiting, &read_back, &sms_read_back, &office] {
        store.put(r).await.expect("put");
    }
    let mut arrived = stored_photo(&store, kept.id, 1_000).await;
    arrived.upload = Upload::Done;
    store.put_photo(&arrived).await.expect("put photo");
    // One whose original was deleted to free space: it cannot go again.
    let mut pruned = stored_photo(&store, lost.id, 2_000).await;
    pruned.upload = Upload::Done;
    store.put_photo(&pruned).await.expect("put photo");
    store.prune_delivered(u32::MAX).await.expect("prune");
    // Pruning took both originals; the first one's is put back.
    let mut fresh = stored_photo(&store, kept.id, 1_500).await;
    fresh.upload = Upload::Done;
    store.put_photo(&fresh).await.expect("put photo");

    let restore = Restore {
        restored_at: Utc::now() - Duration::minutes(5),
        backup_made_at,
    };
    let now = platform::now_ms();
    let again = store.resend_after(&restore, now).await.expect("resend");
    // Made in the same millisecond, their ids need not sort as made.
    let mut sent_again: Vec<_> = again.iter().map(|r| r.id).collect();
    sent_again.sort();
    let mut expected = vec![lost.id, read_back.id];
    expected.sort();
    assert_eq!(sent_again, expected);
    let stored = |id| {
        let store = store.clone();
        async move { store.get(id).await.expect("get").expect("kept") }
    };
    match stored(lost.id).await.status {
        Status::Waiting {
            written_at,
            attempts: 0,
            next_try_ms,
            last_error: None,
        } => {
            assert_eq!(
                Some(written_at),
                lost.written_at(),
                "the very record, written when it was"
            );
            assert_eq!(next_try_ms, now, "at once");
        }
        other => panic!("the lost record waits to go again: {other:?}"),
    }
    assert_eq!(stored(kept.id).await, kept, "received before the backup: kept there");
    assert_eq!(stored(waiting.id).await, waiting);
    assert!(
        matches!(stored(read_back.id).await.status, Status::Waiting { .. }),
        "a record read back goes again too"
    );
    assert_eq!(stored(sms_read_back.id).await, sms_read_back, "not as an app report");
    assert_eq!(stored(office.id).await, office, "not as hers");
    let photos = store.photos().await.expect("photos");
    let upload = |id| photos.iter().find(|p| p.id == id).map(|p| p.upload.clone());
    assert!(
        matches!(upload(fresh.id), Some(Upload::Waiting { url: None, .. })),
        "held: goes again"
    );
    assert_eq!(upload(pruned.id), Some(Upload::Done), "its original is gone");
    assert_eq!(upload(arrived.id), Some(Upload::Done), "its original is gone");

    // Once per restore: the record delivered again is not queued a second
    // time by the next pass.
    store.put(&lost).await.expect("delivered again");
    assert!(store.resend_after(&restore, now).await.expect("again").is_empty());
    assert_eq!(stored(lost.id).await, lost);
    // A later restore is another matter.
    let later = Restore {
        restored_at: Utc::now(),
        backup_made_at,
    };
    assert_eq!(store.resend_after(&later, now).await.expect("later").len(), 1);
}

#[wasm_bindgen_test]
async fn a_record_sent_again_shows_its_first_receipt_when_the_server_sealed_it() {
    use kuaibao::store::LocalReport;
    let store = fresh_store().await;
    let mut sealed = report(received(Duration::hours(2)));
    if let Status::Delivered { receipt, .. } = &mut sealed.status {
        receipt.seal = Some("5e".repeat(32));
    }
    // Delivered before receipts were sealed (or read back from a list).
    let unsealed = report(received(Duration::hours(2)));
    for r in [&sealed, &unsealed] {
        store.put(r).await.expect("put");
    }
    let restore = Restore {
        restored_at: Utc::now() - Duration::minutes(5),
        backup_made_at: Utc::now() - Duration::hours(6),
    };
    store.resend_after(&restore, platform::now_ms()).await.expect("resend");
    let first_receipt = |r: &LocalReport| match &r.status {
        Status::Delivered { receipt, .. } => receipt.clone(),
        other => panic!("delivered: {other:?}"),
    };
    let stored = store.get(sealed.id).await.expect("get").expect("kept");
    assert!(matches!(stored.status, Status::Waiting { .. }));
    assert_eq!(
        stored.first_receipt,
        Some(first_receipt(&sealed)),
        "kept, to be shown again"
    );
    let stored = store.get(unsealed.id).await.expect("get").expect("kept");
    assert_eq!(stored.first_receipt, None, "nothing to show");
}
