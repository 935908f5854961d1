//! `cargo xtask setup [--browser]`: installs each tool the build and the
//! tests need, only when it is missing, and says so in one line per tool.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use crate::cmd;
use crate::error::{Error, Result};
use crate::postgres;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Trunk 0.22 needs a newer rustc than this project's; see TOOLCHAIN.md.
pub const TRUNK_VERSION: &str = "0.21.14";
/// npm `binaryen` 132.0.0; Debian's wasm-opt 108 breaks the app at start.
pub const WASM_OPT_MAJOR: &str = "132";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// cargo-fuzz, pinned like Trunk so a new release cannot need a newer rustc.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

pub fn setup(root: &Path, browser: bool) -> Result<()> {
    toolchain(root)?;
    wasm_target()?;
    trunk()?;
    wasm_bindgen(root)?;
    npm(root)?;
    if browser {
        chromium()?;
        moto()?;
        schemathesis()?;
        postgresql()?;
        xmllint()?;
        cargo_fuzz()?;
        engines()?;
    }
    Ok(())
}

/// Firefox ESR (geckodriver from crates.io) and WebKitGTK's WebDriver
/// under Xvfb: the other two engines the core loop is tested in
/// (`tests/e2e/engines.test.mjs`).
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
pub const XVFB_RUN: &str = "/usr/bin/xvfb-run";
pub const GECKODRIVER_VERSION: &str = "0.37.1";

fn engines() -> Result<()> {
    if [FIREFOX, WEBKIT_DRIVER, XVFB_RUN]
        .iter()
        .all(|p| Path::new(p).is_file())
    {
        println!("ok firefox-esr, WebKitWebDriver, xvfb-run");
    } else {
        println!("installing firefox-esr webkit2gtk-driver xvfb (apt-get), for the other two engines");
        apt_install(&["firefox-esr", "webkit2gtk-driver", "xvfb"])?;
        for path in [FIREFOX, WEBKIT_DRIVER, XVFB_RUN] {
            if !Path::new(path).is_file() {
                return Err(Error::Setup(format!("{path} is still missing after apt-get install")));
            }
        }
    }
    // `geckodriver --version` prints `geckodriver 0.37.1 (…)`.
    let found = cmd::output_of("geckodriver", &["--version"]);
    if found.as_deref().and_then(version_word).as_deref() == Some(GECKODRIVER_VERSION) {
        println!("ok geckodriver {GECKODRIVER_VERSION}");
        return Ok(());
    }
    println!("installing geckodriver {GECKODRIVER_VERSION} (cargo install, a few minutes the first time)");
    cmd::run(Command::new("cargo").args(["install", "geckodriver", "--version", GECKODRIVER_VERSION, "--locked"]))?;
    match cmd::output_of("geckodriver", &["--version"])
        .as_deref()
        .and_then(version_word)
    {
        Some(v) if v == GECKODRIVER_VERSION => {
            println!("ok geckodriver {v}");
            Ok(())
        }
        other => Err(Error::Setup(format!(
            "after installing, `geckodriver --version` says {other:?}, expected {GECKODRIVER_VERSION}: \
             is another geckodriver earlier on PATH than ~/.cargo/bin?"
        ))),
    }
}

/// The PostgreSQL server the server's tests run against a second time
/// (Debian's `postgresql`; a machine may have only the client, `psql`).
fn postgresql() -> Result<()> {
    if let Some(found) = postgres::find() {
        println!("ok postgresql {} ({})", found.major, found.bin.display());
        return Ok(());
    }
    println!("installing postgresql (apt-get), for the server's PostgreSQL tests");
    apt_install(&["postgresql"])?;
    match postgres::find() {
        Some(found) => {
            println!("ok postgresql {} ({})", found.major, found.bin.display());
            Ok(())
        }
        None => Err(Error::Setup(
            "no /usr/lib/postgresql/*/bin/postgres after `apt-get install postgresql`".to_string(),
        )),
    }
}

/// xmllint (Debian's `libxml2-utils`): the server's tests validate its CAP
/// export against the official OASIS CAP 1.2 XML schema with it, an XML
/// validator that is not ours.
fn xmllint() -> Result<()> {
    // `xmllint --version` prints to stderr and exits 0.
    let found = || cmd::output_of("xmllint", &["--version"]).is_some();
    if found() {
        println!("ok xmllint");
        return Ok(());
    }
    println!("installing libxml2-utils (apt-get), for xmllint: the CAP export's schema check");
    apt_install(&["libxml2-utils"])?;
    if found() {
        println!("ok xmllint");
        Ok(())
    } else {
        Err(Error::Setup(
            "no xmllint after `apt-get install libxml2-utils`".to_string(),
        ))
    }
}

/// cargo-fuzz, for the fuzzing stage (`cargo xtask fuzz`); about half a
/// minute to build.
pub fn cargo_fuzz() -> Result<()> {
    // `cargo fuzz --version` prints `cargo-fuzz 0.13.2`.
    let found = cmd::output_of("cargo", &["fuzz", "--version"]);
    match found.as_deref().and_then(version_word) {
        Some(v) if v == CARGO_FUZZ_VERSION => {
            println!("ok cargo-fuzz {v}");
            return Ok(());
        }
        Some(v) => println!("installing cargo-fuzz {CARGO_FUZZ_VERSION} (found {v})"),
        None => println!("installing cargo-fuzz {CARGO_FUZZ_VERSION}"),
    }
    cmd::run(Command::new("cargo").args(["install", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION, "--locked"]))?;
    let got = cmd::output_of("cargo", &["fuzz", "--version"]);
    match got.as_deref().and_then(version_word) {
        Some(v) if v == CARGO_FUZZ_VERSION => {
            println!("ok cargo-fuzz {v}");
            Ok(())
        }
        _ => Err(Error::Setup(format!(
            "after installing, `cargo fuzz --version` says {:?}, expected {CARGO_FUZZ_VERSION}: \
             is another cargo-fuzz earlier on PATH than ~/.cargo/bin?",
            got.as_deref().map(str::trim)
        ))),
    }
}

/// `apt-get update && apt-get install -y <packages>`, which needs root.
fn apt_install(packages: &[&str]) -> Result<()> {
    let list = packages.join(" ");
    let hint = |e: Error| {
        Error::Setup(format!(
            "{e}\nInstalling needs root: run `apt-get update && apt-get install -y {list}` as root (or with sudo)"
        ))
    };
    cmd::run(Command::new("apt-get").arg("update")).map_err(hint)?;
    cmd::run(
        Command::new("apt-get")
            .args(["install", "-y"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .map_err(hint)
}

/// The S3-compatible server the storage tests run against (PyPI `moto`).
const MOTO_VERSION: &str = "5.2.1";

fn moto() -> Result<()> {
    let found = cmd::output_of("python3", &["-m", "pip", "show", "moto"]);
    let version = found.as_deref().and_then(|out| {
        out.lines()
            .find_map(|l| l.strip_prefix("Version: "))
            .map(str::trim)
            .map(str::to_owned)
    });
    if version.as_deref() == Some(MOTO_VERSION) && cmd::output_of("moto_server", &["--help"]).is_some() {
        println!("ok moto_server {MOTO_VERSION}");
        return Ok(());
    }
    println!("installing moto[server] {MOTO_VERSION} (pip), an S3-compatible server for the storage tests");
    cmd::run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        &format!("moto[server]=={MOTO_VERSION}"),
    ]))?;
    if cmd::output_of("moto_server", &["--help"]).is_none() {
        return Err(Error::Setup(
            "moto_server is not on PATH after `pip install moto[server]`".to_string(),
        ));
    }
    Ok(())
}

/// The API fuzzer of the schemathesis stage (PyPI `schemathesis`).
fn schemathesis() -> Result<()> {
    let version = crate::schemathesis::VERSION;
    let found = cmd::output_of("schemathesis", &["--version"]);
    // `schemathesis --version` prints `schemathesis, version 4.32.5`.
    if found.as_deref().and_then(|out| out.split_whitespace().last()) == Some(version) {
        println!("ok schemathesis {version}");
        return Ok(());
    }
    println!("installing schemathesis {version} (pip), which fuzzes the API from its OpenAPI description");
    cmd::run(Command::new("python3").args(["-m", "pip", "install", "--quiet", &format!("schemathesis=={version}")]))?;
    if cmd::output_of("schemathesis", &["--version"]).is_none() {
        return Err(Error::Setup(
            "schemathesis is not on PATH after `pip install schemathesis`".to_string(),
        ));
    }
    Ok(())
}

/// The file that pins the toolchain, at the checkout's root.
pub const TOOLCHAIN_FILE: &str = "rust-toolchain.toml";

/// The pinned toolchain. rustup installs it, with the file's components
/// and the wasm target, before `cargo xtask` itself runs: the `cargo` that
/// runs this is rustup's proxy, which reads the file (auto-install, on
/// unless `RUSTUP_AUTO_INSTALL=0`; then rustup says to run `rustup
/// toolchain install`). The proxy also names the toolchain to every
/// program started from here (`RUSTUP_TOOLCHAIN`), so Trunk's and the
/// tests' cargo builds use it too. This only checks that it is so: that
/// `rustc` is the pinned release, not another one forced by `cargo +…` or
/// `RUSTUP_TOOLCHAIN`.
fn toolchain(root: &Path) -> Result<()> {
    let path = root.join(TOOLCHAIN_FILE);
    let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let pinned = pinned_channel(&text)
        .ok_or_else(|| Error::Setup(format!("{} has no `channel = \"…\"` line", path.display())))?;
    // `rustc --version` prints `rustc 1.95.0 (59807616e 2026-04-14)`.
    let found = cmd::require("rustc", "--version")?;
    match version_word(&found) {
        Some(v) if v == pinned => {
            println!("ok rust {v} ({TOOLCHAIN_FILE})");
            Ok(())
        }
        _ => Err(Error::Setup(format!(
            "{TOOLCHAIN_FILE} pins Rust {pinned}, but `rustc --version` here says {:?}: run cargo without              `+toolchain` and with RUSTUP_TOOLCHAIN unset, through rustup's `cargo` (~/.cargo/bin),              so that rustup uses (and if need be installs) the pinned one",
            found.trim()
        ))),
    }
}

/// The `channel` of a `rust-toolchain.toml`.
fn pinned_channel(text: &str) -> Option<&str> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix("channel")?.trim_start().strip_prefix('=')?;
        value.trim().strip_prefix('"')?.strip_suffix('"')
    })
}

fn wasm_target() -> Result<()> {
    let installed = cmd::require("rustup", "--version").and_then(|_| {
        cmd::output_of("rustup", &["target", "list", "--installed"])
            .ok_or_else(|| Error::Setup("`rustup target list --installed` failed".to_string()))
    })?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        println!("ok {WASM_TARGET}");
        return Ok(());
    }
    println!("installing {WASM_TARGET} (rustup target add)");
    cmd::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn trunk() -> Result<()> {
    // `trunk --version` prints `trunk 0.21.14`.
    let found = cmd::output_of("trunk", &["--version"]);
    if let Some(v) = found.as_deref().and_then(version_word) {
        if v == TRUNK_VERSION {
            println!("ok trunk {v}");
            return Ok(());
        }
        println!("installing trunk {TRUNK_VERSION} (found {v}; about 12 minutes on 2 cores)");
    } else {
        println!("installing trunk {TRUNK_VERSION} (about 12 minutes on 2 cores)");
    }
    cmd::run(Command::new("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    expect_version("trunk", TRUNK_VERSION)
}

fn wasm_bindgen(root: &Path) -> Result<()> {
    let lock_path = root.join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    let want = lockfile_version(&lock, "wasm-bindgen")?;
    let have = cmd::output_of("wasm-bindgen", &["--version"]);
    let runner = cmd::output_of("wasm-bindgen-test-runner", &["--version"]);
    let have_v = have.as_deref().and_then(version_word);
    let runner_v = runner.as_deref().and_then(version_word);
    if have_v.as_deref() == Some(want.as_str()) && runner_v.as_deref() == Some(want.as_str()) {
        println!("ok wasm-bindgen {want}");
        return Ok(());
    }
    match have_v {
        Some(v) => {
            println!("installing wasm-bindgen-cli {want} (found {v}; Cargo.lock wants {want})")
        }
        None => println!("installing wasm-bindgen-cli {want} (the version in Cargo.lock)"),
    }
    // Not --locked: its lockfile pins a webpki-roots the registry lacks.
    cmd::run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &want]))?;
    expect_version("wasm-bindgen", &want)?;
    expect_version("wasm-bindgen-test-runner", &want)
}

fn npm(root: &Path) -> Result<()> {
    cmd::require("node", "--version")?;
    cmd::require("npm", "--version")?;
    let lock = root.join("package-lock.json");
    let hidden = root.join("node_modules").join(".package-lock.json");
    let stale = match (mtime(&lock), mtime(&hidden)) {
        (_, None) => true,
        (Some(l), Some(h)) => l > h,
        (None, Some(_)) => {
            return Err(Error::Setup(format!(
                "{} is missing; it is committed with package.json",
                lock.display()
            )))
        }
    };
    if stale {
        println!("installing npm packages (npm ci: binaryen, esbuild, playwright-core, selenium-webdriver)");
        cmd::run(
            Command::new("npm")
                .arg("ci")
                .arg("--no-audit")
                .arg("--no-fund")
                .current_dir(root),
        )?;
    }
    // Trunk must find npm binaryen's wasm-opt, never Debian's.
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let out = cmd::output_of(wasm_opt.to_str().unwrap_or("wasm-opt"), &["--version"]);
    match out.as_deref() {
        // `wasm-opt version 132 (version_132)`
        Some(v) if v.split_whitespace().nth(2) == Some(WASM_OPT_MAJOR) => {
            if !stale {
                println!("ok npm packages");
            }
            println!("ok wasm-opt {WASM_OPT_MAJOR} (npm binaryen)");
            Ok(())
        }
        other => Err(Error::Setup(format!(
            "{} reports {:?}, expected version {WASM_OPT_MAJOR}: remove node_modules and run `cargo xtask setup`",
            wasm_opt.display(),
            other.map(str::trim)
        ))),
    }
}

fn chromium() -> Result<()> {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        println!("ok chromium, chromedriver ({CHROMIUM}, {CHROMEDRIVER})");
        return Ok(());
    }
    println!("installing chromium chromium-driver (apt-get)");
    apt_install(&["chromium", "chromium-driver"])?;
    for path in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(path).is_file() {
            return Err(Error::Setup(format!("{path} is still missing after apt-get install")));
        }
    }
    Ok(())
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The second word of `tool 1.2.3 …`, i.e. the version.
fn version_word(output: &str) -> Option<String> {
    output.split_whitespace().nth(1).map(str::to_string)
}

fn expect_version(program: &str, want: &str) -> Result<()> {
    let got = cmd::require(program, "--version")?;
    match version_word(&got) {
        Some(v) if v == want => {
            println!("ok {program} {v}");
            Ok(())
        }
        _ => Err(Error::Setup(format!(
            "after installing, `{program} --version` says {:?}, expected {want}: is another {program} earlier on PATH than ~/.cargo/bin?",
            got.trim()
        ))),
    }
}

/// The version of `package` in a Cargo.lock; an error when it is absent or
/// locked at more than one version.
pub fn lockfile_version(lock: &str, package: &str) -> Result<String> {
    let mut versions = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        if field("name").as_deref() == Some(package) {
            if let Some(v) = field("version") {
                versions.push(v);
            }
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::Setup(format!(
            "Cargo.lock has no `{package}` package: run `cargo generate-lockfile`"
        ))),
        many => Err(Error::Setup(format!(
            "Cargo.lock has `{package}` at several versions ({}); the CLI must match exactly one",
            many.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.53"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"
"#;

    #[test]
    fn finds_the_exact_package() {
        assert_eq!(lockfile_version(LOCK, "wasm-bindgen").unwrap(), "0.2.130");
        assert_eq!(lockfile_version(LOCK, "wasm-bindgen-futures").unwrap(), "0.4.53");
    }

    #[test]
    fn absent_or_ambiguous_is_an_error() {
        assert!(lockfile_version(LOCK, "leptos").is_err());
        let two = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.100\"\n");
        assert!(lockfile_version(&two, "wasm-bindgen").is_err());
    }

    #[test]
    fn the_real_lockfile_has_one_wasm_bindgen() {
        let lock = include_str!("../../Cargo.lock");
        let v = lockfile_version(lock, "wasm-bindgen").unwrap();
        assert!(v.starts_with("0.2."), "{v}");
    }

    #[test]
    fn the_pinned_toolchain_is_an_exact_stable_release_with_the_wasm_target() {
        let text = include_str!("../../rust-toolchain.toml");
        let channel = pinned_channel(text).expect("a channel");
        let parts: Vec<&str> = channel.split('.').collect();
        assert_eq!(parts.len(), 3, "an exact release, not `stable`: {channel}");
        assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "{channel}");
        assert!(text.contains(&format!("targets = [\"{WASM_TARGET}\"]")), "{text}");
        assert!(text.contains("\"rustfmt\"") && text.contains("\"clippy\""), "{text}");
        assert_eq!(pinned_channel("[toolchain]\nchannel = \"1.2.3\"\n"), Some("1.2.3"));
        assert_eq!(pinned_channel("[toolchain]\nchannels = 1\n"), None);
    }

    #[test]
    fn version_words() {
        assert_eq!(version_word("trunk 0.21.14\n").as_deref(), Some("0.21.14"));
        assert_eq!(version_word("wasm-bindgen 0.2.130").as_deref(), Some("0.2.130"));
        assert_eq!(version_word("trunk"), None);
    }
}
