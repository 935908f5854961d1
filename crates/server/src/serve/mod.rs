//! Accepting connections and speaking HTTP/1.1 on them, with the bounds
//! `axum::serve` lacks (it has no header timeout and takes every
//! connection):
//!
//! - a request's head must arrive within the header timeout, the first on a
//!   connection as the next on a kept-alive one, so a half-sent head (the
//!   "slowloris" way of holding a server's sockets) and an idle keep-alive
//!   connection are both closed after it (hyper's `header_read_timeout`,
//!   which restarts whenever the connection waits for a new head);
//! - over HTTPS, the TLS handshake must finish within the same time;
//! - at most `max_connections` are open at once. One more is answered 503
//!   with `Retry-After` as soon as its request's head is in, and closed;
//!   never handed to the application (over HTTPS it is closed without a
//!   handshake: answering would cost the handshake a flood is made of).
//!
//! - an answer whose reader takes no byte for `send_stall` ends its
//!   connection ([`send_stall`]): hyper itself would wait for ever.
//!
//! Bodies and whole requests are bounded by the application's layers (see
//! `http::limits`).
//!
//! Shutdown drains in two steps, within `KUAIBAO_SHUTDOWN_GRACE_SECS`:
//!
//! 1. From the signal on, `/api/ready` answers 503 and every new API
//!    request 503 with `Retry-After` and `Connection: close` (see
//!    `http::metrics::track`), while the API requests in flight (reports,
//!    photo chunks) finish. Connections are still accepted meanwhile, so a
//!    load balancer's probe and a phone get a clean answer rather than a
//!    refused connection in the middle of a request.
//! 2. Once none is in flight (or the grace is over), no new connection is
//!    accepted, idle ones are closed, and busy ones close after their
//!    answer (app files, exports still streaming). Past the grace the
//!    remaining ones are left to be cut when the process exits.

mod send_stall;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use kuaibao_core::wire::protocol::{ApiError, ApiErrorCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use self::send_stall::SendStall;
use tower_service::Service;

use crate::http::error::RETRY_AFTER_SECS;
use crate::lifecycle::Lifecycle;

/// The address a request came from, for the handlers and layers that need
/// it (`ConnectInfo<ClientAddr>`), over plain TCP and TLS alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// The bounds on connections, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// To send a request's head (or finish the TLS handshake); also how
    /// long an idle keep-alive connection is kept.
    pub header_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// How long an answer may wait for its reader to take a byte.
    pub send_stall: Duration,
}

impl ConnectionLimits {
    pub fn new(config: &crate::config::Config) -> Self {
        ConnectionLimits {
            header_timeout: config.header_timeout,
            max_connections: config.max_connections,
            send_stall: config.send_stall,
        }
    }
}

/// Connections over the cap being answered 503 at once; beyond that many
/// (a flood), the rest are closed without an answer. Each is done within
/// twice [`REFUSAL_WAIT`].
const MAX_REFUSALS: usize = 64;

/// How long a connection over the cap may take to send its request's head
/// before it is closed unanswered; and then how long it is read from after
/// its 503, so that what it still sends does not make the kernel reset the
/// connection (which can destroy the answer before the client reads it).
const REFUSAL_WAIT: Duration = Duration::from_secs(1);

/// The most of a refused request's head read before answering.
const REFUSAL_HEAD_BYTES: usize = 16 * 1024;

/// How long the accept loop waits after a failed `accept` (out of file
/// descriptors, say) rather than spin, as axum's own loop does.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` (HTTPS when `tls` is given) until
/// `shutdown` completes, then drains (see the module's documentation)
/// within `lifecycle`'s grace.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: ConnectionLimits,
    lifecycle: Arc<Lifecycle>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    warn_if_over_file_limit(limits.max_connections);
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let busy = busy_answer();
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    // Set while connections are being refused, so an overload is logged
    // once rather than once per connection.
    let mut at_cap = false;
    // Set once the shutdown signal came: the moment the drain must end.
    let mut draining: Option<tokio::time::Instant> = None;
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown, if draining.is_none() => {
                lifecycle.begin_drain();
                draining = lifecycle.deadline();
                tracing::info!(
                    in_flight = lifecycle.in_flight(),
                    "draining: /api/ready answers 503 and new requests are turned away"
                );
                continue;
            }
            () = lifecycle.idle(), if draining.is_some() => break,
            () = sleep_until(draining), if draining.is_some() => {
                tracing::warn!(
                    in_flight = lifecycle.in_flight(),
                    "the shutdown grace is over with requests still in flight (KUAIBAO_SHUTDOWN_GRACE_SECS)"
                );
                break;
            }
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            if !at_cap {
                at_cap = true;
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "too many connections: refusing new ones (KUAIBAO_MAX_CONNECTIONS)"
                );
            }
            if tls.is_none() {
                if let Ok(refusing) = Arc::clone(&refusals).try_acquire_owned() {
                    let busy = busy.clone();
                    tokio::spawn(async move {
                        refuse(tcp, &busy).await;
                        drop(refusing);
                    });
                }
            }
            // Otherwise `tcp` is dropped here: closed.
            continue;
        };
        if at_cap {
            at_cap = false;
            tracing::info!("connections below the limit again");
        }
        let router = router.clone();
        let tls = tls.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            let tcp = SendStall::new(tcp, limits.send_stall);
            connection(tcp, addr, tls, router, limits.header_timeout, stopping).await;
            // Freed only now: the slot was this connection's all along.
            drop(permit);
        });
    }
    // New connections are now refused by the operating system.
    drop(listener);
    let _ = stop.send(true);
    // Each connection holds a permit until it has ended: all of them back
    // means every connection is done. Within what is left of the grace.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let deadline = lifecycle.deadline().unwrap_or_else(tokio::time::Instant::now);
    if tokio::time::timeout_at(deadline, connections.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            open = limits.max_connections.saturating_sub(connections.available_permits()),
            "the shutdown grace is over: connections still open are cut"
        );
    }
}

/// Completes at `deadline`; never without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// One accepted connection: its TLS handshake if any, then HTTP/1.1.
async fn connection(
    tcp: SendStall<TcpStream>,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    router: Router,
    header_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let Some(acceptor) = tls else {
        return http(tcp, addr, router, header_timeout, stopping).await;
    };
    // A client that connects and says nothing would hold its slot: the
    // handshake gets the time a request's head gets.
    let handshake = tokio::select! {
        handshake = tokio::time::timeout(header_timeout, acceptor.accept(tcp)) => handshake,
        () = stopped(&mut stopping) => return,
    };
    match handshake {
        Ok(Ok(tls)) => http(tls, addr, router, header_timeout, stopping).await,
        // A client that does not trust the certificate, a port scanner,
        // plain HTTP on the HTTPS port: theirs.
        Ok(Err(e)) => tracing::debug!(%addr, "TLS handshake failed: {e}"),
        Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
    }
}

/// HTTP/1.1 on one connection until either side closes it, the head of a
/// request is late, or the server shuts down (then after the request in
/// flight).
async fn http<I>(io: I, addr: SocketAddr, router: Router, header_timeout: Duration, mut stopping: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // The client's address reaches the handlers (the login's rate limit is
    // per address) as `ConnectInfo<ClientAddr>`, as axum's
    // `into_make_service_with_connect_info` would give it.
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(ClientAddr(addr)));
        // A router is always ready (axum documents it): no `poll_ready`.
        router.clone().call(request)
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
    let served = tokio::select! {
        served = conn.as_mut() => served,
        () = stopped(&mut stopping) => {
            // Closes an idle connection now, a busy one after its answer.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = served {
        // Late heads, clients gone mid-answer: theirs, and frequent.
        tracing::debug!(%addr, "connection ended: {e}");
    }
}

/// Completes once the server is shutting down (or its accept loop is
/// gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here: it may not be held
    // across an await in a task.
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// Answers a connection over the cap, whatever it asks: the 503 once its
/// request's head is in (clients do not expect an answer to a request they
/// have not sent, and some take one as an error), then reads and drops
/// what it still sends for a moment before closing.
async fn refuse(mut tcp: TcpStream, busy: &Bytes) {
    let mut buf = [0u8; 4096];
    let head = tokio::time::timeout(REFUSAL_WAIT, async {
        let mut head = Vec::new();
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < REFUSAL_HEAD_BYTES {
            let n = tcp.read(&mut buf).await?;
            if n == 0 {
                return Ok(false);
            }
            head.extend_from_slice(&buf[..n]);
        }
        Ok::<bool, std::io::Error>(true)
    })
    .await;
    if !matches!(head, Ok(Ok(true))) {
        // Gone, or too slow to deserve an answer.
        return;
    }
    let _ = tokio::time::timeout(REFUSAL_WAIT, async {
        tcp.write_all(busy).await?;
        tcp.shutdown().await?;
        while tcp.read(&mut buf).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
}

/// The whole answer to a connection over the cap, in the API's error shape.
fn busy_answer() -> Bytes {
    let body = ApiError {
        error: ApiErrorCode::Unavailable,
        message: "服务器连接已满，未处理，请几秒后重试 / the server has too many connections open; nothing was read or stored; try again in a few seconds"
            .to_owned(),
        fields: Vec::new(),
    };
    // A struct of a code and a string always serializes.
    let body = serde_json::to_string(&body).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: {RETRY_AFTER_SECS}\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n\
         connection: close\r\n\r\n",
        body.len()
    );
    Bytes::from(head + &body)
}

/// The cap is pointless if the process runs out of file descriptors first
/// (each connection is one, and the database and uploads need theirs):
/// says so at start. Linux only (it reads `/proc/self/limits`).
fn warn_if_over_file_limit(max_connections: usize) {
    let Some(limit) = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .as_deref()
        .and_then(open_file_limit)
    else {
        return;
    };
    // Room for the database's connections, upload files, the object
    // store's connections and the logs.
    let needed = max_connections as u64 + 64;
    if limit < needed {
        tracing::warn!(
            open_file_limit = limit,
            max_connections,
            "the process may open fewer files than KUAIBAO_MAX_CONNECTIONS connections need: \
             raise the limit (LimitNOFILE in systemd, ulimit -n) or lower KUAIBAO_MAX_CONNECTIONS"
        );
    }
}

/// The soft limit on open files in the text of `/proc/self/limits`.
fn open_file_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_is_a_complete_503_in_the_api_shape() {
        let answer = busy_answer();
        let text = std::str::from_utf8(&answer).expect("ascii");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {}\r\n", body.len())),
            "{head}"
        );
        assert!(head.contains("\r\nretry-after: 5\r\n"), "{head}");
        assert!(head.contains("\r\nconnection: close"), "{head}");
        let error: ApiError = serde_json::from_str(body).expect("an ApiError");
        assert_eq!(error.error, ApiErrorCode::Unavailable);
    }

    #[test]
    fn the_open_file_limit_is_read_from_proc() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max processes             63433                63433                processes \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(open_file_limit(text), Some(1024));
        let unlimited = "Max open files            unlimited            unlimited            files     \n";
        assert_eq!(open_file_limit(unlimited), None);
        assert_eq!(open_file_limit(""), None);
    }
}
