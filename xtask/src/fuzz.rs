//! `cargo xtask fuzz [SECONDS]`: coverage-guided fuzzing of core's decoding
//! and validation with cargo-fuzz (libFuzzer, AddressSanitizer).
//!
//! The crate is `fuzz/` (its own workspace). Before fuzzing, its `seeds`
//! program writes core's example reports into `fuzz/corpus/<target>/`, so the
//! fuzzer starts from real reports of every template (and from camera JPEGs,
//! event streams and tus headers for the parsers of those). A crash fails
//! the run and leaves its input in `fuzz/artifacts/<target>/`.
//!
//! cargo-fuzz passes `-Z` flags to rustc; on the stable toolchain
//! `RUSTC_BOOTSTRAP=1` lets it (a fresh machine has no nightly). The build
//! goes to `target/fuzz/`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::cmd;
use crate::error::{Error, Result};

/// The fuzz targets, `fuzz/fuzz_targets/<name>.rs`: the report decoder and
/// validator, the phone's JSON reader, the login request; the EXIF reader,
/// the office's event-stream parser, tus `Upload-Metadata`, SMS reports.
pub const TARGETS: [&str; 7] = ["report", "json", "login", "exif", "sse", "tus_metadata", "sms"];
/// `cargo xtask fuzz` without a number: seconds per target.
pub const DEFAULT_SECONDS: u32 = 60;
/// `cargo xtask test`: seconds per target. Ten: the seven targets fuzz
/// seventy seconds in all, as three did at twenty, so the warm test run stays under
/// its 15 minutes; `cargo xtask fuzz` is for long runs.
pub const TEST_SECONDS: u32 = 10;
/// One input that takes longer than this is a failure (a hang).
const INPUT_TIMEOUT_SECS: u32 = 10;

/// The parts of the checkout the fuzzer uses.
pub struct Paths {
    pub fuzz_dir: PathBuf,
    pub target_dir: PathBuf,
    pub corpus: PathBuf,
    pub artifacts: PathBuf,
}

impl Paths {
    pub fn new(root: &Path) -> Paths {
        let fuzz_dir = root.join("fuzz");
        Paths {
            target_dir: root.join("target").join("fuzz"),
            corpus: fuzz_dir.join("corpus"),
            artifacts: fuzz_dir.join("artifacts"),
            fuzz_dir,
        }
    }
}

/// Writes the seeds, builds every target, then fuzzes each for `seconds`.
/// Fails on the first crash, naming the input that caused it.
pub fn run(root: &Path, seconds: u32) -> Result<()> {
    let paths = Paths::new(root);
    let manifest = paths.fuzz_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(Error::Setup(format!("{} is missing", manifest.display())));
    }
    seeds(root, &paths)?;
    let started = Instant::now();
    println!(
        "building the fuzz targets (cargo fuzz build, into {})",
        paths.target_dir.display()
    );
    cmd::run(cargo_fuzz(root).args(build_args(&paths)))?;
    println!("built the fuzz targets in {:.0} s", started.elapsed().as_secs_f64());
    // Two targets at a time: libFuzzer is one process on one core, and
    // this machine kind has two.
    for pair in TARGETS.chunks(2) {
        run_targets(root, &paths, pair, seconds)?;
    }
    println!("fuzzing found nothing ({} targets, {seconds} s each)", TARGETS.len());
    Ok(())
}

/// `cargo fuzz …` from the repo root, allowed its nightly flags on stable.
fn cargo_fuzz(root: &Path) -> Command {
    let mut command = Command::new("cargo");
    command.arg("fuzz").env("RUSTC_BOOTSTRAP", "1").current_dir(root);
    command
}

/// Runs `fuzz/seeds`: core's example reports, a few logins, camera JPEGs,
/// event streams and tus headers into the corpus directories. A plain release build, sharing target/fuzz with the
/// fuzz build's host crates.
fn seeds(root: &Path, paths: &Paths) -> Result<()> {
    println!("writing the seed corpus from kuaibao_core::rules::examples");
    let manifest = paths.fuzz_dir.join("Cargo.toml");
    cmd::run(
        Command::new("cargo")
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "kuaibao-fuzz-seeds",
                "--manifest-path",
            ])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&paths.target_dir)
            .arg("--")
            .arg(&paths.corpus)
            .current_dir(root),
    )
}

fn run_targets(root: &Path, paths: &Paths, targets: &[&str], seconds: u32) -> Result<()> {
    println!("\nfuzzing {} for {seconds} s", targets.join(" and "));
    let before: Vec<_> = targets
        .iter()
        .map(|target| list_files(&paths.artifacts.join(target)))
        .collect();
    let commands = targets
        .iter()
        .map(|target| {
            let mut command = cargo_fuzz(root);
            command.args(run_args(paths, target, seconds));
            (*target, command)
        })
        .collect();
    let result = cmd::run_side_by_side(&paths.target_dir, commands);
    let Err(e) = result else { return Ok(()) };
    for (target, before) in targets.iter().zip(&before) {
        let found = new_files(before, &list_files(&paths.artifacts.join(target)));
        if found.is_empty() {
            continue;
        }
        let mut msg = format!("fuzz target `{target}` failed on:");
        for path in &found {
            msg.push_str(&format!("\n  {}", path.display()));
        }
        msg.push_str(&format!(
            "\nrun it again with `RUSTC_BOOTSTRAP=1 cargo fuzz run --target-dir target/fuzz {target} {}`",
            found[0].display()
        ));
        return Err(Error::Setup(msg));
    }
    Err(e)
}

/// `cargo fuzz build`'s arguments.
pub fn build_args(paths: &Paths) -> Vec<String> {
    vec![
        "build".to_owned(),
        "--fuzz-dir".to_owned(),
        paths.fuzz_dir.to_string_lossy().into_owned(),
        "--target-dir".to_owned(),
        paths.target_dir.to_string_lossy().into_owned(),
    ]
}

/// `cargo fuzz run`'s arguments: `target` on its corpus for `seconds`, and
/// libFuzzer's own after `--`.
pub fn run_args(paths: &Paths, target: &str, seconds: u32) -> Vec<String> {
    vec![
        "run".to_owned(),
        "--fuzz-dir".to_owned(),
        paths.fuzz_dir.to_string_lossy().into_owned(),
        "--target-dir".to_owned(),
        paths.target_dir.to_string_lossy().into_owned(),
        target.to_owned(),
        paths.corpus.join(target).to_string_lossy().into_owned(),
        "--".to_owned(),
        format!("-max_total_time={seconds}"),
        format!("-timeout={INPUT_TIMEOUT_SECS}"),
        "-print_final_stats=1".to_owned(),
    ]
}

/// `cargo xtask fuzz [SECONDS]`'s argument.
pub fn parse_seconds(args: &[String]) -> Result<u32> {
    match args {
        [] => Ok(DEFAULT_SECONDS),
        [n] => match n.parse::<u32>() {
            Ok(s) if s > 0 => Ok(s),
            _ => Err(Error::Usage(format!(
                "fuzz: SECONDS must be a whole number above 0, not `{n}`"
            ))),
        },
        _ => Err(Error::Usage(format!("fuzz: unknown arguments {args:?}"))),
    }
}

/// The files in `dir` (none when it does not exist).
fn list_files(dir: &Path) -> BTreeSet<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default()
}

/// What is in `after` and was not in `before`, sorted.
pub fn new_files(before: &BTreeSet<PathBuf>, after: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    after.difference(before).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        Paths::new(Path::new("/r"))
    }

    #[test]
    fn every_target_has_its_source() {
        for target in TARGETS {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fuzz/fuzz_targets")
                .join(format!("{target}.rs"));
            assert!(path.is_file(), "{} is missing", path.display());
        }
    }

    #[test]
    fn the_build_goes_to_target_fuzz() {
        assert_eq!(
            build_args(&paths()),
            ["build", "--fuzz-dir", "/r/fuzz", "--target-dir", "/r/target/fuzz"]
        );
    }

    #[test]
    fn a_run_is_bounded_in_time_and_per_input() {
        assert_eq!(
            run_args(&paths(), "report", 20),
            [
                "run",
                "--fuzz-dir",
                "/r/fuzz",
                "--target-dir",
                "/r/target/fuzz",
                "report",
                "/r/fuzz/corpus/report",
                "--",
                "-max_total_time=20",
                "-timeout=10",
                "-print_final_stats=1",
            ]
        );
    }

    #[test]
    fn seconds_default_or_a_positive_number() {
        assert_eq!(parse_seconds(&[]).unwrap(), DEFAULT_SECONDS);
        assert_eq!(parse_seconds(&["300".to_owned()]).unwrap(), 300);
        for bad in ["0", "-1", "ten", "1.5"] {
            assert!(parse_seconds(&[bad.to_owned()]).is_err(), "{bad}");
        }
        assert!(parse_seconds(&["1".to_owned(), "2".to_owned()]).is_err());
    }

    #[test]
    fn only_new_artifacts_are_reported() {
        let before: BTreeSet<PathBuf> = ["a/crash-1"].iter().map(PathBuf::from).collect();
        let after: BTreeSet<PathBuf> = ["a/crash-1", "a/crash-2", "a/timeout-3"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(
            new_files(&before, &after),
            [PathBuf::from("a/crash-2"), PathBuf::from("a/timeout-3")]
        );
        assert!(new_files(&after, &after).is_empty());
    }
}
