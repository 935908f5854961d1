//! Deadlines on the phone, in the browser: the national rules read by the
//! phone's own JSON reader as natively, kept in IndexedDB as served, and a
//! thread's written deadline met by the server's receipt, not by the
//! phone's writing time.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use kuaibao::store::Status;
use kuaibao::threads::thread_of;
use kuaibao_core::rules::deadlines::rules::NATIONAL_JSON;
use kuaibao_core::rules::deadlines::{RuleSet, Standing};
use kuaibao_core::wire::protocol::Receipt;
use kuaibao_core::wire::timestamp::{beijing, parse_datetime};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{fresh_store, report};

fn t(s: &str) -> NaiveDateTime {
    parse_datetime(s).expect("time")
}

fn at(s: &str) -> DateTime<FixedOffset> {
    beijing().from_local_datetime(&t(s)).single().expect("a Beijing time")
}

#[wasm_bindgen_test]
fn the_national_rules_read_in_the_browser_as_natively() {
    let phone = RuleSet::national();
    let native: RuleSet = serde_json::from_str(NATIONAL_JSON).expect("serde_json reads them");
    assert_eq!(phone, native);
    assert!(phone.rule("written").is_some_and(|r| r.minutes == Some(60)));
}

#[wasm_bindgen_test]
async fn the_rules_the_server_served_are_kept_on_the_phone() {
    let store = fresh_store().await;
    assert_eq!(store.rules().await.expect("read"), None, "none before the first sync");
    let mut served = RuleSet::national();
    served.id = "county-example".into();
    store.set_rules(&served).await.expect("keep");
    assert_eq!(store.rules().await.expect("read"), Some(served));
}

#[wasm_bindgen_test]
fn a_written_deadline_is_met_by_the_receipt_not_the_writing() {
    let national = RuleSet::national();
    // 较大 (3 dead), the event at 09:41: written due at 10:41.
    let mut written = report(Status::Waiting {
        written_at: at("2026-11-23T10:40"),
        attempts: 0,
        next_try_ms: 0.0,
        last_error: None,
    });
    written.answers.insert("dead".into(), "3".into());
    let standing = |r: &kuaibao::store::LocalReport, now: &str| {
        let thread = thread_of(std::slice::from_ref(r), r.id).expect("thread");
        thread
            .deadlines(&national, t(now))
            .into_iter()
            .find(|(due, _)| due.rule.id == "written")
            .map(|(_, s)| s)
            .expect("a written deadline")
    };
    // Written a minute before, no receipt yet: still running, then overdue.
    assert_eq!(standing(&written, "2026-11-23T10:40"), Standing::Left { seconds: 60 });
    assert_eq!(
        standing(&written, "2026-11-23T10:42"),
        Standing::Overdue { seconds: 60 }
    );
    // Received two hours later: delivered late, not written late.
    let mut delivered = written.clone();
    delivered.status = Status::Delivered {
        written_at: at("2026-11-23T10:40"),
        receipt: Receipt {
            id: written.id,
            seq: 1,
            received_at: at("2026-11-23T12:41").with_timezone(&Utc),
            clock_offset_ms: None,
            via_sms: false,
            sms_sealed: false,
            seal: None,
        },
    };
    assert_eq!(
        standing(&delivered, "2026-11-23T13:00"),
        Standing::DeliveredLate { late_seconds: 7200 }
    );
}

/// Delivered: written at `written`, received at `received` (Beijing).
fn delivered(id: kuaibao_core::ReportId, written: &str, received: &str) -> Status {
    Status::Delivered {
        written_at: at(written),
        receipt: Receipt {
            id,
            seq: 1,
            received_at: at(received).with_timezone(&Utc),
            clock_offset_ms: None,
            via_sms: false,
            sms_sealed: false,
            seal: None,
        },
    }
}

#[wasm_bindgen_test]
fn a_phone_report_missed_while_the_event_stood_graver_stays_missed_and_one_still_owed_stays_owed() {
    let national = RuleSet::national();
    // 较大 (3 dead), the event at 09:41, the 首报 received at 09:50: the
    // phone report is due at 10:11.
    let mut first = report(Status::Draft);
    first.answers.insert("dead".into(), "3".into());
    first.status = delivered(first.id, "2026-11-23T09:45", "2026-11-23T09:50");
    // A 续报 that finds it 一般 (no one dead).
    let mut lesser = report(Status::Draft);
    lesser.thread = Some(first.id);
    lesser.stage = kuaibao_core::Stage::FollowUp { n: 1 };
    let phone = |records: &[kuaibao::store::LocalReport], now: &str| {
        thread_of(records, first.id)
            .expect("thread")
            .deadlines(&national, t(now))
            .into_iter()
            .find(|(due, _)| due.rule.id == "phone")
            .map(|(due, s)| (due.at, s))
    };
    // Typed, not yet sent: the office still holds it 较大, and the phone
    // report it owes counts on.
    assert_eq!(
        phone(&[first.clone(), lesser.clone()], "2026-11-23T10:20"),
        Some((t("2026-11-23T10:11"), Standing::Overdue { seconds: 540 }))
    );
    // Received at 10:30: missed by 19 minutes then, and so it stays.
    lesser.status = delivered(lesser.id, "2026-11-23T10:25", "2026-11-23T10:30");
    assert_eq!(
        phone(&[first.clone(), lesser.clone()], "2026-11-23T12:00"),
        Some((t("2026-11-23T10:11"), Standing::Lapsed { seconds: 1140 }))
    );
}

#[wasm_bindgen_test]
fn a_flood_open_for_months_lists_its_running_follow_up_and_the_last_week_of_them() {
    // Follow-ups at 08:00 and 17:00 under the provincial example's rules.
    let rules = kuaibao_core::rules::deadlines::file::read(include_str!("../../rules/provincial-example.json"))
        .expect("the provincial example reads");
    // 较大 (3 dead), received on 23 November.
    let mut first = report(Status::Draft);
    first.answers.insert("dead".into(), "3".into());
    first.status = delivered(first.id, "2026-11-23T09:45", "2026-11-23T09:50");
    let thread = thread_of(std::slice::from_ref(&first), first.id).expect("thread");
    let dailies: Vec<_> = thread
        .deadlines(&rules, t("2027-03-01T07:00"))
        .into_iter()
        .filter(|(due, _)| due.rule.id == "follow_up_daily")
        .collect();
    // 98 days on: the desk lists 196; the phone the last seven days' and
    // the one running.
    assert_eq!(
        dailies.last().map(|(due, s)| (due.at, *s)),
        Some((t("2027-03-01T08:00"), Standing::Left { seconds: 3600 }))
    );
    assert_eq!(dailies.first().map(|(due, _)| due.at), Some(t("2027-02-22T08:00")));
    assert_eq!(dailies.len(), 7 * 2 + 1);
}
