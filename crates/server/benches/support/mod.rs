//! What the server benchmarks share: the release binary on a fresh data
//! dir and a free port, its admin command, and its resident memory.

// Each benchmark is its own crate and uses part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kuaibao_server::db;
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub mod ingest;
pub mod province;

pub const USERNAME: &str = "bench-reporter";
pub const PASSWORD: &str = "bench-password-1";
pub const AREA: &str = "bench";
pub const DEVICE: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

pub fn server_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("KUAIBAO_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("release/kuaibao-server")
}

/// The release server binary, or the process ends saying how to build it;
/// and a runtime to drive the bench `bench` with.
pub fn server_and_runtime(bench: &str) -> (PathBuf, tokio::runtime::Runtime) {
    let bin = server_bin();
    if !bin.is_file() {
        eprintln!(
            "{bench} bench: no server binary at {} — build it first with \
             `cargo build --release -p kuaibao-server`, or set KUAIBAO_SERVER_BIN",
            bin.display()
        );
        std::process::exit(2);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    (bin, rt)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct Env {
    pub bin: PathBuf,
    pub data: TempDir,
    pub static_dir: TempDir,
    pub database_url: Option<String>,
    pub port: u16,
}

impl Env {
    pub fn new(bin: &Path, database_url: Option<String>) -> Env {
        let static_dir = TempDir::new().expect("static dir");
        std::fs::write(
            static_dir.path().join("index.html"),
            "<!DOCTYPE html><title>快报</title>",
        )
        .expect("index.html");
        Env {
            bin: bin.to_owned(),
            data: TempDir::new().expect("data dir"),
            static_dir,
            database_url,
            port: free_port(),
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| db::sqlite_url(self.data.path()))
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("KUAIBAO_ADDR", format!("127.0.0.1:{}", self.port))
            .env("KUAIBAO_DATA_DIR", self.data.path())
            .env("KUAIBAO_STATIC_DIR", self.static_dir.path())
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .env("KUAIBAO_RATE_PER_MIN", "1000000")
            .env_remove("DATABASE_URL")
            .env_remove("KUAIBAO_OBJECT_STORE");
        if let Some(url) = &self.database_url {
            c.env("DATABASE_URL", url);
        }
        c
    }

    pub async fn admin(&self, args: &[&str], stdin: Option<&str>) {
        use tokio::io::AsyncWriteExt;
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the admin command");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(text.as_bytes()).await.expect("write the password");
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().await.expect("admin command");
        assert!(
            out.status.success(),
            "admin command {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub async fn start(&self) -> Child {
        self.start_with(&[]).await
    }

    /// Starts the server with `vars` set on top of [`command`](Self::command)'s.
    pub async fn start_with(&self, vars: &[(&str, &str)]) -> Child {
        let mut child = self
            .command()
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the server binary");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut line)).await;
        assert!(
            matches!(read, Ok(Ok(n)) if n > 0) && line.starts_with("listening on http://"),
            "the server did not start: {line:?}"
        );
        // Keep reading stdout so the server never blocks on a full pipe.
        tokio::spawn(async move {
            let mut sink = String::new();
            while matches!(stdout.read_line(&mut sink).await, Ok(n) if n > 0) {
                sink.clear();
            }
        });
        child
    }
}

impl Env {
    /// The area and the reporter the benchmarks log in as.
    pub async fn add_reporter(&self) {
        self.admin(&["area", "add", AREA, "--name", "压测区", "--level", "district"], None)
            .await;
        self.admin(
            &["user", "add", USERNAME, "--role", "reporter", "--area", AREA],
            Some(&format!("{PASSWORD}\n")),
        )
        .await;
    }
}

/// The resident memory of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes a benchmark's figures (`{id, label, value, unit, budget}`, see
/// tests/bench/table.mjs) and notes as JSON to `KUAIBAO_BENCH_OUT`, if set.
pub fn write_figures(figures: Vec<Value>, notes: &[&str]) {
    if let Ok(path) = std::env::var("KUAIBAO_BENCH_OUT") {
        let doc = json!({"figures": figures, "notes": notes});
        std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("json"))
            .unwrap_or_else(|e| panic!("write {path}: {e}"));
        println!("figures written to {path}");
    }
}
