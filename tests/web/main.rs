//! Browser tests, run by wasm-bindgen-test in headless Chromium: the phone's
//! store and outbox against a real IndexedDB.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

mod catalogue;
mod outbox;
mod store;
mod uploads;

use kuaibao::platform;
use kuaibao::store::{LocalReport, Status, Store};
use kuaibao_core::catalogue::GENERAL_INCIDENT;

/// A fresh database per test, so tests never see each other's records.
pub async fn fresh_store() -> Store {
    let name = format!("kuaibao-test-{}", platform::new_report_id());
    Store::open_named(&name).await.expect("open a fresh test database")
}

/// A report filled in as a worker would, in the given state.
pub fn report(status: Status) -> LocalReport {
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
