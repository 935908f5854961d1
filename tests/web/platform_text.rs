//! What the app reads from the browser directly: fixed decimals by
//! `toFixed`, and the text of thrown JS values (the release wasm has no
//! `Debug` output, so this is all an error message has).

use kuaibao::platform::{fixed, js_error};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn fixed_writes_the_decimals_asked_for() {
    assert_eq!(fixed(30.6586123, 6), "30.658612");
    assert_eq!(fixed(-104.0648, 6), "-104.064800");
    assert_eq!(fixed(12.5, 0), "13");
    assert_eq!(fixed(1536.0 / 1024.0, 1), "1.5");
    assert_eq!(fixed(0.0, 1), "0.0");
}

#[wasm_bindgen_test]
fn thrown_values_read_as_text() {
    let type_error: JsValue = js_sys::TypeError::new("Failed to fetch").into();
    assert_eq!(js_error(&type_error), "TypeError: Failed to fetch");
    let dom = web_sys::DomException::new_with_message_and_name("The quota has been exceeded.", "QuotaExceededError")
        .expect("a DOMException");
    assert_eq!(
        js_error(&dom.into()),
        "QuotaExceededError: The quota has been exceeded."
    );
    assert_eq!(js_error(&JsValue::from_str("aborted")), "aborted");
    // A geolocation error is no Error, but has a message.
    let position_error = js_sys::Object::new();
    js_sys::Reflect::set(&position_error, &"code".into(), &JsValue::from(3)).expect("set");
    js_sys::Reflect::set(&position_error, &"message".into(), &"Timeout expired".into()).expect("set");
    assert_eq!(js_error(&position_error.into()), "Timeout expired");
    assert_eq!(js_error(&JsValue::from(42)), "42");
    assert_eq!(js_error(&JsValue::UNDEFINED), "unknown error");
}
