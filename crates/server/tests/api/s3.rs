//! Photos kept in an S3-compatible store (`KUAIBAO_OBJECT_STORE`), against
//! a real S3 API: moto's server, which this test starts on a free port on
//! 127.0.0.1. It needs `moto_server` on PATH (`pip install 'moto[server]'`,
//! which `cargo xtask setup` does) or its path in `KUAIBAO_MOTO_SERVER`; it
//! fails, never skips, without it.

use std::process::Stdio;
use std::time::Instant;

use kuaibao_server::storage::{photo_key, PhotoStore, PART_BYTES};

use super::media::webm;
use super::uploads::{files_under, hazard_with_photos, jpeg, sha256_hex};
use super::*;

const BUCKET: &str = "kuaibao-photos";
const PREFIX: &str = "evidence";

/// moto's S3 server, stopped when dropped.
struct Moto {
    endpoint: String,
    _child: tokio::process::Child,
}

async fn start_moto() -> Moto {
    let program = std::env::var_os("KUAIBAO_MOTO_SERVER").unwrap_or_else(|| "moto_server".into());
    // A free port: bind, note, let go (moto binds it a moment later).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = tokio::process::Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program:?} ({e}): the S3 test needs moto's server; \
                 install it with `pip install 'moto[server]'` (cargo xtask setup does) \
                 or set KUAIBAO_MOTO_SERVER to its path"
            )
        });
    let endpoint = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("moto_server exited at start: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "moto_server did not listen within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Moto {
        endpoint,
        _child: child,
    }
}

fn s3_options(moto: &Moto) -> Vec<(String, String)> {
    [
        ("aws_endpoint", moto.endpoint.as_str()),
        ("aws_allow_http", "true"),
        ("aws_access_key_id", "testing"),
        ("aws_secret_access_key", "testing"),
        ("aws_region", "us-east-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[tokio::test]
async fn photos_can_be_kept_in_an_s3_compatible_store() {
    let moto = start_moto().await;
    let res = Client::new()
        .put(format!("{}/{BUCKET}", moto.endpoint))
        .send()
        .await
        .expect("create the bucket");
    assert!(res.status().is_success(), "create bucket: {}", res.status());

    let url = format!("s3://{BUCKET}/{PREFIX}");
    let options = s3_options(&moto);
    let dirs = dirs();
    let configure = |c: &mut Config| {
        c.object_store = Some(url.clone());
        c.object_store_options = options.clone();
    };
    let app = start_with(&dirs, configure).await;

    let (a, b) = (jpeg(200_000, 21), jpeg(30_000, 22));
    let report = hazard_with_photos(&[&a, &b]);
    let same_as_a = hazard_with_photos(&[&a]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    receipt(app.submit(&same_as_a).await, StatusCode::CREATED).await;

    let (location, _) = app.tus_created(&report.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, 0, &a, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );
    let (location, _) = app.tus_created(&report.photos[1]).await;
    assert_eq!(
        app.tus_patch(&location, 0, &b, None).await.status(),
        StatusCode::NO_CONTENT
    );
    // The same bytes as another photo: sent again (its own upload proves
    // the sender holds them), stored once.
    let (location, offset) = app.tus_created(&same_as_a.photos[0]).await;
    assert_eq!(offset, 0);
    assert_eq!(
        app.tus_send(&location, 0, &a, 65_536).await.status(),
        StatusCode::NO_CONTENT
    );

    // A clip of more than two parts goes up a part at a time (a
    // multipart upload), and is read back whole.
    let clip = webm(2 * PART_BYTES + 123_457, 23);
    let mut with_clip = hazard_with_photos(&[&a, &clip]);
    with_clip.photos[1].mime = "video/webm".into();
    receipt(app.submit(&with_clip).await, StatusCode::CREATED).await;
    let (location, _) = app.tus_created(&with_clip.photos[1]).await;
    assert_eq!(
        app.tus_send(&location, 0, &clip, 4 * 1024 * 1024).await.status(),
        StatusCode::NO_CONTENT
    );

    assert_eq!(app.photo_status(report.id).await["arrived"], 2);
    assert_eq!(app.photo_status(same_as_a.id).await["arrived"], 1);
    assert_eq!(app.photo_status(with_clip.id).await["arrived"], 1);
    for bytes in [&a, &b, &clip] {
        let res = app.photo_bytes(&sha256_hex(bytes)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), bytes.as_slice());
    }

    // In the bucket, under the prefix, once each; nothing on local disk.
    let store = PhotoStore::s3(&url, &options).expect("the store");
    let mut expected = vec![
        photo_key(&sha256_hex(&a)),
        photo_key(&sha256_hex(&b)),
        photo_key(&sha256_hex(&clip)),
    ];
    expected.sort();
    assert_eq!(store.keys("photos").await.expect("list"), expected);
    let listing = Client::new()
        .get(format!("{}/{BUCKET}?list-type=2", moto.endpoint))
        .send()
        .await
        .expect("list the bucket")
        .text()
        .await
        .expect("listing");
    assert!(listing.contains("<KeyCount>3</KeyCount>"), "{listing}");
    assert!(
        listing.contains(&format!("<Key>{PREFIX}/{}</Key>", expected[0])),
        "{listing}"
    );
    assert!(files_under(&dirs.data.path().join("photos")).is_empty());
    assert!(files_under(&dirs.data.path().join("uploads")).is_empty());

    // After a restart the bytes are served from the bucket still.
    app.stop().await;
    let app = start_with(&dirs, configure).await;
    let got = app.photo_bytes(&sha256_hex(&b)).await.bytes().await.expect("bytes");
    assert_eq!(got.as_ref(), b.as_slice());
    app.stop().await;
}
