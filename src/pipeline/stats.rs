//! What a scan counts (the report's `stats`) and the warnings it gives on stderr.

use std::fmt;

/// Counts for the report's `stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Text files scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Files not scanned: binary, too large or unreadable.
    pub skipped: u64,
    pub binary: u64,
    pub too_large: u64,
    /// Files searched for ring keys only: binary files, and files over
    /// `--max-filesize` (streamed).
    pub ring_only: u64,
    /// Files and directories that could not be read (each also a warning).
    pub unreadable: u64,
    /// Findings left out by `.stalekeyignore` or an inline `stalekey:allow`.
    pub ignored: u64,
    pub duration_ms: u64,
}

/// A problem that did not stop the scan. None ever holds a secret: paths, sizes and
/// messages of the reader or of an extractor (which name lines, never values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Warning {
    /// A file or directory that could not be read.
    CannotRead { path: String, message: String },
    /// A file over `--max-filesize`; `ring_only`: it was streamed for ring keys.
    TooLarge {
        path: String,
        size: u64,
        ring_only: bool,
    },
    /// A device, FIFO or socket met in a walk.
    Special { path: String, kind: &'static str },
    /// A file of a known kind that stalekey cannot scan.
    Unsupported { path: String, message: String },
    /// An extractor panicked on the file: a bug, the file was skipped.
    InternalError { path: String },
    /// Malformed input an extractor or a config file noted; the text names its file.
    Note(String),
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::CannotRead { path, message } => write!(f, "{path}: cannot read: {message}"),
            Warning::TooLarge {
                path,
                size,
                ring_only: true,
            } => write!(
                f,
                "{path}: {size} bytes is over --max-filesize: scanned for ring keys only"
            ),
            Warning::TooLarge { path, size, .. } => {
                write!(f, "{path}: skipped: {size} bytes is over --max-filesize")
            }
            Warning::Special { path, kind } => write!(f, "{path}: skipped: a {kind}"),
            Warning::Unsupported { path, message } => write!(f, "{path}: skipped: {message}"),
            Warning::InternalError { path } => write!(
                f,
                "{path}: skipped: internal error while scanning it (a stalekey bug: please report it)"
            ),
            Warning::Note(text) => f.write_str(text),
        }
    }
}
