//! The tus 1.0 resumable-upload protocol, as both sides speak it: the phone
//! sends each photo this way, the server receives it.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

/// `POST` creates an upload; `HEAD`/`PATCH`/`DELETE` on the returned
/// `Location` (`/api/uploads/{upload_id}`) query, continue, terminate it.
pub const UPLOADS_PATH: &str = "/api/uploads";
pub const VERSION: &str = "1.0.0";
pub const EXTENSIONS: &str = "creation,checksum,expiration,termination";
/// `Upload-Metadata` keys (values base64, as tus says).
pub const META_PHOTO_ID: &str = "photo_id";
pub const META_SHA256: &str = "sha256";
pub const META_FILETYPE: &str = "filetype";

/// Why an `Upload-Metadata` header is refused. Each names its key, so the
/// client learns which pair to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("`{0}`: the value is not base64")]
    NotBase64(String),
    #[error("`{0}`: the value is not UTF-8 text")]
    NotText(String),
    #[error("`{0}`: given twice")]
    Repeated(String),
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs, a key alone
/// having an empty value. Spaces around a pair and around its value are
/// ignored. Keys are unique; values must be UTF-8 (every value here is text:
/// an id, a hash, a media type).
///
/// The header comes from any client, so this is fuzzed (`fuzz/`, target
/// `tus_metadata`): it never panics, and what it accepts, written back as
/// `key base64value` pairs, reads back the same.
pub fn parse_metadata(text: &str) -> Result<BTreeMap<String, String>, MetadataError> {
    let mut out = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let bytes = BASE64
            .decode(value.trim())
            .map_err(|_| MetadataError::NotBase64(key.to_owned()))?;
        let value = String::from_utf8(bytes).map_err(|_| MetadataError::NotText(key.to_owned()))?;
        if out.insert(key.to_owned(), value).is_some() {
            return Err(MetadataError::Repeated(key.to_owned()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs_decode() {
        let m = parse_metadata("photo_id MTIz,sha256 YWJj , filetype aW1hZ2UvanBlZw==,flag").expect("parses");
        assert_eq!(m[META_PHOTO_ID], "123");
        assert_eq!(m[META_SHA256], "abc");
        assert_eq!(m[META_FILETYPE], "image/jpeg");
        assert_eq!(m["flag"], "");
        assert_eq!(m.len(), 4);
        assert!(parse_metadata("").expect("empty").is_empty());
        assert!(parse_metadata(" , ,").expect("only commas").is_empty());
    }

    #[test]
    fn bad_pairs_are_named() {
        assert_eq!(parse_metadata("a !!!"), Err(MetadataError::NotBase64("a".to_owned())));
        assert_eq!(
            parse_metadata("a MTIz,a MTIz"),
            Err(MetadataError::Repeated("a".to_owned()))
        );
        // 0xFF alone, base64.
        assert_eq!(parse_metadata("b /w=="), Err(MetadataError::NotText("b".to_owned())));
        assert_eq!(
            MetadataError::NotBase64("photo_id".to_owned()).to_string(),
            "`photo_id`: the value is not base64"
        );
    }
}
