//! Headers that tell browsers to hold the app to what it is: a page that
//! runs only its own scripts and wasm, talks only to its own server, is
//! never framed, and sends no referrer. On every answer, app and API alike,
//! but for the page's own parts (see [`set_headers`]).
//!
//! The Content-Security-Policy is one header fixed at start: the build
//! leaves no inline script in any page (`cargo xtask precache` moves Trunk's
//! loader into a file; the phone's crash recorder is a file of its own), so
//! `script-src 'self'` covers them, no hash has to be read from the HTML,
//! and a new build deployed under a running server needs nothing new.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

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

/// The policy, with `{styles}` for the hash of the one inline stylesheet
/// the server writes itself (the written report's, `export::written`) and
/// `{images}` for the origin of the duty office map's tiles
/// (`KUAIBAO_MAP_TILES`, see `kuaibao_core::desk::geo::tile_origin`) (each with a
/// leading space, or nothing).
///
/// - `script-src 'self'`: the app's own script files only; no inline
///   script, so no `'unsafe-inline'` and no hashes.
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
fn policy(styles: &str, images: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'{styles}; \
         img-src 'self' blob: data:{images}; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; \
         manifest-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The headers, fixed at start.
#[derive(Debug)]
pub struct SecurityHeaders {
    https: bool,
    csp: HeaderValue,
}

impl SecurityHeaders {
    /// `https` adds HSTS; `tile_origin`: the map tiles' origin, allowed as
    /// an image source.
    pub fn new(https: bool, tile_origin: Option<&str>) -> Arc<Self> {
        let images = tile_origin.map(|o| format!(" {o}")).unwrap_or_default();
        let styles = format!(" '{}'", crate::export::written::style_hash());
        let text = policy(&styles, &images);
        // A hash is base64 and a tile origin was checked to be one
        // (`kuaibao_core::desk::geo::tile_origin`): always a valid header; were
        // it not, the strictest policy rather than none.
        let csp = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        Arc::new(SecurityHeaders { https, csp })
    }

    /// The policy.
    pub fn csp(&self) -> HeaderValue {
        self.csp.clone()
    }
}

/// Middleware: the headers on every answer.
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

    #[test]
    fn the_policy_is_strict_and_static() {
        let csp = SecurityHeaders::new(false, None).csp();
        let csp = csp.to_str().expect("ascii");
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'sha256-"),
            "{csp}"
        );
        assert!(
            csp.contains(&format!("style-src 'self' '{}';", crate::export::written::style_hash())),
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
        // The only hash is the written report's stylesheet's.
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
    }

    #[test]
    fn the_map_tiles_origin_is_an_image_source_and_nothing_else() {
        let plain = SecurityHeaders::new(false, None).csp();
        assert!(
            plain.to_str().expect("ascii").contains("img-src 'self' blob: data:; "),
            "{plain:?}"
        );
        let tiles = SecurityHeaders::new(false, Some("https://*.tile.openstreetmap.org")).csp();
        let tiles = tiles.to_str().expect("ascii");
        assert!(
            tiles.contains("img-src 'self' blob: data: https://*.tile.openstreetmap.org; media-src 'self' blob:;"),
            "{tiles}"
        );
        assert_eq!(tiles.matches("openstreetmap").count(), 1, "{tiles}");
    }
}
