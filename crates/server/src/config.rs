//! The server's settings, read from the environment once at start. Every
//! setting has a default that works on a developer's machine, so `cargo run`
//! needs none; a bad value stops the server with a message naming the
//! variable rather than running with a guess.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where to listen, e.g. `0.0.0.0:8080`; port 0 picks a free port.
pub const ADDR_VAR: &str = "KUAIBAO_ADDR";
/// The folder holding the database; created if missing.
pub const DATA_DIR_VAR: &str = "KUAIBAO_DATA_DIR";
/// The folder of the built app (Trunk's `dist`).
pub const STATIC_DIR_VAR: &str = "KUAIBAO_STATIC_DIR";

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "./data";
const DEFAULT_STATIC_DIR: &str = "./dist";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}: `{value}` is not an address like {DEFAULT_ADDR}")]
    BadAddr { var: &'static str, value: String },
    #[error("{var} is not valid UTF-8")]
    NotUnicode { var: &'static str },
    #[error("{var} is set but empty; unset it to use the default `{default}`")]
    Empty { var: &'static str, default: &'static str },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads settings through `lookup`, so tests need not touch the
    /// process-wide environment (which other threads may be reading).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self, ConfigError> {
        let addr_text = match lookup(ADDR_VAR) {
            None => DEFAULT_ADDR.to_owned(),
            Some(v) => v.into_string().map_err(|_| ConfigError::NotUnicode { var: ADDR_VAR })?,
        };
        let addr = addr_text.trim().parse().map_err(|_| ConfigError::BadAddr {
            var: ADDR_VAR,
            value: addr_text.clone(),
        })?;
        Ok(Config {
            addr,
            data_dir: dir(&lookup, DATA_DIR_VAR, DEFAULT_DATA_DIR)?,
            static_dir: dir(&lookup, STATIC_DIR_VAR, DEFAULT_STATIC_DIR)?,
        })
    }
}

/// A folder setting. Paths need not be UTF-8; an empty one is refused
/// because it would silently mean "the current folder".
fn dir(
    lookup: &impl Fn(&str) -> Option<OsString>,
    var: &'static str,
    default: &'static str,
) -> Result<PathBuf, ConfigError> {
    match lookup(var) {
        None => Ok(PathBuf::from(default)),
        Some(v) if v.is_empty() => Err(ConfigError::Empty { var, default }),
        Some(v) => Ok(PathBuf::from(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, OsString> = vars.iter().map(|(k, v)| ((*k).to_owned(), OsString::from(v))).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.addr, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.static_dir, PathBuf::from("./dist"));
    }

    #[test]
    fn every_setting_is_read() {
        let c = config(&[
            (ADDR_VAR, "0.0.0.0:0"),
            (DATA_DIR_VAR, "/var/lib/kuaibao"),
            (STATIC_DIR_VAR, "/srv/kuaibao/dist"),
        ])
        .expect("valid");
        assert_eq!(c.addr, "0.0.0.0:0".parse().expect("addr"));
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/kuaibao"));
        assert_eq!(c.static_dir, PathBuf::from("/srv/kuaibao/dist"));
        let v6 = config(&[(ADDR_VAR, "[::1]:9000")]).expect("ipv6");
        assert_eq!(v6.addr.port(), 9000);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = config(&[(ADDR_VAR, "localhost")]).expect_err("no port, not an IP");
        assert!(err.to_string().starts_with("KUAIBAO_ADDR: `localhost`"), "{err}");
        let err = config(&[(ADDR_VAR, "127.0.0.1:99999")]).expect_err("port out of range");
        assert!(err.to_string().contains(ADDR_VAR), "{err}");
        let err = config(&[(DATA_DIR_VAR, "")]).expect_err("empty");
        assert_eq!(
            err,
            ConfigError::Empty {
                var: DATA_DIR_VAR,
                default: "./data"
            }
        );
        assert!(err.to_string().starts_with("KUAIBAO_DATA_DIR"), "{err}");
        let err = config(&[(STATIC_DIR_VAR, "")]).expect_err("empty");
        assert!(err.to_string().starts_with("KUAIBAO_STATIC_DIR"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_non_unicode_address_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let err = Config::from_lookup(|name| (name == ADDR_VAR).then(|| OsString::from_vec(vec![0xff, b':', b'1'])))
            .expect_err("not UTF-8");
        assert_eq!(err, ConfigError::NotUnicode { var: ADDR_VAR });
    }
}
