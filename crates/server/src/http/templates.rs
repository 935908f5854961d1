//! `GET /api/templates`: the catalogue this server judges reports by, for
//! other systems and the duty office, and the deadline rules it applies.
//! The phone has the same catalogue built in (it is the core crate); it
//! reads the rules from here, since they are the deployment's.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kuaibao_core::rules::catalogue;
use kuaibao_core::rules::deadlines::RuleSet;
use kuaibao_core::rules::grading::{GradingRule, CASUALTIES, WORK_SAFETY};
use kuaibao_core::Template;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::AppError;
use super::{AppState, NO_CACHE};

/// The answer's shape.
#[derive(Serialize)]
struct Catalogue<'r> {
    /// Every template of every version: stored reports name the version
    /// they were filled with, so old versions stay readable.
    templates: Vec<&'static Template>,
    /// What a new report may be started with.
    offered: Vec<Offered>,
    grading: [&'static GradingRule; 2],
    /// The deadline rules this server applies (`KUAIBAO_RULES`).
    deadlines: &'r RuleSet,
}

#[derive(Serialize)]
struct Offered {
    id: &'static str,
    version: u32,
}

impl<'r> Catalogue<'r> {
    fn current(rules: &'r RuleSet) -> Self {
        Catalogue {
            templates: catalogue::all().collect(),
            offered: catalogue::offered()
                .into_iter()
                .map(|t| Offered {
                    id: t.id,
                    version: t.version,
                })
                .collect(),
            grading: [&WORK_SAFETY, &CASUALTIES],
            deadlines: rules,
        }
    }
}

/// The catalogue changes only with a deploy (or a restart with another
/// rules file), so it is served `no-cache` with an ETag: a client asks
/// every time and gets a body-less 304 while nothing changed. The tag is
/// weak because the compression layer may send the same JSON in several
/// encodings.
pub async fn templates(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let body = serde_json::to_vec(&Catalogue::current(&state.rules))
        .map_err(|e| AppError::Internal(format!("cannot encode the catalogue: {e}")))?;
    let etag = format!("W/\"{:x}\"", Sha256::digest(&body));
    let matched = matches_etag(&headers, &etag);
    let etag = HeaderValue::from_str(&etag).map_err(|e| AppError::Internal(format!("ETag {etag}: {e}")))?;
    let cache = [(CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)), (ETAG, etag)];
    if matched {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((
        cache,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response())
}

/// `If-None-Match` by the weak comparison (RFC 9110 §13.1.2): `*`, or any
/// listed tag equal to ours once `W/` is set aside.
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    let ours = weak_opaque(etag);
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || weak_opaque(tag) == ours)
}

fn weak_opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn if_none_match(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(IF_NONE_MATCH, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn etags_match_weakly_in_lists_and_by_star() {
        let ours = "W/\"abc\"";
        assert!(matches_etag(&if_none_match("W/\"abc\""), ours));
        assert!(matches_etag(&if_none_match("\"abc\""), ours));
        assert!(matches_etag(&if_none_match("\"x\", W/\"abc\""), ours));
        assert!(matches_etag(&if_none_match("*"), ours));
        assert!(!matches_etag(&if_none_match("W/\"abd\""), ours));
        assert!(!matches_etag(&HeaderMap::new(), ours));
    }

    #[test]
    fn the_catalogue_names_every_template_once() {
        let national = RuleSet::national();
        let c = Catalogue::current(&national);
        assert_eq!(c.templates.len(), catalogue::all().count());
        assert!(c.offered.iter().all(|o| catalogue::find(o.id, o.version).is_some()));
    }
}
