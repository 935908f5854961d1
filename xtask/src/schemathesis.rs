//! The `schemathesis` stage of `cargo xtask test`: property-based tests of
//! the real server binary from its own OpenAPI description. schemathesis
//! (PyPI) generates requests for every operation, valid and not, and checks
//! each answer: never a 5xx, only documented statuses, content types,
//! headers and bodies that match the description, refusals of bad input
//! and of missing required headers, 405 for undocumented methods.
//!
//! The server runs on a fresh data dir with one reporter account made by
//! its admin command line; the stage logs in over a plain `TcpStream` and
//! hands schemathesis the bearer token. Its session rate limit is raised
//! so the thousands of generated requests are not throttled (the limits
//! have tests of their own); the login limit stays as deployed.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd;
use crate::error::{Error, Result};

/// The version `cargo xtask setup --browser` installs.
pub const VERSION: &str = "4.32.5";

/// Examples per operation, and the time bound of the whole run, so the
/// stage stays near a minute and a half.
const MAX_EXAMPLES: &str = "50";
const MAX_SECONDS: &str = "60";

/// The checks that hold for this API. Not `positive_data_acceptance`: a
/// schema cannot say every rule of a report (a UUIDv7 id, answers that
/// fit their template), so schema-valid reports are refused with 422, as
/// they should be.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
     response_headers_conformance,response_schema_conformance,negative_data_rejection,\
     missing_required_header,unsupported_method,allow_header_conformance";

/// tus refuses a request without `Tus-Resumable: 1.0.0` with 412, as its
/// specification says; 460 is its checksum mismatch. A 403 refuses bad
/// data too: who may call an operation is decided before its query is read
/// (a reporter's `GET /api/office/inbox?limit=null` is 403, not 400), and the
/// officer's run reads those queries with the right to.
const CONFIG: &str = r#"[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429, 460]

[checks.missing_required_header]
expected-statuses = [400, 401, 403, 406, 412, 415, 422]
"#;

/// tus `PATCH` bodies are `application/offset+octet-stream`, which
/// schemathesis does not know: they are bytes.
const HOOKS: &str = r#"import schemathesis


@schemathesis.serializer("application/offset+octet-stream")
def offset_octet_stream(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode()
"#;
const HOOKS_MODULE: &str = "kuaibao_schemathesis_hooks";

const USERNAME: &str = "schemathesis";
/// A duty officer of the same area: the office's operations answer a
/// reporter 403, so they get a second run with his token.
const OFFICER: &str = "schemathesis-officer";
const PASSWORD: &str = "schemathesis-password";
/// The office's operations, for the officer's run. The event stream is left
/// out: it never ends, so every request would run into the timeout (its
/// own tests read it).
const OFFICE_PATHS: &str = r"^/api/(office/(inbox|hazards|map|statistics)|exports/statistics\.csv|threads/\{id\}/(acknowledgements|requests|signatures))$";
const DEVICE_ID: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

/// Builds the server, runs schemathesis against it, stops it.
pub fn run(root: &Path) -> Result<()> {
    let started = Instant::now();
    cmd::run(
        Command::new("cargo")
            .args(["build", "-p", "kuaibao-server"])
            .current_dir(root),
    )?;
    let server_bin = root.join("target").join("debug").join("kuaibao-server");
    let dir = root
        .join("target")
        .join("schemathesis")
        .join(format!("run-{}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    let data_dir = dir.join("data");
    fs::create_dir_all(&data_dir).map_err(|e| Error::io(&data_dir, e))?;
    let result = run_in(&server_bin, &dir, &data_dir);
    // The data dir is only this run's; keep it when the run failed, for
    // the server's log.
    if result.is_ok() {
        let _ = fs::remove_dir_all(&dir);
    } else {
        eprintln!(
            "schemathesis: the server's log is in {}",
            dir.join("server.log").display()
        );
    }
    println!("schemathesis stage: {:.0} s", started.elapsed().as_secs_f64());
    result
}

fn run_in(server_bin: &Path, dir: &Path, data_dir: &Path) -> Result<()> {
    let env = |c: &mut Command| {
        c.env("KUAIBAO_DATA_DIR", data_dir)
            // No app: the API alone is under test.
            .env("KUAIBAO_STATIC_DIR", dir.join("no-app"))
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn,kuaibao_server=info")
            .env("NO_COLOR", "1");
    };
    let mut area = Command::new(server_bin);
    area.args(["area", "add", "d", "--name", "D", "--level", "district"]);
    env(&mut area);
    cmd::run(&mut area)?;
    for (name, role) in [(USERNAME, "reporter"), (OFFICER, "officer")] {
        let mut user = Command::new(server_bin);
        user.args(["user", "add", name, "--role", role, "--area", "d"]);
        env(&mut user);
        cmd::run_with_input(&mut user, &format!("{PASSWORD}\n"))?;
    }

    let log_path = dir.join("server.log");
    let log = fs::File::create(&log_path).map_err(|e| Error::io(&log_path, e))?;
    let mut serve = Command::new(server_bin);
    env(&mut serve);
    serve
        .env("KUAIBAO_ADDR", "127.0.0.1:0")
        .env("KUAIBAO_RATE_PER_MIN", "1000000")
        // The fuzzer sends thousands of requests without a session (or
        // without a valid one) from one address; 429 is not what it tests.
        .env("KUAIBAO_ANON_RATE_PER_MIN", "1000000")
        .stdout(Stdio::piped())
        .stderr(log);
    let server = serve
        .spawn()
        .map_err(|e| Error::Setup(format!("cannot start {}: {e}", server_bin.display())))?;
    let mut server = Running(server);
    let port = listening_port(&mut server.0)?;
    let token = login(port, USERNAME)?;
    let officer_token = login(port, OFFICER)?;

    let hooks = dir.join(format!("{HOOKS_MODULE}.py"));
    fs::write(&hooks, HOOKS).map_err(|e| Error::io(&hooks, e))?;
    let config = dir.join("schemathesis.toml");
    fs::write(&config, CONFIG).map_err(|e| Error::io(&config, e))?;
    let schemathesis = |token: &str| {
        let mut st = Command::new("schemathesis");
        st.arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("http://127.0.0.1:{port}/api/openapi.json"))
            .args(["--header", &format!("Authorization: Bearer {token}")])
            // Logging out would end the token the run uses; it has its own tests.
            .args(["--exclude-name", "DELETE /api/session"])
            .args(["--checks", CHECKS])
            .args(["--max-examples", MAX_EXAMPLES, "--max-time", MAX_SECONDS])
            .args(["--request-timeout", "10", "--generation-database", "none", "--no-color"])
            .env("SCHEMATHESIS_HOOKS", HOOKS_MODULE)
            .env("PYTHONPATH", dir)
            .current_dir(dir);
        st
    };
    // The two runs side by side on the one server: each mostly waits on
    // its requests, so together they take about as long as one.
    let reporter_run = schemathesis(&token);
    let mut officer_run = schemathesis(&officer_token);
    officer_run.args(["--include-path-regex", OFFICE_PATHS]);
    let result = cmd::run_side_by_side(
        dir,
        vec![
            ("schemathesis: every operation, as a reporter", reporter_run),
            ("schemathesis: the duty office's operations, as an officer", officer_run),
        ],
    );
    drop(server);
    result
}

/// The server, killed when dropped (also when the run fails).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The port of the server's `listening on http://127.0.0.1:PORT` line.
fn listening_port(server: &mut Child) -> Result<u16> {
    let stdout = server
        .stdout
        .take()
        .ok_or_else(|| Error::Setup("the server's stdout is not piped".to_owned()))?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| Error::Setup(format!("cannot read the server's first line: {e}")))?;
    line.trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .ok_or_else(|| Error::Setup(format!("the server did not start (first line {line:?}); see its log")))
}

/// Logs a test account in: its bearer token.
fn login(port: u16, username: &str) -> Result<String> {
    let body = format!(r#"{{"username":"{username}","password":"{PASSWORD}","device_id":"{DEVICE_ID}"}}"#);
    let request = format!(
        "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let fail = |why: String| Error::Setup(format!("logging in to the server for schemathesis: {why}"));
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| fail(e.to_string()))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| fail(e.to_string()))?;
    stream.write_all(request.as_bytes()).map_err(|e| fail(e.to_string()))?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(|e| fail(e.to_string()))?;
    token_of(&answer).ok_or_else(|| fail(format!("no token in the answer: {answer}")))
}

/// The `token` of a `201 Created` login answer. Tokens are base64url, so
/// the JSON string has no escapes.
fn token_of(answer: &str) -> Option<String> {
    if !answer.starts_with("HTTP/1.1 201") {
        return None;
    }
    let rest = answer.split_once("\"token\":\"")?.1;
    let token = rest.split_once('"')?.0;
    let plain = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_a_created_session_only() {
        let ok = "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n\r\n{\"token\":\"aB-_9\",\"account\":{}}";
        assert_eq!(token_of(ok).as_deref(), Some("aB-_9"));
        assert_eq!(token_of("HTTP/1.1 401 Unauthorized\r\n\r\n{\"token\":\"x\"}"), None);
        assert_eq!(token_of("HTTP/1.1 201 Created\r\n\r\n{\"token\":\"a\\\"b\"}"), None);
    }
}
