//! The few facts the app takes from the browser directly: the clock,
//! randomness and number formatting. Kept in one place so the rest reads as
//! plain logic.

use chrono::{DateTime, FixedOffset};
use kuaibao_core::{PhotoId, ReportId, ThreadKey};

/// Milliseconds since the Unix epoch, by the phone's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The phone's local time with its zone offset, as written on a record.
pub fn now_local() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset()
}

/// Whether the browser believes it has a network. `false` is reliable (no
/// signal at all); `true` may still mean a captive portal or a dead link.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// `x` with `digits` decimals (`12.346` for `fixed(12.3456, 3)`), by the
/// browser's `Number.prototype.toFixed`: Rust's own fixed-precision float
/// formatting would add its tables and algorithms to the download.
pub fn fixed(x: f64, digits: u8) -> String {
    // toFixed accepts 0..=100 digits, so only a wrong call could fail.
    js_sys::Number::from(x)
        .to_fixed(digits)
        .map(String::from)
        .unwrap_or_default()
}

/// What a thrown JS value says, for a message to the user or the console:
/// an Error's (or DOMException's) `name: message`, a thrown string as it is,
/// anything else as its JSON. (Debug output is compiled out of the release
/// wasm, see `RELEASE_WASM_RUSTFLAGS` in xtask, so `{:?}` of a JsValue would
/// print nothing.)
pub fn js_error(e: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(s) = e.as_string() {
        return s;
    }
    let field = |name: &str| js_sys::Reflect::get(e, &name.into()).ok().and_then(|v| v.as_string());
    let message = field("message");
    if message.is_some() || e.is_instance_of::<js_sys::Error>() {
        let message = message.unwrap_or_default();
        return match field("name") {
            Some(name) if !name.is_empty() => format!("{name}: {message}"),
            _ => message,
        };
    }
    js_sys::JSON::stringify(e)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// A uniform random number in `[0, 1)`, for backoff jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// A new UUIDv7 for a record made on this phone: the time from the clock,
/// the rest from the browser's cryptographic random source.
pub fn new_report_id() -> ReportId {
    ReportId::from_parts(now_ms() as u64, random_bytes())
}

/// A new thread: its key, and the id of its first record made from it
/// now (`kuaibao_core::ThreadKey`).
pub fn new_thread() -> (ReportId, ThreadKey) {
    let key = ThreadKey::from_random(random_bytes());
    (key.first_id(now_ms() as u64), key)
}

/// A new UUIDv7 for a photo taken on this phone.
pub fn new_photo_id() -> PhotoId {
    PhotoId::from_parts(now_ms() as u64, random_bytes())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut random = [0u8; N];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut random).ok())
        .is_some();
    if !filled {
        // No Web Crypto (very old web views): Math.random is weaker, but the
        // millisecond time keeps ids of one phone apart anyway.
        for b in random.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    random
}
