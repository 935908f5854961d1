//! `kuaibao-server`: settings from the environment (see `config`), logs to
//! stderr, and exactly one line on stdout once it accepts connections:
//! `listening on http://IP:PORT`, or `https://` when it serves TLS (scripts
//! and tests read the port from it).
//! With arguments, an administrative command (see `cli`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use kuaibao_server::cli::{self, CliError, Command};
use kuaibao_server::config::Config;
use kuaibao_server::startup;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

// mimalloc rather than glibc's malloc: under ingest load the server spent
// a sixth of its CPU in glibc's free lists (measured with `perf`, issue 19).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr: stdout carries only the "listening" line.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::builder()
                .with_default_directive(LevelFilter::INFO.into())
                .from_env_lossy(),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files.
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(command) => command,
        // `--help` on stdout with status 0; a mistake on stderr with 2.
        Err(CliError::Words(e)) => {
            if let Err(failed) = e.print() {
                tracing::warn!("cannot print the command line's answer: {failed}");
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
        Err(e) => {
            eprintln!("{e}\n(see `kuaibao-server help`)");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            tracing::error!("bad setting: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Serve => {}
        admin => {
            return match cli::run(&config, admin, std::io::stdin().lock()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kuaibao-server: {e}");
                    ExitCode::FAILURE
                }
            };
        }
    }
    let server = match startup::build(&config).await {
        Ok(server) => server,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };

    // The socket is bound: connections made from now on wait in its backlog
    // until `run_until` accepts them.
    let mut stdout = std::io::stdout().lock();
    let announced =
        writeln!(stdout, "listening on {}://{}", server.scheme(), server.local_addr()).and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(e) = announced {
        tracing::warn!("cannot write the listening line to stdout: {e}");
    }

    match server.run_until(shutdown_signal()).await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` and systemd send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
