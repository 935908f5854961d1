//! Browser tests, run by wasm-bindgen-test in headless Chromium: the phone's
//! store and outbox against a real IndexedDB.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

mod catalogue;
mod crash;
mod deadlines;
mod first_page;
mod outbox;
mod picked;
mod platform_text;
mod prune;
mod recovered;
mod restore;
mod session;
mod store;
mod threads;
mod uploads;
mod upward;

use kuaibao::platform;
use kuaibao::store::{LocalPhoto, LocalReport, Status, Store, Upload};
use kuaibao_core::account::{Account, AreaLevel, AreaRef, Role, Session};
use kuaibao_core::rules::catalogue::GENERAL_INCIDENT;
use kuaibao_core::ReportId;

/// A fresh database per test, so tests never see each other's records.
pub async fn fresh_store() -> Store {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    Store::open_named(&name).await.expect("open a fresh test database")
}

/// A fresh database with a user logged in (`li`, token `t-li`) for a day.
pub async fn logged_in_store() -> Store {
    let store = fresh_store().await;
    store
        .save_session(&session("li", "t-li", DAY_MS))
        .await
        .expect("save session");
    store
}

pub const DAY_MS: i64 = 86_400_000;

/// A session of `username` (account id `acc-{username}`) with `token`,
/// ending `ends_in_ms` from now by the phone's clock.
pub fn session(username: &str, token: &str, ends_in_ms: i64) -> Session {
    let now = platform::now_ms() as i64;
    Session {
        token: token.into(),
        account: Account {
            id: format!("acc-{username}"),
            username: username.into(),
            display_name: "李秀英".into(),
            role: Role::Reporter,
            area: AreaRef {
                id: "qs-3".into(),
                name: "青石村三组".into(),
                level: AreaLevel::Grid,
            },
            phone: "13800001234".into(),
            unit: "青石村村民委员会".into(),
            post: String::new(),
        },
        duty_phone: None,
        sms_number: None,
        keep_days: None,
        sms_key: None,
        expires_at: chrono::DateTime::from_timestamp_millis(now + ends_in_ms).expect("a time"),
    }
}

/// A report filled in as a worker would, in the given state.
pub fn report(status: Status) -> LocalReport {
    // Keyless, as a first record made before thread keys: tests derive
    // later records from it (a key on those would be refused).
    let mut r = LocalReport::new_draft(platform::new_report_id(), &GENERAL_INCIDENT, platform::now_ms());
    for (k, v) in [
        ("occurred_at", "2026-11-23T09:41"),
        ("place", "青石村三组后山"),
        ("category", "natural_disaster"),
        ("what_happened", "山体滑坡"),
        ("dead", "0"),
        ("injured", "2"),
        ("missing", "1"),
        ("reporter", "李秀英"),
        ("phone", "13800001234"),
    ] {
        r.answers.insert(k.into(), v.into());
    }
    r.status = status;
    r
}

pub fn waiting(next_try_ms: f64) -> Status {
    Status::Waiting {
        written_at: platform::now_local(),
        attempts: 0,
        next_try_ms,
        last_error: None,
    }
}

/// A photo record of `size` bytes belonging to `report`, not yet sent.
pub fn photo_record(report: ReportId, size: u64) -> LocalPhoto {
    LocalPhoto {
        id: platform::new_photo_id(),
        report_id: report,
        blank: "photos".into(),
        sha256: "0".repeat(64),
        size,
        mime: "image/jpeg".into(),
        taken_at: None,
        lat: None,
        lon: None,
        created_ms: 0.0,
        upload: Upload::fresh(),
    }
}

/// A stored photo of `size` bytes belonging to `report`.
pub async fn stored_photo(store: &Store, report: ReportId, size: usize) -> LocalPhoto {
    let bytes = js_sys::Uint8Array::from(vec![0xAB_u8; size].as_slice());
    let parts = js_sys::Array::of1(&bytes);
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).expect("blob");
    let record = photo_record(report, size as u64);
    store.add_photo(&record, &blob, &blob).await.expect("add photo");
    record
}

/// A delivered record as the server's receipt `seq` left it.
pub fn delivered(seq: i64) -> Status {
    Status::Delivered {
        written_at: platform::now_local(),
        receipt: kuaibao_core::wire::protocol::Receipt {
            id: platform::new_report_id(),
            seq,
            received_at: chrono::Utc::now(),
            clock_offset_ms: None,
            via_sms: false,
            sms_sealed: false,
            seal: None,
        },
    }
}
