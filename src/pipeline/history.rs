//! `scan --history`: every blob reachable from the refs, each distinct blob read once.
//!
//! One `git log --raw -m` lists, for every commit, the blobs it records at each path
//! (merges against each parent, so a blob a merge introduces is seen too); the first
//! commit by commit time that records a blob at a path introduced it there. A blob seen
//! under several paths is read once: at its HEAD path when HEAD still holds it (so a
//! finding is reported once, as in a normal scan, plus where it came from), else at the
//! path that introduced it first. Blobs come from one `git cat-file --batch`, in
//! constant memory (large ones are spooled and streamed for ring keys).
//!
//! Why the git command line and not `gix`: `git log --raw` walks packfiles with git's
//! own commit-graph and delta caches, which makes the listing a fraction of the scan
//! (about 0.2 s for flask's 5,000 commits here); the two processes cost milliseconds;
//! and shallow clones, alternates, worktrees and partial clones behave exactly as git
//! does, where gix would add a hundred crates and minutes to a 2-core CI build.

use super::git::{git_in, read_blobs, run_git, Blob};
use super::source::{Body, Item, Source};
use crate::error::Result;
use crate::finding::{CommitRef, Finding, Kind};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A repository's history as a [`Source`].
pub(crate) struct History {
    /// A directory inside the repository.
    pub dir: PathBuf,
    /// `--branch REF`: only what REF reaches (default: every ref).
    pub branch: Option<String>,
    /// `--since DATE`: only commits after it.
    pub since: Option<String>,
    /// `--max-count N`: at most N commits.
    pub max_count: Option<u64>,
    pub max_filesize: Option<u64>,
}

/// What `git log --raw` says about one blob at one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Introduced {
    pub oid: String,
    pub path: String,
    pub commit: String,
    pub time: i64,
}

/// Parses `git log --format=%x01%H %ct --raw -z --cc` output into the first commit (by
/// time, then id) that recorded each (blob, path); counts submodule entries.
pub(crate) fn parse_log(out: &[u8]) -> (Vec<Introduced>, u64) {
    let mut first: HashMap<(String, String), (i64, String)> = HashMap::new();
    let mut submodules = std::collections::HashSet::new();
    let mut commit: Option<(String, i64)> = None;
    let mut fields = out.split(|&b| b == 0);
    while let Some(field) = fields.next() {
        let field = field.strip_prefix(b"\n").unwrap_or(field);
        if let Some(header) = field.strip_prefix(b"\x01") {
            let text = String::from_utf8_lossy(header);
            let mut parts = text.split(' ');
            let id = parts.next().unwrap_or("").to_string();
            let time = parts
                .next()
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0);
            commit = Some((id, time));
            continue;
        }
        // `:old new oid oid status` for a commit, or a merge's combined form with one
        // colon, mode and oid per parent: `::p1 p2 result o1 o2 result MM`.
        let parents = field.iter().take_while(|&&b| b == b':').count();
        if parents == 0 {
            continue;
        }
        let Some(path) = fields.next() else { break };
        let meta = String::from_utf8_lossy(&field[parents..]);
        let parts: Vec<&str> = meta.split(' ').collect();
        let (Some((id, time)), Some(new_mode), Some(new_oid), Some(status)) = (
            &commit,
            parts.get(parents),
            parts.get(2 * parents + 1),
            parts.get(2 * parents + 2),
        ) else {
            continue;
        };
        if status.starts_with('D') || new_mode.bytes().all(|b| b == b'0') {
            continue;
        }
        let path = String::from_utf8_lossy(path).into_owned();
        if *new_mode == "160000" {
            submodules.insert(path);
            continue;
        }
        if !new_mode.starts_with("100") {
            continue; // symbolic links
        }
        let entry = first
            .entry((new_oid.to_string(), path))
            .or_insert((*time, id.clone()));
        if (*time, id) < (entry.0, &entry.1) {
            *entry = (*time, id.clone());
        }
    }
    let mut all: Vec<Introduced> = first
        .into_iter()
        .map(|((oid, path), (time, commit))| Introduced {
            oid,
            path,
            commit,
            time,
        })
        .collect();
    all.sort_by(|a, b| (&a.oid, a.time, &a.path).cmp(&(&b.oid, b.time, &b.path)));
    (all, submodules.len() as u64)
}

/// For each distinct blob, the one place it is read at: its HEAD path if HEAD holds
/// it, else where it first appeared. `head` maps blob ids to their HEAD paths.
pub(crate) fn choose(
    all: Vec<Introduced>,
    head: &HashMap<String, Vec<String>>,
) -> Vec<(Introduced, bool)> {
    let mut out: Vec<(Introduced, bool)> = Vec::new();
    for group in all.chunk_by(|a, b| a.oid == b.oid) {
        let at_head = head.get(&group[0].oid).and_then(|paths| {
            group
                .iter()
                .filter(|i| paths.contains(&i.path))
                .min_by(|a, b| (a.time, &a.path).cmp(&(b.time, &b.path)))
        });
        let is_head = at_head.is_some();
        let pick = at_head.unwrap_or_else(|| {
            group
                .iter()
                .min_by(|a, b| (a.time, &a.commit, &a.path).cmp(&(b.time, &b.commit, &b.path)))
                .expect("a group is never empty")
        });
        out.push((pick.clone(), is_head));
    }
    out.sort_by(|a, b| a.0.path.cmp(&b.0.path).then(a.0.oid.cmp(&b.0.oid)));
    out
}

/// One finding per secret per path: a value that stays in a file across many commits
/// is in many blobs, each scanned once, and reported once. The kept finding is the one
/// HEAD holds if any (a consumer now, at its current line), attributed to the earliest
/// commit that brought the value to that path.
pub(crate) fn collapse(findings: Vec<Finding>) -> Vec<Finding> {
    type Key = (
        String,
        String,
        Kind,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let key = |f: &Finding| -> Key {
        (
            f.location.path.clone(),
            f.detail.rule.clone(),
            f.detail.kind,
            f.detail.name.clone(),
            f.fingerprint.map(|fp| fp.to_string()),
            f.key.as_ref().map(|k| k.id.clone()),
        )
    };
    // HEAD's first, then the earliest commit.
    let rank = |c: &CommitRef| (!c.at_head, c.time, c.id.clone());
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut index: HashMap<Key, usize> = HashMap::new();
    for f in findings {
        let Some(new) = f.commit.clone() else {
            kept.push(f);
            continue;
        };
        let k = key(&f);
        let Some(&i) = index.get(&k) else {
            index.insert(k, kept.len());
            kept.push(f);
            continue;
        };
        let old = kept[i]
            .commit
            .clone()
            .expect("grouped findings have commits");
        let earliest = if (new.time, &new.id) < (old.time, &old.id) {
            &new
        } else {
            &old
        };
        let commit = CommitRef {
            at_head: old.at_head || new.at_head,
            ..earliest.clone()
        };
        if rank(&new) < rank(&old) {
            kept[i] = f;
        }
        kept[i].commit = Some(commit);
    }
    kept
}

impl History {
    fn root(&self) -> Result<PathBuf> {
        let out = run_git(
            &mut git_in(&self.dir, &["rev-parse", "--show-toplevel"]),
            &format!(
                "--history: git rev-parse in {} (is it a git repository?)",
                self.dir.display()
            ),
        )?;
        Ok(PathBuf::from(
            String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r']),
        ))
    }

    fn log(&self, root: &std::path::Path) -> Result<Vec<u8>> {
        let mut args: Vec<String> = [
            "-c",
            "core.quotePath=false",
            "log",
            "--format=%x01%H %ct",
            "--raw",
            "-z",
            // A merge lists only the paths where it differs from every parent (a
            // conflict's resolution): what a merge brings from one side was introduced
            // by that side's commits, which are listed too. (`-m`, a diff against each
            // parent, costs 2.8 times as long on pallets/flask for the same blobs.)
            "--cc",
            "--no-renames",
            "--no-abbrev",
            "--no-ext-diff",
            "--no-textconv",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(n) = self.max_count {
            args.push(format!("--max-count={n}"));
        }
        if let Some(since) = &self.since {
            args.push(format!("--since={since}"));
        }
        match &self.branch {
            Some(b) => {
                args.push("--end-of-options".into());
                args.push(b.clone());
            }
            None => args.push("--all".into()),
        }
        args.push("--".into());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run_git(&mut git_in(root, &refs), "--history: git log")
    }

    /// Is this a shallow clone (`git clone --depth N`)?
    fn is_shallow(&self, root: &std::path::Path) -> bool {
        run_git(
            &mut git_in(root, &["rev-parse", "--is-shallow-repository"]),
            "git rev-parse",
        )
        .is_ok_and(|out| out.trim_ascii() == b"true")
    }

    /// Blob ids at HEAD and their paths; empty in a repository without commits.
    fn head(&self, root: &std::path::Path) -> HashMap<String, Vec<String>> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let Ok(out) = run_git(
            &mut git_in(root, &["ls-tree", "-r", "-z", "--full-tree", "HEAD"]),
            "git ls-tree",
        ) else {
            return map;
        };
        for entry in out.split(|&b| b == 0) {
            let Some(tab) = memchr::memchr(b'\t', entry) else {
                continue;
            };
            let meta = String::from_utf8_lossy(&entry[..tab]);
            if let [_, "blob", oid] = meta.split(' ').collect::<Vec<_>>().as_slice() {
                map.entry(oid.to_string())
                    .or_default()
                    .push(String::from_utf8_lossy(&entry[tab + 1..]).into_owned());
            }
        }
        map
    }
}

impl Source for History {
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()> {
        let root = self.root()?;
        let (all, submodules) = parse_log(&self.log(&root)?);
        if all.is_empty() && self.branch.is_none() && self.since.is_none() {
            // No commits at all is not an error, but say so.
            emit(Item {
                shown: ".".into(),
                path: root.clone(),
                body: Body::Special("repository without commits"),
                commit: None,
            });
            return Ok(());
        }
        if self.is_shallow(&root) {
            // The boundary commits hold every blob they inherited: what is found there
            // may have been committed earlier, in history this clone does not have.
            emit(Item {
                shown: "(shallow clone)".into(),
                path: root.clone(),
                body: Body::Special(
                    "shallow clone's missing history (git fetch --unshallow): keys found in its boundary commits may have been committed earlier",
                ),
                commit: None,
            });
        }
        for _ in 0..submodules {
            emit(Item {
                shown: "(submodule)".into(),
                path: root.clone(),
                body: Body::Special("submodule, not followed"),
                commit: None,
            });
        }
        let head = self.head(&root);
        let blobs: Vec<Blob> = choose(all, &head)
            .into_iter()
            .map(|(i, at_head)| {
                let commit = Arc::new(CommitRef {
                    id: i.commit,
                    time: i.time,
                    path: i.path.clone(),
                    at_head,
                });
                Blob {
                    path: i.path,
                    oid: i.oid,
                    commit: Some(commit),
                }
            })
            .collect();
        let lfs = |item: Item| match &item.body {
            Body::Bytes(b) if b.starts_with(b"version https://git-lfs.github.com/spec/") => {
                emit(Item {
                    body: Body::Special("Git LFS pointer, not fetched"),
                    ..item
                })
            }
            _ => emit(item),
        };
        read_blobs(&root, &blobs, self.max_filesize, "--history", &lfs)
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.root().map(|r| vec![r]).unwrap_or_default()
    }

    fn base(&self) -> PathBuf {
        self.root().unwrap_or_else(|_| self.dir.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_commit_by_time_per_blob_and_path() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let z = "0".repeat(40);
        let log = format!(
            "\x01c3 300\0\n:100644 100644 {a} {b} M\0x.py\0:100644 000000 {a} {z} D\0old.py\0\x01c2 200\0\n:000000 100644 {z} {a} A\0x.py\0:000000 160000 {z} {b} A\0vendor/lib\0\x01c1 100\0\n:000000 100644 {z} {a} A\0old.py\0\x01c0 50\0"
        );
        let (all, subs) = parse_log(log.as_bytes());
        assert_eq!(subs, 1);
        let got: Vec<(&str, &str, &str, i64)> = all
            .iter()
            .map(|i| (&i.oid[..1], i.path.as_str(), i.commit.as_str(), i.time))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", "old.py", "c1", 100),
                ("a", "x.py", "c2", 200),
                ("b", "x.py", "c3", 300)
            ]
        );
        // Blob a at two paths is read once: where it first appeared, or at HEAD.
        let chosen = choose(all.clone(), &HashMap::new());
        assert_eq!(chosen.iter().filter(|i| i.0.oid == a).count(), 1);
        let at = chosen.iter().find(|i| i.0.oid == a).unwrap();
        assert_eq!((at.0.path.as_str(), at.1), ("old.py", false));
        let head = HashMap::from([(a.clone(), vec!["x.py".to_string()])]);
        let chosen = choose(all, &head);
        let at = chosen.iter().find(|i| i.0.oid == a).unwrap();
        assert_eq!(
            (at.0.path.as_str(), at.0.commit.as_str(), at.1),
            ("x.py", "c2", true)
        );
    }

    #[test]
    fn a_merge_s_combined_lines_give_the_result_blob() {
        let (a, b, c) = ("a".repeat(40), "b".repeat(40), "c".repeat(40));
        let z = "0".repeat(40);
        let log = format!(
            "\x01m 400\0\n::100644 100644 100644 {a} {b} {c} MM\0conflict.py\0::100644 100644 000000 {a} {b} {z} DD\0gone.py\0"
        );
        let (all, _) = parse_log(log.as_bytes());
        let got: Vec<(&str, &str)> = all.iter().map(|i| (&i.oid[..1], i.path.as_str())).collect();
        assert_eq!(got, vec![("c", "conflict.py")]);
    }
}
