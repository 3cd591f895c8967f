//! `--staged`: scan what `git commit` would record, not the working tree (pre-commit).
//!
//! The files a commit changes are listed with `git diff --cached --raw -z --no-renames
//! --no-abbrev --diff-filter=ACM` (added, copied, modified: one command gives each path
//! and its blob id in the index), and their bytes come from a single `git cat-file
//! --batch` process. Each blob is one [`Item`] of the one pipeline, read, extracted and
//! judged as a walked file is. Paths are relative to the
//! repository root, as git prints them.
//!
//! Why `git` subprocesses rather than the `gix` crate: a pre-commit hook always runs
//! where git is installed; two processes cost a few milliseconds whatever the size of
//! the repository (only the staged blobs are read); and `git` honours everything a hook
//! is run with (`GIT_INDEX_FILE` of `git commit -a`, `GIT_DIR`, worktrees, split or
//! sparse indexes) without stalekey re-implementing it, where gix would add some hundred
//! crates to the build.

use super::git::{git, read_blobs, repo_root, run_git, Blob};
use super::source::{Exclude, Item, Source};
use crate::error::Result;
use std::path::PathBuf;

/// The git index as a [`Source`]: the blobs the next commit adds or changes.
pub(crate) struct GitIndex {
    /// Pathspecs limiting the scan (relative to the current directory, as git reads them).
    pub pathspecs: Vec<PathBuf>,
    pub max_filesize: Option<u64>,
    /// Files never scanned (the ring, ignore files).
    pub exclude: Vec<PathBuf>,
    /// Paths never scanned, from `.stalekey.toml`.
    pub exclude_globs: Option<ignore::overrides::Override>,
}

/// A staged file: its path from the repository root and its blob id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StagedEntry {
    pub path: String,
    pub oid: String,
}

/// The files the next commit adds or changes, with their blob ids in the index.
pub(crate) fn staged_entries(pathspecs: &[PathBuf]) -> Result<Vec<StagedEntry>> {
    let mut cmd = git(&[
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-renames",
        "--no-abbrev",
        "--no-ext-diff",
        "--ignore-submodules",
        "--diff-filter=ACM",
        "--",
    ]);
    cmd.args(pathspecs);
    let out = run_git(&mut cmd, "--staged: git diff --cached")?;
    Ok(parse_raw_diff(&out))
}

/// Parses `git diff --raw -z` output: `:oldmode newmode oldoid newoid status\0path\0`.
/// Symbolic links and submodules are skipped: their "blob" is not file content.
pub(crate) fn parse_raw_diff(out: &[u8]) -> Vec<StagedEntry> {
    let mut entries = Vec::new();
    let mut fields = out.split(|&b| b == 0);
    while let Some(meta) = fields.next() {
        if meta.is_empty() {
            continue;
        }
        let Some(path) = fields.next() else { break };
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        if parts.len() < 5 {
            continue;
        }
        let new_mode = parts[1];
        if !(new_mode.starts_with("100")) {
            continue;
        }
        entries.push(StagedEntry {
            path: String::from_utf8_lossy(path).into_owned(),
            oid: parts[3].to_string(),
        });
    }
    entries
}

impl Source for GitIndex {
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()> {
        let root = repo_root("--staged")?;
        let exclude = Exclude::new(&self.exclude);
        let entries: Vec<StagedEntry> = staged_entries(&self.pathspecs)?
            .into_iter()
            .filter(|e| !exclude.contains(&root.join(&e.path)))
            .filter(|e| {
                self.exclude_globs
                    .as_ref()
                    .is_none_or(|g| !g.matched(root.join(&e.path), false).is_ignore())
            })
            .collect();
        let blobs: Vec<Blob> = entries
            .into_iter()
            .map(|e| Blob {
                path: e.path,
                oid: e.oid,
                commit: None,
            })
            .collect();
        read_blobs(&root, &blobs, self.max_filesize, "--staged", emit)
    }

    fn roots(&self) -> Vec<PathBuf> {
        repo_root("--staged").map(|r| vec![r]).unwrap_or_default()
    }

    fn base(&self) -> PathBuf {
        repo_root("--staged").unwrap_or_else(|_| PathBuf::from("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_diff_entries() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let out = format!(
            ":000000 100644 {z} {a} A\0dir/new file.py\0:100644 100755 {a} {b} M\0run.sh\0:000000 120000 {z} {b} A\0link\0:000000 160000 {z} {b} A\0sub\0"
        );
        let entries = parse_raw_diff(out.as_bytes());
        assert_eq!(
            entries,
            vec![
                StagedEntry {
                    path: "dir/new file.py".into(),
                    oid: a.clone()
                },
                StagedEntry {
                    path: "run.sh".into(),
                    oid: b.clone()
                },
            ]
        );
    }
}
