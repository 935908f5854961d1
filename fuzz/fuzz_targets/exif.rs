//! Any bytes as the head of a photo, read by the phone's EXIF reader
//! (`kuaibao_core::photo::exif::read`) before it re-encodes the photo.
//!
//! Never a panic, and only believable facts, as `ExifFacts` documents them:
//!
//! - a position is both coordinates or neither, never (0, 0), finite and
//!   within ±90° and ±180°, rounded to seven decimals, never -0.0, and
//!   written by serde_json as the phone writes it, it reads back as the
//!   very same double through the phone's JSON reader (`kuaibao_core::wire::json`,
//!   the short float parser);
//! - an orientation is 1 to 8;
//! - a time has a four-digit year.
//!
//! And a file cut short gives what it can read of the whole: each of the
//! orientation and the position the same or none, and no time where the
//! whole file has none.

#![no_main]

use chrono::Datelike;
use kuaibao_core::photo::exif::{read, to_centimetres, ExifFacts};
use kuaibao_core::wire::json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let facts = read(data);
    check(&facts);

    // Cuts at a quarter, a half, three quarters, and one byte short.
    let len = data.len();
    for cut in [len / 4, len / 2, len / 4 * 3, len.saturating_sub(1)] {
        let head = read(&data[..cut]);
        check(&head);
        assert!(
            head.orientation.is_none() || head.orientation == facts.orientation,
            "cut at {cut}: {head:?}, whole: {facts:?}"
        );
        assert!(
            head.lat.is_none() || (head.lat, head.lon) == (facts.lat, facts.lon),
            "cut at {cut}: {head:?}, whole: {facts:?}"
        );
        assert!(
            head.taken_at.is_none() || facts.taken_at.is_some(),
            "cut at {cut}: {head:?}, whole: {facts:?}"
        );
    }
});

/// The facts as `ExifFacts` documents them. (The input is in the crash
/// file libFuzzer keeps; as text it would only bury the message.)
fn check(facts: &ExifFacts) {
    assert_eq!(facts.lat.is_some(), facts.lon.is_some(), "half a position: {facts:?}");
    if let (Some(lat), Some(lon)) = (facts.lat, facts.lon) {
        assert!(lat != 0.0 || lon != 0.0, "(0, 0) is no fix: {facts:?}");
        for (value, max) in [(lat, 90.0), (lon, 180.0)] {
            assert!(value.is_finite() && value.abs() <= max, "out of range: {facts:?}");
            assert_eq!(
                to_centimetres(value).to_bits(),
                value.to_bits(),
                "not rounded to seven decimals (or -0.0): {facts:?}"
            );
            let text = serde_json::to_string(&value).expect("a finite number encodes");
            let back: Result<f64, _> = json::from_str(&text);
            assert_eq!(
                back.as_ref().map(|b| b.to_bits()),
                Ok(value.to_bits()),
                "{value} written as {text} reads back as {back:?}"
            );
        }
    }
    if let Some(o) = facts.orientation {
        assert!((1..=8).contains(&o), "orientation {o}");
    }
    if let Some(t) = facts.taken_at {
        assert!((0..=9999).contains(&t.year()), "{t}");
    }
}
