//! Errors that stop a command (exit code 2). Warnings about single files are not errors:
//! they are counted in the report and the scan goes on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad argument or combination of arguments; the text names the option.
    #[error("{0}")]
    Usage(String),
    #[error("key ring {path}: {entry}: {problem}")]
    Ring {
        path: String,
        entry: String,
        problem: String,
    },
    /// A ring edit that the ring's content refuses (unknown id, a key already there,
    /// a transition the lifecycle does not allow).
    #[error("key ring {path}: {problem}")]
    RingEdit { path: String, problem: String },
    #[error("rules {file}: {rule}: {problem}")]
    Rules {
        file: String,
        rule: String,
        problem: String,
    },
    /// A rotation the gate cannot simulate (unknown service, ambiguous pending key).
    #[error("gate: {0}")]
    Gate(String),
    /// git could not be run or refused; the text names the option or command
    /// (`--staged`, `install-hook`).
    #[error("{0}")]
    Git(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
