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
        pub struct $name(pub Uuid);

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
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
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
}
