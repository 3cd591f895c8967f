//! Ignoring findings (SPEC §4): `.stalekeyignore` at a scan root, and an inline
//! `stalekey:allow` comment on the line of a finding.
//!
//! `.stalekeyignore` holds one entry a line, `#` starts a comment:
//!
//! ```text
//! sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08   # a value, anywhere
//! sha256-48:9f86d081884c                                                   # an untracked value, as reports show it
//! tests/fixtures/app.py:12:python-secret-key                               # one place
//! ```
//!
//! Ignored findings are never silently dropped: they are counted in the report's stats
//! (`ignored`). A malformed line is a warning naming the file and the line.

use crate::finding::Finding;
use crate::paths::shown_path;
use crate::secret::{Fingerprint, TRUNCATED_PREFIX};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The file name looked for at each scan root.
pub(crate) const IGNORE_FILE: &str = ".stalekeyignore";
/// The inline marker: a finding on a line holding it is ignored.
pub(crate) const INLINE_ALLOW: &[u8] = b"stalekey:allow";

/// What to ignore, from every root's `.stalekeyignore`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ignores {
    fingerprints: HashSet<Fingerprint>,
    /// Truncated fingerprints of untracked secrets, as reports show them.
    truncated: HashSet<String>,
    /// (path as reports show it, line, rule)
    places: HashSet<(String, u32, String)>,
    /// The ignore files read (never scanned themselves).
    pub files: Vec<PathBuf>,
}

impl Ignores {
    /// Reads `.stalekeyignore` at each directory root; `multi` as in
    /// [`shown_path`]: with several roots, report paths are prefixed by their root.
    pub(crate) fn load(roots: &[PathBuf]) -> (Ignores, Vec<String>) {
        let mut out = Ignores::default();
        let mut warnings = Vec::new();
        let multi = roots.len() > 1;
        for root in roots {
            if !root.is_dir() {
                continue;
            }
            let file = root.join(IGNORE_FILE);
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    warnings.push(format!("{}: cannot read: {e}", file.display()));
                    continue;
                }
            };
            // The prefix report paths carry for this root: "" for a single root.
            let prefix = if multi {
                let shown = shown_path(roots, multi, &root.join("x"));
                shown.strip_suffix('x').unwrap_or("").to_string()
            } else {
                String::new()
            };
            warnings.extend(out.add(&text, &file.display().to_string(), &prefix));
            out.files.push(file);
        }
        (out, warnings)
    }

    /// Reads a `.stalekeyignore` of the repository root for `--staged` (paths are
    /// relative to the root, as staged reports show them).
    pub(crate) fn load_file(file: &Path) -> (Ignores, Vec<String>) {
        let mut out = Ignores::default();
        match std::fs::read_to_string(file) {
            Ok(text) => {
                let warnings = out.add(&text, &file.display().to_string(), "");
                out.files.push(file.to_path_buf());
                (out, warnings)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (out, Vec::new()),
            Err(e) => (out, vec![format!("{}: cannot read: {e}", file.display())]),
        }
    }

    /// Adds the entries of one file's text; returns warnings for malformed lines.
    pub(crate) fn add(&mut self, text: &str, shown: &str, prefix: &str) -> Vec<String> {
        let mut warnings = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = match raw.find(" #").or_else(|| raw.find("\t#")) {
                Some(at) => &raw[..at],
                None => raw,
            }
            .trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(hex) = line.strip_prefix(TRUNCATED_PREFIX) {
                if hex.len() == 12
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    self.truncated.insert(line.to_string());
                } else {
                    warnings.push(format!(
                        "{shown}:{n}: bad fingerprint: {TRUNCATED_PREFIX} takes 12 lowercase hex digits"
                    ));
                }
                continue;
            }
            if line.starts_with("sha256:") {
                match Fingerprint::parse(line) {
                    Ok(fp) => {
                        self.fingerprints.insert(fp);
                    }
                    Err(e) => warnings.push(format!("{shown}:{n}: bad fingerprint: {e}")),
                }
                continue;
            }
            let mut parts = line.rsplitn(3, ':');
            let (rule, num, path) = (parts.next(), parts.next(), parts.next());
            match (rule, num.map(|l| l.parse::<u32>()), path) {
                (Some(rule), Some(Ok(num)), Some(path))
                    if num > 0 && !rule.is_empty() && !path.is_empty() =>
                {
                    let path = path.strip_prefix("./").unwrap_or(path).replace('\\', "/");
                    self.places
                        .insert((format!("{prefix}{path}"), num, rule.to_string()));
                }
                _ => warnings.push(format!(
                    "{shown}:{n}: expected `sha256:<64 hex digits>` or `path:line:rule`, skipped"
                )),
            }
        }
        warnings
    }

    /// Is this finding ignored by the file (not by an inline comment)?
    pub(crate) fn matches(&self, f: &Finding) -> bool {
        f.fingerprint.is_some_and(|fp| {
            self.fingerprints.contains(&fp)
                || (!self.truncated.is_empty() && self.truncated.contains(&fp.truncated()))
        }) || (!self.places.is_empty()
            && self.places.contains(&(
                f.location.path.clone(),
                f.location.line,
                f.detail.rule.clone(),
            )))
    }

    /// Drops the ignored findings of one document, whose `stalekey:allow` lines are
    /// `allowed`; returns the rest and how many went.
    pub(crate) fn filter(
        &self,
        findings: Vec<Finding>,
        allowed: &HashSet<u32>,
    ) -> (Vec<Finding>, u64) {
        let before = findings.len();
        let kept: Vec<Finding> = findings
            .into_iter()
            .filter(|f| !(allowed.contains(&f.location.line) || self.matches(f)))
            .collect();
        let ignored = (before - kept.len()) as u64;
        (kept, ignored)
    }
}

/// The 1-based lines that carry `stalekey:allow`.
pub(crate) fn allowed_lines(bytes: &[u8]) -> HashSet<u32> {
    let mut out = HashSet::new();
    for at in memchr::memmem::find_iter(bytes, INLINE_ALLOW) {
        let line = memchr::memchr_iter(b'\n', &bytes[..at]).count() as u32 + 1;
        out.insert(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Detail, Kind, Location, Severity, Verdict};
    use crate::format::Format;

    const FP: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn finding(path: &str, line: u32, rule: &str, fp: Option<&str>) -> Finding {
        Finding {
            location: Location {
                path: path.into(),
                line,
                column: 1,
                char_column: 1,
            },
            verdict: Verdict::Untracked,
            severity: Severity::Medium,
            format: Format::Python,
            detail: Detail::new(Kind::Literal, rule),
            fingerprint: fp.map(|f| Fingerprint::parse(f).unwrap()),
            key: None,
            preview: None,
            commit: None,
        }
    }

    #[test]
    fn entries_and_malformed_lines() {
        let mut ig = Ignores::default();
        let text = format!(
            "# comment\n{FP}  # test key\n./a/b.py:3:python-secret-key\nsha256:nothex\nnot an entry\na.py:0:r\nc:d.py:7:r\n"
        );
        let w = ig.add(&text, ".stalekeyignore", "");
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].starts_with(".stalekeyignore:4: bad fingerprint"));
        assert!(w[1].starts_with(".stalekeyignore:5: expected"));
        assert!(w[2].starts_with(".stalekeyignore:6: expected"));
        assert!(ig.matches(&finding("x.py", 9, "r", Some(FP))));
        assert!(ig.matches(&finding("a/b.py", 3, "python-secret-key", None)));
        assert!(!ig.matches(&finding("a/b.py", 4, "python-secret-key", None)));
        assert!(ig.matches(&finding("c:d.py", 7, "r", None)));
    }

    #[test]
    fn inline_allow_and_counts() {
        let ig = Ignores::default();
        let bytes = b"a = 1\nKEY = 'x' # stalekey:allow\nB = 2\n";
        let (kept, ignored) = ig.filter(
            vec![finding("f", 2, "r", None), finding("f", 3, "r", None)],
            &allowed_lines(bytes),
        );
        assert_eq!(ignored, 1);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].location.line, 3);
    }
}
