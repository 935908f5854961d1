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

/// The secret a phone makes with a thread's first record, and from which
/// that record's id is made: the id's random bits are the first ten bytes
/// of the key's SHA-256 (six of their bits give way to the UUID's version
/// and variant, leaving 74). The phone sends the key with the first record
/// only, never by SMS; whoever shows it made the thread.
///
/// Why: phones deliver whenever they find signal, so a thread's 续报 may be
/// stored before its 首报, and until the 首报 arrives its id is only a
/// number. Someone who learnt it (a text refused at another area's desk
/// shows it) could send a 首报 of his own under it, and the first record
/// holds the thread. With the key the server tells the thread's maker from
/// everyone else without asking who arrived first
/// (`rules::writers::may_add`). Records from before keys keep the older
/// rule: their first record joins only its own author's records.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9a-f]{32}$"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThreadKey(String);

impl ThreadKey {
    /// A key from sixteen random bytes, written as 32 lowercase hex digits.
    /// The caller brings the randomness, as for ids.
    pub fn from_random(random: [u8; 16]) -> Self {
        ThreadKey(random.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The key as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the first record of the thread this key makes, at
    /// `unix_ms`.
    pub fn first_id(&self, unix_ms: u64) -> ReportId {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        let mut random = [0u8; 10];
        random.copy_from_slice(&digest[..10]);
        ReportId::from_parts(unix_ms, random)
    }

    /// Whether this is a key as [`ThreadKey::from_random`] writes it and
    /// `id` was made from it.
    pub fn proves(&self, id: ReportId) -> bool {
        let well_formed = self.0.len() == 32 && self.0.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
        let bytes = id.0.as_bytes();
        let unix_ms = bytes[..6].iter().fold(0u64, |ms, &b| ms << 8 | u64::from(b));
        well_formed && id.is_v7() && self.first_id(unix_ms) == id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_key_proves_the_id_made_from_it_and_no_other() {
        let key = ThreadKey::from_random([0x5a; 16]);
        assert_eq!(key, ThreadKey("5a".repeat(16)));
        let id = key.first_id(1_700_000_000_123);
        assert!(id.is_v7(), "{id}");
        assert!(key.proves(id));
        // The same time, another key; a random id; one random bit changed;
        // a key written otherwise.
        assert!(!ThreadKey::from_random([0x5b; 16]).proves(id));
        assert!(!key.proves(ReportId::from_parts(1_700_000_000_123, [0x5a; 10])));
        let mut flipped = *id.0.as_bytes();
        flipped[15] ^= 1;
        assert!(!key.proves(ReportId(Uuid::from_bytes(flipped))));
        assert!(!ThreadKey("5A".repeat(16)).proves(ThreadKey("5A".repeat(16)).first_id(1_700_000_000_123)));
        assert!(!ThreadKey("5a".repeat(17)).proves(ThreadKey("5a".repeat(17)).first_id(1_700_000_000_123)));
        // Ids made from keys still sort by time.
        assert!(key.first_id(1_700_000_000_000) < ThreadKey::from_random([0; 16]).first_id(1_700_000_000_001));
    }

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
