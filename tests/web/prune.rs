//! Freeing space: the originals of delivered photos leave the phone, oldest
//! first, at most as many as asked; nothing else does.

use kuaibao::platform;
use kuaibao::store::{Freed, LocalPhoto, Store, Upload};
use wasm_bindgen_test::wasm_bindgen_test;

/// A stored photo of `size` bytes, taken at `created_ms`, uploaded as far
/// as `upload` says.
async fn photo(store: &Store, size: usize, created_ms: f64, upload: Upload) -> LocalPhoto {
    let mut p = crate::stored_photo(store, platform::new_report_id(), size).await;
    p.created_ms = created_ms;
    p.upload = upload;
    store.put_photo(&p).await.expect("put photo");
    p
}

async fn has_bytes(store: &Store, p: &LocalPhoto) -> bool {
    store.photo_blob(p.id, false).await.expect("read bytes").is_some()
}

async fn has_thumb(store: &Store, p: &LocalPhoto) -> bool {
    store.photo_blob(p.id, true).await.expect("read thumb").is_some()
}

#[wasm_bindgen_test]
async fn only_delivered_originals_go_oldest_first_at_most_n_and_records_stay() {
    let store = crate::fresh_store().await;
    let report = crate::report(crate::waiting(0.0));
    store.put(&report).await.expect("put report");
    // Stored in this order (ids rise), delivered in another: created_ms
    // decides, not the key.
    let newest = photo(&store, 3_000, 300.0, Upload::Done).await;
    let oldest = photo(&store, 1_000, 100.0, Upload::Done).await;
    let waiting = photo(&store, 5_000, 50.0, Upload::fresh()).await;
    let refused = photo(
        &store,
        7_000,
        10.0,
        Upload::Rejected {
            reason: "too large".into(),
        },
    )
    .await;
    let middle = photo(&store, 2_000, 200.0, Upload::Done).await;
    let records_before = store.photos().await.expect("photos");

    // Counting (at most none) deletes nothing.
    let (none, delivered) = store.prune_delivered(0).await.expect("count");
    assert_eq!(none, Freed::default());
    assert_eq!(
        delivered.photos,
        vec![(oldest.id, 1_000), (middle.id, 2_000), (newest.id, 3_000)],
        "delivered only, oldest first"
    );
    assert_eq!(
        delivered.first(2),
        Freed {
            photos: 2,
            bytes: 3_000
        }
    );
    assert_eq!(
        delivered.all(),
        Freed {
            photos: 3,
            bytes: 6_000
        }
    );
    assert!(has_bytes(&store, &oldest).await);

    let (freed, left) = store.prune_delivered(2).await.expect("prune");
    assert_eq!(
        freed,
        Freed {
            photos: 2,
            bytes: 3_000
        }
    );
    assert_eq!(left.photos, vec![(newest.id, 3_000)], "what is left is told");
    assert!(!has_bytes(&store, &oldest).await, "the oldest delivered went");
    assert!(!has_bytes(&store, &middle).await, "the next delivered went");
    assert!(has_bytes(&store, &newest).await, "at most two went");
    assert!(
        has_bytes(&store, &waiting).await,
        "an undelivered photo is never touched"
    );
    assert!(has_bytes(&store, &refused).await, "a refused photo is never touched");
    for p in [&oldest, &middle, &newest, &waiting, &refused] {
        assert!(has_thumb(&store, p).await, "every thumbnail stays");
    }
    assert_eq!(
        store.photos().await.expect("photos"),
        records_before,
        "every photo record stays as it was (a pruned photo is still Done)"
    );
    assert_eq!(
        store.get(report.id).await.expect("get"),
        Some(report),
        "the report stays"
    );

    // Then the one delivered original left; then nothing.
    let (freed, left) = store.prune_delivered(u32::MAX).await.expect("prune all");
    assert_eq!(
        freed,
        Freed {
            photos: 1,
            bytes: 3_000
        }
    );
    assert!(left.photos.is_empty());
    assert_eq!(store.prune_delivered(10).await.expect("prune none").0, Freed::default());
    assert!(has_bytes(&store, &waiting).await && has_bytes(&store, &refused).await);
}
