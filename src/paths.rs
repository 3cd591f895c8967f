//! Paths as reports show them: relative to the root they were found under,
//! `/`-separated, prefixed by that root when a scan has several.

use std::path::{Path, PathBuf};

/// `rel` under `root` as given; nothing is prefixed for the root `.`.
pub(crate) fn prefixed(root: &Path, rel: &str) -> String {
    let root = slashes(root);
    let root = root.trim_end_matches('/');
    if root == "." || root.is_empty() {
        if rel.is_empty() {
            ".".into()
        } else {
            rel.to_string()
        }
    } else if rel.is_empty() {
        root.to_string()
    } else {
        format!("{root}/{rel}")
    }
}

/// The path as reports show it: relative to the root it was found under; with several
/// roots, prefixed by that root as given.
pub(crate) fn shown_path(roots: &[PathBuf], multi: bool, path: &Path) -> String {
    for root in roots {
        if let Ok(rel) = path.strip_prefix(root) {
            let rel = slashes(rel);
            if rel.is_empty() {
                return slashes(root);
            }
            return if multi { prefixed(root, &rel) } else { rel };
        }
    }
    slashes(path)
}

/// The path from the repository root (the git top-level above `base`, else the current
/// directory when `base` is below it, else `base` itself) to `base`, `/`-separated with
/// a trailing `/`, or empty: what SARIF and GitHub annotations put before a shown path
/// so that it is relative to `%SRCROOT%`, never absolute and never `../`.
pub(crate) fn repo_prefix(base: &Path) -> String {
    let Ok(base) = base.canonicalize() else {
        return String::new();
    };
    let top = base
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::current_dir()
                .ok()
                .and_then(|c| c.canonicalize().ok())
                .filter(|c| base.starts_with(c))
        })
        .unwrap_or_else(|| base.clone());
    match base.strip_prefix(&top) {
        Ok(rel) if !rel.as_os_str().is_empty() => format!("{}/", slashes(rel)),
        _ => String::new(),
    }
}

pub(crate) fn slashes(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The git work tree `dir` is in, read from its `.git` without running git: the
/// top-level directory's name and the HEAD commit id (`None` before the first commit).
pub(crate) fn git_source(dir: &Path) -> Option<(String, Option<String>)> {
    let dir = dir.canonicalize().ok()?;
    let top = dir.ancestors().find(|a| a.join(".git").exists())?;
    let dotgit = top.join(".git");
    let gitdir = if dotgit.is_dir() {
        dotgit
    } else {
        // A worktree or submodule: `gitdir: PATH`.
        let text = std::fs::read_to_string(&dotgit).ok()?;
        let p = Path::new(text.strip_prefix("gitdir:")?.trim());
        top.join(p)
    };
    // A worktree's refs live in the common directory.
    let common = std::fs::read_to_string(gitdir.join("commondir"))
        .ok()
        .map(|c| gitdir.join(c.trim()))
        .unwrap_or_else(|| gitdir.clone());
    let name = top.file_name()?.to_string_lossy().into_owned();
    let head = std::fs::read_to_string(gitdir.join("HEAD")).ok()?;
    let head = head.trim();
    let is_id =
        |s: &str| (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit());
    let commit = match head.strip_prefix("ref:") {
        None => is_id(head).then(|| head.to_string()),
        Some(r) => {
            let r = r.trim();
            std::fs::read_to_string(gitdir.join(r))
                .or_else(|_| std::fs::read_to_string(common.join(r)))
                .ok()
                .map(|id| id.trim().to_string())
                .filter(|id| is_id(id))
                .or_else(|| {
                    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
                    packed.lines().find_map(|l| {
                        let (id, name) = l.split_once(' ')?;
                        (name == r && is_id(id)).then(|| id.to_string())
                    })
                })
        }
    };
    Some((name, commit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_are_relative_with_slashes() {
        let roots = vec![PathBuf::from("fixtures")];
        assert_eq!(
            shown_path(&roots, false, Path::new("fixtures/flask/app.py")),
            "flask/app.py"
        );
        assert_eq!(
            shown_path(&roots, true, Path::new("fixtures/flask/app.py")),
            "fixtures/flask/app.py"
        );
        let two = vec![PathBuf::from("."), PathBuf::from("fixtures/")];
        assert_eq!(
            shown_path(&two, true, Path::new("./fixtures/a.py")),
            "fixtures/a.py"
        );
        assert_eq!(
            shown_path(&two[1..], true, Path::new("fixtures/a.py")),
            "fixtures/a.py"
        );
        let dot = vec![PathBuf::from(".")];
        assert_eq!(shown_path(&dot, false, Path::new("./a/b.py")), "a/b.py");
        let file = vec![PathBuf::from("conf/app.env")];
        assert_eq!(
            shown_path(&file, false, Path::new("conf/app.env")),
            "conf/app.env"
        );
    }
}
