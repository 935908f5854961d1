//! Slow and idle clients, over real sockets written by hand: a half-sent
//! head, an idle keep-alive connection, a trickling body and a slow request
//! are cut at their limits; a photo sent slowly still arrives; connections
//! over the cap are answered 503 until some close. Each test sets short
//! limits, and every wait has a deadline.

use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;

use kuaibao_core::wire::protocol::{outcome_of_status, Outcome};

use super::uploads::{hazard_with_photos, jpeg, sha256_hex};
use super::*;

/// What came back on a raw connection: the status, the head, the body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn error(&self) -> ApiError {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} / {}", self.head, String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

impl TestApp {
    pub(crate) fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub(crate) async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr()).await.expect("connect")
    }
}

/// Reads one answer (its head, and a body of `Content-Length`); `None` when
/// the connection closes first. Panics after `within`.
pub(crate) async fn read_answer(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> Option<Answer> {
    tokio::time::timeout(within, async {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 8192];
        let head_end = loop {
            if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        };
        let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {head}"));
        let mut answer = Answer {
            status,
            head,
            body: bytes[head_end..].to_vec(),
        };
        let length: usize = answer
            .header("content-length")
            .map(|v| v.parse().expect("Content-Length"))
            .unwrap_or(0);
        while answer.body.len() < length {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.body.extend_from_slice(&buf[..n]),
            }
        }
        Some(answer)
    })
    .await
    .expect("an answer or the connection closed in time")
}

/// Waits for the server to close `stream`: how long it took, reading and
/// dropping anything sent before. Panics after `within`.
async fn closed_after(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> Duration {
    let start = Instant::now();
    tokio::time::timeout(within, async {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
    .expect("the server closes the connection in time");
    start.elapsed()
}

fn health_request(addr: &str) -> String {
    format!("GET {HEALTH_PATH} HTTP/1.1\r\nHost: {addr}\r\n\r\n")
}

#[tokio::test]
async fn a_half_sent_head_is_closed_at_the_header_limit() {
    let dirs = dirs();
    let limit = Duration::from_secs(2);
    let app = start_with(&dirs, |c| c.header_timeout = limit).await;
    let mut stream = app.connect().await;
    // The head the review sent: its last empty line never comes.
    stream
        .write_all(format!("GET {HEALTH_PATH} HTTP/1.1\r\nHost: x\r\n").as_bytes())
        .await
        .expect("half a head");
    let start = Instant::now();
    let answer = read_answer(&mut stream, limit + Duration::from_secs(3)).await;
    let took = start.elapsed();
    // Closed, or told 408: either way not served and not kept.
    if let Some(answer) = &answer {
        assert_eq!(answer.status, 408, "{}", answer.head);
    }
    assert!(took >= limit - Duration::from_millis(300), "closed too early: {took:?}");
    assert!(took <= limit + Duration::from_secs(2), "closed too late: {took:?}");
    app.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_header_limit() {
    let dirs = dirs();
    let limit = Duration::from_secs(2);
    let app = start_with(&dirs, |c| c.header_timeout = limit).await;
    let mut stream = app.connect().await;
    stream
        .write_all(health_request(app.addr()).as_bytes())
        .await
        .expect("request");
    let answer = read_answer(&mut stream, Duration::from_secs(5))
        .await
        .expect("answered");
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert_ne!(answer.header("connection"), Some("close"), "kept alive");
    // Nothing more is asked: the connection waits for a head that never
    // comes, and is closed like a half-sent one.
    let idle = closed_after(&mut stream, limit + Duration::from_secs(3)).await;
    assert!(idle >= limit - Duration::from_millis(300), "closed too early: {idle:?}");
    assert!(idle <= limit + Duration::from_secs(2), "closed too late: {idle:?}");
    app.stop().await;
}

/// The head of a report submission announcing `length` bytes of JSON.
pub(crate) fn submit_head(app: &TestApp, length: usize) -> String {
    format!(
        "POST {SUBMIT_REPORT_PATH} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
        app.addr(),
        app.token
    )
}

/// Sends `head`, then `{` and spaces, one byte every `every` from a task
/// of its own (up to 60 bytes; writes that fail once the server has closed
/// end it). The connection's reading half, to read the answer from.
async fn trickle(app: &TestApp, head: String, every: Duration) -> OwnedReadHalf {
    let (reader, mut writer) = app.connect().await.into_split();
    writer.write_all(head.as_bytes()).await.expect("head");
    tokio::spawn(async move {
        for i in 0..60 {
            let byte: &[u8] = if i == 0 { b"{" } else { b" " };
            if writer.write_all(byte).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    reader
}

#[tokio::test]
async fn a_body_that_stops_sending_is_answered_408_and_closed() {
    let dirs = dirs();
    let idle = Duration::from_secs(1);
    let app = start_with(&dirs, |c| c.body_idle_timeout = idle).await;
    // A byte every 3 s, where 1 s without one is the limit.
    let start = Instant::now();
    let mut reader = trickle(&app, submit_head(&app, 1000), Duration::from_secs(3)).await;
    let answer = read_answer(&mut reader, Duration::from_secs(10))
        .await
        .expect("answered");
    let took = start.elapsed();
    // 408, which the phone retries; not 400, which it would take as a
    // refusal of the report.
    assert_eq!(answer.status, 408, "{}", answer.head);
    assert_eq!(answer.error().error, ApiErrorCode::Unavailable);
    assert_eq!(outcome_of_status(answer.status), Outcome::Retry);
    assert!(took >= idle - Duration::from_millis(200), "cut too early: {took:?}");
    assert!(took < Duration::from_secs(3), "cut after the next byte came: {took:?}");
    // And the connection is not kept for another request.
    closed_after(&mut reader, Duration::from_secs(3)).await;
    assert!(app.list().await.is_empty(), "nothing stored");
    app.stop().await;
}

#[tokio::test]
async fn a_request_slower_than_the_request_limit_is_answered_408() {
    let dirs = dirs();
    let limit = Duration::from_secs(2);
    let app = start_with(&dirs, |c| {
        c.request_timeout = limit;
        c.body_idle_timeout = Duration::from_secs(5);
    })
    .await;
    // Never idle for long (a byte every 200 ms), but 1000 bytes at that
    // pace take minutes.
    let start = Instant::now();
    let mut reader = trickle(&app, submit_head(&app, 1000), Duration::from_millis(200)).await;
    let answer = read_answer(&mut reader, Duration::from_secs(10))
        .await
        .expect("answered");
    let took = start.elapsed();
    assert_eq!(answer.status, 408, "{}", answer.head);
    let error = answer.error();
    assert_eq!(error.error, ApiErrorCode::Unavailable);
    assert!(error.message.contains("send it again"), "{}", error.message);
    assert!(took >= limit - Duration::from_millis(200), "cut too early: {took:?}");
    assert!(took < limit + Duration::from_secs(2), "cut too late: {took:?}");
    closed_after(&mut reader, Duration::from_secs(3)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_photo_sent_at_50_kb_a_second_arrives() {
    let dirs = dirs();
    // The default header and body limits; and a whole-request limit
    // shorter than this upload takes, which tus's PATCH is not under.
    let app = start_with(&dirs, |c| c.request_timeout = Duration::from_secs(2)).await;
    let bytes = jpeg(256 * 1024, 50);
    let report = hazard_with_photos(&[&bytes]);
    receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let (location, offset) = app.tus_created(&report.photos[0]).await;
    assert_eq!(offset, 0);

    let mut stream = app.connect().await;
    let head = app.patch_head(&location, bytes.len());
    stream.write_all(head.as_bytes()).await.expect("head");
    // 5 KiB every 100 ms: about 50 kB/s, some five seconds for the photo.
    let start = Instant::now();
    for chunk in bytes.chunks(5 * 1024) {
        stream.write_all(chunk).await.expect("a piece of the photo");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = read_answer(&mut stream, Duration::from_secs(20))
        .await
        .expect("answered");
    let took = start.elapsed();
    assert_eq!(
        answer.status,
        204,
        "{} {}",
        answer.head,
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.header("upload-offset"), Some(bytes.len().to_string().as_str()));
    assert!(took > Duration::from_secs(4), "sent slowly: {took:?}");
    let got = app.stored_photo(&report.photos[0].sha256).await;
    assert_eq!(sha256_hex(&got), report.photos[0].sha256);
    app.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_until_some_close() {
    let dirs = dirs();
    let cap = 4;
    let app = start_with(&dirs, |c| c.max_connections = cap).await;
    let addr = app.addr().to_owned();
    // Asks for the health on a new connection, which stays open (kept
    // alive) when the answer is 200.
    let ask = || async {
        let mut stream = app.connect().await;
        stream
            .write_all(health_request(&addr).as_bytes())
            .await
            .expect("request");
        let answer = read_answer(&mut stream, Duration::from_secs(5))
            .await
            .expect("answered");
        (stream, answer)
    };

    // Fill every slot with a kept-alive connection. The logins of
    // `start_with` may hold slots for a moment after their clients are
    // gone: until the server sees them close, the newcomer is told 503.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut held = Vec::new();
    while held.len() < cap {
        assert!(Instant::now() < deadline, "{} of {cap} slots filled", held.len());
        let (stream, answer) = ask().await;
        match answer.status {
            200 => held.push(stream),
            503 => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("{other}: {}", answer.head),
        }
    }

    // One more: 503 at once, in the API's shape, with Retry-After, closed.
    let start = Instant::now();
    let (mut refused, answer) = ask().await;
    assert_eq!(answer.status, 503, "{}", answer.head);
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    assert_eq!(answer.header("retry-after"), Some("5"));
    assert_eq!(answer.error().error, ApiErrorCode::Unavailable);
    assert_eq!(outcome_of_status(answer.status), Outcome::Retry);
    closed_after(&mut refused, Duration::from_secs(3)).await;
    // One more that says nothing is closed unanswered, within a second or
    // so: it gets no slot to hold, and no time either.
    let mut silent = app.connect().await;
    let waited = closed_after(&mut silent, Duration::from_secs(4)).await;
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    // A client library reads the answer too.
    let res = Client::new().get(app.url(HEALTH_PATH)).send().await.expect("an answer");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api_error(res).await.1.error, ApiErrorCode::Unavailable);

    // The held connections go: newcomers are served again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, answer) = ask().await;
        if answer.status == 200 {
            break;
        }
        assert_eq!(answer.status, 503, "{}", answer.head);
        assert!(Instant::now() < deadline, "still refused after the others closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_photo_upload_that_stops_sending_keeps_its_bytes_and_is_answered_408() {
    let dirs = dirs();
    let app = start_with(&dirs, |c| c.body_idle_timeout = Duration::from_secs(1)).await;
    let (bytes, _, location) = app.one_photo_upload(100_000, 51).await;

    // The whole photo announced, 40 000 bytes sent, then silence on a
    // connection that stays open (a phone whose link went quiet).
    let mut stream = app.connect().await;
    let head = app.patch_head(&location, bytes.len());
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&bytes[..40_000]).await.expect("part of the photo");
    let answer = read_answer(&mut stream, Duration::from_secs(10))
        .await
        .expect("answered");
    assert_eq!(answer.status, 408, "{}", answer.head);
    assert_eq!(answer.header("upload-offset"), Some("40000"));
    assert_eq!(answer.header("tus-resumable"), Some("1.0.0"));
    assert_eq!(answer.error().error, ApiErrorCode::Unavailable);
    closed_after(&mut stream, Duration::from_secs(3)).await;
    // What came is kept: the phone goes on from there.
    assert_eq!(app.tus_offset(&location).await, 40_000);
    let res = app.tus_patch(&location, 40_000, &bytes[40_000..], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

#[tokio::test]
async fn a_photo_upload_that_trickles_is_cut_at_the_patch_limit_and_keeps_its_bytes() {
    let dirs = dirs();
    let limit = Duration::from_secs(2);
    let app = start_with(&dirs, |c| {
        c.patch_timeout = limit;
        c.body_idle_timeout = Duration::from_secs(5);
    })
    .await;
    let (bytes, _, location) = app.one_photo_upload(100_000, 52).await;
    // Never idle (a few bytes every 200 ms), never done: without a limit on
    // the whole PATCH it would hold its connection as long as it liked.
    let (mut reader, mut writer) = app.connect().await.into_split();
    let head = app.patch_head(&location, bytes.len());
    writer.write_all(head.as_bytes()).await.expect("head");
    let sent = bytes[..400].to_vec();
    tokio::spawn(async move {
        for piece in sent.chunks(10) {
            if writer.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let start = Instant::now();
    let answer = read_answer(&mut reader, Duration::from_secs(10))
        .await
        .expect("answered");
    let took = start.elapsed();
    assert_eq!(answer.status, 408, "{}", answer.head);
    assert_eq!(answer.header("tus-resumable"), Some("1.0.0"));
    assert!(took >= limit - Duration::from_millis(200), "cut too early: {took:?}");
    assert!(took < limit + Duration::from_secs(2), "cut too late: {took:?}");
    // What came is kept, and the phone goes on from there.
    let kept = app.tus_offset(&location).await;
    assert!(kept > 0 && kept <= 400, "kept {kept}");
    let rest = usize::try_from(kept).expect("offset");
    let res = app.tus_patch(&location, kept, &bytes[rest..], None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

/// A client that asks for a download and takes none of it loses the
/// connection once the server has waited `send_stall` for it to take a
/// byte: without the limit the answer would wait, holding its slot, for
/// ever. Read afterwards, what arrived stops far short of the file.
#[tokio::test]
async fn a_reader_that_stops_reading_is_cut_at_the_send_stall_limit() {
    let dirs = dirs();
    let size = 16 * 1024 * 1024;
    std::fs::write(dirs.static_files.path().join("stall.bin"), jpeg(size, 5)).expect("a big file");
    let stall = Duration::from_secs(2);
    let app = start_with(&dirs, |c| c.send_stall = stall).await;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("receive buffer");
    let mut stream = socket
        .connect(app.addr().parse().expect("address"))
        .await
        .expect("connect");
    let addr = app.addr().to_owned();
    stream
        .write_all(format!("GET /stall.bin HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .expect("request");
    // Reads nothing for twice the limit.
    tokio::time::sleep(stall * 2).await;
    let mut got = 0usize;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 65536];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got += n,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the connection stays open after {got} bytes");
    assert!(got > 0, "the answer had begun");
    assert!(got < size / 2, "{got} of {size} bytes: the server did not give up");
    app.stop().await;
}
