use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use kuaibao::platform;
use kuaibao::store::Author;
use kuaibao::store::{ClockReading, LocalReport, Status};
use kuaibao::sync::{
    HttpAnswer, NetError, Outbox, Transport, BUSY_NOTE, NEED_LOGIN_NOTE, NOT_THE_SERVER_NOTE, NO_ANSWER_NOTE,
    REPORTS_IN_FLIGHT,
};
use kuaibao_core::wire::protocol::Receipt;
use kuaibao_core::{Report, ReportId};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{fresh_store, logged_in_store, report, session, waiting, DAY_MS};

/// A transport that answers from a script, by report id, and remembers what
/// was sent and with which token.
type Script = VecDeque<Result<HttpAnswer, NetError>>;

#[derive(Default)]
struct Scripted {
    answers: RefCell<Vec<(ReportId, Script)>>,
    sent: RefCell<Vec<ReportId>>,
    tokens: RefCell<Vec<String>>,
    /// The first receipt each send showed.
    first_receipts: RefCell<Vec<Option<Receipt>>>,
}

impl Scripted {
    fn answer(&self, id: ReportId, answer: Result<HttpAnswer, NetError>) {
        let mut answers = self.answers.borrow_mut();
        match answers.iter_mut().find(|(i, _)| *i == id) {
            Some((_, queue)) => queue.push_back(answer),
            None => answers.push((id, VecDeque::from([answer]))),
        }
    }
}

impl Transport for Scripted {
    async fn submit(
        &self,
        report: &Report,
        first_receipt: Option<&Receipt>,
        token: &str,
    ) -> Result<HttpAnswer, NetError> {
        self.sent.borrow_mut().push(report.id);
        self.tokens.borrow_mut().push(token.to_owned());
        self.first_receipts.borrow_mut().push(first_receipt.cloned());
        let mut answers = self.answers.borrow_mut();
        answers
            .iter_mut()
            .find(|(i, _)| *i == report.id)
            .and_then(|(_, q)| q.pop_front())
            .unwrap_or_else(|| Err(NetError("no script for this report".into())))
    }
}

fn receipt(id: ReportId, seq: i64) -> HttpAnswer {
    let receipt = Receipt {
        id,
        seq,
        received_at: chrono::Utc::now(),
        clock_offset_ms: None,
        via_sms: false,
        sms_sealed: false,
        seal: None,
    };
    HttpAnswer {
        status: 201,
        body: serde_json::to_string(&receipt).expect("receipt json"),
        retry_after_s: None,
    }
}

fn rejection() -> HttpAnswer {
    HttpAnswer {
        status: 422,
        body: r#"{"error":"invalid_report","message":"报告有误","fields":[{"field":"phone","code":"bad_phone","message_zh":"联系电话有误","message_en":"bad phone"}]}"#.into(),
        retry_after_s: None,
    }
}

/// The server's answer when it cannot store anything now (503).
fn server_trouble() -> HttpAnswer {
    HttpAnswer {
        status: 503,
        body: String::new(),
        retry_after_s: None,
    }
}

/// The server's answer for an id it holds with other content.
fn conflict() -> HttpAnswer {
    HttpAnswer {
        status: 409,
        body: r#"{"error":"conflict","message":"编号已被另一份报告使用","fields":[]}"#.into(),
        retry_after_s: None,
    }
}

/// An outbox over a store holding `reports`, with a user logged in.
async fn outbox_with(reports: &[&LocalReport]) -> Outbox<Scripted> {
    let store = logged_in_store().await;
    for r in reports {
        store.put(r).await.expect("put");
    }
    Outbox {
        store,
        transport: Scripted::default(),
    }
}

fn no_op(_: &LocalReport) {}

#[wasm_bindgen_test]
async fn a_waiting_report_is_delivered_with_its_receipt() {
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(r.id, Ok(receipt(r.id, 7)));
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.delivered, summary.rejected, summary.waiting), (1, 0, 0));
    let stored = outbox.store.get(r.id).await.expect("get").expect("still on the phone");
    match stored.status {
        Status::Delivered { receipt, .. } => assert_eq!(receipt.seq, 7),
        other => panic!("expected delivered, got {other:?}"),
    }
    assert_eq!(stored.answers, r.answers, "the phone keeps what was sent");
}

#[wasm_bindgen_test]
async fn drafts_are_never_sent() {
    let draft = report(Status::Draft);
    let outbox = outbox_with(&[&draft]).await;
    let summary = outbox
        .drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary, Default::default());
    assert!(outbox.transport.sent.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn a_rejected_report_keeps_its_reason_and_does_not_block_the_others() {
    let (a, b, c) = (report(waiting(0.0)), report(waiting(0.0)), report(waiting(0.0)));
    let outbox = outbox_with(&[&a, &b, &c]).await;
    outbox.transport.answer(a.id, Ok(receipt(a.id, 1)));
    outbox.transport.answer(b.id, Ok(rejection()));
    outbox.transport.answer(c.id, Ok(receipt(c.id, 2)));
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.delivered, summary.rejected), (2, 1));
    match outbox.store.get(b.id).await.expect("get").expect("kept").status {
        Status::Rejected { reason, fields, .. } => {
            assert_eq!(reason, "报告有误");
            assert_eq!(fields[0].field, "phone");
        }
        other => panic!("expected rejected, got {other:?}"),
    }
}

/// A fix of a refused 首报 keeps its id where the server stored nothing, so
/// a 续报 sent meanwhile still names its thread's first record; only an id
/// the server holds with other content (409) makes the fix take a new one.
#[wasm_bindgen_test]
async fn a_refusal_says_whether_the_fix_may_keep_the_id() {
    let (refused, conflicting) = (report(waiting(0.0)), report(waiting(0.0)));
    let (bad_key, not_ours) = (report(waiting(0.0)), report(waiting(0.0)));
    let outbox = outbox_with(&[&refused, &conflicting, &bad_key, &not_ours]).await;
    outbox.transport.answer(refused.id, Ok(rejection()));
    // The id itself refused: a fix under it would be refused again.
    outbox.transport.answer(
        bad_key.id,
        Ok(HttpAnswer {
            status: 422,
            body: r#"{"error":"invalid_report","message":"报告有误","fields":[{"field":"thread_key","code":"bad_thread","message_zh":"此报告的事件凭据与报告编号不符。","message_en":"bad key"}]}"#.into(),
            retry_after_s: None,
        }),
    );
    outbox.transport.answer(
        not_ours.id,
        Ok(HttpAnswer {
            status: 403,
            body: r#"{"error":"forbidden","message":"此事件不是您上报的","fields":[{"field":"thread","code":"not_permitted","message_zh":"此事件不是您上报的","message_en":"not yours"}]}"#.into(),
            retry_after_s: None,
        }),
    );
    outbox.transport.answer(conflicting.id, Ok(conflict()));
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.rejected, 4);
    let store = &outbox.store;
    let stored = |id| async move { store.get(id).await.expect("get").expect("kept") };
    assert!(!stored(bad_key.id).await.fix_keeps_id(), "422 at thread_key");
    assert!(!stored(not_ours.id).await.fix_keeps_id(), "a 首报 refused its thread");
    assert!(
        stored(refused.id).await.fix_keeps_id(),
        "422: the server stored nothing"
    );
    assert!(
        !stored(conflicting.id).await.fix_keeps_id(),
        "409: the id is the server's"
    );
    // What the fix shows of the refusal: the reasons at the blanks, not one
    // about an id the fix no longer carries.
    let fields = |r: LocalReport| r.refusal_to_fix().into_iter().map(|e| e.field).collect::<Vec<_>>();
    assert_eq!(fields(stored(bad_key.id).await), Vec::<String>::new());
    assert_eq!(fields(stored(not_ours.id).await), Vec::<String>::new());
    assert_eq!(fields(stored(refused.id).await), vec!["phone".to_owned()]);
    // A refusal noted by an earlier version, which did not say: a new id,
    // as that version gave every fix.
    let older: Status = serde_json::from_str(
        r#"{"state":"rejected","written_at":"2026-12-07T09:00:00+08:00","reason":"报告有误","fields":[]}"#,
    )
    .expect("reads");
    assert!(matches!(older, Status::Rejected { id_taken: true, .. }));
}

#[wasm_bindgen_test]
async fn no_network_means_waiting_with_backoff_and_the_reason() {
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(r.id, Err(NetError("Failed to fetch".into())));
    let now = platform::now_ms();
    let summary = outbox.drain(now, false, || 0.0, &no_op).await.expect("drain");
    assert_eq!(summary.waiting, 1);
    assert_eq!(summary.next_try_ms, Some(now + 1_000.0));
    match outbox.store.get(r.id).await.expect("get").expect("kept").status {
        Status::Waiting {
            attempts,
            next_try_ms,
            last_error,
            ..
        } => {
            assert_eq!((attempts, next_try_ms), (1, now + 1_000.0));
            // In the worker's words, not the browser's.
            assert_eq!(last_error.as_deref(), Some(NO_ANSWER_NOTE));
        }
        other => panic!("expected waiting, got {other:?}"),
    }
    // Not due yet: a pass by the timer leaves it alone...
    let summary = outbox.drain(now + 10.0, false, || 0.0, &no_op).await.expect("drain");
    assert_eq!(outbox.transport.sent.borrow().len(), 1);
    assert_eq!(summary.waiting, 1);
    // ...but "send now" (or the online event) sends it at once.
    outbox.transport.answer(r.id, Ok(receipt(r.id, 3)));
    let summary = outbox.drain(now + 10.0, true, || 0.0, &no_op).await.expect("drain");
    assert_eq!(summary.delivered, 1);
    assert_eq!(outbox.transport.sent.borrow().len(), 2);
}

/// Server trouble waits, and so does an answer that is not the server's: a
/// Wi-Fi login page's 200, or a filter's 403 page, judged nothing. The note
/// says so in the worker's words, with no status number.
#[wasm_bindgen_test]
async fn server_trouble_and_unreadable_answers_are_retried_not_rejected() {
    let (a, b, c) = (report(waiting(0.0)), report(waiting(0.0)), report(waiting(0.0)));
    let outbox = outbox_with(&[&a, &b, &c]).await;
    outbox.transport.answer(
        c.id,
        Ok(HttpAnswer {
            status: 403,
            body: "<html>Access denied by the network administrator</html>".into(),
            retry_after_s: None,
        }),
    );
    outbox.transport.answer(a.id, Ok(server_trouble()));
    outbox.transport.answer(
        b.id,
        Ok(HttpAnswer {
            status: 200,
            body: "<html>portal</html>".into(),
            retry_after_s: None,
        }),
    );
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.delivered, summary.rejected, summary.waiting), (0, 0, 3));
    let store = &outbox.store;
    let note = |id| async move {
        match store.get(id).await.expect("get").expect("kept").status {
            Status::Waiting { last_error, .. } => last_error.expect("a note"),
            other => panic!("expected waiting, got {other:?}"),
        }
    };
    assert_eq!(note(a.id).await, BUSY_NOTE);
    assert_eq!(note(b.id).await, NOT_THE_SERVER_NOTE);
    assert_eq!(note(c.id).await, NOT_THE_SERVER_NOTE);
}

/// While the browser says it is offline, failed sends (each submit made
/// offline starts a pass) do not grow the backoff: when the link comes
/// back, the report is tried within seconds, not minutes.
#[wasm_bindgen_test]
async fn failures_while_the_browser_is_offline_do_not_grow_the_backoff() {
    let set_online = |online: bool| {
        js_sys::eval(&format!(
            "Object.defineProperty(navigator, 'onLine', {{ configurable: true, get: () => {online} }})"
        ))
        .expect("override navigator.onLine");
    };
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    let now = platform::now_ms();
    set_online(false);
    for i in 0..5 {
        outbox.transport.answer(r.id, Err(NetError("Failed to fetch".into())));
        outbox
            .drain(now + f64::from(i), true, || 0.0, &no_op)
            .await
            .expect("drain");
    }
    let attempts_offline = match outbox.store.get(r.id).await.expect("get").expect("kept").status {
        Status::Waiting {
            attempts, next_try_ms, ..
        } => {
            assert_eq!(next_try_ms, now + 4.0 + 1_000.0, "still the first step of the backoff");
            attempts
        }
        other => panic!("expected waiting, got {other:?}"),
    };
    // Online again, a failure counts as before.
    set_online(true);
    outbox.transport.answer(r.id, Err(NetError("Failed to fetch".into())));
    outbox.drain(now + 5.0, true, || 0.0, &no_op).await.expect("drain");
    let attempts_online = match outbox.store.get(r.id).await.expect("get").expect("kept").status {
        Status::Waiting { attempts, .. } => attempts,
        other => panic!("expected waiting, got {other:?}"),
    };
    assert_eq!((attempts_offline, attempts_online), (0, 1));
}

#[wasm_bindgen_test]
async fn a_report_left_sending_by_a_crash_is_sent_again() {
    let mut r = report(Status::Draft);
    r.status = Status::Sending {
        written_at: platform::now_local(),
        attempts: 2,
    };
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(r.id, Ok(receipt(r.id, 9)));
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.delivered, 1);
}

#[wasm_bindgen_test]
async fn every_state_change_is_announced_in_order() {
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(r.id, Ok(receipt(r.id, 1)));
    let seen = RefCell::new(Vec::new());
    let record = |r: &LocalReport| {
        seen.borrow_mut().push(
            format!("{:?}", r.status)
                .split([' ', '{'])
                .next()
                .unwrap_or("")
                .to_owned(),
        )
    };
    outbox
        .drain(platform::now_ms(), false, || 0.5, &record)
        .await
        .expect("drain");
    assert_eq!(seen.into_inner(), vec!["Sending".to_owned(), "Delivered".to_owned()]);
}

fn unauthorized() -> HttpAnswer {
    HttpAnswer {
        status: 401,
        body: r#"{"error":"unauthorized","message":"请重新登录"}"#.into(),
        retry_after_s: None,
    }
}

fn attempts_and_error(status: &Status) -> (u32, Option<String>) {
    match status {
        Status::Waiting {
            attempts, last_error, ..
        } => (*attempts, last_error.clone()),
        other => panic!("expected waiting, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn reports_go_with_the_sessions_token() {
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(r.id, Ok(receipt(r.id, 1)));
    outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(*outbox.transport.tokens.borrow(), ["t-li"]);
}

#[wasm_bindgen_test]
async fn nothing_is_sent_while_logged_out() {
    let r = report(waiting(0.0));
    let store = fresh_store().await;
    store.put(&r).await.expect("put");
    let outbox = Outbox {
        store,
        transport: Scripted::default(),
    };
    let summary = outbox
        .drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.waiting, summary.held, summary.next_try_ms), (1, 1, None));
    assert!(outbox.transport.sent.borrow().is_empty());
    assert_eq!(outbox.store.get(r.id).await.expect("get"), Some(r), "untouched");
}

#[wasm_bindgen_test]
async fn nothing_is_sent_once_the_session_has_run_out_by_the_clock() {
    let r = report(waiting(0.0));
    let store = fresh_store().await;
    store.put(&r).await.expect("put");
    store.save_session(&session("li", "t-li", -1_000)).await.expect("save");
    let outbox = Outbox {
        store,
        transport: Scripted::default(),
    };
    let summary = outbox
        .drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.held, 1);
    assert!(outbox.transport.sent.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn the_end_of_a_session_is_judged_by_the_servers_clock() {
    // The session ends in an hour by the phone's clock, but the phone was
    // measured two hours slow: by the server's clock it has ended.
    let r = report(waiting(0.0));
    let store = fresh_store().await;
    store.put(&r).await.expect("put");
    store
        .save_session(&session("li", "t-li", 3_600_000))
        .await
        .expect("save");
    store
        .set_clock(&ClockReading {
            offset_ms: 7_200_000,
            measured_ms: platform::now_ms(),
        })
        .await
        .expect("clock");
    let outbox = Outbox {
        store,
        transport: Scripted::default(),
    };
    let summary = outbox
        .drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.held, 1);
    assert!(outbox.transport.sent.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn a_401_keeps_the_report_queued_and_stops_sending_until_the_next_login() {
    let a = report(waiting(0.0));
    // Ids are UUIDv7: a later millisecond sends `b` after `a`.
    gloo_timers::future::TimeoutFuture::new(5).await;
    let b = report(waiting(0.0));
    let outbox = outbox_with(&[&a, &b]).await;
    outbox.transport.answer(a.id, Ok(unauthorized()));
    let now = platform::now_ms();
    let summary = outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    assert!(summary.refused);
    assert_eq!((summary.delivered, summary.rejected), (0, 0));
    assert_eq!((summary.waiting, summary.held, summary.next_try_ms), (2, 2, None));
    assert_eq!(*outbox.transport.sent.borrow(), [a.id], "nothing more after the 401");
    let stored = outbox.store.get(a.id).await.expect("get").expect("kept");
    assert_eq!(
        attempts_and_error(&stored.status),
        (0, Some(NEED_LOGIN_NOTE.to_owned())),
        "a 401 is no failed try of the report"
    );
    assert_eq!(stored.answers, a.answers);
    let kept = outbox.store.session().await.expect("session").expect("still there");
    assert!(kept.refused_ms.is_some(), "the session is marked refused");

    // Still refused: "send now" sends nothing.
    outbox.drain(now + 10.0, true, || 0.5, &no_op).await.expect("drain");
    assert_eq!(outbox.transport.sent.borrow().len(), 1);

    // A new login: both go, with the new token.
    outbox
        .store
        .save_session(&session("li", "t-li-2", DAY_MS))
        .await
        .expect("login");
    outbox.transport.answer(a.id, Ok(receipt(a.id, 1)));
    outbox.transport.answer(b.id, Ok(receipt(b.id, 2)));
    let summary = outbox.drain(now + 20.0, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!((summary.delivered, summary.waiting, summary.held), (2, 0, 0));
    assert_eq!(*outbox.transport.tokens.borrow(), ["t-li", "t-li-2", "t-li-2"]);
}

#[wasm_bindgen_test]
async fn a_401_for_an_old_token_does_not_spoil_a_newer_login() {
    let store = logged_in_store().await;
    store
        .save_session(&session("li", "t-new", DAY_MS))
        .await
        .expect("login again");
    assert!(!store.refuse_session("t-li", platform::now_ms()).await.expect("refuse"));
    let kept = store.session().await.expect("session").expect("kept");
    assert_eq!((kept.session.token.as_str(), kept.refused_ms), ("t-new", None));
}

#[wasm_bindgen_test]
async fn a_report_left_sending_while_logged_out_shows_as_waiting() {
    let mut r = report(Status::Draft);
    r.status = Status::Sending {
        written_at: platform::now_local(),
        attempts: 3,
    };
    let store = fresh_store().await;
    store.put(&r).await.expect("put");
    let outbox = Outbox {
        store,
        transport: Scripted::default(),
    };
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(summary.held, 1);
    let stored = outbox.store.get(r.id).await.expect("get").expect("kept");
    assert_eq!(attempts_and_error(&stored.status), (3, None));
}

#[wasm_bindgen_test]
async fn a_report_waits_for_the_account_that_submitted_it() {
    let mut theirs = report(waiting(0.0));
    theirs.author = Some(Author {
        account_id: "acc-wang".into(),
        username: "wang".into(),
    });
    let mut mine = report(waiting(0.0));
    mine.author = Some(Author {
        account_id: "acc-li".into(),
        username: "li".into(),
    });
    let outbox = outbox_with(&[&theirs, &mine]).await;
    outbox.transport.answer(mine.id, Ok(receipt(mine.id, 1)));
    let summary = outbox
        .drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.delivered, summary.held), (1, 1));
    assert_eq!(*outbox.transport.sent.borrow(), [mine.id]);
}

#[wasm_bindgen_test]
async fn the_clock_offset_stamped_at_submit_is_sent_on_every_try() {
    let mut r = report(waiting(0.0));
    r.clock_offset_ms = Some(7_200_000);
    let outbox = outbox_with(&[&r]).await;
    let seen = RefCell::new(Vec::new());
    struct Spy<'a>(&'a RefCell<Vec<Option<i64>>>);
    impl Transport for Spy<'_> {
        async fn submit(&self, report: &Report, _: Option<&Receipt>, _token: &str) -> Result<HttpAnswer, NetError> {
            self.0.borrow_mut().push(report.clock_offset_ms);
            Err(NetError("offline".into()))
        }
    }
    let spy = Outbox {
        store: outbox.store.clone(),
        transport: Spy(&seen),
    };
    spy.drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    spy.drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(*seen.borrow(), [Some(7_200_000), Some(7_200_000)]);
}

/// A server that takes a while over every report and takes them all, to see
/// how many are in flight at once.
#[derive(Default)]
struct Slow {
    sent: RefCell<Vec<ReportId>>,
    in_flight: Cell<usize>,
    most: Cell<usize>,
}

impl Transport for Slow {
    async fn submit(&self, report: &Report, _: Option<&Receipt>, _token: &str) -> Result<HttpAnswer, NetError> {
        self.sent.borrow_mut().push(report.id);
        self.in_flight.set(self.in_flight.get() + 1);
        self.most.set(self.most.get().max(self.in_flight.get()));
        gloo_timers::future::TimeoutFuture::new(30).await;
        self.in_flight.set(self.in_flight.get() - 1);
        Ok(receipt(report.id, 1))
    }
}

#[wasm_bindgen_test]
async fn reports_go_a_few_at_a_time_after_a_first_one_alone() {
    let reports: Vec<_> = (0..8).map(|_| report(waiting(0.0))).collect();
    let store = logged_in_store().await;
    for r in &reports {
        store.put(r).await.expect("put");
    }
    let outbox = Outbox {
        store,
        transport: Slow::default(),
    };
    let seen = RefCell::new(Vec::new());
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &|r: &LocalReport| {
            seen.borrow_mut()
                .push((r.id, matches!(r.status, Status::Delivered { .. })))
        })
        .await
        .expect("drain");
    assert_eq!((summary.delivered, summary.waiting), (8, 0));
    assert_eq!(outbox.transport.most.get(), REPORTS_IN_FLIGHT);
    // The first is answered before any other goes: it tests the link and
    // the session.
    let first = outbox.transport.sent.borrow()[0];
    assert_eq!(seen.borrow()[..2], [(first, false), (first, true)]);
}

#[wasm_bindgen_test]
async fn a_dead_link_ends_the_pass_without_spending_the_other_reports_tries() {
    let a = report(waiting(0.0));
    // Ids are UUIDv7: a later millisecond sends `b` after `a`.
    gloo_timers::future::TimeoutFuture::new(5).await;
    let b = report(waiting(0.0));
    let outbox = outbox_with(&[&a, &b]).await;
    outbox.transport.answer(a.id, Err(NetError("Failed to fetch".into())));
    let now = platform::now_ms();
    let summary = outbox.drain(now, false, || 0.0, &no_op).await.expect("drain");
    assert!(summary.link_down);
    assert_eq!((summary.waiting, summary.next_try_ms), (2, Some(now + 1_000.0)));
    assert_eq!(*outbox.transport.sent.borrow(), [a.id], "one send found the link down");
    let stored = outbox.store.get(a.id).await.expect("get").expect("kept");
    assert_eq!(attempts_and_error(&stored.status).0, 1);
    assert_eq!(outbox.store.get(b.id).await.expect("get"), Some(b), "untouched");
}

/// A follow-up of `first` (its thread's next record), written a moment
/// after it so that its UUIDv7 id sorts after.
async fn follow_up_of(first: &LocalReport) -> LocalReport {
    gloo_timers::future::TimeoutFuture::new(5).await;
    let mut next = report(waiting(0.0));
    next.thread = Some(first.id);
    next.stage = kuaibao_core::Stage::FollowUp { n: 1 };
    next
}

#[wasm_bindgen_test]
async fn a_threads_records_go_one_after_another_earliest_first() {
    let first = report(waiting(0.0));
    let next = follow_up_of(&first).await;
    let other = report(waiting(0.0));
    let outbox = outbox_with(&[&next, &first, &other]).await;
    for r in [&first, &next, &other] {
        outbox.transport.answer(r.id, Ok(receipt(r.id, 1)));
    }
    let now = platform::now_ms();
    let summary = outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    // The thread's first record and the other thread's go; the follow-up
    // waits, due at once, for the next pass.
    assert_eq!(
        (summary.delivered, summary.waiting, summary.next_try_ms),
        (2, 1, Some(now))
    );
    let sent = outbox.transport.sent.borrow().clone();
    assert!(
        sent.contains(&first.id) && sent.contains(&other.id) && !sent.contains(&next.id),
        "{sent:?}"
    );
    assert_eq!(
        outbox.store.get(next.id).await.expect("get"),
        Some(next.clone()),
        "untouched"
    );

    let summary = outbox.drain(now + 1.0, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!((summary.delivered, summary.waiting), (1, 0));
    assert_eq!(outbox.transport.sent.borrow().last(), Some(&next.id));
}

#[wasm_bindgen_test]
async fn a_follow_up_waits_as_long_as_its_first_record_and_no_longer() {
    // The first record backs off (server trouble): the follow-up is due
    // when it is, not before.
    let first = report(waiting(0.0));
    let next = follow_up_of(&first).await;
    let outbox = outbox_with(&[&first, &next]).await;
    outbox.transport.answer(first.id, Ok(server_trouble()));
    let now = platform::now_ms();
    outbox.drain(now, false, || 0.0, &no_op).await.expect("drain");
    let again = outbox.drain(now + 1.0, false, || 0.0, &no_op).await.expect("drain");
    let first_due = match outbox.store.get(first.id).await.expect("get").expect("kept").status {
        Status::Waiting { next_try_ms, .. } => next_try_ms,
        other => panic!("expected waiting, got {other:?}"),
    };
    assert!(first_due > now + 1.0);
    assert_eq!(again.next_try_ms, Some(first_due));
    assert_eq!(
        *outbox.transport.sent.borrow(),
        [first.id],
        "the follow-up was not sent"
    );

    // A first record the server refused holds nothing back: the follow-up
    // goes (the server judges it on its own).
    let refused = report(waiting(0.0));
    let after = follow_up_of(&refused).await;
    let outbox = outbox_with(&[&refused, &after]).await;
    outbox.transport.answer(refused.id, Ok(rejection()));
    outbox.transport.answer(after.id, Ok(receipt(after.id, 3)));
    outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    let summary = outbox.drain(now + 1.0, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!(summary.delivered, 1);
    assert_eq!(*outbox.transport.sent.borrow(), [refused.id, after.id]);
}

/// A first record whose id the server holds with other content (409) is
/// fixed under a new id: its thread's later records wait for that fix
/// (they would name an id that is nobody's 首报), without a pass due for
/// them meanwhile, and the fix takes them along.
#[wasm_bindgen_test]
async fn a_follow_up_waits_for_a_first_record_whose_fix_takes_a_new_id() {
    let first = report(waiting(0.0));
    let next = follow_up_of(&first).await;
    let outbox = outbox_with(&[&first, &next]).await;
    outbox.transport.answer(first.id, Ok(conflict()));
    let now = platform::now_ms();
    outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    for later in [now + 1.0, now + DAY_MS as f64] {
        let summary = outbox.drain(later, true, || 0.5, &no_op).await.expect("drain");
        assert_eq!(
            (summary.delivered, summary.waiting, summary.next_try_ms),
            (0, 1, None),
            "held, with no pass due for it"
        );
    }
    assert_eq!(
        *outbox.transport.sent.borrow(),
        [first.id],
        "the follow-up was not sent"
    );
    let refused = outbox.store.get(first.id).await.expect("get").expect("kept");
    assert!(refused.holds_its_thread_back());
    assert_eq!(
        outbox.store.get(next.id).await.expect("get"),
        Some(next.clone()),
        "untouched"
    );

    // The fix under its new id takes the follow-up along; a record already
    // delivered stays the server's as it was.
    let delivered = LocalReport {
        status: Status::Delivered {
            written_at: chrono::Utc::now().fixed_offset(),
            receipt: serde_json::from_str(&receipt(first.id, 9).body).expect("receipt"),
        },
        ..follow_up_of(&first).await
    };
    let fix = LocalReport {
        id: kuaibao::platform::new_report_id(),
        status: Status::Draft,
        ..refused.clone()
    };
    let all = [refused.clone(), next.clone(), delivered];
    let moved = kuaibao::threads::follow_the_fix(&all, first.id, fix.id);
    assert_eq!(moved.len(), 1);
    assert_eq!((moved[0].id, moved[0].thread), (next.id, Some(fix.id)));
    outbox
        .store
        .replace(first.id, &[fix.clone(), moved[0].clone()], &[])
        .await
        .expect("replace");
    // Still held while the fix is a draft: it goes after the fix.
    let summary = outbox.drain(now + 2.0, true, || 0.5, &no_op).await.expect("drain");
    assert_eq!((summary.waiting, summary.next_try_ms), (1, None));
    assert_eq!(*outbox.transport.sent.borrow(), [first.id], "nothing before the fix");
    // Submitted, the fix goes first, then the follow-up under it.
    outbox
        .store
        .put(&LocalReport {
            status: waiting(0.0),
            ..fix.clone()
        })
        .await
        .expect("put");
    outbox.transport.answer(fix.id, Ok(receipt(fix.id, 4)));
    outbox.transport.answer(next.id, Ok(receipt(next.id, 5)));
    outbox.drain(now + 3.0, false, || 0.5, &no_op).await.expect("drain");
    outbox.drain(now + 4.0, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!(*outbox.transport.sent.borrow(), [first.id, fix.id, next.id]);
}

/// `r`'s tries and last note after one drain answered `status` and `body`.
async fn tried_once_answered(status: u16, body: &str) -> (u32, Option<String>) {
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(
        r.id,
        Ok(HttpAnswer {
            status,
            body: body.into(),
            retry_after_s: None,
        }),
    );
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(
        (summary.rejected, summary.waiting),
        (0, 1),
        "{status}: kept, to try again"
    );
    attempts_and_error(&outbox.store.get(r.id).await.expect("get").expect("kept").status)
}

#[wasm_bindgen_test]
async fn too_early_is_tried_again_with_a_note_that_nothing_is_needed() {
    let (attempts, error) = tried_once_answered(425, r#"{"error":"unavailable","message":"x","fields":[]}"#).await;
    assert_eq!((attempts, error.as_deref()), (1, Some(kuaibao::sync::EARLY_NOTE)));
}

#[wasm_bindgen_test]
async fn too_many_is_tried_again_saying_the_report_is_kept_and_whom_to_call() {
    // The server's daily quota for the account, as it answers it.
    let (attempts, error) = tried_once_answered(
        429,
        r#"{"error":"rate_limited","message":"本账号今天发送的报告和照片已超过每日上限（2048 MiB）","fields":[]}"#,
    )
    .await;
    assert_eq!((attempts, error.as_deref()), (1, Some(kuaibao::sync::LATER_NOTE)));
}

#[wasm_bindgen_test]
async fn a_servers_retry_after_is_waited_and_send_now_still_sends() {
    // The account's day of storage is spent for ten more minutes: the
    // server says so in `Retry-After`.
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    let too_many = |retry_after_s| HttpAnswer {
        status: 429,
        body: r#"{"error":"rate_limited","message":"x","fields":[]}"#.into(),
        retry_after_s,
    };
    outbox.transport.answer(r.id, Ok(too_many(Some(600))));
    let now = platform::now_ms();
    let summary = outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    let due = summary.next_try_ms.expect("a next try");
    assert!(
        due >= now + 600_000.0,
        "due {} s from now, not the 600 asked",
        (due - now) / 1000.0
    );
    // Not before: five minutes on (the longest backoff), nothing is sent.
    outbox
        .drain(now + 300_000.0, false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!(outbox.transport.sent.borrow().len(), 1);
    // 立即发送 tries at once all the same.
    outbox.transport.answer(r.id, Ok(receipt(r.id, 9)));
    let summary = outbox.drain(now + 1_000.0, true, || 0.5, &no_op).await.expect("drain");
    assert_eq!(summary.delivered, 1);

    // Hours asked (a day's storage of clips): tried again within the hour.
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(r.id, Ok(too_many(Some(5 * 3600))));
    let summary = outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    let due = summary.next_try_ms.expect("a next try");
    assert!(
        due <= now + 3_600_000.0 && due >= now + 3_599_000.0,
        "due {} s on",
        (due - now) / 1000.0
    );

    // A wait shorter than the backoff's: the backoff's.
    let r = report(waiting(0.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(
        r.id,
        Ok(HttpAnswer {
            status: 503,
            body: String::new(),
            retry_after_s: Some(0),
        }),
    );
    let summary = outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!(
        summary.next_try_ms,
        Some(now + kuaibao_core::backoff::delay_ms(0, 0.5) as f64)
    );
}

#[wasm_bindgen_test]
async fn a_try_set_by_a_clock_since_put_back_is_due_at_once() {
    // Set for "an hour on" by a clock three days fast; the clock was
    // corrected since, so it reads three days and an hour on. No wait the
    // phone sets is that long: it is sent now, not in three days.
    let now = platform::now_ms();
    let r = report(waiting(now + 3.0 * DAY_MS as f64 + 3_600_000.0));
    let outbox = outbox_with(&[&r]).await;
    outbox.transport.answer(r.id, Ok(receipt(r.id, 7)));
    let summary = outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!(summary.delivered, 1);
    // A try set for an hour on is kept waiting, as asked.
    let r = report(waiting(now + 3_600_000.0));
    let outbox = outbox_with(&[&r]).await;
    let summary = outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!((summary.delivered, summary.next_try_ms), (0, Some(now + 3_600_000.0)));
    assert!(outbox.transport.sent.borrow().is_empty());
}

/// The notes a waiting report keeps are kept in Chinese, as phones always
/// kept them, and said in the screen's language; a note this version does
/// not know (an older one's) is shown as it was kept.
#[wasm_bindgen_test]
fn a_kept_note_is_said_in_the_screens_language() {
    use kuaibao::words::send_note;
    use kuaibao_core::Lang;
    for note in [
        NO_ANSWER_NOTE,
        BUSY_NOTE,
        NOT_THE_SERVER_NOTE,
        kuaibao::sync::EARLY_NOTE,
        kuaibao::sync::LATER_NOTE,
    ] {
        assert_eq!(send_note(note, Lang::Zh), note);
        let en = send_note(note, Lang::En);
        assert!(en.is_ascii() && !en.is_empty(), "{note} → {en}");
    }
    assert_eq!(send_note("服务器的应答无法识别", Lang::En), "服务器的应答无法识别");
}

/// Within a thread, records go in the order of their stages, whatever the
/// ids: a 续报一 fixed under a new id goes before the 续报二 written before
/// the fix.
#[wasm_bindgen_test]
async fn a_threads_records_go_in_stage_order_whatever_their_ids() {
    let first = report(crate::delivered(1));
    let second = LocalReport {
        stage: kuaibao_core::Stage::FollowUp { n: 2 },
        ..follow_up_of(&first).await
    };
    // Fixed after the 续报二 was written: a younger id.
    let fixed_first_follow_up = follow_up_of(&first).await;
    let outbox = outbox_with(&[&first, &second, &fixed_first_follow_up]).await;
    for r in [&second, &fixed_first_follow_up] {
        outbox.transport.answer(r.id, Ok(receipt(r.id, 2)));
    }
    let now = platform::now_ms();
    outbox.drain(now, false, || 0.5, &no_op).await.expect("drain");
    outbox.drain(now + 1.0, false, || 0.5, &no_op).await.expect("drain");
    assert_eq!(*outbox.transport.sent.borrow(), [fixed_first_follow_up.id, second.id]);
}

/// Makes every IndexedDB `put` of the record `id` fail as on a full phone
/// (QuotaExceededError) until the returned guard is dropped.
struct FullFor(js_sys::Function);

impl FullFor {
    fn record(id: ReportId) -> Self {
        let patch = js_sys::Function::new_with_args(
            "id",
            "const proto = IDBObjectStore.prototype; const put = proto.put; \
             proto.put = function (value, key) { \
               if (value && value.id === id) throw new DOMException('full', 'QuotaExceededError'); \
               return put.call(this, value, key); }; \
             return () => { proto.put = put; };",
        );
        let undo = patch
            .call1(&wasm_bindgen::JsValue::NULL, &id.to_string().into())
            .expect("patched");
        FullFor(undo.into())
    }
}

impl Drop for FullFor {
    fn drop(&mut self) {
        let _ = self.0.call0(&wasm_bindgen::JsValue::NULL);
    }
}

#[wasm_bindgen_test]
async fn a_record_that_cannot_be_written_while_it_waits_holds_back_nothing_else() {
    // A follow-up left "sending" by a crash waits behind its first record,
    // which backs off; the phone is full for it (the write of its waiting
    // state fails). The other thread's report still goes.
    let first = report(waiting(0.0));
    let mut next = follow_up_of(&first).await;
    next.status = Status::Sending {
        written_at: platform::now_local(),
        attempts: 1,
    };
    let other = report(waiting(0.0));
    let outbox = outbox_with(&[&first, &next, &other]).await;
    outbox.transport.answer(first.id, Ok(server_trouble()));
    outbox.transport.answer(other.id, Ok(receipt(other.id, 5)));
    let full = FullFor::record(next.id);
    let seen = RefCell::new(Vec::new());
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &|r: &LocalReport| {
            seen.borrow_mut().push((r.id, r.status.clone()))
        })
        .await
        .expect("the pass goes on");
    drop(full);
    assert_eq!(summary.delivered, 1);
    assert!(outbox.transport.sent.borrow().contains(&other.id));
    // Shown as waiting, though the phone could not write it down.
    assert!(
        seen.borrow()
            .iter()
            .any(|(id, status)| *id == next.id && matches!(status, Status::Waiting { .. })),
        "{:?}",
        seen.borrow()
    );
}

#[wasm_bindgen_test]
async fn a_record_sent_again_after_a_restore_shows_its_first_receipt() {
    let first = receipt(platform::new_report_id(), 7);
    let first_receipt: Receipt = serde_json::from_str(&first.body).expect("receipt");
    let mut again = report(waiting(0.0));
    again.first_receipt = Some(first_receipt.clone());
    let plain = report(waiting(0.0));
    let outbox = outbox_with(&[&again, &plain]).await;
    for r in [&again, &plain] {
        outbox.transport.answer(r.id, Ok(receipt(r.id, 9)));
    }
    outbox
        .drain(platform::now_ms(), true, || 0.5, &no_op)
        .await
        .expect("drain");
    let sent: Vec<_> = outbox
        .transport
        .sent
        .borrow()
        .iter()
        .copied()
        .zip(outbox.transport.first_receipts.borrow().iter().cloned())
        .collect();
    assert!(sent.contains(&(again.id, Some(first_receipt))), "{sent:?}");
    assert!(sent.contains(&(plain.id, None)), "{sent:?}");
}
