//! The git command line, for the sources that read a repository (`--staged`; later
//! history) and for `install-hook`.
//!
//! Why `git` subprocesses rather than the `gix` crate: where stalekey reads a repository
//! git is installed; a process costs a few milliseconds whatever the repository's size;
//! and `git` honours everything a hook is run with (`GIT_INDEX_FILE` of `git commit -a`,
//! `GIT_DIR`, worktrees, split or sparse indexes) without stalekey re-implementing it.

use super::read::admit;
use super::source::{Body, Item};
use crate::error::{Error, Result};
use crate::finding::CommitRef;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

pub(crate) fn git(args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(args);
    cmd
}

/// `git -C dir …`.
pub(crate) fn git_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    cmd
}

/// Runs a git command to its end; its stdout, or an error with the first line git said.
/// `what` names the command and what it is for (`--staged: git diff --cached`).
pub(crate) fn run_git(cmd: &mut Command, what: &str) -> Result<Vec<u8>> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Git(format!("{what}: cannot run git: {e}")))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Git(format!(
            "{what} failed: {}",
            msg.trim().lines().next().unwrap_or("git error")
        )));
    }
    Ok(out.stdout)
}

/// The top directory of the repository the current directory is in; `why` names the
/// option that needs it, for the error outside a repository.
pub(crate) fn repo_root(why: &str) -> Result<PathBuf> {
    let out = run_git(
        git(&["rev-parse", "--show-toplevel"]).stderr(Stdio::piped()),
        &format!("{why}: git rev-parse (is this a git repository?)"),
    )?;
    let text = String::from_utf8_lossy(&out);
    Ok(PathBuf::from(text.trim_end_matches(['\n', '\r'])))
}

/// One blob to read: where it is shown, its object id, and for history the commit that
/// introduced it there.
pub(crate) struct Blob {
    pub path: String,
    pub oid: String,
    pub commit: Option<Arc<CommitRef>>,
}

/// A temporary file that no other process can open: created in the temporary
/// directory and unlinked at once (its space is freed when it is closed).
pub(crate) fn spool_file() -> std::io::Result<std::fs::File> {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(".stalekey-blob-{}-{n}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

/// Reads every blob through one `git -C root cat-file --batch` and emits it: its bytes,
/// or without holding them that it is too large (spooled, streamed for ring keys) or
/// missing. `what` names the option, for errors.
pub(crate) fn read_blobs(
    root: &Path,
    blobs: &[Blob],
    max_filesize: Option<u64>,
    what: &str,
    emit: &(dyn Fn(Item) + Sync),
) -> Result<()> {
    let mut child = git_in(root, &["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Git(format!("{what}: cannot run git cat-file: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let oids: Vec<u8> = blobs
        .iter()
        .flat_map(|e| format!("{}\n", e.oid).into_bytes())
        .collect();
    // Written from another thread: git answers while we write, and both pipes are finite.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&oids);
    });
    let mut out = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped stdout"));
    let broken = |why: &str| Error::Git(format!("{what}: git cat-file: {why}"));
    for e in blobs {
        let mut header = String::new();
        out.read_line(&mut header)
            .map_err(|err| broken(&err.to_string()))?;
        let parts: Vec<&str> = header.trim_end().split(' ').collect();
        let body = match parts.as_slice() {
            [_, "missing"] => Body::Unreadable("the blob is missing from the repository".into()),
            [_, _kind, size] => {
                let size: u64 = size
                    .parse()
                    .map_err(|_| broken(&format!("bad header for {}", e.path)))?;
                let body = if admit(&e.path, size, max_filesize) {
                    let mut bytes = vec![0u8; size as usize];
                    out.read_exact(&mut bytes)
                        .map_err(|err| broken(&err.to_string()))?;
                    Body::Bytes(bytes)
                } else {
                    // Too large to hold: spooled to an unnamed temporary file and
                    // streamed from there for ring keys only, in constant memory.
                    let mut spool = spool_file().map_err(|err| broken(&err.to_string()))?;
                    std::io::copy(&mut (&mut out).take(size), &mut spool)
                        .map_err(|err| broken(&err.to_string()))?;
                    spool
                        .seek(std::io::SeekFrom::Start(0))
                        .map_err(|err| broken(&err.to_string()))?;
                    Body::Large {
                        reader: Box::new(std::io::BufReader::new(spool)),
                        size,
                    }
                };
                let mut nl = [0u8; 1];
                out.read_exact(&mut nl)
                    .map_err(|err| broken(&err.to_string()))?;
                body
            }
            _ => return Err(broken(&format!("unexpected answer for {}", e.path))),
        };
        emit(Item {
            shown: e.path.clone(),
            path: root.join(&e.path),
            body,
            commit: e.commit.clone(),
        });
    }
    let _ = writer.join();
    drop(out);
    let _ = child.wait();
    Ok(())
}
