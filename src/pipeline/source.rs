//! Sources: what yields the documents of a scan. The filesystem walk
//! ([`super::walk::Walk`]) and the git index ([`super::staged::GitIndex`]) are two; a new
//! input (git history, stdin, processes) is one more implementation of [`Source`], never
//! a new driver.

use crate::error::Result;
use std::path::{Path, PathBuf};

/// What a source knows of one document's content.
pub(crate) enum Body {
    /// A file on disk: the read stage opens it (and streams it when its format says so).
    File,
    /// Bytes already read (a staged blob).
    Bytes(Vec<u8>),
    /// Over `--max-filesize` ([`super::read::admit`] said so): its bytes as a stream,
    /// searched for ring keys only.
    Large {
        reader: Box<dyn std::io::Read + Send>,
        size: u64,
    },
    /// Could not be listed or read; the message says why.
    Unreadable(String),
    /// A character or block device, a FIFO or a socket: never read in a walk.
    Special(&'static str),
    /// Text whose format the source knows (a process's environment), not its name.
    Document {
        bytes: Vec<u8>,
        format: crate::format::Format,
    },
}

/// One document a source yields.
pub(crate) struct Item {
    /// The path reports show (relative to its root, `/`-separated).
    pub shown: String,
    /// Where the document is, or would be, on disk (nginx includes resolve from it).
    pub path: PathBuf,
    pub body: Body,
    /// A blob from history: the commit that introduced it at `shown`.
    pub commit: Option<std::sync::Arc<crate::finding::CommitRef>>,
}

/// A source of documents.
pub(crate) trait Source: Sync {
    /// Sends every document to `emit`, from one thread or several; an error stops the
    /// scan (exit 2), a document that cannot be read is an item with
    /// [`Body::Unreadable`].
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()>;

    /// The directories the documents live under (nginx `include`s resolve inside them).
    fn roots(&self) -> Vec<PathBuf>;

    /// The directory the shown paths are relative to (SARIF locates files from it).
    fn base(&self) -> PathBuf;

    /// Does `run` call `emit` on `--threads` threads of its own (a parallel walk)? Then
    /// each document is scanned right there, on the thread that found it, as ripgrep
    /// does; else the driver hands documents to its own workers over a channel.
    fn emits_in_parallel(&self) -> bool {
        false
    }
}

/// Files no source yields: the ring and the ignore files. Compared canonically, the
/// file name first so that most paths are never canonicalized.
#[derive(Clone, Debug, Default)]
pub(crate) struct Exclude {
    canonical: Vec<PathBuf>,
}

impl Exclude {
    pub(crate) fn new(paths: &[PathBuf]) -> Self {
        Exclude {
            canonical: paths.iter().filter_map(|p| p.canonicalize().ok()).collect(),
        }
    }

    pub(crate) fn contains(&self, path: &Path) -> bool {
        self.canonical
            .iter()
            .any(|x| x.file_name() == path.file_name())
            && path
                .canonicalize()
                .is_ok_and(|c| self.canonical.contains(&c))
    }
}

/// Several sources scanned as one (`scan --proc PATH…`): each in turn, one report.
pub(crate) struct Sources(pub Vec<Box<dyn Source>>);

impl Source for Sources {
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()> {
        for s in &self.0 {
            s.run(emit)?;
        }
        Ok(())
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.0.iter().flat_map(|s| s.roots()).collect()
    }

    fn base(&self) -> PathBuf {
        self.0
            .iter()
            .find(|s| !s.roots().is_empty())
            .map_or_else(|| PathBuf::from("."), |s| s.base())
    }

    fn emits_in_parallel(&self) -> bool {
        self.0.iter().all(|s| s.emits_in_parallel())
    }
}
