//! 短信首报 (issue 18): a first record that came as a text message, pasted
//! at the desk or forwarded by a gateway, is the record the phone holds,
//! under its id; the app's later copy completes it (photos added, one
//! record, the receipt saying it came by SMS first). A text cut short or
//! changed is refused naming the text; a text may be entered only by an
//! office of the account's area or above, or by the gateway when a session
//! of the account sealed it, and a refusal stores nothing.

use kuaibao_core::account::Role;
use kuaibao_core::wire::sms::{self, SmsKey, SmsMessage, GATEWAY_PATH, PASTE_PATH};
use kuaibao_core::Grade;
use kuaibao_server::db::accounts::{self, ProfileChange};
use kuaibao_server::db::audit::Actor;

use super::evidence::{fire_graded, graded};
use super::office::user_in;
use super::writes::{audited, keyed, stored};
use super::*;

/// The gateway's secret in the tests that configure one.
const GATEWAY_TOKEN: &str = "test-gateway-secret-0123456789abcdef";
/// The reporter's own mobile in those tests.
const REPORTER_PHONE: &str = "138 0013 8000";

/// The key of the session whose login answer this is.
fn key_of(session: &kuaibao_core::account::Session) -> SmsKey {
    session
        .sms_key
        .as_deref()
        .and_then(SmsKey::from_hex)
        .expect("a seal key")
}

impl TestApp {
    /// The key the reporter's phone seals its texts with.
    fn seal_key(&self) -> SmsKey {
        SmsKey::from_hex(&self.sms_key).expect("a seal key in hex")
    }

    async fn paste(&self, client: &Client, text: &str) -> Response {
        client
            .post(self.url(PASTE_PATH))
            .json(&SmsMessage {
                text: text.to_owned(),
                from: None,
            })
            .send()
            .await
            .expect("POST /api/sms")
    }

    async fn forward(&self, token: Option<&str>, from: Option<&str>, text: &str) -> Response {
        let client = token.map_or_else(Client::new, authorized);
        client
            .post(self.url(GATEWAY_PATH))
            .json(&SmsMessage {
                text: text.to_owned(),
                from: from.map(str::to_owned),
            })
            .send()
            .await
            .expect("POST /api/sms/gateway")
    }
}

/// A 较大 earthquake's 首报 with one photo announced: the kind of record
/// that must reach the office when only SMS works, and needs its photo.
fn grave_first() -> Report {
    graded(Grade::III, 1)
}

/// The refusal's status and the fields and codes it names.
async fn refusal(res: Response) -> (StatusCode, Vec<(String, ErrorCode)>, String) {
    let (status, error) = api_error(res).await;
    let fields = error.fields.iter().map(|f| (f.field.clone(), f.code)).collect();
    let zh = error.fields.first().map_or(error.message, |f| f.zh.clone());
    (status, fields, zh)
}

#[tokio::test]
async fn an_sms_first_report_and_the_apps_later_copy_are_one_record() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    // Made as today's phone makes a first record: its id from a thread key,
    // which the text does not carry and the app's copy does.
    let report = keyed(grave_first());
    let text = sms::encode(&report, REPORTER).expect("a first record goes by SMS");
    assert!(!text.contains(report.thread_key.as_ref().map_or("-", |k| k.as_str())));

    let by_sms = receipt(app.paste(&officer, &text).await, StatusCode::CREATED).await;
    assert!(by_sms.via_sms);
    assert!(!by_sms.sms_sealed, "entered unsealed");
    assert_eq!(by_sms.id, report.id);
    // The same text pasted again (or sent twice) is the same record.
    assert_eq!(receipt(app.paste(&officer, &text).await, StatusCode::OK).await, by_sms);
    // The office reads it at once, as the reporter's, without its photo yet.
    let thread = app.thread_as(&officer, report.id).await;
    assert_eq!(thread.records.len(), 1);
    assert_eq!(thread.records[0].report.answers, report.answers);
    assert!(thread.records[0].report.photos.is_empty());
    assert!(thread.records[0].receipt.via_sms);
    let entries = audited(&dirs, "report.store", &report.id.to_string()).await;
    assert_eq!(entries.len(), 1);
    assert_ne!(entries[0].actor_id, None, "the officer who entered it is named");
    assert!(entries[0].detail.contains("\"via\":\"sms\""), "{}", entries[0].detail);
    // Unsealed (the officer called back): the log says so.
    assert!(entries[0].detail.contains("\"sealed\":false"), "{}", entries[0].detail);

    // The app syncs the full record later: it completes the SMS one.
    let by_app = receipt(app.submit(&report).await, StatusCode::CREATED).await;
    assert_eq!(by_app, by_sms, "the receipt is the SMS's: same seq, same time, via SMS");
    assert_eq!(receipt(app.submit(&report).await, StatusCode::OK).await, by_sms);
    // And a late copy of the text changes nothing.
    assert_eq!(receipt(app.paste(&officer, &text).await, StatusCode::OK).await, by_sms);

    let mine: Vec<StoredReport> = app
        .list()
        .await
        .into_iter()
        .filter(|s| s.report.id == report.id)
        .collect();
    assert_eq!(mine.len(), 1, "one record, not two");
    assert_eq!(mine[0].report, report, "read as the app's copy, photos and all");
    assert_eq!(mine[0].photos.expected, 1, "its photo is awaited");
    assert_eq!(audited(&dirs, "report.complete", &report.id.to_string()).await.len(), 1);
    let inbox = app.inbox(&officer, &[]).await;
    assert_eq!(inbox.threads.iter().filter(|t| t.thread_id == report.id).count(), 1);
    // Exported and printed, it says how it came: entered unsealed.
    let csv = app.text_as(&officer, "/api/exports/reports.csv").await;
    let row = csv
        .lines()
        .find(|l| l.contains(&report.id.to_string()))
        .expect("its row");
    assert!(row.contains("短信首报，未验证：应已电话核实"), "{row}");
    let page = app
        .text_as(&officer, &format!("/api/threads/{}/written", report.id))
        .await;
    assert!(page.contains("短信首报，未验证：应已电话核实"));
    app.stop().await;
}

/// A first record without photos: the text says all the app's copy says
/// but its thread key, and the copy still completes the text's record (the
/// key is set aside only between two copies from the app).
#[tokio::test]
async fn the_apps_copy_of_a_text_without_photos_completes_it() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = keyed(graded(Grade::IV, 0));
    let text = sms::encode(&report, REPORTER).expect("a first record goes by SMS");
    let by_sms = receipt(app.paste(&officer, &text).await, StatusCode::CREATED).await;
    let by_app = sealed_receipt(app.submit(&report).await, StatusCode::CREATED).await;
    // Not sealed: shown after a restore, it would make the app's copy of
    // the text's time, the text's way lost.
    assert_eq!(by_app.seal, None);
    assert_eq!(by_app, by_sms);
    assert_eq!(audited(&dirs, "report.complete", &report.id.to_string()).await.len(), 1);
    assert_eq!(receipt(app.submit(&report).await, StatusCode::OK).await, by_sms);
    app.stop().await;
}

/// A text is a first record like the app's: it may not join a thread whose
/// 续报 arrived first from another reporter (a stranger who learnt the id
/// would take the thread); refused naming the thread, nothing stored, the
/// refusal audited as the entering office's.
#[tokio::test]
async fn a_text_under_another_reporters_thread_is_refused_and_nothing_is_stored() {
    let (app, dirs) = spawn_app().await;
    let far_officer = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    user_in(&dirs, &app, "far", Role::Reporter, "d-t2-v1-g1").await;
    let first = grave_first();
    let follow_up = incident(Stage::FollowUp { n: 1 }, Some(first.id), 10);
    receipt(app.submit(&follow_up).await, StatusCode::CREATED).await;

    let text = sms::encode(&first, "far").expect("sendable");
    let (status, fields, zh) = refusal(app.paste(&far_officer, &text).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(fields, vec![("thread".to_owned(), ErrorCode::NotPermitted)]);
    assert!(zh.contains("值班员"), "{zh}");
    assert!(!stored(&dirs, first.id).await, "nothing stored");
    let refused = audited(&dirs, "report.refuse", &first.id.to_string()).await;
    assert_eq!(refused.len(), 1);
    assert!(refused[0].actor_id.is_some(), "the entering office is named");

    // The reporter's own text, sealed by her phone, is her 首报.
    let own = sms::encode_sealed(&first, REPORTER, &app.seal_key()).expect("sendable");
    let office = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    receipt(app.paste(&office, &own).await, StatusCode::CREATED).await;
    app.stop().await;
}

/// Before, an officer of her area could paste an unsealed text under the
/// id of her 首报 once her 续报 had come first: stored as hers, it set the
/// thread's times and grade, and her phone's real 首报 was refused as
/// other content. An unsealed text may begin a thread, not take one.
#[tokio::test]
async fn an_unsealed_text_cannot_take_the_place_of_a_first_record_whose_thread_has_arrived() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let first = keyed(grave_first());
    let follow_up = incident(Stage::FollowUp { n: 1 }, Some(first.id), 10);
    receipt(app.submit(&follow_up).await, StatusCode::CREATED).await;

    let mut forged = first.clone();
    forged.answers.insert("place".into(), "伪造的地点".into());
    let text = sms::encode(&forged, REPORTER).expect("sendable");
    let (status, fields, zh) = refusal(app.paste(&officer, &text).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(fields, vec![("text".to_owned(), ErrorCode::NotPermitted)]);
    assert!(zh.contains("验证码") && zh.contains("自动送达"), "{zh}");
    assert!(!stored(&dirs, first.id).await, "nothing stored");
    let refused = audited(&dirs, "report.refuse", &first.id.to_string()).await;
    assert_eq!(refused.len(), 1);
    assert!(refused[0].actor_id.is_some(), "the entering office is named");

    // Her phone's own 首报 joins the thread, as it wrote it.
    receipt(app.submit(&first).await, StatusCode::CREATED).await;
    let thread = app.thread_as(&officer, first.id).await;
    assert_eq!(thread.records.len(), 2);
    assert_eq!(thread.records[0].report, first);
    // And her own text after it, unsealed, is the same record: a replay.
    let own = sms::encode(&first, REPORTER).expect("sendable");
    assert_eq!(app.paste(&officer, &own).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_pasted_text_sealed_by_the_reporters_phone_is_stored_and_logged_as_sealed() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = grave_first();
    let text = sms::encode_sealed(&report, REPORTER, &app.seal_key()).expect("sendable");
    let by_sms = receipt(app.paste(&officer, &text).await, StatusCode::CREATED).await;
    assert!(by_sms.via_sms && by_sms.sms_sealed);
    let entries = audited(&dirs, "report.store", &report.id.to_string()).await;
    assert!(entries[0].detail.contains("\"sealed\":true"), "{}", entries[0].detail);
    // The office reads it so, and so does the phone once its copy completes it.
    assert!(app.thread_as(&officer, report.id).await.records[0].receipt.sms_sealed);
    assert_eq!(receipt(app.submit(&report).await, StatusCode::CREATED).await, by_sms);
    assert!(app.thread_as(&officer, report.id).await.records[0].receipt.sms_sealed);
    app.stop().await;
}

#[tokio::test]
async fn a_text_cut_short_or_changed_is_refused_naming_it_and_nothing_is_stored() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = grave_first();
    let text = sms::encode(&report, REPORTER).expect("sendable");
    let cut: String = text.chars().take(text.chars().count() - 20).collect();
    let changed = text.replacen("：", "：8", 1);
    for bad in [cut.as_str(), changed.as_str(), "明天上午开会", ""] {
        let (status, fields, zh) = refusal(app.paste(&officer, bad).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(fields[0].0, "text", "{bad}: {fields:?}");
        assert!(zh.contains('请'), "says what to do: {zh}");
    }
    let (_, fields, _) = refusal(app.paste(&officer, &cut).await).await;
    assert_eq!(fields, vec![("text".to_owned(), ErrorCode::Garbled)]);
    // A flood is refused whole.
    let (status, fields, _) = refusal(app.paste(&officer, &"字".repeat(sms::MAX_CHARS + 1)).await).await;
    assert_eq!(
        (status, fields[0].1),
        (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::TooLong)
    );
    // A whole text naming an account there is not.
    let stranger = sms::encode(&report, "nobody").expect("sendable");
    let (_, fields, _) = refusal(app.paste(&officer, &stranger).await).await;
    assert_eq!(fields[0].0, "username");
    assert!(!stored(&dirs, report.id).await, "nothing stored");
    app.stop().await;
}

#[tokio::test]
async fn only_an_office_of_the_reporters_area_or_above_enters_a_text() {
    let (app, dirs) = spawn_app().await;
    let neighbour = user_in(&dirs, &app, "officer-t2", Role::Officer, "d-t2").await;
    let report = grave_first();
    let text = sms::encode(&report, REPORTER).expect("sendable");

    let (status, fields, zh) = refusal(app.paste(&neighbour, &text).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(fields, vec![("text".to_owned(), ErrorCode::NotPermitted)]);
    assert!(zh.contains("辖区"), "{zh}");
    assert!(!stored(&dirs, report.id).await, "nothing stored");
    assert_eq!(audited(&dirs, "report.refuse", &report.id.to_string()).await.len(), 1);

    // A reporter cannot enter texts at all, even her own.
    let (status, _, _) = refusal(app.paste(&app.client, &text).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!stored(&dirs, report.id).await, "nothing stored");

    // The district's administrator may.
    let by_sms = receipt(app.paste(&app.admin, &text).await, StatusCode::CREATED).await;
    assert!(by_sms.via_sms);
    app.stop().await;
}

/// A text entered for a reporter (by the desk, or a gateway) is charged to
/// her day of storage as a record from her phone would be: over it, 429
/// and nothing stored; it does not get around the bound.
#[tokio::test]
async fn a_text_is_charged_to_its_reporters_day_of_storage() {
    let first = grave_first();
    let cost = kuaibao_server::http::quota::cost(&first);
    let dirs = dirs();
    // Room for one such record a day, not two.
    let app = start_with(&dirs, |c| c.account_bytes_per_day = cost * 3 / 2).await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let text = sms::encode(&first, REPORTER).expect("sendable");
    receipt(app.paste(&officer, &text).await, StatusCode::CREATED).await;

    let second = grave_first();
    let (status, error) = api_error(
        app.paste(&officer, &sms::encode(&second, REPORTER).expect("sendable"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        error.message.starts_with("本账号今天存入的报告和照片已超过每日上限"),
        "{}",
        error.message
    );
    assert!(!stored(&dirs, second.id).await, "nothing stored");
    // The same text again is a replay: its receipt, whatever the quota.
    assert_eq!(app.paste(&officer, &text).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn the_apps_copy_that_says_otherwise_is_a_conflict_and_completes_nothing() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = grave_first();
    let text = sms::encode(&report, REPORTER).expect("sendable");
    receipt(app.paste(&officer, &text).await, StatusCode::CREATED).await;

    let mut other = report.clone();
    other.answers.insert("place".to_owned(), "另一个地方".to_owned());
    let (status, _) = api_error(app.submit(&other).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Another account's copy under the same id is no completion either.
    let officer_copy = app.submit_by(&officer, &report).await;
    assert_eq!(officer_copy.status(), StatusCode::CONFLICT);
    assert!(audited(&dirs, "report.complete", &report.id.to_string())
        .await
        .is_empty());
    // The right copy still completes it.
    assert!(receipt(app.submit(&report).await, StatusCode::CREATED).await.via_sms);
    app.stop().await;
}

#[tokio::test]
async fn a_text_of_a_record_the_app_delivered_first_answers_its_receipt() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = grave_first();
    let by_app = receipt(app.submit(&report).await, StatusCode::CREATED).await;
    let text = sms::encode(&report, REPORTER).expect("sendable");
    let late = receipt(app.paste(&officer, &text).await, StatusCode::OK).await;
    assert_eq!(late, by_app);
    assert!(!late.via_sms, "it did not come by SMS first");
    app.stop().await;
}

#[tokio::test]
async fn the_gateway_needs_its_secret_and_the_seal_of_a_session_of_the_reporter() {
    let dirs = dirs();
    let app = start_with(&dirs, |c| {
        c.sms_gateway_token = Some(GATEWAY_TOKEN.to_owned());
        c.sms_number = Some("106 5550 1234".to_owned());
    })
    .await;
    let pool = dirs.pool().await;
    let change = ProfileChange {
        phone: Some(REPORTER_PHONE.to_owned()),
        ..ProfileChange::default()
    };
    accounts::set_profile(&pool, &Actor::command_line(), REPORTER, &change)
        .await
        .expect("store")
        .expect("profile set");
    pool.close().await;
    // Phones are told where to send texts.
    assert_eq!(
        session_of(&app.base, REPORTER).await.sms_number.as_deref(),
        Some("106 5550 1234")
    );

    let report = grave_first();
    // Made by the app of the reporter's phone, logged in (`app.token`).
    let text = sms::encode_sealed(&report, REPORTER, &app.seal_key()).expect("sendable");
    let mine = Some("+86 13800138000");
    for token in [None, Some("wrong-secret-0123456789abcdef0123456789")] {
        let (status, _) = api_error(app.forward(token, mine, &text).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // A session is not the gateway's secret.
    let (status, _) = api_error(app.forward(Some(&app.token), mine, &text).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, fields, _) = refusal(app.forward(Some(GATEWAY_TOKEN), None, &text).await).await;
    assert_eq!(
        (status, fields[0].0.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "from")
    );

    // Not sealed by a session of the reporter, even from her own number (a
    // sender's number can be forged): refused, logged, nothing stored.
    let other = session_of(&app.base, ADMIN).await;
    let logged_out = session_of(&app.base, REPORTER).await;
    let res = authorized(&logged_out.token)
        .delete(app.url(kuaibao_core::wire::protocol::SESSION_PATH))
        .send()
        .await
        .expect("DELETE /api/session");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let forgeries = [
        ("unsealed", sms::encode(&report, REPORTER).expect("sendable")),
        (
            "sealed by another account's session",
            sms::encode_sealed(&report, REPORTER, &key_of(&other)).expect("sendable"),
        ),
        (
            "sealed by a session that logged out",
            sms::encode_sealed(&report, REPORTER, &key_of(&logged_out)).expect("sendable"),
        ),
        // What a copy of the database (a backup) holds of her session:
        // before the seal secret, that was her seal key.
        (
            "sealed with the token's SHA-256 the database keeps",
            sms::encode_sealed(&report, REPORTER, &SmsKey::of_token(&app.token)).expect("sendable"),
        ),
    ];
    for (what, forged) in &forgeries {
        let (status, fields, zh) = refusal(app.forward(Some(GATEWAY_TOKEN), mine, forged).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        assert_eq!(fields, vec![("text".to_owned(), ErrorCode::NotPermitted)], "{what}");
        assert!(zh.contains("值班台") && zh.contains("验证码"), "{what}: {zh}");
    }
    assert!(!stored(&dirs, report.id).await, "nothing stored");
    assert_eq!(
        audited(
            &dirs,
            kuaibao_server::db::reports::REFUSE_ACTION,
            &report.id.to_string()
        )
        .await
        .len(),
        forgeries.len(),
        "each refusal is in the audit log"
    );

    // Sealed: taken, even from a number the account does not list (her
    // second SIM); the number and the seal are in the audit log.
    let by_sms = receipt(
        app.forward(Some(GATEWAY_TOKEN), Some("13900000000"), &text).await,
        StatusCode::CREATED,
    )
    .await;
    assert!(by_sms.via_sms && by_sms.sms_sealed);
    let entries = audited(&dirs, "report.store", &report.id.to_string()).await;
    assert_eq!(entries[0].device_id.as_deref(), Some("sms-gateway"));
    let detail: serde_json::Value = serde_json::from_str(&entries[0].detail).expect("JSON");
    assert_eq!(
        (&detail["sms"]["from"], &detail["sms"]["sealed"]),
        (&serde_json::json!("13900000000"), &serde_json::json!(true))
    );
    assert_eq!(receipt(app.submit(&report).await, StatusCode::CREATED).await, by_sms);
    app.stop().await;
}

#[tokio::test]
async fn without_a_gateway_no_request_is_the_gateways() {
    let (app, dirs) = spawn_app().await;
    let report = grave_first();
    let text = sms::encode(&report, REPORTER).expect("sendable");
    let (status, error) = api_error(app.forward(Some(GATEWAY_TOKEN), Some(REPORTER_PHONE), &text).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error.message.contains("未启用短信网关"), "{}", error.message);
    assert!(!stored(&dirs, report.id).await, "nothing stored");
    app.stop().await;
}

/// Before, a phone sealed its texts with its token's SHA-256, which the
/// database keeps: a copy of it (a backup) could seal a text for the
/// gateway as any account with a recent session. Now the key handed with
/// the session is derived under a secret kept outside the database: the
/// data dir's file, made at the first start (the server's user alone
/// reads it) and kept across restarts, or `KUAIBAO_SMS_SEAL_SECRET`. A
/// session from before seals as it did, until it ends.
#[tokio::test]
async fn texts_are_sealed_with_a_key_derived_under_a_secret_kept_outside_the_database() {
    let gateway = |c: &mut Config| c.sms_gateway_token = Some(GATEWAY_TOKEN.to_owned());
    let dirs = dirs();
    let app = start_with(&dirs, gateway).await;
    let file = dirs.data.path().join(kuaibao_server::http::sms::SEAL_SECRET_FILE);
    let secret = std::fs::read_to_string(&file).expect("made at the first start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("its metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the server's user alone reads it");
    }
    let digest = SmsKey::of_token(&app.token);
    assert_eq!(app.seal_key(), SmsKey::derived(secret.trim().as_bytes(), &digest));
    let pool = dirs.pool().await;
    let kept: String = sqlx::query_scalar("SELECT token_sha256 FROM sessions WHERE token_sha256 = $1")
        .bind(digest.to_hex())
        .fetch_one(&pool)
        .await
        .expect("her session");
    assert_ne!(kept, app.seal_key().to_hex(), "the database does not hold the key");
    pool.close().await;

    // A restart reads the same secret: her phone's seal still holds.
    let key = app.seal_key();
    app.stop().await;
    let app = start_with(&dirs, gateway).await;
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), secret);
    let first = grave_first();
    let text = sms::encode_sealed(&first, REPORTER, &key).expect("sendable");
    let by_sms = receipt(
        app.forward(Some(GATEWAY_TOKEN), Some(REPORTER_PHONE), &text).await,
        StatusCode::CREATED,
    )
    .await;
    assert!(by_sms.sms_sealed);

    // A session from before the secret: its token's SHA-256 seals, until
    // it ends.
    let pool = dirs.pool().await;
    sqlx::query("UPDATE sessions SET seal_version = 1 WHERE token_sha256 = $1")
        .bind(SmsKey::of_token(&app.token).to_hex())
        .execute(&pool)
        .await
        .expect("as before the secret");
    pool.close().await;
    let older = graded(Grade::III, 1);
    let text = sms::encode_sealed(&older, REPORTER, &SmsKey::of_token(&app.token)).expect("sendable");
    assert!(
        receipt(
            app.forward(Some(GATEWAY_TOKEN), Some(REPORTER_PHONE), &text).await,
            StatusCode::CREATED
        )
        .await
        .sms_sealed
    );
    app.stop().await;

    // Set in the settings: that secret, and no file made.
    let dirs = super::dirs();
    let set = "a-seal-secret-set-by-the-operator-0123456789";
    let app = start_with(&dirs, |c| {
        gateway(c);
        c.sms_seal_secret = Some(set.to_owned());
    })
    .await;
    assert_eq!(
        app.seal_key(),
        SmsKey::derived(set.as_bytes(), &SmsKey::of_token(&app.token))
    );
    assert!(!dirs
        .data
        .path()
        .join(kuaibao_server::http::sms::SEAL_SECRET_FILE)
        .exists());
    app.stop().await;
}

/// A text is held to the grade rule a new record of the app's is: a
/// work-safety accident graded below its figures is 422 naming `grade`,
/// nothing stored.
#[tokio::test]
async fn a_text_of_a_work_safety_accident_graded_below_its_figures_is_refused() {
    let (app, dirs) = spawn_app().await;
    let officer = user_in(&dirs, &app, "officer-t1", Role::Officer, "d-t1").await;
    let report = fire_graded(Grade::IV);
    let text = sms::encode_sealed(&report, REPORTER, &app.seal_key()).expect("sendable");
    let (status, fields, _) = refusal(app.paste(&officer, &text).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, vec![("grade".to_owned(), ErrorCode::GradeMismatch)]);
    assert!(!stored(&dirs, report.id).await, "nothing stored");
    app.stop().await;
}
