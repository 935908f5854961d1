//! One stylesheet for the phone's page, a step of Trunk's post_build hook
//! (`precache`).
//!
//! The sources keep a stylesheet per concern (`style/main.css`, and
//! `style/crash.css`, which the duty office's page links too), and Trunk
//! writes each as a file of its own with a `<link>` of its own: on the
//! phone, one more request before the first screen is drawn (through the
//! service worker when offline, over the link on a first visit). So the
//! phone's page gets one file: the others' rules are appended to the
//! first, in the page's order, and their links and files go (the page's
//! digests are written afterwards, by `integrity`). (What one
//! request costs is within the benches' noise: the 502-report list opened
//! in 490 ms on average with one stylesheet and 512 ms with two, nine runs
//! each, interleaved.)
//!
//! All of Trunk's stylesheets are in one directory, so a relative `url()`
//! means the same in the merged file; an `@import` or `@charset`, which
//! only count at a file's start, fails the build instead.

use std::fs;
use std::ops::Range;
use std::path::Path;

use crate::error::{Error, Result};

fn fail(msg: impl Into<String>) -> Error {
    Error::Precache(format!("stylesheets: {}", msg.into()))
}

/// A `<link rel="stylesheet">` of the page: where the tag is, and its file.
#[derive(Debug, PartialEq, Eq)]
pub struct Link {
    pub at: Range<usize>,
    /// The file, relative to the page's directory.
    pub file: String,
}

/// The page's stylesheet links, in order, whose `href` is under `base`.
pub fn links(html: &str, base: &str) -> Vec<Link> {
    crate::tags::find(html, "link")
        .into_iter()
        .filter_map(|at| {
            let tag = &html[at.clone()];
            if crate::tags::attr(tag, "rel") != Some("stylesheet") {
                return None;
            }
            let file = crate::tags::attr(tag, "href")?.strip_prefix(base)?.to_owned();
            Some(Link { at, file })
        })
        .collect()
}

/// The first stylesheet's text with the others' appended, each after a
/// comment naming it.
pub fn merge(sheets: &[(String, String)]) -> Result<String> {
    let mut out = String::new();
    for (i, (name, text)) in sheets.iter().enumerate() {
        if i > 0 {
            if text.contains("@import") || text.contains("@charset") {
                return Err(fail(format!(
                    "{name} has an @import or @charset, which counts only at a file's start"
                )));
            }
            out.push_str(&format!("\n/* {name} */\n"));
        }
        out.push_str(text);
    }
    Ok(out)
}

/// Merges the stylesheets of the staged `index.html` (served under
/// `base`) into its first, as the module says.
pub fn run(staging: &Path, base: &str) -> Result<()> {
    let index = staging.join("index.html");
    let html = fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
    let found = links(&html, base);
    if found.len() < 2 {
        return Ok(());
    }
    let mut sheets = Vec::new();
    for link in &found {
        let path = staging.join(&link.file);
        sheets.push((
            link.file.clone(),
            fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?,
        ));
    }
    let merged = merge(&sheets)?;
    let later: Vec<Range<usize>> = found[1..].iter().map(|l| l.at.clone()).collect();
    fs::write(&index, crate::tags::remove(&html, &later)).map_err(|e| Error::io(&index, e))?;
    for link in &found[1..] {
        let path = staging.join(&link.file);
        fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
    }
    let first = staging.join(&found[0].file);
    fs::write(&first, &merged).map_err(|e| Error::io(&first, e))?;
    println!(
        "stylesheets: {} merged into {}",
        found[1..]
            .iter()
            .map(|l| l.file.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        found[0].file
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<head>\n  <link rel=\"stylesheet\" href=\"/main-1.css\" integrity=\"sha384-A\"/>\n  <link rel=\"stylesheet\" href=\"/crash-2.css\" integrity=\"sha384-B\"/>\n  <link rel=\"icon\" href=\"/icon.png\">\n  <link rel=\"stylesheet\" href=\"https://elsewhere/x.css\">\n</head>";

    #[test]
    fn the_pages_own_stylesheets_are_found_in_order() {
        let found = links(PAGE, "/");
        let files: Vec<&str> = found.iter().map(|l| l.file.as_str()).collect();
        assert_eq!(
            files,
            ["main-1.css", "crash-2.css"],
            "not the icon, not another origin's"
        );
        assert_eq!(
            &PAGE[found[1].at.clone()],
            "<link rel=\"stylesheet\" href=\"/crash-2.css\" integrity=\"sha384-B\"/>"
        );
        assert!(links(PAGE, "/office/").is_empty(), "under another base, none");
    }

    #[test]
    fn the_rules_follow_in_the_pages_order() {
        let merged = merge(&[
            ("main-1.css".into(), "a { }\n".into()),
            ("crash-2.css".into(), "b { }\n".into()),
        ])
        .unwrap();
        assert_eq!(merged, "a { }\n\n/* crash-2.css */\nb { }\n");
        assert!(merge(&[("a.css".into(), "".into()), ("b.css".into(), "@import 'c.css';".into())]).is_err());
        assert!(
            merge(&[("a.css".into(), "@charset \"utf-8\";".into())]).is_ok(),
            "the first file may start so"
        );
    }

    #[test]
    fn the_staged_page_keeps_one_link_and_one_file() {
        let dir = std::env::temp_dir().join(format!("kuaibao-stylesheets-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("index.html"), PAGE).unwrap();
        fs::write(dir.join("main-1.css"), "a { }\n").unwrap();
        fs::write(dir.join("crash-2.css"), "b { }\n").unwrap();
        run(&dir, "/").unwrap();
        let html = fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(!html.contains("crash-2.css"), "{html}");
        assert!(!dir.join("crash-2.css").exists());
        let merged = fs::read_to_string(dir.join("main-1.css")).unwrap();
        assert_eq!(merged, "a { }\n\n/* crash-2.css */\nb { }\n");
        assert!(html.contains("href=\"/main-1.css\" integrity=\"sha384-A\""), "{html}");
        assert!(html.contains("<link rel=\"icon\" href=\"/icon.png\">"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
