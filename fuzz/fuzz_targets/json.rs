//! Any bytes as JSON text, read by the phone's reader
//! (`kuaibao_core::wire::json`) and by serde_json: they must agree.
//!
//! - As any JSON value: the same value, or both an error.
//! - As a report: where serde_json reads one, the phone's reader reads the
//!   same report, unless serde_json took a struct written as an array,
//!   which the phone's reader refuses on purpose.
//!
//! Numbers are where the two may differ, as documented in the reader: a
//! number beyond fifteen significant digits or a decimal exponent of ±22
//! reads to within a few units in the last place rather than exactly (here
//! serde_json has `float_roundtrip`, as on the server). Whether a number is
//! out of range both decide exactly.

#![no_main]

use kuaibao_core::wire::json;
use kuaibao_core::Report;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match (json::from_str::<Value>(text), serde_json::from_str::<Value>(text)) {
        (Ok(ours), Ok(theirs)) => assert!(same(&ours, &theirs), "{text:?}: {ours} vs {theirs}"),
        (Err(_), Err(_)) => {}
        (ours, theirs) => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
    if let Ok(theirs) = serde_json::from_str::<Report>(text) {
        match json::from_str::<Report>(text) {
            Ok(ours) => {
                let (a, b) = (serde_json::to_value(&ours), serde_json::to_value(&theirs));
                let (Ok(a), Ok(b)) = (a, b) else {
                    panic!("{text:?}: a report that does not encode");
                };
                assert!(same(&a, &b), "{text:?}: {a} vs {b}");
            }
            Err(e) if e.to_string().contains("invalid type: sequence, expected struct") => {}
            Err(e) => panic!("{text:?}: serde_json reads a report, the phone's reader says {e}"),
        }
    }
});

/// Equal, but for floats within a few units in the last place (or both
/// beneath the normal range).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) else {
                return false;
            };
            let ulps = (x.to_bits() as i64).wrapping_sub(y.to_bits() as i64).unsigned_abs();
            x == y || ulps <= 16 || (x.abs() < 1e-290 && y.abs() < 1e-290)
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
