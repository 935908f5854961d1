//! Uploads over a link that breaks: a TCP proxy between a tus client and
//! the server cuts connections at random byte counts (seeded, so a failure
//! replays), and every photo must still arrive byte-identical, stored once,
//! with little more sent than the photos themselves.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::uploads::{files_under, hazard_with_photos, jpeg, metadata, sha256_hex, XorShift, OCTET};
use super::*;
use kuaibao_core::photo::tus;

/// The phone's chunk size.
const CHUNK: usize = 64 * 1024;
const SEED: u64 = 0x6b75_6169_6261_6f21;

/// What went through the proxy.
#[derive(Default)]
struct Counters {
    /// Bytes from the client that the proxy passed on to the server.
    up: AtomicU64,
    connections: AtomicU64,
    cuts: AtomicU64,
}

/// Listens on 127.0.0.1 and forwards each connection to `target`. Each
/// connection is cut once the client has sent a random 16–256 KiB through
/// it: both sides are closed at once, mostly mid-request.
async fn cutting_proxy(target: SocketAddr, seed: u64) -> (SocketAddr, Arc<Counters>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
    let addr = listener.local_addr().expect("proxy address");
    let counters = Arc::new(Counters::default());
    let rng = Arc::new(Mutex::new(XorShift(seed)));
    let shared = Arc::clone(&counters);
    let task = tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let cut_after = Some(rng.lock().expect("rng").range(16 * 1024, 256 * 1024));
            shared.connections.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(forward(client, target, cut_after, Arc::clone(&shared)));
        }
    });
    (addr, counters, task)
}

async fn forward(client: TcpStream, target: SocketAddr, cut_after: Option<u64>, counters: Arc<Counters>) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut sent: u64 = 0;
        loop {
            // Never read past the cut: what is counted went through.
            let room = cut_after.map_or(buf.len() as u64, |c| (c - sent).min(buf.len() as u64));
            let n = match from_client.read(&mut buf[..room as usize]).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            if to_server.write_all(&buf[..n]).await.is_err() {
                return false;
            }
            counters.up.fetch_add(n as u64, Ordering::Relaxed);
            sent += n as u64;
            if cut_after == Some(sent) {
                return true;
            }
        }
    };
    let down = tokio::io::copy(&mut from_server, &mut to_client);
    tokio::select! {
        cut = up => {
            if cut {
                counters.cuts.fetch_add(1, Ordering::Relaxed);
            }
        }
        _ = down => {}
    }
    // Dropping the halves closes both connections.
}

/// A tus client as the phone is one: 64 KiB chunks without checksums,
/// asking the server where it stands after anything goes wrong. Returns
/// how many requests failed on the way.
async fn upload_through(client: &Client, base: &str, photo: &PhotoRef, bytes: &[u8]) -> u32 {
    let mut failures = 0;
    let mut location: Option<String> = None;
    let mut offset: Option<u64> = None;
    for _ in 0..500 {
        let Some(url) = location.clone() else {
            let res = client
                .post(format!("{base}{}", tus::UPLOADS_PATH))
                .header("Tus-Resumable", tus::VERSION)
                .header("Upload-Length", photo.size.to_string())
                .header("Upload-Metadata", metadata(photo))
                .send()
                .await;
            match res {
                Ok(res) if res.status() == StatusCode::CREATED => {
                    let path = res.headers()["location"].to_str().expect("ascii").to_owned();
                    location = Some(format!("{base}{path}"));
                    offset = None;
                }
                Ok(res) => panic!("POST answered {}", res.status()),
                Err(_) => failures += 1,
            }
            continue;
        };
        let Some(at) = offset else {
            match client.head(&url).header("Tus-Resumable", tus::VERSION).send().await {
                Ok(res) if res.status() == StatusCode::OK => {
                    offset = Some(
                        res.headers()["upload-offset"]
                            .to_str()
                            .expect("ascii")
                            .parse()
                            .expect("number"),
                    );
                }
                Ok(res) => panic!("HEAD answered {}", res.status()),
                Err(_) => failures += 1,
            }
            continue;
        };
        if at == photo.size {
            return failures;
        }
        let end = (at as usize + CHUNK).min(bytes.len());
        let res = client
            .patch(&url)
            .header("Tus-Resumable", tus::VERSION)
            .header(CONTENT_TYPE, OCTET)
            .header("Upload-Offset", at.to_string())
            .body(bytes[at as usize..end].to_vec())
            .send()
            .await;
        offset = match res {
            Ok(res) if res.status() == StatusCode::NO_CONTENT => Some(
                res.headers()["upload-offset"]
                    .to_str()
                    .expect("ascii")
                    .parse()
                    .expect("number"),
            ),
            // Cut (the answer lost), or told the offset moved: ask.
            Ok(res) if res.status() == StatusCode::CONFLICT => None,
            Ok(res) => panic!("PATCH answered {}", res.status()),
            Err(_) => {
                failures += 1;
                None
            }
        };
    }
    panic!("photo {} not uploaded after 500 requests", photo.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_cross_a_link_that_keeps_breaking_whole_and_once() {
    let (app, dirs) = spawn_app().await;
    let mut rng = XorShift(SEED);
    let photos: Vec<Vec<u8>> = (0..5)
        .map(|i| jpeg(rng.range(300_000, 500_001) as usize, SEED + i))
        .collect();
    let refs: Vec<&[u8]> = photos.iter().map(Vec::as_slice).collect();
    let report = hazard_with_photos(&refs);
    // The text goes straight to the server; the photos go through the proxy.
    receipt(app.submit(&report).await, StatusCode::CREATED).await;

    let target: SocketAddr = app.base.trim_start_matches("http://").parse().expect("server address");
    let (proxy, counters, proxy_task) = cutting_proxy(target, SEED).await;
    let base = format!("http://{proxy}");
    let client = authorized_builder(&app.token)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    let run = async {
        let mut failures = Vec::new();
        for (photo, bytes) in report.photos.iter().zip(&photos) {
            failures.push(upload_through(&client, &base, photo, bytes).await);
        }
        failures
    };
    let failures = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("all photos within 90 s");
    proxy_task.abort();

    let cuts = counters.cuts.load(Ordering::Relaxed);
    let sent = counters.up.load(Ordering::Relaxed);
    let total: u64 = photos.iter().map(|p| p.len() as u64).sum();
    eprintln!(
        "{} photos, {total} bytes; {} connections, {cuts} cut, {failures:?} failed requests per photo; \
         {sent} bytes through the proxy ({:.3}×)",
        photos.len(),
        counters.connections.load(Ordering::Relaxed),
        sent as f64 / total as f64
    );
    assert!(cuts >= 10, "the link broke too rarely to prove anything: {cuts} cuts");
    assert!(
        failures.iter().all(|&f| f >= 1) && failures.iter().sum::<u32>() >= 2 * failures.len() as u32,
        "every photo is cut, most several times: {failures:?}"
    );
    assert!(
        (sent as f64) <= 1.3 * total as f64,
        "{sent} bytes sent for {total} bytes of photos"
    );

    // Every photo arrived, byte-identical.
    let status = app.photo_status(report.id).await;
    assert_eq!(
        (status["expected"].as_u64(), status["arrived"].as_u64()),
        (Some(5), Some(5))
    );
    for (photo, bytes) in report.photos.iter().zip(&photos) {
        let got = app.photo_bytes(&photo.sha256).await.bytes().await.expect("bytes");
        assert_eq!(sha256_hex(&got), photo.sha256);
        assert_eq!(got.as_ref(), bytes.as_slice());
    }
    // Stored once each; no upload left unfinished.
    let mut stored: Vec<String> = files_under(&dirs.data.path().join("photos"))
        .iter()
        .map(|p| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned())
        .collect();
    stored.sort();
    let mut expected: Vec<String> = report.photos.iter().map(|p| p.sha256.clone()).collect();
    expected.sort();
    assert_eq!(stored, expected);
    assert!(files_under(&dirs.data.path().join("uploads")).is_empty());
    let pool = dirs.pool().await;
    let (arrived, unfinished): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM photos WHERE arrived_at IS NOT NULL), \
                (SELECT count(*) FROM uploads WHERE received < length)",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!((arrived, unfinished), (5, 0));
    pool.close().await;
}
