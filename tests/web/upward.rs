//! Reporting upward, in the browser: the desk's wasm counts, sums and
//! checks a signing with the same core code as the server, at the same
//! edges as the core's native tests.

use kuaibao_core::account::{AreaLevel, AreaRef, Role};
use kuaibao_core::desk::signing::{Sign, MAX_RECIPIENT_CHARS};
use kuaibao_core::desk::statistics::{fixed, fixed_text, tabulate, value_of, Checked, ThreadFacts};
use kuaibao_core::rules::catalogue::GENERAL_INCIDENT;
use kuaibao_core::rules::examples;
use kuaibao_core::rules::writers::{may_answer, Refusal};
use kuaibao_core::rules::writers::{Holder, Writer};
use kuaibao_core::wire::timestamp::parse_date;
use kuaibao_core::{ReportId, Stage};
use wasm_bindgen_test::wasm_bindgen_test;

fn area(id: &str, level: AreaLevel) -> AreaRef {
    AreaRef {
        id: id.to_owned(),
        name: id.to_owned(),
        level,
    }
}

#[wasm_bindgen_test]
fn a_thread_of_two_stages_counts_once_on_its_event_day_with_the_later_figures() {
    let mut first = examples::report(&GENERAL_INCIDENT, Stage::Initial);
    first.answers.insert("occurred_at".into(), "2026-11-23T23:59".into());
    first.answers.insert("dead".into(), "1".into());
    let mut later = examples::report(&GENERAL_INCIDENT, Stage::FollowUp { n: 1 });
    later.answers.insert("occurred_at".into(), "2026-11-23T23:59".into());
    later.answers.insert("dead".into(), "3".into());
    later.written_at += chrono::TimeDelta::days(1);
    assert_eq!(later.thread, Some(first.id));
    let records = [first, later];
    let areas = [
        area("d", AreaLevel::District),
        area("t1", AreaLevel::Township),
        area("g1", AreaLevel::Grid),
    ];
    let facts = [ThreadFacts {
        records: &records,
        areas: &areas,
        received_day: parse_date("2026-11-30").expect("date"),
    }];
    let query = Checked {
        level: Some(AreaLevel::Township),
        ..Checked::default()
    };
    let table = tabulate(&facts, &query);
    assert_eq!(table.total_threads, 1);
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].area.id, "t1", "rolled up to the township");
    assert_eq!(table.rows[0].day, parse_date("2026-11-23").expect("date"));
    assert_eq!(value_of(&table, &table.rows[0].figures, "dead"), Some("3"));
    assert_eq!(
        value_of(&table, &table.rows[0].figures, "missing"),
        Some("0"),
        "the example's 0"
    );
    assert_eq!(fixed("0.05", 2), Some(5));
    assert_eq!(fixed_text(100_000_030, 2), "1000000.3");
    assert_ne!(records[0].id, ReportId(uuid::Uuid::nil()));
}

#[wasm_bindgen_test]
fn only_an_office_above_the_thread_signs_and_the_words_are_bounded() {
    let held = Holder {
        author_id: Some("a"),
        area_path: Some("/d/t1/g1/"),
    };
    let writer = |role, area_path| Writer {
        user_id: "o",
        role,
        area_path,
    };
    assert_eq!(may_answer(&writer(Role::Officer, "/d/t1/"), Some(&held)), Ok(()));
    assert_eq!(
        may_answer(&writer(Role::Officer, "/d/t2/"), Some(&held)),
        Err(Refusal::NotAbove)
    );
    assert_eq!(
        may_answer(&writer(Role::Reporter, "/d/t1/g1/"), Some(&held)),
        Err(Refusal::NotAbove)
    );
    let sign = |recipient: String| Sign {
        id: uuid::Uuid::nil(),
        report_id: ReportId(uuid::Uuid::nil()),
        recipient,
        reviewer: "王".into(),
        step: None,
    };
    assert!(sign("局".repeat(MAX_RECIPIENT_CHARS)).check().is_ok());
    let long = sign("局".repeat(MAX_RECIPIENT_CHARS + 1))
        .check()
        .expect_err("too long");
    assert_eq!(long[0].field, "recipient");
}
