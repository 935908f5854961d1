//! Enums of plain variants that travel as one word: a role (`"reporter"`),
//! a grade (`"I"`), an error code (`"too_long"`).
//!
//! serde's derived `Deserialize` builds an enum visitor for each such enum,
//! about 1 KB of the phone's wasm apiece; reading a string and matching it
//! takes a tenth of that. [`coded!`] writes `ALL`, `code()`, `from_code()`
//! and that `Deserialize` from one list, so they cannot disagree. `Serialize`
//! stays derived (it is small, and the API description reads its names); a
//! test per enum checks that it writes `code()`.

/// `ALL`, `code()`, `from_code()` and `Deserialize` for the enum `$name`,
/// from its variants and their codes, in declaration order.
#[macro_export]
macro_rules! coded {
    ($name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The word the API, the database and the phone's store use.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::wire::read::text(d, $name::from_code, "one of its codes")
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::account::{AreaLevel, Role};
    use crate::rules::grading::Grade;
    use crate::wire::error::ErrorCode;
    use crate::wire::protocol::ApiErrorCode;
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    /// serde writes each variant as its code, and reads it back.
    fn round_trips<T: Copy + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned>(
        all: &[T],
        code: fn(T) -> &'static str,
    ) {
        for &v in all {
            let json = serde_json::to_string(&v).expect("json");
            assert_eq!(json, format!("\"{}\"", code(v)), "{v:?}");
            assert_eq!(serde_json::from_str::<T>(&json).expect("read back"), v);
        }
    }

    #[test]
    fn every_coded_enum_writes_and_reads_its_codes() {
        round_trips(&Role::ALL, Role::code);
        round_trips(&AreaLevel::ALL, AreaLevel::code);
        round_trips(&Grade::ALL, Grade::code);
        round_trips(&ErrorCode::ALL, ErrorCode::code);
        round_trips(&ApiErrorCode::ALL, ApiErrorCode::code);
    }

    #[test]
    fn an_unknown_code_is_refused_naming_what_was_found() {
        let err = serde_json::from_str::<Role>("\"root\"").expect_err("unknown");
        assert!(err.to_string().contains("\"root\""), "{err}");
        assert!(serde_json::from_str::<Grade>("3").is_err());
        assert!(serde_json::from_str::<Grade>("null").is_err());
        // Codes are exact: no case folding, no padding.
        assert!(serde_json::from_str::<Grade>("\"i\"").is_err());
        assert!(serde_json::from_str::<Role>("\" reporter\"").is_err());
    }
}
