//! The administrator's command line: areas and accounts, run on the server
//! machine with the server's own settings (`KUAIBAO_DATA_DIR`,
//! `DATABASE_URL`). Whoever can run it can read the database anyway, so it
//! asks for no login; the audit log names its changes "command-line".

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use kuaibao_core::account::{
    check_area_id, AreaLevel, AreaRef, Role, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS,
};

use crate::auth::password;
use crate::config::Config;
use crate::db::accounts::{self, NewUser, Profile, ProfileChange};
use crate::db::audit::{self, Actor};
use crate::startup::{self, StartError};

pub const USAGE: &str = "\
usage:
  kuaibao-server                      run the server (settings from the environment, see docs/operators.md)
  kuaibao-server area add CODE --name NAME --level district|township|village|grid [--parent CODE]
  kuaibao-server area list
  kuaibao-server area phone CODE NUMBER
                                      sets the area's duty phone (值班电话), which the phones of its
                                      workers and of the areas below without their own dial
  kuaibao-server user add USERNAME --role reporter|officer|admin --area CODE [--name DISPLAY_NAME]
                                      [--phone PHONE] [--unit UNIT] [--post POST]
                                      the password is asked for with the echo off at a terminal,
                                      else read from standard input (one line); name, phone, unit
                                      and post are prefilled into the account's new reports
  kuaibao-server user profile USERNAME [--name DISPLAY_NAME] [--phone PHONE] [--unit UNIT] [--post POST]
                                      changes those (an empty value clears one); served from the
                                      account's next request
  kuaibao-server user revoke USERNAME ends every session of the account (it must log in again)
  kuaibao-server user disable USERNAME
                                      ends its sessions and refuses its logins from now on
  kuaibao-server audit                the audit log, one JSON object a line
  kuaibao-server fsck                 re-hashes every stored photo; quarantines and lists those that do not
                                      match their name, and lists arrived photos whose bytes are missing
                                      (exit status 1 if it found any)
  kuaibao-server backup DIR           while the server runs: a snapshot of the SQLite database (on PostgreSQL,
                                      run pg_dump first), then every photo, re-hashed, and DIR/manifest.json;
                                      DIR must be new or empty
  kuaibao-server restore DIR          a backup into an empty data dir (on PostgreSQL, after pg_restore), each
                                      photo checked against the manifest; then checks the counts and runs fsck
                                      (exit status 1 on any difference, naming it)";

/// A command line the server understands.
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
    UserRevoke {
        username: String,
        disable: bool,
    },
    Audit,
    Fsck,
    Backup {
        dir: PathBuf,
    },
    Restore {
        dir: PathBuf,
    },
    Help,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}\n\n{USAGE}")]
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
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["help" | "--help" | "-h"] => Ok(Command::Help),
        ["area", "list"] => Ok(Command::AreaList),
        ["area", "phone", code, phone] => {
            check_area_id(code).map_err(CliError::Usage)?;
            let phone = phone.trim();
            if !kuaibao_core::validate::is_phone(phone) {
                return Err(CliError::Usage(format!(
                    "`{phone}` is not a phone number: 7 to 15 digits, spaces and dashes between them, maybe a leading +"
                )));
            }
            Ok(Command::AreaPhone {
                area: (*code).to_owned(),
                phone: phone.to_owned(),
            })
        }
        ["area", "phone", ..] => Err(CliError::Usage("area phone CODE NUMBER".to_owned())),
        ["audit"] => Ok(Command::Audit),
        ["fsck"] => Ok(Command::Fsck),
        ["backup", dir] => Ok(Command::Backup {
            dir: PathBuf::from(dir),
        }),
        ["restore", dir] => Ok(Command::Restore {
            dir: PathBuf::from(dir),
        }),
        [verb @ ("backup" | "restore")] => Err(CliError::Usage(format!("{verb} needs a folder: {verb} DIR"))),
        ["area", "add", code, rest @ ..] => {
            let mut flags = Flags::read(rest, &["--name", "--level", "--parent"])?;
            check_area_id(code).map_err(CliError::Usage)?;
            let level_text = flags.required("--level")?;
            let level = AreaLevel::from_code(&level_text).ok_or_else(|| {
                CliError::Usage(format!(
                    "--level: `{level_text}` is not district, township, village or grid"
                ))
            })?;
            let parent = flags.take("--parent");
            if let Some(p) = &parent {
                check_area_id(p).map_err(|e| CliError::Usage(format!("--parent: {e}")))?;
            }
            Ok(Command::AreaAdd {
                area: AreaRef {
                    id: (*code).to_owned(),
                    name: flags.required("--name")?,
                    level,
                },
                parent,
            })
        }
        ["user", "add", username, rest @ ..] => {
            let mut flags = Flags::read(rest, &["--role", "--area", "--name", "--phone", "--unit", "--post"])?;
            let username = username.trim();
            check_username(username)?;
            let role_text = flags.required("--role")?;
            let role = Role::from_code(&role_text)
                .ok_or_else(|| CliError::Usage(format!("--role: `{role_text}` is not reporter, officer or admin")))?;
            let area = flags.required("--area")?;
            check_area_id(&area).map_err(|e| CliError::Usage(format!("--area: {e}")))?;
            let display_name = flags.take("--name").unwrap_or_else(|| username.to_owned());
            let change = profile_flags(&mut flags, Some(display_name))?;
            Ok(Command::UserAdd {
                display_name: change.display_name.unwrap_or_default(),
                username: username.to_owned(),
                role,
                area,
                profile: Profile {
                    phone: change.phone.unwrap_or_default(),
                    unit: change.unit.unwrap_or_default(),
                    post: change.post.unwrap_or_default(),
                },
            })
        }
        ["user", "profile", username, rest @ ..] => {
            let mut flags = Flags::read(rest, &["--name", "--phone", "--unit", "--post"])?;
            check_username(username)?;
            let name = flags.take("--name");
            if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                return Err(CliError::Usage("--name cannot be empty".to_owned()));
            }
            let change = profile_flags(&mut flags, name)?;
            if change == ProfileChange::default() {
                return Err(CliError::Usage(
                    "user profile: give at least one of --name, --phone, --unit, --post".to_owned(),
                ));
            }
            Ok(Command::UserProfile {
                username: (*username).to_owned(),
                change,
            })
        }
        ["user", verb @ ("revoke" | "disable"), username] => Ok(Command::UserRevoke {
            username: (*username).to_owned(),
            disable: *verb == "disable",
        }),
        _ => Err(CliError::Usage(format!("unknown command `{}`", words.join(" ")))),
    }
}

fn check_username(username: &str) -> Result<(), CliError> {
    if username.is_empty() || username.chars().count() > MAX_USERNAME_CHARS || username.chars().any(char::is_whitespace)
    {
        return Err(CliError::Usage(format!(
            "`{username}` is not a username: 1 to {MAX_USERNAME_CHARS} characters, no spaces"
        )));
    }
    Ok(())
}

/// `--phone`, `--unit` and `--post` (trimmed), with the name, checked by
/// the rules of the report blanks they are prefilled into.
fn profile_flags(flags: &mut Flags, display_name: Option<String>) -> Result<ProfileChange, CliError> {
    let mut take = |flag| flags.take(flag).map(|v| v.trim().to_owned());
    let change = ProfileChange {
        display_name: display_name.map(|n| n.trim().to_owned()),
        phone: take("--phone"),
        unit: take("--unit"),
        post: take("--post"),
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = [
        value(&change.display_name),
        value(&change.phone),
        value(&change.unit),
        value(&change.post),
    ];
    let errors = kuaibao_core::prefill::check([&values[0], &values[1], &values[2], &values[3]]);
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

/// `--flag value` pairs, each at most once, from a known set.
struct Flags(Vec<(String, String)>);

impl Flags {
    fn read(words: &[&str], known: &[&str]) -> Result<Flags, CliError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut rest = words.iter();
        while let Some(flag) = rest.next() {
            if !known.contains(flag) {
                return Err(CliError::Usage(format!("unknown option `{flag}`")));
            }
            let value = rest
                .next()
                .ok_or_else(|| CliError::Usage(format!("{flag} needs a value")))?;
            if pairs.iter().any(|(f, _)| f == flag) {
                return Err(CliError::Usage(format!("{flag} is given twice")));
            }
            pairs.push(((*flag).to_owned(), (*value).to_owned()));
        }
        Ok(Flags(pairs))
    }

    fn take(&mut self, flag: &str) -> Option<String> {
        let at = self.0.iter().position(|(f, _)| f == flag)?;
        Some(self.0.remove(at).1)
    }

    fn required(&mut self, flag: &str) -> Result<String, CliError> {
        self.take(flag)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| CliError::Usage(format!("{flag} is required")))
    }
}

/// Runs an administrative command (anything but `Serve` and `Help`),
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
        Command::Serve | Command::Help | Command::Backup { .. } | Command::Restore { .. } => Ok(()),
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
            let typed = if std::io::stdin().is_terminal() {
                typed_password()?
            } else {
                read_password(stdin)?
            };
            let hash = tokio::task::spawn_blocking(move || password::hash(&typed))
                .await
                .map_err(|e| CliError::Refused(format!("password hashing did not finish: {e}")))?
                .map_err(|e| CliError::Refused(e.to_string()))?;
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
            let found = crate::fsck::check(&pool, &store, &actor).await?;
            for (key, moved) in &found.quarantined {
                say!("damaged\t{key}\tits bytes do not match its name; moved to {moved}")?;
            }
            for (photo, key) in &found.missing {
                say!(
                    "missing\t{key}\tphoto {photo} has arrived but its bytes are gone; its next upload restores them"
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
            for entry in audit::all(&pool).await? {
                say!(
                    "{}",
                    serde_json::to_string(&entry).map_err(|e| CliError::Refused(e.to_string()))?
                )?;
            }
            Ok(())
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
             (see docs/operators.md); the counts below are the live database's when the backup started"
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
            "the two passwords typed differ; nothing was added".to_owned(),
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

    #[test]
    fn backup_and_restore_take_one_folder() {
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
        let message = |line: &str| parse(&args(line)).expect_err(line).to_string();
        assert!(message("backup").starts_with("backup needs a folder"));
        assert!(message("restore").starts_with("restore needs a folder"));
        assert!(message("backup a b").starts_with("unknown command `backup a b`"));
    }

    #[test]
    fn mistakes_name_the_option() {
        let message = |line: &str| parse(&args(line)).expect_err(line).to_string();
        assert!(message("area add xh --level city --name X").starts_with("--level: `city`"));
        assert!(message("area phone xh 12").contains("not a phone number"));
        assert!(message("area phone xh").starts_with("area phone CODE NUMBER"));
        assert_eq!(
            parse(&args("area phone xh-03 0731-1234567")).expect("phone"),
            Command::AreaPhone {
                area: "xh-03".into(),
                phone: "0731-1234567".into()
            }
        );
        assert!(message("area add XH --level district --name X").contains("not an area code"));
        assert!(message("user add li --role boss --area xh").starts_with("--role: `boss`"));
        assert!(message("user add li --role reporter").starts_with("--area is required"));
        assert!(message("user add li --role reporter --area xh --area xh").starts_with("--area is given twice"));
        assert!(message("user add li --password x").starts_with("unknown option `--password`"));
        assert!(message("frobnicate").starts_with("unknown command"));
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
