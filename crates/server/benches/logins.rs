//! Login memory benchmark (issue 16, `cargo xtask bench`): the release
//! server's resident memory after 100 concurrent logins, and after 1,000
//! more whose clients hung up 20 ms after sending them, each next to its
//! budget. Password checks are argon2 at 19 MiB each; before issue 16 the
//! 100 logins alone left the server at ~410 MB and hung-up logins at
//! 187–339 MB.
//!
//! Run: `cargo build --release -p kuaibao-server` then
//! `cargo bench -p kuaibao-server --bench logins`, with
//! - `KUAIBAO_BENCH_OUT`: where to write the figures as JSON (optional);
//! - `KUAIBAO_SERVER_BIN`: the server binary (default target/release/kuaibao-server).
//!
//! The server runs with its default limits, behind the bench as its one
//! trusted proxy (`KUAIBAO_TRUSTED_PROXIES=127.0.0.1`), so each login can
//! come from an address of its own: the 100 as 100 phones, each with its
//! own account; the hung-up ones as from a botnet, none stopped by the
//! limits per address, so that what is measured is the password checks'
//! own ceiling.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kuaibao_core::account::LoginRequest;
use kuaibao_core::wire::protocol::SESSION_PATH;
use reqwest::header::RETRY_AFTER;
use reqwest::{Client, StatusCode};
use serde_json::json;
use support::{rss_kib, server_and_runtime, write_figures, Env, AREA, DEVICE, PASSWORD};
use tokio::io::AsyncWriteExt;

const CONCURRENT: usize = 100;
const HUNG_UP: usize = 1_000;
/// One hung-up login every 2 ms: at any moment some wait while others hang
/// up, the pattern that used to start a check per hang-up.
const HUNG_UP_EVERY: Duration = Duration::from_millis(2);
const HANG_UP_AFTER: Duration = Duration::from_millis(20);
const BUDGET_CONCURRENT_MB: f64 = 100.0;
const BUDGET_HUNG_UP_MB: f64 = 150.0;

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Samples the server's RSS every 10 ms into `peak` until `running` is
/// cleared.
fn sample_peak(pid: u32, peak: Arc<AtomicU64>, running: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while running.load(Ordering::Relaxed) {
            if let Some(kib) = rss_kib(pid) {
                peak.fetch_max(kib, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
}

/// The account of phone `i`.
fn phone(i: usize) -> String {
    format!("bench-phone-{i}")
}

/// Phone `i`'s address, as the proxy reports it.
fn phone_address(i: usize) -> String {
    format!("198.51.100.{}", 1 + i % 250)
}

/// Adds the phones' accounts (one hash for all: hashing is slow, and the
/// server checks each login all the same).
async fn add_phones(env: &Env) {
    use kuaibao_core::account::Role;
    use kuaibao_server::db::{accounts, audit::Actor};
    let config = kuaibao_server::config::Config {
        data_dir: env.data.path().to_owned(),
        ..Default::default()
    };
    let pool = kuaibao_server::startup::open_database(&config)
        .await
        .expect("the bench's database");
    let hash = kuaibao_server::auth::password::hash(PASSWORD).expect("hash");
    for i in 0..CONCURRENT {
        let username = phone(i);
        let new = accounts::NewUser {
            username: &username,
            display_name: &username,
            role: Role::Reporter,
            area: AREA,
            password_hash: &hash,
            profile: Default::default(),
        };
        accounts::add_user(&pool, &Actor::command_line(), &new)
            .await
            .expect("database")
            .expect("a new account");
    }
    pool.close().await;
}

/// Logs phone `i` in, retrying after `Retry-After` when the server's queue
/// of password checks is full (503), as the phone's user would. How many
/// 503s it took.
async fn log_in(client: &Client, base: &str, i: usize) -> usize {
    let mut busy = 0;
    loop {
        let res = client
            .post(format!("{base}{SESSION_PATH}"))
            .header("X-Forwarded-For", phone_address(i))
            .json(&LoginRequest {
                username: phone(i),
                password: PASSWORD.to_owned(),
                device_id: DEVICE.to_owned(),
            })
            .send()
            .await
            .expect("login");
        match res.status() {
            StatusCode::CREATED => return busy,
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                let wait = res
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .expect("a 503 says when to retry");
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            other => panic!("login answered {other}"),
        }
    }
}

/// A login with a wrong password for an unknown user, from `client` as the
/// trusted proxy reports it, on a connection dropped `HANG_UP_AFTER` after
/// sending it, its answer unread.
async fn hung_up_login(addr: SocketAddr, i: usize) {
    let body = serde_json::to_string(&LoginRequest {
        username: format!("ghost-{i}"),
        password: "guess-guess-guess".to_owned(),
        device_id: DEVICE.to_owned(),
    })
    .expect("json");
    let client = format!("198.18.{}.{}", i / 250, 1 + i % 250);
    let request = format!(
        "POST {SESSION_PATH} HTTP/1.1\r\nHost: {addr}\r\nX-Forwarded-For: {client}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return;
    };
    let _ = stream.write_all(request.as_bytes()).await;
    tokio::time::sleep(HANG_UP_AFTER).await;
}

struct Figures {
    workers: usize,
    started_mb: f64,
    concurrent_mb: f64,
    concurrent_s: f64,
    concurrent_busy: usize,
    hung_up_mb: f64,
    peak_mb: f64,
}

async fn run(env: &Env) -> Figures {
    let mut server = env
        .start_with(&[("KUAIBAO_TRUSTED_PROXIES", "127.0.0.1"), ("RUST_LOG", "error")])
        .await;
    let pid = server.id().expect("server pid");
    let base = env.base();
    let started = rss_kib(pid).unwrap_or(0);
    let peak = Arc::new(AtomicU64::new(started));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = sample_peak(pid, peak.clone(), running.clone());

    // 100 phones logging in at once, each on its own connection.
    let t0 = Instant::now();
    let busy = Arc::new(AtomicUsize::new(0));
    let logins: Vec<_> = (0..CONCURRENT)
        .map(|i| {
            let base = base.clone();
            let busy = busy.clone();
            tokio::spawn(async move {
                let client = Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .expect("client");
                busy.fetch_add(log_in(&client, &base, i).await, Ordering::Relaxed);
            })
        })
        .collect();
    for login in logins {
        login.await.expect("login task");
    }
    let concurrent_s = t0.elapsed().as_secs_f64();
    let after_concurrent = rss_kib(pid).unwrap_or(0);

    // 1,000 logins hung up, one every 2 ms.
    let addr: SocketAddr = format!("127.0.0.1:{}", env.port).parse().expect("address");
    let t0 = Instant::now();
    let hung_up: Vec<_> = (0..HUNG_UP)
        .map(|i| {
            tokio::spawn(async move {
                tokio::time::sleep_until((t0 + HUNG_UP_EVERY * i as u32).into()).await;
                hung_up_login(addr, i).await;
            })
        })
        .collect();
    for login in hung_up {
        login.await.expect("hung-up login");
    }
    // Once a real login is through, every check the hung-up ones started
    // has ended.
    log_in(&Client::new(), &base, 0).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_hung_up = rss_kib(pid).unwrap_or(0);
    running.store(false, Ordering::Relaxed);
    sampler.await.expect("sampler");
    let _ = server.kill().await;
    let _ = server.wait().await;
    Figures {
        workers: kuaibao_server::auth::password::default_workers(),
        started_mb: mb(started),
        concurrent_mb: mb(after_concurrent),
        concurrent_s,
        concurrent_busy: busy.load(Ordering::Relaxed),
        hung_up_mb: mb(after_hung_up),
        peak_mb: mb(peak.load(Ordering::Relaxed).max(after_hung_up)),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is ignored.
    let (bin, rt) = server_and_runtime("logins");
    rt.block_on(async {
        let env = Env::new(&bin, None);
        env.add_reporter().await;
        add_phones(&env).await;
        let f = run(&env).await;
        let verdict = |v: f64, max: f64| if v <= max { "pass" } else { "FAIL" };
        println!(
            "logins ({} password workers): RSS at start {:.1} MB; after {CONCURRENT} concurrent logins {:.1} MB \
             (budget ≤ {BUDGET_CONCURRENT_MB}: {}; all in after {:.1} s, {} answers 503 retried); \
             after {HUNG_UP} hung-up logins {:.1} MB (budget ≤ {BUDGET_HUNG_UP_MB}: {}); peak {:.1} MB",
            f.workers,
            f.started_mb,
            f.concurrent_mb,
            verdict(f.concurrent_mb, BUDGET_CONCURRENT_MB),
            f.concurrent_s,
            f.concurrent_busy,
            f.hung_up_mb,
            verdict(f.hung_up_mb, BUDGET_HUNG_UP_MB),
            f.peak_mb,
        );
        let figures = vec![
            json!({"id": "logins.rss_started_mb", "label": "Server RSS just after start (logins bench), SQLite", "value": f.started_mb, "unit": "MB", "budget": null}),
            json!({"id": "logins.rss_after_concurrent_mb", "label": format!("Server RSS after {CONCURRENT} concurrent logins (argon2, {} password workers; 503s retried after Retry-After)", f.workers), "value": f.concurrent_mb, "unit": "MB", "budget": {"max": BUDGET_CONCURRENT_MB}}),
            json!({"id": "logins.concurrent_all_in_s", "label": format!("{CONCURRENT} concurrent logins: until all are logged in"), "value": f.concurrent_s, "unit": "s", "budget": null}),
            json!({"id": "logins.concurrent_busy", "label": format!("{CONCURRENT} concurrent logins: answers 503 (password queue full), each retried"), "value": f.concurrent_busy, "unit": "answers", "budget": null}),
            json!({"id": "logins.rss_after_hung_up_mb", "label": format!("Server RSS after {HUNG_UP} more logins hung up after 20 ms (one every 2 ms, each from its own address through a trusted proxy)"), "value": f.hung_up_mb, "unit": "MB", "budget": {"max": BUDGET_HUNG_UP_MB}}),
            json!({"id": "logins.rss_peak_mb", "label": "Server RSS peak during the logins bench", "value": f.peak_mb, "unit": "MB", "budget": null}),
        ];
        write_figures(figures, &[]);
    });
}
