//! Crash records waiting in localStorage: unreadable ones are none, and a
//! send the server does not take (the test server has no API: 404) keeps
//! every record for later.

use kuaibao_core::wire::crash::STORAGE_KEY;
use wasm_bindgen_test::wasm_bindgen_test;

fn storage() -> web_sys::Storage {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
}

#[wasm_bindgen_test]
async fn records_are_kept_until_the_server_takes_them() {
    let s = storage();
    s.remove_item(STORAGE_KEY).expect("remove");
    assert_eq!(kuaibao::crash::pending_count(), 0);
    s.set_item(STORAGE_KEY, "{not json").expect("set");
    assert_eq!(kuaibao::crash::pending_count(), 0);
    let two = r#"[{"id":"0190a5d0-0000-7000-8000-000000000001","build":"dev","page":"/#/","kind":"panic","message":"x","at":"2026-12-05T10:00:00.000Z"},{"id":"0190a5d0-0000-7000-8000-000000000002","build":"dev","page":"/#/","kind":"error","message":"y","at":"2026-12-05T10:00:01.000Z"}]"#;
    s.set_item(STORAGE_KEY, two).expect("set");
    assert_eq!(kuaibao::crash::pending_count(), 2);
    assert_eq!(kuaibao::crash::send_pending("token").await, 0, "nothing taken");
    assert_eq!(s.get_item(STORAGE_KEY).expect("get").as_deref(), Some(two));
    s.remove_item(STORAGE_KEY).expect("remove");
}

#[wasm_bindgen_test]
fn a_build_id_is_always_there() {
    let build = kuaibao::crash::BUILD;
    assert!(!build.is_empty());
    assert!(build
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')));
}
