//! The app itself: Trunk's build folder, with the single-page fallback and
//! the cache rules the service worker's update model relies on.

use std::path::Path;

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeader;

/// For files whose name stays the same from build to build (`index.html`,
/// `sw.js`, the photo scripts, wasm-bindgen's snippets, the icons): the browser
/// must ask every time (a cheap 304 when unchanged), or a phone would keep
/// an old service worker, and with it the old app, for as long as cached.
pub const NO_CACHE: &str = "no-cache";
/// For files with a content hash in their name (Trunk's, see
/// [`is_hashed`]): a new build means new names, so a cached file can never
/// be stale.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Serves `static_dir`, answering `index.html` for paths that name no file
/// so that the app's own routes (e.g. `/reports/…`) survive a reload.
pub fn service(static_dir: &Path) -> Router {
    if !static_dir.is_dir() {
        // The API does not need the app: keep running so phones that have
        // the app cached can still deliver reports.
        tracing::warn!(dir = %static_dir.display(), "static dir not found; serving the API only");
        return Router::new().fallback(app_missing);
    }
    let index = static_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(file = %index.display(), "index.html not found; the app will not load");
    }
    // The fallback marks itself no-cache: it answers under any path, and
    // `cache_control` below cannot tell it from a hashed file by the path.
    let index = SetResponseHeader::overriding(ServeFile::new(index), CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    Router::new()
        // The duty office: its own build (`office.html` → `dist/office/`),
        // with its own fallback, so a reload under /office/ never gets the
        // phone app.
        .nest_service(OFFICE, office_service(&static_dir.join("office")))
        // `cargo xtask build` writes a brotli and a gzip twin of each
        // compressible file: sent as they are, no compressing per request.
        .fallback_service(
            ServeDir::new(static_dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index),
        )
        .layer(middleware::from_fn(cache_control))
}

/// Where the duty office is served (`/office` and everything under it).
const OFFICE: &str = "/office";

/// The duty office's files under [`OFFICE`], with its `index.html` for any
/// path that names no file.
fn office_service(dir: &Path) -> Router {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(file = %index.display(), "the duty office is not built; /office/ answers 404");
        return Router::new().fallback(office_missing);
    }
    let index = SetResponseHeader::overriding(ServeFile::new(index), CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    Router::new().fallback_service(
        ServeDir::new(dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(index),
    )
}

async fn office_missing() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "The duty office is not built on this server (cargo xtask build makes dist/office/).\n",
    )
}

async fn app_missing() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "The app is not installed on this server; the API is at /api/.\n",
    )
}

/// Sets `Cache-Control` on files served, unless already set.
async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    // 304 too: the browser takes a 304's headers as the cached file's new ones.
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let value = if hashed { IMMUTABLE } else { NO_CACHE };
        response
            .headers_mut()
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Whether the file's name carries Trunk's content hash
/// (`main-0123456789abcdef.css`: a 64-bit hash in hex without leading
/// zeros, so 12 to 16 digits). The same rule as the build's (`xtask`'s
/// `precache::is_hashed`, which gives exactly these files compressed twins);
/// the build tool is std-only and shares no crate with the server.
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '_', '.'])
        .any(|part| (12..=16).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether `path` is one of the page's own build outputs that a browser
/// only ever loads as a part of the page, never as a page or a worker: the
/// hashed files (the wasm, its JS glue, the stylesheets, the pages'
/// loaders, the phone's crash recorder, the duty office's map) and
/// wasm-bindgen's snippets, the JS modules the glue
/// imports. The workers (`sw.js`, `photo-worker.js`) are neither.
pub fn is_page_part(path: &str) -> bool {
    is_hashed(path) || path.starts_with("/snippets/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_trunks_hash_are_hashed() {
        for p in [
            "/kuaibao-1a2b3c4d5e6f7a8b_bg.wasm",
            "/kuaibao-1a2b3c4d5e6f7a8b.js",
            "/main-dc1bf57cc176eea.css",
            "/office/leaflet-8769c5b3e0f8e98a.js",
        ] {
            assert!(is_hashed(p), "{p}");
            assert!(is_page_part(p), "{p}");
        }
        for p in [
            "/",
            "/index.html",
            "/sw.js",
            "/manifest.webmanifest",
            "/photo-worker.js",
            "/icons/icon-192.png",
            "/main-0f0f.css",
            "/snippets/kuaibao-13b28d017bce11c6/src/pwa/register.js",
        ] {
            assert!(!is_hashed(p), "{p}");
        }
        assert!(is_page_part("/snippets/kuaibao-13b28d017bce11c6/src/pwa/register.js"));
        for p in ["/sw.js", "/photo-worker.js", "/index.html", "/api/health"] {
            assert!(!is_page_part(p), "{p}");
        }
    }
}
