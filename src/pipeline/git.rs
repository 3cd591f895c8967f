//! The git command line, for the sources that read a repository (`--staged`; later
//! history) and for `install-hook`.
//!
//! Why `git` subprocesses rather than the `gix` crate: where stalekey reads a repository
//! git is installed; a process costs a few milliseconds whatever the repository's size;
//! and `git` honours everything a hook is run with (`GIT_INDEX_FILE` of `git commit -a`,
//! `GIT_DIR`, worktrees, split or sparse indexes) without stalekey re-implementing it.

use crate::error::{Error, Result};
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub(crate) fn git(args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(args);
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
