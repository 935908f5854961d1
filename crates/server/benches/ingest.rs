//! Server ingest benchmark (issue 6, `cargo xtask bench`): reports a second
//! and p50/p99 latency of `POST /api/reports` from 100 concurrent clients
//! against the real release binary, on SQLite and on PostgreSQL, next to
//! the raw durable insert rate of the same database measured in the same
//! run (one transaction per row into `reports`, the server's own connection
//! settings; a window before the HTTP run and one after, their mean, so the
//! disk's drift is not charged to one side). Budget: HTTP ingest ≥ 50 % of
//! raw. Also the server's RSS under that load.
//!
//! Run: `cargo build --release -p kuaibao-server` then
//! `cargo bench -p kuaibao-server --bench ingest`, with
//! - `KUAIBAO_BENCH_OUT`: where to write the figures as JSON (optional);
//! - `KUAIBAO_SERVER_BIN`: the server binary (default target/release/kuaibao-server);
//! - `KUAIBAO_TEST_POSTGRES_URL`: admin URL of a PostgreSQL server where the
//!   bench may `CREATE DATABASE`; absent, the PostgreSQL figures are skipped.

mod support;

use serde_json::Value;
use support::ingest::{figures, fresh_postgres_database, run_one, summary};
use support::{server_and_runtime, write_figures};

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is ignored.
    let (bin, rt) = server_and_runtime("ingest");
    rt.block_on(async {
        let mut out: Vec<Value> = Vec::new();
        let mut notes = Vec::new();
        let sqlite = run_one(&bin, None).await;
        summary("SQLite (WAL, synchronous=FULL)", &sqlite);
        out.extend(figures("sqlite", "SQLite", " (WAL, synchronous=FULL)", &sqlite));
        match std::env::var("KUAIBAO_TEST_POSTGRES_URL") {
            Ok(admin) if !admin.is_empty() => {
                let url = fresh_postgres_database(&admin).await;
                let pg = run_one(&bin, Some(url)).await;
                let note = " (test cluster: fsync=off; raw and HTTP on the same cluster settings, synchronous_commit=on per session)";
                summary("PostgreSQL (test cluster, fsync=off)", &pg);
                out.extend(figures("postgres", "PostgreSQL", note, &pg));
            }
            _ => {
                let note = "PostgreSQL figures skipped: KUAIBAO_TEST_POSTGRES_URL is not set (`cargo xtask postgres start`)";
                println!("{note}");
                notes.push(note);
            }
        }
        println!(
            "(client and server share this machine's {} cores; the load generator's CPU counts against the HTTP figure)",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        write_figures(out, &notes);
    });
}
