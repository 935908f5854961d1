//! Photos: the manifest a report announces, tus 1.0 uploads of their bytes
//! at /api/uploads, and the photos' status and bytes.

use std::time::Instant;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use kuaibao_core::photo::tus;
use reqwest::header::{HeaderMap, LOCATION};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::*;

pub(crate) const OCTET: &str = "application/offset+octet-stream";

/// A small fast generator, seeded, so a failing run can be replayed.
pub(crate) struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform enough in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// `len` bytes that sniff as a JPEG: the JFIF signature, then noise.
pub(crate) fn jpeg(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = XorShift(seed | 1);
    let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    let signature = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];
    bytes[..signature.len()].copy_from_slice(&signature);
    bytes
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A hazard as found, whose photos are these bytes.
pub(crate) fn hazard_with_photos(photos: &[&[u8]]) -> Report {
    let mut report = hazard(Stage::Initial, None, 0);
    report.photos = photos.iter().map(|b| photo_ref("photos", b, new_photo_id())).collect();
    report
}

fn b64(text: &str) -> String {
    BASE64.encode(text.as_bytes())
}

pub(crate) fn metadata(photo: &PhotoRef) -> String {
    format!(
        "{} {},{} {},{} {}",
        tus::META_PHOTO_ID,
        b64(&photo.id.to_string()),
        tus::META_SHA256,
        b64(&photo.sha256),
        tus::META_FILETYPE,
        b64(&photo.mime)
    )
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.parse().ok()
}

impl TestApp {
    pub(crate) async fn tus_create_raw(&self, metadata: &str, length: u64) -> Response {
        self.client
            .post(self.url(tus::UPLOADS_PATH))
            .header("Tus-Resumable", tus::VERSION)
            .header("Upload-Length", length.to_string())
            .header("Upload-Metadata", metadata)
            .send()
            .await
            .expect("POST /api/uploads")
    }

    pub(crate) async fn tus_create(&self, photo: &PhotoRef) -> Response {
        self.tus_create_raw(&metadata(photo), photo.size).await
    }

    /// Creates an upload: its path and offset.
    pub(crate) async fn tus_created(&self, photo: &PhotoRef) -> (String, u64) {
        let res = self.tus_create(photo).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap_or_default()
        );
        assert_eq!(res.headers()["tus-resumable"], tus::VERSION);
        let location = res.headers()[LOCATION].to_str().expect("ascii").to_owned();
        assert!(location.starts_with(&format!("{}/", tus::UPLOADS_PATH)), "{location}");
        let offset = header_u64(res.headers(), "upload-offset").expect("Upload-Offset");
        (location, offset)
    }

    pub(crate) async fn tus_head(&self, location: &str) -> Response {
        self.client
            .head(self.url(location))
            .header("Tus-Resumable", tus::VERSION)
            .send()
            .await
            .expect("HEAD")
    }

    /// The head of a `PATCH` of the whole of a `length`-byte upload from
    /// its start, for a test that writes the body over a socket itself.
    pub(crate) fn patch_head(&self, location: &str, length: usize) -> String {
        format!(
            "PATCH {location} HTTP/1.1\r\nHost: {}\r\nTus-Resumable: 1.0.0\r\n\
             Authorization: Bearer {}\r\nContent-Type: {OCTET}\r\nUpload-Offset: 0\r\n\
             Content-Length: {length}\r\n\r\n",
            self.addr(),
            self.token,
        )
    }

    pub(crate) async fn tus_offset(&self, location: &str) -> u64 {
        let res = self.tus_head(location).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
        header_u64(res.headers(), "upload-offset").expect("Upload-Offset")
    }

    pub(crate) async fn tus_patch(
        &self,
        location: &str,
        offset: u64,
        body: &[u8],
        checksum: Option<String>,
    ) -> Response {
        let mut req = self
            .client
            .patch(self.url(location))
            .header("Tus-Resumable", tus::VERSION)
            .header(CONTENT_TYPE, OCTET)
            .header("Upload-Offset", offset.to_string())
            .body(body.to_vec());
        if let Some(c) = checksum {
            req = req.header("Upload-Checksum", c);
        }
        req.send().await.expect("PATCH")
    }

    /// Sends `bytes` from `offset` in chunks of `chunk`, each with its
    /// SHA-256; returns the last answer.
    pub(crate) async fn tus_send(&self, location: &str, mut offset: u64, bytes: &[u8], chunk: usize) -> Response {
        loop {
            let end = (offset as usize + chunk).min(bytes.len());
            let body = &bytes[offset as usize..end];
            let res = self
                .tus_patch(location, offset, body, Some(sha256_checksum(body)))
                .await;
            if res.status() != StatusCode::NO_CONTENT || end == bytes.len() {
                return res;
            }
            assert_eq!(res.headers()["tus-resumable"], tus::VERSION);
            offset = header_u64(res.headers(), "upload-offset").expect("Upload-Offset");
            assert_eq!(offset, end as u64);
        }
    }

    pub(crate) async fn photo_status(&self, report: ReportId) -> serde_json::Value {
        self.photo_status_as(&self.client, report).await
    }

    pub(crate) async fn photo_status_as(&self, client: &reqwest::Client, report: ReportId) -> serde_json::Value {
        let res = self
            .get_as(client, &format!("{SUBMIT_REPORT_PATH}/{report}/photos"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("json")
    }

    pub(crate) async fn photo_bytes(&self, sha256: &str) -> Response {
        self.get(&format!("/api/photos/{sha256}")).await
    }

    /// The bytes the server serves for the photo `sha256`.
    pub(crate) async fn stored_photo(&self, sha256: &str) -> bytes::Bytes {
        self.photo_bytes(sha256).await.bytes().await.expect("bytes")
    }

    /// A hazard with one photo of `len` bytes (made from `seed`), stored,
    /// and its upload created: the photo's bytes, the report, the upload.
    pub(crate) async fn one_photo_upload(&self, len: usize, seed: u64) -> (Vec<u8>, Report, String) {
        let bytes = jpeg(len, seed);
        let report = hazard_with_photos(&[&bytes]);
        receipt(self.submit(&report).await, StatusCode::CREATED).await;
        let (location, _) = self.tus_created(&report.photos[0]).await;
        (bytes, report, location)
    }
}

/// The start of the answer read from a raw connection (its status line
/// and headers), within 5 s.
pub(crate) async fn answer_head(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
    use tokio::io::AsyncReadExt as _;
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered")
        .expect("read");
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

pub(crate) fn sha256_checksum(body: &[u8]) -> String {
    format!("sha256 {}", BASE64.encode(Sha256::digest(body)))
}

fn sha1_checksum(body: &[u8]) -> String {
    format!("sha1 {}", BASE64.encode(Sha1::digest(body)))
}

/// Every file under `dir`, recursively.
pub(crate) fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn part_files(dirs: &Dirs) -> Vec<std::path::PathBuf> {
    files_under(&dirs.data.path().join("uploads"))
}

pub(crate) fn photo_files(dirs: &Dirs) -> Vec<std::path::PathBuf> {
    files_under(&dirs.data.path().join("photos"))
}

/// Waits (bounded) until `HEAD` shows `offset`: the server may still be
/// finishing a request whose connection the test cut.
async fn wait_for_offset(app: &TestApp, location: &str, offset: u64) {
    let start = Instant::now();
    loop {
        let now = app.tus_offset(location).await;
        if now == offset {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "offset stays {now}, expected {offset}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn options_tell_the_tus_version_extensions_and_limits() {
    let (app, _dirs) = spawn_app().await;
    for path in [
        tus::UPLOADS_PATH.to_owned(),
        format!("{}/{}", tus::UPLOADS_PATH, "0".repeat(32)),
    ] {
        // No Tus-Resumable needed for OPTIONS.
        let res = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(&path))
            .send()
            .await
            .expect("OPTIONS");
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
        let h = res.headers();
        assert_eq!(h["tus-resumable"], "1.0.0");
        assert_eq!(h["tus-version"], "1.0.0");
        assert_eq!(h["tus-extension"], "creation,checksum,expiration,termination");
        // The largest upload of any kind: a video clip's cap.
        assert_eq!(
            h["tus-max-size"],
            kuaibao_core::photo::media::MAX_VIDEO_BYTES.to_string().as_str()
        );
        assert_eq!(h["tus-checksum-algorithm"], "sha1,sha256");
    }
}

#[tokio::test]
async fn requests_without_tus_resumable_are_412() {
    let (app, _dirs) = spawn_app().await;
    let bytes = jpeg(2000, 1);
    let report = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let photo = &report.photos[0];

    let res = app
        .client
        .post(app.url(tus::UPLOADS_PATH))
        .header("Upload-Length", photo.size.to_string())
        .header("Upload-Metadata", metadata(photo))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.headers()["tus-version"], "1.0.0");
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert!(error.message.contains("Tus-Resumable: 1.0.0"), "{}", error.message);

    let (location, _) = app.tus_created(photo).await;
    let res = app.client.head(app.url(&location)).send().await.expect("HEAD");
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let res = app
        .client
        .patch(app.url(&location))
        .header("Tus-Resumable", "0.2.2")
        .header(CONTENT_TYPE, OCTET)
        .header("Upload-Offset", "0")
        .body(bytes.clone())
        .send()
        .await
        .expect("PATCH");
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let res = app.client.delete(app.url(&location)).send().await.expect("DELETE");
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.tus_offset(&location).await, 0, "nothing was appended or removed");
}

#[tokio::test]
async fn a_report_announcing_two_photos_awaits_both() {
    let (app, _dirs) = spawn_app().await;
    let (a, b) = (jpeg(3000, 1), jpeg(4000, 2));
    let report = hazard_with_photos(&[&a, &b]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;

    let status = app.photo_status(report.id).await;
    assert_eq!(
        (status["expected"].as_u64(), status["arrived"].as_u64()),
        (Some(2), Some(0))
    );
    let photos = status["photos"].as_array().expect("photos");
    assert_eq!(photos.len(), 2);
    for (shown, announced) in photos.iter().zip(&report.photos) {
        assert_eq!(shown["photo_id"], announced.id.to_string());
        assert_eq!(shown["blank"], "photos");
        assert_eq!(shown["sha256"], announced.sha256);
        assert_eq!(shown["size"], announced.size);
        assert_eq!(shown["mime"], "image/jpeg");
        assert!(shown["arrived_at"].is_null());
    }

    // Lists, threads and the record itself say how many have arrived.
    let counts = serde_json::json!({ "expected": 2, "arrived": 0 });
    let list: serde_json::Value = app.get(SUBMIT_REPORT_PATH).await.json().await.expect("json");
    assert_eq!(list[0]["photos"], counts);
    let one: serde_json::Value = app
        .get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["photos"], counts);
    let thread: serde_json::Value = app.get(&thread_path(report.id)).await.json().await.expect("json");
    assert_eq!(thread["records"][0]["photos"], counts);
    // A record without photos expects none.
    let plain = new_report();
    receipt(app.submit(&plain).await, StatusCode::CREATED).await;
    let one: serde_json::Value = app
        .get(&format!("{SUBMIT_REPORT_PATH}/{}", plain.id))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["photos"], serde_json::json!({ "expected": 0, "arrived": 0 }));

    // Unknown reports and bad ids.
    let (status, _) = api_error(app.get(&format!("{SUBMIT_REPORT_PATH}/{}/photos", new_id())).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api_error(app.get(&format!("{SUBMIT_REPORT_PATH}/x/photos")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_photo_sent_in_checksummed_chunks_arrives_byte_identical() {
    let (app, dirs) = spawn_app().await;
    // The second is sent in one PATCH far above the API's 256 KiB body
    // limit, as tus-js-client does by default.
    let (a, b) = (jpeg(300_000, 7), jpeg(1_500_000, 8));
    let report = hazard_with_photos(&[&a, &b]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let photo = &report.photos[0];

    let res = app.tus_create(photo).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let expires = res.headers()["upload-expires"].to_str().expect("ascii").to_owned();
    let expires = DateTime::parse_from_rfc2822(&expires.replace("GMT", "+0000")).expect("an RFC 7231 date");
    let in_a_day = Utc::now() + TimeDelta::hours(24);
    assert!(
        (expires.with_timezone(&Utc) - in_a_day).num_seconds().abs() < 60,
        "{expires}"
    );
    let location = res.headers()[LOCATION].to_str().expect("ascii").to_owned();
    assert_eq!(app.tus_offset(&location).await, 0);
    let head = app.tus_head(&location).await;
    assert_eq!(head.headers()["upload-length"], "300000");

    // Chunks of 64 KiB with SHA-256, one with SHA-1 for good measure.
    let first = &a[..65_536];
    let res = app.tus_patch(&location, 0, first, Some(sha1_checksum(first))).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "65536");
    assert!(res.headers().contains_key("upload-expires"));
    assert_eq!(app.tus_offset(&location).await, 65_536);
    assert!(photo_files(&dirs).is_empty(), "nothing is stored before the last byte");
    let status = app.photo_status(report.id).await;
    assert_eq!(status["arrived"], 0);

    let res = app.tus_send(&location, 65_536, &a, 65_536).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "300000");
    assert_eq!(app.tus_offset(&location).await, 300_000);

    let status = app.photo_status(report.id).await;
    assert_eq!(
        (status["expected"].as_u64(), status["arrived"].as_u64()),
        (Some(2), Some(1))
    );
    let arrived_at = status["photos"][0]["arrived_at"].as_str().expect("arrived");
    assert!(DateTime::parse_from_rfc3339(arrived_at).is_ok(), "{arrived_at}");
    assert!(status["photos"][1]["arrived_at"].is_null());
    let one: serde_json::Value = app
        .get(&format!("{SUBMIT_REPORT_PATH}/{}", report.id))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["photos"], serde_json::json!({ "expected": 2, "arrived": 1 }));

    let res = app.photo_bytes(&photo.sha256).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "image/jpeg");
    // No cache keeps it, not even the browser's: desks are shared computers.
    assert_eq!(res.headers()[CACHE_CONTROL], "private, no-store");
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), a.as_slice());

    // Stored once, content-addressed; the upload's bytes are gone.
    let key = format!("photos/{}/{}", &photo.sha256[..2], photo.sha256);
    assert_eq!(photo_files(&dirs), vec![dirs.data.path().join(&key)]);
    assert!(part_files(&dirs).is_empty());
    let pool = dirs.pool().await;
    let (stored_key,): (String,) = sqlx::query_as("SELECT storage_key FROM photos WHERE photo_id = $1")
        .bind(photo.id.to_string())
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(stored_key, key);

    // The second photo in one PATCH of 1.5 MB, without checksum; then both
    // arrived.
    let (location, _) = app.tus_created(&report.photos[1]).await;
    let res = app.tus_patch(&location, 0, &b, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let status = app.photo_status(report.id).await;
    assert_eq!(
        (status["expected"].as_u64(), status["arrived"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(photo_files(&dirs).len(), 2);

    // Unknown and malformed digests.
    let (status, _) = api_error(app.photo_bytes(&sha256_hex(b"never sent")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api_error(app.photo_bytes("xyz").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A photo's row changes once, from awaited to arrived, and never goes.
    for sql in [
        "UPDATE photos SET arrived_at = NULL, storage_key = NULL",
        "UPDATE photos SET arrived_at = '2030-01-01T00:00:00.000000Z'",
        "UPDATE photos SET sha256 = sha256",
        "DELETE FROM photos",
    ] {
        let err = sqlx::query(sql).execute(&pool).await.expect_err(sql);
        assert!(
            err.to_string().contains("arrives once") || err.to_string().contains("append-only"),
            "{sql}: {err}"
        );
    }
    pool.close().await;

    // A replay of the report changes nothing.
    let before = app.photo_status(report.id).await;
    receipt(app.submit(&report).await, StatusCode::OK).await;
    assert_eq!(app.photo_status(report.id).await, before);
    assert_eq!(before["arrived"], 2);
}

#[tokio::test]
async fn a_chunk_whose_checksum_fails_is_460_and_appends_nothing() {
    let (app, _dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(100_000, 3).await;

    let res = app
        .tus_patch(&location, 0, &bytes[..50_000], Some(sha256_checksum(b"other")))
        .await;
    assert_eq!(res.status().as_u16(), 460);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    assert_eq!(app.tus_offset(&location).await, 0);
    let res = app
        .tus_patch(&location, 0, &bytes[..50_000], Some(sha1_checksum(b"other")))
        .await;
    assert_eq!(res.status().as_u16(), 460);
    // The right digest under the wrong algorithm's name.
    let wrong_name = format!("sha1 {}", BASE64.encode(Sha256::digest(&bytes[..50_000])));
    let res = app.tus_patch(&location, 0, &bytes[..50_000], Some(wrong_name)).await;
    assert_eq!(res.status().as_u16(), 460);
    assert_eq!(app.tus_offset(&location).await, 0);

    // Algorithms other than sha1 and sha256, and garbage: 400.
    for checksum in ["md5 XUFAKrxLKna5cZ2REBfFkg==", "sha256", "sha256 ***"] {
        let res = app
            .tus_patch(&location, 0, &bytes[..50_000], Some(checksum.to_owned()))
            .await;
        let (status, _) = api_error(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{checksum}");
    }
    assert_eq!(app.tus_offset(&location).await, 0);

    let res = app.tus_send(&location, 0, &bytes, 50_000).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
    let got = app.stored_photo(&report.photos[0].sha256).await;
    assert_eq!(got.as_ref(), bytes.as_slice());
}

/// A browser sends a `PATCH` cut on a kept-alive connection again by
/// itself, from its first byte, after the server kept what reached it of
/// the first try: the repeat is checked against the held bytes and
/// skipped, the rest appended.
#[tokio::test]
async fn a_chunk_sent_again_from_behind_the_offset_appends_only_what_is_new() {
    let (app, dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(300_000, 9).await;
    // What reached the server of a first try.
    let res = app.tus_patch(&location, 0, &bytes[..10_000], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // The whole chunk again, with its checksum: the repeat counts towards it.
    let chunk = &bytes[..150_000];
    let res = app.tus_patch(&location, 0, chunk, Some(sha256_checksum(chunk))).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "150000");
    // Wholly held: nothing to append, the answer says where the upload is.
    let res = app.tus_patch(&location, 5_000, &bytes[5_000..20_000], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "150000");
    // A repeat with a bad checksum, or longer than the photo, appends nothing.
    let res = app
        .tus_patch(
            &location,
            100_000,
            &bytes[100_000..200_000],
            Some(sha256_checksum(b"other")),
        )
        .await;
    assert_eq!(res.status().as_u16(), 460);
    let mut too_long = bytes[100_000..].to_vec();
    too_long.push(0);
    let (status, error) = api_error(app.tus_patch(&location, 100_000, &too_long, None).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        error.message.contains("200000 bytes"),
        "counted from its own offset: {}",
        error.message
    );
    assert_eq!(app.tus_offset(&location).await, 150_000);

    // The rest, from behind the offset again: the photo arrives whole.
    let res = app.tus_patch(&location, 140_000, &bytes[140_000..], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "300000");
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
    let got = app.stored_photo(&report.photos[0].sha256).await;
    assert_eq!(got.as_ref(), bytes.as_slice());
    assert!(
        part_files(&dirs).is_empty(),
        "no upload file left: {:?}",
        part_files(&dirs)
    );
}

#[tokio::test]
async fn a_patch_at_the_wrong_offset_is_409_and_bad_patches_append_nothing() {
    let (app, _dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(100_000, 4).await;
    let res = app.tus_patch(&location, 0, &bytes[..10_000], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Ahead of the offset, or behind it with other bytes than those held.
    let mut other = bytes.clone();
    other[9_999] ^= 0xff;
    for (offset, body) in [(20_000, &bytes), (0, &other), (5_000, &other)] {
        let res = app.tus_patch(&location, offset, &body[offset as usize..], None).await;
        assert_eq!(res.headers()["upload-offset"], "10000", "409 tells where the upload is");
        let (status, error) = api_error(res).await;
        assert_eq!(
            (status, error.error),
            (StatusCode::CONFLICT, ApiErrorCode::Conflict),
            "@{offset}"
        );
    }
    assert_eq!(app.tus_offset(&location).await, 10_000, "nothing appended");
    // Not the tus body type: 415.
    let res = app
        .client
        .patch(app.url(&location))
        .header("Tus-Resumable", tus::VERSION)
        .header(CONTENT_TYPE, "application/octet-stream")
        .header("Upload-Offset", "10000")
        .body(bytes[10_000..].to_vec())
        .send()
        .await
        .expect("PATCH");
    assert_eq!(api_error(res).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // No or a bad offset: 400.
    for offset in [None, Some("-1"), Some("ten")] {
        let mut req = app
            .client
            .patch(app.url(&location))
            .header("Tus-Resumable", tus::VERSION)
            .header(CONTENT_TYPE, OCTET)
            .body(bytes[10_000..].to_vec());
        if let Some(o) = offset {
            req = req.header("Upload-Offset", o);
        }
        let (status, _) = api_error(req.send().await.expect("PATCH")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{offset:?}");
    }
    // More than remains: 413, nothing appended.
    let mut too_long = bytes[10_000..].to_vec();
    too_long.push(0);
    let (status, error) = api_error(app.tus_patch(&location, 10_000, &too_long, None).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::PAYLOAD_TOO_LARGE, ApiErrorCode::PayloadTooLarge)
    );
    assert_eq!(app.tus_offset(&location).await, 10_000);
    // Unknown uploads: 404.
    for path in [
        format!("{}/{}", tus::UPLOADS_PATH, "a".repeat(32)),
        format!("{}/..%2F..%2Fx", tus::UPLOADS_PATH),
    ] {
        let res = app.tus_head(&path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let (status, _) = api_error(app.tus_patch(&path, 0, b"x", None).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    let res = app.tus_patch(&location, 10_000, &bytes[10_000..], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
}

#[tokio::test]
async fn a_photo_over_the_limit_is_413_saying_by_how_much() {
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.max_photo_bytes = 100_000).await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url(tus::UPLOADS_PATH))
        .send()
        .await
        .expect("OPTIONS");
    // What tus announces is the largest upload of any kind (a clip's):
    // the photo cap is its own.
    let largest = kuaibao_core::photo::media::MAX_VIDEO_BYTES;
    assert_eq!(res.headers()["tus-max-size"], largest.to_string().as_str());

    let bytes = jpeg(150_000, 5);
    let report = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let (status, error) = api_error(app.tus_create(&report.photos[0]).await).await;
    assert_eq!(
        (status, error.error),
        (StatusCode::PAYLOAD_TOO_LARGE, ApiErrorCode::PayloadTooLarge)
    );
    assert!(error.message.contains("too large"), "{}", error.message);
    assert!(error.message.contains("150000 bytes"), "{}", error.message);
    assert!(
        error.message.contains("50000 bytes more than the limit of 100000"),
        "{}",
        error.message
    );
    // Whatever the photo: a size beyond the largest kind's (a video
    // clip's) is judged first.
    let (status, _) = api_error(app.tus_create_raw("", largest + 1).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.photo_status(report.id).await["arrived"], 0);

    // A video clip is held to its own kind's cap, not the photos': the
    // same size arrives as a clip (it used to be refused before its record
    // was read, so no clip over the photo cap could ever arrive).
    let clip = super::media::webm(150_000, 5);
    let mut with_clip = hazard_with_photos(&[&jpeg(2_000, 6), &clip]);
    with_clip.photos[1].mime = "video/webm".into();
    receipt(app.submit(&with_clip).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&with_clip.photos[1]).await;
    assert_eq!(
        app.tus_send(&location, 0, &clip, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    let res = app.photo_bytes(&with_clip.photos[1].sha256).await;
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), clip.as_slice());
}

#[tokio::test]
async fn uploads_must_match_a_photo_of_a_stored_report() {
    let (app, _dirs) = spawn_app().await;
    let bytes = jpeg(5_000, 6);
    let report = hazard_with_photos(&[&bytes]);

    // The text first: before the report, its photo is unknown.
    let (status, error) = api_error(app.tus_create(&report.photos[0]).await).await;
    assert_eq!((status, error.error), (StatusCode::NOT_FOUND, ApiErrorCode::NotFound));
    assert!(error.message.contains("must arrive first"), "{}", error.message);

    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let photo = &report.photos[0];
    let other_sha = PhotoRef {
        sha256: sha256_hex(b"other"),
        ..photo.clone()
    };
    let (status, error) = api_error(app.tus_create(&other_sha).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("sha256"), "{}", error.message);
    let (status, error) = api_error(app.tus_create_raw(&metadata(photo), photo.size - 1).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("Upload-Length"), "{}", error.message);

    // Metadata that cannot be read.
    let only_id = format!("photo_id {}", b64(&photo.id.to_string()));
    for metadata in [
        "",
        "photo_id !!!",
        only_id.as_str(),
        "photo_id bm90LWEtdXVpZA==,sha256 YQ==",
    ] {
        let (status, _) = api_error(app.tus_create_raw(metadata, photo.size).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{metadata}");
    }
    let res = app
        .client
        .post(app.url(tus::UPLOADS_PATH))
        .header("Tus-Resumable", tus::VERSION)
        .header("Upload-Metadata", metadata(photo))
        .send()
        .await
        .expect("POST");
    assert_eq!(api_error(res).await.0, StatusCode::BAD_REQUEST, "no Upload-Length");
    let res = app
        .client
        .post(app.url(tus::UPLOADS_PATH))
        .header("Tus-Resumable", tus::VERSION)
        .header("Upload-Defer-Length", "1")
        .header("Upload-Metadata", metadata(photo))
        .send()
        .await
        .expect("POST");
    assert_eq!(api_error(res).await.0, StatusCode::BAD_REQUEST, "no deferred length");
}

#[tokio::test]
async fn bytes_that_are_not_the_announced_image_are_refused_and_the_photo_stays_awaited() {
    let (app, dirs) = spawn_app().await;
    let not_an_image = b"<html>this is no photo</html>".repeat(100);
    let real = jpeg(not_an_image.len(), 9);
    let report = hazard_with_photos(&[&not_an_image, &real]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;

    // The manifest's digest matches, but the bytes are no image.
    let (location, _) = app.tus_created(&report.photos[0]).await;
    let res = app.tus_send(&location, 0, &not_an_image, 1000).await;
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.message.contains("a photo must be a JPEG, PNG or WebP"),
        "{}",
        error.message
    );
    assert_eq!(
        app.tus_head(&location).await.status(),
        StatusCode::NOT_FOUND,
        "the upload is discarded"
    );

    // Image bytes, but not those the manifest announced.
    let (location, _) = app.tus_created(&report.photos[1]).await;
    let impostor = jpeg(real.len(), 10);
    let res = app.tus_patch(&location, 0, &impostor, None).await;
    let (status, error) = api_error(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("SHA-256"), "{}", error.message);
    assert_eq!(app.tus_head(&location).await.status(), StatusCode::NOT_FOUND);

    assert!(
        photo_files(&dirs).is_empty(),
        "nothing stored: {:?}",
        photo_files(&dirs)
    );
    assert!(
        part_files(&dirs).is_empty(),
        "no bytes left behind: {:?}",
        part_files(&dirs)
    );
    let status = app.photo_status(report.id).await;
    assert_eq!(
        (status["expected"].as_u64(), status["arrived"].as_u64()),
        (Some(2), Some(0))
    );
    let (status, _) = api_error(app.photo_bytes(&report.photos[0].sha256).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Still awaited: the right bytes are taken.
    let (location, offset) = app.tus_created(&report.photos[1]).await;
    assert_eq!(offset, 0);
    assert_eq!(
        app.tus_patch(&location, 0, &real, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
}

#[tokio::test]
async fn an_arrived_photo_is_never_sent_twice() {
    let (app, dirs) = spawn_app().await;
    let bytes = jpeg(70_000, 11);
    // Two records announce photos with the same bytes under other ids.
    let report = hazard_with_photos(&[&bytes]);
    let again = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    receipt(app.submit(&again).await, StatusCode::CREATED).await;
    let photo = &report.photos[0];
    let (location, _) = app.tus_created(photo).await;
    assert_eq!(
        app.tus_send(&location, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );

    // A client that lost the answer asks again: a complete upload, nothing
    // to send.
    let (second, offset) = app.tus_created(photo).await;
    assert_eq!(offset, 70_000);
    assert_eq!(app.tus_offset(&second).await, 70_000);
    let head = app.tus_head(&second).await;
    assert_eq!(head.headers()["upload-length"], "70000");
    assert!(
        !head.headers().contains_key("upload-expires"),
        "a finished upload does not expire"
    );
    // A client that sends the end again without bytes is told it is done.
    let res = app.tus_patch(&second, 70_000, b"", None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "70000");

    // The same bytes announced as another photo: knowing their hash is no
    // proof of holding them, so that photo is awaited until its own upload
    // brings them, and only then are they readable through its record.
    let (third, offset) = app.tus_created(&again.photos[0]).await;
    assert_eq!(offset, 0, "another photo's arrival does not count for this one");
    assert_eq!(app.photo_status(again.id).await["arrived"], 0);
    assert_eq!(
        app.tus_send(&third, 0, &bytes, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.photo_status(again.id).await["arrived"], 1);

    assert_eq!(photo_files(&dirs).len(), 1, "one object for one content");
    assert!(part_files(&dirs).is_empty());
}

#[tokio::test]
async fn an_unfinished_upload_is_offered_again_rather_than_restarted() {
    let (app, _dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(100_000, 12).await;
    assert_eq!(
        app.tus_patch(&location, 0, &bytes[..30_000], None).await.status(),
        StatusCode::NO_CONTENT
    );
    // The phone forgot where it was: the same upload, at its offset.
    let (again, offset) = app.tus_created(&report.photos[0]).await;
    assert_eq!((again.as_str(), offset), (location.as_str(), 30_000));
    assert_eq!(
        app.tus_patch(&again, offset, &bytes[30_000..], None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
}

#[tokio::test]
async fn termination_removes_the_upload_and_its_bytes() {
    let (app, dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(50_000, 13).await;
    assert_eq!(
        app.tus_patch(&location, 0, &bytes[..20_000], None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(part_files(&dirs).len(), 1);

    let delete = || {
        app.client
            .delete(app.url(&location))
            .header("Tus-Resumable", tus::VERSION)
            .send()
    };
    let res = delete().await.expect("DELETE");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    assert!(part_files(&dirs).is_empty());
    assert_eq!(app.tus_head(&location).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(delete().await.expect("DELETE").status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.tus_patch(&location, 20_000, &bytes[20_000..], None).await.status(),
        StatusCode::NOT_FOUND
    );

    // The photo is still awaited and starts over.
    let (location, offset) = app.tus_created(&report.photos[0]).await;
    assert_eq!(offset, 0);
    assert_eq!(
        app.tus_patch(&location, 0, &bytes, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
}

#[tokio::test]
async fn expired_uploads_are_swept_with_their_bytes() {
    let dirs = dirs();
    // A file no upload owns (left by a crash) goes at the first sweep; one
    // just made stays (another replica's upload, its row on its way).
    let uploads = dirs.data.path().join("uploads");
    std::fs::create_dir_all(&uploads).expect("uploads dir");
    std::fs::write(uploads.join("stray.part"), b"x").expect("stray");
    std::fs::File::options()
        .write(true)
        .open(uploads.join("stray.part"))
        .and_then(|f| f.set_modified(std::time::SystemTime::now() - kuaibao_server::uploads::ORPHAN_GRACE * 2))
        .expect("aged");
    std::fs::write(uploads.join("young.part"), b"x").expect("young");
    let app = start_with(&dirs, |c| {
        c.upload_expiry = Duration::from_secs(1);
        c.sweep_every = Duration::from_millis(100);
    })
    .await;
    let (bytes, report, location) = app.one_photo_upload(50_000, 14).await;
    let res = app.tus_patch(&location, 0, &bytes[..20_000], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let id = location.rsplit('/').next().expect("id").to_owned();
    let young = uploads.join("young.part");
    let mut expected = vec![uploads.join(format!("{id}.part")), young.clone()];
    expected.sort();
    assert_eq!(part_files(&dirs), expected);

    let start = Instant::now();
    while part_files(&dirs) != vec![young.clone()] {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not swept: {:?}",
            part_files(&dirs)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = app.tus_head(&location).await.status();
    assert!(
        status == StatusCode::NOT_FOUND || status == StatusCode::GONE,
        "{status}"
    );
    let pool = dirs.pool().await;
    let (uploads,): (i64,) = sqlx::query_as("SELECT count(*) FROM uploads")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(uploads, 0);
    pool.close().await;

    // The photo is still awaited; a new upload takes it whole.
    let (location, offset) = app.tus_created(&report.photos[0]).await;
    assert_eq!(offset, 0);
    assert_eq!(
        app.tus_patch(&location, 0, &bytes, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
}

#[tokio::test]
async fn an_upload_survives_a_restart() {
    let dirs = dirs();
    let app = start(&dirs).await;
    let (bytes, report, location) = app.one_photo_upload(200_000, 15).await;
    for (from, to) in [(0, 65_536), (65_536, 131_072)] {
        let res = app.tus_patch(&location, from, &bytes[from as usize..to], None).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    app.stop().await;

    let app = start(&dirs).await;
    assert_eq!(app.tus_offset(&location).await, 131_072);
    let res = app.tus_send(&location, 131_072, &bytes, 65_536).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let got = app.stored_photo(&report.photos[0].sha256).await;
    assert_eq!(sha256_hex(&got), report.photos[0].sha256);
    app.stop().await;
}

/// An upload whose file holds fewer bytes than its offset (cut back by a
/// request on another replica that had read an older offset, see
/// `replicas.rs`) is not stuck until it expires: its offset is set back to
/// what the file holds, a `PATCH` from further on is 409, and `HEAD` says
/// where to resume, as the phone does after a 409.
#[tokio::test]
async fn an_upload_whose_file_lost_bytes_resumes_from_what_the_file_holds() {
    let (app, dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(200_000, 24).await;
    let res = app.tus_patch(&location, 0, &bytes[..120_000], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let parts = part_files(&dirs);
    assert_eq!(parts.len(), 1, "{parts:?}");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&parts[0])
        .and_then(|f| f.set_len(70_000))
        .expect("cut the upload's file");

    let res = app.tus_patch(&location, 120_000, &bytes[120_000..], None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.headers()["upload-offset"], "70000");
    assert_eq!(app.tus_offset(&location).await, 70_000);
    // The same upload is offered again, at that offset.
    let (again, offset) = app.tus_created(&report.photos[0]).await;
    assert_eq!((again.as_str(), offset), (location.as_str(), 70_000));

    let res = app.tus_patch(&location, 70_000, &bytes[70_000..], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "200000");
    assert_eq!(app.photo_status(report.id).await["arrived"], 1);
    assert_eq!(
        app.stored_photo(&report.photos[0].sha256).await.as_ref(),
        bytes.as_slice()
    );
}

/// Sends a `PATCH` announcing `announced` bytes, sends only `body`, and
/// drops the connection, as a phone losing its signal would.
async fn cut_patch(
    app: &TestApp,
    location: &str,
    offset: u64,
    announced: usize,
    body: &[u8],
    checksum: Option<String>,
) {
    let addr = app.base.trim_start_matches("http://");
    let token = &app.token;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let checksum = checksum
        .map(|c| format!("Upload-Checksum: {c}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {addr}\r\nTus-Resumable: 1.0.0\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: {OCTET}\r\nUpload-Offset: {offset}\r\nContent-Length: {announced}\r\n{checksum}\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("headers");
    stream.write_all(body).await.expect("part of the body");
    stream.flush().await.expect("flush");
    // Let the server read what was sent before the line goes dead.
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(stream);
}

#[tokio::test]
async fn a_chunk_cut_short_keeps_its_bytes_unless_it_carried_a_checksum() {
    let (app, _dirs) = spawn_app().await;
    let (bytes, report, location) = app.one_photo_upload(200_000, 16).await;

    // 64 KiB announced, 40 000 sent: the 40 000 are kept.
    cut_patch(&app, &location, 0, 65_536, &bytes[..40_000], None).await;
    wait_for_offset(&app, &location, 40_000).await;

    // With a checksum, a cut chunk cannot be verified: nothing is kept.
    let chunk = &bytes[40_000..105_536];
    cut_patch(
        &app,
        &location,
        40_000,
        chunk.len(),
        &chunk[..30_000],
        Some(sha256_checksum(chunk)),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.tus_offset(&location).await, 40_000);

    // A half-open connection (a phone out of signal): the next PATCH takes
    // over from it, after the bytes it had brought.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let token = &app.token;
    let mut stale = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {addr}\r\nTus-Resumable: 1.0.0\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: {OCTET}\r\nUpload-Offset: 40000\r\nContent-Length: 65536\r\n\r\n"
    );
    stale.write_all(head.as_bytes()).await.expect("headers");
    stale.write_all(&bytes[40_000..50_000]).await.expect("some bytes");
    stale.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Where is it? The stale request still holds the upload: HEAD waits a
    // moment, then answers with what is committed.
    assert_eq!(app.tus_offset(&location).await, 40_000);
    let res = app.tus_patch(&location, 40_000, &bytes[40_000..], None).await;
    // The stale request was told to stop and kept its 10 000 bytes; this
    // one repeats them, and they are skipped.
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], "200000");
    // The stale connection is answered (409: superseded), if anyone listens.
    let answer = answer_head(&mut stale).await;
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");

    let got = app.stored_photo(&report.photos[0].sha256).await;
    assert_eq!(got.as_ref(), bytes.as_slice());
}

/// Reports stored before photos had rows of their own (schema 0002) get
/// their photo rows when the server upgrades the database, written as the
/// server writes them for a report received today.
#[tokio::test]
async fn photos_of_reports_stored_before_0003_are_awaited_after_the_upgrade() {
    use chrono::NaiveDate;

    let dirs = sqlite_dirs();
    let older = TempDir::new().expect("temp dir");
    for name in ["0001_reports.sql", "0002_threads.sql"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations/sqlite")
                .join(name),
            older.path().join(name),
        )
        .expect("copy a migration");
    }
    let pool = dirs.pool().await;
    sqlx::migrate::Migrator::new(older.path())
        .await
        .expect("read 0001 and 0002")
        .run(&pool)
        .await
        .expect("apply them");

    let bytes = jpeg(20_000, 31);
    let mut old = hazard_with_photos(&[&bytes]);
    let taken = NaiveDate::from_ymd_opt(2024, 7, 18)
        .and_then(|d| d.and_hms_opt(9, 41, 27))
        .expect("a time");
    old.photos[0].taken_at = Some(taken);
    old.photos[0].lat = Some(31.240367);
    old.photos[0].lon = Some(121.474933);
    let body = db::reports::canonical_body(&old).expect("json");
    let received_at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    sqlx::query(
        "INSERT INTO reports (id, template_id, template_version, body, body_sha256, written_at, received_at, \
                              thread_id, stage, stage_rank, stage_n) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{\"kind\":\"initial\"}', 0, 0)",
    )
    .bind(old.id.to_string())
    .bind(&old.template_id)
    .bind(i64::from(old.template_version))
    .bind(&body)
    .bind(sha256_hex(body.as_bytes()))
    .bind(old.written_at.to_rfc3339())
    .bind(&received_at)
    .bind(old.id.to_string())
    .execute(&pool)
    .await
    .expect("a report stored by the previous server");
    pool.close().await;

    let app = start(&dirs).await;
    let status = app.photo_status_as(&app.admin, old.id).await;
    assert_eq!(
        (status["expected"].as_u64(), status["arrived"].as_u64()),
        (Some(1), Some(0))
    );
    // The same photo data sent today, under a new record and photo id.
    let mut today = hazard_with_photos(&[&bytes]);
    today.photos[0] = PhotoRef {
        id: new_photo_id(),
        ..old.photos[0].clone()
    };
    receipt(app.submit(&today).await, StatusCode::CREATED).await;
    let pool = dirs.pool().await;
    type PhotoColumns = (String, String, i64, String, Option<String>, Option<f64>, Option<f64>);
    let rows: Vec<PhotoColumns> = sqlx::query_as(
        "SELECT report_id, sha256, size, mime, taken_at, lat, lon FROM photos ORDER BY report_id = $1 DESC",
    )
    .bind(old.id.to_string())
    .fetch_all(&pool)
    .await
    .expect("rows");
    pool.close().await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, old.id.to_string());
    assert_eq!(
        (&rows[0].1, rows[0].2, &rows[0].3, &rows[0].4, rows[0].5, rows[0].6),
        (&rows[1].1, rows[1].2, &rows[1].3, &rows[1].4, rows[1].5, rows[1].6),
        "backfilled and received rows read alike"
    );
    assert_eq!(rows[0].4.as_deref(), Some("2024-07-18T09:41:27"));

    let (location, _) = app.tus_created(&old.photos[0]).await;
    assert_eq!(
        app.tus_patch(&location, 0, &bytes, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.photo_status_as(&app.admin, old.id).await["arrived"], 1);
    app.stop().await;
}

#[tokio::test]
async fn an_account_holds_a_bounded_number_of_unfinished_uploads_and_photos_per_report() {
    use kuaibao_core::photo::MAX_PHOTOS_PER_REPORT;
    use kuaibao_server::uploads::MAX_UNFINISHED_PER_ACCOUNT;
    let (app, _dirs) = spawn_app().await;

    // One photo too many in a report: refused whole, naming the blank.
    let images: Vec<Vec<u8>> = (0..=MAX_PHOTOS_PER_REPORT as u64).map(|i| jpeg(600, 100 + i)).collect();
    let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    let (status, error) = api_error(app.submit(&hazard_with_photos(&refs)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "photos");
    assert_eq!(error.fields[0].code, ErrorCode::TooLong);

    // Uploads begun and never finished, up to the bound.
    let mut photos = Vec::new();
    let mut seed = 1_000;
    while (photos.len() as i64) <= MAX_UNFINISHED_PER_ACCOUNT {
        let images: Vec<Vec<u8>> = (0..MAX_PHOTOS_PER_REPORT)
            .map(|_| {
                seed += 1;
                jpeg(600, seed)
            })
            .collect();
        let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
        let report = hazard_with_photos(&refs);
        receipt(app.submit(&report).await, StatusCode::CREATED).await;
        photos.extend(report.photos);
    }
    let mut locations = Vec::new();
    for photo in &photos[..MAX_UNFINISHED_PER_ACCOUNT as usize] {
        locations.push(app.tus_created(photo).await.0);
    }
    let next = &photos[MAX_UNFINISHED_PER_ACCOUNT as usize];
    let res = app.tus_create(next).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // An upload already begun is still offered (the phone resumes it).
    assert_eq!(app.tus_created(&photos[0]).await.0, locations[0]);
    // One ended: room for the next.
    let res = app
        .client
        .delete(app.url(&locations[1]))
        .header("Tus-Resumable", tus::VERSION)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.tus_created(next).await;
    app.stop().await;
}
