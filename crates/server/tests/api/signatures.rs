//! Signing a thread's written report on the desk: a record of its own,
//! stored once by its id (409 for other content under it), audited,
//! append-only in the database; only an office of the thread's area or
//! above signs (a reporter 403, the neighbouring township 404, nothing
//! stored either way); the printed report names 报送单位, 报送对象, 签发人
//! and 审核人 and marks what arrived after the signing.

use kuaibao_core::account::Role;
use kuaibao_core::desk::signing::{Sign, Signature, SIGNATURES_PATH, THREAD_WRITTEN_PATH};
use kuaibao_server::db::audit;
use reqwest::Client;
use uuid::Uuid;

use kuaibao_core::desk::office::ChangeKind;

use super::office::{user_in, Events, QUIET, SOON};
use super::openapi::{conforms, document};
use super::*;

fn signatures_path(thread: ReportId) -> String {
    SIGNATURES_PATH.replace("{id}", &thread.to_string())
}

fn written_path(thread: ReportId) -> String {
    THREAD_WRITTEN_PATH.replace("{id}", &thread.to_string())
}

fn signing(report: ReportId) -> Sign {
    Sign {
        id: Uuid::new_v4(),
        report_id: report,
        recipient: " 区应急管理局 ".to_owned(),
        reviewer: "王审核".to_owned(),
        step: None,
    }
}

/// A work-safety accident (grade IV) that happened an hour ago: regulation
/// 493's chain gives it a step up to the city.
fn work_safety_accident() -> Report {
    let t = catalogue::find("work_safety", 2).expect("the work-safety template, version 2");
    let mut answers = kuaibao_core::rules::examples::filled(t);
    let occurred = (Utc::now().with_timezone(&beijing()) - TimeDelta::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    answers.insert("occurred_at".to_owned(), occurred.clone());
    answers.insert("known_at".to_owned(), occurred);
    Report {
        template_id: t.id.into(),
        template_version: t.version,
        answers,
        ..incident(Stage::Initial, None, 0)
    }
}

#[tokio::test]
async fn a_signing_for_a_step_up_the_chain_meets_that_line_and_no_other() {
    use kuaibao_core::desk::office::DeadlineState;
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let neighbour = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let accident = work_safety_accident();
    receipt(app.submit(&accident).await, StatusCode::CREATED).await;
    let upward = |inbox: kuaibao_core::desk::office::Inbox| {
        let t = inbox
            .threads
            .into_iter()
            .find(|t| t.thread_id == accident.id)
            .expect("listed");
        t.deadlines
            .into_iter()
            .find(|l| l.rule == "upward_city")
            .expect("a step up to the city")
    };
    assert_eq!(
        upward(app.inbox(&officer, &[]).await).state,
        DeadlineState::Info,
        "a line to keep"
    );

    // A step the thread does not have (a grade IV accident goes no higher
    // than the city), or no rule's id at all: 422 at `step`, nothing stored.
    for step in ["upward_national", "不是层级"] {
        let mut bad = signing(accident.id);
        bad.step = Some(step.to_owned());
        let (status, error) = api_error(post(&app, &officer, accident.id, &bad).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{step}");
        assert_eq!(error.fields[0].field, "step", "{step}");
        assert!(error.fields[0].zh.contains("报送层级"), "{}", error.fields[0].zh);
    }
    // The neighbouring township's officer: not his thread, nothing stored.
    let mut theirs = signing(accident.id);
    theirs.step = Some("upward_city".to_owned());
    assert_eq!(
        post(&app, &neighbour, accident.id, &theirs).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(stored_rows(&dirs).await, 0);

    // Signed for the city: the line is met, by the signing's time.
    let mut city = signing(accident.id);
    city.step = Some("upward_city".to_owned());
    let res = post(&app, &officer, accident.id, &city).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let signed: Signature = res.json().await.expect("signature");
    assert_eq!(signed.step.as_deref(), Some("upward_city"));
    let line = upward(app.inbox(&officer, &[]).await);
    assert_eq!(line.state, DeadlineState::Clear, "met in time");
    let met = line.met_by.expect("met by the signing");
    assert_eq!(
        met.received_at,
        signed.signed_at.with_timezone(&beijing()).naive_local()
    );
    // The same id with another step is another signing's content: 409.
    let mut other = city.clone();
    other.step = None;
    assert_eq!(
        post(&app, &officer, accident.id, &other).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(signatures_of(&app, &officer, accident.id).await, [signed]);
    // The print names the step by its line's name.
    let page = app
        .get_as(&officer, &written_path(accident.id))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("报送层级") && page.contains(&line.label_zh), "{page}");
    app.stop().await;
}

/// The office's own step up the chain, signed after its deadline, is the
/// office's entry in its accountability ledger, with when it signed.
#[tokio::test]
async fn a_step_up_signed_late_is_in_the_offices_own_ledger() {
    use kuaibao_core::desk::accountability::{Accountability, EntryKind, ACCOUNTABILITY_PATH, OFFICE_ITSELF};
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    // Known five hours ago: every step up is past its deadline by now.
    let mut accident = work_safety_accident();
    let long_ago = (Utc::now().with_timezone(&beijing()) - TimeDelta::hours(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    accident.answers.insert("occurred_at".to_owned(), long_ago.clone());
    accident.answers.insert("known_at".to_owned(), long_ago);
    receipt(app.submit(&accident).await, StatusCode::CREATED).await;
    let ledger = |app: &TestApp| {
        let officer = officer.clone();
        let app_url = app.url(ACCOUNTABILITY_PATH);
        async move {
            let l: Accountability = officer
                .get(app_url)
                .send()
                .await
                .expect("GET")
                .json()
                .await
                .expect("ledger");
            l.entries
                .into_iter()
                .filter(|e| e.kind == EntryKind::ForwardedLate)
                .collect::<Vec<_>>()
        }
    };
    assert!(
        ledger(&app).await.is_empty(),
        "unsigned: a line to keep, not the office's fault yet"
    );
    let mut city = signing(accident.id);
    city.step = Some("upward_city".to_owned());
    let res = post(&app, &officer, accident.id, &city).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let signed: Signature = res.json().await.expect("signature");
    let late = ledger(&app).await;
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0].thread_id, accident.id);
    assert_eq!(late[0].reporter_name, OFFICE_ITSELF);
    assert!(late[0].late_seconds > 0);
    assert_eq!(
        late[0].received_at,
        Some(signed.signed_at.with_timezone(&beijing()).naive_local()),
        "when it was signed"
    );
    app.stop().await;
}

async fn post(app: &TestApp, client: &Client, thread: ReportId, body: &Sign) -> Response {
    client
        .post(app.url(&signatures_path(thread)))
        .json(body)
        .send()
        .await
        .expect("POST")
}

async fn signatures_of(app: &TestApp, client: &Client, thread: ReportId) -> Vec<Signature> {
    let res = app.get_as(client, &signatures_path(thread)).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("signatures")
}

async fn stored_rows(dirs: &Dirs) -> i64 {
    let pool = dirs.pool().await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM signatures")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

#[tokio::test]
async fn an_officer_signs_once_by_id_and_the_print_names_who_signed() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let follow_up = incident(Stage::FollowUp { n: 1 }, Some(first.id), 5);
    receipt(app.submit(&follow_up).await, StatusCode::CREATED).await;
    let thread = first.id;

    // Unsigned, the print says so.
    let page = app
        .get_as(&officer, &written_path(thread))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("未签发"), "{page}");

    let mut events = Events::open(&app, &officer).await;
    let sign = signing(follow_up.id);
    let res = post(&app, &officer, thread, &sign).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let change = events.next(SOON).await.expect("a change, live");
    assert_eq!((change.thread_id, change.kind), (thread, ChangeKind::Signed));
    let stored: Signature = res.json().await.expect("a signature");
    assert_eq!(
        (
            stored.recipient.as_str(),
            stored.reviewer.as_str(),
            stored.by.as_str(),
            stored.unit_id.as_str(),
            stored.unit.as_str()
        ),
        ("区应急管理局", "王审核", "officer-t1", "d-t1", "区域 d-t1")
    );
    assert_eq!((stored.thread_id, stored.report_id), (thread, follow_up.id));

    // A replay: 200 and the same; other words under its id: 409.
    let res = post(&app, &officer, thread, &sign).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Signature>().await.expect("the same"), stored);
    assert_eq!(events.next(QUIET).await, None, "a replay changes nothing");
    let changed = Sign {
        recipient: "市应急管理局".to_owned(),
        ..sign.clone()
    };
    let (status, _) = api_error(post(&app, &officer, thread, &changed).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        signatures_of(&app, &officer, thread).await,
        std::slice::from_ref(&stored)
    );

    // Bad words name their fields; a record of another thread is refused.
    let empty = Sign {
        recipient: "  ".to_owned(),
        reviewer: String::new(),
        ..signing(follow_up.id)
    };
    let (status, error) = api_error(post(&app, &officer, thread, &empty).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["recipient", "reviewer"]);
    assert!(
        error.fields.iter().all(|f| f.zh.starts_with("请填写")),
        "{:?}",
        error.fields
    );
    let other = incident(Stage::Initial, None, 1);
    receipt(app.submit(&other).await, StatusCode::CREATED).await;
    let (status, error) = api_error(post(&app, &officer, thread, &signing(other.id)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "report_id");
    assert_eq!(stored_rows(&dirs).await, 1);

    // A 续报 after the signing: printed as not signed. So is a call a phone
    // delivers late, though calls sort right after the 首报, before the
    // record signed.
    let late = incident(Stage::FollowUp { n: 2 }, Some(thread), 10);
    receipt(app.submit(&late).await, StatusCode::CREATED).await;
    let late_call = super::deadlines::call(thread, 1, 11);
    receipt(app.submit(&late_call).await, StatusCode::CREATED).await;
    let res = app.get_as(&officer, &written_path(thread)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("page");
    for part in [
        "报送单位</th><td>区域 d-t1（d-t1）",
        "报送对象</th><td>区应急管理局",
        "签发人</th><td>officer-t1（账号 officer-t1）",
        "审核人</th><td>王审核",
        "首报 → 电话报告 → 续报一 → 续报二",
        "签发后收到",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    let (i1, i2, i3) = (
        page.find("<h2>首报</h2>").expect("首报"),
        page.find("<h2>续报一</h2>").expect("续报一"),
        page.find("<h2>续报二</h2>").expect("续报二"),
    );
    assert!(i1 < i2 && i2 < i3, "stage order");
    assert_eq!(
        page.matches("签发后收到").count(),
        2,
        "the 续报二 and the call, not the 续报一"
    );
    // Beijing times only, never UTC.
    let signed_at = stored
        .signed_at
        .with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M:%S +08:00")
        .to_string();
    assert!(page.contains(&format!("签发时间</th><td>{signed_at}")), "{page}");
    assert!(!page.contains("Z（") && !page.contains("+00:00"), "{page}");

    // Audited once; the database refuses changes.
    let pool = dirs.pool().await;
    let log = audit::all(&pool).await.expect("audit");
    let signed: Vec<_> = log.iter().filter(|e| e.action == "thread.sign").collect();
    assert_eq!(signed.len(), 1, "{signed:?}");
    assert_eq!(signed[0].subject, stored.id.to_string());
    for statement in ["UPDATE signatures SET reviewer = 'x'", "DELETE FROM signatures"] {
        let err = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
    pool.close().await;

    // A 首报 and a call received before the signing that names the 首报:
    // both signed (a call is no stage the signing could name).
    let quiet = incident(Stage::Initial, None, 20);
    receipt(app.submit(&quiet).await, StatusCode::CREATED).await;
    let called = super::deadlines::call(quiet.id, 1, 21);
    receipt(app.submit(&called).await, StatusCode::CREATED).await;
    assert_eq!(
        post(&app, &officer, quiet.id, &signing(quiet.id)).await.status(),
        StatusCode::CREATED
    );
    let page = app.text_as(&officer, &written_path(quiet.id)).await;
    assert!(page.contains("<h2>电话报告</h2>"), "{page}");
    assert!(!page.contains("签发后收到"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn a_reporter_and_the_neighbouring_township_are_refused_and_nothing_is_stored() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let neighbour = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let first = incident(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;

    // The thread's own reporter may not sign it: 403.
    let (status, _) = api_error(post(&app, &app.client, first.id, &signing(first.id)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = api_error(app.get(&signatures_path(first.id)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The neighbouring township's officer: as if it did not exist.
    let (status, _) = api_error(post(&app, &neighbour, first.id, &signing(first.id)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api_error(app.get_as(&neighbour, &signatures_path(first.id)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api_error(app.get_as(&neighbour, &written_path(first.id)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    assert_eq!(stored_rows(&dirs).await, 0, "nothing stored");
    assert!(signatures_of(&app, &officer, first.id).await.is_empty());
    let pool = dirs.pool().await;
    let log = audit::all(&pool).await.expect("audit");
    let refused = log
        .iter()
        .filter(|e| e.action == "thread.refuse" && e.detail.contains("thread.sign"))
        .count();
    assert_eq!(refused, 2, "both attempts are in the audit log");
    pool.close().await;

    // The district's administrator, above the thread, may.
    let res = post(&app, &app.admin, first.id, &signing(first.id)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(stored_rows(&dirs).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn signing_answers_match_their_documented_schemas() {
    let (app, dirs) = spawn_app().await;
    let doc = document(&app).await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let path = signatures_path(first.id);
    let sign = serde_json::json!(signing(first.id));
    for _ in 0..2 {
        conforms(&doc, "post", SIGNATURES_PATH, officer.post(app.url(&path)).json(&sign)).await;
    }
    let empty = serde_json::json!(Sign {
        recipient: String::new(),
        ..signing(first.id)
    });
    conforms(&doc, "post", SIGNATURES_PATH, officer.post(app.url(&path)).json(&empty)).await;
    conforms(
        &doc,
        "post",
        SIGNATURES_PATH,
        app.client.post(app.url(&path)).json(&sign),
    )
    .await;
    let list = conforms(&doc, "get", SIGNATURES_PATH, officer.get(app.url(&path))).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    app.stop().await;
}

/// A thread holds at most `MAX_ACTS_PER_THREAD` signings (the written
/// report prints them all): the next is refused naming the thread and
/// nothing is stored; a replay is still answered.
#[tokio::test]
async fn a_threads_signings_are_bounded() {
    use kuaibao_core::desk::office::MAX_ACTS_PER_THREAD;
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = incident(Stage::Initial, None, 0);
    app.submit_as(&app.client, &first).await;
    let thread = first.id;
    super::office::fill(
        &dirs,
        "INSERT INTO signatures (id, thread_id, report_id, officer_id, area_id, recipient, reviewer, signed_at) \
         VALUES ($1, $2, $3, $4, 'd-t1', '区应急管理局', '王审核', $5)",
        MAX_ACTS_PER_THREAD - 1,
        thread,
        "officer-t1",
    )
    .await;
    let last = signing(first.id);
    assert_eq!(post(&app, &officer, thread, &last).await.status(), StatusCode::CREATED);
    let (status, error) = api_error(post(&app, &officer, thread, &signing(first.id)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.fields[0].field, "thread");
    assert!(error.fields[0].zh.contains("签发已有"), "{}", error.fields[0].zh);
    assert_eq!(
        post(&app, &officer, thread, &last).await.status(),
        StatusCode::OK,
        "a replay"
    );
    assert_eq!(
        super::office::count(&dirs, "signatures").await,
        MAX_ACTS_PER_THREAD as i64,
        "nothing stored"
    );
    app.stop().await;
}
