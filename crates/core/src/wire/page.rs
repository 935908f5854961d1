//! Pages of a long list (issue 19): `?limit=N&after=CURSOR`. A list is read
//! in a fixed order of a key that only grows (the server's arrival number),
//! so a page starts after the last key of the one before: new rows arriving
//! meanwhile never shift or repeat what was read (keyset pagination). The
//! next page's address comes in the answer's `Link: <…>; rel="next"`
//! header (RFC 8288); none means the list is done. The cursor is opaque
//! to clients: they follow the link rather than build it.

use crate::wire::error::{ErrorCode, FieldError};

/// A page's rows unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 100;
/// The most rows one page holds.
pub const MAX_LIMIT: u32 = 1000;

/// The query parameters of a page: every paged list reads these, next to
/// its own (a filter).
pub const PAGE_KEYS: [&str; 2] = ["limit", "after"];

/// The address of the next page in a `Link` header's value, if it names
/// one (`<…>; rel="next"`): what a client follows, never builds.
pub fn next_of(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let next = params.split(';').any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        next.then_some(target)
    })
}

/// A query string's pairs, decoded.
pub type Pairs = Vec<(String, String)>;

/// Which page to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: u32,
    /// The key the page starts after; `None`: the first page.
    pub after: Option<i64>,
}

impl Default for PageQuery {
    fn default() -> Self {
        PageQuery {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageQuery {
    /// The page a query string's pairs ask for; an unknown, repeated or bad
    /// parameter is an error naming it.
    pub fn from_query(pairs: &[(String, String)]) -> Result<PageQuery, Vec<FieldError>> {
        let unknown: Vec<FieldError> = pairs
            .iter()
            .filter(|(key, _)| !PAGE_KEYS.contains(&key.as_str()))
            .map(|(key, _)| {
                FieldError::new(
                    key,
                    ErrorCode::UnknownField,
                    format!("不认识的参数 {key}"),
                    format!("unknown parameter `{key}`"),
                )
            })
            .collect();
        match PageQuery::split(pairs) {
            Ok((page, _)) if unknown.is_empty() => Ok(page),
            Ok(_) => Err(unknown),
            Err(mut errors) => {
                errors.extend(unknown);
                Err(errors)
            }
        }
    }

    /// The page ([`PAGE_KEYS`]) out of a query string's pairs, and the
    /// other pairs, left for the endpoint's own parameters (a filter). A
    /// repeated or bad page parameter is an error naming it.
    pub fn split(pairs: &[(String, String)]) -> Result<(PageQuery, Pairs), Vec<FieldError>> {
        let mut page = PageQuery::default();
        let mut errors = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut rest = Vec::new();
        for (key, value) in pairs {
            if !PAGE_KEYS.contains(&key.as_str()) {
                rest.push((key.clone(), value.clone()));
                continue;
            }
            if seen.contains(&key.as_str()) {
                errors.push(FieldError::new(
                    key,
                    ErrorCode::UnknownField,
                    format!("参数 {key} 重复"),
                    format!("`{key}` is given twice"),
                ));
                continue;
            }
            seen.push(key);
            if key == "limit" {
                match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => page.limit = n,
                    _ => errors.push(FieldError::new(
                        "limit",
                        ErrorCode::OutOfRange,
                        format!("每页条数应为 1 到 {MAX_LIMIT} 的整数"),
                        format!("`limit` must be a whole number from 1 to {MAX_LIMIT}"),
                    )),
                }
            } else {
                match decode(value) {
                    Some(key) => page.after = Some(key),
                    None => errors.push(FieldError::new(
                        "after",
                        ErrorCode::BadId,
                        "翻页位置无效：请从第一页重新读取",
                        "`after` is not a cursor this server gave: start again from the first page",
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok((page, rest))
        } else {
            Err(errors)
        }
    }

    /// The `Link` header's value for the page after one ending at key
    /// `last` of the list at `path`, keeping the endpoint's own parameters
    /// `rest` (a filter) as they were given.
    pub fn next_link(&self, path: &str, rest: &[(String, String)], last: i64) -> String {
        let kept: String = rest
            .iter()
            .map(|(k, v)| format!("{}={}&", percent_encode(k), percent_encode(v)))
            .collect();
        format!("<{path}?{kept}{}>; rel=\"next\"", self.next_after(last))
    }

    /// The query string of the page after one ending at `last`.
    pub fn next_after(&self, last: i64) -> String {
        format!("limit={}&after={}", self.limit, encode(last))
    }
}

/// A key as a cursor: `k` and the key in base 36, so it reads as a token,
/// not as a number to do sums with.
pub fn encode(key: i64) -> String {
    let mut n = key.unsigned_abs();
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    let sign = if key < 0 { "-" } else { "" };
    format!("k{sign}{}", digits.iter().rev().collect::<String>())
}

/// A cursor's key, if it is one [`encode`] wrote.
pub fn decode(cursor: &str) -> Option<i64> {
    let body = cursor.strip_prefix('k')?;
    let (negative, digits) = match body.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, body),
    };
    if digits.is_empty() || digits.len() > 13 || !digits.chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()) {
        return None;
    }
    let n = i64::from_str_radix(digits, 36).ok()?;
    let key = if negative { -n } else { n };
    (encode(key) == cursor).then_some(key)
}

/// Percent-encoding of a query value (a time's `+` too).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_cursor_reads_back_as_its_key_and_nothing_else_does() {
        for key in [0, 1, 35, 36, 123_456_789, i64::MAX, -5, i64::MIN + 1] {
            assert_eq!(decode(&encode(key)), Some(key), "{key}");
        }
        for bad in ["", "k", "12", "kZZ", "k-", "k00", "k 1", "kzzzzzzzzzzzzzz", "k-0"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_query_names_each_bad_parameter() {
        assert_eq!(PageQuery::from_query(&[]), Ok(PageQuery::default()));
        let page = PageQuery::from_query(&pairs(&[("limit", "5"), ("after", &encode(42))])).expect("valid");
        assert_eq!((page.limit, page.after), (5, Some(42)));
        assert_eq!(page.next_after(47), format!("limit=5&after={}", encode(47)));
        let errors =
            PageQuery::from_query(&pairs(&[("limit", "0"), ("after", "42"), ("sort", "x")])).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["limit", "after", "sort"]);
        assert!(PageQuery::from_query(&pairs(&[("limit", "1001")])).is_err());
        assert!(PageQuery::from_query(&pairs(&[("limit", "5"), ("limit", "6")])).is_err());
    }

    #[test]
    fn a_filter_travels_beside_the_page_into_the_next_link() {
        let (page, rest) = PageQuery::split(&pairs(&[
            ("stage", "open"),
            ("limit", "2"),
            ("since", "2026-11-23T08:00:00+08:00"),
        ]))
        .expect("valid");
        assert_eq!(page.limit, 2);
        assert_eq!(
            rest,
            pairs(&[("stage", "open"), ("since", "2026-11-23T08:00:00+08:00")])
        );
        let link = page.next_link("/api/office/inbox", &rest, 40);
        assert_eq!(
            link,
            format!(
                "</api/office/inbox?stage=open&since=2026-11-23T08:00:00%2B08:00&limit=2&after={}>; rel=\"next\"",
                encode(40)
            )
        );
        let next = next_of(&link).expect("a next link");
        assert!(next.starts_with("/api/office/inbox?stage=open&"), "{next}");
        assert_eq!(next_of("</a?x=1>; rel=\"prev\""), None);
        assert_eq!(next_of("</a>; rel=\"prev\", </b>; rel=\"next\""), Some("/b"));
        let errors =
            PageQuery::split(&pairs(&[("limit", "5000"), ("after", "zz"), ("stage", "x")])).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["limit", "after"]);
    }
}
