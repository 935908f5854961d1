//! Any bytes as a submitted report, as the server receives them.
//!
//! When they decode as a [`Report`], the validator must judge it without
//! panicking, and the report's canonical JSON must decode to the same report
//! and encode to the same text again, and be judged the same: what the server
//! stores and sends back is what the phone sent.

#![no_main]

use kuaibao_core::validate;
use kuaibao_core::Report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = serde_json::from_slice::<Report>(data) else {
        return;
    };
    // Accepted or refused, but never a panic.
    let verdict = validate(&report).map(|t| (t.id, t.version));

    let text = serde_json::to_string(&report).expect("a decoded report encodes");
    let again: Report = serde_json::from_str(&text).expect("the canonical text decodes");
    assert_eq!(again, report, "the canonical text decodes to another report: {text}");
    let verdict_again = validate(&again).map(|t| (t.id, t.version));
    assert_eq!(
        verdict_again, verdict,
        "the canonical text is judged differently: {text}"
    );
    let text_again = serde_json::to_string(&again).expect("a decoded report encodes");
    assert_eq!(text_again, text, "encoding is not stable");
});
