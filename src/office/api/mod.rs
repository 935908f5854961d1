//! The duty office talking to the server: JSON reads and writes with the
//! officer's bearer token, and downloads (exports, photos) as Blobs, since
//! a link cannot carry the token. No view code here.

mod types;

pub use types::{PhotoCount, ReportPhotos, StoredRecord, Thread};

use gloo_net::http::{Method, RequestBuilder, Response};
use kuaibao_core::wire::protocol::{ApiError, Receipt, AUTHORIZATION_HEADER, CLOCK_HEADER, SUBMIT_REPORT_PATH};
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

    /// What to show for the whole request.
    pub fn words(&self) -> String {
        match self {
            ApiFail::LoggedOut => "登录已失效，请重新登录".to_owned(),
            ApiFail::Forbidden => "此账号无权使用值班室".to_owned(),
            ApiFail::Fields { message, fields } => {
                let named: Vec<String> = fields
                    .iter()
                    .map(|e| format!("{}：{}", e.field, e.message(Lang::Zh)))
                    .collect();
                if named.is_empty() {
                    message.clone()
                } else {
                    named.join("；")
                }
            }
            ApiFail::Status { status, message } => format!("服务器答复 {status}：{message}"),
            ApiFail::Net(e) => format!("连不上服务器（{e}）"),
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
        .map_err(|e| ApiFail::Net(e.0))?;
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
        (_, None) => ApiFail::Status {
            status,
            message: text.chars().take(200).collect(),
        },
    }
}

/// `GET path` as JSON.
pub async fn get<T: DeserializeOwned>(token: &str, path: &str) -> Result<T, ApiFail> {
    let response = send(token, Method::GET, path, None).await?;
    let text = response.text().await.map_err(|e| ApiFail::Net(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| ApiFail::Status {
        status: response.status(),
        message: format!("答复无法读取：{e}"),
    })
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
    let value = serde_json::from_str(&text).map_err(|e| ApiFail::Status {
        status: response.status(),
        message: format!("答复无法读取：{e}"),
    })?;
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
    serde_json::from_str(&text).map_err(|e| ApiFail::Status {
        status: response.status(),
        message: format!("答复无法读取：{e}"),
    })
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
