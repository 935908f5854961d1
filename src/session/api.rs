//! Logging in and out over the network. Logging in needs signal; everything
//! after it works offline until the session ends.

use gloo_net::http::{Method, RequestBuilder};
use kuaibao_core::account::{LoginRequest, Session};
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode, AUTHORIZATION_HEADER, BEARER, SESSION_PATH};
use kuaibao_core::{FieldError, Lang};
use wasm_bindgen::JsValue;

use crate::sync::{with_timeout, NetError};
use crate::words;

/// Why a login did not succeed, shown at the field it concerns.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginError {
    /// The form itself is wrong (the phone's check or the server's 422).
    Fields(Vec<FieldError>),
    /// The server knows no such username with that password.
    WrongCredentials,
    /// No signal: logging in needs the server.
    Offline,
    /// The server asks to wait (too many tries).
    TooMany,
    /// The browser thinks it is online, but no answer came in time (weak
    /// signal, a network that drops): try where the signal is better.
    Unreachable,
    /// An answer, but not the server's (a Wi-Fi login page on the way).
    NotTheServer,
    /// The right password of an account an administrator disabled: retyping
    /// will not help; phone the duty office and the administrator.
    Disabled,
    /// The server could not log anyone in now. What it said goes to the
    /// console only: the worker is told what to do, not a status.
    Unavailable(String),
    /// The phone's own storage failed; its message says what to do.
    Storage(crate::store::StoreError),
}

impl LoginError {
    /// The message to show at `field` (`username` or `password`), if any.
    pub fn at(&self, field: &str, lang: Lang) -> Option<String> {
        match self {
            LoginError::Fields(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message(lang).to_owned()),
            LoginError::WrongCredentials if field == "password" => Some(words::WRONG_CREDENTIALS.get(lang).to_owned()),
            _ => None,
        }
    }

    /// The message for the form as a whole, if it concerns no one field.
    pub fn general(&self, lang: Lang) -> Option<String> {
        match self {
            LoginError::Fields(errors) => {
                // An error at a field the form does not show (the device id)
                // must still be seen.
                let elsewhere: Vec<&str> = errors
                    .iter()
                    .filter(|e| e.field != "username" && e.field != "password")
                    .map(|e| e.message(lang))
                    .collect();
                (!elsewhere.is_empty()).then(|| elsewhere.join("；"))
            }
            LoginError::WrongCredentials => None,
            LoginError::Offline => Some(words::LOGIN_OFFLINE.get(lang).to_owned()),
            LoginError::TooMany => Some(words::LOGIN_TOO_MANY.get(lang).to_owned()),
            LoginError::Disabled => Some(words::LOGIN_DISABLED.get(lang).to_owned()),
            LoginError::Unreachable => Some(words::LOGIN_UNREACHABLE.get(lang).to_owned()),
            LoginError::NotTheServer => Some(words::LOGIN_NOT_THE_SERVER.get(lang).to_owned()),
            LoginError::Unavailable(_) => Some(words::LOGIN_UNAVAILABLE.get(lang).to_owned()),
            LoginError::Storage(e) => Some(e.message(lang)),
        }
    }
}

/// What an answer of `POST /api/session` means.
pub fn judge_login(status: u16, body: &str) -> Result<Session, LoginError> {
    match status {
        200 | 201 => kuaibao_core::wire::json::from_str(body).map_err(|e| {
            leptos::logging::warn!("a login answer that is not the server's: {e}");
            LoginError::NotTheServer
        }),
        401 => Err(LoginError::WrongCredentials),
        429 => Err(LoginError::TooMany),
        // The server's refusals come in its error shape; another 4xx came
        // from something on the way (a filter's page).
        400..=499 => match kuaibao_core::wire::json::from_str::<ApiError>(body) {
            Ok(err) if !err.fields.is_empty() => Err(LoginError::Fields(err.fields)),
            Ok(err) if status == 403 && err.error == ApiErrorCode::Forbidden => Err(LoginError::Disabled),
            Ok(err) => Err(LoginError::Unavailable(err.message)),
            Err(_) => Err(LoginError::NotTheServer),
        },
        _ => Err(LoginError::Unavailable(format!("HTTP {status}"))),
    }
}

const TIMEOUT_MS: u32 = 30_000;

/// Sends the login form (checked first, as the server will).
pub async fn login(form: &LoginRequest) -> Result<Session, LoginError> {
    let errors = form.check();
    if !errors.is_empty() {
        return Err(LoginError::Fields(errors));
    }
    if !crate::platform::online() {
        return Err(LoginError::Offline);
    }
    // Cannot fail for a login form (see `transport::HttpTransport::submit`).
    let json =
        serde_json::to_string(form).map_err(|_| LoginError::Unavailable("cannot write the form as JSON".to_owned()))?;
    let request = RequestBuilder::new(SESSION_PATH)
        .method(Method::POST)
        .header("Content-Type", "application/json");
    let response = with_timeout(TIMEOUT_MS, request, Some(JsValue::from_str(&json)))
        .await
        .map_err(offline_or_unreachable)?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| offline_or_unreachable(NetError::from(e)))?;
    judge_login(status, &body).inspect_err(|e| {
        if let LoginError::Unavailable(detail) = e {
            leptos::logging::warn!("the server did not log in ({status}): {detail}");
        }
    })
}

fn offline_or_unreachable(e: NetError) -> LoginError {
    if crate::platform::online() {
        leptos::logging::warn!("no answer to the login: {}", e.0);
        LoginError::Unreachable
    } else {
        LoginError::Offline
    }
}

/// Ends the session on the server, if it can be reached. The phone forgets
/// the session either way; a token left on the server just runs out.
pub async fn logout(token: &str) -> Result<(), NetError> {
    let request = RequestBuilder::new(SESSION_PATH)
        .method(Method::DELETE)
        .header(AUTHORIZATION_HEADER, &format!("{BEARER}{token}"));
    with_timeout(10_000, request, None).await.map(|_| ())
}
