//! The deployment's deadline rules, served with the templates: read at the
//! end of every pass that reached the server and kept on the phone, so the
//! phone counts its deadlines by its office's rules offline too (the
//! national set until the first read).

use gloo_net::http::RequestBuilder;
use kuaibao_core::rules::deadlines::rules::{Served, SERVED_AT};
use kuaibao_core::rules::deadlines::RuleSet;
use kuaibao_core::wire::protocol::AUTHORIZATION_HEADER;

use super::transport::{bearer, with_timeout, NetError};

/// As for the requests: a nicety on top of a pass that already delivered.
const TIMEOUT_MS: u32 = 15_000;

/// The server's rules; `None` when it did not answer with them (an older
/// server serves no rules of its own: the phone keeps what it has).
pub async fn fetch(token: &str) -> Result<Option<RuleSet>, NetError> {
    let request = RequestBuilder::new(SERVED_AT).header(AUTHORIZATION_HEADER, &bearer(token));
    let response = with_timeout(TIMEOUT_MS, request, None).await?;
    if response.status() != 200 {
        return Ok(None);
    }
    let body = response.text().await?;
    kuaibao_core::wire::json::from_str::<Served>(&body)
        .map(|s| Some(s.deadlines))
        .map_err(|e| NetError(format!("rules: {e}")))
}
