//! The login on the phone: kept in the store across reopenings and schema
//! upgrades, judged by the (server's) clock, and put into words.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use kuaibao::platform;
use kuaibao::session::api::{judge_login, LoginError};
use kuaibao::session::{describe_offset, prompt, server_now_ms, standing, Standing};
use kuaibao::store::{ClockReading, Status, Store, StoredSession, LANG_KEY, META, REPORTS};
use kuaibao::sync::clock;
use kuaibao_core::Lang;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{fresh_store, report, session, waiting, DAY_MS};

fn stored(ends_in_ms: i64) -> StoredSession {
    StoredSession {
        session: session("li", "t-li", ends_in_ms),
        refused_ms: None,
    }
}

#[wasm_bindgen_test]
async fn a_session_is_saved_loaded_and_cleared_and_the_rest_stays() {
    let store = fresh_store().await;
    assert_eq!(store.session().await.expect("read"), None);
    let draft = report(Status::Draft);
    store.put(&draft).await.expect("put");
    let device = store.device_id().await.expect("device id");

    let s = session("li", "t-li", DAY_MS);
    store.save_session(&s).await.expect("save");
    assert_eq!(store.session().await.expect("read"), Some(stored_of(&s)));
    assert_eq!(store.last_username().await.expect("read").as_deref(), Some("li"));

    store.clear_session().await.expect("log out");
    assert_eq!(store.session().await.expect("read"), None);
    assert_eq!(
        store.last_username().await.expect("read").as_deref(),
        Some("li"),
        "kept to pre-fill the form"
    );
    assert_eq!(
        store.device_id().await.expect("device id"),
        device,
        "the device keeps its id"
    );
    assert_eq!(
        store.all().await.expect("all"),
        vec![draft],
        "logging out deletes no record"
    );
}

fn stored_of(s: &kuaibao_core::account::Session) -> StoredSession {
    StoredSession {
        session: s.clone(),
        refused_ms: None,
    }
}

#[wasm_bindgen_test]
async fn the_session_device_id_and_clock_survive_reopening() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let s = session("li", "t-li", DAY_MS);
    let reading = ClockReading {
        offset_ms: -4_000,
        measured_ms: platform::now_ms(),
    };
    let device = {
        let store = Store::open_named(&name).await.expect("open");
        store.save_session(&s).await.expect("save");
        store.set_clock(&reading).await.expect("clock");
        store.device_id().await.expect("device id")
    };
    assert!(kuaibao_core::account::is_device_id(&device), "{device} is a UUID");
    let reopened = Store::open_named(&name).await.expect("reopen");
    assert_eq!(reopened.session().await.expect("read"), Some(stored_of(&s)));
    assert_eq!(reopened.clock().await.expect("read"), Some(reading));
    assert_eq!(reopened.device_id().await.expect("device id"), device);
}

#[wasm_bindgen_test]
async fn an_unreadable_session_reads_as_logged_out() {
    let store = fresh_store().await;
    store
        .set_meta(kuaibao::store::SESSION_KEY, "{\"token\": 42}")
        .await
        .expect("write junk");
    assert_eq!(store.session().await.expect("read"), None);
}

#[wasm_bindgen_test]
async fn a_refused_session_stays_refused_until_the_next_login() {
    let store = fresh_store().await;
    store.save_session(&session("li", "t-li", DAY_MS)).await.expect("save");
    assert!(store.refuse_session("t-li", 1_000.0).await.expect("refuse"));
    let refused = store.session().await.expect("read").expect("kept");
    assert_eq!(refused.refused_ms, Some(1_000.0));
    assert_eq!(standing(Some(&refused), platform::now_ms()), Standing::Refused);
    store.save_session(&session("li", "t-2", DAY_MS)).await.expect("login");
    let fresh = store.session().await.expect("read").expect("kept");
    assert_eq!(standing(Some(&fresh), platform::now_ms()), Standing::Active);
}

/// A database as the first version of the app left it (schema v1, records
/// written before photos and accounts), opened by this version.
#[wasm_bindgen_test]
async fn a_schema_upgrade_keeps_every_record() {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    let old = report(waiting(0.0));
    let mut json = serde_json::to_value(&old).expect("json");
    let fields = json.as_object_mut().expect("an object");
    for added_later in ["photos", "author", "clock_offset_ms"] {
        fields.remove(added_later);
    }
    {
        let db = Database::open(name.as_str())
            .with_version(1u32)
            .with_on_upgrade_needed(|_, db| {
                db.create_object_store(REPORTS).with_key_path("id".into()).build()?;
                db.create_object_store(META).build()?;
                Ok(())
            })
            .await
            .expect("open v1");
        let tx = db
            .transaction([REPORTS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .expect("tx");
        tx.object_store(REPORTS)
            .expect("reports")
            .put(json)
            .serde()
            .expect("put")
            .await
            .expect("put done");
        tx.object_store(META)
            .expect("meta")
            .put("en")
            .with_key(LANG_KEY)
            .primitive()
            .expect("put")
            .await
            .expect("put done");
        tx.commit().await.expect("commit");
        db.close();
    }
    let store = Store::open_named(&name).await.expect("upgrade");
    assert_eq!(store.all().await.expect("all"), vec![old]);
    assert_eq!(store.meta(LANG_KEY).await.expect("meta").as_deref(), Some("en"));
    assert_eq!(store.photos().await.expect("photos"), vec![], "the photo stores exist");
    assert_eq!(store.session().await.expect("session"), None, "not logged in yet");
    store
        .save_session(&session("li", "t", DAY_MS))
        .await
        .expect("a login fits the upgraded schema");
}

#[wasm_bindgen_test]
fn standing_follows_the_session_and_the_servers_clock() {
    let now = platform::now_ms();
    assert_eq!(standing(None, now), Standing::LoggedOut);
    assert_eq!(standing(Some(&stored(DAY_MS)), now), Standing::Active);
    // Ended a minute ago: `stored` reads the clock again after `now`, so a
    // session ended 1 ms before its own reading may not have ended at `now`.
    assert_eq!(standing(Some(&stored(-60_000)), now), Standing::Expired);
    // An hour left by the phone's clock, but the phone is two hours slow.
    let slow = ClockReading {
        offset_ms: 7_200_000,
        measured_ms: now,
    };
    let server_now = server_now_ms(now, Some(&slow));
    assert_eq!(standing(Some(&stored(3_600_000)), server_now), Standing::Expired);
    assert!(Standing::Expired.needs_login() && Standing::Refused.needs_login());
    assert!(!Standing::Active.needs_login());
}

#[wasm_bindgen_test]
fn the_prompt_counts_what_waits() {
    assert_eq!(
        prompt(Standing::Expired, 3, Lang::Zh),
        "登录已过期，3 条记录已保存，登录后自动发送。可以继续填报，报告先存在本机。"
    );
    assert_eq!(
        prompt(Standing::Refused, 0, Lang::Zh),
        "登录已失效。可以继续填报，报告先存在本机。"
    );
    assert!(prompt(Standing::Expired, 1, Lang::En).contains("1 record saved"));
}

#[wasm_bindgen_test]
fn only_a_large_clock_offset_is_worth_a_word() {
    assert_eq!(describe_offset(119_000, Lang::Zh), None);
    assert_eq!(
        describe_offset(7_200_000, Lang::Zh).as_deref(),
        Some("手机时间比服务器慢 120 分钟")
    );
    assert_eq!(
        describe_offset(-300_000, Lang::Zh).as_deref(),
        Some("手机时间比服务器快 5 分钟")
    );
    assert!(describe_offset(7_200_000, Lang::En).is_some_and(|t| t.contains("120 min behind")));
}

#[wasm_bindgen_test]
fn each_login_answer_lands_at_its_field() {
    let s = session("li", "t-li", DAY_MS);
    let body = serde_json::to_string(&s).expect("json");
    assert_eq!(judge_login(201, &body), Ok(s));

    let wrong = judge_login(401, r#"{"error":"unauthorized","message":"x"}"#).expect_err("401");
    assert_eq!(wrong, LoginError::WrongCredentials);
    assert_eq!(wrong.at("password", Lang::Zh).as_deref(), Some("用户名或密码不正确"));
    assert_eq!(wrong.at("username", Lang::Zh), None);

    let fields = judge_login(
        422,
        r#"{"error":"bad_request","message":"x","fields":[{"field":"username","code":"required","message_zh":"请填写用户名","message_en":"Enter your username"}]}"#,
    )
    .expect_err("422");
    assert_eq!(fields.at("username", Lang::En).as_deref(), Some("Enter your username"));
    assert_eq!(fields.general(Lang::Zh), None);

    assert_eq!(judge_login(429, ""), Err(LoginError::TooMany));
    // The worker is told what to do, never a status number or a parser's
    // words.
    let busy = judge_login(503, "").expect_err("503");
    assert!(matches!(busy, LoginError::Unavailable(_)));
    assert_eq!(
        busy.general(Lang::Zh).as_deref(),
        Some("服务器暂时无法登录，请稍后再试；已保存的报告不会丢失。")
    );
    let portal = judge_login(201, "<html>").expect_err("a Wi-Fi login page");
    assert_eq!(portal, LoginError::NotTheServer);
    assert!(portal.general(Lang::Zh).is_some_and(|t| t.contains("公共 Wi-Fi")));
    assert_eq!(judge_login(403, "<html>blocked</html>"), Err(LoginError::NotTheServer));
    // A disabled account's right password: what to do instead of retyping.
    let disabled = judge_login(403, r#"{"error":"forbidden","message":"此账号已停用"}"#).expect_err("403");
    assert_eq!(disabled, LoginError::Disabled);
    assert_eq!(disabled.at("password", Lang::Zh), None);
    assert!(disabled
        .general(Lang::Zh)
        .is_some_and(|t| t.starts_with("此账号已停用") && t.contains("打电话向值班室报告")));
    assert!(LoginError::Unreachable
        .general(Lang::Zh)
        .is_some_and(|t| t.starts_with("连不上服务器") && t.contains("再点「登录」")));
    assert!(LoginError::Offline
        .general(Lang::Zh)
        .is_some_and(|t| t.contains("需要网络")));
}

#[wasm_bindgen_test]
fn the_clock_is_read_from_a_health_answer() {
    let body = r#"{"status":"ok","server_time":"2026-01-01T00:00:05.100Z"}"#;
    let server_ms = 1_767_225_605_100.0;
    let sent = server_ms - 2.0 * 3_600_000.0 - 100.0;
    let told = clock::reading(sent, sent + 200.0, 200, body).expect("an answer");
    let reading = told.clock.expect("a reading");
    assert_eq!(reading.offset_ms, 7_200_000);
    assert_eq!(reading.measured_ms, sent + 200.0);
    assert_eq!(told.restored, None, "never restored");
    // A server restored from a backup says when, and from when.
    let restored_body = r#"{"status":"ok","server_time":"2026-01-01T00:00:05.100Z","restored":{"restored_at":"2026-01-01T00:00:01Z","backup_made_at":"2025-12-31T18:00:00.250Z"}}"#;
    let restored = clock::reading(sent, sent + 200.0, 200, restored_body)
        .and_then(|t| t.restored)
        .expect("the restore");
    assert_eq!(restored.restored_at.timestamp_millis(), 1_767_225_601_000);
    assert_eq!(restored.backup_made_at.timestamp_millis(), 1_767_204_000_250);
    // An older server without its time, an error: nothing told.
    assert_eq!(clock::reading(sent, sent + 200.0, 200, r#"{"status":"ok"}"#), None);
    assert_eq!(clock::reading(sent, sent + 200.0, 503, body), None);
    // A round trip too slow to measure by: no reading, but the restore is
    // still heard (what it lost must go again, however slow the link).
    let slow = clock::reading(sent, sent + 15_000.0, 200, restored_body).expect("an answer");
    assert_eq!(slow.clock, None);
    assert_eq!(slow.restored, Some(restored));
}

/// The phone says its browser may clear what it holds only in a tab, and
/// in Safari's whether persistent or not.
#[wasm_bindgen_test]
fn the_phone_knows_when_its_browser_may_clear_what_it_holds() {
    use kuaibao::pwa::storage::StorageInfo;
    let tab = |persisted, safari_tab| StorageInfo {
        persisted,
        in_a_tab: true,
        safari_tab,
        ..StorageInfo::default()
    };
    assert!(tab(None, false).may_clear(), "the browser does not say");
    assert!(tab(Some(false), false).may_clear());
    assert!(!tab(Some(true), false).may_clear(), "persistent: not cleared for space");
    assert!(
        tab(Some(true), true).may_clear(),
        "Safari's seven days, persistent or not"
    );
    let home_screen = StorageInfo {
        in_a_tab: false,
        ..tab(None, true)
    };
    assert!(!home_screen.may_clear(), "opened from the home screen");
}

/// A record goes out under its author's account only; one from before
/// accounts under whoever is logged in; one the office filed in her
/// thread (read from the server) under nobody's.
#[wasm_bindgen_test]
fn a_record_goes_out_under_its_author_and_the_office_s_under_nobody() {
    use kuaibao::session::{may_send, Auth};
    use kuaibao::store::Author;
    let li = Auth {
        token: "t-li".into(),
        account_id: "li".into(),
    };
    let mut record = crate::report(crate::waiting(0.0));
    record.author = Some(Author {
        account_id: "li".into(),
        username: "lixiuying".into(),
    });
    assert!(may_send(&record, &li));
    record.author.as_mut().expect("author").account_id = "wang".into();
    assert!(!may_send(&record, &li));
    record.author = None;
    assert!(may_send(&record, &li), "from before accounts");
    record.by_office = Some("新河区值班室".into());
    assert!(!may_send(&record, &li), "the office's");
}
