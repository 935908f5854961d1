//! How a report travels to the server. A trait, because the outbox is also
//! driven by a scripted transport in the browser tests.

use gloo_net::http::{Request, RequestBuilder, Response};
use kuaibao_core::wire::protocol::{
    Receipt, AUTHORIZATION_HEADER, BEARER, CLOCK_HEADER, FIRST_RECEIPT_HEADER, SUBMIT_REPORT_PATH,
};
use kuaibao_core::Report;
use thiserror::Error;
use wasm_bindgen::JsValue;

/// What came back: the status, the body undecoded, and how long the
/// server asked to wait (`Retry-After`, seconds). Deciding what it means is
/// the outbox's job.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: String,
    pub retry_after_s: Option<u64>,
}

/// The seconds of a response's `Retry-After`, if it has one.
pub fn retry_after(response: &Response) -> Option<u64> {
    response
        .headers()
        .get("Retry-After")
        .and_then(|v| kuaibao_core::backoff::retry_after_seconds(&v))
}

/// No answer at all: offline, DNS, a dropped connection, a timeout.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{0}")]
pub struct NetError(pub String);

/// What a worker reads when a send had no answer at all: what happened in
/// her words, never the browser's ("TypeError: Failed to fetch").
pub const NO_ANSWER_NOTE: &str = crate::words::NO_ANSWER.zh;

impl NetError {
    /// The note kept on a report whose send failed so: [`NO_ANSWER_NOTE`].
    /// The browser's own words go to the console, for whoever debugs.
    pub fn worker_note(&self) -> String {
        leptos::logging::warn!("send failed: {}", self.0);
        NO_ANSWER_NOTE.to_owned()
    }
}

impl From<gloo_net::Error> for NetError {
    /// The browser's words. Not gloo-net's `Display`, whose JSON variant
    /// (Leptos turns it on; the app never has gloo-net decode JSON) would
    /// link serde_json's error texts into the download.
    fn from(e: gloo_net::Error) -> Self {
        NetError(match e {
            gloo_net::Error::JsError(e) => e.to_string(),
            gloo_net::Error::GlooError(text) => text,
            #[allow(unreachable_patterns)]
            _ => "cannot read the answer".to_owned(),
        })
    }
}

// The app is single-threaded wasm: no caller needs the future to be `Send`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `report` with the session's `token`, and the sealed receipt
    /// the server first gave it, when it is sent again after a restore of
    /// the server lost it (`LocalReport::first_receipt`).
    async fn submit(
        &self,
        report: &Report,
        first_receipt: Option<&Receipt>,
        token: &str,
    ) -> Result<HttpAnswer, NetError>;
}

/// The `Authorization` header's value for a session token.
pub fn bearer(token: &str) -> String {
    format!("{BEARER}{token}")
}

/// The real transport: `fetch` to the server this app was loaded from.
pub struct HttpTransport {
    /// Give up on one request after this long: on a weak link a hung request
    /// must not hold the report in "sending" forever.
    pub timeout_ms: u32,
}

impl Default for HttpTransport {
    fn default() -> Self {
        HttpTransport { timeout_ms: 30_000 }
    }
}

/// Sends a request, giving up after `timeout_ms`: on a weak link a hung
/// request must not hold anything in "sending" forever.
pub async fn with_timeout(
    timeout_ms: u32,
    request: RequestBuilder,
    body: Option<JsValue>,
) -> Result<Response, NetError> {
    let abort = web_sys::AbortController::new().map_err(|e| NetError(crate::platform::js_error(&e)))?;
    let signal = abort.signal();
    let _timeout = gloo_timers::callback::Timeout::new(timeout_ms, move || abort.abort());
    let request = request.abort_signal(Some(&signal));
    let request: Request = match body {
        Some(body) => request.body(body),
        None => request.build(),
    }?;
    Ok(request.send().await?)
}

/// One page of a list the server answers a page at a time, read with the
/// session's `token`: its body and the next page's address (its `Link`
/// header); `None` when the server did not answer 200 (an older server
/// without the list answers 404).
pub async fn page(path: &str, token: &str, timeout_ms: u32) -> Result<Option<(String, Option<String>)>, NetError> {
    let request = RequestBuilder::new(path).header(AUTHORIZATION_HEADER, &bearer(token));
    let response = with_timeout(timeout_ms, request, None).await?;
    if response.status() != 200 {
        return Ok(None);
    }
    let next = response
        .headers()
        .get("link")
        .and_then(|link| kuaibao_core::wire::page::next_of(&link).map(str::to_owned));
    Ok(Some((response.text().await?, next)))
}

/// Up to `max_pages` pages of a list from `from`, each page's JSON array
/// read as `T`s (`what` names the list in an error), and the next page's
/// address (`None` at the list's end); `None` when the server did not
/// answer with a list.
pub async fn pages<T: serde::de::DeserializeOwned>(
    from: String,
    token: &str,
    timeout_ms: u32,
    max_pages: usize,
    what: &str,
) -> Result<Option<(Vec<T>, Option<String>)>, NetError> {
    let mut all = Vec::new();
    let mut next = Some(from);
    for _ in 0..max_pages {
        let Some(path) = next.take() else { break };
        let Some((body, after)) = page(&path, token, timeout_ms).await? else {
            return Ok(None);
        };
        next = after;
        let listed: Vec<T> = kuaibao_core::wire::json::from_str(&body).map_err(|e| NetError(format!("{what}: {e}")))?;
        all.extend(listed);
    }
    Ok(Some((all, next)))
}

impl Transport for HttpTransport {
    async fn submit(
        &self,
        report: &Report,
        first_receipt: Option<&Receipt>,
        token: &str,
    ) -> Result<HttpAnswer, NetError> {
        // Cannot fail for a report (string keys, no custom errors); the
        // message is a fixed one so serde_json's error texts stay out of
        // the download.
        let json = serde_json::to_string(report).map_err(|_| NetError("cannot write the report as JSON".to_owned()))?;
        // The phone's clock at sending: the server measures the offset
        // itself on arrival, whatever the phone believed when it wrote.
        let clock = (crate::platform::now_ms() as i64).to_string();
        let request = RequestBuilder::new(SUBMIT_REPORT_PATH)
            .method(gloo_net::http::Method::POST)
            .header("Content-Type", "application/json")
            .header(AUTHORIZATION_HEADER, &bearer(token))
            .header(CLOCK_HEADER, &clock);
        let request = match first_receipt.and_then(Receipt::first_receipt_header) {
            Some(claim) => request.header(FIRST_RECEIPT_HEADER, &claim),
            None => request,
        };
        let response = with_timeout(self.timeout_ms, request, Some(JsValue::from_str(&json))).await?;
        let status = response.status();
        let retry_after_s = retry_after(&response);
        let body = response.text().await?;
        Ok(HttpAnswer {
            status,
            body,
            retry_after_s,
        })
    }
}
