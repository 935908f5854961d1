//! The `integrity` digests Trunk writes into a page (`sha384-…`), written
//! anew once the post_build steps have changed files after Trunk hashed
//! them (`short_names`, `bundle`, `stylesheets`): every digest of the
//! page, from the files as they are now, in one go.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

fn fail(msg: impl Into<String>) -> Error {
    Error::Precache(format!("integrity: {}", msg.into()))
}

/// `html` (the staged page, its files in `staging`, served under `base`)
/// with each `<link>`'s and `<script>`'s `integrity` the digest of its file
/// as it is now. A tag pointing elsewhere, or without `integrity`, stays.
pub fn refresh(staging: &Path, base: &str, html: &str) -> Result<String> {
    let mut values = Vec::new();
    let mut files = Vec::new();
    for (element, url) in [("link", "href"), ("script", "src")] {
        for tag in crate::tags::find(html, element) {
            let text = &html[tag.clone()];
            let (Some(digest), Some(file)) = (
                crate::tags::attr_at(text, "integrity"),
                crate::tags::attr(text, url).and_then(|u| u.strip_prefix(base)),
            ) else {
                continue;
            };
            values.push(tag.start + digest.start..tag.start + digest.end);
            files.push(staging.join(file));
        }
    }
    let digests = sha384_files(&files)?;
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&i| values[i].start);
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for i in order {
        out.push_str(&html[last..values[i].start]);
        out.push_str(&digests[i]);
        last = values[i].end;
    }
    out.push_str(&html[last..]);
    Ok(out)
}

/// `sha384-<base64>` of each file, as a page's `integrity` wants it. Node
/// does the hashing, all files in one run: this tool is std-only (see
/// `precache::compress`).
pub fn sha384_files(files: &[PathBuf]) -> Result<Vec<String>> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    const SCRIPT: &str = "const c=require('crypto'),fs=require('fs');\
        for(const f of process.argv.slice(1))console.log('sha384-'+c.createHash('sha384').update(fs.readFileSync(f)).digest('base64'))";
    let printed = crate::cmd::captured(Command::new("node").arg("-e").arg(SCRIPT).args(files))?;
    let digests: Vec<String> = String::from_utf8_lossy(&printed).lines().map(str::to_owned).collect();
    if digests.len() != files.len() || !digests.iter().all(|d| d.starts_with("sha384-")) {
        return Err(fail(format!(
            "node gave {} digests for {} files",
            digests.len(),
            files.len()
        )));
    }
    Ok(digests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn every_digest_of_the_page_is_its_files_now() {
        let dir = std::env::temp_dir().join(format!("kuaibao-integrity-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("app-1.js"), "abc").unwrap();
        fs::write(dir.join("r.js"), "").unwrap();
        let html = r#"<link rel="modulepreload" href="/app-1.js" integrity="sha384-OLD"><script src="/r.js" integrity="sha384-R"></script><link rel="stylesheet" href="https://elsewhere/x.css" integrity="sha384-X"><link rel="icon" href="/i.png">"#;
        let out = refresh(&dir, "/", html).unwrap();
        // The SRI digests of "abc" (FIPS 180-2's example) and of nothing.
        assert_eq!(
            out,
            html.replace(
                "sha384-OLD",
                "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
            )
            .replace(
                "sha384-R\"",
                "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb\""
            )
        );
        assert!(
            refresh(&dir, "/", "<link href=\"/gone.js\" integrity=\"x\">").is_err(),
            "a file that is not there"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
