//! Any bytes as the body of `POST /api/session`.
//!
//! When they decode as a [`LoginRequest`], `check` must name its errors
//! without panicking, only ever for the three fields, and the request must
//! survive its canonical JSON unchanged.

#![no_main]

use kuaibao_core::account::LoginRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(login) = serde_json::from_slice::<LoginRequest>(data) else {
        return;
    };
    for error in login.check() {
        assert!(
            ["username", "password", "device_id"].contains(&error.field.as_str()),
            "an error for an unknown field: {error:?}"
        );
    }

    let text = serde_json::to_string(&login).expect("a decoded login encodes");
    let again: LoginRequest = serde_json::from_str(&text).expect("the canonical text decodes");
    assert_eq!(again, login);
    assert_eq!(serde_json::to_string(&again).expect("encodes"), text);
});
