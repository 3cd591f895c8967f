//! The filesystem source: the files under the scan's roots, found in parallel with the
//! `ignore` crate (honours `.gitignore`, `.ignore` and hidden-file rules like ripgrep).

use super::source::{Body, Exclude, Item, Source};
use crate::error::Result;
use crate::paths::{prefixed, shown_path, slashes};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Clone, Debug)]
pub(crate) struct WalkOptions {
    pub roots: Vec<PathBuf>,
    pub hidden: bool,
    pub no_ignore: bool,
    pub threads: usize,
    /// Files never scanned (the ring file itself).
    pub exclude: Vec<PathBuf>,
    /// Paths never scanned, from `.stalekey.toml`.
    pub exclude_globs: Option<ignore::overrides::Override>,
}

/// The walk as a [`Source`]: every file under the roots, from `threads` threads.
pub(crate) struct Walk {
    pub opts: WalkOptions,
}

impl Source for Walk {
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()> {
        walk(&self.opts, emit);
        Ok(())
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.opts.roots.clone()
    }

    fn base(&self) -> PathBuf {
        match self.opts.roots.as_slice() {
            [one] if one.is_dir() => one.clone(),
            // A file, or several roots: shown paths are the paths as given.
            _ => PathBuf::from("."),
        }
    }

    fn emits_in_parallel(&self) -> bool {
        true
    }
}

fn walk(opts: &WalkOptions, emit: &(dyn Fn(Item) + Sync)) {
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
        // .gitignore files count only inside a git repository, as in ripgrep.
        .require_git(true)
        .follow_links(false)
        .threads(opts.threads.max(1));
    if let Some(globs) = &opts.exclude_globs {
        builder.overrides(globs.clone());
    }
    builder.filter_entry(move |e| {
        let name = e.file_name();
        if name == ".git" {
            return false;
        }
        show_hidden
            || !is_hidden(name)
            || match e.file_type() {
                Some(t) if t.is_dir() => is_credential_dir(name),
                Some(_) => is_dotenv_name(name) || is_credential_file(name),
                None => false,
            }
    });
    let exclude = Exclude::new(&opts.exclude);
    let multi = opts.roots.len() > 1;
    // Overlapping roots (`scan . src`, or one root twice) must not scan a file twice,
    // and the file's shown path must not depend on which walker reached it first.
    let namer = Namer::new(&opts.roots);
    let seen: Mutex<HashSet<PathBuf>> = Mutex::default();
    let name = |path: &Path| -> Option<String> {
        if !multi {
            return Some(shown_path(&opts.roots, false, path));
        }
        let (shown, key) = namer.name(path);
        seen.lock().unwrap().insert(key).then_some(shown)
    };
    let name = &name;
    let exclude = &exclude;
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            match entry {
                Ok(e) => {
                    // A path given explicitly is scanned whatever it is (a symlink, a
                    // pipe from `<(...)`) unless it is a directory; inside a tree only
                    // regular files are.
                    let given = e.depth() == 0 && !e.path().is_dir();
                    if given || e.file_type().is_some_and(|t| t.is_file()) {
                        let path = e.path().to_path_buf();
                        if exclude.contains(&path) {
                            return ignore::WalkState::Continue;
                        }
                        let Some(shown) = name(&path) else {
                            return ignore::WalkState::Continue;
                        };
                        emit(Item {
                            shown,
                            path,
                            body: Body::File,
                            commit: None,
                        });
                    } else if let Some(kind) = e.file_type().and_then(special_kind) {
                        // A device, FIFO or socket inside a tree: never opened (a FIFO
                        // blocks, /dev/zero never ends), counted as skipped.
                        let path = e.path().to_path_buf();
                        if let Some(shown) = name(&path) {
                            emit(Item {
                                shown,
                                path,
                                body: Body::Special(kind),
                                commit: None,
                            });
                        }
                    }
                }
                Err(err) => {
                    let path = error_path(&err);
                    let shown = match &path {
                        Some(p) => match name(p) {
                            Some(shown) => shown,
                            None => return ignore::WalkState::Continue,
                        },
                        None => "?".into(),
                    };
                    emit(Item {
                        shown,
                        path: path.unwrap_or_default(),
                        body: Body::Unreadable(error_message(&err)),
                        commit: None,
                    });
                }
            }
            ignore::WalkState::Continue
        })
    });
}

/// What a file that is not a regular file, directory or symlink is.
pub(crate) fn special_kind(t: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return Some("character device");
        }
        if t.is_block_device() {
            return Some("block device");
        }
        if t.is_fifo() {
            return Some("FIFO");
        }
        if t.is_socket() {
            return Some("socket");
        }
    }
    let _ = t;
    None
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// `.env`, `.env.local`, `.env.production`, `.envrc`: hidden by name, but the place
/// where keys live (SPEC §3), so the default walk scans them like any other file.
pub(crate) fn is_dotenv_name(name: &std::ffi::OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name == b".env" || name == b".envrc" || name.starts_with(b".env.")
}

/// Hidden files that hold credentials (SPEC §3): scanned by default, while other hidden
/// files need `--hidden`.
const CREDENTIAL_FILES: &[&str] = &[
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    ".pypirc",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".dockercfg",
    ".gitlab-ci.yml",
    ".travis.yml",
];

/// Hidden directories that hold credentials or CI configuration.
const CREDENTIAL_DIRS: &[&str] = &[
    ".aws",
    ".kube",
    ".docker",
    ".github",
    ".circleci",
    ".buildkite",
    ".devcontainer",
];

fn is_credential_file(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| CREDENTIAL_FILES.contains(&n))
}

fn is_credential_dir(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| CREDENTIAL_DIRS.contains(&n))
}

/// Names files found under several roots: by the first root (in the order given) that
/// holds the file's canonical path, so that a file reached from two overlapping roots
/// gets one name and one dedup key whichever walker thread reaches it first.
struct Namer<'a> {
    roots: &'a [PathBuf],
    canonical: Vec<Option<PathBuf>>,
}

impl<'a> Namer<'a> {
    fn new(roots: &'a [PathBuf]) -> Self {
        let canonical = roots.iter().map(|r| r.canonicalize().ok()).collect();
        Namer { roots, canonical }
    }

    /// The shown path and the key that identifies the file.
    fn name(&self, path: &Path) -> (String, PathBuf) {
        let key = canonical(path);
        for (root, croot) in self.roots.iter().zip(&self.canonical) {
            if let Some(rel) = croot.as_ref().and_then(|c| key.strip_prefix(c).ok()) {
                return (prefixed(root, &slashes(rel)), key);
            }
        }
        (shown_path(self.roots, true, path), key)
    }
}

/// The canonical path, or for a path that cannot be resolved (a dangling entry), its
/// canonical parent joined with its name.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| {
        match (
            path.parent().and_then(|p| p.canonicalize().ok()),
            path.file_name(),
        ) {
            (Some(parent), Some(name)) => parent.join(name),
            _ => path.to_path_buf(),
        }
    })
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
}
