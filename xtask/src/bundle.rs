//! The phone's JS glue and its snippets as one minified module, a step of
//! Trunk's post_build hook (`precache`), by esbuild (npm, installed by
//! `cargo xtask setup`).
//!
//! wasm-bindgen writes the glue readable and imports each
//! `#[wasm_bindgen(module = …)]` file as a module of its own; Trunk copies
//! them as they are (`snippets/`) and preloads each. On a start from the
//! service worker every module is one more request before the app runs,
//! and on a first visit the readable glue is bytes over a weak link. esbuild
//! bundles the glue with the snippets it imports into the glue's own file,
//! minified, for the engine floor's JavaScript (ES2020,
//! `xtask/src/floor.rs`); the snippets' files and their preload links go
//! (the page's digests are written afterwards, by `integrity`). The glue's exports (`init`
//! and the bindings the loader hands to `window.wasmBindings`) stay as
//! they were: esbuild keeps an entry module's exports.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::error::{Error, Result};

/// `html` without its `<link rel="modulepreload">` tags whose `href`
/// starts with `prefix`; how many went.
pub fn drop_preloads(html: &str, prefix: &str) -> (String, usize) {
    let preloads: Vec<_> = crate::tags::find(html, "link")
        .into_iter()
        .filter(|t| {
            let tag = &html[t.clone()];
            crate::tags::attr(tag, "rel") == Some("modulepreload")
                && crate::tags::attr(tag, "href").is_some_and(|h| h.starts_with(prefix))
        })
        .collect();
    (crate::tags::remove(html, &preloads), preloads.len())
}

/// Bundles the staged glue `<stem>.js` (the one beside `<stem>_bg.wasm`)
/// with its snippets, as the module says.
pub fn run(root: &Path, staging: &Path, base: &str, stem: &str) -> Result<()> {
    let glue = staging.join(format!("{stem}.js"));
    let bundled = staging.join(format!("{stem}.bundle.js"));
    let esbuild = root.join("node_modules/.bin/esbuild");
    crate::cmd::captured(
        Command::new(&esbuild)
            .arg(&glue)
            .args([
                "--bundle",
                "--format=esm",
                "--target=es2020",
                "--minify",
                "--log-level=warning",
            ])
            .arg(format!("--outfile={}", bundled.display())),
    )?;
    let bytes = fs::metadata(&bundled).map_err(|e| Error::io(&bundled, e))?.len();
    fs::rename(&bundled, &glue).map_err(|e| Error::io(&glue, e))?;
    let index = staging.join("index.html");
    let html = fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
    let (html, dropped) = drop_preloads(&html, &format!("{base}snippets/"));
    fs::write(&index, html).map_err(|e| Error::io(&index, e))?;
    let snippets = staging.join("snippets");
    if snippets.is_dir() {
        fs::remove_dir_all(&snippets).map_err(|e| Error::io(&snippets, e))?;
    }
    println!("bundle: {stem}.js with its snippets, minified ({bytes} bytes; {dropped} preloads dropped)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_snippets_preloads_go() {
        let html = "<head><link rel=\"modulepreload\" href=\"/app-1.js\" integrity=\"x\"><link rel=\"modulepreload\" href=\"/snippets/app-2/src/a.js\" crossorigin=\"anonymous\"><link rel=\"modulepreload\" href=\"/snippets/app-2/src/b.js\"><link rel=\"stylesheet\" href=\"/snippets.css\"></head>";
        let (out, dropped) = drop_preloads(html, "/snippets/");
        assert_eq!(dropped, 2);
        assert_eq!(out, "<head><link rel=\"modulepreload\" href=\"/app-1.js\" integrity=\"x\"><link rel=\"stylesheet\" href=\"/snippets.css\"></head>");
        assert_eq!(
            drop_preloads(html, "/office/snippets/").1,
            0,
            "under another base, none"
        );
    }
}
