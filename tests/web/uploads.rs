use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use kuaibao::platform;
use kuaibao::store::{LocalPhoto, Store, Upload};
use kuaibao::sync::{NetError, TusAnswer, TusTransport, Uploader, CHUNK_BYTES, PHOTOS_IN_FLIGHT};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{fresh_store, logged_in_store, session, DAY_MS};

/// A tus transport that answers from a script and records every call.
#[derive(Default)]
struct Scripted {
    answers: RefCell<VecDeque<Result<TusAnswer, NetError>>>,
    calls: RefCell<Vec<String>>,
}

impl Scripted {
    fn then(self, answer: Result<TusAnswer, NetError>) -> Self {
        self.answers.borrow_mut().push_back(answer);
        self
    }
    fn next(&self, call: String) -> Result<TusAnswer, NetError> {
        self.calls.borrow_mut().push(call);
        self.answers
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| Err(NetError("script ran out".into())))
    }
}

impl TusTransport for Scripted {
    async fn create(&self, photo: &LocalPhoto, token: &str) -> Result<TusAnswer, NetError> {
        self.next(with_token(format!("POST {}", photo.size), token))
    }
    async fn offset(&self, url: &str, token: &str) -> Result<TusAnswer, NetError> {
        self.next(with_token(format!("HEAD {url}"), token))
    }
    async fn patch(&self, url: &str, offset: u64, chunk: &web_sys::Blob, token: &str) -> Result<TusAnswer, NetError> {
        self.next(with_token(format!("PATCH {url} @{offset} +{}", chunk.size()), token))
    }
}

/// Calls are written without the token of the usual login (`t-li`), and
/// with any other, so a test sees which session each request went with.
fn with_token(call: String, token: &str) -> String {
    if token == "t-li" {
        call
    } else {
        format!("{call} [{token}]")
    }
}

fn answer(status: u16, offset: Option<u64>) -> Result<TusAnswer, NetError> {
    Ok(TusAnswer {
        status,
        location: None,
        offset,
        body: String::new(),
        retry_after_s: None,
    })
}

/// An answer with the API's error body, and the wait it asks for.
fn refused(status: u16, body: &str, retry_after_s: Option<u64>) -> Result<TusAnswer, NetError> {
    Ok(TusAnswer {
        status,
        location: None,
        offset: None,
        body: body.into(),
        retry_after_s,
    })
}

/// One pass at `at` (ms), every photo's text delivered, with no jitter
/// (each wait is the lower end of its backoff step).
async fn pass_at(uploader: &Uploader<Scripted>, at: f64) -> kuaibao::sync::UploadSummary {
    uploader
        .drain(&|_| true, at, false, || 0.0, &no_op)
        .await
        .expect("drain")
}

/// Asserts a pass at `at` sends nothing more: `uploader` made `calls` so far.
async fn sends_nothing(uploader: &Uploader<Scripted>, at: f64, force: bool, calls: usize) {
    uploader
        .drain(&|_| true, at, force, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(uploader.tus.calls.borrow().len(), calls);
}

fn created(url: &str) -> Result<TusAnswer, NetError> {
    Ok(TusAnswer {
        status: 201,
        location: Some(url.into()),
        offset: None,
        body: String::new(),
        retry_after_s: None,
    })
}

fn no_op(_: &LocalPhoto) {}

async fn upload_state(store: &Store, p: &LocalPhoto) -> Upload {
    store
        .photos()
        .await
        .expect("photos")
        .into_iter()
        .find(|q| q.id == p.id)
        .expect("kept")
        .upload
}

#[wasm_bindgen_test]
async fn a_photo_goes_up_in_chunks_once_its_text_is_delivered() {
    let store = logged_in_store().await;
    let report = platform::new_report_id();
    let size = CHUNK_BYTES as usize + 1000;
    let p = crate::stored_photo(&store, report, size).await;
    let tus = Scripted::default()
        .then(created("/api/uploads/u1"))
        .then(answer(204, Some(CHUNK_BYTES)))
        .then(answer(204, Some(size as u64)));
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };

    // Text not delivered yet: the photo waits, nothing is sent.
    let summary = uploader
        .drain(&|_| false, platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary, Default::default());
    assert!(uploader.tus.calls.borrow().is_empty());

    let summary = uploader
        .drain(&|id| id == report, platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.done, 1);
    assert_eq!(
        *uploader.tus.calls.borrow(),
        vec![
            // A new upload holds nothing: no HEAD before the first chunk.
            format!("POST {size}"),
            format!("PATCH /api/uploads/u1 @0 +{CHUNK_BYTES}"),
            format!("PATCH /api/uploads/u1 @{CHUNK_BYTES} +1000"),
        ]
    );
    assert_eq!(upload_state(&store, &p).await, Upload::Done);
}

#[wasm_bindgen_test]
async fn after_a_drop_the_upload_resumes_from_the_servers_offset() {
    let store = logged_in_store().await;
    let report = platform::new_report_id();
    let p = crate::stored_photo(&store, report, 300_000).await;
    let tus = Scripted::default()
        .then(created("/u/2"))
        .then(Err(NetError("connection reset".into())));
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let now = platform::now_ms();
    let summary = pass_at(&uploader, now).await;
    assert_eq!((summary.waiting, summary.next_try_ms), (1, Some(now + 1_000.0)));
    match upload_state(&store, &p).await {
        Upload::Waiting {
            url,
            attempts,
            last_error,
            ..
        } => {
            assert_eq!(url.as_deref(), Some("/u/2"), "the upload is remembered");
            assert_eq!(attempts, 1);
            // Her words, not the browser's.
            assert_eq!(last_error.as_deref(), Some(kuaibao::words::PHOTO_NO_ANSWER.zh));
        }
        other => panic!("expected waiting, got {other:?}"),
    }
    // The server kept 123,456 bytes of the cut chunk: go on from there.
    uploader
        .tus
        .answers
        .borrow_mut()
        .extend([answer(200, Some(123_456)), answer(204, Some(300_000))]);
    pass_at(&uploader, now + 2_000.0).await;
    assert_eq!(
        uploader.tus.calls.borrow()[2..],
        [
            "HEAD /u/2".to_owned(),
            format!("PATCH /u/2 @123456 +{}", CHUNK_BYTES.min(300_000 - 123_456))
        ]
    );
    assert_eq!(upload_state(&store, &p).await, Upload::Done);
}

#[wasm_bindgen_test]
async fn a_photo_over_the_servers_cap_is_refused_with_the_reason_and_kept() {
    let store = logged_in_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 5_000).await;
    let tus = Scripted::default().then(refused(
        413,
        r#"{"error":"payload_too_large","message":"the photo is too large: 5000 bytes is 1000 bytes more than the limit of 4000 bytes (0.0 MiB)"}"#,
        None,
    ));
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let summary = uploader
        .drain(&|_| true, platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.rejected, 1);
    assert_eq!(
        upload_state(&store, &p).await,
        Upload::Rejected {
            reason: format!(
                "无法上传：文件太大。{} / Cannot be uploaded: the file is too large. {}",
                kuaibao::sync::PHOTO_REFUSED_NEXT.zh,
                kuaibao::sync::PHOTO_REFUSED_NEXT.en
            )
        }
    );
    assert!(
        store.photo_blob(p.id, false).await.expect("read").is_some(),
        "the photo stays on the phone"
    );
    // Refused photos are not tried again.
    sends_nothing(&uploader, platform::now_ms(), true, 1).await;
}

#[wasm_bindgen_test]
async fn an_expired_upload_starts_again_and_a_stale_offset_is_asked_again() {
    let store = logged_in_store().await;
    let mut p = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    p.upload = Upload::Waiting {
        url: Some("/old".into()),
        offset: 500,
        attempts: 0,
        next_try_ms: 0.0,
        last_error: None,
    };
    store.put_photo(&p).await.expect("put");
    let tus = Scripted::default()
        .then(answer(404, None))
        .then(created("/new"))
        .then(answer(409, None))
        .then(answer(200, Some(600)))
        .then(answer(204, Some(1_000)));
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let summary = uploader
        .drain(&|_| true, platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.done, 1);
    assert_eq!(
        *uploader.tus.calls.borrow(),
        [
            "HEAD /old",
            "POST 1000",
            "PATCH /new @0 +1000",
            "HEAD /new",
            "PATCH /new @600 +400"
        ]
    );
}

fn unauthorized() -> Result<TusAnswer, NetError> {
    Ok(TusAnswer {
        status: 401,
        location: None,
        offset: None,
        body: r#"{"error":"unauthorized","message":"请重新登录"}"#.into(),
        retry_after_s: None,
    })
}

#[wasm_bindgen_test]
async fn photos_wait_while_logged_out() {
    let store = fresh_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    let uploader = Uploader {
        store: store.clone(),
        tus: Scripted::default(),
    };
    let summary = uploader
        .drain(&|_| true, platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.waiting, summary.held, summary.next_try_ms), (1, 1, None));
    assert!(uploader.tus.calls.borrow().is_empty());
    assert_eq!(upload_state(&store, &p).await, Upload::fresh());
}

#[wasm_bindgen_test]
async fn a_401_mid_upload_keeps_the_photo_and_its_progress_until_the_next_login() {
    let store = logged_in_store().await;
    let size = CHUNK_BYTES as usize + 1000;
    let p = crate::stored_photo(&store, platform::new_report_id(), size).await;
    // Ids are UUIDv7: a later millisecond keeps the two photos in order.
    gloo_timers::future::TimeoutFuture::new(5).await;
    let other = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    let tus = Scripted::default()
        .then(created("/u/9"))
        .then(answer(204, Some(CHUNK_BYTES)))
        .then(unauthorized());
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let now = platform::now_ms();
    let summary = uploader
        .drain(&|_| true, now, false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert!(summary.refused);
    assert_eq!((summary.done, summary.rejected, summary.held), (0, 0, 2));
    assert_eq!(uploader.tus.calls.borrow().len(), 3, "nothing sent after the 401");
    match upload_state(&store, &p).await {
        Upload::Waiting {
            url, offset, attempts, ..
        } => {
            assert_eq!((url.as_deref(), offset), (Some("/u/9"), CHUNK_BYTES), "progress kept");
            assert_eq!(attempts, 0, "a 401 is no failed try of the photo");
        }
        other => panic!("expected waiting, got {other:?}"),
    }
    assert_eq!(upload_state(&store, &other).await, Upload::fresh());
    assert!(store
        .session()
        .await
        .expect("session")
        .expect("kept")
        .refused_ms
        .is_some());

    // Logged in again: the upload goes on from the server's offset.
    store.save_session(&session("li", "t-2", DAY_MS)).await.expect("login");
    uploader.tus.answers.borrow_mut().extend([
        answer(200, Some(CHUNK_BYTES)),
        answer(204, Some(size as u64)),
        created("/u/10"),
        answer(204, Some(1_000)),
    ]);
    let summary = uploader
        .drain(&|_| true, now + 10.0, false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.done, 2);
    assert_eq!(
        uploader.tus.calls.borrow()[3..],
        [
            "HEAD /u/9 [t-2]".to_owned(),
            format!("PATCH /u/9 @{CHUNK_BYTES} +1000 [t-2]"),
            "POST 1000 [t-2]".to_owned(),
            "PATCH /u/10 @0 +1000 [t-2]".to_owned(),
        ]
    );
}

/// A tus server that takes a while over every request, to see how many are
/// in flight at once. Every upload is accepted whole.
#[derive(Default)]
struct Slow {
    log: RefCell<Vec<String>>,
    in_flight: Cell<usize>,
    most: Cell<usize>,
    uploads: Cell<usize>,
}

impl Slow {
    async fn take_a_while(&self, call: String) {
        self.log.borrow_mut().push(call);
        self.in_flight.set(self.in_flight.get() + 1);
        self.most.set(self.most.get().max(self.in_flight.get()));
        gloo_timers::future::TimeoutFuture::new(30).await;
        self.in_flight.set(self.in_flight.get() - 1);
    }
}

impl TusTransport for Slow {
    async fn create(&self, _photo: &LocalPhoto, _token: &str) -> Result<TusAnswer, NetError> {
        self.uploads.set(self.uploads.get() + 1);
        let url = format!("/s/{}", self.uploads.get());
        self.take_a_while(format!("POST -> {url}")).await;
        created(&url)
    }
    async fn offset(&self, url: &str, _token: &str) -> Result<TusAnswer, NetError> {
        self.take_a_while(format!("HEAD {url}")).await;
        answer(404, None)
    }
    async fn patch(&self, url: &str, offset: u64, chunk: &web_sys::Blob, _token: &str) -> Result<TusAnswer, NetError> {
        self.take_a_while(format!("PATCH {url}")).await;
        answer(204, Some(offset + chunk.size() as u64))
    }
}

#[wasm_bindgen_test]
async fn photos_go_up_a_few_at_a_time_after_a_first_one_alone() {
    let store = logged_in_store().await;
    for _ in 0..6 {
        crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    }
    let uploader = Uploader {
        store: store.clone(),
        tus: Slow::default(),
    };
    let summary = uploader
        .drain(&|_| true, platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.done, summary.waiting), (6, 0));
    let log = uploader.tus.log.borrow();
    assert_eq!(
        log[..3],
        ["POST -> /s/1", "PATCH /s/1", "POST -> /s/2"],
        "the first photo goes alone: it tests the link and the session"
    );
    assert_eq!(uploader.tus.most.get(), PHOTOS_IN_FLIGHT, "then a few at once");
    assert_eq!(log.len(), 12, "one POST and one PATCH each, no HEAD: {log:?}");
}

#[wasm_bindgen_test]
async fn a_dead_link_ends_the_pass_without_spending_the_other_photos_tries() {
    let store = logged_in_store().await;
    let first = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    // Ids are UUIDv7: a later millisecond keeps the photos in order.
    gloo_timers::future::TimeoutFuture::new(5).await;
    let second = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    gloo_timers::future::TimeoutFuture::new(5).await;
    let third = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    let uploader = Uploader {
        store: store.clone(),
        tus: Scripted::default().then(Err(NetError("Failed to fetch".into()))),
    };
    let now = platform::now_ms();
    let summary = pass_at(&uploader, now).await;
    assert!(summary.link_down);
    assert_eq!((summary.waiting, summary.next_try_ms), (3, Some(now + 1_000.0)));
    assert_eq!(uploader.tus.calls.borrow().len(), 1, "one request found the link down");
    match upload_state(&store, &first).await {
        Upload::Waiting { attempts, .. } => assert_eq!(attempts, 1),
        other => panic!("expected waiting, got {other:?}"),
    }
    assert_eq!(upload_state(&store, &second).await, Upload::fresh());
    assert_eq!(upload_state(&store, &third).await, Upload::fresh());
}

/// As for reports: while the browser says it is offline, a failed upload
/// does not grow the photo's backoff, so it goes within seconds of the
/// link's return.
#[wasm_bindgen_test]
async fn failures_while_the_browser_is_offline_do_not_grow_a_photos_backoff() {
    let set_online = |online: bool| {
        js_sys::eval(&format!(
            "Object.defineProperty(navigator, 'onLine', {{ configurable: true, get: () => {online} }})"
        ))
        .expect("override navigator.onLine");
    };
    let store = logged_in_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    let uploader = Uploader {
        store: store.clone(),
        tus: Scripted::default(),
    };
    let now = platform::now_ms();
    set_online(false);
    for i in 0..3 {
        uploader
            .tus
            .answers
            .borrow_mut()
            .push_back(Err(NetError("Failed to fetch".into())));
        uploader
            .drain(&|_| true, now + f64::from(i), true, || 0.0, &no_op)
            .await
            .expect("drain");
    }
    set_online(true);
    match upload_state(&store, &p).await {
        Upload::Waiting {
            attempts, next_try_ms, ..
        } => assert_eq!((attempts, next_try_ms), (0, now + 2.0 + 1_000.0)),
        other => panic!("expected waiting, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_chunk_damaged_on_its_way_is_sent_again_not_refused() {
    let store = logged_in_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 5_000).await;
    // What arrived does not match the chunk's checksum (a proxy, a flaky
    // link): 460, which says nothing against the photo.
    let tus = Scripted::default().then(created("/u/1")).then(answer(460, None));
    let summary = Uploader {
        store: store.clone(),
        tus,
    }
    .drain(&|_| true, platform::now_ms(), false, || 0.5, &no_op)
    .await
    .expect("drain");
    assert_eq!(summary.rejected, 0);
    let state = upload_state(&store, &p).await;
    assert!(matches!(state, Upload::Waiting { attempts: 1, .. }), "{state:?}");
}

#[wasm_bindgen_test]
async fn a_photo_waits_as_long_as_the_server_asks() {
    // 64 unfinished uploads, or a server draining for a restart: 429 or
    // 503 with `Retry-After`. The photo waits that long, tries kept.
    let store = logged_in_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 5_000).await;
    let tus = Scripted::default().then(refused(
        429,
        r#"{"error":"rate_limited","message":"x","fields":[]}"#,
        Some(120),
    ));
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let now = platform::now_ms();
    let summary = pass_at(&uploader, now).await;
    assert_eq!(summary.rejected, 0);
    match upload_state(&store, &p).await {
        Upload::Waiting {
            attempts, next_try_ms, ..
        } => {
            assert_eq!(attempts, 1);
            assert!(
                next_try_ms >= now + 120_000.0,
                "due {} s on",
                (next_try_ms - now) / 1000.0
            );
        }
        other => panic!("expected waiting, got {other:?}"),
    }
    // Not sooner: a pass a minute on sends nothing.
    sends_nothing(&uploader, now + 60_000.0, false, 1).await;
}

#[wasm_bindgen_test]
async fn on_a_link_too_slow_for_a_chunk_a_photo_that_moves_is_not_failing() {
    // Every chunk is cut by the request's timeout, but the server keeps
    // what arrived of it: each try gets further, and is not counted as a
    // failure (the wait would otherwise grow to minutes between tries).
    let store = logged_in_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 300_000).await;
    let cut = || Err(NetError("the request timed out".into()));
    let tus = Scripted::default().then(created("/u/slow")).then(cut());
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let now = platform::now_ms();
    pass_at(&uploader, now).await;
    let tries = |upload: Upload| match upload {
        Upload::Waiting {
            attempts,
            next_try_ms,
            offset,
            ..
        } => (attempts, next_try_ms, offset),
        other => panic!("expected waiting, got {other:?}"),
    };
    // Nothing known to have arrived yet: one failed try.
    assert_eq!(tries(upload_state(&store, &p).await), (1, now + 1_000.0, 0));

    // The server holds 40,000 bytes of the cut chunk, then 80,000: moving.
    for (i, held) in [40_000u64, 80_000].into_iter().enumerate() {
        uploader
            .tus
            .answers
            .borrow_mut()
            .extend([answer(200, Some(held)), cut()]);
        let at = now + 10_000.0 * (i as f64 + 1.0);
        pass_at(&uploader, at).await;
        assert_eq!(
            tries(upload_state(&store, &p).await),
            (0, at + 1_000.0, held),
            "moved to {held}: tried again at the first step"
        );
    }
    // Stuck (nothing more arrived): now it counts.
    uploader
        .tus
        .answers
        .borrow_mut()
        .extend([answer(200, Some(80_000)), cut()]);
    let at = now + 40_000.0;
    pass_at(&uploader, at).await;
    assert_eq!(tries(upload_state(&store, &p).await).0, 1);
}

#[wasm_bindgen_test]
async fn a_photo_the_server_does_not_take_yet_waits_and_says_why_in_her_words() {
    let store = logged_in_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    // The server holds no report announcing it (it came back from a
    // restore, say, and the text is on its way again).
    let body = r#"{"error":"not_found","message":"no stored report announces photo","fields":[]}"#;
    let tus = Scripted::default().then(refused(404, body, None));
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let summary = pass_at(&uploader, platform::now_ms()).await;
    assert_eq!(summary.waiting, 1, "tried again later, not refused for good");
    match upload_state(&store, &p).await {
        Upload::Waiting {
            attempts, last_error, ..
        } => {
            assert_eq!(attempts, 1);
            // Kept in her words, said in the screen's language.
            assert_eq!(last_error.as_deref(), Some(kuaibao::words::PHOTO_NOT_TAKEN_YET.zh));
        }
        other => panic!("expected waiting, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_photo_answered_by_a_page_not_the_servers_says_so_and_that_mobile_data_may_get_through() {
    let store = logged_in_store().await;
    let p = crate::stored_photo(&store, platform::new_report_id(), 1_000).await;
    // A public Wi-Fi's login page where the API's answer should be.
    let tus = Scripted::default().then(refused(200, "<html>请先登录 Wi-Fi</html>", None));
    let uploader = Uploader {
        store: store.clone(),
        tus,
    };
    let summary = pass_at(&uploader, platform::now_ms()).await;
    assert_eq!(summary.waiting, 1, "tried again later, not refused for good");
    match upload_state(&store, &p).await {
        Upload::Waiting { last_error, .. } => {
            let kept = last_error.expect("a reason");
            assert_eq!(kept, kuaibao::words::PHOTO_NOT_THE_SERVER.zh);
            assert!(kuaibao::words::send_note(&kept, kuaibao_core::Lang::En).contains("mobile data"));
        }
        other => panic!("expected waiting, got {other:?}"),
    }
}
