//! Client-made identifiers. A record's id is made on the phone when the record
//! is created, so that every retry of its upload names the same record and the
//! server can recognise a replay.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares a client-made id type: a UUIDv7, so ids sort by creation time.
macro_rules! client_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(
            #[cfg_attr(target_arch = "wasm32", serde(deserialize_with = "crate::wire::ids::uuid"))] pub Uuid,
        );

        impl $name {
            /// Builds a UUIDv7 from a Unix time in milliseconds and ten random
            /// bytes. The caller brings the randomness, so this crate needs no
            /// entropy source.
            pub fn from_parts(unix_ms: u64, random: [u8; 10]) -> Self {
                $name(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
            }

            /// Whether this id is a version-7 UUID, the only kind clients may make.
            pub fn is_v7(&self) -> bool {
                self.0.get_version_num() == 7
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                parse(s).map($name).ok_or(BadId)
            }
        }
    };
}

/// Text that is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an id (a UUID such as 0190a6e0-5b3c-7def-8a12-3456789abcde)")]
pub struct BadId;

/// A UUID as every client and the server write it: 36 characters, hex in
/// either case, hyphens after the 8th, 12th, 16th and 20th digit.
///
/// Natively this is the uuid crate's reader (which also takes the braced,
/// URN and hyphen-less forms); the phone has its own, a fifth of the size,
/// since it only reads ids the phone or the server wrote.
pub fn parse(text: &str) -> Option<Uuid> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        Uuid::parse_str(text).ok()
    }
    #[cfg(target_arch = "wasm32")]
    {
        parse_hyphenated(text)
    }
}

/// The hyphenated form only (the phone's reader; tested against the uuid
/// crate's natively).
pub fn parse_hyphenated(text: &str) -> Option<Uuid> {
    let text = text.as_bytes();
    if text.len() != 36 {
        return None;
    }
    let mut bytes = [0u8; 16];
    let mut digits = text
        .iter()
        .enumerate()
        .filter(|&(i, &c)| !(matches!(i, 8 | 13 | 18 | 23) && c == b'-'))
        .map(|(_, &c)| char::from(c).to_digit(16));
    for byte in &mut bytes {
        let (high, low) = (digits.next()??, digits.next()??);
        *byte = (high * 16 + low) as u8;
    }
    digits.next().is_none().then_some(Uuid::from_bytes(bytes))
}

/// serde `deserialize_with` for a [`Uuid`], by [`parse`].
pub fn uuid<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
    crate::wire::read::text(d, parse, "a UUID")
}

client_id!(
    /// The id of one report record.
    ReportId
);
client_id!(
    /// The id of one photo, made when it is taken.
    PhotoId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_parts_are_v7_and_sort_by_time() {
        let a = ReportId::from_parts(1_700_000_000_000, [1; 10]);
        let b = ReportId::from_parts(1_700_000_000_001, [0; 10]);
        assert!(a.is_v7() && b.is_v7());
        assert!(a < b);
        assert_eq!(a.to_string().parse::<ReportId>().ok(), Some(a));
    }

    #[test]
    fn the_phones_reader_agrees_with_the_uuid_crate_on_the_hyphenated_form() {
        let id = ReportId::from_parts(1_700_000_000_000, [0xab; 10]).0;
        let lower = id.hyphenated().to_string();
        let upper = lower.to_uppercase();
        assert_eq!(parse_hyphenated(&lower), Some(id));
        assert_eq!(parse_hyphenated(&upper), Some(id));
        assert_eq!(
            parse_hyphenated("00000000-0000-0000-0000-000000000000"),
            Some(Uuid::nil())
        );
        // Every other form, and every kind of damage, is refused; the uuid
        // crate refuses the damaged ones too.
        let mut bad = vec![
            String::new(),
            id.simple().to_string(),
            id.braced().to_string(),
            id.urn().to_string(),
            format!("{lower} "),
            lower[..35].to_owned(),
            lower.replacen('-', "+", 1),
            format!("{}g{}", &lower[..3], &lower[4..]),
            format!("-{}", &lower[1..]),
            "0000000-00000-0000-0000-000000000000".to_owned(),
            "00000000-0000-0000-0000-00000000000é".to_owned(),
        ];
        for at in [8, 13, 18, 23] {
            let mut moved = lower.clone().into_bytes();
            moved.swap(at, at + 1);
            bad.push(String::from_utf8(moved).expect("ascii"));
        }
        for text in &bad {
            assert_eq!(parse_hyphenated(text), None, "{text}");
        }
        for text in &bad[4..] {
            assert!(Uuid::parse_str(text).is_err(), "{text}");
        }
        assert_eq!(parse(&lower), Some(id));
    }
}
