//! Walk: the files to scan, found in parallel with the `ignore` crate (honours
//! `.gitignore`, `.ignore` and hidden-file rules like ripgrep).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub roots: Vec<PathBuf>,
    pub hidden: bool,
    pub no_ignore: bool,
    pub threads: usize,
    /// Files never scanned (the ring file itself).
    pub exclude: Vec<PathBuf>,
}

/// One thing the walk found.
pub enum WalkItem {
    /// A file, with its path for reports (relative to its root, `/`-separated).
    File { path: PathBuf, shown: String },
    /// A directory or file that could not be listed or inspected.
    Error { shown: String, message: String },
}

/// Calls `visit` for every file under the roots, from `threads` threads.
pub fn walk(opts: &WalkOptions, visit: impl Fn(WalkItem) + Sync) {
    let Some((first, rest)) = opts.roots.split_first() else {
        return;
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    let ignore = !opts.no_ignore;
    let show_hidden = opts.hidden;
    builder
        // Hidden entries are filtered below, so that `.env` files are not hidden.
        .hidden(false)
        .ignore(ignore)
        .git_ignore(ignore)
        .git_global(ignore)
        .git_exclude(ignore)
        .parents(ignore)
        .require_git(false)
        .follow_links(false)
        .threads(opts.threads.max(1))
        .filter_entry(move |e| {
            let name = e.file_name();
            if name == ".git" {
                return false;
            }
            show_hidden
                || !is_hidden(name)
                || (e.file_type().is_some_and(|t| !t.is_dir()) && is_dotenv_name(name))
        });
    let exclude: Vec<PathBuf> = opts
        .exclude
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let multi = opts.roots.len() > 1;
    // Overlapping roots (`scan . src`, or one root twice) must not scan a file twice.
    let seen: Option<Mutex<HashSet<PathBuf>>> = multi.then(Default::default);
    let first_visit = |path: &Path| match &seen {
        None => true,
        Some(seen) => {
            let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            seen.lock().unwrap().insert(key)
        }
    };
    let first_visit = &first_visit;
    let visit = &visit;
    let exclude = &exclude;
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            match entry {
                Ok(e) => {
                    if e.file_type().is_some_and(|t| t.is_file()) {
                        let path = e.path().to_path_buf();
                        if !exclude.is_empty()
                            && path.canonicalize().is_ok_and(|c| exclude.contains(&c))
                        {
                            return ignore::WalkState::Continue;
                        }
                        if !first_visit(&path) {
                            return ignore::WalkState::Continue;
                        }
                        let shown = shown_path(&opts.roots, multi, &path);
                        visit(WalkItem::File { path, shown });
                    }
                }
                Err(err) => {
                    let path = error_path(&err);
                    if path.as_deref().is_some_and(|p| !first_visit(p)) {
                        return ignore::WalkState::Continue;
                    }
                    let shown = path
                        .map(|p| shown_path(&opts.roots, multi, &p))
                        .unwrap_or_else(|| "?".into());
                    visit(WalkItem::Error {
                        shown,
                        message: error_message(&err),
                    });
                }
            }
            ignore::WalkState::Continue
        })
    });
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// `.env`, `.env.local`, `.env.production`, `.envrc`: hidden by name, but the place
/// where keys live (SPEC §3), so the default walk scans them like any other file.
pub fn is_dotenv_name(name: &std::ffi::OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name == b".env" || name == b".envrc" || name.starts_with(b".env.")
}

/// The path as reports show it: relative to the root it was found under; with several
/// roots, prefixed by that root as given.
pub fn shown_path(roots: &[PathBuf], multi: bool, path: &Path) -> String {
    for root in roots {
        if let Ok(rel) = path.strip_prefix(root) {
            let rel = slashes(rel);
            if rel.is_empty() {
                return slashes(root);
            }
            return if multi {
                format!("{}/{rel}", slashes(root).trim_end_matches('/'))
            } else {
                rel
            };
        }
    }
    slashes(path)
}

fn slashes(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_message(err)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn dotenv_files_are_not_hidden() {
        for name in [".env", ".env.local", ".env.production", ".envrc"] {
            assert!(is_dotenv_name(OsStr::new(name)), "{name}");
        }
        for name in [".environment", ".envoy", "app.env", ".git", ".hidden"] {
            assert!(!is_dotenv_name(OsStr::new(name)), "{name}");
        }
        assert!(is_hidden(OsStr::new(".env")));
        assert!(!is_hidden(OsStr::new("env")));
    }

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
        let dot = vec![PathBuf::from(".")];
        assert_eq!(shown_path(&dot, false, Path::new("./a/b.py")), "a/b.py");
        let file = vec![PathBuf::from("conf/app.env")];
        assert_eq!(
            shown_path(&file, false, Path::new("conf/app.env")),
            "conf/app.env"
        );
    }
}
