//! `GET /api/metrics`: the server's figures in the Prometheus text format
//! (version 0.0.4), for a scraper holding `KUAIBAO_METRICS_TOKEN` or an
//! administrator; and [`track`], the one layer every API request passes,
//! which counts it, times it and, while the server drains, turns new ones
//! away.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `kuaibao_http_requests_total` | counter | `method`, `route` (the route's template, e.g. `/api/reports/{id}`), `status` (`2xx` …) |
//! | `kuaibao_http_request_duration_seconds` | histogram | `method`, `route`: until the answer's head (a stream's body is not timed) |
//! | `kuaibao_http_requests_in_flight` | gauge | API requests being handled (probes aside) |
//! | `kuaibao_draining` | gauge | 1 once shutdown has begun |
//! | `kuaibao_db_pool_connections`, `…_idle_connections`, `…_max_connections` | gauge | the database pool |
//! | `kuaibao_password_checks_waiting`, `…_running`, `kuaibao_password_check_queue_capacity` | gauge | logins and their password checks |
//! | `kuaibao_office_streams`, `kuaibao_office_events_queued` | gauge | the duty office's live streams and the changes not yet read by all |
//! | `kuaibao_relay_queued` | gauge | PostgreSQL only: changes waiting to be relayed to the other replicas |
//! | `kuaibao_relay_dropped_total` | counter | PostgreSQL only: changes not relayed (that queue full, the database unreachable or refusing) |
//! | `kuaibao_tus_uploads_appending` | gauge | photo uploads with a `PATCH` being written |
//! | `process_start_time_seconds` | gauge | when the server started, Unix seconds |
//!
//! Labels are bounded: the route is the template the router matched, never
//! the path asked (ids would make a series per report), and a method the
//! API does not know is `other`.

use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::error::AppError;
use super::AppState;
use crate::auth::password::PasswordChecks;
use crate::auth::token::SecretDigest;
use crate::auth::Caller;
use crate::db::Pool;
use crate::lifecycle::Lifecycle;
use crate::uploads::Uploads;

/// Where the metrics are served.
pub const METRICS_PATH: &str = "/api/metrics";

/// Request latency buckets, in seconds: a report is stored in milliseconds,
/// a login's password check takes tens of them, a photo chunk over a weak
/// uplink seconds, and no API request but a chunk may take more than the
/// 30 s request limit.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The route of a request the router matched to no template (none does
/// inside the API, whose unknown paths have a catch-all route).
const UNMATCHED: &str = "unmatched";

/// Routes served while draining: the probes, which a load balancer and a
/// monitor need most then, and which hold nothing up.
const PROBES: [&str; 3] = [
    kuaibao_core::wire::protocol::HEALTH_PATH,
    super::health::READY_PATH,
    METRICS_PATH,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// What the gauges are read from, at each scrape.
pub struct Sources {
    pub pool: Pool,
    pub passwords: Arc<PasswordChecks>,
    pub uploads: Arc<Uploads>,
    pub changes: super::office::Changes,
    pub lifecycle: Arc<Lifecycle>,
}

/// The registry, the request families and who may read them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    /// `KUAIBAO_METRICS_TOKEN`; `None`: administrators only.
    token: Option<SecretDigest>,
    lifecycle: Arc<Lifecycle>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Metrics {
    pub fn new(config: &crate::config::Config, sources: Sources) -> Arc<Self> {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        // Counters are named without `_total`: the encoder adds it.
        registry.register(
            "kuaibao_http_requests",
            "API requests answered, by method, route template and status class",
            requests.clone(),
        );
        registry.register(
            "kuaibao_http_request_duration_seconds",
            "Time from an API request's arrival to its answer's head",
            latency.clone(),
        );
        let lifecycle = Arc::clone(&sources.lifecycle);
        registry.register_collector(Box::new(Gauges(sources)));
        Arc::new(Metrics {
            registry,
            requests,
            latency,
            token: config.metrics_token.as_deref().map(SecretDigest::of),
            lifecycle,
        })
    }

    fn record(&self, method: &'static str, route: String, status: StatusCode, took: Duration) {
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status: status_class(status),
            })
            .inc();
    }

    /// Everything, in the Prometheus text format.
    fn encode(&self) -> Result<String, AppError> {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .map_err(|e| AppError::Internal(format!("cannot encode the metrics: {e}")))?;
        Ok(text)
    }
}

/// The gauges, read when scraped rather than kept up to date on every
/// change.
struct Gauges(Sources);

impl std::fmt::Debug for Gauges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gauges")
    }
}

impl Collector for Gauges {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Sources {
            pool,
            passwords,
            uploads,
            changes,
            lifecycle,
        } = &self.0;
        let mut gauge = |name: &str, help: &str, value: f64| {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
        };
        // Counts far below 2^53: exact as f64.
        let count = |n: usize| n as f64;
        gauge(
            "kuaibao_http_requests_in_flight",
            "API requests being handled now, the probes (health, ready, metrics) aside",
            count(lifecycle.in_flight()),
        )?;
        gauge(
            "kuaibao_draining",
            "1 once shutdown has begun: /api/ready answers 503 and new requests are turned away",
            if lifecycle.is_draining() { 1.0 } else { 0.0 },
        )?;
        gauge(
            "kuaibao_db_pool_connections",
            "Database connections open, in use or idle",
            f64::from(pool.size()),
        )?;
        gauge(
            "kuaibao_db_pool_idle_connections",
            "Database connections open and idle",
            count(pool.num_idle()),
        )?;
        gauge(
            "kuaibao_db_pool_max_connections",
            "Database connections the pool may open",
            f64::from(pool.options().get_max_connections()),
        )?;
        gauge(
            "kuaibao_password_checks_waiting",
            "Logins waiting for a password check",
            count(passwords.waiting()),
        )?;
        gauge(
            "kuaibao_password_checks_running",
            "Password checks running now",
            count(passwords.workers().saturating_sub(passwords.idle_workers())),
        )?;
        gauge(
            "kuaibao_password_check_queue_capacity",
            "Logins that may wait for a password check before one more is answered 503 (KUAIBAO_LOGIN_QUEUE)",
            count(passwords.queue_capacity()),
        )?;
        gauge(
            "kuaibao_office_streams",
            "Duty office live event streams open",
            count(changes.streams()),
        )?;
        gauge(
            "kuaibao_office_events_queued",
            "Live changes published and not yet read by every open stream",
            count(changes.queued()),
        )?;
        if let Some(queued) = changes.relay_queued() {
            gauge(
                "kuaibao_relay_queued",
                "Live changes waiting to be relayed to the other replicas through PostgreSQL",
                count(queued),
            )?;
        }
        gauge(
            "kuaibao_tus_uploads_appending",
            "Photo uploads with a PATCH being written now",
            count(uploads.appending()),
        )?;
        gauge(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds",
            lifecycle
                .started()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
        )?;
        if let Some(dropped) = changes.relay_dropped() {
            let counter = ConstCounter::new(dropped);
            counter.encode(encoder.encode_descriptor(
                "kuaibao_relay_dropped",
                "Live changes not relayed to the other replicas (the relay's queue full, the database unreachable or refusing)",
                None,
                counter.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

/// `2xx` and so on: five values, whatever the status.
fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The method as a label: those HTTP defines, else `other` (a client may
/// send any token as a method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The layer on every API route (laid with `Router::layer`, so the route's
/// template is known): counts and times each request, and keeps it in
/// flight for the drain. While draining, a request that is not a probe is
/// answered 503 with `Retry-After` and `Connection: close` before anything
/// is read or stored: the phone sends it again, to another replica or
/// after the restart.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method());
    let start = Instant::now();
    let response = if PROBES.contains(&route.as_str()) {
        next.run(request).await
    } else {
        match metrics.lifecycle.admit() {
            Some(in_flight) => {
                let response = next.run(request).await;
                drop(in_flight);
                response
            }
            None => {
                let mut refused = AppError::ShuttingDown.into_response();
                refused
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
                super::rate_limit::with_tus_version(request.uri().path(), refused)
            }
        }
    };
    metrics.record(method, route, response.status(), start.elapsed());
    response
}

/// `GET /api/metrics`: for the scraper's token or an administrator.
pub async fn serve(State(state): State<AppState>, mut parts: Parts) -> Result<Response, AppError> {
    let metrics = &state.metrics;
    if !metrics.token.is_some_and(|token| token.is_sent_in(&parts.headers)) {
        let caller = match Caller::from_request_parts(&mut parts, &state).await {
            Ok(caller) => caller,
            Err(AppError::Unauthorized(_)) => {
                return Err(AppError::Unauthorized(
                    "运行指标须凭监控令牌（KUAIBAO_METRICS_TOKEN）或管理员登录读取 / the metrics need the \
                     metrics token or an administrator's session"
                        .to_owned(),
                ))
            }
            Err(other) => return Err(other),
        };
        if caller.role() != kuaibao_core::account::Role::Admin {
            return Err(AppError::Forbidden(
                "只有管理员和监控系统可以读取运行指标 / only administrators and the metrics scraper read the metrics"
                    .to_owned(),
            ));
        }
    }
    let text = metrics.encode()?;
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static(prometheus_client::encoding::prometheus_text::CONTENT_TYPE),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_take_few_values_whatever_the_request() {
        assert_eq!(status_class(StatusCode::CREATED), "2xx");
        assert_eq!(status_class(StatusCode::NOT_MODIFIED), "3xx");
        assert_eq!(status_class(StatusCode::TOO_MANY_REQUESTS), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let made_up = Method::from_bytes(b"BREW").expect("a token");
        assert_eq!(method_label(&made_up), "other");
    }

    #[test]
    fn the_latency_buckets_rise_and_end_at_the_request_limit() {
        assert!(LATENCY_BUCKETS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            LATENCY_BUCKETS.last().copied(),
            Some(crate::config::DEFAULT_REQUEST_TIMEOUT.as_secs_f64())
        );
    }
}
