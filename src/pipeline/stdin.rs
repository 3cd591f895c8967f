//! `scan -`: one document from standard input. `--stdin-name NAME` gives it a path, and
//! so a format (`kubectl get secret app -o yaml | stalekey scan - --stdin-name
//! secret.yaml`). Input over `--max-filesize` is spooled to an unnamed temporary file
//! and streamed for ring keys only, as a large file is.

use super::source::{Body, Item, Source};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::PathBuf;

pub(crate) struct Stdin {
    /// The path reports show, which also decides the format.
    pub name: Option<String>,
    pub max_filesize: Option<u64>,
}

impl Stdin {
    fn shown(&self) -> String {
        self.name.clone().unwrap_or_else(|| "(stdin)".to_string())
    }
}

impl Source for Stdin {
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()> {
        let limit = self.max_filesize.unwrap_or(u64::MAX);
        let mut stdin = std::io::stdin().lock();
        let mut bytes = Vec::new();
        (&mut stdin)
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("stdin", e))?;
        let body = if bytes.len() as u64 > limit {
            // Too large to hold: the rest is spooled and streamed for ring keys.
            let mut spool = super::git::spool_file().map_err(|e| Error::io("stdin", e))?;
            std::io::Write::write_all(&mut spool, &bytes).map_err(|e| Error::io("stdin", e))?;
            let rest = std::io::copy(&mut stdin, &mut spool).map_err(|e| Error::io("stdin", e))?;
            std::io::Seek::seek(&mut spool, std::io::SeekFrom::Start(0))
                .map_err(|e| Error::io("stdin", e))?;
            Body::Large {
                reader: Box::new(std::io::BufReader::new(spool)),
                size: bytes.len() as u64 + rest,
            }
        } else {
            Body::Bytes(bytes)
        };
        emit(Item {
            shown: self.shown(),
            path: PathBuf::from(self.shown()),
            body,
            commit: None,
        });
        Ok(())
    }

    fn roots(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    fn base(&self) -> PathBuf {
        PathBuf::from(".")
    }
}
