//! Evidence that survives the disk: a stored photo that was damaged after
//! it arrived is found by `kuaibao-server fsck`, quarantined, and restored
//! by the next upload of its bytes; an upload never trusts a damaged copy.

use super::uploads::{hazard_with_photos, jpeg, photo_files};
use super::*;

/// `kuaibao-server fsck` on the test's data: its exit success and output.
fn fsck(dirs: &Dirs) -> (bool, String) {
    let out = server_command(dirs).arg("fsck").output().expect("run fsck");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn a_damaged_photo_is_quarantined_by_fsck_and_restored_by_its_next_upload() {
    let (app, dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(60_000, 41).await;
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    let (clean, text) = fsck(&dirs);
    assert!(clean, "{text}");
    assert!(text.contains("checked 1 stored photo(s): 0 damaged"), "{text}");

    // The disk loses the end of the file.
    let files = photo_files(&dirs);
    assert_eq!(files.len(), 1);
    std::fs::write(&files[0], &bytes[..1000]).expect("truncate");
    let arrived_at = app.photo_status(report.id).await["photos"][0]["arrived_at"].clone();

    let (clean, text) = fsck(&dirs);
    assert!(!clean, "fsck fails on a damaged store: {text}");
    let key = photo_key_of(&report.photos[0].sha256);
    assert!(text.contains(&format!("damaged\t{key}")), "{text}");
    assert!(text.contains(&format!("missing\t{key}")), "{text}");
    assert!(photo_files(&dirs).is_empty(), "moved out of the photos' way");
    let quarantined = dirs.data.path().join("quarantine").join(&key);
    assert_eq!(std::fs::read(&quarantined).expect("kept aside").len(), 1000);

    // The sender's phone asks again: the server takes the photo again, from
    // the start, and its arrival time stands.
    let (again, offset) = app.tus_created(&report.photos[0]).await;
    assert_eq!(offset, 0, "the bytes are asked for again");
    assert_eq!(
        app.tus_send(&again, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    let res = app.photo_bytes(&report.photos[0].sha256).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), bytes.as_slice());
    assert_eq!(app.photo_status(report.id).await["photos"][0]["arrived_at"], arrived_at);
    let (clean, text) = fsck(&dirs);
    assert!(clean, "{text}");
    app.stop().await;
}

#[tokio::test]
async fn an_upload_of_bytes_stored_damaged_writes_them_anew() {
    let (app, dirs) = spawn_app().await;
    let bytes = jpeg(50_000, 42);
    let first = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&first.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    let files = photo_files(&dirs);
    std::fs::write(&files[0], b"not the photo").expect("damage");

    // Another photo with the same bytes arrives: the damaged copy is not
    // taken for them.
    let second = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&second).await, StatusCode::CREATED).await;
    let (location, offset) = app.tus_created(&second.photos[0]).await;
    assert_eq!(offset, 0);
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(std::fs::read(&files[0]).expect("file"), bytes);
    let (clean, text) = fsck(&dirs);
    assert!(clean, "{text}");
    app.stop().await;
}

fn photo_key_of(sha256: &str) -> String {
    kuaibao_server::storage::photo_key(sha256)
}

/// fsck also lists what is not damage but the operator should know: bytes
/// in the store no arrived photo names (after a restore, the photos that
/// arrived after the backup), and photos announced more than a week ago
/// that never arrived (the reporter's phone may hold them). Neither fails it.
#[tokio::test]
async fn fsck_lists_unclaimed_bytes_and_photos_announced_long_ago_that_never_came() {
    let (app, dirs) = spawn_app().await;
    let (sent, received) = (jpeg(30_000, 51), jpeg(30_000, 52));
    let report = hazard_with_photos(&[&sent, &received]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&report.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, 0, &sent, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    // Bytes nobody's record names, put in the store by hand.
    let stray = jpeg(20_000, 53);
    let stray_key = photo_key_of(&kuaibao_server::storage::hex_sha256(&stray));
    let path = dirs.data.path().join(&stray_key);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
    std::fs::write(&path, &stray).expect("write");

    let (clean, text) = fsck(&dirs);
    assert!(clean, "not damage: {text}");
    assert!(text.contains(&format!("unclaimed\t{stray_key}")), "{text}");
    assert!(!text.contains("overdue"), "announced just now: {text}");

    // A week and a day later, the photo that never came is listed.
    let pool = dirs.pool().await;
    let store = kuaibao_server::startup::photo_store(&dirs.config()).expect("store");
    let later = Utc::now() + TimeDelta::days(kuaibao_server::fsck::OVERDUE_DAYS + 1);
    let found = kuaibao_server::fsck::check(&pool, &store, &kuaibao_server::db::audit::Actor::command_line(), later)
        .await
        .expect("fsck");
    let overdue: Vec<(&str, &str)> = found.overdue.iter().map(|(p, r, _)| (p.as_str(), r.as_str())).collect();
    assert_eq!(
        overdue,
        [(report.photos[1].id.to_string().as_str(), report.id.to_string().as_str())]
    );
    assert_eq!(found.unclaimed, [stray_key]);
    assert!(found.clean());
    pool.close().await;
    app.stop().await;
}
