use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao::platform;
use kuaibao::store::{LocalPhoto, LocalReport, Status, Store, StoreError, Upload, Version, PHOTOS, REPORTS};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{delivered, fresh_store, report, waiting};

#[wasm_bindgen_test]
async fn a_saved_draft_reads_back_identically() {
    let store = fresh_store().await;
    let draft = report(Status::Draft);
    assert!(store.put_over_draft(&draft).await.expect("save"));
    assert_eq!(store.get(draft.id).await.expect("get"), Some(draft.clone()));
    assert_eq!(store.all().await.expect("all"), vec![draft]);
}

/// A first record's id is made from a thread key that only this phone has;
/// the key is kept with the record and sent with it, and proves its id
/// (the server's judgement, run here too). Each thread has its own.
#[wasm_bindgen_test]
async fn a_first_records_thread_key_is_kept_and_proves_its_id() {
    let store = fresh_store().await;
    let (id, key) = platform::new_thread();
    let draft = LocalReport {
        answers: report(Status::Draft).answers,
        ..LocalReport::new_thread(
            id,
            key.clone(),
            &kuaibao_core::rules::catalogue::GENERAL_INCIDENT,
            platform::now_ms(),
        )
    };
    assert!(key.proves(draft.id));
    assert!(store.put_over_draft(&draft).await.expect("save"));
    let read = store.get(draft.id).await.expect("get").expect("kept");
    assert_eq!(read.thread_key.as_ref(), Some(&key));
    let sent = read.as_report(platform::now_local());
    assert_eq!(sent.thread_key, Some(key.clone()));
    let errors = kuaibao_core::validate(&sent).err().unwrap_or_default();
    assert!(errors.iter().all(|e| e.field != "thread_key"), "{errors:?}");
    let (other, other_key) = platform::new_thread();
    assert_ne!(other_key, key);
    assert!(!key.proves(other) && other_key.proves(other));
    // A record stored before keys reads without one.
    let mut before = serde_json::to_value(&read).expect("json");
    before.as_object_mut().expect("object").remove("thread_key");
    let old: LocalReport = serde_json::from_value(before).expect("reads");
    assert_eq!(old.thread_key, None);
}

#[wasm_bindgen_test]
async fn records_survive_closing_and_reopening_the_database() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let draft = report(Status::Draft);
    {
        let store = Store::open_named(&name).await.expect("open");
        store.put_over_draft(&draft).await.expect("save");
    }
    let reopened = Store::open_named(&name).await.expect("reopen");
    assert_eq!(reopened.get(draft.id).await.expect("get"), Some(draft));
}

/// The database at the current version but without its stores, as the
/// store's second open would leave it had the site's data been cleared
/// between its two opens: it is made anew and works.
#[wasm_bindgen_test]
async fn a_database_without_its_stores_is_made_anew() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let bare = Database::open(name.as_str())
        .with_version(Version::CURRENT as u32)
        .await
        .expect("open bare");
    assert_eq!(bare.object_store_names().count(), 0);
    bare.close();
    let store = Store::open_named(&name).await.expect("made anew");
    let draft = report(Status::Draft);
    assert!(store.put_over_draft(&draft).await.expect("save"));
    assert_eq!(store.all().await.expect("all"), vec![draft]);
    assert_eq!(store.photos().await.expect("photos"), vec![]);
}

/// A database left by a newer version of the app cannot be opened by this
/// one: a clear error, which the app shows, rather than a hang or a panic.
#[wasm_bindgen_test]
async fn a_database_of_a_newer_version_is_an_error_naming_why() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    Database::open(name.as_str())
        .with_version(Version::CURRENT as u32 + 1)
        .await
        .expect("open newer")
        .close();
    match Store::open_named(&name).await {
        Err(StoreError::Open(why)) => assert!(why.contains("VersionError"), "{why}"),
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("opened a newer database"),
    }
}

/// A database the browser will not open (site data blocked, a private
/// window): the worker is told to leave it, not to try again.
#[wasm_bindgen_test]
fn a_store_the_browser_will_not_open_says_to_use_its_own_browser() {
    use kuaibao_core::Lang;
    for raw in [
        // Chromium with the site's data blocked fails the open request.
        "UnknownError: The user denied permission to access the database.",
        // Firefox with cookies blocked throws from `open`.
        "SecurityError: The operation is insecure.",
        // Firefox's private windows before version 115.
        "InvalidStateError: A mutation operation was attempted on a database that did not allow mutations.",
    ] {
        let shown = StoreError::open(raw).message(Lang::Zh);
        assert!(shown.contains("关闭无痕模式"), "{raw}: {shown}");
    }
}

/// What a worker reads of a store failure: what to do, in her language,
/// never the browser's words (kept for the console).
#[wasm_bindgen_test]
fn store_errors_read_as_what_to_do() {
    use kuaibao_core::Lang;
    for (raw, says, says_en) in [
        (
            "QuotaExceededError: the quota has been exceeded",
            "手机存储空间不足",
            "The phone is full",
        ),
        (
            "UnknownError: Error preparing Blob/File data to be stored in object store",
            "关闭无痕模式",
            "not in a private window",
        ),
        ("AbortError: the transaction was aborted", "请重试", "Try again"),
        // A connection closing (another tab's upgrade) is no private window.
        (
            "InvalidStateError: The database connection is closing.",
            "请重试",
            "Try again",
        ),
    ] {
        let e = StoreError::db(raw);
        let shown = e.to_string();
        assert!(shown.starts_with("本机存储出错：") && shown.contains(says), "{shown}");
        assert!(!shown.contains("Error"), "no browser words: {shown}");
        assert_eq!(e.message(Lang::Zh), shown);
        let english = e.message(Lang::En);
        assert!(
            english.starts_with("The phone's storage failed: ") && english.contains(says_en),
            "{english}"
        );
        assert!(
            !english.contains("Error") && !english.contains("本机"),
            "neither the browser's words nor Chinese: {english}"
        );
        assert_eq!(e.raw(), raw);
    }
}

#[wasm_bindgen_test]
async fn a_late_autosave_never_turns_a_submitted_report_back_into_a_draft() {
    let store = fresh_store().await;
    let mut r = report(waiting(0.0));
    store.put(&r).await.expect("put");
    let submitted = r.clone();
    r.status = Status::Draft;
    r.answers.insert("place".into(), "changed after submit".into());
    assert!(!store.put_over_draft(&r).await.expect("put_over_draft"));
    assert_eq!(store.get(r.id).await.expect("get"), Some(submitted));
}

#[wasm_bindgen_test]
async fn a_second_windows_submit_never_overwrites_a_record_sent_and_its_receipt() {
    let store = fresh_store().await;
    let mut r = report(delivered(41));
    store.put(&r).await.expect("put");
    let sent = r.clone();
    // The same draft, still open in another window, submitted there.
    r.status = waiting(0.0);
    r.answers.insert("place".into(), "typed in the other window".into());
    assert!(!store.put_over_draft(&r).await.expect("put_over_draft"));
    assert_eq!(store.get(r.id).await.expect("get"), Some(sent));
    // A draft still a draft is filed.
    let draft = report(Status::Draft);
    store.put(&draft).await.expect("put");
    let filed = LocalReport {
        status: waiting(0.0),
        ..draft.clone()
    };
    assert!(store.put_over_draft(&filed).await.expect("put_over_draft"));
    assert_eq!(store.get(draft.id).await.expect("get"), Some(filed));
}

#[wasm_bindgen_test]
async fn replace_swaps_one_record_for_another() {
    let store = fresh_store().await;
    let old = report(Status::Draft);
    store.put(&old).await.expect("put");
    let new = report(Status::Draft);
    store
        .replace(old.id, std::slice::from_ref(&new), &[])
        .await
        .expect("replace");
    assert_eq!(store.all().await.expect("all"), vec![new.clone()]);

    // A rejected report's photos move with it, in the same write.
    let fixed = report(Status::Draft);
    let mut photo = crate::photo_record(new.id, 1_000);
    store.put_photo(&photo).await.expect("put photo");
    photo.report_id = fixed.id;
    store
        .replace(new.id, std::slice::from_ref(&fixed), std::slice::from_ref(&photo))
        .await
        .expect("replace");
    assert_eq!(store.all().await.expect("all"), vec![fixed]);
    assert_eq!(store.photos().await.expect("photos"), vec![photo]);
}

#[wasm_bindgen_test]
async fn only_drafts_can_be_deleted() {
    let store = fresh_store().await;
    let draft = report(Status::Draft);
    let sent = report(waiting(0.0));
    store.put(&draft).await.expect("put");
    store.put(&sent).await.expect("put");
    assert!(store.delete_draft(draft.id).await.expect("delete"));
    assert!(!store.delete_draft(sent.id).await.expect("delete is a no-op"));
    assert!(!store.delete_draft(draft.id).await.expect("gone already"));
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

/// Versions up to this one stored records through serde-wasm-bindgen
/// (indexed_db_futures' `.serde()`); the store now writes and reads them
/// through JSON. Every such record on a phone must read back as it was.
#[wasm_bindgen_test]
async fn records_written_by_earlier_versions_read_back_unchanged() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let store = Store::open_named(&name).await.expect("open");
    let mut expected = Vec::new();
    for (i, template) in kuaibao_core::rules::catalogue::offered().into_iter().enumerate() {
        let mut r = LocalReport::new_draft(platform::new_report_id(), template, platform::now_ms());
        r.answers = kuaibao_core::rules::examples::filled(template);
        r.photos = kuaibao_core::rules::examples::photos(template);
        r.clock_offset_ms = Some(-1250);
        r.status = Status::Rejected {
            written_at: platform::now_local(),
            reason: "值班室退回".into(),
            fields: Vec::new(),
            id_taken: i % 2 == 0,
        };
        expected.push(r);
    }
    expected.push(report(waiting(1.5e12)));
    let photo = LocalPhoto {
        id: platform::new_photo_id(),
        report_id: expected[0].id,
        blank: "photos".into(),
        sha256: "ab".repeat(32),
        size: 191_347,
        mime: "image/jpeg".into(),
        taken_at: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(9, 41, 0)),
        lat: Some(30.6586),
        lon: None,
        created_ms: 1.7e12,
        upload: Upload::Waiting {
            url: Some("/api/uploads/u1".into()),
            offset: 262_144,
            attempts: 2,
            next_try_ms: 0.0,
            last_error: None,
        },
    };

    let db = Database::open(name.as_str()).await.expect("raw open");
    let tx = db
        .transaction([REPORTS, PHOTOS])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .expect("tx");
    for r in &expected {
        tx.object_store(REPORTS)
            .expect("store")
            .put(r)
            .serde()
            .expect("put")
            .await
            .expect("put done");
    }
    tx.object_store(PHOTOS)
        .expect("store")
        .put(&photo)
        .serde()
        .expect("put")
        .await
        .expect("put done");
    tx.commit().await.expect("commit");

    for r in &expected {
        assert_eq!(
            store.get(r.id).await.expect("get").as_ref(),
            Some(r),
            "{}",
            r.template_id
        );
    }
    // In key order: ids made within one millisecond sort by their random bits.
    expected.sort_by_key(|r| r.id.to_string());
    assert_eq!(store.all().await.expect("all"), expected);
    assert_eq!(store.photos().await.expect("photos"), vec![photo]);
}

/// The phone reads its records with serde_json's short float parser (no
/// `float_roundtrip` in the wasm): every coordinate it can write, as the
/// EXIF reader rounds them, reads back as the same double, so a report
/// resent after any number of reads and writes is the text first sent.
#[wasm_bindgen_test]
async fn photo_coordinates_read_back_exactly_through_many_rewrites() {
    use kuaibao_core::photo::exif::to_centimetres;
    use kuaibao_core::photo::PhotoRef;

    let store = fresh_store().await;
    let mut draft = report(Status::Draft);
    // Degrees, minutes and seconds as cameras write them (seconds in
    // hundredths), east and west of 100°, north and south.
    let mut k = 0u32;
    for d in [0u32, 1, 22, 30, 39, 89, 104, 116, 121, 135, 179] {
        for m in [0u32, 1, 7, 29, 59] {
            for s in [0u32, 1, 1234, 3333, 5999] {
                k += 1;
                let degrees = f64::from(d) + f64::from(m) / 60.0 + f64::from(s) / 100.0 / 3600.0;
                let sign = if k.is_multiple_of(2) { -1.0 } else { 1.0 };
                draft.photos.push(PhotoRef {
                    id: platform::new_photo_id(),
                    blank: "photos".into(),
                    sha256: "0".repeat(64),
                    size: 1,
                    mime: "image/jpeg".into(),
                    taken_at: None,
                    lat: Some(to_centimetres(sign * degrees.min(90.0))),
                    lon: Some(to_centimetres(-sign * degrees)),
                });
            }
        }
    }
    let at = platform::now_local();
    let first = serde_json::to_string(&draft.as_report(at)).expect("encodes");
    for _ in 0..3 {
        assert!(store.put_over_draft(&draft).await.expect("save"));
        draft = store.get(draft.id).await.expect("get").expect("stored");
    }
    assert_eq!(serde_json::to_string(&draft.as_report(at)).expect("encodes"), first);
}

/// A finished thread leaves the phone whole: its records, their photos'
/// records and bytes go and its receipts stay, in one transaction.
#[wasm_bindgen_test]
async fn archiving_keeps_the_receipts_and_lets_records_and_photo_bytes_go() {
    let store = fresh_store().await;
    let first = report(delivered(41));
    let mut last = report(delivered(42));
    last.thread = Some(first.id);
    last.stage = kuaibao_core::Stage::Final;
    let other = report(delivered(43));
    for r in [&first, &last, &other] {
        store.put(r).await.expect("put");
    }
    let photo = crate::stored_photo(&store, first.id, 2_000).await;
    let kept = crate::stored_photo(&store, other.id, 1_000).await;

    store
        .archive(&[first.clone(), last.clone()], &[photo.id])
        .await
        .expect("archive");

    assert_eq!(store.all().await.expect("all"), vec![other.clone()]);
    assert_eq!(store.photos().await.expect("photos"), vec![kept.clone()]);
    assert!(
        store.photo_blob(photo.id, false).await.expect("read").is_none(),
        "the bytes went"
    );
    assert!(
        store.photo_blob(photo.id, true).await.expect("read").is_none(),
        "the thumbnail went"
    );
    assert!(
        store.photo_blob(kept.id, false).await.expect("read").is_some(),
        "another thread's stayed"
    );
    assert_eq!(store.archived_count().await.expect("count"), 2);
    let archived = store.archived().await.expect("archived");
    let receipts: Vec<i64> = archived.iter().map(|a| a.receipt.seq).collect();
    assert_eq!(receipts.len(), 2);
    assert!(receipts.contains(&41) && receipts.contains(&42));
    let of_first = archived.iter().find(|a| a.id == first.id).expect("the 首报's receipt");
    assert_eq!(of_first.place.as_deref(), Some("青石村三组后山"));
    assert_eq!(
        archived.iter().find(|a| a.id == last.id).map(|a| (a.thread, a.stage)),
        Some((Some(first.id), kuaibao_core::Stage::Final))
    );
}

/// Only what the office holds may leave: a record still waiting refuses
/// the whole archive, and nothing changes.
#[wasm_bindgen_test]
async fn a_record_not_delivered_is_never_archived() {
    let store = fresh_store().await;
    let sent = report(delivered(7));
    let unsent = report(waiting(0.0));
    store.put(&sent).await.expect("put");
    store.put(&unsent).await.expect("put");
    assert!(store.archive(&[sent.clone(), unsent.clone()], &[]).await.is_err());
    assert_eq!(store.all().await.expect("all").len(), 2);
    assert_eq!(store.archived_count().await.expect("count"), 0);
}
