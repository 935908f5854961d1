//! Rate limits, as token buckets: each session may make so many requests a
//! minute (`KUAIBAO_RATE_PER_MIN`), and each username may fail to log in so
//! many times a minute from one address (`KUAIBAO_LOGIN_RATE_PER_MIN`), to
//! make password guessing slow. More is answered 429 with `Retry-After` and
//! the API's error shape (`rate_limited`); the phone takes a 429 as "try
//! later" and keeps everything queued.
//!
//! A bucket holds a minute's worth of tokens and refills continuously, so a
//! phone that has been quiet may send a whole minute's budget at once (a
//! backlog of reports and photo chunks) and then keeps the sustained rate.
//!
//! Sessions are told apart by their bearer token's SHA-256, the key the
//! database keeps the session under: one token is one session, and the
//! limiter need not ask the database (the handler does, once). A bucket
//! that has refilled is the same as no bucket, so idle ones are dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kuaibao_core::account::MAX_USERNAME_CHARS;
use kuaibao_core::photo::tus;
use kuaibao_core::protocol::{ApiError, ApiErrorCode};

use super::error::AppError;
use super::API_BODY_LIMIT;
use crate::auth::{bearer, token::token_sha256};

/// Past this many buckets, the idle ones are swept before a new one is
/// made; a flood of made-up tokens or usernames cannot grow the map
/// without bound.
const SWEEP_AT: usize = 10_000;
/// The most buckets kept. Reached only by a flood of new keys faster than
/// buckets refill: new keys are then refused until some refill, which
/// fails safe for logins (no guessing while the map is full).
const MAX_BUCKETS: usize = 200_000;

/// Requests refused for their rate: how long until one more is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Limited {
    #[error("too many requests from this session: wait {} s", whole_seconds(*.0))]
    Session(Duration),
    #[error("too many failed logins for this username: wait {} s", whole_seconds(*.0))]
    Login(Duration),
}

impl Limited {
    fn retry_after(self) -> Duration {
        match self {
            Limited::Session(d) | Limited::Login(d) => d,
        }
    }
}

/// Seconds to wait, rounded up, at least 1 (`Retry-After` is whole seconds;
/// 0 would invite an immediate retry that is refused again).
fn whole_seconds(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl IntoResponse for Limited {
    fn into_response(self) -> Response {
        let body = ApiError {
            error: ApiErrorCode::RateLimited,
            message: self.to_string(),
            fields: Vec::new(),
        };
        let seconds = whole_seconds(self.retry_after());
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(RETRY_AFTER, HeaderValue::from(seconds))],
            Json(body),
        )
            .into_response()
    }
}

/// Token buckets by key, each holding up to `capacity` tokens and gaining
/// `capacity` a minute.
#[derive(Debug)]
pub struct Buckets<K> {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Hash + Eq> Buckets<K> {
    /// Buckets of `per_minute` tokens, refilled at `per_minute` a minute.
    pub fn per_minute(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        Buckets {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket, or tells how long until there is
    /// one.
    pub fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means another request panicked mid-update
        // of plain numbers: the map is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT && !buckets.contains_key(&key) {
            buckets.retain(|_, b| self.level(b, now) < self.capacity);
            if buckets.len() >= MAX_BUCKETS {
                return Err(Duration::from_secs(1));
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        bucket.tokens = self.level(bucket, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }

    /// Puts back a token taken for a request that turned out not to count.
    pub fn give_back(&self, key: &K) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.capacity);
        }
    }

    /// The tokens `bucket` holds at `now`.
    fn level(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.capacity)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// The server's limits.
#[derive(Debug)]
pub struct RateLimits {
    /// By the SHA-256 of the bearer token.
    sessions: Buckets<String>,
    /// By client address and username.
    logins: Buckets<(IpAddr, String)>,
}

impl RateLimits {
    pub fn new(per_minute: u32, logins_per_minute: u32) -> Arc<Self> {
        Arc::new(RateLimits {
            sessions: Buckets::per_minute(per_minute),
            logins: Buckets::per_minute(logins_per_minute),
        })
    }
}

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");

/// Middleware for the API: a request with a bearer token takes a token
/// from its session's bucket. Requests without one are the public
/// endpoints' (and 401s, which cost little).
pub async fn limit_sessions(State(limits): State<Arc<RateLimits>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let key = bearer(&parts).map(token_sha256);
    let request = Request::from_parts(parts, body);
    if let Some(key) = key {
        if let Err(wait) = limits.sessions.take(key, Instant::now()) {
            tracing::info!(path = %request.uri().path(), "request refused: session over its rate");
            let is_tus = request.uri().path().starts_with(tus::UPLOADS_PATH);
            let mut response = Limited::Session(wait).into_response();
            if is_tus {
                // tus answers all carry the version, refusals included.
                response
                    .headers_mut()
                    .insert(TUS_RESUMABLE, HeaderValue::from_static(tus::VERSION));
            }
            return response;
        }
    }
    next.run(request).await
}

/// Middleware for `POST /api/session`: a login attempt takes a token from
/// the bucket of its username and client address, and gives it back when
/// the login succeeds, so only failures count. The body is read here (within
/// the API's body limit) for the username, and handed on unchanged.
pub async fn limit_logins(State(limits): State<Arc<RateLimits>>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let ip = client_ip(&request);
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, API_BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let too_large =
                std::error::Error::source(&e).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            let error = if too_large {
                AppError::PayloadTooLarge
            } else if super::limits::is_body_timeout(&e) {
                AppError::RequestTimeout
            } else {
                AppError::BadRequest("the body could not be read to its end".to_owned())
            };
            return error.into_response();
        }
    };
    let username = login_username(&bytes);
    let request = Request::from_parts(parts, Body::from(bytes));
    // A body without a username is refused by the handler before any
    // password is checked: nothing to guess, nothing to count.
    let Some(username) = username else {
        return next.run(request).await;
    };
    let key = (ip, username);
    if let Err(wait) = limits.logins.take(key.clone(), Instant::now()) {
        tracing::info!("login refused: too many failures for one username from one address");
        return Limited::Login(wait).into_response();
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::CREATED {
        limits.logins.give_back(&key);
    }
    response
}

/// The client's address, as the connection shows it. Behind a reverse
/// proxy that is the proxy's: logins are then limited per username alone,
/// which still stops guessing.
fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<crate::startup::ClientAddr>>()
        .map(|ConnectInfo(addr)| addr.0.ip())
        .or_else(|| {
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The username of a login body, as the login compares it (trimmed), cut
/// to the longest accepted so a bucket key stays small; `None` when the
/// body has none.
fn login_username(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Form {
        username: String,
    }
    let form: Form = serde_json::from_slice(body).ok()?;
    let username = form.username.trim();
    (!username.is_empty()).then(|| username.chars().take(MAX_USERNAME_CHARS + 1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_a_burst_then_the_rate() {
        let buckets = Buckets::per_minute(60);
        let t0 = Instant::now();
        for _ in 0..60 {
            buckets.take("s", t0).expect("within the burst");
        }
        let wait = buckets.take("s", t0).expect_err("burst spent");
        assert!(
            wait <= Duration::from_secs(1) && wait > Duration::from_millis(900),
            "{wait:?}"
        );
        // One a second comes back.
        buckets.take("s", t0 + Duration::from_secs(1)).expect("refilled one");
        assert!(buckets.take("s", t0 + Duration::from_secs(1)).is_err());
        // Other keys have their own buckets.
        buckets.take("other", t0).expect("own bucket");
        // A minute later the bucket is full again, not fuller.
        let later = t0 + Duration::from_secs(600);
        for _ in 0..60 {
            buckets.take("s", later).expect("full again");
        }
        assert!(buckets.take("s", later).is_err());
    }

    #[test]
    fn given_back_tokens_do_not_overfill() {
        let buckets = Buckets::per_minute(2);
        let t0 = Instant::now();
        buckets.take("u", t0).expect("1");
        buckets.give_back(&"u");
        buckets.give_back(&"u");
        buckets.take("u", t0).expect("1");
        buckets.take("u", t0).expect("2");
        assert!(buckets.take("u", t0).is_err());
    }

    #[test]
    fn idle_buckets_are_swept() {
        let buckets = Buckets::per_minute(1);
        let t0 = Instant::now();
        for i in 0..SWEEP_AT {
            buckets.take(i, t0).expect("new key");
        }
        assert_eq!(buckets.len(), SWEEP_AT);
        // A minute on, they are all full again: one new key sweeps them.
        buckets.take(usize::MAX, t0 + Duration::from_secs(61)).expect("new key");
        assert_eq!(buckets.len(), 1);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1000)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }

    #[test]
    fn the_username_is_read_as_the_login_reads_it() {
        assert_eq!(
            login_username(br#"{"username":" li ","password":"x","device_id":"d"}"#).as_deref(),
            Some("li")
        );
        assert_eq!(login_username(br#"{"password":"x"}"#), None);
        assert_eq!(login_username(br#"{"username":"  "}"#), None);
        assert_eq!(login_username(b"not json"), None);
        let long = format!(r#"{{"username":"{}"}}"#, "a".repeat(1000));
        assert_eq!(
            login_username(long.as_bytes()).map(|u| u.len()),
            Some(MAX_USERNAME_CHARS + 1)
        );
    }
}
