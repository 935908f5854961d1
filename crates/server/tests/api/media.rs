//! Video clips and voice notes travel like photos: announced in the
//! record's manifest, uploaded by tus, counted k/n, checked against the
//! type announced and capped by kind (`kuaibao_core::photo::media`).

use kuaibao_core::photo::media::{MAX_VIDEO_BYTES, MAX_VOICE_BYTES};
use reqwest::header::CONTENT_TYPE;

use super::uploads::{hazard_with_photos, jpeg, photo_files};
use super::*;

/// `len` bytes that begin as a WebM (EBML) file does.
pub(super) fn webm(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = jpeg(len, seed);
    bytes[..4].copy_from_slice(&[0x1A, 0x45, 0xDF, 0xA3]);
    bytes
}

/// `len` bytes that begin as an Ogg file does.
fn ogg(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = jpeg(len, seed);
    bytes[..4].copy_from_slice(b"OggS");
    bytes
}

#[tokio::test]
async fn a_video_and_a_voice_note_arrive_like_photos_and_are_served_as_media() {
    let (app, dirs) = spawn_app().await;
    let photo = jpeg(2000, 1);
    let video = webm(30_000, 2);
    let voice = ogg(9_000, 3);
    let mut report = hazard_with_photos(&[&photo, &video, &voice]);
    report.photos[1].mime = "video/webm".into();
    report.photos[2].mime = "audio/ogg".into();
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    assert_eq!(app.photo_status(report.id).await["expected"], 3);

    for (entry, bytes, served) in [
        (&report.photos[1], &video, "video/webm"),
        (&report.photos[2], &voice, "audio/ogg"),
    ] {
        let (location, offset) = app.tus_created(entry).await;
        assert_eq!(offset, 0);
        let res = app.tus_send(&location, 0, bytes, 8_000).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = app.photo_bytes(&entry.sha256).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CONTENT_TYPE], served);
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), bytes.as_slice());
    }
    let status = app.photo_status(report.id).await;
    assert_eq!(
        (status["expected"].as_u64(), status["arrived"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(photo_files(&dirs).len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_clip_is_held_to_its_type_and_its_kinds_cap() {
    let (app, _dirs) = spawn_app().await;
    // Announced as a video, but the bytes are a JPEG: refused, still awaited.
    let fake = jpeg(5_000, 4);
    let mut report = hazard_with_photos(&[&jpeg(2000, 5), &fake]);
    report.photos[1].mime = "video/mp4".into();
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&report.photos[1]).await;
    let (status, error) = api_error(app.tus_patch(&location, 0, &fake, None).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("video/mp4"), "{}", error.message);
    assert_eq!(app.photo_status(report.id).await["arrived"], 0);

    // Over a kind's cap in the manifest, and a type not accepted: the
    // record is refused naming its photos.
    for (mime, size) in [
        ("audio/ogg", MAX_VOICE_BYTES + 1),
        ("video/webm", MAX_VIDEO_BYTES + 1),
        ("video/x-msvideo", 1000),
    ] {
        let mut report = hazard_with_photos(&[&jpeg(2000, 6), &webm(100, 7)]);
        report.photos[1].mime = mime.into();
        report.photos[1].size = size;
        let fields = refused_fields(app.submit(&report).await).await;
        assert_eq!(
            fields,
            vec![("photos".to_owned(), ErrorCode::BadPhoto)],
            "{mime} of {size} bytes"
        );
    }
    // Within the caps, a video's size is more than a photo's.
    let mut big = hazard_with_photos(&[&jpeg(2000, 8), &webm(100, 9)]);
    big.photos[1].mime = "video/webm".into();
    big.photos[1].size = MAX_VIDEO_BYTES;
    receipt(app.submit(&big).await, StatusCode::CREATED).await;
    app.stop().await;
}
