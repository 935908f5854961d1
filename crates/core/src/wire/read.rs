//! serde readers for values written as one string and parsed by hand (a
//! code, a time, an id): read the string, parse it, and refuse it with the
//! text that was found. Used through `deserialize_with` and
//! [`crate::coded!`], where the phone wants a small reader of its own
//! rather than the one serde or a crate derives.

use serde::de::{Deserialize, Deserializer, Error, Unexpected};

/// The value `parse` makes of the string; `expected` names what it should
/// have been, for the error.
pub fn text<'de, D: Deserializer<'de>, T>(
    d: D,
    parse: fn(&str) -> Option<T>,
    expected: &'static str,
) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).ok_or_else(|| D::Error::invalid_value(Unexpected::Str(&text), &expected))
}

/// As [`text`], for an optional field: `null` is `None`.
pub fn optional_text<'de, D: Deserializer<'de>, T>(
    d: D,
    parse: fn(&str) -> Option<T>,
    expected: &'static str,
) -> Result<Option<T>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    parse(&text)
        .map(Some)
        .ok_or_else(|| D::Error::invalid_value(Unexpected::Str(&text), &expected))
}
