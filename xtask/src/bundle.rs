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

/// The engines a script must run in, as esbuild's `--target`: a classic
/// script the page loads first (the crash recorder) runs in any browser
/// that shows the page, so it can say 此浏览器无法运行快报 where nothing
/// else runs; every other script, the engine floor's JavaScript.
const ANY_ENGINE: &str = "es5";
const FLOOR: &str = "es2020";

/// Minifies the page's other scripts in place: the classic scripts
/// `index.html` loads (for [`ANY_ENGINE`]) and every other `.js` directly
/// in `staging` but the glue (bundled already) and the service worker
/// (minified once its file list is written, [`minify_file`]). Readable
/// source stays in the repository; the phone downloads the short form.
pub fn minify_scripts(root: &Path, staging: &Path, base: &str, glue: Option<&str>) -> Result<()> {
    let index = staging.join("index.html");
    let html = fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
    let (mut before, mut after) = (0, 0);
    for (name, target) in targets(&html, base, crate::precache::staged_names(staging)?, glue) {
        let (was, is) = minify_file(root, &staging.join(name), target)?;
        before += was;
        after += is;
    }
    println!("minify: {before} → {after} bytes of scripts");
    Ok(())
}

/// Which of `names` (files directly in the staging dir) to minify, and for
/// which engines, as [`minify_scripts`] says.
fn targets(html: &str, base: &str, mut names: Vec<String>, glue: Option<&str>) -> Vec<(String, &'static str)> {
    let classic: Vec<&str> = crate::tags::find(html, "script")
        .into_iter()
        .map(|t| &html[t])
        .filter(|tag| crate::tags::attr(tag, "type") != Some("module"))
        .filter_map(|tag| crate::tags::attr(tag, "src"))
        .filter_map(|src| src.strip_prefix(base))
        .collect();
    let glue = glue.map(|stem| format!("{stem}.js"));
    names.sort();
    names
        .into_iter()
        .filter(|n| n.ends_with(".js") && n != crate::precache::SW_FILE && Some(n) != glue.as_ref())
        .map(|n| {
            let target = if classic.contains(&n.as_str()) {
                ANY_ENGINE
            } else {
                FLOOR
            };
            (n, target)
        })
        .collect()
}

/// Minifies `file` in place for `target`; its size before and after.
pub fn minify_file(root: &Path, file: &Path, target: &str) -> Result<(u64, u64)> {
    let size = |f: &Path| fs::metadata(f).map(|m| m.len()).map_err(|e| Error::io(f, e));
    let before = size(file)?;
    let out = file.with_extension("min.js");
    crate::cmd::captured(
        Command::new(root.join("node_modules/.bin/esbuild"))
            .arg(file)
            .args(["--minify", "--log-level=warning", "--charset=utf8"])
            .arg(format!("--target={target}"))
            .arg(format!("--outfile={}", out.display())),
    )?;
    let after = size(&out)?;
    fs::rename(&out, file).map_err(|e| Error::io(file, e))?;
    Ok((before, after))
}

/// esbuild's target for the service worker.
pub const SW_TARGET: &str = FLOOR;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_scripts_the_page_loads_are_minified_for_any_engine_and_the_rest_for_the_floor() {
        let html = "<head><script src=\"/recorder-1.js\" integrity=\"x\"></script>\
            <script type=\"module\" src=\"/loader-2.js\"></script></head>";
        let names = [
            "sw.js",
            "app-3.js",
            "recorder-1.js",
            "photo-worker.js",
            "loader-2.js",
            "main.css",
            "app-3_bg.wasm",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            targets(html, "/", names, Some("app-3")),
            [
                ("loader-2.js".to_owned(), FLOOR),
                ("photo-worker.js".to_owned(), FLOOR),
                ("recorder-1.js".to_owned(), ANY_ENGINE),
            ]
        );
    }

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
