//! Headers that tell browsers to hold the app to what it is: a page that
//! runs only its own scripts and wasm, talks only to its own server, is
//! never framed, and sends no referrer. On every answer, app and API alike,
//! but for the page's own parts (see [`set_headers`]).
//!
//! The Content-Security-Policy allows the one inline script Trunk writes
//! into `index.html` (the loader of the wasm module) by its SHA-256, which
//! is read from the static dir's `index.html` at start and again whenever
//! that file changes (a new build deployed under a running server), so no
//! `'unsafe-inline'` is ever needed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::static_files::is_page_part;

const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");

/// Only the camera (the 拍照 and 录像 buttons), geolocation (the GPS
/// blank), the microphone (the 录音 button's voice notes) and fullscreen
/// (a video clip played on the desk), and only for the app itself; every
/// other powerful feature is off.
pub const PERMISSIONS: &str = "camera=(self), geolocation=(self), microphone=(self), fullscreen=(self), \
     accelerometer=(), autoplay=(), display-capture=(), encrypted-media=(), gyroscope=(), hid=(), \
     idle-detection=(), magnetometer=(), midi=(), payment=(), picture-in-picture=(), \
     publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()";

/// A year, as browsers expect for HSTS; not `includeSubDomains`, which is
/// the domain owner's decision, not this server's.
pub const HSTS: &str = "max-age=31536000";

/// The policy, with `{scripts}` and `{styles}` for the hashes of the inline
/// scripts and styles of `index.html`, and `{images}` for the origin of the
/// duty office map's tiles (`KUAIBAO_MAP_TILES`, see
/// `kuaibao_core::geo::tile_origin`) (each with a leading space, or
/// nothing).
///
/// - `'wasm-unsafe-eval'`: compiling the app's WebAssembly, and nothing
///   else of `eval`'s kind.
/// - `img-src blob: data:`: photos shown from the phone's own storage
///   (object URLs) and small inline icons.
/// - `media-src 'self' blob:`: video clips and voice notes played from the
///   phone's storage or, on the desk, from the bytes it fetched with its
///   token (object URLs).
/// - `worker-src 'self'`: the service worker and the photo worker.
/// - `base-uri 'none'`, `object-src 'none'`, `frame-ancestors 'none'`,
///   `form-action 'self'`: nothing may re-point, embed or frame the app.
fn policy(scripts: &str, styles: &str, images: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; style-src 'self'{styles}; \
         img-src 'self' blob: data:{images}; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; \
         manifest-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The headers and what they are computed from.
#[derive(Debug)]
pub struct SecurityHeaders {
    index_html: PathBuf,
    https: bool,
    /// Other origins images may come from (the map's tiles), each with a
    /// leading space.
    images: String,
    /// The policy and the `index.html` it was computed from (modification
    /// time and length; `None` when there is none).
    csp: Mutex<(Option<(SystemTime, u64)>, HeaderValue)>,
}

impl SecurityHeaders {
    /// For the app in `static_dir`; `https` adds HSTS; `tile_origin`: the
    /// map tiles' origin, allowed as an image source.
    pub fn new(static_dir: &Path, https: bool, tile_origin: Option<&str>) -> Arc<Self> {
        let index_html = static_dir.join("index.html");
        let stamp = stamp(std::fs::metadata(&index_html).ok());
        let images = tile_origin.map(|o| format!(" {o}")).unwrap_or_default();
        let csp = csp_of(std::fs::read_to_string(&index_html).ok().as_deref(), &images);
        Arc::new(SecurityHeaders {
            index_html,
            https,
            images,
            csp: Mutex::new((stamp, csp)),
        })
    }

    /// The current policy.
    pub fn csp(&self) -> HeaderValue {
        self.csp.lock().unwrap_or_else(|e| e.into_inner()).1.clone()
    }

    /// Recomputes the policy if `index.html` changed since it was read.
    async fn refresh(&self) {
        let now = stamp(tokio::fs::metadata(&self.index_html).await.ok());
        let known = self.csp.lock().unwrap_or_else(|e| e.into_inner()).0;
        if now == known {
            return;
        }
        let html = tokio::fs::read_to_string(&self.index_html).await.ok();
        let csp = csp_of(html.as_deref(), &self.images);
        tracing::info!("index.html changed: Content-Security-Policy recomputed");
        *self.csp.lock().unwrap_or_else(|e| e.into_inner()) = (now, csp);
    }
}

fn stamp(meta: Option<std::fs::Metadata>) -> Option<(SystemTime, u64)> {
    let meta = meta?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The policy for this `index.html` (`None`: there is no app, so no inline
/// script to allow) and these extra image sources.
fn csp_of(index_html: Option<&str>, images: &str) -> HeaderValue {
    let (scripts, mut styles) = index_html.map(inline_hashes).unwrap_or_default();
    // The written report's one stylesheet (`export::written`), a page the
    // server makes itself.
    styles.push(crate::export::written::style_hash());
    let source_list = |hashes: Vec<String>| hashes.iter().map(|h| format!(" '{h}'")).collect::<String>();
    let text = policy(&source_list(scripts), &source_list(styles), images);
    // Hashes are base64 and the rest is ASCII: always a valid header.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// `sha256-…` of each inline `<script>` (one without `src`) and each
/// `<style>` element in `html`, as CSP hashes them: the exact text between
/// the tags.
pub fn inline_hashes(html: &str) -> (Vec<String>, Vec<String>) {
    let hash = |text: &str| format!("sha256-{}", BASE64.encode(Sha256::digest(text.as_bytes())));
    let scripts = elements(html, "script")
        .into_iter()
        .filter(|(attributes, _)| !has_attribute(attributes, "src"))
        .map(|(_, text)| hash(text))
        .collect();
    let styles = elements(html, "style")
        .into_iter()
        .map(|(_, text)| hash(text))
        .collect();
    (scripts, styles)
}

/// Each `<tag …>text</tag>` of `html`: its attributes' text and its text.
/// Enough HTML for the files Trunk writes: script and style contents are
/// raw text, ending at the first `</tag`.
fn elements<'a>(html: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    // ASCII lowercasing keeps byte offsets, so positions in `lower` are
    // positions in `html`.
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find(&open).map(|i| at + i) {
        let after_name = start + open.len();
        // `<scripts>` or `<style-x>` are other elements.
        let next = lower.as_bytes().get(after_name).copied();
        if !matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')) {
            at = after_name;
            continue;
        }
        let Some(tag_end) = lower[after_name..].find('>').map(|i| after_name + i) else {
            break;
        };
        let Some(text_end) = lower[tag_end..].find(&close).map(|i| tag_end + i) else {
            break;
        };
        found.push((&html[after_name..tag_end], &html[tag_end + 1..text_end]));
        at = text_end + close.len();
    }
    found
}

/// Whether an attribute list names `name` (as a whole word before `=` or
/// alone).
fn has_attribute(attributes: &str, name: &str) -> bool {
    attributes
        .to_ascii_lowercase()
        .split(|c: char| c.is_ascii_whitespace() || c == '/')
        .any(|word| word == name || word.starts_with(&format!("{name}=")))
}

/// Middleware: the headers on every answer. The policy is refreshed when an
/// HTML page is served, the only answer whose inline scripts run.
///
/// The page's own parts (the wasm, its JS glue and snippets, the
/// stylesheets: [`is_page_part`]) get only `nosniff` and the referrer
/// policy. Browsers read the policy, framing and permissions headers of
/// pages and workers only; on a part they are ignored, and on a first
/// visit over a weak link their 900 bytes on each of the five parts the
/// login screen waits for cost about a tenth of a second.
pub async fn set_headers(State(headers): State<Arc<SecurityHeaders>>, request: Request, next: Next) -> Response {
    let page_part = is_page_part(request.uri().path());
    let mut response = next.run(request).await;
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("text/html") {
        headers.refresh().await;
    }
    // Only what is really a part: the app's fallback answers any path with
    // `index.html`, and a page always gets everything.
    let part = page_part && PART_TYPES.iter().any(|t| content_type.starts_with(t));
    let h = response.headers_mut();
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !part {
        h.insert(CONTENT_SECURITY_POLICY, headers.csp());
        h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(PERMISSIONS_POLICY, HeaderValue::from_static(PERMISSIONS));
    }
    if headers.https {
        h.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

/// The content types a page part is served with.
const PART_TYPES: &[&str] = &[
    "application/wasm",
    "text/css",
    "text/javascript",
    "application/javascript",
];

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_INDEX: &str = "<!DOCTYPE html><html><head>\n<link rel=\"stylesheet\" href=\"/main.css\"/>\n\
        <script type=\"module\">\nimport init from '/kuaibao.js';\nawait init();\n</script>\n\
        <script src=\"/other.js\"></script><SCRIPT>x()</SCRIPT><scripts>no</scripts>\
        <style>body{}</style></head><body></body></html>";

    #[test]
    fn inline_scripts_and_styles_are_hashed_and_external_ones_are_not() {
        let (scripts, styles) = inline_hashes(TRUNK_INDEX);
        let hash = |t: &str| format!("sha256-{}", BASE64.encode(Sha256::digest(t.as_bytes())));
        assert_eq!(
            scripts,
            [hash("\nimport init from '/kuaibao.js';\nawait init();\n"), hash("x()")]
        );
        assert_eq!(styles, [hash("body{}")]);
    }

    #[test]
    fn a_known_hash_matches_what_browsers_compute() {
        // The example of the CSP specification's hash source (§ 2.3.1):
        // `alert('Hello, world.');`.
        let (scripts, _) = inline_hashes("<script>alert('Hello, world.');</script>");
        assert_eq!(scripts, ["sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng="]);
    }

    #[test]
    fn the_policy_is_strict_and_names_the_hashes() {
        let csp = csp_of(Some(TRUNK_INDEX), "");
        let csp = csp.to_str().expect("ascii");
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        for part in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "connect-src 'self'",
            "media-src 'self' blob:;",
        ] {
            assert!(csp.contains(part), "{part}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let without_app = csp_of(None, "");
        let without_app = without_app.to_str().expect("ascii");
        assert!(
            without_app.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval'; style-src 'self' '{}';",
                crate::export::written::style_hash()
            )),
            "{without_app}"
        );
    }

    #[test]
    fn the_map_tiles_origin_is_an_image_source_and_nothing_else() {
        let dir = std::env::temp_dir().join("kuaibao-no-such-static-dir");
        let plain = SecurityHeaders::new(&dir, false, None).csp();
        assert!(
            plain.to_str().expect("ascii").contains("img-src 'self' blob: data:; "),
            "{plain:?}"
        );
        let tiles = SecurityHeaders::new(&dir, false, Some("https://*.tile.openstreetmap.org")).csp();
        let tiles = tiles.to_str().expect("ascii");
        assert!(
            tiles.contains("img-src 'self' blob: data: https://*.tile.openstreetmap.org; media-src 'self' blob:;"),
            "{tiles}"
        );
        assert_eq!(tiles.matches("openstreetmap").count(), 1, "{tiles}");
    }
}
