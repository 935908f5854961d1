//! The duty office talking to the server: JSON reads and writes with the
//! officer's bearer token, and downloads (exports, photos) as Blobs, since
//! a link cannot carry the token. No view code here.

mod types;

pub use types::{PhotoCount, ReportPhotos, StoredRecord, Thread};

use gloo_net::http::{Method, RequestBuilder, Response};
use kuaibao_core::wire::protocol::{
    outcome_of_status, ApiError, Outcome, Receipt, AUTHORIZATION_HEADER, CLOCK_HEADER, SUBMIT_REPORT_PATH,
};
use kuaibao_core::{FieldError, Lang, Report};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::sync::{bearer, with_timeout};

/// Why a request did not give what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFail {
    /// 401: the session ended or was revoked; log in again.
    LoggedOut,
    /// 403: this account may not use the duty office.
    Forbidden,
    /// A 4xx that names fields (a filter, a request's message; a record
    /// refused with a 403 that names its `thread`, saying why).
    Fields { message: String, fields: Vec<FieldError> },
    /// Any other answer that is not a success.
    Status { status: u16, message: String },
    /// No answer: the network or the server is down.
    Net(String),
}

impl ApiFail {
    /// The message for field `field`, if the server named it.
    pub fn at(&self, field: &str) -> Option<String> {
        match self {
            ApiFail::Fields { fields, .. } => fields
                .iter()
                .filter(|e| e.field == field)
                .map(|e| e.message(Lang::Zh).to_owned())
                .reduce(|a, b| format!("{a}；{b}")),
            _ => None,
        }
    }

    /// Whether the server judged the request and said no: the next try is
    /// a new request. Not a 5xx, a timeout or a "too many" (a proxy's 502
    /// may come after the server stored it), nor a logged-out session
    /// (the same request goes once logged in again).
    pub fn is_refusal(&self) -> bool {
        match self {
            ApiFail::Forbidden | ApiFail::Fields { .. } => true,
            // The phone's refusals, and a thread not (or no longer) there
            // for this desk, which for an office act is one too.
            ApiFail::Status { status, .. } => {
                outcome_of_status(*status) == Outcome::Rejected || matches!(status, 404 | 410)
            }
            ApiFail::LoggedOut | ApiFail::Net(_) => false,
        }
    }

    /// What to show for the whole request: Chinese, then English, and what
    /// to do next. Never a raw error or an answer's body (a proxy's HTML
    /// page, say): those go to the console (see [`judge`], [`send_with`]).
    pub fn words(&self) -> String {
        match self {
            ApiFail::LoggedOut => "登录已失效，请重新登录。/ Your session has ended: log in again.".to_owned(),
            ApiFail::Forbidden => "此账号无权使用值班室，请用值班员或管理员账号登录。/ This account may not use the duty office: log in as a duty officer or administrator.".to_owned(),
            ApiFail::Fields { message, fields } => {
                let named: Vec<String> = fields.iter().map(|e| format!("{} / {}", e.zh, e.en)).collect();
                if named.is_empty() {
                    message.clone()
                } else {
                    named.join("；")
                }
            }
            ApiFail::Status { status: 429, .. } => {
                "操作太频繁，请稍等片刻再试。/ Too many requests: wait a moment and try again.".to_owned()
            }
            ApiFail::Status { status: 500..=599, .. } => "服务器暂时出错，请稍后再试；一直如此请告诉管理员。/ The server failed: try again later, and tell your administrator if it goes on.".to_owned(),
            ApiFail::Status { status: 404, message } if message.is_empty() => {
                "服务器上找不到这一项，请刷新页面再试。/ Not found on the server: reload the page and try again.".to_owned()
            }
            ApiFail::Status { status, message } if message.is_empty() => format!(
                "服务器的答复无法使用（{status}），请刷新页面再试；一直如此请告诉管理员。/ The server's answer could not be used ({status}): reload the page and try again."
            ),
            // The server's own words (its API errors say what happened).
            ApiFail::Status { status, message } => format!("{message}（{status}）"),
            ApiFail::Net(_) => {
                "连不上服务器，请检查网络后再试。/ Cannot reach the server: check the network and try again.".to_owned()
            }
        }
    }
}

const TIMEOUT_MS: u32 = 30_000;

async fn send(token: &str, method: Method, path: &str, body: Option<String>) -> Result<Response, ApiFail> {
    send_with(token, method, path, body, &[]).await
}

/// [`send`] with more headers.
async fn send_with(
    token: &str,
    method: Method,
    path: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Result<Response, ApiFail> {
    let mut request = RequestBuilder::new(path)
        .method(method)
        .header(AUTHORIZATION_HEADER, &bearer(token));
    if body.is_some() {
        request = request.header("Content-Type", "application/json");
    }
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = with_timeout(TIMEOUT_MS, request, body.map(|b| JsValue::from_str(&b)))
        .await
        .map_err(|e| {
            leptos::logging::warn!("{path}: {}", e.0);
            ApiFail::Net(e.0)
        })?;
    if response.ok() {
        Ok(response)
    } else {
        Err(failure(&response).await)
    }
}

/// What a non-success answer means.
async fn failure(response: &Response) -> ApiFail {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    judge(status, &text)
}

/// The failure of an answer with `status` and body `text`.
pub fn judge(status: u16, text: &str) -> ApiFail {
    let error = serde_json::from_str::<ApiError>(text).ok();
    match (status, error) {
        (401, _) => ApiFail::LoggedOut,
        (403, Some(e)) if e.fields.is_empty() => ApiFail::Forbidden,
        (403, None) => ApiFail::Forbidden,
        (_, Some(e)) if !e.fields.is_empty() => ApiFail::Fields {
            message: e.message,
            fields: e.fields,
        },
        (_, Some(e)) => ApiFail::Status {
            status,
            message: e.message,
        },
        // Not the API's answer (a proxy's error page, say): for the
        // console, not the officer.
        (_, None) => {
            let head: String = text.chars().take(200).collect();
            leptos::logging::warn!("answer {status} is not an API error: {head}");
            ApiFail::Status {
                status,
                message: String::new(),
            }
        }
    }
}

/// An answer that came but cannot be read as `T`: logged, and said as
/// [`ApiFail::words`] says an unusable answer.
fn unreadable(status: u16, error: serde_json::Error) -> ApiFail {
    leptos::logging::warn!("answer {status} cannot be read: {error}");
    ApiFail::Status {
        status,
        message: String::new(),
    }
}

/// `GET path` as JSON.
pub async fn get<T: DeserializeOwned>(token: &str, path: &str) -> Result<T, ApiFail> {
    let response = send(token, Method::GET, path, None).await?;
    let text = response.text().await.map_err(|e| ApiFail::Net(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| unreadable(response.status(), e))
}

/// `GET path` as JSON, and the address of the next page when the answer's
/// `Link` header names one (a paged list, `kuaibao_core::wire::page`).
pub async fn get_page<T: DeserializeOwned>(token: &str, path: &str) -> Result<(T, Option<String>), ApiFail> {
    let response = send(token, Method::GET, path, None).await?;
    let next = response
        .headers()
        .get("link")
        .and_then(|link| kuaibao_core::wire::page::next_of(&link).map(str::to_owned));
    let text = response.text().await.map_err(|e| ApiFail::Net(e.to_string()))?;
    let value = serde_json::from_str(&text).map_err(|e| unreadable(response.status(), e))?;
    Ok((value, next))
}

/// The first `pages` pages (at least one) of the list at `path`, merged by
/// `merge` into the first, and the next page's address if more remain: a
/// list reloaded live keeps as many pages as the officer had loaded.
pub async fn get_pages<T: DeserializeOwned>(
    token: &str,
    path: &str,
    pages: usize,
    merge: impl Fn(&mut T, T),
) -> Result<(T, Option<String>), ApiFail> {
    let (mut value, mut next) = get_page::<T>(token, path).await?;
    for _ in 1..pages {
        let Some(path) = next.take() else { break };
        let (more, after) = get_page::<T>(token, &path).await?;
        merge(&mut value, more);
        next = after;
    }
    Ok((value, next))
}

/// `POST path` with a JSON body; the answer as JSON.
pub async fn post<B: Serialize, T: DeserializeOwned>(token: &str, path: &str, body: &B) -> Result<T, ApiFail> {
    post_with(token, path, body, &[]).await
}

/// A record written at the desk (a hazard's 验收销号), to
/// `POST /api/reports` like a phone's, with the desk's clock so the server
/// measures its offset; the receipt (201 first, 200 on a replay).
pub async fn submit_report(token: &str, report: &Report) -> Result<Receipt, ApiFail> {
    let clock = (crate::platform::now_ms() as i64).to_string();
    post_with(token, SUBMIT_REPORT_PATH, report, &[(CLOCK_HEADER, &clock)]).await
}

async fn post_with<B: Serialize, T: DeserializeOwned>(
    token: &str,
    path: &str,
    body: &B,
    headers: &[(&str, &str)],
) -> Result<T, ApiFail> {
    let json = serde_json::to_string(body).map_err(|e| ApiFail::Net(e.to_string()))?;
    let response = send_with(token, Method::POST, path, Some(json), headers).await?;
    let text = response.text().await.map_err(|e| ApiFail::Net(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| unreadable(response.status(), e))
}

/// `path` with a thread or report id in place of `{id}`.
pub fn with_id(path: &str, id: impl std::fmt::Display) -> String {
    path.replace("{id}", &id.to_string())
}

/// `GET path` as a Blob, and an object URL for it (revoke it when done).
pub async fn blob_url(token: &str, path: &str) -> Result<String, ApiFail> {
    let response = send(token, Method::GET, path, None).await?;
    let raw: web_sys::Response = response.into();
    let promise = raw.blob().map_err(|e| ApiFail::Net(crate::platform::js_error(&e)))?;
    let blob = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| ApiFail::Net(crate::platform::js_error(&e)))?
        .dyn_into::<web_sys::Blob>()
        .map_err(|e| ApiFail::Net(crate::platform::js_error(&e)))?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| ApiFail::Net(crate::platform::js_error(&e)))
}

/// Downloads `path` with the token, as the file `name`; `open` shows it in
/// a new tab instead (a printable page).
pub async fn download(token: &str, path: &str, name: &str, open: bool) -> Result<(), ApiFail> {
    let url = blob_url(token, path).await?;
    let document = leptos::prelude::document();
    let link = document
        .create_element("a")
        .map_err(|e| ApiFail::Net(crate::platform::js_error(&e)))?
        .dyn_into::<web_sys::HtmlElement>()
        .map_err(|e| ApiFail::Net(crate::platform::js_error(&e)))?;
    let _ = link.set_attribute("href", &url);
    if open {
        let _ = link.set_attribute("target", "_blank");
    } else {
        let _ = link.set_attribute("download", name);
    }
    link.click();
    // The browser has taken the bytes once the click is handled; keep the
    // URL a while for a new tab to load it.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuaibao_core::ErrorCode;

    /// Chinese first, then English, and nothing raw.
    fn said(fail: &ApiFail) -> String {
        let words = fail.words();
        let (zh, en) = words.split_once("/ ").unwrap_or_else(|| panic!("no English: {words}"));
        assert!(
            zh.chars().next().is_some_and(|c| c > '\u{2e80}'),
            "Chinese first: {words}"
        );
        assert!(en.chars().any(|c| c.is_ascii_alphabetic()), "then English: {words}");
        for raw in ["TypeError", "<html", "expected value", "Bad Gateway"] {
            assert!(!words.contains(raw), "{raw} in {words}");
        }
        words
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn what_went_wrong_is_said_in_both_languages_with_what_to_do_and_nothing_raw() {
        assert!(said(&ApiFail::Net("TypeError: Failed to fetch".into())).contains("请检查网络"));
        assert!(said(&ApiFail::LoggedOut).contains("重新登录"));
        assert!(said(&ApiFail::Forbidden).contains("值班员或管理员账号"));
        // A proxy's error page in place of the API's answer.
        let gateway = judge(502, "<html><body><h1>502 Bad Gateway</h1></body></html>");
        assert!(said(&gateway).contains("稍后再试"));
        assert!(said(&judge(429, "")).contains("稍等"));
        assert!(said(&judge(404, "")).contains("刷新页面"));
        assert!(said(&unreadable(200, serde_json::from_str::<u8>("x").expect_err("not JSON"))).contains("刷新页面"));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn only_the_servers_judgement_is_a_refusal_so_a_gateways_error_keeps_the_answers_id() {
        for status in [400, 403, 404, 409, 422] {
            assert!(judge(status, "").is_refusal(), "{status}");
        }
        // A proxy's 502 may come after the server stored it; a busy or
        // rate-limited server has not judged it; a lapsed login sends the
        // same again once logged in.
        for status in [401, 408, 425, 429, 500, 502, 503, 504] {
            assert!(!judge(status, "").is_refusal(), "{status}");
        }
        assert!(!ApiFail::Net("TypeError: Failed to fetch".into()).is_refusal());
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_refusal_naming_fields_says_each_in_both_languages_not_by_its_id() {
        let error = ApiError {
            error: kuaibao_core::wire::protocol::ApiErrorCode::InvalidReport,
            message: "报告有误 / the report is not acceptable".into(),
            fields: vec![FieldError::new(
                "text",
                ErrorCode::Garbled,
                "短信不完整",
                "the text is cut",
            )],
        };
        let fail = judge(422, &serde_json::to_string(&error).expect("JSON"));
        assert_eq!(said(&fail), "短信不完整 / the text is cut");
        assert_eq!(fail.at("text").as_deref(), Some("短信不完整"));
    }
}
