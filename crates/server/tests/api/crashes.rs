//! Crash reports from the phones: stored once by the phone's id (409 for
//! other content under it), audited, append-only; any logged-in account
//! may send one, only administrators list them (per build, newest first,
//! their area only); bad or hostile fields are refused naming the field,
//! and an account's hourly bound answers 429, nothing stored either way.

use kuaibao_core::account::Role;
use kuaibao_core::wire::crash::{
    CrashKind, CrashList, CrashReport, CRASHES_PATH, MAX_MESSAGE_CHARS, MAX_PER_ACCOUNT_PER_HOUR,
};
use uuid::Uuid;

use super::office::user_in;
use super::openapi::{conforms, document};
use super::*;

fn crash(build: &str) -> CrashReport {
    let (ms, random) = id_parts();
    CrashReport {
        id: ReportId::from_parts(ms, random).0,
        build: build.to_owned(),
        page: "/#/new".to_owned(),
        kind: CrashKind::Panic,
        message: "panicked at src/crash/mod.rs:90:5:\n测试崩溃 (test crash)".to_owned(),
        at: Utc::now(),
    }
}

impl TestApp {
    async fn send_crash(&self, client: &Client, report: &impl serde::Serialize) -> Response {
        client
            .post(self.url(CRASHES_PATH))
            .json(report)
            .send()
            .await
            .expect("POST crash")
    }

    async fn crashes(&self) -> CrashList {
        let res = self.get_as(&self.admin, CRASHES_PATH).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("a crash list")
    }
}

async fn rows(dirs: &Dirs) -> i64 {
    let pool = dirs.pool().await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM crash_reports")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

#[tokio::test]
async fn a_reporters_crash_is_stored_once_and_listed_for_the_admin_by_build() {
    let (app, dirs) = spawn_app().await;
    let first = crash("abc1234");
    let res = app.send_crash(&app.client, &first).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // The phone resends when it did not hear the answer: stored once.
    let res = app.send_crash(&app.client, &first).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(rows(&dirs).await, 1);
    // The same id with other content, or another time, is a conflict, and
    // changes nothing.
    let other = CrashReport {
        message: "something else".to_owned(),
        ..first.clone()
    };
    let later = CrashReport {
        at: first.at + chrono::TimeDelta::minutes(5),
        ..first.clone()
    };
    for other in [other, later] {
        let (status, error) = api_error(app.send_crash(&app.client, &other).await).await;
        assert_eq!(
            (status, error.error),
            (StatusCode::CONFLICT, ApiErrorCode::Conflict),
            "{other:?}"
        );
    }
    // A second build, and a JS error of the first.
    let second = crash("def5678");
    assert_eq!(app.send_crash(&app.client, &second).await.status(), StatusCode::CREATED);
    let js = CrashReport {
        kind: CrashKind::Error,
        message: "RuntimeError: unreachable\n    at wasm-function[812]:0x4f2a1".to_owned(),
        ..crash("abc1234")
    };
    assert_eq!(app.send_crash(&app.client, &js).await.status(), StatusCode::CREATED);

    let list = app.crashes().await;
    let counts: Vec<(&str, i64)> = list.builds.iter().map(|b| (b.build.as_str(), b.count)).collect();
    assert_eq!(counts, [("abc1234", 2), ("def5678", 1)]);
    let latest: Vec<Uuid> = list.latest.iter().map(|c| c.report.id).collect();
    assert_eq!(latest, [js.id, second.id, first.id], "newest first");
    let listed = &list.latest[2];
    assert_eq!(listed.username, REPORTER);
    assert_eq!(listed.device_id, DEVICE);
    assert_eq!(listed.report.page, first.page);
    assert_eq!(listed.report.message, first.message);
    assert_eq!(listed.report.kind, CrashKind::Panic);

    // Audited once per stored report, naming who and from which device.
    let pool = dirs.pool().await;
    let audited: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT actor_id, device_id FROM audit WHERE action = 'crash.report' AND subject = $1")
            .bind(first.id.to_string())
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].1.as_deref(), Some(DEVICE));
    // Append-only in the database itself.
    let err = sqlx::query("UPDATE crash_reports SET message = 'x'")
        .execute(&pool)
        .await
        .expect_err("no update");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM crash_reports")
        .execute(&pool)
        .await
        .expect_err("no delete");
    assert!(err.to_string().contains("append-only"), "{err}");
    pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn only_administrators_list_crashes_and_only_of_their_area() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let admin_t2 = user_in(&dirs, &app, "admin-t2", Role::Admin, "d-t2").await;
    assert_eq!(
        app.send_crash(&app.client, &crash("abc1234")).await.status(),
        StatusCode::CREATED
    );
    // An officer may report a crash of his own desk's phone app too.
    assert_eq!(
        app.send_crash(&officer, &crash("abc1234")).await.status(),
        StatusCode::CREATED
    );
    for client in [&app.client, &officer] {
        let (status, error) = api_error(app.get_as(client, CRASHES_PATH).await).await;
        assert_eq!((status, error.error), (StatusCode::FORBIDDEN, ApiErrorCode::Forbidden));
    }
    // Without a session: 401, nothing stored.
    let res = Client::new()
        .post(app.url(CRASHES_PATH))
        .json(&crash("abc1234"))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(rows(&dirs).await, 2);
    // The neighbouring township's administrator reads nothing of d-t1.
    let res = app.get_as(&admin_t2, CRASHES_PATH).await;
    assert_eq!(res.status(), StatusCode::OK);
    let theirs: CrashList = res.json().await.expect("list");
    assert!(theirs.builds.is_empty() && theirs.latest.is_empty(), "{theirs:?}");
    assert_eq!(app.crashes().await.builds[0].count, 2);
    app.stop().await;
}

#[tokio::test]
async fn oversized_and_hostile_fields_are_refused_naming_the_field_and_nothing_is_stored() {
    let (app, dirs) = spawn_app().await;
    let cases: Vec<(CrashReport, &[(&str, ErrorCode)])> = vec![
        (
            CrashReport {
                message: "错".repeat(MAX_MESSAGE_CHARS + 1),
                ..crash("abc1234")
            },
            &[("message", ErrorCode::TooLong)],
        ),
        (
            CrashReport {
                build: "<img src=x onerror=alert(1)>".to_owned(),
                page: "/\u{1b}[2J".to_owned(),
                ..crash("abc1234")
            },
            &[("build", ErrorCode::BadId), ("page", ErrorCode::BadId)],
        ),
        (
            CrashReport {
                id: Uuid::nil(),
                build: String::new(),
                message: "\u{0}".to_owned(),
                ..crash("abc1234")
            },
            &[
                ("id", ErrorCode::BadId),
                ("build", ErrorCode::Required),
                ("message", ErrorCode::BadId),
            ],
        ),
    ];
    for (report, expected) in cases {
        let (status, error) = api_error(app.send_crash(&app.client, &report).await).await;
        assert_eq!(
            (status, error.error),
            (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorCode::BadRequest)
        );
        let fields: Vec<(String, ErrorCode)> = error.fields.into_iter().map(|e| (e.field, e.code)).collect();
        let expected: Vec<(String, ErrorCode)> = expected.iter().map(|(f, c)| (f.to_string(), *c)).collect();
        assert_eq!(fields, expected);
    }
    // Unknown fields and kinds are not a crash report at all.
    let mut extra = serde_json::to_value(crash("abc1234")).expect("json");
    extra["token"] = serde_json::json!("x");
    assert_eq!(
        app.send_crash(&app.client, &extra).await.status(),
        StatusCode::BAD_REQUEST
    );
    let mut kind = serde_json::to_value(crash("abc1234")).expect("json");
    kind["kind"] = serde_json::json!("meltdown");
    assert_eq!(
        app.send_crash(&app.client, &kind).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(rows(&dirs).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_account_over_its_hourly_bound_gets_429_and_nothing_is_stored() {
    let (app, dirs) = spawn_app().await;
    let mut sent = Vec::new();
    for _ in 0..MAX_PER_ACCOUNT_PER_HOUR {
        let report = crash("abc1234");
        assert_eq!(app.send_crash(&app.client, &report).await.status(), StatusCode::CREATED);
        sent.push(report);
    }
    let res = app.send_crash(&app.client, &crash("abc1234")).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()[reqwest::header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((3500..=3600).contains(&wait), "{wait}");
    let (_, error) = api_error(res).await;
    assert_eq!(error.error, ApiErrorCode::RateLimited);
    assert_eq!(rows(&dirs).await, MAX_PER_ACCOUNT_PER_HOUR);
    // A replay of a stored one is still answered: the phone may forget it.
    assert_eq!(app.send_crash(&app.client, &sent[0]).await.status(), StatusCode::OK);
    // The bound is the account's: another account still reports.
    let other = user_in(&dirs, &app, "reporter-2", Role::Reporter, GRID).await;
    assert_eq!(
        app.send_crash(&other, &crash("abc1234")).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(rows(&dirs).await, MAX_PER_ACCOUNT_PER_HOUR + 1);
    app.stop().await;
}

#[tokio::test]
async fn crash_answers_match_the_description() {
    let (app, _dirs) = spawn_app().await;
    let doc = document(&app).await;
    let report = crash("abc1234");
    let res = app.send_crash(&app.client, &report).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    conforms(&doc, "get", CRASHES_PATH, app.admin.get(app.url(CRASHES_PATH))).await;
    let refused = CrashReport {
        build: String::new(),
        ..crash("x")
    };
    conforms(
        &doc,
        "post",
        CRASHES_PATH,
        app.client.post(app.url(CRASHES_PATH)).json(&refused),
    )
    .await;
    app.stop().await;
}
