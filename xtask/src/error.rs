//! The one error type of the xtask: each variant says what went wrong and,
//! where it can, what to do about it.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

#[derive(Debug)]
pub enum Error {
    /// Wrong command line.
    Usage(String),
    /// A program we need is not on PATH.
    MissingTool { program: String, hint: String },
    /// A command ran and failed.
    CommandFailed { command: String, status: ExitStatus },
    /// Reading or writing a file failed.
    Io { path: PathBuf, source: io::Error },
    /// Something about the checkout or the tools is not as expected.
    Setup(String),
    /// The service worker could not be filled in.
    Precache(String),
    /// `cargo xtask test`: a stage failed (its own output is above).
    Stage { stage: String, source: Box<Error> },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => write!(f, "{msg}\n\n{}", crate::USAGE),
            Error::MissingTool { program, hint } => {
                write!(f, "`{program}` was not found on PATH: {hint}")
            }
            Error::CommandFailed { command, status } => {
                write!(f, "`{command}` failed ({status})")
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Setup(msg) => write!(f, "{msg}"),
            Error::Precache(msg) => write!(f, "precache: {msg}"),
            Error::Stage { stage, source } => write!(f, "stage `{stage}` failed: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Stage { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
