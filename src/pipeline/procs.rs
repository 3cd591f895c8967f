//! `scan --proc` (Linux): the environment and command line of every process stalekey
//! may read (`/proc/PID/environ`, `/proc/PID/cmdline`). After a rotation this answers
//! which workers still run with the old key. Each process is two documents, shown as
//! `proc:PID (comm)`: its environment as `NAME=value` lines (read as a `.env` file, so a
//! finding names the variable) and its command line as one shell line. Processes that
//! may not be read (another user's, without privileges) are counted, not errors.

use super::source::{Body, Item, Source};
use crate::error::Result;
use crate::format::Format;
use std::path::{Path, PathBuf};

pub(crate) struct Procs {
    /// The proc file system (`/proc`; a test may point elsewhere).
    pub root: PathBuf,
}

/// A process's environment as `NAME=value` lines; a value's newlines are kept as `\n`
/// escapes so that each variable stays on one line.
pub(crate) fn environ_document(environ: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(environ.len() + 16);
    for var in environ.split(|&b| b == 0).filter(|v| !v.is_empty()) {
        for &b in var {
            match b {
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(b),
            }
        }
        out.push(b'\n');
    }
    out
}

/// A command line as one line, arguments separated by spaces.
pub(crate) fn cmdline_document(cmdline: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = cmdline
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(&b' ');
    for b in out.iter_mut() {
        if *b == b'\n' {
            *b = b' ';
        }
    }
    out.push(b'\n');
    out
}

fn comm(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("comm"))
        .map(|c| crate::terminal::safe(c.trim_end()).into_owned())
        .unwrap_or_else(|_| "?".to_string())
}

impl Source for Procs {
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()> {
        let own = std::process::id();
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            emit(Item {
                shown: self.root.display().to_string(),
                path: self.root.clone(),
                body: Body::Unreadable("--proc: cannot list processes (is this Linux?)".into()),
                commit: None,
            });
            return Ok(());
        };
        let mut pids: Vec<u32> = entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .filter(|&pid| pid != own)
            .collect();
        pids.sort_unstable();
        let mut denied = 0u64;
        for pid in pids {
            let dir = self.root.join(pid.to_string());
            let environ = match std::fs::read(dir.join("environ")) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    denied += 1;
                    continue;
                }
                // Gone meanwhile.
                Err(_) => continue,
            };
            let shown = format!("proc:{pid} ({})", comm(&dir));
            if !environ.is_empty() {
                emit(Item {
                    shown: shown.clone(),
                    path: dir.join("environ"),
                    body: Body::Document {
                        bytes: environ_document(&environ),
                        format: Format::Dotenv,
                    },
                    commit: None,
                });
            }
            if let Ok(cmdline) = std::fs::read(dir.join("cmdline")) {
                if !cmdline.is_empty() {
                    emit(Item {
                        shown: format!("{shown} cmdline"),
                        path: dir.join("cmdline"),
                        body: Body::Document {
                            bytes: cmdline_document(&cmdline),
                            format: Format::Shell,
                        },
                        commit: None,
                    });
                }
            }
        }
        if denied > 0 {
            emit(Item {
                shown: self.root.display().to_string(),
                path: self.root.clone(),
                body: Body::Unreadable(format!(
                    "{denied} process{} could not be read (another user's: run as that user or as root to include them)",
                    if denied == 1 { "" } else { "es" }
                )),
                commit: None,
            });
        }
        Ok(())
    }

    fn roots(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    fn base(&self) -> PathBuf {
        PathBuf::from(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_one_variable_per_line() {
        assert_eq!(
            environ_document(b"A=1\0B=two\nlines\0\0"),
            b"A=1\nB=two\\nlines\n".to_vec()
        );
        assert_eq!(
            cmdline_document(b"app\0--token\0x y\0"),
            b"app --token x y\n".to_vec()
        );
    }
}
