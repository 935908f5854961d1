//! Connections cut at random byte offsets, in either direction: a proxy
//! between the phone and the server reads each request whole, then passes
//! it on whole, cuts it at a random byte (the request never fully arrives),
//! or passes it whole and cuts the server's answer at a random byte (the
//! server did the work; the phone never learns it). The phone retries until
//! it has an answer.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kuaibao_core::wire::protocol::Receipt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::{client, hazard, incident, jpeg, login, verify, within, Env, Phone, Rng};

/// What the proxy did with one connection (one request: the phone's client
/// opens a connection per request).
#[derive(Debug, Clone)]
struct Event {
    /// `POST /api/reports`, `PATCH /api/uploads/…`, …
    request_line: String,
    plan: Plan,
    /// The server's whole answer, when the request reached it whole.
    response: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Pass,
    /// Only this many bytes of the request went through.
    CutRequest(usize),
    /// The request went through whole; only this many bytes of the answer
    /// came back.
    CutResponse(usize),
}

impl Event {
    fn status(&self) -> Option<u16> {
        let response = self.response.as_ref()?;
        let line = response.split(|&b| b == b'\r').next()?;
        std::str::from_utf8(line).ok()?.split(' ').nth(1)?.parse().ok()
    }

    fn body(&self) -> Option<&[u8]> {
        let response = self.response.as_ref()?;
        let end = find(response, b"\r\n\r\n")? + 4;
        Some(&response[end..])
    }

    /// The answer was lost, wholly or partly, after the server had it.
    fn response_lost(&self) -> bool {
        matches!(self.plan, Plan::CutResponse(k) if self.response.as_ref().is_some_and(|r| k < r.len()))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One HTTP/1.1 message with a `Content-Length` body (or none): its bytes.
/// `None` if the peer closed first.
async fn read_message(stream: &mut TcpStream, bodiless: bool) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).unwrap_or_default();
    let length = if bodiless || status == "204" || status == "304" {
        0
    } else {
        head.lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0)
    };
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(buf)
}

/// Listens on 127.0.0.1 and forwards to `port`, cutting as `rng` decides:
/// a third of requests pass, a third are cut, a third lose their answer.
async fn cutting_proxy(port: u16, rng: Rng) -> (SocketAddr, Arc<Mutex<Vec<Event>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
    let addr = listener.local_addr().expect("proxy address");
    let events = Arc::new(Mutex::new(Vec::new()));
    let rng = Arc::new(Mutex::new(rng));
    let log = Arc::clone(&events);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(forward(client, port, Arc::clone(&rng), Arc::clone(&log)));
        }
    });
    (addr, events)
}

async fn forward(mut client: TcpStream, port: u16, rng: Arc<Mutex<Rng>>, log: Arc<Mutex<Vec<Event>>>) {
    let Some(request) = read_message(&mut client, false).await else {
        return;
    };
    let request_line = String::from_utf8_lossy(request.split(|&b| b == b'\r').next().unwrap_or_default()).into_owned();
    let head = request_line.starts_with("HEAD ");
    let (roll, at) = {
        let mut rng = rng.lock().expect("rng");
        (rng.range(0, 3), rng.next())
    };
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", port)).await else {
        return;
    };
    let mut event = Event {
        request_line,
        plan: Plan::Pass,
        response: None,
    };
    if roll == 1 {
        let k = (at % request.len() as u64) as usize;
        event.plan = Plan::CutRequest(k);
        let _ = server.write_all(&request[..k]).await;
        let _ = server.flush().await;
    } else if server.write_all(&request).await.is_ok() {
        let response = tokio::time::timeout(Duration::from_secs(20), read_message(&mut server, head))
            .await
            .ok()
            .flatten();
        if let Some(response) = &response {
            let k = if roll == 2 {
                let k = (at % response.len() as u64) as usize;
                event.plan = Plan::CutResponse(k);
                k
            } else {
                response.len()
            };
            let _ = client.write_all(&response[..k]).await;
            let _ = client.flush().await;
        }
        event.response = response;
    }
    log.lock().expect("events").push(event);
    // Dropping both streams closes both connections.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_cut_at_random_byte_offsets_are_stored_once_with_their_first_receipt() {
    let mut rng = Rng::seeded("submissions_cut_at_random_byte_offsets");
    let env = Env::new().await;
    env.add_accounts().await;
    let server = env.start(&[]).await;
    let token = login(&env.base()).await;
    let (proxy, events) = cutting_proxy(env.port, Rng::new(rng.next())).await;
    let phone = Phone::new(client(&token, true), format!("http://{proxy}"));
    // The same outbox, straight to the server: for replays and the checks.
    let direct = Phone {
        client: client(&token, false),
        base: env.base(),
        ..phone.clone()
    };

    let started = Instant::now();
    within(Duration::from_secs(60), "sending through the cutting proxy", async {
        for n in 0..24 {
            let (report, photos) = if n % 3 == 2 {
                let len = rng.range(2_000, 100_000) as usize;
                let photo = jpeg(&mut rng, len);
                (hazard(&mut rng, &[&photo]), vec![photo])
            } else {
                (incident(&mut rng), Vec::new())
            };
            phone.queue(&report, &photos);
            let first = phone.send(&report).await;
            for (photo, bytes) in report.photos.iter().zip(&photos) {
                phone.upload(photo, bytes).await;
            }
            // A replay over a good link answers the receipt the phone got.
            let again = direct.send(&report).await;
            assert_eq!(again, first, "report {}", report.id);
        }
    })
    .await;

    let events = events.lock().expect("events").clone();
    let submits: Vec<&Event> = events
        .iter()
        .filter(|e| e.request_line.starts_with("POST /api/reports "))
        .collect();
    let cut_requests = submits
        .iter()
        .filter(|e| matches!(e.plan, Plan::CutRequest(k) if k > 0))
        .count();
    // The server stored the report and answered 201; the phone never saw it.
    let lost_receipts: Vec<Receipt> = submits
        .iter()
        .filter(|e| e.response_lost() && e.status() == Some(201))
        .map(|e| serde_json::from_slice(e.body().expect("body")).expect("a receipt in the lost answer"))
        .collect();
    let lost_replays = submits
        .iter()
        .filter(|e| e.response_lost() && e.status() == Some(200))
        .count();
    let lost_acks = events
        .iter()
        .filter(|e| e.request_line.starts_with("PATCH ") && e.response_lost() && e.status() == Some(204))
        .count();
    {
        let ledger = phone.ledger.lock().expect("ledger");
        eprintln!(
            "{} connections in {:?}: {} submissions, {cut_requests} cut mid-request, {} first receipts and \
             {lost_replays} replay receipts lost on the way back, {lost_acks} PATCH 204s lost; \
             {} requests broken, refusals {:?}",
            events.len(),
            started.elapsed(),
            submits.len(),
            lost_receipts.len(),
            ledger.broken,
            ledger.refusals
        );
        // The first receipt, which the phone never saw, is the one every
        // later send of the report answered.
        for lost in &lost_receipts {
            let got = &ledger.receipts[&lost.id];
            assert!(
                got.iter().all(|r| r == lost),
                "report {}: lost {lost:?}, later {got:?}",
                lost.id
            );
        }
    }
    assert!(
        cut_requests >= 5,
        "too few requests cut to prove anything: {cut_requests}"
    );
    assert!(
        lost_receipts.len() >= 3,
        "too few first receipts lost to prove anything: {}",
        lost_receipts.len()
    );
    verify(&env, &direct).await;
    drop(server);
}
