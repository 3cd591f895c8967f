//! Errors that stop a command (exit code 2). Warnings about single files are not errors:
//! they are counted in the report and the scan goes on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("key ring {path}: {entry}: {problem}")]
    Ring {
        path: String,
        entry: String,
        problem: String,
    },
    #[error("rules {file}: {rule}: {problem}")]
    Rules {
        file: String,
        rule: String,
        problem: String,
    },
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
