//! Deadline rules as the duty office is held to them: a deployment's rules
//! file (`KUAIBAO_RULES`) is checked at start, served with the templates and
//! applied to the inbox; a call logged from the phone or by an officer meets
//! the phone deadline apart from the written one, and only the thread's
//! reporter or an office above it may log one.

use kuaibao_core::account::Role;
use kuaibao_core::desk::office::{DeadlineState, ThreadSummary};
use kuaibao_core::rules::deadlines::RuleSet;
use kuaibao_server::config::{ConfigError, RULES_VAR};

use reqwest::Client;

use super::office::user_in;
use super::*;

/// The repository's example rules file `name`.
fn example(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rules")
        .join(name)
}

/// A call logged in `thread`, `minutes` after the base time.
pub(super) fn call(thread: ReportId, n: u32, minutes: i64) -> Report {
    let template = catalogue::call();
    let stage = Stage::Call { n };
    let mut answers = fill(template, stage);
    answers.insert(
        "called_at".to_owned(),
        written(minutes)
            .with_timezone(&beijing())
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
    );
    Report {
        id: new_id(),
        thread: Some(thread),
        thread_key: None,
        stage,
        template_id: template.id.into(),
        template_version: template.version,
        answers,
        written_at: written(minutes),
        grade: None,
        photos: Vec::new(),
        clock_offset_ms: None,
    }
}

/// `path` read as `client`, as JSON.
async fn json_of<T: serde::de::DeserializeOwned>(app: &TestApp, client: &Client, path: &str) -> T {
    app.get_as(client, path).await.json().await.expect("json")
}

fn line_of(threads: &[ThreadSummary], id: ReportId) -> &ThreadSummary {
    threads.iter().find(|t| t.thread_id == id).expect("listed")
}

#[tokio::test]
async fn a_bad_rules_file_stops_the_start_naming_its_line_and_field() {
    let dir = TempDir::new().expect("dir");
    let path = dir.path().join("rules.json");
    let text = std::fs::read_to_string(example("city-example.json"))
        .expect("example")
        .replacen("\"minutes\": 15", "\"minutes\": -15", 1);
    std::fs::write(&path, text).expect("write");
    let lookup = |name: &str| (name == RULES_VAR).then(|| path.clone().into_os_string());
    let err = kuaibao_server::config::Config::from_lookup(lookup).expect_err("refused");
    let ConfigError::BadRules { reason, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!((reason.line, reason.field.as_str()), (Some(11), "minutes"), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("KUAIBAO_RULES") && message.contains("第 11 行"),
        "{message}"
    );
    assert!(
        message.contains("line 11") && message.contains("field minutes"),
        "{message}"
    );

    let missing = dir.path().join("none.json");
    let lookup = |name: &str| (name == RULES_VAR).then(|| missing.clone().into_os_string());
    let err = kuaibao_server::config::Config::from_lookup(lookup).expect_err("refused");
    assert!(matches!(err, ConfigError::UnreadableRules { .. }), "{err}");
    assert!(err.to_string().contains("无法读取期限规则文件"), "{err}");
}

#[tokio::test]
async fn a_deployments_rules_are_served_and_applied_and_a_call_meets_the_phone_deadline() {
    let dirs = dirs();
    let rules_path = example("city-example.json");
    let city = kuaibao_core::rules::deadlines::file::read(&std::fs::read_to_string(&rules_path).expect("read"))
        .expect("the city example");
    let app = start_with(&dirs, |c| c.rules = city.clone()).await;

    // Served with the templates, resolved (every rule, no `extends`).
    let body: serde_json::Value = json_of(&app, &app.client, TEMPLATES_PATH).await;
    assert_eq!(body["deadlines"], serde_json::to_value(&city).expect("json"));
    assert_ne!(
        body["deadlines"],
        serde_json::to_value(RuleSet::national()).expect("json")
    );

    // A 重大 incident (10 dead): the city's 15-minute phone and 30-minute
    // written deadlines.
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let mut grave = incident(Stage::Initial, None, 0);
    grave.answers.insert("dead".to_owned(), "10".to_owned());
    receipt(app.submit(&grave).await, StatusCode::CREATED).await;
    let inbox = app.inbox(&officer, &[]).await;
    let line = line_of(&inbox.threads, grave.id);
    let minutes: Vec<(&str, i64)> = line
        .deadlines
        .iter()
        .map(|d| {
            (
                d.rule.as_str(),
                (d.due_at - line.occurred_at.expect("occurred")).num_minutes(),
            )
        })
        .collect();
    assert_eq!(minutes, [("phone", 15), ("written", 30)]);
    let state = |t: &ThreadSummary, rule: &str| t.deadlines.iter().find(|d| d.rule == rule).map(|d| d.state);
    // The event was 10 minutes before the base time: the written report,
    // received now, is late by the server's clock; the phone deadline is
    // not met by it.
    assert_ne!(state(line, "phone"), Some(DeadlineState::Clear));

    // The officer logs the call he took, 5 minutes after the event: the
    // phone deadline is met, on its own.
    let logged = call(grave.id, 1, -5);
    app.submit_as(&officer, &logged).await;
    let inbox = app.inbox(&officer, &[]).await;
    let line = line_of(&inbox.threads, grave.id);
    assert_eq!(state(line, "phone"), Some(DeadlineState::Clear));
    // A call is a record of the thread, not its latest stage.
    assert_eq!(line.latest_stage, Stage::Initial);
    assert_eq!(line.records, 2);
    app.stop().await;
}

#[tokio::test]
async fn only_the_reporter_and_officers_above_log_a_call_and_a_refusal_stores_nothing() {
    let (app, dirs) = spawn_app().await;
    let far = user_in(&dirs, &app, "far", Role::Reporter, "d-t2-v1-g1").await;
    let far_officer = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;

    for (client, who) in [(&far, "a reporter of another township"), (&far_officer, "its officer")] {
        let forged = call(first.id, 1, 1);
        let res = client
            .post(app.url(SUBMIT_REPORT_PATH))
            .json(&forged)
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
        let pool = dirs.pool().await;
        let found: Option<i64> = sqlx::query_scalar("SELECT seq FROM reports WHERE id = $1")
            .bind(forged.id.to_string())
            .fetch_optional(&pool)
            .await
            .expect("query");
        pool.close().await;
        assert_eq!(found, None, "{who}: nothing stored");
    }
    assert_eq!(app.thread_as(&app.admin, first.id).await.records.len(), 1);

    receipt(app.submit(&call(first.id, 1, 1)).await, StatusCode::CREATED).await;
    app.submit_as(&officer, &call(first.id, 2, 2)).await;
    assert_eq!(app.thread_as(&app.admin, first.id).await.records.len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn the_duty_phone_is_the_nearest_areas_up_the_tree_set_by_the_command_line() {
    let (app, dirs) = spawn_app().await;
    let _far = user_in(&dirs, &app, "far", Role::Reporter, "d-t2-v1-g1").await;
    assert_eq!(session_of(&app.base, REPORTER).await.duty_phone, None, "none set");

    let set = |area: &str, phone: &str| {
        let out = server_command(&dirs)
            .args(["area", "phone", area, phone])
            .output()
            .expect("run the command");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    set(DISTRICT, "0731-1234567");
    assert_eq!(
        session_of(&app.base, REPORTER).await.duty_phone.as_deref(),
        Some("0731-1234567")
    );
    // The township's own number is nearer for its workers; the other
    // township keeps the district's.
    set("d-t1", "0731-7654321");
    assert_eq!(
        session_of(&app.base, REPORTER).await.duty_phone.as_deref(),
        Some("0731-7654321")
    );
    assert_eq!(
        session_of(&app.base, "far").await.duty_phone.as_deref(),
        Some("0731-1234567")
    );
    // A new number replaces the old; the old row stays (append-only).
    set("d-t1", "0731-1111111");
    let info: kuaibao_core::account::SessionInfo = json_of(&app, &app.client, SESSION_PATH).await;
    assert_eq!(info.duty_phone.as_deref(), Some("0731-1111111"));
    let pool = dirs.pool().await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM duty_phones")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rows, 3);
    assert!(
        sqlx::query("DELETE FROM duty_phones").execute(&pool).await.is_err(),
        "append-only"
    );
    pool.close().await;

    // A bad number or area is refused, naming it.
    let out = server_command(&dirs)
        .args(["area", "phone", "d-t9", "0731-1234567"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("d-t9"));
    app.stop().await;
}

#[tokio::test]
async fn the_accountability_ledger_lists_late_and_missed_with_evidence_for_the_area_only() {
    use kuaibao_core::desk::accountability::{Accountability, EntryKind, ACCOUNTABILITY_CSV_PATH, ACCOUNTABILITY_PATH};
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let neighbour = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;

    // 重大: the event an hour ago, written 50 minutes ago with a phone 90 s
    // slow, received now: the written report delivered late, the phone
    // report missed.
    let mut grave = incident(Stage::Initial, None, 0);
    grave.answers.insert("dead".to_owned(), "10".to_owned());
    grave.clock_offset_ms = Some(90_000);
    receipt(app.submit(&grave).await, StatusCode::CREATED).await;
    // A hazard three days past its rectification deadline.
    let mut hazard_late = hazard(Stage::Initial, None, 0);
    let by = (Utc::now().with_timezone(&beijing()) - TimeDelta::days(3)).date_naive();
    hazard_late.answers.insert("rectify_by".to_owned(), by.to_string());
    receipt(app.submit(&hazard_late).await, StatusCode::CREATED).await;

    let ledger: Accountability = json_of(&app, &officer, ACCOUNTABILITY_PATH).await;
    assert_eq!(ledger.final_report_days, 30);
    let kinds: Vec<(EntryKind, &str)> = ledger.entries.iter().map(|e| (e.kind, e.what_zh.as_str())).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert_eq!(kinds[0].0, EntryKind::Missed);
    assert!(kinds[0].1.starts_with("电话报告"), "{kinds:?}");
    assert_eq!(kinds[1].0, EntryKind::DeliveredLate);
    assert_eq!(kinds[2].0, EntryKind::HazardOverdue);
    let late = &ledger.entries[1];
    assert_eq!(late.thread_id, grave.id);
    assert_eq!(late.clock_offset_ms, Some(90_000));
    let written = grave.written_at.with_timezone(&beijing()).naive_local() + TimeDelta::milliseconds(90_000);
    assert_eq!(late.written_at, Some(written), "corrected by the offset");
    assert!(late.received_at.is_some_and(|r| r > written));

    // The CSV: BOM, Chinese header, the same rows.
    let res = officer.get(app.url(ACCOUNTABILITY_CSV_PATH)).send().await.expect("GET");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("kuaibao-accountability-")));
    let text = res.text().await.expect("body");
    let body = text.strip_prefix('\u{FEFF}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(reader.headers().expect("header").get(0), Some("问题"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].get(0), Some("送达迟（按时填写，无信号）"));
    assert_eq!(rows[1].get(11), Some("90000"));
    assert_eq!(rows[1].get(12), Some("delivered_late"));

    // The neighbouring township's officer: nothing; a reporter: 403.
    let theirs: Accountability = json_of(&app, &neighbour, ACCOUNTABILITY_PATH).await;
    assert!(theirs.entries.is_empty(), "{:?}", theirs.entries);
    let text = app.text_as(&neighbour, ACCOUNTABILITY_CSV_PATH).await;
    assert_eq!(text.lines().count(), 1, "the header only");
    for path in [ACCOUNTABILITY_PATH, ACCOUNTABILITY_CSV_PATH] {
        let (status, _) = api_error(app.client.get(app.url(path)).send().await.expect("GET")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    app.stop().await;
}

/// A 续报 that finds a 较大 incident 一般 does not erase the phone report
/// missed while it stood 较大: the inbox keeps the line, lapsed, and the
/// ledger lists it as missed.
#[tokio::test]
async fn a_phone_report_missed_before_a_lesser_grade_stays_on_the_line_and_in_the_ledger() {
    use kuaibao_core::desk::accountability::{Accountability, EntryKind, ACCOUNTABILITY_PATH};
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;

    // 较大 (3 dead), the event 40 minutes ago: the phone report fell due
    // 10 minutes ago, and no call is logged. The 首报 arrives now, then a
    // 续报 that finds it 一般.
    let now = Utc::now().with_timezone(&beijing());
    let occurred = (now - TimeDelta::minutes(40)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut grave = incident(Stage::Initial, None, 0);
    grave.answers.insert("dead".to_owned(), "3".to_owned());
    grave.answers.insert("occurred_at".to_owned(), occurred.clone());
    grave.answers.remove("known_at");
    grave.written_at = now;
    receipt(app.submit(&grave).await, StatusCode::CREATED).await;
    let mut lesser = incident(Stage::FollowUp { n: 1 }, Some(grave.id), 1);
    lesser.answers.insert("dead".to_owned(), "0".to_owned());
    lesser.answers.insert("occurred_at".to_owned(), occurred);
    lesser.written_at = Utc::now().with_timezone(&beijing());
    receipt(app.submit(&lesser).await, StatusCode::CREATED).await;

    let inbox = app.inbox(&officer, &[]).await;
    let line = line_of(&inbox.threads, grave.id);
    assert_eq!(line.grade, Some(kuaibao_core::Grade::IV), "一般 now");
    let phone = line
        .deadlines
        .iter()
        .find(|d| d.rule == "phone")
        .expect("the phone line kept");
    assert_eq!(phone.state, DeadlineState::Lapsed);
    assert!(
        (-660..=-590).contains(&phone.seconds),
        "past due by the ten minutes before the 续报: {}",
        phone.seconds
    );
    assert_eq!(line.deadline, DeadlineState::Lapsed);
    // The written report (due in 20 minutes) was met by the 首报, in time:
    // not listed.
    assert!(
        line.deadlines.iter().all(|d| d.rule != "written"),
        "{:?}",
        line.deadlines
    );

    let ledger: Accountability = json_of(&app, &officer, ACCOUNTABILITY_PATH).await;
    let missed: Vec<_> = ledger.entries.iter().filter(|e| e.thread_id == grave.id).collect();
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert_eq!(missed[0].kind, EntryKind::Missed);
    assert!(
        missed[0].what_zh.starts_with("电话报告") && missed[0].what_zh.ends_with("（其后降级，不再需要）"),
        "{}",
        missed[0].what_zh
    );
    // Fixed at what it was when the 续报 came, however long the ledger waits.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let later: Accountability = json_of(&app, &officer, ACCOUNTABILITY_PATH).await;
    let again = later
        .entries
        .iter()
        .find(|e| e.thread_id == grave.id)
        .expect("still listed");
    assert_eq!(again.late_seconds, missed[0].late_seconds);
    app.stop().await;
}

/// A phone an hour slow that had measured no offset before it wrote (no
/// signal since it was set up): its report is judged by the offset the
/// server measured on arrival. Written late, it is 迟报, not "written in
/// time, delivered late".
#[tokio::test]
async fn a_phone_that_measured_no_offset_is_judged_by_the_one_measured_on_arrival() {
    use kuaibao_core::desk::accountability::{Accountability, EntryKind, ACCOUNTABILITY_PATH};
    use kuaibao_core::wire::protocol::CLOCK_HEADER;
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let hour_ms = 3_600_000;
    let now = Utc::now().with_timezone(&beijing());
    // 重大, the event 90 minutes ago; written a minute ago by the real
    // clock, which the slow phone reads as 61 minutes ago: 29 minutes
    // after the event by its clock, 89 by the office's.
    let mut grave = incident(Stage::Initial, None, 0);
    grave.answers.insert("dead".to_owned(), "10".to_owned());
    grave.answers.insert(
        "occurred_at".to_owned(),
        (now - TimeDelta::minutes(90)).format("%Y-%m-%dT%H:%M").to_string(),
    );
    grave.written_at = (now - TimeDelta::minutes(61)).fixed_offset();
    assert_eq!(grave.clock_offset_ms, None);
    let phone_now = Utc::now().timestamp_millis() - hour_ms;
    let res = app
        .client
        .post(app.url(SUBMIT_REPORT_PATH))
        .header(CLOCK_HEADER, phone_now.to_string())
        .json(&grave)
        .send()
        .await
        .expect("POST");
    let stored: Receipt = receipt(res, StatusCode::CREATED).await;
    let measured = stored.clock_offset_ms.expect("measured on arrival");
    assert!((measured - hour_ms).abs() < 5_000, "{measured}");

    let ledger: Accountability = json_of(&app, &officer, ACCOUNTABILITY_PATH).await;
    let written: Vec<_> = ledger
        .entries
        .iter()
        .filter(|e| e.thread_id == grave.id && matches!(e.kind, EntryKind::WrittenLate | EntryKind::DeliveredLate))
        .collect();
    assert_eq!(written.len(), 1, "{:?}", ledger.entries);
    assert_eq!(written[0].kind, EntryKind::WrittenLate, "迟报 by the office's clock");
    assert_eq!(
        written[0].clock_offset_ms,
        Some(measured),
        "the offset it was judged by"
    );
    let corrected = grave.written_at.with_timezone(&beijing()).naive_local() + TimeDelta::milliseconds(measured);
    assert_eq!(written[0].written_at, Some(corrected));
    app.stop().await;
}

#[tokio::test]
async fn a_call_logged_before_its_first_record_arrives_does_not_name_the_thread() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    // The worker called from her 首报 still in draft: the call arrives
    // first, then the 首报.
    let mut first = incident(Stage::Initial, None, 0);
    first.answers.insert("dead".to_owned(), "3".to_owned());
    receipt(app.submit(&call(first.id, 1, -5)).await, StatusCode::CREATED).await;
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let inbox = app.inbox(&officer, &[]).await;
    let line = line_of(&inbox.threads, first.id);
    assert_eq!(line.template_id, "general_incident");
    assert_eq!(line.latest_stage, Stage::Initial);
    assert_eq!(line.records, 2);
    let phone = line
        .deadlines
        .iter()
        .find(|d| d.rule == "phone")
        .expect("较大: a phone deadline");
    assert_eq!(phone.state, DeadlineState::Clear, "met by the call");
    app.stop().await;
}

/// A 一般 event found 较大 by a 续报 a day later owes its phone and written
/// reports from then (regulation 493 art. 13: a change is reported at once,
/// not the first report again): on the real server the inbox line runs,
/// and the accountability ledger lists nothing late or missed. Before, the
/// phone report read a day overdue.
#[tokio::test]
async fn a_grade_found_graver_a_day_later_owes_its_reports_from_then() {
    use kuaibao_core::desk::accountability::{Accountability, ACCOUNTABILITY_PATH};
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let now = Utc::now().with_timezone(&beijing());
    let occurred = (now - TimeDelta::days(1)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut minor = incident(Stage::Initial, None, 0);
    minor.answers.insert("dead".to_owned(), "0".to_owned());
    minor.answers.insert("occurred_at".to_owned(), occurred.clone());
    minor.answers.remove("known_at");
    minor.written_at = now - TimeDelta::days(1) + TimeDelta::minutes(5);
    receipt(app.submit(&minor).await, StatusCode::CREATED).await;
    let mut graver = incident(Stage::FollowUp { n: 1 }, Some(minor.id), 1);
    graver.answers.insert("dead".to_owned(), "3".to_owned());
    graver.answers.insert("occurred_at".to_owned(), occurred);
    graver.written_at = Utc::now().with_timezone(&beijing());
    receipt(app.submit(&graver).await, StatusCode::CREATED).await;

    let inbox = app.inbox(&officer, &[]).await;
    let line = line_of(&inbox.threads, minor.id);
    assert_eq!(line.grade, Some(kuaibao_core::Grade::III), "较大 now");
    let phone = line.deadlines.iter().find(|d| d.rule == "phone").expect("a phone line");
    assert_eq!(phone.state, DeadlineState::Running, "{phone:?}");
    assert!(
        (1_700..=1_800).contains(&phone.seconds),
        "thirty minutes from the 续报: {}",
        phone.seconds
    );
    let written = line
        .deadlines
        .iter()
        .find(|d| d.rule == "written")
        .expect("a written line");
    assert_eq!(
        written.state,
        DeadlineState::Clear,
        "met by the 续报 itself: {written:?}"
    );
    let ledger: Accountability = json_of(&app, &officer, ACCOUNTABILITY_PATH).await;
    assert!(
        ledger.entries.iter().all(|e| e.thread_id != minor.id),
        "{:?}",
        ledger.entries
    );
    app.stop().await;
}

/// A 较大 flood-season event open for 40 days under the provincial
/// example's follow-ups at 08:00 and 17:00: the inbox line lists every one
/// since the start, the one running last. Before, at most 62 were listed
/// from the start, so one open past a month listed none running.
#[tokio::test]
async fn an_event_open_for_weeks_lists_its_running_daily_follow_up() {
    let dirs = dirs();
    let province = kuaibao_core::rules::deadlines::file::read(
        &std::fs::read_to_string(example("provincial-example.json")).expect("read"),
    )
    .expect("the provincial example");
    let app = start_with(&dirs, |c| c.rules = province.clone()).await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let now = Utc::now().with_timezone(&beijing());
    let mut grave = incident(Stage::Initial, None, 0);
    grave.answers.insert("dead".to_owned(), "3".to_owned());
    let occurred = now - TimeDelta::days(40);
    grave.answers.insert(
        "occurred_at".to_owned(),
        occurred.format("%Y-%m-%dT%H:%M:%S").to_string(),
    );
    grave.answers.remove("known_at");
    grave.written_at = occurred + TimeDelta::minutes(5);
    receipt(app.submit(&grave).await, StatusCode::CREATED).await;

    let inbox = app.inbox(&officer, &[]).await;
    let daily: Vec<_> = line_of(&inbox.threads, grave.id)
        .deadlines
        .iter()
        .filter(|d| d.rule == "follow_up_daily")
        .collect();
    assert!(
        (79..=81).contains(&daily.len()),
        "two a day for 40 days: {}",
        daily.len()
    );
    let running = daily.last().expect("the last");
    assert!(
        matches!(running.state, DeadlineState::Running | DeadlineState::DueSoon),
        "{running:?}"
    );
    assert!(daily[..daily.len() - 1]
        .iter()
        .all(|d| d.state == DeadlineState::Overdue));
    app.stop().await;
}
