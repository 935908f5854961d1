//! `cargo xtask bench`: the figures of issue 6 next to their budgets. Not a
//! test: a figure over budget is reported, not failed on, and the run goes
//! on to the next figure. Each benchmark writes its figures as JSON into
//! `target/bench/`; `tests/bench/table.mjs` (node has a JSON parser, this
//! std-only tool has none) joins them with the machine and the versions
//! into `bench/results.json`, `bench/results.md` and the table in docs/benchmarks.md.
//!
//! - `tests/bench/<name>.bench.mjs`: the app in headless Chromium (size,
//!   start-up, autosave, photo pipeline, sync, phone store);
//! - `crates/server/benches/ingest.rs`: the server under 100 clients on
//!   SQLite and PostgreSQL, against the raw insert rate of each;
//! - `crates/server/benches/logins.rs`: the server's memory after 100
//!   concurrent logins and 1,000 hung-up ones;
//! - `crates/server/benches/province.rs`, only with `--province` (it
//!   loads two million reports): the inbox, an export and ingest at the
//!   size of a province, in a table of its own.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::cmd;
use crate::error::{Error, Result};
use crate::{postgres, setup};

/// The browser benchmarks, in the order of the table.
pub const BROWSER: [&str; 6] = ["size", "startup", "autosave", "photo", "sync", "store"];

/// Runs every benchmark, then writes the table. A benchmark that fails is
/// named in the table as missing; the others still run.
pub fn run(root: &Path) -> Result<()> {
    let out = root.join("target").join("bench");
    // Figures of an earlier run must not pass for this one's.
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    }
    fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    cmd::run(
        Command::new("cargo")
            .args(["build", "--release", "-p", "kuaibao-server"])
            .current_dir(root),
    )?;
    let server = root.join("target").join("release").join("kuaibao-server");
    let mut failed: Vec<String> = Vec::new();

    for name in BROWSER {
        let script = root.join("tests").join("bench").join(format!("{name}.bench.mjs"));
        if !script.is_file() {
            println!("note: {} is missing; no {name} figures", script.display());
            failed.push(name.to_owned());
            continue;
        }
        println!("\n=== xtask bench: {name} ===");
        let ran = cmd::run(
            Command::new("node")
                .arg(&script)
                .arg("--out")
                .arg(out.join(format!("{name}.json")))
                .env("KUAIBAO_SERVER_BIN", &server)
                .env("KUAIBAO_DIST", root.join("dist"))
                .env("CHROMIUM_PATH", setup::CHROMIUM)
                .current_dir(root),
        );
        if let Err(e) = ran {
            eprintln!("xtask bench: {name} failed: {e}");
            failed.push(name.to_owned());
        }
    }

    println!("\n=== xtask bench: server ingest (SQLite and PostgreSQL) ===");
    let cluster = postgres::Cluster::start(root)?;
    let ingest = cmd::run(
        Command::new("cargo")
            .args(["bench", "-p", "kuaibao-server", "--bench", "ingest"])
            .env("KUAIBAO_BENCH_OUT", out.join("ingest.json"))
            .env("KUAIBAO_SERVER_BIN", &server)
            .env(postgres::URL_VAR, postgres::url())
            .current_dir(root),
    );
    cluster.stop()?;
    if let Err(e) = ingest {
        eprintln!("xtask bench: ingest failed: {e}");
        failed.push("ingest".to_owned());
    }

    println!("\n=== xtask bench: server memory under logins ===");
    let logins = cmd::run(
        Command::new("cargo")
            .args(["bench", "-p", "kuaibao-server", "--bench", "logins"])
            .env("KUAIBAO_BENCH_OUT", out.join("logins.json"))
            .env("KUAIBAO_SERVER_BIN", &server)
            .current_dir(root),
    );
    if let Err(e) = logins {
        eprintln!("xtask bench: logins failed: {e}");
        failed.push("logins".to_owned());
    }

    println!(
        "\nnote: the province step (2,000,000 reports; about 5 minutes) is not part of this run: \
         `cargo xtask bench --province` runs it"
    );
    println!("\n=== xtask bench: the table ===");
    table(root, &out, &failed, None)
}

/// `cargo xtask bench --province`: the province-scale step alone
/// (`crates/server/benches/province.rs`), into a table of its own
/// (bench/province.*, docs/benchmarks.md's province block), so the long
/// load runs only when asked for and leaves the other figures standing.
pub fn province(root: &Path) -> Result<()> {
    let out = root.join("target").join("bench-province");
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    }
    fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    cmd::run(
        Command::new("cargo")
            .args(["build", "--release", "-p", "kuaibao-server"])
            .current_dir(root),
    )?;
    let server = root.join("target").join("release").join("kuaibao-server");
    println!("\n=== xtask bench: province (PostgreSQL with 2,000,000 reports, SQLite with 200,000) ===");
    let cluster = postgres::Cluster::start(root)?;
    let ran = cmd::run(
        Command::new("cargo")
            .args(["bench", "-p", "kuaibao-server", "--bench", "province"])
            .env("KUAIBAO_BENCH_OUT", out.join("province.json"))
            .env("KUAIBAO_SERVER_BIN", &server)
            .env(postgres::URL_VAR, postgres::url())
            .current_dir(root),
    );
    cluster.stop()?;
    let mut failed = Vec::new();
    if let Err(e) = ran {
        eprintln!("xtask bench: province failed: {e}");
        failed.push("province".to_owned());
    }
    println!("\n=== xtask bench: the province table ===");
    table(root, &out, &failed, Some("province"))
}

/// Joins the figures in `dir` into a table (tests/bench/table.mjs): the
/// main one, or the block named `block`.
fn table(root: &Path, dir: &Path, failed: &[String], block: Option<&str>) -> Result<()> {
    let mut node = Command::new("node");
    node.arg(root.join("tests").join("bench").join("table.mjs"))
        .arg(dir)
        .arg("--missing")
        .arg(failed.join(","))
        .current_dir(root);
    if let Some(name) = block {
        node.arg("--block").arg(name);
    }
    cmd::run(&mut node)
}
