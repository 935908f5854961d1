//! The `integrity` digests Trunk writes into a page (`sha384-…`), written
//! anew for a file the post_build hook changed after Trunk hashed it
//! (`short_names`, `stylesheets`).

use std::process::Command;

use crate::error::{Error, Result};

fn fail(msg: impl Into<String>) -> Error {
    Error::Precache(format!("integrity: {}", msg.into()))
}

/// `html` with the `integrity` of the tag whose `href` ends in `/file`
/// set to `digest` (`sha384-…`). A page with no such tag is left as is; a
/// tag without `integrity` too.
pub fn set(html: &str, file: &str, digest: &str) -> Result<String> {
    let href = format!("/{file}\"");
    let mut out = html.to_owned();
    let mut from = 0;
    while let Some(i) = out[from..].find(&href) {
        let at = from + i;
        let open = out[..at].rfind('<').unwrap_or(0);
        let close = at + out[at..].find('>').ok_or_else(|| fail("a tag is not closed"))?;
        if let Some(j) = out[open..close].find("integrity=\"") {
            let value = open + j + "integrity=\"".len();
            let value_end = value
                + out[value..]
                    .find('"')
                    .ok_or_else(|| fail("an integrity is not closed"))?;
            out.replace_range(value..value_end, digest);
        }
        from = at + href.len();
    }
    Ok(out)
}

/// `sha384-<base64>` of `bytes`, as a page's `integrity` wants it. Node
/// does the hashing: this tool is std-only (see `precache::compress`).
pub fn sha384(bytes: &[u8]) -> Result<String> {
    use std::io::Write;
    let mut child = Command::new("node")
        .arg("-e")
        .arg("const h=require('crypto').createHash('sha384');process.stdin.on('data',d=>h.update(d)).on('end',()=>console.log('sha384-'+h.digest('base64')))")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| Error::Setup(format!("cannot run node: {e}")))?;
    child
        .stdin
        .take()
        .ok_or_else(|| fail("node has no stdin"))?
        .write_all(bytes)
        .map_err(|e| fail(format!("cannot hand node the file: {e}")))?;
    let out = child.wait_with_output().map_err(|e| fail(format!("node: {e}")))?;
    let digest = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || !digest.starts_with("sha384-") {
        return Err(fail(format!(
            "node did not hash: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_gets_the_new_digests() {
        let html = r#"<link rel="modulepreload" href="/app-1.js" crossorigin="anonymous" integrity="sha384-OLD"><link rel="preload" href="/app-1_bg.wasm" crossorigin="anonymous" integrity="sha384-OLDW" as="fetch"><link rel="stylesheet" href="/main.css" integrity="sha384-CSS"/>"#;
        let out = set(html, "app-1.js", "sha384-NEW").unwrap();
        let out = set(&out, "app-1_bg.wasm", "sha384-NEWW").unwrap();
        assert_eq!(
            out,
            html.replace("sha384-OLDW", "sha384-NEWW")
                .replace("sha384-OLD\"", "sha384-NEW\"")
        );
        assert_eq!(set(html, "other.js", "x").unwrap(), html);
    }

    #[test]
    fn node_hashes_as_browsers_check() {
        // The SRI digest of "abc" (FIPS 180-2's example, base64).
        assert_eq!(
            sha384(b"abc").unwrap(),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }
}
