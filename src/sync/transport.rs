//! How a report travels to the server. A trait, because the outbox is also
//! driven by a scripted transport in the browser tests.

use gloo_net::http::Request;
use kuaibao_core::protocol::SUBMIT_REPORT_PATH;
use kuaibao_core::Report;
use thiserror::Error;

/// What came back: the status and the body, undecoded. Deciding what it
/// means is the outbox's job.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: String,
}

/// No answer at all: offline, DNS, a dropped connection, a timeout.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{0}")]
pub struct NetError(pub String);

// The app is single-threaded wasm: no caller needs the future to be `Send`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn submit(&self, report: &Report) -> Result<HttpAnswer, NetError>;
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

impl Transport for HttpTransport {
    async fn submit(&self, report: &Report) -> Result<HttpAnswer, NetError> {
        let abort = web_sys::AbortController::new().map_err(|e| NetError(format!("{e:?}")))?;
        let signal = abort.signal();
        let _timeout = gloo_timers::callback::Timeout::new(self.timeout_ms, move || abort.abort());
        let response = Request::post(SUBMIT_REPORT_PATH)
            .abort_signal(Some(&signal))
            .json(report)
            .map_err(|e| NetError(e.to_string()))?
            .send()
            .await
            .map_err(|e| NetError(e.to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| NetError(e.to_string()))?;
        Ok(HttpAnswer { status, body })
    }
}
