//! `cargo xtask precache`: Trunk's post_build hook. Writes into the staged
//! `sw.js` the list of every file of this build and a version hash of all
//! their contents, so the service worker precaches exactly this build and a
//! change of any file gives a new cache name.
//!
//! The work is done by [`render_sw`], a pure function (files + template →
//! service worker text); [`run`] only reads the staging directory and writes
//! the result back.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// In `public/sw.js`: `const PRECACHE = [/*PRECACHE*/];` — replaced by the
/// JSON array of URLs.
pub const LIST_PLACEHOLDER: &str = "[/*PRECACHE*/]";
/// In `public/sw.js`: `const VERSION = "/*VERSION*/";` — replaced by the
/// quoted version hash.
pub const VERSION_PLACEHOLDER: &str = "\"/*VERSION*/\"";

/// The service worker's own file name; it is never precached.
pub const SW_FILE: &str = "sw.js";

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Path relative to the site root, `/`-separated, no leading `/`
    /// (`index.html`, `icons/icon-192.png`).
    pub path: String,
    pub contents: Vec<u8>,
}

/// The filled-in service worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub version: String,
    pub urls: Vec<String>,
}

/// Fills the service worker `template` with the precache list and version
/// for `files`, served under `base` (Trunk's public URL, normally `/`).
///
/// The list holds `base` itself (the start URL) and one URL per file, sorted;
/// `sw.js` at the root is left out. The version is a 64-bit FNV-1a hash, as
/// 16 hex digits, of the template and of every file's path and contents, so
/// any change in any of them changes it. The input order does not matter.
pub fn render_sw(template: &str, base: &str, files: &[SiteFile]) -> Result<Rendered> {
    for placeholder in [LIST_PLACEHOLDER, VERSION_PLACEHOLDER] {
        match template.matches(placeholder).count() {
            1 => {}
            0 => {
                return Err(Error::Precache(format!(
                    "the service worker template has no `{placeholder}` (already filled in? \
                     rebuild so Trunk copies public/sw.js afresh)"
                )))
            }
            n => {
                return Err(Error::Precache(format!(
                    "the service worker template has `{placeholder}` {n} times; it must be once"
                )))
            }
        }
    }

    let base = normalize_base(base);
    let mut files: Vec<&SiteFile> = files.iter().filter(|f| f.path != SW_FILE).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Error::Precache(format!("file listed twice: {}", pair[0].path)));
    }

    let mut hash = Fnv1a64::new();
    hash.write(template.as_bytes());
    for f in &files {
        hash.write(&(f.path.len() as u64).to_le_bytes());
        hash.write(f.path.as_bytes());
        hash.write(&(f.contents.len() as u64).to_le_bytes());
        hash.write(&f.contents);
    }
    let version = format!("{:016x}", hash.finish());

    let mut urls = vec![base.clone()];
    urls.extend(files.iter().map(|f| format!("{base}{}", encode_path(&f.path))));

    let mut list = String::from("[\n");
    for url in &urls {
        list.push_str("  ");
        list.push_str(&json_string(url));
        list.push_str(",\n");
    }
    list.push(']');

    let text = template
        .replacen(LIST_PLACEHOLDER, &list, 1)
        .replacen(VERSION_PLACEHOLDER, &json_string(&version), 1);
    Ok(Rendered { text, version, urls })
}

/// `""`, `/`, `/app`, `/app/` → `/`, `/`, `/app/`, `/app/`.
fn normalize_base(base: &str) -> String {
    let trimmed = base.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

/// Percent-encodes a relative path for use in a URL, keeping `/` and the
/// characters that never need it.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A JSON (and JS) string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// 64-bit FNV-1a: tiny, std only, and plenty to tell builds apart (this is a
/// cache name, not a security boundary).
struct Fnv1a64(u64);

impl Fnv1a64 {
    fn new() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Every file under `dir`, recursively, with paths relative to it.
pub fn collect_files(dir: &Path) -> Result<Vec<SiteFile>> {
    let mut out = Vec::new();
    collect_into(dir, "", &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn collect_into(dir: &Path, prefix: &str, out: &mut Vec<SiteFile>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| Error::Precache(format!("file name is not UTF-8: {}", Path::new(&name).display())))?;
        // Compressed twins (see `compress`) are how files travel, not files.
        if is_compressed_twin(&name) {
            continue;
        }
        let rel = format!("{prefix}{name}");
        // Follows symlinks, like the server does.
        let meta = fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            collect_into(&path, &format!("{rel}/"), out)?;
        } else if meta.is_file() {
            let contents = fs::read(&path).map_err(|e| Error::io(&path, e))?;
            out.push(SiteFile { path: rel, contents });
        }
    }
    Ok(())
}

/// The hook: fill in `<staging>/sw.js`. `TRUNK_STAGING_DIR` is set by Trunk;
/// run by hand it works on `dist/`. When the staged `sw.js` was already
/// filled in (a second run by hand), the template is taken from
/// `public/sw.js`, so running it again is harmless.
pub fn run(root: &Path) -> Result<()> {
    let staging: PathBuf = match std::env::var_os("TRUNK_STAGING_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => root.join("dist"),
    };
    let base = std::env::var("TRUNK_PUBLIC_URL").unwrap_or_else(|_| "/".to_string());
    // Another page than the phone app (the duty office's `office.html`):
    // no service worker of its own and nothing precached.
    let page = std::env::var_os("TRUNK_HTML_FILE").map(PathBuf::from);
    if let Some(page) = page.filter(|p| p.file_name().is_some_and(|n| n != "index.html")) {
        return side_page(&staging, &base, &page);
    }
    phone_page(root, &staging, &base)
}

/// The hook for the phone app staged in `staging`, served under `base`:
/// its wasm's names shortened ([`crate::short_names`]), its glue and
/// snippets one minified module ([`crate::bundle`]), its stylesheets one
/// file ([`crate::stylesheets`]), their digests in the page written anew
/// ([`crate::integrity`]), its loader moved into a file, `sw.js` filled
/// in, the compressed twins.
fn phone_page(root: &Path, staging: &Path, base: &str) -> Result<()> {
    // Before anything is hashed or listed: the wasm, its glue and the
    // stylesheets change, then the page's digests follow them.
    let base_dir = normalize_base(base);
    let stem = wasm_stem(staging)?;
    if let Some(stem) = &stem {
        crate::short_names::run(root, staging, stem)?;
        crate::bundle::run(root, staging, &base_dir, stem)?;
    }
    crate::bundle::minify_scripts(root, staging, &base_dir, stem.as_deref())?;
    crate::stylesheets::run(staging, &base_dir)?;
    let index = staging.join("index.html");
    let html = fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
    let html = crate::integrity::refresh(staging, &base_dir, &html)?;
    fs::write(&index, html).map_err(|e| Error::io(&index, e))?;
    // Before the files are listed: the loader's file is precached too.
    let loader = externalize_page(staging, base)?;
    println!("precache: inline loader {}", loader.as_deref().unwrap_or("none"));
    let sw_path = staging.join(SW_FILE);
    if !sw_path.is_file() {
        return Err(Error::Precache(format!(
            "{} does not exist: build with Trunk first (`cargo xtask build`), \
             and keep `<link data-trunk rel=\"copy-file\" href=\"public/sw.js\">` in index.html",
            sw_path.display()
        )));
    }
    let staged = fs::read_to_string(&sw_path).map_err(|e| Error::io(&sw_path, e))?;
    let template = if staged.contains(LIST_PLACEHOLDER) {
        staged
    } else {
        let source = root.join("public").join(SW_FILE);
        fs::read_to_string(&source).map_err(|e| Error::io(&source, e))?
    };
    let files = collect_files(staging)?;
    let rendered = render_sw(&template, base, &files)?;
    fs::write(&sw_path, &rendered.text).map_err(|e| Error::io(&sw_path, e))?;
    crate::bundle::minify_file(root, &sw_path, crate::bundle::SW_TARGET)?;
    println!(
        "precache: {} URLs, version {} → {}",
        rendered.urls.len(),
        rendered.version,
        sw_path.display()
    );
    let names: Vec<String> = files.into_iter().map(|f| f.path).filter(|p| is_hashed(p)).collect();
    compress(staging, &names)
}

/// The names of the files and folders directly in `staging`.
pub fn staged_names(staging: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(staging).map_err(|e| Error::io(staging, e))? {
        let name = entry.map_err(|e| Error::io(staging, e))?.file_name();
        names.push(name.to_string_lossy().into_owned());
    }
    Ok(names)
}

/// The stem of the one `<stem>_bg.wasm` in `staging` (its glue is
/// `<stem>.js`); none where the page has no wasm.
fn wasm_stem(staging: &Path) -> Result<Option<String>> {
    let wasms: Vec<String> = staged_names(staging)?
        .into_iter()
        .filter_map(|name| name.strip_suffix("_bg.wasm").map(str::to_owned))
        .collect();
    match wasms.as_slice() {
        [] => Ok(None),
        [stem] => Ok(Some(stem.clone())),
        _ => Err(Error::Precache(format!("more than one wasm in {}", staging.display()))),
    }
}

/// The hook for a page built apart from the phone app (`office.html`, into
/// `dist/office/`): its inline loader moves into a file of its own (see
/// [`externalize_page`]); then its hashed files get their compressed twins.
/// It has no service worker: the phone's leaves its URLs alone.
fn side_page(staging: &Path, base: &str, page: &Path) -> Result<()> {
    let loader = externalize_page(staging, base)?;
    println!(
        "precache: {} has no service worker; inline loader {}",
        page.display(),
        loader.as_deref().unwrap_or("none")
    );
    let files = collect_files(staging)?;
    let names: Vec<String> = files.into_iter().map(|f| f.path).filter(|p| is_hashed(p)).collect();
    compress(staging, &names)
}

/// Moves the inline loader of the staged `index.html` into a file of its
/// own (see [`externalize_loader`]), so that no page of the build has an
/// inline script and the server's Content-Security-Policy is one static
/// header (`script-src 'self'`) rather than hashes read from the HTML at
/// run time. The loader's file name, if there was one to move.
fn externalize_page(staging: &Path, base: &str) -> Result<Option<String>> {
    let index = staging.join("index.html");
    let html = fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
    let (html, loader) = externalize_loader(&html, base)?;
    let Some(loader) = loader else {
        return Ok(None);
    };
    let path = staging.join(&loader.path);
    fs::write(&path, &loader.contents).map_err(|e| Error::io(&path, e))?;
    fs::write(&index, html).map_err(|e| Error::io(&index, e))?;
    Ok(Some(loader.path))
}

/// Moves the one inline `<script type="module">` Trunk writes into a page
/// (the wasm loader) into a file named by its content hash
/// (`loader-<16 hex>.js`, served under `base`), and puts a `<script
/// type="module" src=…>` in its place. Any other inline script is an error:
/// the policy would refuse it.
pub fn externalize_loader(html: &str, base: &str) -> Result<(String, Option<SiteFile>)> {
    const OPEN: &str = "<script type=\"module\">";
    const CLOSE: &str = "</script>";
    let mut out = html.to_owned();
    let mut loader = None;
    if let Some(start) = out.find(OPEN) {
        let body_start = start + OPEN.len();
        let end = out[body_start..]
            .find(CLOSE)
            .map(|i| body_start + i)
            .ok_or_else(|| Error::Precache("an inline module script is not closed".into()))?;
        let body = without_top_level_await(&out[body_start..end])?;
        let mut hash = Fnv1a64::new();
        hash.write(body.as_bytes());
        let name = format!("loader-{:016x}.js", hash.finish());
        let tag = format!(
            "<script type=\"module\" src={}></script>",
            json_string(&format!("{}{name}", normalize_base(base)))
        );
        out.replace_range(start..end + CLOSE.len(), &tag);
        loader = Some(SiteFile {
            path: name,
            contents: body.into_bytes(),
        });
    }
    let lower = out.to_ascii_lowercase();
    let inline_left = lower.match_indices("<script").any(|(i, _)| {
        let tag_end = lower[i..].find('>').map_or(lower.len(), |e| i + e);
        !lower[i..tag_end].contains(" src=")
    });
    if inline_left {
        return Err(Error::Precache(
            "the page has an inline script besides Trunk's loader; the Content-Security-Policy would refuse it".into(),
        ));
    }
    Ok((out, loader))
}

/// Trunk's loader awaits the app's start at its top level, which needs
/// ES2022 (Chromium 89); the engine floor's JavaScript is ES2020
/// (xtask/src/floor.rs), so the rest of the loader runs in a `then`
/// instead: the same steps in the same order, and a failed start is an
/// unhandled rejection, which the crash recorder hears as it heard the
/// module's error.
fn without_top_level_await(body: &str) -> Result<String> {
    const AWAIT: &str = "await init(";
    let unexpected = || {
        Error::Precache(format!(
            "the loader awaits otherwise than `[const wasm = ]await init(…);`: {body}"
        ))
    };
    let Some(at) = body.find(AWAIT) else {
        return if body.contains("await") {
            Err(unexpected())
        } else {
            Ok(body.to_owned())
        };
    };
    let line_start = body[..at].rfind('\n').map_or(0, |i| i + 1);
    let binding = match body[line_start..at].trim() {
        "" => "",
        declared => declared
            .strip_prefix("const ")
            .and_then(|d| d.strip_suffix('='))
            .map(str::trim)
            .ok_or_else(unexpected)?,
    };
    let open = at + AWAIT.len() - 1;
    let mut depth = 0usize;
    let mut close = None;
    for (i, c) in body[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close.ok_or_else(unexpected)?;
    let rest = &body[close + 1..];
    let rest = rest.strip_prefix(';').unwrap_or(rest);
    if rest.contains("await") {
        return Err(unexpected());
    }
    let call = &body[at + "await ".len()..=close];
    Ok(format!(
        "{}{call}.then(({binding}) => {{{rest}}});\n",
        &body[..line_start]
    ))
}

/// Whether the file may get compressed twins: only names with Trunk's
/// content hash (`main-0123456789abcdef.css`: a 64-bit hash in hex without
/// leading zeros, so a sixteenth of the builds have 15 digits or fewer;
/// 12 to 16 are taken, the odds of a shorter one are one in a million),
/// which change
/// with their contents. A twin of `sw.js` or `index.html` would go stale the
/// moment the file is replaced without its twins, and the server would keep
/// sending the old one (such files are small; the server compresses them as
/// it sends them).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '_', '.'])
        .any(|part| (12..=16).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The kinds of file worth compressing; images and icons are compressed
/// already.
const COMPRESSIBLE: &[&str] = &[".wasm", ".js", ".css", ".html", ".webmanifest", ".json", ".svg", ".txt"];

fn is_compressed_twin(name: &str) -> bool {
    name.ends_with(".br") || name.ends_with(".gz")
}

/// Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9)
/// beside each compressible hashed file, once at build time, so the server sends
/// the smallest encoding the phone accepts without compressing anything per
/// request (`ServeDir::precompressed_br`). A twin no smaller than its file
/// is not written. Node does the compressing: this tool is std-only, and
/// node is on every machine that builds the app (wasm-opt comes from npm).
fn compress(dir: &Path, names: &[String]) -> Result<()> {
    const SCRIPT: &str = r#"
const zlib = require('zlib'), fs = require('fs'), path = require('path');
const [dir, ...names] = process.argv.slice(1);
let raw = 0, br = 0;
for (const name of names) {
  const file = path.join(dir, name);
  const bytes = fs.readFileSync(file);
  const twins = [
    ['.br', zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })],
    ['.gz', zlib.gzipSync(bytes, { level: 9 })],
  ];
  for (const [ext, packed] of twins) {
    if (packed.length < bytes.length) fs.writeFileSync(file + ext, packed);
    if (ext === '.br') { raw += bytes.length; br += Math.min(packed.length, bytes.length); }
  }
}
console.log(`compressed: ${names.length} files, ${raw} bytes, ${br} as brotli`);
"#;
    let names: Vec<&String> = names
        .iter()
        .filter(|n| COMPRESSIBLE.iter().any(|ext| n.ends_with(ext)))
        .collect();
    crate::cmd::run(
        std::process::Command::new("node")
            .arg("-e")
            .arg(SCRIPT)
            .arg(dir)
            .args(names),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str =
        "const PRECACHE = [/*PRECACHE*/];\nconst VERSION = \"/*VERSION*/\";\nconst CACHE = 'kuaibao-' + VERSION;\n";

    #[test]
    fn the_loader_moves_out_of_the_page() {
        let html = "<html><head><link rel=\"modulepreload\" href=\"/office/office-1.js\">\n\
            <script type=\"module\">\nimport init from '/office/office-1.js';\nawait init();\n</script></head>\n\
            <body></body></html>";
        let (page, loader) = externalize_loader(html, "/office/").unwrap();
        let loader = loader.expect("a loader");
        assert!(is_hashed(&loader.path), "{}", loader.path);
        assert_eq!(
            String::from_utf8(loader.contents.clone()).unwrap(),
            "\nimport init from '/office/office-1.js';\ninit().then(() => {\n});\n"
        );
        assert!(page.contains(&format!(
            "<script type=\"module\" src=\"/office/{}\"></script></head>",
            loader.path
        )));
        assert!(!page.contains("await init"));
        // Idempotent: a page with no inline script is left alone.
        let (again, none) = externalize_loader(&page, "/office/").unwrap();
        assert_eq!(again, page);
        assert!(none.is_none());
        assert!(externalize_loader("<script>alert(1)</script>", "/").is_err());
    }

    #[test]
    fn the_loader_starts_the_app_without_a_top_level_await() {
        // Trunk 0.21's loader, as it writes it.
        let trunk = "\nimport init, * as bindings from '/kuaibao-1.js';\n\
            const wasm = await init({ module_or_path: '/kuaibao-1_bg.wasm' });\n\n\n\
            window.wasmBindings = bindings;\n\n\n\
            dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));\n\n";
        assert_eq!(
            without_top_level_await(trunk).unwrap(),
            "\nimport init, * as bindings from '/kuaibao-1.js';\n\
            init({ module_or_path: '/kuaibao-1_bg.wasm' }).then((wasm) => {\n\n\n\
            window.wasmBindings = bindings;\n\n\n\
            dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));\n\n});\n"
        );
        // Nothing awaited: as it is. Awaited otherwise: refused, not guessed.
        assert_eq!(without_top_level_await("init();\n").unwrap(), "init();\n");
        for odd in [
            "let wasm = await init();\n",
            "const wasm = await init();\nawait later();\n",
            "await other();\n",
            "const wasm = await init(;\n",
        ] {
            assert!(without_top_level_await(odd).is_err(), "{odd}");
        }
    }

    #[test]
    fn the_phone_pages_loader_moves_out_and_is_precached() {
        let dir = std::env::temp_dir().join(format!("xtask-phone-page-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // As Trunk stages it: the crash recorder as a classic script file
        // first, then the inline module loader.
        let html = "<html><head><script src=\"/recorder-0123456789abcdef.js\" integrity=\"sha384-x\"></script>\n\
            <script type=\"module\">\nimport init from '/kuaibao-1.js';\nawait init();\n</script></head></html>";
        fs::write(dir.join("index.html"), html).unwrap();
        fs::write(dir.join("recorder-0123456789abcdef.js"), "(function(){})();").unwrap();
        fs::write(dir.join(SW_FILE), include_str!("../../public/sw.js")).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        phone_page(root, &dir, "/").unwrap();

        let page = fs::read_to_string(dir.join("index.html")).unwrap();
        let (_, left) = externalize_loader(&page, "/").unwrap();
        assert!(left.is_none(), "no inline script is left: {page}");
        let recorder = page.find("/recorder-0123456789abcdef.js").unwrap();
        let loader_at = page.find("<script type=\"module\" src=\"/loader-").unwrap();
        assert!(recorder < loader_at, "the recorder still comes first: {page}");
        let loader = &page[loader_at + "<script type=\"module\" src=\"/".len()..];
        let loader = &loader[..loader.find('"').unwrap()];
        assert_eq!(
            fs::read_to_string(dir.join(loader)).unwrap(),
            "\nimport init from '/kuaibao-1.js';\ninit().then(() => {\n});\n"
        );
        let sw = fs::read_to_string(dir.join(SW_FILE)).unwrap();
        for url in [
            format!("/{loader}"),
            "/recorder-0123456789abcdef.js".into(),
            "/index.html".into(),
        ] {
            assert!(sw.contains(&format!("\"{url}\"")), "{url} is precached");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn compressed_twins_are_not_site_files() {
        assert!(is_compressed_twin("kuaibao-0123_bg.wasm.br"));
        assert!(is_compressed_twin("main.css.gz"));
        assert!(!is_compressed_twin("icons/icon-192.png"));
        assert!(!is_compressed_twin("sw.js"));
    }

    #[test]
    fn only_hashed_names_get_twins() {
        assert!(is_hashed("kuaibao-eb70a126a372e601_bg.wasm"));
        assert!(is_hashed("kuaibao-eb70a126a372e601.js"));
        assert!(is_hashed("main-785337fbcdbc9b72.css"));
        // A hash with a leading zero is written with 15 digits.
        assert!(is_hashed("main-dc1bf57cc176eea.css"));
        for entry in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "photo-worker.js",
            "main-abcd.css",
        ] {
            assert!(!is_hashed(entry), "{entry}");
        }
    }

    fn file(path: &str, contents: &str) -> SiteFile {
        SiteFile {
            path: path.to_string(),
            contents: contents.as_bytes().to_vec(),
        }
    }

    fn site() -> Vec<SiteFile> {
        vec![
            file("index.html", "<!doctype html>"),
            file("kuaibao-3f2a.js", "export default 1"),
            file("kuaibao-3f2a_bg.wasm", "\0asm"),
            file("main-9c1d.css", "body{}"),
            file("manifest.webmanifest", "{}"),
            file("icons/icon-192.png", "png"),
            file("sw.js", TEMPLATE),
        ]
    }

    #[test]
    fn lists_every_file_and_the_root_but_not_the_worker() {
        let r = render_sw(TEMPLATE, "/", &site()).unwrap();
        assert_eq!(
            r.urls,
            [
                "/",
                "/icons/icon-192.png",
                "/index.html",
                "/kuaibao-3f2a.js",
                "/kuaibao-3f2a_bg.wasm",
                "/main-9c1d.css",
                "/manifest.webmanifest",
            ]
        );
        assert!(!r.text.contains("/*PRECACHE*/"));
        assert!(!r.text.contains("/*VERSION*/"));
        assert!(!r.text.contains("\"/sw.js\""));
        assert!(r.text.contains("  \"/kuaibao-3f2a_bg.wasm\",\n"));
        assert!(r.text.contains(&format!("const VERSION = \"{}\";", r.version)));
        assert_eq!(r.version.len(), 16);
        assert!(r.version.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn output_is_a_js_array_literal() {
        let r = render_sw(TEMPLATE, "/", &[file("index.html", "x")]).unwrap();
        assert!(r
            .text
            .starts_with("const PRECACHE = [\n  \"/\",\n  \"/index.html\",\n];\n"));
    }

    #[test]
    fn any_change_of_any_file_changes_the_version() {
        let base = render_sw(TEMPLATE, "/", &site()).unwrap().version;

        let mut changed = site();
        changed[3].contents = b"body{color:red}".to_vec();
        assert_ne!(render_sw(TEMPLATE, "/", &changed).unwrap().version, base);

        let mut renamed = site();
        renamed[1].path = "kuaibao-4444.js".into();
        assert_ne!(render_sw(TEMPLATE, "/", &renamed).unwrap().version, base);

        let mut added = site();
        added.push(file("icons/icon-512.png", "png"));
        assert_ne!(render_sw(TEMPLATE, "/", &added).unwrap().version, base);

        let mut removed = site();
        removed.remove(5);
        assert_ne!(render_sw(TEMPLATE, "/", &removed).unwrap().version, base);

        let other_template = format!("{TEMPLATE}// v2\n");
        assert_ne!(render_sw(&other_template, "/", &site()).unwrap().version, base);
    }

    #[test]
    fn moving_bytes_between_path_and_contents_changes_the_version() {
        let a = render_sw(TEMPLATE, "/", &[file("ab", "c")]).unwrap();
        let b = render_sw(TEMPLATE, "/", &[file("a", "bc")]).unwrap();
        assert_ne!(a.version, b.version);
    }

    #[test]
    fn the_worker_itself_does_not_change_the_version() {
        // The staged sw.js is the template; its bytes count once, as template.
        let with = render_sw(TEMPLATE, "/", &site()).unwrap();
        let mut without = site();
        without.retain(|f| f.path != "sw.js");
        assert_eq!(render_sw(TEMPLATE, "/", &without).unwrap(), with);
    }

    #[test]
    fn input_order_does_not_matter() {
        let mut reversed = site();
        reversed.reverse();
        assert_eq!(
            render_sw(TEMPLATE, "/", &reversed).unwrap(),
            render_sw(TEMPLATE, "/", &site()).unwrap()
        );
    }

    #[test]
    fn same_input_same_output() {
        assert_eq!(
            render_sw(TEMPLATE, "/", &site()).unwrap(),
            render_sw(TEMPLATE, "/", &site()).unwrap()
        );
    }

    #[test]
    fn public_url_prefixes_every_entry() {
        let r = render_sw(TEMPLATE, "/app", &[file("index.html", "x")]).unwrap();
        assert_eq!(r.urls, ["/app/", "/app/index.html"]);
        let r = render_sw(TEMPLATE, "", &[file("index.html", "x")]).unwrap();
        assert_eq!(r.urls, ["/", "/index.html"]);
    }

    #[test]
    fn odd_file_names_are_encoded() {
        let r = render_sw(TEMPLATE, "/", &[file("a b/\"快\".png", "x")]).unwrap();
        assert_eq!(r.urls[1], "/a%20b/%22%E5%BF%AB%22.png");
    }

    #[test]
    fn missing_or_repeated_placeholders_are_errors() {
        let filled = render_sw(TEMPLATE, "/", &site()).unwrap().text;
        assert!(render_sw(&filled, "/", &site()).is_err());
        let twice = format!("{TEMPLATE}{TEMPLATE}");
        assert!(render_sw(&twice, "/", &site()).is_err());
        assert!(render_sw("const VERSION = \"/*VERSION*/\";", "/", &site()).is_err());
    }

    #[test]
    fn duplicate_paths_are_errors() {
        let files = [file("index.html", "a"), file("index.html", "b")];
        assert!(render_sw(TEMPLATE, "/", &files).is_err());
    }

    #[test]
    fn fnv_matches_reference_values() {
        let mut h = Fnv1a64::new();
        assert_eq!(h.finish(), 0xcbf29ce484222325);
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63dc4c8601ec8c);
        let mut h = Fnv1a64::new();
        h.write(b"foobar");
        assert_eq!(h.finish(), 0x85944171f73967e8);
    }

    #[test]
    fn the_real_template_has_each_placeholder_once() {
        let source = include_str!("../../public/sw.js");
        let r = render_sw(source, "/", &site()).unwrap();
        assert!(r.text.contains("const PRECACHE = [\n  \"/\",\n"));
        assert!(r.text.contains(&format!("const VERSION = \"{}\";", r.version)));
    }

    #[test]
    fn collects_a_directory_tree_with_relative_paths() {
        let dir = std::env::temp_dir().join(format!("xtask-precache-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("icons")).unwrap();
        fs::write(dir.join("index.html"), "i").unwrap();
        fs::write(dir.join("sw.js"), TEMPLATE).unwrap();
        fs::write(dir.join("icons/icon-192.png"), "p").unwrap();
        let files = collect_files(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["icons/icon-192.png", "index.html", "sw.js"]);
        assert_eq!(files[0].contents, b"p");
    }
}
