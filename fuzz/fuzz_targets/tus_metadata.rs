//! Any text as a tus `Upload-Metadata` header, read by the server with
//! `kuaibao_core::photo::tus::parse_metadata`.
//!
//! Accepted or refused, but never a panic. What it accepts must be pairs as
//! tus defines them (a key neither empty nor holding a space or a comma),
//! and those pairs written back as a header, `key base64value` joined by
//! commas, must read back as the same pairs: in the tightest form (a key
//! alone for an empty value) and in a loose one (spaces around the pairs,
//! `key ` with a space for an empty value).

#![no_main]

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use kuaibao_core::photo::tus::parse_metadata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pairs) = parse_metadata(text) else {
        return;
    };
    for key in pairs.keys() {
        assert!(
            !key.is_empty() && !key.contains([' ', ',']),
            "{text:?}: key {key:?} is not a tus key"
        );
    }
    for (form, header) in [("tight", write(&pairs, ",", "")), ("loose", write(&pairs, " , ", " "))] {
        let again = parse_metadata(&header);
        assert_eq!(
            again.as_ref(),
            Ok(&pairs),
            "{text:?} read as {pairs:?}, written back ({form}) as {header:?}"
        );
    }
});

/// The header for `pairs`: joined by `separator`, an empty value written as
/// the key and `empty`.
fn write(pairs: &BTreeMap<String, String>, separator: &str, empty: &str) -> String {
    pairs
        .iter()
        .map(|(key, value)| {
            if value.is_empty() {
                format!("{key}{empty}")
            } else {
                format!("{key} {}", BASE64.encode(value))
            }
        })
        .collect::<Vec<_>>()
        .join(separator)
}
