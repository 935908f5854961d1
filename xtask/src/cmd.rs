//! Running other programs with inherited stdio (or their output captured),
//! and asking them for versions.

use std::ffi::OsStr;
use std::io;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// What to tell the user when `program` is missing.
fn hint_for(program: &str) -> String {
    match program {
        "cargo" | "rustup" => "install Rust with rustup (https://rustup.rs)".into(),
        "npm" | "node" => "install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)".into(),
        "apt-get" => "install chromium, chromium-driver and postgresql with your system's package manager".into(),
        "runuser" => "PostgreSQL will not run as root; install util-linux's runuser, or run as another user".into(),
        "trunk" | "wasm-bindgen" | "wasm-bindgen-test-runner" => {
            "run `cargo xtask setup` (and make sure ~/.cargo/bin is on PATH)".into()
        }
        "chromedriver" | "chromium" => "run `cargo xtask setup --browser`".into(),
        _ => "install it, or run `cargo xtask setup`".into(),
    }
}

/// The command as a user would type it, for messages.
pub fn display(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs `cmd` with inherited stdio and fails unless it exits with 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    let program = cmd.get_program().to_string_lossy().into_owned();
    let status = cmd.status().map_err(|e| spawn_error(&program, &shown, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed { command: shown, status })
    }
}

/// Runs `cmd` with its standard output captured (its errors still go to
/// the terminal) and fails unless it exits with 0; its output.
pub fn captured(cmd: &mut Command) -> Result<Vec<u8>> {
    let shown = display(cmd);
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| spawn_error(&program, &shown, e))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(Error::CommandFailed {
            command: shown,
            status: out.status,
        })
    }
}

fn spawn_error(program: &str, shown: &str, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::NotFound {
        Error::MissingTool {
            program: program.to_string(),
            hint: hint_for(program),
        }
    } else {
        Error::Setup(format!("could not start `{shown}`: {e}"))
    }
}

/// Standard output of `program args…` when it runs and succeeds; `None` when
/// it is missing or fails. For cheap checks such as `trunk --version`.
pub fn output_of<S: AsRef<OsStr>>(program: &str, args: &[S]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Fails with the usual hint when `program` cannot be started at all.
pub fn require(program: &str, version_arg: &str) -> Result<String> {
    output_of(program, &[version_arg]).ok_or_else(|| Error::MissingTool {
        program: program.to_string(),
        hint: hint_for(program),
    })
}

/// Runs `command` with `input` on its standard input (other stdio
/// inherited) and fails unless it exits with 0.
pub fn run_with_input(command: &mut Command, input: &str) -> Result<()> {
    let shown = display(command);
    let mut child = command
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Setup(format!("cannot start `{shown}`: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| Error::Setup(format!("`{shown}`: cannot write its input: {e}")))?;
    }
    let status = child.wait().map_err(|e| Error::Setup(format!("`{shown}`: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed { command: shown, status })
    }
}

/// Runs `commands` at the same time, each with its output kept in a file
/// in `dir` and printed whole, under its label, once all have ended (so
/// two runs' lines do not interleave); fails with the first that failed.
/// For stages whose runs mostly wait on a server: on two cores, side by
/// side takes little more than the longest alone.
pub fn run_side_by_side(dir: &std::path::Path, commands: Vec<(&str, Command)>) -> Result<()> {
    let mut running = Vec::new();
    for (i, (label, mut command)) in commands.into_iter().enumerate() {
        let shown = display(&command);
        let path = dir.join(format!("side-by-side-{i}.log"));
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let err = file.try_clone().map_err(|e| Error::io(&path, e))?;
        let child = command
            .stdout(file)
            .stderr(err)
            .spawn()
            .map_err(|e| spawn_error(&command.get_program().to_string_lossy(), &shown, e))?;
        running.push((label, shown, path, child));
    }
    let mut first_failure = None;
    for (label, shown, path, mut child) in running {
        let status = child.wait().map_err(|e| Error::Setup(format!("`{shown}`: {e}")))?;
        println!("--- {label} ---");
        match std::fs::read(&path) {
            Ok(out) => {
                let _ = io::stdout().write_all(&out);
            }
            Err(e) => println!("(its output in {} cannot be read: {e})", path.display()),
        }
        if !status.success() && first_failure.is_none() {
            first_failure = Some(Error::CommandFailed { command: shown, status });
        }
    }
    first_failure.map_or(Ok(()), Err)
}
