//! Reading the tags of a page Trunk wrote: where each `<link …>` or
//! `<script …>` opening tag is, and its attributes. Trunk writes them with
//! double-quoted attribute values, one tag at a time; that is all this
//! reads (the post_build steps that change a page: `bundle`,
//! `stylesheets`, `integrity`).

use std::ops::Range;

/// The opening tags of `element` (`link`, `script`) in `html`, in order:
/// where each starts and ends (its `>` included).
pub fn find(html: &str, element: &str) -> Vec<Range<usize>> {
    let open = format!("<{element} ");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = html[from..].find(&open) {
        let start = from + i;
        let Some(len) = html[start..].find('>') else { break };
        out.push(start..start + len + 1);
        from = start + len + 1;
    }
    out
}

/// The value of the attribute `name` in the opening tag `tag`, if it has one.
pub fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    attr_at(tag, name).map(|r| &tag[r])
}

/// Where the value of the attribute `name` is in `tag`.
pub fn attr_at(tag: &str, name: &str) -> Option<Range<usize>> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let len = tag[at..].find('"')?;
    Some(at..at + len)
}

/// `html` without the tags at `ranges` (in order, not overlapping), each
/// with the line break after it.
pub fn remove(html: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for r in ranges {
        out.push_str(&html[last..r.start]);
        last = if html[r.end..].starts_with('\n') {
            r.end + 1
        } else {
            r.end
        };
    }
    out.push_str(&html[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<head>\n<link rel=\"stylesheet\" href=\"/a.css\" integrity=\"sha384-A\"/>\n<script src=\"/r.js\"></script><link rel=\"icon\" href=\"/i.png\"></head>";

    #[test]
    fn tags_and_their_attributes_are_read() {
        let links = find(PAGE, "link");
        assert_eq!(links.len(), 2);
        let first = &PAGE[links[0].clone()];
        assert_eq!(
            first,
            "<link rel=\"stylesheet\" href=\"/a.css\" integrity=\"sha384-A\"/>"
        );
        assert_eq!(attr(first, "href"), Some("/a.css"));
        assert_eq!(attr(first, "rel"), Some("stylesheet"));
        assert_eq!(attr(first, "crossorigin"), None);
        let scripts = find(PAGE, "script");
        assert_eq!(attr(&PAGE[scripts[0].clone()], "src"), Some("/r.js"));
        assert!(find("<linked>", "link").is_empty(), "another element");
    }

    #[test]
    fn removed_tags_take_their_line_break() {
        let links = find(PAGE, "link");
        assert_eq!(remove(PAGE, &links), "<head>\n<script src=\"/r.js\"></script></head>");
    }
}
