//! The user's answers to a template's blanks: text by blank id, in key
//! order.
//!
//! A sorted vector rather than a `BTreeMap`: a report has a few dozen
//! answers at most, and the B-tree's insert, remove, rebalancing, clone and
//! iteration code was about 15 KB of the phone's download (3 KB brotli). It
//! reads and writes as the same JSON object, keys in the same order, so a
//! report's canonical text, and the hash the server keeps of it, are the
//! same as before.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The user's answers, keyed by blank id (a GPS blank `gps` answers as
/// `gps.lat` and `gps.lon`). Kept as the text typed, so nothing the user
/// typed is lost even while it is not yet valid.
/// The most answers a report may carry: four times the blanks of the
/// largest template (a test holds it to that), a bound on what one
/// report's reading costs.
pub const MAX_ANSWERS: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    /// Sorted by key, each key once.
    entries: Vec<(String, String)>,
}

impl Answers {
    pub const fn new() -> Self {
        Answers { entries: Vec::new() }
    }

    /// Where `key` is, or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning what it was.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Each key with its answer, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The blank ids answered, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Answers {
    /// A later value of the same key replaces an earlier one, as in a map.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut answers = Answers::new();
        for (k, v) in iter {
            answers.insert(k.into(), v.into());
        }
        answers
    }
}

impl Serialize for Answers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Answers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnswersVisitor;

        impl<'de> Visitor<'de> for AnswersVisitor {
            type Value = Answers;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of answers")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answers, A::Error> {
                let mut answers = Answers::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    // Refused while reading: each key is inserted in order,
                    // so an unbounded map would cost its square in time.
                    if answers.len() == MAX_ANSWERS && !answers.contains_key(&k) {
                        return Err(serde::de::Error::custom(format_args!(
                            "answers: more than {MAX_ANSWERS} (a template has a few dozen blanks)"
                        )));
                    }
                    answers.insert(k, v);
                }
                Ok(answers)
            }
        }

        deserializer.deserialize_map(AnswersVisitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The same text as the map it replaces, for any keys in any order:
    /// the server's idempotency hash is of this text.
    #[test]
    fn reads_and_writes_the_json_a_btreemap_does() {
        let pairs = [
            ("place", "青石村"),
            ("dead", "1"),
            ("gps.lon", "104.0"),
            ("gps.lat", "30.6"),
            ("a", ""),
        ];
        let answers: Answers = pairs.iter().copied().collect();
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let text = serde_json::to_string(&answers).expect("json");
        assert_eq!(text, serde_json::to_string(&map).expect("json"));
        assert_eq!(serde_json::from_str::<Answers>(&text).expect("read"), answers);
        let keys: Vec<&str> = answers.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a", "dead", "gps.lat", "gps.lon", "place"]);
    }

    #[test]
    fn a_later_key_replaces_an_earlier_one_as_in_a_map() {
        let text = r#"{"b":"1","a":"2","b":"3"}"#;
        let answers: Answers = serde_json::from_str(text).expect("read");
        let map: BTreeMap<String, String> = serde_json::from_str(text).expect("read");
        assert_eq!(answers.len(), 2);
        assert_eq!(answers.get("b").map(String::as_str), Some("3"));
        assert_eq!(
            serde_json::to_string(&answers).expect("json"),
            serde_json::to_string(&map).expect("json")
        );
    }

    #[test]
    fn insert_get_remove() {
        let mut a = Answers::new();
        assert!(a.is_empty());
        assert_eq!(a.insert("x".into(), "1".into()), None);
        assert_eq!(a.insert("x".into(), "2".into()), Some("1".into()));
        assert!(a.contains_key("x"));
        assert_eq!(a.get("x").map(String::as_str), Some("2"));
        assert_eq!(a.get("y"), None);
        assert_eq!(a.remove("y"), None);
        assert_eq!(a.remove("x"), Some("2".into()));
        assert!(a.is_empty());
    }

    #[test]
    fn refuses_more_answers_than_a_report_can_have_while_reading() {
        let object = |n: usize| {
            let pairs: Vec<String> = (0..n).rev().map(|i| format!("\"k{i:05}\":\"\"")).collect();
            format!("{{{}}}", pairs.join(","))
        };
        let most: Answers = serde_json::from_str(&object(MAX_ANSWERS)).expect("the most");
        assert_eq!(most.len(), MAX_ANSWERS);
        // A key repeated at the bound replaces its value, as in a map.
        let again = format!("{},\"k00000\":\"x\"}}", object(MAX_ANSWERS).trim_end_matches('}'));
        let again: Answers = serde_json::from_str(&again).expect("a repeat at the bound");
        assert_eq!(again.get("k00000").map(String::as_str), Some("x"));
        for n in [MAX_ANSWERS + 1, 30_000] {
            let error = serde_json::from_str::<Answers>(&object(n))
                .expect_err("too many")
                .to_string();
            assert!(error.starts_with("answers: more than 256"), "{error}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_map_of_text() {
        for bad in [r#"["a"]"#, r#"{"a":1}"#, r#""a""#, "null"] {
            assert!(serde_json::from_str::<Answers>(bad).is_err(), "{bad}");
        }
    }
}
