//! Every way a request can fail, and the one JSON shape ([`ApiError`]) each
//! failure is answered with, so the phone needs one parser for all of them.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode};
use kuaibao_core::{FieldError, PhotoId, ReportId};

use crate::db::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request could not be read (bad JSON, wrong shape, bad id).
    #[error("{0}")]
    BadRequest(String),
    /// The body is not declared as JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("内容太大（超过 {kib} KiB），未保存 / the body is larger than {kib} KiB", kib = crate::http::API_BODY_LIMIT / 1024)]
    PayloadTooLarge,
    /// A form (login, say) with fields that are not acceptable.
    #[error("有 {n} 处填写有误：{zh} / {n} field(s) are not acceptable: {names}", n = .0.len(), zh = zh_messages(.0), names = field_names(.0))]
    InvalidForm(Vec<FieldError>),
    /// No live session: log in (again).
    #[error("{0}")]
    Unauthorized(String),
    /// Logged in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Logged in, but this record may not be written by this account (into
    /// another's thread, say): 403, naming the field at fault.
    #[error("{}", both_languages(.0))]
    NotPermitted(Vec<FieldError>),
    /// A query string (the office's filter, say) with values that are not
    /// acceptable: 400, with an error per field.
    #[error("有 {n} 个查询条件有误：{zh} / {n} query parameter(s) are not acceptable: {names}", n = .0.len(), zh = zh_messages(.0), names = field_names(.0))]
    InvalidQuery(Vec<FieldError>),
    /// Well-formed, but some answers are not acceptable.
    #[error("报告有 {n} 处需改正：{zh} / the report has {n} unacceptable answer(s): {names}", n = .0.len(), zh = zh_messages(.0), names = field_names(.0))]
    InvalidReport(Vec<FieldError>),
    #[error("值班室已存有同一编号、内容不同的报告（已存的报告不会改动），请改正后作为新报告重新提交 / report {0} is already stored with other content; stored reports never change")]
    Conflict(ReportId),
    #[error("此编号已被值班室的另一条记录使用（已存的记录不会改动），请刷新页面后重做 / id {0} is already stored with other content (another thread, record, message or officer); the office's records never change")]
    OfficeConflict(uuid::Uuid),
    #[error("这张照片已由另一份报告登记，请删除后重新拍摄 / photo {0} is already announced by another record, with other bytes or by another sender; one photo id names one photo of one sender")]
    PhotoConflict(PhotoId),
    #[error("{0}")]
    NotFound(String),
    /// It exists, but what was asked does not apply to it (a CAP alert of a
    /// hazard, say).
    #[error("{0}")]
    NotApplicable(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body stopped arriving (`KUAIBAO_BODY_IDLE_TIMEOUT_SECS`): 408,
    /// which the phone retries. Nothing was stored.
    #[error("内容没有传完（网络中断），未保存，请重新发送 / the request's body stopped arriving before its end; nothing was stored; send it again")]
    RequestTimeout,
    /// Too much at once (logins waiting for a password check): nothing was
    /// done; 503 with `Retry-After`, and the phone tries again later.
    #[error("{0}")]
    Busy(String),
    /// `/api/ready`: this replica should not be sent requests now (the
    /// database or the data dir does not answer, or it is shutting down).
    /// 503 with `Retry-After`; the message is Chinese first.
    #[error("{0}")]
    NotReady(String),
    /// A request arriving while the server drains for shutdown: 503 with
    /// `Retry-After`, nothing read or stored.
    #[error("服务器正在停止，本请求未处理，请稍后重发 / the server is shutting down; nothing was read or stored; send it again in a few seconds")]
    ShuttingDown,
    /// Not yet: the record needs one that has not arrived (a hazard's step
    /// before its finding). 425 with `Retry-After`, which the phone
    /// retries; nothing was stored.
    #[error("{0}")]
    TooEarly(String),
    /// Over a bound counted in the database (an account's crash reports
    /// an hour): 429 with `Retry-After`; nothing was stored.
    #[error("{message}")]
    OverBound { message: String, retry_after_secs: u64 },
    /// The server's fault. Logged in full, answered vaguely: storage errors
    /// can quote SQL and paths, which are nobody else's business.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server's fault outside storage; logged, answered vaguely.
    #[error("{0}")]
    Internal(String),
}

/// Each error's sentence, Chinese first: the phone shows a refusal's
/// message as it is.
fn both_languages(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} / {}", e.zh, e.en))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The errors' Chinese sentences, for a summary a person reads first.
fn zh_messages(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.zh.as_str()).collect::<Vec<_>>().join("；")
}

fn field_names(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", ")
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Store(e) = &self {
            if let Some(status) = store_unavailable(e) {
                return unavailable_response(status, &self);
            }
        }
        if let AppError::Busy(message) = &self {
            tracing::warn!("{message}; answered 503");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, BUSY_RETRY_AFTER_SECS.to_string())],
                Json(ApiError {
                    error: ApiErrorCode::Unavailable,
                    message: format!("服务器正忙，请几秒后重试 / {message}; try again in a few seconds"),
                    fields: Vec::new(),
                }),
            )
                .into_response();
        }
        if let AppError::NotReady(_) | AppError::ShuttingDown = &self {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
                Json(ApiError {
                    error: ApiErrorCode::Unavailable,
                    message: self.to_string(),
                    fields: Vec::new(),
                }),
            )
                .into_response();
        }
        if let AppError::OverBound {
            message,
            retry_after_secs,
        } = &self
        {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, retry_after_secs.to_string())],
                Json(ApiError {
                    error: ApiErrorCode::RateLimited,
                    message: message.clone(),
                    fields: Vec::new(),
                }),
            )
                .into_response();
        }
        let (status, error) = match &self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest),
            // The protocol has no code of its own for these two; the status
            // tells them apart and the phone treats both as "refused".
            AppError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, ApiErrorCode::BadRequest),
            AppError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, ApiErrorCode::BadRequest),
            // Not the request's fault as such: "not taken now, try again",
            // as for a busy server.
            AppError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, ApiErrorCode::Unavailable),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ApiErrorCode::PayloadTooLarge),
            AppError::InvalidReport(_) => (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorCode::InvalidReport),
            AppError::InvalidForm(_) => (StatusCode::UNPROCESSABLE_ENTITY, ApiErrorCode::BadRequest),
            AppError::InvalidQuery(_) => (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized),
            AppError::Forbidden(_) | AppError::NotPermitted(_) => (StatusCode::FORBIDDEN, ApiErrorCode::Forbidden),
            AppError::Conflict(_)
            | AppError::PhotoConflict(_)
            | AppError::OfficeConflict(_)
            | AppError::NotApplicable(_) => (StatusCode::CONFLICT, ApiErrorCode::Conflict),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, ApiErrorCode::NotFound),
            AppError::Busy(_) | AppError::NotReady(_) | AppError::ShuttingDown => {
                (StatusCode::SERVICE_UNAVAILABLE, ApiErrorCode::Unavailable)
            }
            AppError::TooEarly(_) => (StatusCode::TOO_EARLY, ApiErrorCode::Unavailable),
            AppError::OverBound { .. } => (StatusCode::TOO_MANY_REQUESTS, ApiErrorCode::RateLimited),
            AppError::Store(_) | AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ApiErrorCode::Internal),
        };
        let message = match &self {
            AppError::Store(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                "服务器出错，未保存，请稍后重试 / something went wrong; nothing was stored".to_owned()
            }
            other => other.to_string(),
        };
        let fields = match self {
            AppError::InvalidReport(fields)
            | AppError::InvalidForm(fields)
            | AppError::InvalidQuery(fields)
            | AppError::NotPermitted(fields) => fields,
            _ => Vec::new(),
        };
        let retry_after = [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())];
        if status == StatusCode::TOO_EARLY {
            return (status, retry_after, Json(ApiError { error, message, fields })).into_response();
        }
        (status, Json(ApiError { error, message, fields })).into_response()
    }
}

/// The status for a storage failure that is nobody's fault and will pass:
/// 503 when the database is busy or locked, 507 when the disk is full.
/// `None` for real faults (500).
pub fn store_unavailable(e: &StoreError) -> Option<StatusCode> {
    match e {
        StoreError::Busy(_) => Some(StatusCode::SERVICE_UNAVAILABLE),
        StoreError::Full(_) => Some(StatusCode::INSUFFICIENT_STORAGE),
        _ => None,
    }
}

/// Seconds a client should wait before retrying after a 503/507/429.
pub const RETRY_AFTER_SECS: u32 = 5;

/// Seconds to wait after a [`AppError::Busy`]: a full queue of password
/// checks drains in about a second.
pub const BUSY_RETRY_AFTER_SECS: u32 = 2;

/// The answer to a request that could not be stored now but may be later:
/// nothing was written, so the phone keeps it and retries.
pub fn unavailable_response(status: StatusCode, error: &dyn std::fmt::Display) -> Response {
    tracing::warn!(%error, %status, "request not stored; the client will retry");
    let message = if status == StatusCode::INSUFFICIENT_STORAGE {
        "服务器存储已满，未保存，请稍后重试 / the server's storage is full; nothing was stored; try again later"
    } else {
        "服务器存储正忙，未保存，请稍后重试 / the server's storage is busy; nothing was stored; try again shortly"
    };
    let body = ApiError {
        error: ApiErrorCode::Unavailable,
        message: message.to_owned(),
        fields: Vec::new(),
    };
    (
        status,
        [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
        Json(body),
    )
        .into_response()
}

/// A record or an act refused by the rules of who may write where: 403
/// naming the thread, in the words that say what to do.
impl From<kuaibao_core::rules::writers::Refusal> for AppError {
    fn from(refusal: kuaibao_core::rules::writers::Refusal) -> Self {
        let text = refusal.text();
        AppError::NotPermitted(vec![FieldError::new(
            "thread",
            kuaibao_core::ErrorCode::NotPermitted,
            text.get(kuaibao_core::Lang::Zh),
            text.get(kuaibao_core::Lang::En),
        )])
    }
}

/// Bodies that cannot be read as a report. axum would answer these in plain
/// text (and a JSON data error with 422, which here means "invalid answers").
impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        // A body cut for sending nothing for too long is a "try again",
        // never a "bad request" (which the phone takes as a refusal).
        if super::limits::is_body_timeout(&rejection) {
            return AppError::RequestTimeout;
        }
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                AppError::UnsupportedMediaType("expected a JSON body with `Content-Type: application/json`".to_owned())
            }
            // The body limit shows up as a failure to buffer the body.
            r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            // axum's text names the problem and where, e.g. "missing field
            // `id` at line 1 column 2"; it never quotes the body at length.
            r => AppError::BadRequest(format!("内容无法识别，未保存 / {}", r.body_text())),
        }
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}
