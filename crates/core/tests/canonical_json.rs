//! A report's canonical JSON decodes to the same report and encodes to the
//! same text again, even for numbers the fast float parser gets one bit
//! wrong: the server hashes that text to tell a replay from a clash.

use kuaibao_core::Report;

/// Found by `cargo xtask fuzz` (target `report`): a longitude with 26
/// digits. Without serde_json's `float_roundtrip`, its re-encoded text
/// decoded to a neighbouring float.
const FUZZ_FOUND: &str = r#"{"id":"01a20621-ad00-7b42-8000-000000000001","stage":{"kind":"initial"},"template_id":"hazard","template_version":2,"answers":{"description":"现弚","responsible_phone":"13800001234","theme":"drowning"},"written_at":"2026-11-23T10:00:00+08:00","grade":{"suggested":"IV","chosen":"III","reason":"群众反映强烈"},"photos":[{"id":"01a20621-ad00-7048-8000-000000000000","blank":"photos","sha256":"0000000000000000000000000000000000000000000000000000000000000001","size":420000,"mime":"image/jpeg","taken_at":"2026-11-23T09:41:00","lat":30.6586,"lon":14444444444444444444404.0648}],"clock_offset_ms":-1250}"#;

fn assert_canonical_is_stable(input: &str) {
    let report: Report = serde_json::from_str(input).expect("the input decodes");
    let text = serde_json::to_string(&report).expect("a report encodes");
    let again: Report = serde_json::from_str(&text).expect("the canonical text decodes");
    assert_eq!(again, report, "the canonical text decodes to another report: {text}");
    assert_eq!(serde_json::to_string(&again).expect("a report encodes"), text);
}

#[test]
fn the_fuzz_found_longitude_round_trips() {
    assert_canonical_is_stable(FUZZ_FOUND);
}

#[test]
fn long_and_extreme_coordinates_round_trip() {
    // Numbers a client may send: many digits, exponents, subnormals, and
    // ones at the edge of what a double holds.
    for number in [
        "30.658600000000000000000000001",
        "104.06479999999999999999999999",
        "1.7976931348623157e308",
        "4.9e-324",
        "2.2250738585072011e-308",
        "9007199254740993",
        "0.1000000000000000055511151231257827",
        "123456789012345678901234567890.123456789",
    ] {
        let input = FUZZ_FOUND.replace("14444444444444444444404.0648", number);
        assert_canonical_is_stable(&input);
    }
}
