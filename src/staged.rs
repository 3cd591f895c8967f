//! `--staged`: scan what `git commit` would record, not the working tree (pre-commit).
//!
//! The files a commit changes are listed with `git diff --cached --raw -z --no-renames
//! --no-abbrev --diff-filter=ACM` (added, copied, modified: one command gives each path
//! and its blob id in the index), and their bytes come from a single `git cat-file
//! --batch` process. Each blob then goes through [`scan::scan_document`], the same pure
//! step as a walked file, so the pipeline is not forked. Paths are relative to the
//! repository root, as git prints them.
//!
//! Why `git` subprocesses rather than the `gix` crate: a pre-commit hook always runs
//! where git is installed; two processes cost a few milliseconds whatever the size of
//! the repository (only the staged blobs are read); and `git` honours everything a hook
//! is run with (`GIT_INDEX_FILE` of `git commit -a`, `GIT_DIR`, worktrees, split or
//! sparse indexes) without stalekey re-implementing it, where gix would add some hundred
//! crates to the build.

use crate::error::{Error, Result};
use crate::extract::Extractors;
use crate::format::Format;
use crate::ignorefile::Ignores;
use crate::ring::Ring;
use crate::scan::{guarded, scan_document, ScanOutcome, Stats};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Like `read.rs`: the leading bytes that decide whether a blob is binary.
const BINARY_PROBE: usize = 8192;

pub struct StagedOptions {
    /// Pathspecs limiting the scan (relative to the current directory, as git reads them).
    pub pathspecs: Vec<PathBuf>,
    pub max_filesize: Option<u64>,
    pub threads: usize,
    /// Files never scanned (the ring, ignore files), compared after canonicalizing.
    pub exclude: Vec<PathBuf>,
    pub ignores: Ignores,
}

/// A staged file: its path from the repository root and its blob id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedEntry {
    pub path: String,
    pub oid: String,
}

fn git(args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(args);
    cmd
}

fn run_git(cmd: &mut Command, what: &str) -> Result<Vec<u8>> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!("--staged: cannot run git: {e}")))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Usage(format!(
            "--staged: {what} failed: {}",
            msg.trim().lines().next().unwrap_or("git error")
        )));
    }
    Ok(out.stdout)
}

/// The top directory of the repository the current directory is in.
pub fn repo_root() -> Result<PathBuf> {
    let out = run_git(
        git(&["rev-parse", "--show-toplevel"]).stderr(Stdio::piped()),
        "git rev-parse (is this a git repository?)",
    )?;
    let text = String::from_utf8_lossy(&out);
    Ok(PathBuf::from(text.trim_end_matches(['\n', '\r'])))
}

/// The files the next commit adds or changes, with their blob ids in the index.
pub fn staged_entries(pathspecs: &[PathBuf]) -> Result<Vec<StagedEntry>> {
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
    let out = run_git(&mut cmd, "git diff --cached")?;
    Ok(parse_raw_diff(&out))
}

/// Parses `git diff --raw -z` output: `:oldmode newmode oldoid newoid status\0path\0`.
/// Symbolic links and submodules are skipped: their "blob" is not file content.
pub fn parse_raw_diff(out: &[u8]) -> Vec<StagedEntry> {
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

/// A blob read from `git cat-file --batch`, or why it is not scanned.
enum Blob {
    Text(Vec<u8>),
    Binary,
    TooLarge(u64),
    Missing,
}

/// Reads every entry's blob through one `git cat-file --batch`.
fn read_blobs(entries: &[StagedEntry], max_filesize: Option<u64>) -> Result<Vec<Blob>> {
    let mut child = git(&["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Usage(format!("--staged: cannot run git cat-file: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let oids: Vec<u8> = entries
        .iter()
        .flat_map(|e| format!("{}\n", e.oid).into_bytes())
        .collect();
    // Written from another thread: git answers while we write, and both pipes are finite.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&oids);
    });
    let mut out = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped stdout"));
    let mut blobs = Vec::with_capacity(entries.len());
    let broken = |what: &str| Error::Usage(format!("--staged: git cat-file: {what}"));
    for e in entries {
        let mut header = String::new();
        out.read_line(&mut header)
            .map_err(|err| broken(&err.to_string()))?;
        let parts: Vec<&str> = header.trim_end().split(' ').collect();
        match parts.as_slice() {
            [_, "missing"] => blobs.push(Blob::Missing),
            [_, _kind, size] => {
                let size: u64 = size
                    .parse()
                    .map_err(|_| broken(&format!("bad header for {}", e.path)))?;
                let exempt = Format::detect(&e.path, b"") == Format::Sql;
                if max_filesize.is_some_and(|max| size > max) && !exempt {
                    std::io::copy(&mut (&mut out).take(size + 1), &mut std::io::sink())
                        .map_err(|err| broken(&err.to_string()))?;
                    blobs.push(Blob::TooLarge(size));
                    continue;
                }
                let mut bytes = vec![0u8; size as usize];
                out.read_exact(&mut bytes)
                    .map_err(|err| broken(&err.to_string()))?;
                let mut nl = [0u8; 1];
                out.read_exact(&mut nl)
                    .map_err(|err| broken(&err.to_string()))?;
                let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
                if memchr::memchr(0, probe).is_some() {
                    blobs.push(Blob::Binary);
                } else {
                    blobs.push(Blob::Text(bytes));
                }
            }
            _ => return Err(broken(&format!("unexpected answer for {}", e.path))),
        }
    }
    let _ = writer.join();
    drop(out);
    let _ = child.wait();
    Ok(blobs)
}

/// Scans the staged blobs; findings and stats as for a walked tree.
pub fn scan_staged(
    opts: &StagedOptions,
    extractors: &Extractors,
    ring: &Ring,
) -> Result<ScanOutcome> {
    let started = Instant::now();
    let root = repo_root()?;
    let exclude: Vec<PathBuf> = opts
        .exclude
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let entries: Vec<StagedEntry> = staged_entries(&opts.pathspecs)?
        .into_iter()
        .filter(|e| !is_excluded(&root, &e.path, &exclude))
        .collect();
    let blobs = read_blobs(&entries, opts.max_filesize)?;

    let mut stats = Stats::default();
    let mut warnings = Vec::new();
    let mut texts: Vec<(&str, Vec<u8>)> = Vec::new();
    for (e, blob) in entries.iter().zip(blobs) {
        match blob {
            Blob::Text(bytes) => texts.push((&e.path, bytes)),
            Blob::Binary => {
                stats.binary += 1;
                stats.skipped += 1;
            }
            Blob::TooLarge(size) => {
                stats.too_large += 1;
                stats.skipped += 1;
                warnings.push(format!(
                    "{}: skipped: {size} bytes is over --max-filesize",
                    e.path
                ));
            }
            Blob::Missing => {
                stats.unreadable += 1;
                stats.skipped += 1;
                warnings.push(format!("{}: cannot read the staged blob", e.path));
            }
        }
    }

    let collected = Mutex::new((Vec::new(), Vec::new(), 0u64, 0u64, 0u64));
    let next = AtomicUsize::new(0);
    let workers = opts.threads.max(1).min(texts.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, bytes)) = texts.get(i) else {
                    break;
                };
                let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
                let format = Format::detect(path, probe);
                let Some((findings, warns)) =
                    guarded(|| scan_document(path, bytes, format, extractors, ring))
                else {
                    let mut c = collected.lock().unwrap();
                    c.1.push(format!(
                        "{path}: skipped: internal error while scanning it \
                         (a stalekey bug: please report it)"
                    ));
                    continue;
                };
                let (findings, ignored) = opts.ignores.filter(findings, bytes);
                let mut c = collected.lock().unwrap();
                c.0.extend(findings);
                c.1.extend(warns);
                c.2 += 1;
                c.3 += bytes.len() as u64;
                c.4 += ignored;
            });
        }
    });
    let (mut findings, warns, files, bytes, ignored) = collected.into_inner().unwrap();
    warnings.extend(warns);
    stats.files = files;
    stats.bytes = bytes;
    stats.ignored = ignored;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    warnings.sort();
    stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(ScanOutcome {
        findings,
        stats,
        warnings,
    })
}

fn is_excluded(root: &Path, rel: &str, exclude: &[PathBuf]) -> bool {
    !exclude.is_empty()
        && root
            .join(rel)
            .canonicalize()
            .is_ok_and(|c| exclude.contains(&c))
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
