//! The administrator's command line: areas and accounts, run on the server
//! machine with the server's own settings (`KUAIBAO_DATA_DIR`,
//! `DATABASE_URL`). Whoever can run it can read the database anyway, so it
//! asks for no login; the audit log names its changes "command-line".
//!
//! The words are read by clap ([`Cli`], whose doc comments are the
//! `--help` of each command); [`parse`] turns them into a checked
//! [`Command`], with the checks that span several options.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use kuaibao_core::account::{
    check_area_id, AreaLevel, AreaRef, Role, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS,
};

use crate::auth::password;
use crate::config::Config;
use crate::db::accounts::{self, NewUser, Profile, ProfileChange};
use crate::db::audit::{self, Actor};
use crate::startup::{self, StartError};

/// 快报's server. Without a command it runs the server, with its settings
/// from the environment (see docs/operations.md); the other commands
/// administer its data on this machine.
#[derive(Debug, Parser)]
#[command(name = "kuaibao-server", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Run the server (the same as no command)
    Serve,
    /// The area tree: add an area, list them, set an area's duty phone
    #[command(subcommand)]
    Area(AreaSub),
    /// Accounts: add one, change its profile, password, area or role, end
    /// its sessions, disable or enable it
    #[command(subcommand)]
    User(UserSub),
    /// Print the audit log, one JSON object a line
    Audit,
    /// Re-hash every stored photo; quarantine and list those that do not
    /// match their name, and list arrived photos whose bytes are missing
    /// (exit status 1 if it found any)
    Fsck,
    /// While the server runs: a snapshot of the SQLite database (on
    /// PostgreSQL, run pg_dump first), then every photo, re-hashed, and
    /// DIR/manifest.json
    Backup {
        /// Where to write the backup; must be new or empty
        dir: PathBuf,
    },
    /// A backup into an empty data dir (on PostgreSQL, after pg_restore),
    /// each photo checked against the manifest; then check the counts and
    /// run fsck (exit status 1 on any difference, naming it)
    Restore {
        /// The backup's folder (with its manifest.json)
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AreaSub {
    /// Add an area under its parent (a district needs none)
    Add {
        /// The new area's code (lowercase letters, digits and dashes)
        #[arg(value_parser = area_code)]
        code: String,
        /// Its name, as workers know it (城关街道)
        #[arg(long, value_parser = not_blank)]
        name: String,
        /// Its level in the tree: 区县, 乡镇/街道, 村/社区 or 网格
        #[arg(long, value_parser = coded(&AreaLevel::ALL, AreaLevel::code, AreaLevel::from_code))]
        level: AreaLevel,
        /// The code of the area it is part of
        #[arg(long, value_parser = area_code)]
        parent: Option<String>,
    },
    /// List every area: path, code, level and name, one a line
    List,
    /// Set the area's duty phone (值班电话), which the phones of its workers
    /// and of the areas below without their own dial
    Phone {
        /// The area's code
        #[arg(value_parser = area_code)]
        code: String,
        /// 7 to 15 digits, spaces and dashes between them, maybe a leading +
        #[arg(value_parser = phone_number)]
        number: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserSub {
    /// Add an account. The password is asked for with the echo off at a
    /// terminal, else read from standard input (one line); never an
    /// argument, which `ps` and shell histories would show
    Add {
        /// The login name: no spaces
        #[arg(value_parser = username)]
        username: String,
        /// A reporter files reports; an officer reads his area's; an admin
        /// also manages accounts
        #[arg(long, value_parser = coded(&Role::ALL, Role::code, Role::from_code))]
        role: Role,
        /// The code of the account's area
        #[arg(long, value_parser = area_code)]
        area: String,
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Change an account's profile (an empty value clears one); served from
    /// the account's next request
    Profile {
        /// The account's login name
        #[arg(value_parser = username)]
        username: String,
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Set a new password, asked for as `add` asks, and end every session
    /// of the account: what to do when a password got out or was forgotten
    Password {
        /// The account's login name
        #[arg(value_parser = username)]
        username: String,
    },
    /// Move the account to another area and/or give it another role;
    /// served from its next request, its sessions kept (what waits on its
    /// phone still goes; its own threads stay its)
    Move {
        /// The account's login name
        #[arg(value_parser = username)]
        username: String,
        /// The code of its new area
        #[arg(long, value_parser = area_code)]
        area: Option<String>,
        /// Its new role
        #[arg(long, value_parser = coded(&Role::ALL, Role::code, Role::from_code))]
        role: Option<Role>,
    },
    /// End every session of the account (it must log in again; its
    /// password still works: see `password`)
    Revoke {
        /// The account's login name
        #[arg(value_parser = username)]
        username: String,
    },
    /// End the account's sessions and refuse its logins from now on
    /// (what its phone holds unsent then waits: tell the worker to phone
    /// the duty office)
    Disable {
        /// The account's login name
        #[arg(value_parser = username)]
        username: String,
    },
    /// Let a disabled account log in again
    Enable {
        /// The account's login name
        #[arg(value_parser = username)]
        username: String,
    },
}

/// What is prefilled into the account's new reports.
#[derive(Debug, Args)]
struct ProfileArgs {
    /// The name shown and prefilled (adding: the username if not given)
    #[arg(long = "name", value_name = "DISPLAY_NAME")]
    display_name: Option<String>,
    /// The account's phone number
    #[arg(long)]
    phone: Option<String>,
    /// The account's unit (单位)
    #[arg(long)]
    unit: Option<String>,
    /// The account's post (职务)
    #[arg(long)]
    post: Option<String>,
}

/// One of the core's coded words (`kuaibao_core::coded!`), listed in
/// `--help` and in the refusal of any other.
fn coded<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    code: fn(T) -> &'static str,
    from_code: fn(&str) -> Option<T>,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(|v| code(*v)))
        .try_map(move |word| from_code(&word).ok_or("not one of the possible values"))
}

fn area_code(text: &str) -> Result<String, String> {
    check_area_id(text)?;
    Ok(text.to_owned())
}

fn not_blank(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("cannot be empty".to_owned());
    }
    Ok(text.to_owned())
}

fn phone_number(text: &str) -> Result<String, String> {
    let phone = text.trim();
    if !kuaibao_core::rules::validate::is_phone(phone) {
        return Err(format!(
            "`{phone}` is not a phone number: 7 to 15 digits, spaces and dashes between them, maybe a leading +"
        ));
    }
    Ok(phone.to_owned())
}

fn username(text: &str) -> Result<String, String> {
    let username = text.trim();
    if username.is_empty() || username.chars().count() > MAX_USERNAME_CHARS || username.chars().any(char::is_whitespace)
    {
        return Err(format!(
            "`{username}` is not a username: 1 to {MAX_USERNAME_CHARS} characters, no spaces"
        ));
    }
    Ok(username.to_owned())
}

/// A command line the server understands, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    AreaAdd {
        area: AreaRef,
        parent: Option<String>,
    },
    AreaList,
    AreaPhone {
        area: String,
        phone: String,
    },
    UserAdd {
        username: String,
        display_name: String,
        role: Role,
        area: String,
        profile: Profile,
    },
    UserProfile {
        username: String,
        change: ProfileChange,
    },
    UserPassword {
        username: String,
    },
    UserMove {
        username: String,
        area: Option<String>,
        role: Option<Role>,
    },
    UserRevoke {
        username: String,
        disable: bool,
    },
    UserEnable {
        username: String,
    },
    Audit,
    Fsck,
    Backup {
        dir: PathBuf,
    },
    Restore {
        dir: PathBuf,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The words are not a command, or `--help` was asked for: clap's
    /// message, which it prints itself ([`clap::Error::print`]) with its
    /// exit status (0 for help).
    #[error(transparent)]
    Words(#[from] clap::Error),
    /// The words are a command, but its options do not go together.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Store(#[from] crate::db::StoreError),
    #[error(transparent)]
    Fsck(#[from] crate::fsck::FsckError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    #[error("cannot read the password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
}

/// Prints a line of the command's output. A closed pipe (`… | head`) just
/// ends the output.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        match writeln!(std::io::stdout().lock(), $($arg)*) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Stdout(e)),
            _ => Ok(()),
        }
    }};
}

/// Reads the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    let cli = Cli::try_parse_from(std::iter::once("kuaibao-server").chain(args.iter().map(String::as_str)))?;
    Ok(match cli.command {
        None | Some(Sub::Serve) => Command::Serve,
        Some(Sub::Audit) => Command::Audit,
        Some(Sub::Fsck) => Command::Fsck,
        Some(Sub::Backup { dir }) => Command::Backup { dir },
        Some(Sub::Restore { dir }) => Command::Restore { dir },
        Some(Sub::Area(AreaSub::List)) => Command::AreaList,
        Some(Sub::Area(AreaSub::Phone { code, number })) => Command::AreaPhone {
            area: code,
            phone: number,
        },
        Some(Sub::Area(AreaSub::Add {
            code,
            name,
            level,
            parent,
        })) => Command::AreaAdd {
            area: AreaRef { id: code, name, level },
            parent,
        },
        Some(Sub::User(UserSub::Add {
            username,
            role,
            area,
            mut profile,
        })) => {
            let name = profile.display_name.take().unwrap_or_else(|| username.clone());
            let change = checked_profile(profile, Some(name))?;
            Command::UserAdd {
                display_name: change.display_name.unwrap_or_default(),
                username,
                role,
                area,
                profile: Profile {
                    phone: change.phone.unwrap_or_default(),
                    unit: change.unit.unwrap_or_default(),
                    post: change.post.unwrap_or_default(),
                },
            }
        }
        Some(Sub::User(UserSub::Profile { username, mut profile })) => {
            let name = profile.display_name.take();
            if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                return Err(CliError::Usage("--name cannot be empty".to_owned()));
            }
            let change = checked_profile(profile, name)?;
            if change == ProfileChange::default() {
                return Err(CliError::Usage(
                    "user profile: give at least one of --name, --phone, --unit, --post".to_owned(),
                ));
            }
            Command::UserProfile { username, change }
        }
        Some(Sub::User(UserSub::Revoke { username })) => Command::UserRevoke {
            username,
            disable: false,
        },
        Some(Sub::User(UserSub::Disable { username })) => Command::UserRevoke {
            username,
            disable: true,
        },
        Some(Sub::User(UserSub::Enable { username })) => Command::UserEnable { username },
        Some(Sub::User(UserSub::Password { username })) => Command::UserPassword { username },
        Some(Sub::User(UserSub::Move { username, area, role })) => {
            if area.is_none() && role.is_none() {
                return Err(CliError::Usage("user move: give --area, --role or both".to_owned()));
            }
            Command::UserMove { username, area, role }
        }
    })
}

/// `--phone`, `--unit` and `--post` (trimmed), with the name, checked by
/// the rules of the report blanks they are prefilled into (which judge
/// them together).
fn checked_profile(profile: ProfileArgs, display_name: Option<String>) -> Result<ProfileChange, CliError> {
    let trimmed = |v: Option<String>| v.map(|v| v.trim().to_owned());
    let change = ProfileChange {
        display_name: trimmed(display_name),
        phone: trimmed(profile.phone),
        unit: trimmed(profile.unit),
        post: trimmed(profile.post),
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = [
        value(&change.display_name),
        value(&change.phone),
        value(&change.unit),
        value(&change.post),
    ];
    let errors = kuaibao_core::rules::prefill::check([&values[0], &values[1], &values[2], &values[3]]);
    if let Some(e) = errors.first() {
        let flag = match e.field.as_str() {
            "reporter" => "--name",
            "phone" => "--phone",
            "reporter_unit" => "--unit",
            _ => "--post",
        };
        return Err(CliError::Usage(format!("{flag}: {}", e.en)));
    }
    Ok(change)
}

/// Runs an administrative command (anything but `Serve`),
/// printing its result on stdout.
pub async fn run(config: &Config, command: Command, stdin: impl BufRead) -> Result<(), CliError> {
    // These open the database themselves: a backup must not make one where
    // there is none (as `run_on_database` would), and a restore needs the
    // data dir without one.
    match command {
        Command::Backup { dir } => backup(config, &dir).await,
        Command::Restore { dir } => restore(config, &dir).await,
        other => run_on_database(config, other, stdin).await,
    }
}

async fn run_on_database(config: &Config, command: Command, stdin: impl BufRead) -> Result<(), CliError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let pool = startup::open_database(config).await?;
    let actor = Actor::command_line();
    let result = match command {
        Command::Serve | Command::Backup { .. } | Command::Restore { .. } => Ok(()),
        Command::AreaAdd { area, parent } => {
            let added = accounts::add_area(&pool, &actor, &area, parent.as_deref())
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            say!(
                "added area {} ({}, {}) at {}",
                added.area.id,
                added.area.name,
                added.area.level.code(),
                added.path
            )?;
            Ok(())
        }
        Command::AreaPhone { area, phone } => {
            crate::db::duty_phones::set(&pool, &actor, &area, &phone)
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            say!("duty phone of area {area}: {phone}")?;
            Ok(())
        }
        Command::AreaList => {
            for a in accounts::areas(&pool).await? {
                say!("{}\t{}\t{}\t{}", a.path, a.area.id, a.area.level.code(), a.area.name)?;
            }
            Ok(())
        }
        Command::UserAdd {
            username,
            display_name,
            role,
            area,
            profile,
        } => {
            let hash = new_password_hash(stdin, &username).await?;
            let new = NewUser {
                username: &username,
                display_name: &display_name,
                role,
                area: &area,
                password_hash: &hash,
                profile,
            };
            accounts::add_user(&pool, &actor, &new)
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            say!("added {} {username} ({display_name}) in area {area}", role.code())?;
            Ok(())
        }
        Command::UserProfile { username, change } => {
            let account = accounts::set_profile(&pool, &actor, &username, &change)
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            say!(
                "{username}: name {}, phone {}, unit {}, post {}",
                account.display_name,
                or_unset(&account.phone),
                or_unset(&account.unit),
                or_unset(&account.post)
            )?;
            Ok(())
        }
        Command::UserPassword { username } => {
            let hash = new_password_hash(stdin, &username).await?;
            let ended = accounts::set_password(&pool, &actor, &username, &hash)
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            say!("{username}: new password set; {ended} session(s) ended")?;
            Ok(())
        }
        Command::UserMove { username, area, role } => {
            let user = accounts::move_user(&pool, &actor, &username, area.as_deref(), role)
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            say!(
                "{username}: {} in area {} ({})",
                user.account.role.code(),
                user.account.area.id,
                user.account.area.name
            )?;
            Ok(())
        }
        Command::UserEnable { username } => {
            let enabled = accounts::enable_user(&pool, &actor, &username)
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            if enabled {
                say!("{username}: enabled; it may log in again")?;
            } else {
                say!("{username}: was not disabled")?;
            }
            Ok(())
        }
        Command::UserRevoke { username, disable } => {
            let ended = accounts::revoke_user(&pool, &actor, &username, disable)
                .await?
                .map_err(|e| CliError::Refused(e.to_string()))?;
            let what = if disable { "disabled; " } else { "" };
            say!("{username}: {what}{ended} session(s) ended")?;
            Ok(())
        }
        Command::Fsck => {
            let store = startup::photo_store(config)?;
            let found = crate::fsck::check(&pool, &store, &actor, chrono::Utc::now()).await?;
            for (key, moved) in &found.quarantined {
                say!("damaged\t{key}\tits bytes do not match its name; moved to {moved}")?;
            }
            for (photo, key) in &found.missing {
                say!(
                    "missing\t{key}\tphoto {photo} has arrived but its bytes are gone; its next upload restores them"
                )?;
            }
            for key in &found.unclaimed {
                say!("unclaimed\t{key}\tno arrived photo names these bytes (after a restore: sent after the backup); kept")?;
            }
            for (photo, report, received) in &found.overdue {
                say!(
                    "overdue\t{photo}\tannounced by report {report}, received {received}, never arrived: \
                     the reporter's phone may hold it; call them"
                )?;
            }
            say!(
                "checked {} stored photo(s): {} damaged, {} arrived photo(s) missing",
                found.checked,
                found.quarantined.len(),
                found.missing.len()
            )?;
            if found.clean() {
                Ok(())
            } else {
                Err(CliError::Refused("the photo store is not clean (see above)".to_owned()))
            }
        }
        Command::Audit => {
            // A page at a time: the log grows with the deployment's age.
            let mut after = 0;
            loop {
                let page = audit::page(&pool, after).await?;
                for entry in &page {
                    say!(
                        "{}",
                        serde_json::to_string(entry).map_err(|e| CliError::Refused(e.to_string()))?
                    )?;
                }
                match page.last() {
                    Some(last) if page.len() as i64 == audit::PAGE => after = last.seq,
                    _ => break Ok(()),
                }
            }
        }
    };
    pool.close().await;
    result
}

fn or_unset(value: &str) -> &str {
    if value.is_empty() {
        "(not set)"
    } else {
        value
    }
}

/// `backup DIR`: see `crate::backup`.
async fn backup(config: &Config, dir: &Path) -> Result<(), CliError> {
    let done = crate::backup::backup(config, dir).await?;
    let m = &done.manifest;
    match &m.database {
        Some(file) => say!(
            "database: SQLite snapshot {} ({} bytes, SHA-256 {})",
            file.file,
            file.size,
            file.sha256
        )?,
        None => say!(
            "database: PostgreSQL is not in this backup: keep the `pg_dump -Fc` you made before it with it \
             (see docs/operations.md); the counts below are the live database's when the backup started"
        )?,
    }
    say!(
        "photos: {} object(s), {} bytes, each re-hashed",
        m.photos.len(),
        done.photo_bytes
    )?;
    say!("counts: {}", m.counts)?;
    for key in &m.damaged {
        say!("damaged\t{key}\tits bytes do not match its name: not backed up")?;
    }
    for photo in &m.missing {
        say!(
            "missing\t{}\tphoto {} has arrived but its bytes are not in this backup",
            photo.key,
            photo.photo_id
        )?;
    }
    say!(
        "backup of {} written to {} ({})",
        m.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        done.dir.display(),
        crate::backup::MANIFEST_FILE
    )?;
    if done.complete() {
        Ok(())
    } else {
        Err(CliError::Refused(
            "the backup lacks the photos listed above: run `kuaibao-server fsck` to see the store's state".to_owned(),
        ))
    }
}

/// `restore DIR`: see `crate::backup`.
async fn restore(config: &Config, dir: &Path) -> Result<(), CliError> {
    let done = crate::backup::restore(config, dir).await?;
    let m = &done.manifest;
    match &m.database {
        Some(file) => say!(
            "database: {} ({} bytes, SHA-256 as in the manifest) into {}",
            file.file,
            file.size,
            config.data_dir.display()
        )?,
        None => say!("database: PostgreSQL, as pg_restore left it")?,
    }
    say!(
        "photos: {} object(s), {} bytes, each as in the manifest",
        m.photos.len(),
        done.photo_bytes
    )?;
    say!("counts: {}", done.counts)?;
    say!(
        "fsck: checked {} stored photo(s): {} damaged, {} arrived photo(s) missing",
        done.findings.checked,
        done.findings.quarantined.len(),
        done.findings.missing.len()
    )?;
    for note in &done.notes {
        say!("note\t{note}")?;
    }
    for problem in &done.problems {
        say!("mismatch\t{problem}")?;
    }
    if done.problems.is_empty() {
        say!(
            "restored the backup of {} from {}",
            m.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            dir.display()
        )?;
        Ok(())
    } else {
        Err(CliError::Refused(format!(
            "the restored data differs from the backup in {} way(s) (see above)",
            done.problems.len()
        )))
    }
}

/// The hash of `username`'s new password: typed twice with the echo off at
/// a terminal, else one line of standard input; never the username.
async fn new_password_hash(stdin: impl BufRead, username: &str) -> Result<String, CliError> {
    let typed = if std::io::stdin().is_terminal() {
        typed_password()?
    } else {
        read_password(stdin)?
    };
    if typed.trim().eq_ignore_ascii_case(username) {
        return Err(CliError::Refused(
            "the password is the username: the first thing anyone would try; choose another".to_owned(),
        ));
    }
    tokio::task::spawn_blocking(move || password::hash(&typed))
        .await
        .map_err(|e| CliError::Refused(format!("password hashing did not finish: {e}")))?
        .map_err(|e| CliError::Refused(e.to_string()))
}

/// One line of standard input, without its line end: a password is never
/// an argument, which `ps` and shell histories would show.
fn read_password(mut stdin: impl BufRead) -> Result<String, CliError> {
    let mut line = String::new();
    stdin.read_line(&mut line).map_err(CliError::Stdin)?;
    check_password(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// A password typed at a terminal, with the echo off (so it is neither on
/// the screen nor in the terminal's scrollback), asked for twice.
fn typed_password() -> Result<String, CliError> {
    let first = rpassword::prompt_password("密码 / password: ").map_err(CliError::Stdin)?;
    let again = rpassword::prompt_password("再输一次 / again: ").map_err(CliError::Stdin)?;
    if first != again {
        return Err(CliError::Refused(
            "the two passwords typed differ; nothing was changed".to_owned(),
        ));
    }
    check_password(first)
}

/// Refuses a password too short or too long.
fn check_password(password: String) -> Result<String, CliError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(CliError::Refused(format!(
            "the password (read from standard input) must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(CliError::Refused(format!(
            "the password must have at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn no_arguments_serves() {
        assert_eq!(parse(&[]).expect("serve"), Command::Serve);
    }

    #[test]
    fn area_and_user_commands_parse() {
        assert_eq!(
            parse(&args("area add xh-03 --level township --name 城关街道 --parent xh")).expect("area"),
            Command::AreaAdd {
                area: AreaRef {
                    id: "xh-03".into(),
                    name: "城关街道".into(),
                    level: AreaLevel::Township
                },
                parent: Some("xh".into()),
            }
        );
        assert_eq!(
            parse(&args("user add li --role reporter --area xh-03-g1")).expect("user"),
            Command::UserAdd {
                username: "li".into(),
                display_name: "li".into(),
                role: Role::Reporter,
                area: "xh-03-g1".into(),
                profile: Profile::default(),
            }
        );
        assert_eq!(
            parse(&args("user disable li")).expect("disable"),
            Command::UserRevoke {
                username: "li".into(),
                disable: true
            }
        );
    }

    #[test]
    fn profiles_are_set_at_adding_and_changed_later() {
        assert_eq!(
            parse(&args(
                "user add li --role reporter --area g1 --name 李秀英 --phone 13800001234 --unit 青石村 --post 网格员"
            ))
            .expect("user"),
            Command::UserAdd {
                username: "li".into(),
                display_name: "李秀英".into(),
                role: Role::Reporter,
                area: "g1".into(),
                profile: Profile {
                    phone: "13800001234".into(),
                    unit: "青石村".into(),
                    post: "网格员".into(),
                },
            }
        );
        let words = |list: &[&str]| list.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse(&words(&[
                "user",
                "profile",
                "li",
                "--phone",
                "138 0000 1234",
                "--unit",
                ""
            ]))
            .expect("profile"),
            Command::UserProfile {
                username: "li".into(),
                change: ProfileChange {
                    display_name: None,
                    phone: Some("138 0000 1234".into()),
                    unit: Some(String::new()),
                    post: None,
                },
            },
            "an empty value clears, an absent one keeps"
        );
        let message = |list: &[&str]| parse(&words(list)).expect_err("refused").to_string();
        assert!(message(&["user", "profile", "li"]).starts_with("user profile: give at least one"));
        assert!(
            message(&["user", "profile", "li", "--phone", "12345"]).starts_with("--phone: Phone: give a phone number")
        );
        assert!(message(&["user", "profile", "li", "--name", " "]).starts_with("--name cannot be empty"));
        let long_post = "员".repeat(41);
        assert!(
            message(&["user", "add", "li", "--role", "reporter", "--area", "g1", "--post", &long_post])
                .starts_with("--post: Post: at most 40 characters")
        );
    }

    /// clap's refusal of `line`: its kind and message.
    fn refusal(line: &str) -> (clap::error::ErrorKind, String) {
        match parse(&args(line)) {
            Err(CliError::Words(e)) => (e.kind(), e.to_string()),
            other => panic!("{line}: not refused by clap: {other:?}"),
        }
    }

    #[test]
    fn backup_and_restore_take_one_folder() {
        use clap::error::ErrorKind;
        assert_eq!(
            parse(&args("backup /srv/backups/2026-05-01")).expect("backup"),
            Command::Backup {
                dir: PathBuf::from("/srv/backups/2026-05-01")
            }
        );
        assert_eq!(
            parse(&args("restore backups/x")).expect("restore"),
            Command::Restore {
                dir: PathBuf::from("backups/x")
            }
        );
        for line in ["backup", "restore"] {
            let (kind, message) = refusal(line);
            assert_eq!(kind, ErrorKind::MissingRequiredArgument, "{message}");
            assert!(message.contains("<DIR>"), "{message}");
        }
        let (kind, message) = refusal("backup a b");
        assert_eq!(kind, ErrorKind::UnknownArgument, "{message}");
        assert!(message.contains("'b'"), "{message}");
    }

    #[test]
    fn mistakes_name_the_option() {
        use clap::error::ErrorKind;
        for (line, kind, named) in [
            ("area add xh --level city --name X", ErrorKind::InvalidValue, "--level"),
            ("area phone xh 12", ErrorKind::ValueValidation, "not a phone number"),
            ("area phone xh", ErrorKind::MissingRequiredArgument, "<NUMBER>"),
            (
                "area add XH --level district --name X",
                ErrorKind::ValueValidation,
                "not an area code",
            ),
            ("user add li --role boss --area xh", ErrorKind::InvalidValue, "--role"),
            (
                "user add li --role reporter",
                ErrorKind::MissingRequiredArgument,
                "--area",
            ),
            (
                "user add li --role reporter --area xh --area xh",
                ErrorKind::ArgumentConflict,
                "--area",
            ),
            ("user add li --password x", ErrorKind::UnknownArgument, "--password"),
            ("frobnicate", ErrorKind::InvalidSubcommand, "frobnicate"),
        ] {
            let (got, message) = refusal(line);
            assert_eq!(got, kind, "{line}: {message}");
            assert!(message.contains(named), "{line}: {message}");
        }
        assert!(refusal("area add xh --level city --name X")
            .1
            .contains("district, township, village, grid"));
        let blank_name = ["area", "add", "xh", "--level", "district", "--name", " "].map(str::to_owned);
        match parse(&blank_name) {
            Err(CliError::Words(e)) => assert!(e.to_string().contains("--name"), "{e}"),
            other => panic!("a blank name: {other:?}"),
        }
        assert_eq!(
            parse(&args("area phone xh-03 0731-1234567")).expect("phone"),
            Command::AreaPhone {
                area: "xh-03".into(),
                phone: "0731-1234567".into()
            }
        );
        assert_eq!(parse(&args("serve")).expect("serve"), Command::Serve);
    }

    /// Every command, at every depth, answers `--help` with what it does
    /// and each of its arguments.
    #[test]
    fn every_command_has_help_naming_its_arguments() {
        use clap::CommandFactory;

        fn visit(command: &clap::Command, path: &mut Vec<String>, seen: &mut usize) {
            let mut words = path.clone();
            words.push("--help".to_owned());
            let help = match parse(&words) {
                Err(CliError::Words(e)) => {
                    assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp, "{words:?}");
                    assert_eq!(e.exit_code(), 0, "{words:?}: help exits 0");
                    e.to_string()
                }
                other => panic!("{words:?}: {other:?}"),
            };
            if !path.is_empty() {
                assert!(command.get_about().is_some(), "{path:?} says what it does");
            }
            for arg in command.get_arguments() {
                let named = match arg.get_long() {
                    Some(long) => format!("--{long}"),
                    None => format!("<{}>", arg.get_id().as_str().to_uppercase()),
                };
                assert!(help.contains(&named), "{path:?}: {named} in {help}");
            }
            *seen += 1;
            for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
                path.push(sub.get_name().to_owned());
                visit(sub, path, seen);
                path.pop();
            }
        }
        let mut seen = 0;
        visit(&Cli::command(), &mut Vec::new(), &mut seen);
        // The program, serve, area (add, list, phone), user (add, profile,
        // password, move, revoke, disable, enable), audit, fsck, backup,
        // restore.
        assert_eq!(seen, 18);
    }

    #[test]
    fn the_password_is_one_line_of_at_least_eight_characters() {
        assert_eq!(read_password("secret-pass\n".as_bytes()).expect("ok"), "secret-pass");
        assert_eq!(
            read_password("with spaces ok\r\n".as_bytes()).expect("ok"),
            "with spaces ok"
        );
        assert!(read_password("short\n".as_bytes()).is_err());
        assert!(read_password("".as_bytes()).is_err());
    }
}
