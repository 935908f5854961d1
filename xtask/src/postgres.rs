//! A throwaway PostgreSQL cluster for the server's tests.
//!
//! `cargo xtask test` runs the server's tests a second time with
//! `KUAIBAO_TEST_POSTGRES_URL` pointing here; each test makes its own
//! database on it. The cluster lives in `target/postgres/` (made by `initdb`
//! once, kept between runs), listens on 127.0.0.1:54329 only, trusts every
//! local connection, and runs without fsync: it holds nothing worth keeping.
//!
//! PostgreSQL refuses to run as root, so as root (CI) `initdb` and `pg_ctl`
//! run as the `postgres` user that Debian's package makes, through
//! `runuser`, and that user owns `target/postgres/`.

use std::env;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd;
use crate::error::{Error, Result};

/// The variable the server's tests read.
pub const URL_VAR: &str = "KUAIBAO_TEST_POSTGRES_URL";
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 54329;
/// The superuser `initdb` makes; with trust auth it needs no password.
const SUPERUSER: &str = "postgres";
/// The OS user that runs the server when we are root.
const OS_USER: &str = "postgres";
/// Where Debian's packages put each major version: `<dir>/<major>/bin`.
const DEBIAN_DIR: &str = "/usr/lib/postgresql";
/// The longest unix socket path Linux takes is 107 bytes.
const MAX_SOCKET_PATH: usize = 100;
/// How long to wait for the server to start, stop, or answer.
const WAIT_SECS: u32 = 60;

/// The URL the tests get: a database they may `CREATE DATABASE` from.
pub fn url() -> String {
    format!("postgres://{SUPERUSER}@{HOST}:{PORT}/postgres")
}

/// An installed PostgreSQL server: the directory holding `postgres`,
/// `initdb`, `pg_ctl` and `pg_isready`, and its major version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub bin: PathBuf,
    pub major: String,
}

impl Install {
    fn tool(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }
}

/// The newest PostgreSQL server installed: Debian's
/// `/usr/lib/postgresql/<major>/bin/postgres`, else the `bindir` that
/// `pg_config` names (other systems). `None` when only the client is there.
pub fn find() -> Option<Install> {
    let debian = fs::read_dir(DEBIAN_DIR).ok().and_then(|entries| {
        let names: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().join("bin").join("postgres").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .collect();
        newest_major(&names).map(|major| Install {
            bin: Path::new(DEBIAN_DIR).join(&major).join("bin"),
            major,
        })
    });
    debian.or_else(|| {
        let bin = PathBuf::from(cmd::output_of("pg_config", &["--bindir"])?.trim());
        let version = cmd::output_of("pg_config", &["--version"])?;
        let major = major_of_version(&version)?;
        bin.join("postgres").is_file().then_some(Install { bin, major })
    })
}

/// The newest of Debian's version directory names (`15`, `9.6`); other
/// names are ignored.
pub fn newest_major(names: &[String]) -> Option<String> {
    names
        .iter()
        .filter_map(|name| version_key(name).map(|key| (key, name)))
        .max()
        .map(|(_, name)| name.clone())
}

/// `15` → `[15]`, `9.6` → `[9, 6]`; `None` unless all numbers.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// The major version in `PostgreSQL 15.18 (Debian …)` or `PostgreSQL 9.6.24`,
/// as Debian names its directories: `15`, `9.6`.
pub fn major_of_version(output: &str) -> Option<String> {
    let version = output.split_whitespace().nth(1)?;
    let parts: Vec<&str> = version.split('.').collect();
    let first: u32 = parts.first()?.parse().ok()?;
    if first >= 10 {
        Some(first.to_string())
    } else {
        Some(format!("{first}.{}", parts.get(1)?))
    }
}

/// The server's options for `pg_ctl -o`, which a shell splits: local TCP
/// on [`PORT`], the unix socket in `socket_dir` (none when the path would be
/// too long for a socket), and durability off for speed.
pub fn server_options(socket_dir: &Path) -> String {
    let socket_path = socket_dir.join(format!(".s.PGSQL.{PORT}"));
    let sockets = if socket_path.as_os_str().len() <= MAX_SOCKET_PATH {
        shell_quote(&socket_dir.to_string_lossy())
    } else {
        "''".to_owned()
    };
    [
        format!("-c listen_addresses={HOST}"),
        format!("-p {PORT}"),
        format!("-c unix_socket_directories={sockets}"),
        // Each test makes a database and a pool; tests run in parallel.
        "-c max_connections=200".to_owned(),
        "-c fsync=off".to_owned(),
        "-c synchronous_commit=off".to_owned(),
        "-c full_page_writes=off".to_owned(),
    ]
    .join(" ")
}

/// `text` as one word for /bin/sh.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The command that runs `program args…` as the cluster's owner: through
/// `runuser -u postgres --` when `as_user` names one, else directly.
pub fn command_line(as_user: Option<&str>, program: &Path, args: &[String]) -> Vec<String> {
    let mut line = Vec::new();
    if let Some(user) = as_user {
        line.extend(["runuser".to_owned(), "-u".to_owned(), user.to_owned(), "--".to_owned()]);
    }
    line.push(program.to_string_lossy().into_owned());
    line.extend(args.iter().cloned());
    line
}

/// `initdb`'s arguments for a fresh cluster in `data`.
pub fn initdb_args(data: &Path) -> Vec<String> {
    vec![
        "-D".to_owned(),
        data.to_string_lossy().into_owned(),
        "--auth=trust".to_owned(),
        format!("--username={SUPERUSER}"),
        "--encoding=UTF8".to_owned(),
        "--locale=C".to_owned(),
        // Throwaway: do not wait for the disk.
        "--no-sync".to_owned(),
    ]
}

/// `pg_ctl start`'s arguments: wait until it accepts connections.
pub fn start_args(data: &Path, log: &Path, socket_dir: &Path) -> Vec<String> {
    vec![
        "start".to_owned(),
        "-D".to_owned(),
        data.to_string_lossy().into_owned(),
        "-l".to_owned(),
        log.to_string_lossy().into_owned(),
        "-w".to_owned(),
        "-t".to_owned(),
        WAIT_SECS.to_string(),
        "-o".to_owned(),
        server_options(socket_dir),
    ]
}

/// `pg_ctl stop`'s arguments: end sessions at once, wait until it is down.
pub fn stop_args(data: &Path) -> Vec<String> {
    vec![
        "stop".to_owned(),
        "-D".to_owned(),
        data.to_string_lossy().into_owned(),
        "-m".to_owned(),
        "fast".to_owned(),
        "-w".to_owned(),
        "-t".to_owned(),
        WAIT_SECS.to_string(),
    ]
}

/// A running cluster; stopped by [`Cluster::stop`], or when dropped (so
/// also when the tests fail).
pub struct Cluster {
    install: Install,
    data: PathBuf,
    as_user: Option<&'static str>,
    running: bool,
}

impl Cluster {
    /// Makes the cluster if it is missing, stops one left running by an
    /// earlier run, starts it and waits until it answers.
    pub fn start(root: &Path) -> Result<Cluster> {
        let install = find().ok_or_else(|| Error::MissingTool {
            program: "postgres".to_owned(),
            hint: format!(
                "no PostgreSQL server under {DEBIAN_DIR}/*/bin: run `cargo xtask setup --browser` \
                 (apt-get install postgresql)"
            ),
        })?;
        let as_user = if is_root() { Some(OS_USER) } else { None };
        let dir = cluster_dir(root, as_user.is_some())?;
        let data = dir.join("data");
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        if let Some(user) = as_user {
            cmd::run(Command::new("chown").args(["-R", &format!("{user}:"), &dir.to_string_lossy()]))?;
        }
        let mut cluster = Cluster {
            install,
            data,
            as_user,
            running: false,
        };
        cluster.init()?;
        cluster.stop_stale()?;
        let log = dir.join("postgres.log");
        println!(
            "starting PostgreSQL {} on {HOST}:{PORT} (data in {}, log in {})",
            cluster.install.major,
            cluster.data.display(),
            log.display()
        );
        let started = cluster.run_tool("pg_ctl", &start_args(&cluster.data, &log, &dir), true);
        if let Err(e) = started {
            print_log_tail(&log);
            return Err(e);
        }
        cluster.running = true;
        cluster.wait_ready()?;
        println!("PostgreSQL is up: {}", url());
        Ok(cluster)
    }

    /// Stops the server and waits until it is down.
    pub fn stop(mut self) -> Result<()> {
        self.running = false;
        println!("stopping PostgreSQL ({})", self.data.display());
        self.run_tool("pg_ctl", &stop_args(&self.data), true)
    }

    /// Leaves the server running after this process ends: for
    /// `cargo xtask postgres start`.
    pub fn leave_running(mut self) {
        self.running = false;
    }

    /// Stops the cluster in `root`'s target directory if one is running:
    /// for `cargo xtask postgres stop`.
    pub fn stop_in(root: &Path) -> Result<()> {
        let as_user = if is_root() { Some(OS_USER) } else { None };
        let dir = cluster_dir(root, as_user.is_some())?;
        let Some(install) = find() else {
            println!("no PostgreSQL server is installed; nothing to stop");
            return Ok(());
        };
        let cluster = Cluster {
            install,
            data: dir.join("data"),
            as_user,
            running: false,
        };
        if cluster.our_postmaster().is_none() {
            println!("no PostgreSQL is running in {}", cluster.data.display());
            return Ok(());
        }
        cluster.stop()
    }

    /// `initdb`, unless the data directory holds a cluster of this major
    /// version already. A half-made or older one is thrown away.
    fn init(&self) -> Result<()> {
        let version_file = self.data.join("PG_VERSION");
        match fs::read_to_string(&version_file) {
            Ok(v) if v.trim() == self.install.major => return Ok(()),
            Ok(v) => println!(
                "{} holds a PostgreSQL {} cluster; making a new one for {}",
                self.data.display(),
                v.trim(),
                self.install.major
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&version_file, e)),
        }
        if self.data.exists() {
            if self.our_postmaster().is_some() {
                self.run_tool("pg_ctl", &stop_args(&self.data), true)?;
            }
            fs::remove_dir_all(&self.data).map_err(|e| Error::io(&self.data, e))?;
        }
        println!("making a PostgreSQL {} cluster (initdb)", self.install.major);
        self.run_tool("initdb", &initdb_args(&self.data), true)
    }

    /// A server from an earlier run that was killed before it could stop
    /// its cluster is stopped; a pid file that names no server of ours is
    /// removed (the pid may belong to another process by now).
    fn stop_stale(&self) -> Result<()> {
        let pid_file = self.data.join("postmaster.pid");
        if !pid_file.exists() {
            return Ok(());
        }
        match self.our_postmaster() {
            Some(pid) => {
                println!("a PostgreSQL from an earlier run is still running (pid {pid}); stopping it");
                self.run_tool("pg_ctl", &stop_args(&self.data), true)
            }
            None => {
                println!("removing a stale {}", pid_file.display());
                fs::remove_file(&pid_file).map_err(|e| Error::io(&pid_file, e))
            }
        }
    }

    /// The pid in `postmaster.pid` when it is a running `postgres` whose
    /// working directory is this data directory (a postmaster's is).
    fn our_postmaster(&self) -> Option<u32> {
        let text = fs::read_to_string(self.data.join("postmaster.pid")).ok()?;
        let pid: u32 = text.lines().next()?.trim().parse().ok()?;
        let proc_dir = Path::new("/proc").join(pid.to_string());
        let exe = fs::read_link(proc_dir.join("exe")).ok()?;
        let cwd = fs::read_link(proc_dir.join("cwd")).ok()?;
        let data = fs::canonicalize(&self.data).ok()?;
        (exe.file_name()? == "postgres" && cwd == data).then_some(pid)
    }

    /// Polls `pg_isready` over TCP until the server takes connections.
    fn wait_ready(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(WAIT_SECS.into());
        let port = PORT.to_string();
        loop {
            let ready = Command::new(self.install.tool("pg_isready"))
                .args(["-q", "-h", HOST, "-p", &port, "-U", SUPERUSER, "-d", "postgres"])
                .stdin(Stdio::null())
                .status()
                .map_err(|e| Error::Setup(format!("could not run pg_isready: {e}")))?;
            if ready.success() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::Setup(format!(
                    "PostgreSQL did not accept connections on {HOST}:{PORT} within {WAIT_SECS} s"
                )));
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    /// Runs one of the server's tools as the cluster's owner.
    /// `quiet`: its output is dropped unless it fails (pg_ctl's chatter).
    fn run_tool(&self, tool: &str, args: &[String], quiet: bool) -> Result<()> {
        let line = command_line(self.as_user, &self.install.tool(tool), args);
        let (program, rest) = line
            .split_first()
            .ok_or_else(|| Error::Setup("empty command line".to_owned()))?;
        let mut command = Command::new(program);
        command.args(rest).stdin(Stdio::null());
        // The postgres user must be able to enter the working directory.
        if let Some(parent) = self.data.parent() {
            command.current_dir(parent);
        }
        if !quiet {
            return cmd::run(&mut command);
        }
        let shown = cmd::display(&command);
        let out = command
            .output()
            .map_err(|e| Error::Setup(format!("could not start `{shown}`: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        eprint!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        Err(Error::CommandFailed {
            command: shown,
            status: out.status,
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            self.running = false;
            println!("stopping PostgreSQL ({})", self.data.display());
            if let Err(e) = self.run_tool("pg_ctl", &stop_args(&self.data), true) {
                eprintln!("xtask: warning: could not stop PostgreSQL: {e}");
            }
        }
    }
}

/// Whether this process runs as root (uid 0), from /proc/self/status.
fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| real_uid(&status))
        .is_some_and(|uid| uid == 0)
}

/// The real uid on the `Uid:` line of /proc/self/status.
pub fn real_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `target/postgres`, or, when another user must run the server and cannot
/// reach the checkout (a home directory closed to others, say), a directory
/// under the system's temporary directory.
fn cluster_dir(root: &Path, other_user: bool) -> Result<PathBuf> {
    let dir = root.join("target").join("postgres");
    if !other_user {
        return Ok(dir);
    }
    let root_abs = fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let mut closed = None;
    let mut path = PathBuf::new();
    for part in root_abs.components() {
        path.push(part);
        if matches!(part, Component::RootDir) {
            continue;
        }
        let mode = fs::metadata(&path)
            .map_err(|e| Error::io(&path, e))?
            .permissions()
            .mode();
        if !traversable_by_others(mode) {
            closed = Some(path.clone());
            break;
        }
    }
    match closed {
        None => Ok(dir),
        Some(closed) => {
            let tmp = env::temp_dir().join("kuaibao-test-postgres");
            println!(
                "note: the `{OS_USER}` user cannot enter {}; the test cluster lives in {} instead",
                closed.display(),
                tmp.display()
            );
            Ok(tmp)
        }
    }
}

/// Whether users other than the owner and group may enter a directory.
pub fn traversable_by_others(mode: u32) -> bool {
    mode & 0o001 != 0
}

fn print_log_tail(log: &Path) {
    if let Ok(text) = fs::read_to_string(log) {
        let lines: Vec<&str> = text.lines().collect();
        eprintln!("--- last lines of {} ---", log.display());
        for line in &lines[lines.len().saturating_sub(20)..] {
            eprintln!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_newest_major_wins_and_other_names_are_ignored() {
        assert_eq!(newest_major(&names(&["15"])).as_deref(), Some("15"));
        assert_eq!(newest_major(&names(&["9.6", "15", "13"])).as_deref(), Some("15"));
        // By number, not by text: 9.6 < 10.
        assert_eq!(newest_major(&names(&["9.6", "10"])).as_deref(), Some("10"));
        assert_eq!(newest_major(&names(&["lib", "15", "README"])).as_deref(), Some("15"));
        assert_eq!(newest_major(&names(&["lib"])), None);
        assert_eq!(newest_major(&[]), None);
    }

    #[test]
    fn major_versions_as_debian_names_them() {
        assert_eq!(
            major_of_version("PostgreSQL 15.18 (Debian 15.18-0+deb12u1)\n").as_deref(),
            Some("15")
        );
        assert_eq!(major_of_version("PostgreSQL 17.2").as_deref(), Some("17"));
        assert_eq!(major_of_version("PostgreSQL 9.6.24").as_deref(), Some("9.6"));
        assert_eq!(major_of_version("PostgreSQL"), None);
        assert_eq!(major_of_version("PostgreSQL x.y"), None);
    }

    #[test]
    fn the_url_names_the_port_and_the_superuser() {
        assert_eq!(url(), "postgres://postgres@127.0.0.1:54329/postgres");
    }

    #[test]
    fn as_root_the_tools_run_as_postgres() {
        let args = vec!["-D".to_owned(), "/x/data".to_owned()];
        let tool = Path::new("/usr/lib/postgresql/15/bin/initdb");
        assert_eq!(
            command_line(Some("postgres"), tool, &args),
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "/usr/lib/postgresql/15/bin/initdb",
                "-D",
                "/x/data"
            ]
        );
        assert_eq!(
            command_line(None, tool, &args),
            ["/usr/lib/postgresql/15/bin/initdb", "-D", "/x/data"]
        );
    }

    #[test]
    fn initdb_makes_a_trusting_utf8_cluster() {
        let args = initdb_args(Path::new("/r/target/postgres/data"));
        assert_eq!(args[..2], ["-D", "/r/target/postgres/data"]);
        for want in ["--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C"] {
            assert!(args.iter().any(|a| a == want), "{want} missing from {args:?}");
        }
    }

    #[test]
    fn the_server_listens_on_loopback_only_without_fsync() {
        let opts = server_options(Path::new("/r/target/postgres"));
        assert_eq!(
            opts,
            "-c listen_addresses=127.0.0.1 -p 54329 -c unix_socket_directories='/r/target/postgres' \
             -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        );
    }

    #[test]
    fn a_socket_path_too_long_for_linux_means_no_socket() {
        let deep = PathBuf::from(format!("/{}", "d".repeat(120)));
        assert!(server_options(&deep).contains("-c unix_socket_directories='' "));
    }

    #[test]
    fn start_waits_and_passes_the_options_as_one_argument() {
        let args = start_args(Path::new("/d"), Path::new("/l.log"), Path::new("/s"));
        assert_eq!(args[..8], ["start", "-D", "/d", "-l", "/l.log", "-w", "-t", "60"]);
        assert_eq!(args[8], "-o");
        assert_eq!(args[9], server_options(Path::new("/s")));
        assert_eq!(args.len(), 10);
        assert_eq!(
            stop_args(Path::new("/d")),
            ["stop", "-D", "/d", "-m", "fast", "-w", "-t", "60"]
        );
    }

    #[test]
    fn shell_quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("/a b/c"), "'/a b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn uid_from_proc_status() {
        let status = "Name:\txtask\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
        assert_eq!(real_uid(status), Some(0));
        assert_eq!(real_uid("Uid:\t1000\t1000\t1000\t1000\n"), Some(1000));
        assert_eq!(real_uid("Name:\tx\n"), None);
    }

    #[test]
    fn others_may_enter_only_with_their_x_bit() {
        assert!(traversable_by_others(0o40755));
        assert!(traversable_by_others(0o711));
        assert!(!traversable_by_others(0o40700));
        assert!(!traversable_by_others(0o750));
    }
}
