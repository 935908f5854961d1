//! Photos as evidence. A photo travels apart from the report's text: the
//! text carries a manifest of its photos (id, blank, size, SHA-256), so it
//! reaches the duty office at once and the server knows which photos to
//! await; each photo then follows over a resumable upload (tus 1.0) until the
//! server holds an exact copy.

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize};

use crate::wire::ids::PhotoId;

pub mod exif;
pub mod media;
pub mod tus;

/// The largest photo the server accepts by default. The phone shrinks photos
/// to about 0.5 MB; this cap only stops what never should have been sent.
pub const MAX_PHOTO_BYTES: u64 = 8 * 1024 * 1024;
/// The most photos one record may carry: enough for any scene (the sources
/// ask for three once an emergency response is launched), and a bound on
/// what one report may make the server await and store.
pub const MAX_PHOTOS_PER_REPORT: usize = 20;
/// The phone scales photos to at most this many pixels on the long edge.
pub const MAX_EDGE_PX: u32 = 1600;
/// The phone's default JPEG quality.
pub const JPEG_QUALITY: f64 = 0.8;
/// Thumbnails, for lists and the form.
pub const THUMB_EDGE_PX: u32 = 240;

/// One photo of a report, as the report's text announces it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub id: PhotoId,
    /// The Photos blank it was taken for.
    pub blank: String,
    /// Lowercase hex SHA-256 of the stored (shrunk) bytes: the server
    /// accepts only these exact bytes for this photo.
    pub sha256: String,
    pub size: u64,
    /// `image/jpeg` as the phone makes them; `image/png` and `image/webp`
    /// are accepted from other clients.
    pub mime: String,
    /// When the picture was taken (from its EXIF, camera's local time), if
    /// known: the EXIF itself is dropped from the stored bytes.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "taken_at")]
    #[cfg_attr(
        target_arch = "wasm32",
        serde(serialize_with = "crate::wire::timestamp::write_naive_opt")
    )]
    // No zone, so not an RFC 3339 `date-time`: `2024-05-01T08:30:00`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2024-05-01T08:30:00"))]
    pub taken_at: Option<NaiveDateTime>,
    /// Where it was taken (WGS-84, from its EXIF), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// Reads a `taken_at` as chrono writes it ([`crate::wire::timestamp::parse_naive`]).
pub fn taken_at<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    crate::wire::read::optional_text(
        d,
        crate::wire::timestamp::parse_naive,
        "a date and time such as 2024-05-01T08:30:00",
    )
}

/// The image types accepted, by their first bytes (never by name or by what
/// the client declares).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

/// Whether `s` is a lowercase hex SHA-256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_first_bytes() {
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(
            sniff_image(b"\\x89PNG\\r\\n\\x1a\\n...."),
            None,
            "escaped text is not a PNG"
        );
        assert_eq!(
            sniff_image(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff_image(b"RIFF\\0\\0\\0\\0WEBPVP8 "), None);
        assert_eq!(
            sniff_image(&[b'R', b'I', b'F', b'F', 1, 2, 3, 4, b'W', b'E', b'B', b'P']),
            Some("image/webp")
        );
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"<html>"), None);
        assert_eq!(sniff_image(&[]), None);
    }

    #[test]
    fn taken_at_reads_back_what_chrono_writes() {
        let photo = |taken: &str| {
            format!(
                r#"{{"id":"01a20621-ad00-7048-8000-000000000000","blank":"photos","sha256":"{}","size":1,"mime":"image/jpeg","taken_at":{taken}}}"#,
                "a".repeat(64)
            )
        };
        let day = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).expect("day");
        for t in [
            day.and_hms_opt(8, 30, 0).expect("t"),
            day.and_hms_milli_opt(23, 59, 59, 250).expect("t"),
            day.and_hms_nano_opt(0, 0, 1, 123_456_789).expect("t"),
        ] {
            let text = serde_json::to_string(&t).expect("chrono writes it");
            let read: PhotoRef = serde_json::from_str(&photo(&text)).expect(&text);
            assert_eq!(read.taken_at, Some(t), "{text}");
        }
        let read: PhotoRef = serde_json::from_str(&photo("null")).expect("null");
        assert_eq!(read.taken_at, None);
        for bad in [
            r#""2024-05-01T08:30""#,
            r#""2024-05-01 08:30:00""#,
            r#""2024-05-01T08:30:00.""#,
            r#""2024-05-01T08:30:00.1234567890""#,
            r#""2024-05-01T08:30:00Z""#,
            "1714552200",
        ] {
            assert!(serde_json::from_str::<PhotoRef>(&photo(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn sha256_hex_is_64_lowercase_hex_digits() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex(&"a".repeat(63)));
        assert!(!is_sha256_hex(&"g".repeat(64)));
    }
}
