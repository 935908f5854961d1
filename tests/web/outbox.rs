use std::cell::RefCell;
use std::collections::VecDeque;

use kuaibao::platform;
use kuaibao::store::{LocalReport, Status};
use kuaibao::sync::{HttpAnswer, NetError, Outbox, Transport};
use kuaibao_core::protocol::Receipt;
use kuaibao_core::{Report, ReportId};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{fresh_store, report, waiting};

/// A transport that answers from a script, by report id, and remembers what
/// was sent.
type Script = VecDeque<Result<HttpAnswer, NetError>>;

#[derive(Default)]
struct Scripted {
    answers: RefCell<Vec<(ReportId, Script)>>,
    sent: RefCell<Vec<ReportId>>,
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
    async fn submit(&self, report: &Report) -> Result<HttpAnswer, NetError> {
        self.sent.borrow_mut().push(report.id);
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
    };
    HttpAnswer {
        status: 201,
        body: serde_json::to_string(&receipt).expect("receipt json"),
    }
}

fn rejection() -> HttpAnswer {
    HttpAnswer {
        status: 422,
        body: r#"{"error":"invalid_report","message":"报告有误","fields":[{"field":"phone","code":"bad_phone","message_zh":"联系电话有误","message_en":"bad phone"}]}"#.into(),
    }
}

async fn outbox_with(reports: &[&LocalReport]) -> Outbox<Scripted> {
    let store = fresh_store().await;
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
            assert_eq!(last_error.as_deref(), Some("Failed to fetch"));
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

#[wasm_bindgen_test]
async fn server_trouble_and_unreadable_success_are_retried_not_rejected() {
    let (a, b) = (report(waiting(0.0)), report(waiting(0.0)));
    let outbox = outbox_with(&[&a, &b]).await;
    outbox.transport.answer(
        a.id,
        Ok(HttpAnswer {
            status: 503,
            body: String::new(),
        }),
    );
    outbox.transport.answer(
        b.id,
        Ok(HttpAnswer {
            status: 200,
            body: "<html>portal</html>".into(),
        }),
    );
    let summary = outbox
        .drain(platform::now_ms(), false, || 0.5, &no_op)
        .await
        .expect("drain");
    assert_eq!((summary.delivered, summary.rejected, summary.waiting), (0, 0, 2));
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
