//! Rate limits, as token buckets. More is answered 429 with `Retry-After`
//! and the API's error shape (`rate_limited`); the phone takes a 429 as "try
//! later" and keeps everything queued.
//!
//! - Each session may make so many requests a minute
//!   (`KUAIBAO_RATE_PER_MIN`).
//! - Requests to the API without a valid session are limited per client
//!   address (`KUAIBAO_ANON_RATE_PER_MIN`): logins, health checks, and
//!   tokens that open nothing (counted when answered 401; while the address
//!   is over its budget, only tokens of sessions this server has seen live
//!   get through). The app's own files are not limited: they are static,
//!   cheap, and the service worker keeps them after the first visit.
//! - Failed logins, to make password guessing slow, are limited three ways:
//!   per username and address (`KUAIBAO_LOGIN_RATE_PER_MIN`); per address
//!   across usernames (`KUAIBAO_LOGIN_ADDR_RATE_PER_MIN`), against one
//!   address trying a common password on many usernames; and per username
//!   across addresses (`KUAIBAO_LOGIN_ACCOUNT_RATE_PER_MIN`), against many
//!   addresses guessing one account's password. The last is larger than the
//!   first (checked at start), so one address can never lock an account's
//!   owner out from elsewhere. The last is counted in the database
//!   (`db::login_failures`, by the login itself), so that replicas share
//!   it: a proxy may keep an address on one replica, but many addresses
//!   guessing one account spread over them all. A login counts from its start and is given
//!   back unless answered 401, so only failures stay counted (and logins
//!   whose client hung up: their password check still runs), and a budget
//!   also caps the logins under way: an address cannot have more attempts
//!   in flight than it may fail.
//!
//! The client address is the connection's peer, unless that peer is one of
//! `KUAIBAO_TRUSTED_PROXIES`: then it is the rightmost address of
//! `X-Forwarded-For` that is not a trusted proxy (each proxy appends the
//! address it heard from, so only the part our own proxies wrote can be
//! believed; what the client wrote itself is to the left). IPv6 clients are
//! limited by their /64, the block one subscriber usually holds.
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
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use kuaibao_core::account::MAX_USERNAME_CHARS;
use kuaibao_core::photo::tus;
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode};

use super::error::AppError;
use super::API_BODY_LIMIT;
use crate::auth::cache::SessionCache;
use crate::auth::{bearer, token::token_sha256};
use crate::config::Config;

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
    #[error("too many requests without a session from this address: wait {} s", whole_seconds(*.0))]
    Anonymous(Duration),
    /// Per username and address, or per username from everywhere: one
    /// message, so neither tells the guesser more than the other.
    #[error("too many failed logins for this username: wait {} s", whole_seconds(*.0))]
    Login(Duration),
    /// A login counts from its start (see [`RateLimits::take_login`]).
    #[error("too many logins from this address have failed or are under way: wait {} s", whole_seconds(*.0))]
    LoginAddress(Duration),
}

impl Limited {
    fn retry_after(self) -> Duration {
        match self {
            Limited::Session(d) | Limited::Anonymous(d) | Limited::Login(d) | Limited::LoginAddress(d) => d,
        }
    }
}

/// Seconds to wait, rounded up, at least 1 (`Retry-After` is whole seconds;
/// 0 would invite an immediate retry that is refused again).
pub(crate) fn whole_seconds(d: Duration) -> u64 {
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
/// `per_second` a second.
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
        Self::new(capacity, capacity / 60.0)
    }

    /// Buckets of `capacity` tokens, refilled at `per_second`.
    pub fn new(capacity: f64, per_second: f64) -> Self {
        Buckets {
            capacity,
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket, or tells how long until there is
    /// one.
    pub fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
        self.take_n(key, 1.0, now)
    }

    /// Takes `n` tokens from `key`'s bucket, or none and tells how long
    /// until there are `n`.
    pub fn take_n(&self, key: K, n: f64, now: Instant) -> Result<(), Duration> {
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
        if bucket.tokens >= n {
            bucket.tokens -= n;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((n - bucket.tokens) / self.per_second))
        }
    }

    /// Whether `key`'s bucket holds a token now, without taking it; or how
    /// long until it does.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let tokens = buckets.get(key).map_or(self.capacity, |b| self.level(b, now));
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second))
        }
    }

    /// Puts back a token taken for a request that turned out not to count.
    pub fn give_back(&self, key: &K) {
        self.give_back_n(key, 1.0);
    }

    /// Puts back `n` tokens taken for what turned out not to count.
    pub fn give_back_n(&self, key: &K, n: f64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.tokens = (bucket.tokens + n).min(self.capacity);
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
    /// API requests without a valid session, by client address.
    anonymous: Buckets<IpAddr>,
    /// Failed logins by client address and username.
    logins: Buckets<(IpAddr, String)>,
    /// Failed logins by client address, whatever the username.
    login_addresses: Buckets<IpAddr>,
    /// Peers whose `X-Forwarded-For` is believed.
    trusted_proxies: Vec<ipnet::IpNet>,
}

impl RateLimits {
    pub fn new(config: &Config) -> Arc<Self> {
        Arc::new(RateLimits {
            sessions: Buckets::per_minute(config.rate_per_min),
            anonymous: Buckets::per_minute(config.anon_rate_per_min),
            logins: Buckets::per_minute(config.login_rate_per_min),
            login_addresses: Buckets::per_minute(config.login_addr_rate_per_min),
            trusted_proxies: config.trusted_proxies.clone(),
        })
    }

    /// Takes a failed login's token from each of its two buckets here: its
    /// address's, its address and username's. Takes none when either is
    /// empty: an attempt refused here checks no password, and must not
    /// spend the username's shared budget, which the login takes only after
    /// these (else one address could drain it by knocking on after its own
    /// ran out). Taken before the
    /// check, not after a 401: were they charged afterwards, one address
    /// could start any number of attempts at once while its buckets still
    /// looked full, and spend the username's budget for everyone.
    fn take_login(&self, ip: IpAddr, username: &str, now: Instant) -> Result<(), Limited> {
        let pair = (ip, username.to_owned());
        self.login_addresses.take(ip, now).map_err(Limited::LoginAddress)?;
        if let Err(wait) = self.logins.take(pair, now) {
            self.login_addresses.give_back(&ip);
            return Err(Limited::Login(wait));
        }
        Ok(())
    }

    /// Gives back what [`take_login`](Self::take_login) took, for a login
    /// that turned out not to count.
    fn give_back_login(&self, ip: IpAddr, username: &str) {
        self.login_addresses.give_back(&ip);
        self.logins.give_back(&(ip, username.to_owned()));
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The address `request` is limited as (see the module's
    /// documentation): its client's, as far as it can be told.
    fn client_ip(&self, request: &Request) -> IpAddr {
        let peer = peer_ip(request);
        let client = if self.trusts(peer) {
            forwarded_client(request.headers(), |ip| self.trusts(ip)).unwrap_or(peer)
        } else {
            peer
        };
        limited_as(client)
    }
}

/// `X-Forwarded-For` (`client, proxy1, proxy2`; several headers are one
/// list, in order).
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client a chain of proxies reports: reading `X-Forwarded-For` from
/// the right, the first address that is not `trusted`. When every address
/// is trusted, the leftmost; when an entry cannot be read, the last one
/// read before it (a trusted proxy wrote it, or nothing was read: `None`).
fn forwarded_client(headers: &HeaderMap, trusted: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
    let mut nearest = None;
    for value in headers.get_all(X_FORWARDED_FOR).iter().rev() {
        let Ok(text) = value.to_str() else {
            return nearest;
        };
        for item in text.rsplit(',') {
            let Some(ip) = forwarded_ip(item.trim()) else {
                return nearest;
            };
            if !trusted(ip) {
                return Some(ip);
            }
            nearest = Some(ip);
        }
    }
    nearest
}

/// One `X-Forwarded-For` entry: an address, maybe with a port (some
/// proxies add it), IPv6 maybe in brackets.
fn forwarded_ip(item: &str) -> Option<IpAddr> {
    item.parse::<IpAddr>()
        .or_else(|_| item.parse::<SocketAddr>().map(|a| a.ip()))
        .or_else(|_| {
            item.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .unwrap_or(item)
                .parse::<IpAddr>()
        })
        .ok()
}

/// The key an address is limited under: IPv4 as it is (IPv4-mapped IPv6
/// too), IPv6 by its /64, so a client cannot escape its budget by changing
/// the low bits of an address its network gives it by the billion.
fn limited_as(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");

/// Middleware for the API: a request with a bearer token takes a token
/// from its session's bucket; one without takes a token from its address's
/// bucket for requests without a session, and so, after the fact, does one
/// whose token turned out to open nothing (401). While an address is over
/// that budget, a token gets through only if `sessions` remembers it live:
/// made-up tokens are requests without a session, not a way around the
/// limit, while a real phone behind the same NAT goes on working.
pub async fn limit_requests(
    State((limits, sessions)): State<(Arc<RateLimits>, Arc<SessionCache>)>,
    request: Request,
    next: Next,
) -> Response {
    let now = Instant::now();
    let ip = limits.client_ip(&request);
    let (parts, body) = request.into_parts();
    let key = bearer(&parts).map(token_sha256);
    let request = Request::from_parts(parts, body);
    let path = request.uri().path();
    match &key {
        Some(key) => {
            if let Err(wait) = limits.sessions.take(key.clone(), now) {
                tracing::info!(%path, "request refused: session over its rate");
                return refusal(path, Limited::Session(wait));
            }
            if let Err(wait) = limits.anonymous.check(&ip, now) {
                if !sessions.remembers(key, Utc::now()) {
                    tracing::info!(%path, "request refused: an unknown token from an address over its rate");
                    return refusal(path, Limited::Anonymous(wait));
                }
            }
        }
        None => {
            if let Err(wait) = limits.anonymous.take(ip, now) {
                tracing::info!(%path, "request refused: too many requests without a session from one address");
                return refusal(path, Limited::Anonymous(wait));
            }
        }
    }
    let response = next.run(request).await;
    if key.is_some() && response.status() == StatusCode::UNAUTHORIZED {
        // Whether the bucket had a token left or not: it has one less.
        let _ = limits.anonymous.take(ip, Instant::now());
    }
    response
}

/// The 429 for a request to `path`.
fn refusal(path: &str, limited: Limited) -> Response {
    with_tus_version(path, limited.into_response())
}

/// A refusal answered before tus's own layer, given tus's version when the
/// request was to `path` under the uploads: tus answers all carry it,
/// refusals included.
pub(super) fn with_tus_version(path: &str, mut response: Response) -> Response {
    if path.starts_with(tus::UPLOADS_PATH) {
        response
            .headers_mut()
            .insert(TUS_RESUMABLE, HeaderValue::from_static(tus::VERSION));
    }
    response
}

/// Middleware for `POST /api/session`: a login attempt takes a token from
/// the buckets of its address, its address and username, and its username,
/// and gives them back unless the answer is 401, so only failures count
/// (a login that hangs up counts too: its check runs on). The body is read
/// here (within the API's body limit) for the username, and handed on
/// unchanged.
pub async fn limit_logins(State(limits): State<Arc<RateLimits>>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let ip = limits.client_ip(&request);
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
    let mut request = Request::from_parts(parts, Body::from(bytes));
    // For the audit row of a failed login (`session::check`).
    request.extensions_mut().insert(LoginFrom(ip));
    // A body without a username is refused by the handler before any
    // password is checked: nothing to guess, nothing to count.
    let Some(username) = username else {
        return next.run(request).await;
    };
    if let Err(limited) = limits.take_login(ip, &username, Instant::now()) {
        tracing::info!("login refused: {limited}");
        return limited.into_response();
    }
    let response = next.run(request).await;
    // Success, a form refused before any check, a full queue (503): no
    // password was found wrong.
    if response.status() != StatusCode::UNAUTHORIZED {
        limits.give_back_login(ip, &username);
    }
    response
}

/// The address a login came from, as the limits read it (behind a
/// configured proxy, its `X-Forwarded-For`).
#[derive(Debug, Clone, Copy)]
pub struct LoginFrom(pub IpAddr);

/// The connection's peer, as the listener saw it.
fn peer_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<crate::serve::ClientAddr>>()
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
    fn check_looks_without_taking() {
        let buckets = Buckets::per_minute(1);
        let t0 = Instant::now();
        buckets.check(&"a", t0).expect("a full bucket");
        assert_eq!(buckets.len(), 0, "looking makes no bucket");
        buckets.take("a", t0).expect("the one token");
        let wait = buckets.check(&"a", t0).expect_err("empty");
        assert!(wait > Duration::from_secs(59), "{wait:?}");
        buckets.check(&"a", t0 + Duration::from_secs(60)).expect("refilled");
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(X_FORWARDED_FOR, HeaderValue::from_str(v).expect("header value"));
        }
        map
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_wrote() {
        let proxies: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("net"), "::1/128".parse().expect("net")];
        let trusted = |a: IpAddr| proxies.iter().any(|n| n.contains(&a));
        let client = |values: &[&str]| forwarded_client(&headers(values), trusted);
        // What the client wrote itself is to the left of what our proxies
        // appended: never believed.
        assert_eq!(client(&["6.6.6.6, 203.0.113.7, 10.0.0.2"]), Some(ip("203.0.113.7")));
        assert_eq!(client(&["6.6.6.6, 203.0.113.7"]), Some(ip("203.0.113.7")));
        // Several headers are one list, in order.
        assert_eq!(client(&["6.6.6.6", "203.0.113.7, 10.0.0.2"]), Some(ip("203.0.113.7")));
        assert_eq!(client(&["203.0.113.7", "10.0.0.3"]), Some(ip("203.0.113.7")));
        // Ports and brackets, as some proxies write them.
        assert_eq!(client(&["203.0.113.7:4711"]), Some(ip("203.0.113.7")));
        assert_eq!(client(&["[2001:db8::1]:4711"]), Some(ip("2001:db8::1")));
        assert_eq!(client(&["[2001:db8::1]"]), Some(ip("2001:db8::1")));
        // All trusted: the leftmost. Nothing: none.
        assert_eq!(client(&["10.0.0.9, ::1"]), Some(ip("10.0.0.9")));
        assert_eq!(client(&[]), None);
        // Garbage where a trusted proxy should have written: only what was
        // read before it.
        assert_eq!(client(&["203.0.113.7, unknown, 10.0.0.2"]), Some(ip("10.0.0.2")));
        assert_eq!(client(&["nonsense"]), None);
        // Garbage left of the client's address changes nothing.
        assert_eq!(client(&["nonsense, 203.0.113.7"]), Some(ip("203.0.113.7")));
    }

    fn limits(adjust: impl FnOnce(&mut Config)) -> Arc<RateLimits> {
        let mut config = Config::default();
        adjust(&mut config);
        RateLimits::new(&config)
    }

    fn request_from(peer: &str, forwarded: &[&str]) -> Request {
        let mut request = Request::new(Body::empty());
        let peer: SocketAddr = peer.parse().expect("peer");
        request
            .extensions_mut()
            .insert(ConnectInfo(crate::serve::ClientAddr(peer)));
        for v in forwarded {
            request
                .headers_mut()
                .append(X_FORWARDED_FOR, HeaderValue::from_str(v).expect("header value"));
        }
        request
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let none = limits(|_| {});
        let proxied = limits(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")]);
        let request = request_from("127.0.0.1:5000", &["203.0.113.7"]);
        assert_eq!(none.client_ip(&request), ip("127.0.0.1"));
        assert_eq!(proxied.client_ip(&request), ip("203.0.113.7"));
        // Another peer is not the proxy: its header is the client's word.
        let request = request_from("198.51.100.1:5000", &["203.0.113.7"]);
        assert_eq!(proxied.client_ip(&request), ip("198.51.100.1"));
        // The proxy itself, without the header: the proxy.
        assert_eq!(proxied.client_ip(&request_from("127.0.0.1:1", &[])), ip("127.0.0.1"));
        // A dual-stack listener shows IPv4 peers mapped into IPv6.
        let mapped = request_from("[::ffff:127.0.0.1]:5000", &["203.0.113.7"]);
        assert_eq!(proxied.client_ip(&mapped), ip("203.0.113.7"));
        assert_eq!(none.client_ip(&mapped), ip("127.0.0.1"));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(limited_as(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), ip("2001:db8:1:2::"));
        assert_eq!(limited_as(ip("2001:db8:1:2::1")), ip("2001:db8:1:2::"));
        assert_ne!(limited_as(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(limited_as(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(limited_as(ip("192.0.2.1")), ip("192.0.2.1"));
    }

    /// The per-username budget across addresses is the database's
    /// (`api/security.rs`, `api/replicas.rs`).
    #[test]
    fn failed_logins_are_counted_per_address_and_per_pair() {
        let limits = limits(|c| {
            c.login_rate_per_min = 2;
            c.login_addr_rate_per_min = 3;
        });
        let t0 = Instant::now();
        let (a, b, c) = (ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3"));
        // Spraying: three usernames from one address, then no fourth.
        for user in ["u1", "u2", "u3"] {
            limits.take_login(a, user, t0).expect("within the address's budget");
        }
        assert!(matches!(limits.take_login(a, "u4", t0), Err(Limited::LoginAddress(_))));
        // Guessing one account: two from `b`, then `b` is held back for it...
        limits.take_login(b, "li", t0).expect("1");
        limits.take_login(b, "li", t0).expect("2");
        assert!(matches!(limits.take_login(b, "li", t0), Err(Limited::Login(_))));
        // ...while `c` has its own two.
        for _ in 0..10 {
            assert!(limits.take_login(b, "li", t0).is_err());
        }
        limits.take_login(c, "li", t0).expect("3");
        limits.take_login(c, "li", t0).expect("4");
        assert!(limits.take_login(c, "li", t0).is_err());
        // `a` is over its address budget: refused, and nothing taken.
        assert!(limits.take_login(a, "li", t0).is_err());
        // A login that did not count gives both back.
        limits.give_back_login(c, "li");
        limits.take_login(c, "li", t0).expect("given back");
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
