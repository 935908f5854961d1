//! `cargo xtask run` on a server with no accounts: a demo area tree and
//! three accounts, so that whoever tries the app can log in at once. Made
//! with the server's own admin command, once per data dir; the passwords
//! are random, shown on the terminal and kept in `<data dir>/demo-accounts.txt`
//! (readable by its owner only). A real deployment makes its accounts with
//! `kuaibao-server user add` instead (see docs/operations.md).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd;
use crate::error::{Error, Result};

/// The demo's areas, parents first: (code, name, level, parent).
const AREAS: [(&str, &str, &str, Option<&str>); 4] = [
    ("demo", "示范区", "district", None),
    ("demo-jd", "示范街道", "township", Some("demo")),
    ("demo-jd-sq", "示范社区", "village", Some("demo-jd")),
    ("demo-jd-sq-wg1", "第一网格", "grid", Some("demo-jd-sq")),
];

/// The demo's accounts: (username, display name, role, area).
const USERS: [(&str, &str, &str, &str); 3] = [
    ("demo-reporter", "示范网格员", "reporter", "demo-jd-sq-wg1"),
    ("demo-officer", "示范值班员", "officer", "demo"),
    ("demo-admin", "示范管理员", "admin", "demo"),
];

/// The demo district's duty phone (值班电话), which the phone's call button
/// dials: starting with 0000, it reaches no one.
const DUTY_PHONE: &str = "0000-1234567";

pub const CREDENTIALS_FILE: &str = "demo-accounts.txt";

/// Makes the demo accounts unless this data dir has them already; prints
/// how to log in either way. `server` is the built server binary.
pub fn ensure(server: &Path, data_dir: &Path) -> Result<()> {
    let file = data_dir.join(CREDENTIALS_FILE);
    if file.is_file() {
        println!("demo accounts: see {}", file.display());
        return Ok(());
    }
    fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    for (code, name, level, parent) in AREAS {
        let mut args = vec!["area", "add", code, "--name", name, "--level", level];
        if let Some(p) = parent {
            args.extend(["--parent", p]);
        }
        admin(server, data_dir, &args, "")?;
    }
    admin(server, data_dir, &["area", "phone", AREAS[0].0, DUTY_PHONE], "")?;
    let mut lines = vec![
        "# 快报 demo accounts, made by `cargo xtask run` for trying the app out.".to_owned(),
        "# username\tpassword\trole\tarea".to_owned(),
    ];
    for (username, display, role, area) in USERS {
        let password = random_password()?;
        admin(
            server,
            data_dir,
            &[
                "user", "add", username, "--role", role, "--area", area, "--name", display,
            ],
            &format!("{password}\n"),
        )?;
        lines.push(format!("{username}\t{password}\t{role}\t{area}"));
    }
    let text = lines.join("\n") + "\n";
    write_private(&file, &text)?;
    println!("demo accounts made (also in {}):\n{text}", file.display());
    Ok(())
}

/// Runs `kuaibao-server <args>` with `stdin` on the data dir.
fn admin(server: &Path, data_dir: &Path, args: &[&str], stdin: &str) -> Result<()> {
    cmd::run_with_input(
        Command::new(server)
            .args(args)
            .env("KUAIBAO_DATA_DIR", data_dir)
            .env("RUST_LOG", "warn"),
        stdin,
    )
}

/// 16 characters from the OS's random source, easy to type on a phone.
fn random_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let path = PathBuf::from("/dev/urandom");
    let mut bytes = [0u8; 16];
    fs::File::open(&path)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io(&path, e))?;
    Ok(password_from(&bytes, ALPHABET))
}

fn password_from(bytes: &[u8], alphabet: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect()
}

/// Writes `text` to a new file only its owner may read.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_use_the_alphabet_only() {
        let p = password_from(&[0, 1, 30, 31, 255], b"abc");
        assert_eq!(p, "ababa");
        let real = random_password().expect("urandom");
        assert_eq!(real.len(), 16);
        assert!(real.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn the_demo_tree_lists_parents_first_and_every_user_has_an_area() {
        for (i, (_, _, _, parent)) in AREAS.iter().enumerate() {
            if let Some(p) = parent {
                assert!(AREAS[..i].iter().any(|(code, ..)| code == p), "{p}");
            }
        }
        for (_, _, _, area) in USERS {
            assert!(AREAS.iter().any(|(code, ..)| *code == area), "{area}");
        }
    }
}
