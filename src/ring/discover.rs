//! Where the ring is when `--ring` and `STALEKEY_RING` are not given (SPEC §1):
//! `.stalekey/ring.json` in the scan root's directory or the nearest one above it, up to
//! the git top-level (a directory holding `.git`), else up to the filesystem root — the
//! way `.editorconfig` is found.

use std::path::{Path, PathBuf};

/// The ring file's place under a directory.
pub(crate) const RING_FILE: &str = ".stalekey/ring.json";

/// What a search from one start found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Discovery {
    /// The ring file, as a path to show (relative to the current directory when it is
    /// below it) and canonical.
    Found { shown: PathBuf, canonical: PathBuf },
    /// No ring: the first and last directories looked in.
    NotFound { from: PathBuf, to: PathBuf },
}

/// Looks for the ring from `start` (a file's directory, or a directory) upward.
pub(crate) fn discover(start: &Path, cwd: &Path) -> Discovery {
    discover_named(start, cwd, RING_FILE)
}

/// Looks for `rel` (`.stalekey/ring.json`, `.stalekey.toml`) from `start` upward, up to
/// the git top-level, else the filesystem root.
pub(crate) fn discover_named(start: &Path, cwd: &Path, rel: &str) -> Discovery {
    let dir = if start.is_dir() {
        start.to_path_buf()
    } else {
        match start.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let from = dir.canonicalize().unwrap_or_else(|_| cwd.join(&dir));
    let mut at = from.clone();
    loop {
        let candidate = at.join(rel);
        if candidate.is_file() {
            let canonical = candidate
                .canonicalize()
                .unwrap_or_else(|_| candidate.clone());
            return Discovery::Found {
                shown: shown(&candidate, cwd),
                canonical,
            };
        }
        if at.join(".git").exists() {
            return Discovery::NotFound { from, to: at };
        }
        match at.parent() {
            Some(parent) => at = parent.to_path_buf(),
            None => return Discovery::NotFound { from, to: at },
        }
    }
}

/// The ring that `ring` commands edit when none is given: the one found from the
/// current directory, else a new one at the git top-level (else in the current
/// directory).
pub(crate) fn ring_to_edit(cwd: &Path) -> PathBuf {
    match discover(cwd, cwd) {
        Discovery::Found { shown, .. } => shown,
        Discovery::NotFound { to, .. } if to.join(".git").exists() => {
            shown(&to.join(RING_FILE), cwd)
        }
        Discovery::NotFound { .. } => PathBuf::from(RING_FILE),
    }
}

/// `path` relative to `cwd` when it lies below it (`.stalekey/ring.json`), else whole.
fn shown(path: &Path, cwd: &Path) -> PathBuf {
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("repo/app/sub")).unwrap();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        (t, root)
    }

    #[test]
    fn found_from_a_file_or_a_subdirectory_up_to_the_top_level() {
        let (_t, root) = tree();
        std::fs::create_dir_all(root.join("repo/.stalekey")).unwrap();
        std::fs::write(root.join("repo/.stalekey/ring.json"), "{}").unwrap();
        std::fs::write(root.join("repo/app/sub/a.py"), "x").unwrap();
        let want = root.join("repo/.stalekey/ring.json");
        for start in ["repo/app/sub", "repo/app/sub/a.py", "repo", "repo/app"] {
            match discover(&root.join(start), &root) {
                Discovery::Found { shown, canonical } => {
                    assert_eq!(canonical, want, "{start}");
                    assert_eq!(shown, PathBuf::from("repo/.stalekey/ring.json"));
                }
                other => panic!("{start}: {other:?}"),
            }
        }
        // From the current directory itself, the shown path is the bare relative one.
        let repo = root.join("repo");
        let Discovery::Found { shown, .. } = discover(&repo, &repo) else {
            panic!("not found from the current directory");
        };
        assert_eq!(shown, PathBuf::from(RING_FILE));
    }

    #[test]
    fn ring_commands_edit_the_found_ring_or_one_at_the_top_level() {
        let (_t, root) = tree();
        let sub = root.join("repo/app/sub");
        assert_eq!(ring_to_edit(&sub), root.join("repo").join(RING_FILE));
        std::fs::create_dir_all(sub.join(".stalekey")).unwrap();
        std::fs::write(sub.join(RING_FILE), "{}").unwrap();
        assert_eq!(ring_to_edit(&sub), PathBuf::from(RING_FILE));
    }

    #[test]
    fn the_search_stops_at_the_git_top_level() {
        let (_t, root) = tree();
        // A ring above the repository is not this repository's ring.
        std::fs::create_dir_all(root.join(".stalekey")).unwrap();
        std::fs::write(root.join(".stalekey/ring.json"), "{}").unwrap();
        assert_eq!(
            discover(&root.join("repo/app/sub"), &root),
            Discovery::NotFound {
                from: root.join("repo/app/sub"),
                to: root.join("repo"),
            }
        );
        // Outside any repository it is found above.
        std::fs::remove_dir_all(root.join("repo/.git")).unwrap();
        assert!(matches!(
            discover(&root.join("repo/app/sub"), &root),
            Discovery::Found { .. }
        ));
    }
}
