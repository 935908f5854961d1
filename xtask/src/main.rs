//! 快报's build tool: `cargo xtask <command>` (alias in .cargo/config.toml).
//!
//! std only, because a cold CI run compiles it before anything else.

mod bench;
mod bundle;
mod cmd;
mod demo;
mod error;
mod floor;
mod fuzz;
mod integrity;
mod postgres;
mod precache;
mod schemathesis;
mod setup;
mod short_names;
mod stylesheets;
mod tags;

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use error::{Error, Result};

pub const USAGE: &str = "\
usage: cargo xtask <command>

  setup [--browser]  install what is missing: wasm32 target, Trunk, wasm-bindgen-cli,
                     npm packages (wasm-opt, playwright-core); --browser (what the tests need):
                     Chromium + chromedriver, moto_server, PostgreSQL, cargo-fuzz
  build              setup, then `trunk build --release` into dist/ (the phone app) and
                     dist/office/ (the duty office, office.html)
  run                build, make demo accounts on a new data dir, then run the server on dist/
                     (KUAIBAO_ADDR, KUAIBAO_DATA_DIR, DATABASE_URL)
  test               setup --browser, then native tests (server on SQLite), the server's tests
                     on PostgreSQL, schemathesis against the API (about a minute), fuzzing
                     (10 s per target), wasm tests in headless Chromium,
                     release build, end-to-end tests
  guide              setup --browser and build, then the user guide's walk-through, writing its
                     pictures to docs/guide/ (docs/使用说明.md)
  schemathesis       the schemathesis stage of `test` alone: the debug server, fuzzed from
                     its OpenAPI description (setup --browser installs schemathesis)
  fuzz [SECONDS]     fuzz each target in fuzz/ (report, json, login, exif, sse, tus_metadata, sms)
                     for SECONDS (default 60); seeds from core's examples, crash inputs in
                     fuzz/artifacts/<target>/
  postgres start     start the test PostgreSQL (target/postgres, 127.0.0.1:54329) and leave it
                     running, for `KUAIBAO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:54329/postgres`
  postgres stop      stop it
  precache           Trunk post_build hook: fill the staged sw.js with this build's files
  bench              setup --browser and build, then the benchmarks of issue 6 against their
                     budgets (not a test: figures over budget are reported): bench/results.md,
                     bench/results.json and docs/benchmarks.md's table. Skips the province step:
  bench --province   the province step alone (issue 19; about 5 minutes, ~4 GB of disk for a
                     while): 2,000,000 reports loaded into the test PostgreSQL with COPY and
                     200,000 into SQLite, then inbox pages, a 100,000-record CSV export and
                     ingest against them: bench/province.md, bench/province.json and
                     docs/benchmarks.md's province table";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &[String]) -> Result<()> {
    let root = repo_root();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => return Err(Error::Usage("no command given".into())),
    };
    let no_args = |rest: &[String]| match rest.first() {
        None => Ok(()),
        Some(a) => Err(Error::Usage(format!("`{command}` takes no argument `{a}`"))),
    };
    match command {
        "precache" => {
            no_args(rest)?;
            // Runs inside Trunk: no PATH changes, no tools needed.
            precache::run(&root)
        }
        "setup" => {
            let browser = match rest {
                [] => false,
                [flag] if flag == "--browser" => true,
                _ => return Err(Error::Usage(format!("setup: unknown arguments {rest:?}"))),
            };
            prepare_path(&root)?;
            setup::setup(&root, browser)
        }
        "build" => {
            no_args(rest)?;
            prepare_path(&root)?;
            build(&root)
        }
        "run" => {
            no_args(rest)?;
            prepare_path(&root)?;
            run(&root)
        }
        "test" => {
            no_args(rest)?;
            prepare_path(&root)?;
            test(&root)
        }
        "bench" => match rest {
            [] => {
                prepare_path(&root)?;
                setup::setup(&root, true)?;
                build(&root)?;
                bench::run(&root)
            }
            [flag] if flag == "--province" => {
                prepare_path(&root)?;
                bench::province(&root)
            }
            _ => Err(Error::Usage(format!("bench: unknown arguments {rest:?}"))),
        },
        "guide" => {
            no_args(rest)?;
            prepare_path(&root)?;
            setup::setup(&root, true)?;
            release_build(&root)?;
            guide(&root)
        }
        "schemathesis" => {
            no_args(rest)?;
            prepare_path(&root)?;
            schemathesis::run(&root)
        }
        "fuzz" => {
            let seconds = fuzz::parse_seconds(rest)?;
            prepare_path(&root)?;
            setup::cargo_fuzz()?;
            fuzz::run(&root, seconds)
        }
        "postgres" => match rest {
            [action] if action == "start" => {
                let _lock = postgres_lock(&root)?;
                let cluster = postgres::Cluster::start(&root)?;
                cluster.leave_running();
                println!("left running; stop it with `cargo xtask postgres stop`");
                println!("{}={}", postgres::URL_VAR, postgres::url());
                Ok(())
            }
            [action] if action == "stop" => postgres::Cluster::stop_in(&root),
            _ => Err(Error::Usage(format!(
                "postgres: expected `start` or `stop`, got {rest:?}"
            ))),
        },
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Error::Usage(format!("unknown command `{other}`"))),
    }
}

/// The workspace root: the parent of this crate's directory.
fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Puts `<repo>/node_modules/.bin` first on PATH (so Trunk takes npm
/// binaryen's wasm-opt, never Debian's), then Cargo's bin directory (so
/// tools installed a moment ago are found), for this process and every
/// command it starts.
fn prepare_path(root: &Path) -> Result<()> {
    let mut dirs = vec![root.join("node_modules").join(".bin")];
    if let Some(cargo_bin) = cargo_bin_dir() {
        dirs.push(cargo_bin);
    }
    let old = env::var_os("PATH").unwrap_or_default();
    dirs.extend(env::split_paths(&old));
    let new: OsString = env::join_paths(dirs).map_err(|e| Error::Setup(format!("cannot build PATH: {e}")))?;
    env::set_var("PATH", new);
    Ok(())
}

fn cargo_bin_dir() -> Option<PathBuf> {
    match env::var_os("CARGO_HOME") {
        Some(home) => Some(PathBuf::from(home).join("bin")),
        None => env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo").join("bin")),
    }
}

/// `trunk build --release` into dist/, after setup. The post_build hook
/// (Trunk.toml) fills dist/sw.js; this checks that it did.
fn build(root: &Path) -> Result<()> {
    setup::setup(root, false)?;
    // Two Trunk builds in one checkout share dist/.stage and
    // target/wasm-opt and break each other; take turns.
    let _lock = build_lock(root)?;
    println!("building the app: trunk build --release");
    cmd::run(trunk(root).args(["build", "--release"]))?;
    let sw = root.join("dist").join(precache::SW_FILE);
    let text = fs::read_to_string(&sw).map_err(|e| Error::io(&sw, e))?;
    if text.contains(precache::LIST_PLACEHOLDER) || text.contains(precache::VERSION_PLACEHOLDER) {
        return Err(Error::Precache(format!(
            "{} still has its placeholders: the post_build hook `cargo xtask precache` in Trunk.toml did not run",
            sw.display()
        )));
    }
    no_inline_script(&root.join("dist").join("index.html"), "/")?;
    build_office(root)?;
    floor::check(root)?;
    println!("built {}", root.join("dist").display());
    Ok(())
}

/// The duty office's page: its own Trunk build of `office.html` (the
/// `office` binary) into `dist/office/`, served under `/office/`. After the
/// phone app's, whose build replaces all of `dist/`. The post_build hook
/// sees it is not `index.html`: no service worker; its inline loader is
/// moved into a file as the phone's is (see `precache::externalize_page`).
fn build_office(root: &Path) -> Result<()> {
    println!("building the duty office: trunk build office.html --release --dist dist/office --public-url /office/");
    cmd::run(trunk(root).args([
        "build",
        "office.html",
        "--release",
        "--dist",
        "dist/office",
        "--public-url",
        "/office/",
    ]))?;
    no_inline_script(&root.join("dist").join("office").join("index.html"), "/office/")
}

/// Checks that the built page `index` (served under `base`) has no inline
/// script left: the server's Content-Security-Policy allows none.
fn no_inline_script(index: &Path, base: &str) -> Result<()> {
    let html = fs::read_to_string(index).map_err(|e| Error::io(index, e))?;
    if precache::externalize_loader(&html, base)?.1.is_some() {
        return Err(Error::Precache(format!(
            "{} still has its inline loader: the post_build hook `cargo xtask precache` did not run",
            index.display()
        )));
    }
    Ok(())
}

/// `trunk` in the checkout. The release wasm is built by the stable
/// toolchain with stable flags only (`--cfg erase_components`, from
/// .cargo/config.toml): a shipped build must not depend on unstable
/// compiler access. Rebuilding std with `panic = immediate-abort`,
/// `location-detail = none` and `fmt-debug = none` saved about 25 KB of
/// brotli wasm, but only with unstable compiler access; they were dropped,
/// and the download budget is reported over instead (docs/benchmarks.md).
///
/// The build id the app reports its crashes with (`KUAIBAO_BUILD`, read by
/// `option_env!` in `src/crash/`) is the checkout's commit, as
/// [`build_id`] gives it, unless the caller set one.
fn trunk(root: &Path) -> Command {
    let mut trunk = Command::new("trunk");
    trunk.current_dir(root);
    if env::var_os(BUILD_VAR).is_none() {
        if let Some(id) = build_id(root) {
            trunk.env(BUILD_VAR, id);
        }
    }
    trunk
}

/// The variable the app's build id is baked in from.
const BUILD_VAR: &str = "KUAIBAO_BUILD";

/// `git describe --always --dirty --abbrev=12` of the checkout (a commit
/// hash, `-dirty` when files differ from it), if git answers with an id
/// the server accepts (`kuaibao_core::wire::crash::MAX_BUILD_CHARS`, 64); `None` (the app then says `dev`) otherwise.
fn build_id(root: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .current_dir(root)
        .output()
        .ok()?;
    let id = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    let fits = out.status.success()
        && !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
    fits.then_some(id)
}

/// An exclusive lock on target/xtask-build.lock, held until dropped.
fn build_lock(root: &Path) -> Result<fs::File> {
    lock_file(
        root,
        "xtask-build.lock",
        "waiting for another `cargo xtask build` in this checkout to finish…",
    )
}

/// An exclusive lock on the test PostgreSQL cluster: one run at a time
/// starts, uses and stops it.
fn postgres_lock(root: &Path) -> Result<fs::File> {
    lock_file(
        root,
        "xtask-postgres.lock",
        "waiting for another run's PostgreSQL tests in this checkout to finish…",
    )
}

/// An exclusive lock on target/<name>, held until dropped; says `waiting`
/// when another process holds it.
fn lock_file(root: &Path, name: &str, waiting: &str) -> Result<fs::File> {
    let path = root.join("target").join(name);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            println!("{waiting}");
            file.lock().map_err(|e| Error::io(&path, e))?;
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
    }
    Ok(file)
}

/// Build, then the release server serving dist/ (foreground).
fn run(root: &Path) -> Result<()> {
    build(root)?;
    let addr = env::var("KUAIBAO_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_string());
    let shown = match addr.strip_prefix("0.0.0.0:") {
        Some(port) => format!("127.0.0.1:{port} (listening on all interfaces)"),
        None => addr.clone(),
    };
    cmd::run(
        Command::new("cargo")
            .args(["build", "--release", "-p", "kuaibao-server"])
            .current_dir(root),
    )?;
    let server = root.join("target/release/kuaibao-server");
    // The server's own default, relative to where it runs (the checkout).
    let data_dir = env::var_os("KUAIBAO_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("data"));
    demo::ensure(&server, &data_dir)?;
    println!("starting the server: http://{shown}/  (Ctrl-C to stop)");
    cmd::run(
        Command::new(&server)
            .env("KUAIBAO_STATIC_DIR", root.join("dist"))
            .current_dir(root),
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Passed,
    Skipped,
    Failed,
    NotRun,
}

/// The test pipeline. Stops at the first failed stage; prints a summary.
fn test(root: &Path) -> Result<()> {
    type Stage = (&'static str, fn(&Path) -> Result<Outcome>);
    let stages: [Stage; 8] = [
        ("setup --browser", |root| {
            setup::setup(root, true).map(|_| Outcome::Passed)
        }),
        ("native tests (server on SQLite)", native_tests),
        ("server tests on PostgreSQL", postgres_tests),
        ("schemathesis (the API from its OpenAPI description)", |root| {
            schemathesis::run(root).map(|_| Outcome::Passed)
        }),
        ("fuzzing (report, json, login, exif, sse, tus_metadata, sms)", |root| {
            fuzz::run(root, fuzz::TEST_SECONDS).map(|_| Outcome::Passed)
        }),
        ("wasm tests (headless Chromium)", wasm_tests),
        ("release build", release_build),
        ("end-to-end tests", e2e_tests),
    ];
    let mut results: Vec<(&str, Outcome, Duration)> = stages
        .iter()
        .map(|(n, _)| (*n, Outcome::NotRun, Duration::ZERO))
        .collect();
    let mut failure = None;
    let began = Instant::now();
    for (i, (name, stage)) in stages.iter().enumerate() {
        println!("\n=== xtask test: {name} ===");
        let start = Instant::now();
        let ran = stage(root);
        // Each stage's time, for docs/testing.md's table.
        results[i].2 = start.elapsed();
        match ran {
            Ok(outcome) => results[i].1 = outcome,
            Err(e) => {
                results[i].1 = Outcome::Failed;
                failure = Some(Error::Stage {
                    stage: name.to_string(),
                    source: Box::new(e),
                });
                break;
            }
        }
    }
    println!("\n=== xtask test: summary ===");
    for (name, outcome, took) in &results {
        let word = match outcome {
            Outcome::Passed => "passed ",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "FAILED ",
            Outcome::NotRun => "not run",
        };
        println!("  {word}  {:>5} s  {name}", took.as_secs());
    }
    println!("  in all   {:>5} s", began.elapsed().as_secs());
    match failure {
        Some(e) => Err(e),
        None => {
            println!("all stages passed");
            Ok(())
        }
    }
}

/// Native tests at a time: the server's API tests mostly wait on their
/// server and database, so three per core finish a third sooner than
/// libtest's one per core (measured on 2 cores: 72 s → 48 s on SQLite).
/// `RUST_TEST_THREADS` set by the caller wins.
fn test_threads() -> String {
    std::env::var("RUST_TEST_THREADS").unwrap_or_else(|_| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        (cores * 3).to_string()
    })
}

/// Every native test; the server's run on SQLite (the variable that would
/// send them to PostgreSQL is removed).
fn native_tests(root: &Path) -> Result<Outcome> {
    cmd::run(
        Command::new("cargo")
            .args(["test", "--workspace", "--exclude", "kuaibao"])
            .env("RUST_TEST_THREADS", test_threads())
            .env_remove(postgres::URL_VAR)
            .current_dir(root),
    )?;
    Ok(Outcome::Passed)
}

/// The server's tests again, on a throwaway PostgreSQL cluster
/// (`KUAIBAO_TEST_POSTGRES_URL`); each test makes its own database. The
/// cluster is stopped afterwards, also when the tests fail.
fn postgres_tests(root: &Path) -> Result<Outcome> {
    let _lock = postgres_lock(root)?;
    let cluster = postgres::Cluster::start(root)?;
    println!(
        "running the server's tests on PostgreSQL: {}={}",
        postgres::URL_VAR,
        postgres::url()
    );
    let tests = cmd::run(
        Command::new("cargo")
            .args(["test", "-p", "kuaibao-server"])
            .env("RUST_TEST_THREADS", test_threads())
            .env(postgres::URL_VAR, postgres::url())
            .current_dir(root),
    );
    let stopped = cluster.stop();
    tests?;
    stopped?;
    Ok(Outcome::Passed)
}

/// `cargo test -p kuaibao --target wasm32-unknown-unknown`, every test in
/// headless Chromium through chromedriver. Chrome's arguments are in
/// webdriver.json at the repo root (wasm-bindgen-test-runner reads it from
/// the package directory, which for `kuaibao` is the root).
fn wasm_tests(root: &Path) -> Result<Outcome> {
    let webdriver_json = root.join("webdriver.json");
    if !webdriver_json.is_file() {
        return Err(Error::Setup(format!("{} is missing", webdriver_json.display())));
    }
    cmd::run(
        Command::new("cargo")
            .args(["test", "-p", "kuaibao", "--target", setup::WASM_TARGET])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("CHROMEDRIVER", setup::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)
            // Tests without `wasm_bindgen_test_configure!` run in the
            // browser too, not in Node.
            .env("WASM_BINDGEN_USE_BROWSER", "1")
            .current_dir(root),
    )?;
    Ok(Outcome::Passed)
}

fn release_build(root: &Path) -> Result<Outcome> {
    build(root)?;
    cmd::run(
        Command::new("cargo")
            .args(["build", "-p", "kuaibao-server"])
            .current_dir(root),
    )?;
    Ok(Outcome::Passed)
}

/// The user guide's pictures: its walk-through (`tests/e2e/guide.test.mjs`,
/// which `test` runs too) with its screens written to docs/guide/.
fn guide(root: &Path) -> Result<()> {
    let server = root.join("target").join("debug").join("kuaibao-server");
    cmd::run(
        Command::new("node")
            .args(["--test", "tests/e2e/guide.test.mjs"])
            .env("KUAIBAO_SERVER_BIN", &server)
            .env("KUAIBAO_DIST", root.join("dist"))
            .env("CHROMIUM_PATH", setup::CHROMIUM)
            .env("GUIDE_SCREENSHOTS", root.join("docs").join("guide"))
            .current_dir(root),
    )?;
    println!("the guide's pictures are in docs/guide/ (docs/使用说明.md shows them)");
    Ok(())
}

/// The end-to-end files, one at a time: two side by side on two cores made
/// the CPU-heavy ones (photos, the map) miss their timeouts.
fn e2e_tests(root: &Path) -> Result<Outcome> {
    let dir = root.join("tests").join("e2e");
    let has_tests = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(".test.mjs")))
        })
        .unwrap_or(false);
    if !has_tests {
        println!("note: no tests/e2e/*.test.mjs yet; skipping the end-to-end stage");
        return Ok(Outcome::Skipped);
    }
    let server = root.join("target").join("debug").join("kuaibao-server");
    cmd::run(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .env("KUAIBAO_SERVER_BIN", &server)
            .env("KUAIBAO_DIST", root.join("dist"))
            .env("CHROMIUM_PATH", setup::CHROMIUM)
            .current_dir(root),
    )?;
    Ok(Outcome::Passed)
}
