//! `.stalekey.toml`: a project's defaults for scan and gate, found like the ring (from
//! the first scan root, or the current directory for `--staged`, up to the git
//! top-level), parsed strictly. The command line overrides each setting.
//!
//! ```toml
//! ring = ".stalekey/ring.json"      # relative to this file
//! fail_on = ["compromised", "stale", "expiring"]
//! exclude = ["vendor/", "*.min.js"] # gitignore-style, relative to this file
//! rules = "stalekey-rules"          # extra rule files, relative to this file
//! ```

use crate::error::{Error, Result};
use crate::ring::discover::{discover_named, Discovery};
use crate::ring::without_values;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file looked for.
pub(super) const PROJECT_FILE: &str = ".stalekey.toml";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    ring: Option<PathBuf>,
    fail_on: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    rules: Option<PathBuf>,
}

/// A project's settings, paths resolved against the file's directory.
#[derive(Default)]
pub(super) struct Project {
    pub ring: Option<PathBuf>,
    pub fail_on: Option<Vec<String>>,
    /// Gitignore-style patterns of paths never scanned, and the directory they are
    /// relative to.
    pub exclude: Vec<String>,
    pub dir: PathBuf,
    pub rules: Option<PathBuf>,
}

impl Project {
    /// The `.stalekey.toml` found from `start`, or none.
    pub(super) fn find(start: &Path) -> Result<Project> {
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        match discover_named(start, &cwd, PROJECT_FILE) {
            Discovery::Found { shown, .. } => Self::load(&shown),
            Discovery::NotFound { .. } => Ok(Project::default()),
        }
    }

    fn load(path: &Path) -> Result<Project> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    fn parse(text: &str, path: &Path) -> Result<Project> {
        let file: File = toml::from_str(text).map_err(|e| {
            // The message quotes the offending line; keep only its words, no values.
            let first = e.message().lines().next().unwrap_or("invalid");
            let at = e
                .span()
                .map(|s| format!(" at line {}", text[..s.start].matches('\n').count() + 1))
                .unwrap_or_default();
            Error::Usage(format!("{}: {}{at}", path.display(), without_values(first)))
        })?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(Project {
            ring: file.ring.map(|r| dir.join(r)),
            fail_on: file.fail_on,
            exclude: file.exclude,
            rules: file.rules.map(|r| dir.join(r)),
            dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_resolve_against_the_file() {
        let p = Project::parse(
            "ring = 'keys/ring.json'\nfail_on = ['stale']\nexclude = ['vendor/']\nrules = 'r'\n",
            Path::new("proj/.stalekey.toml"),
        )
        .unwrap();
        assert_eq!(p.ring, Some(PathBuf::from("proj/keys/ring.json")));
        assert_eq!(p.rules, Some(PathBuf::from("proj/r")));
        assert_eq!(p.fail_on, Some(vec!["stale".to_string()]));
        assert_eq!(p.exclude, ["vendor/"]);
        assert_eq!(p.dir, PathBuf::from("proj"));
    }

    #[test]
    fn unknown_fields_are_errors_naming_the_file_and_line() {
        let e = Project::parse(
            "ring = 'r.json'\nfail-on = ['stale']\n",
            Path::new("p/.stalekey.toml"),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.starts_with("p/.stalekey.toml: unknown field `fail-on`"),
            "{e}"
        );
        assert!(e.contains("at line 2"), "{e}");
        let e = Project::parse("ring = 42\n", Path::new(".stalekey.toml"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("invalid type"), "{e}");
    }
}
