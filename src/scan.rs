//! The scan pipeline: walk → read → extract → match → judge, per file in parallel, then
//! one sort so that the thread count never changes the result.

use crate::extract::{Document, Extractors};
use crate::finding::Finding;
use crate::format::Format;
use crate::ignorefile::Ignores;
use crate::judge;
use crate::matcher;
use crate::read::{self, ReadOutcome};
use crate::ring::Ring;
use crate::walk::{self, WalkItem, WalkOptions};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub walk: WalkOptions,
    pub max_filesize: Option<u64>,
    /// Findings to leave out of the report (and count in `stats.ignored`).
    pub ignores: Ignores,
}

/// Counts for the report's `stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Text files scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Files not scanned: binary, too large or unreadable.
    pub skipped: u64,
    pub binary: u64,
    pub too_large: u64,
    /// Files and directories that could not be read (each also a warning).
    pub unreadable: u64,
    /// Findings left out by `.stalekeyignore` or an inline `stalekey:allow`.
    pub ignored: u64,
    pub duration_ms: u64,
}

pub struct ScanOutcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Sorted warnings, one line each, never holding a secret.
    pub warnings: Vec<String>,
}

/// Findings and warnings of one text document.
pub fn scan_document(
    shown: &str,
    bytes: &[u8],
    format: Format,
    extractors: &Extractors,
    ring: &Ring,
) -> (Vec<Finding>, Vec<String>) {
    let doc = Document::new(shown, bytes, format);
    let extracted = extractors.run(&doc);
    let matched = extracted
        .candidates
        .into_iter()
        .map(|c| matcher::match_candidate(c, ring, extractors.rules()))
        .collect();
    (judge::judge_all(matched, shown, format), extracted.warnings)
}

/// Runs `f`, turning a panic (a bug in an extractor, on one odd file) into `None`, so
/// that one file cannot abort the whole scan. The panic's message is not kept: it may
/// quote the text being parsed (str slicing does), and that text may be a secret.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    stats: Stats,
    warnings: Vec<String>,
}

pub fn scan(opts: &ScanOptions, extractors: &Extractors, ring: &Ring) -> ScanOutcome {
    let started = Instant::now();
    let collected = Mutex::new(Collected::default());
    walk::walk(&opts.walk, |item| match item {
        WalkItem::Error { shown, message } => {
            let mut c = collected.lock().unwrap();
            c.stats.unreadable += 1;
            c.stats.skipped += 1;
            c.warnings.push(format!("{shown}: cannot read: {message}"));
        }
        WalkItem::File { path, shown } => match read::read(&path, &shown, opts.max_filesize) {
            ReadOutcome::Text { bytes, format } => {
                let scanned = guarded(|| scan_document(&shown, &bytes, format, extractors, ring))
                    .map(|(findings, warnings)| (opts.ignores.filter(findings, &bytes), warnings));
                let mut c = collected.lock().unwrap();
                match scanned {
                    Some(((findings, ignored), warnings)) => {
                        c.stats.ignored += ignored;
                        c.stats.files += 1;
                        c.stats.bytes += bytes.len() as u64;
                        c.findings.extend(findings);
                        c.warnings.extend(warnings);
                    }
                    None => {
                        c.stats.skipped += 1;
                        c.warnings.push(format!(
                            "{shown}: skipped: internal error while scanning it \
                             (a stalekey bug: please report it)"
                        ));
                    }
                }
            }
            ReadOutcome::Binary { .. } => {
                let mut c = collected.lock().unwrap();
                c.stats.binary += 1;
                c.stats.skipped += 1;
            }
            ReadOutcome::TooLarge { size } => {
                let mut c = collected.lock().unwrap();
                c.stats.too_large += 1;
                c.stats.skipped += 1;
                c.warnings.push(format!(
                    "{shown}: skipped: {size} bytes is over --max-filesize"
                ));
            }
            ReadOutcome::Unreadable { message } => {
                let mut c = collected.lock().unwrap();
                c.stats.unreadable += 1;
                c.stats.skipped += 1;
                c.warnings.push(format!("{shown}: cannot read: {message}"));
            }
        },
    });
    let mut c = collected.into_inner().unwrap();
    c.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    c.warnings.sort();
    c.stats.duration_ms = started.elapsed().as_millis() as u64;
    ScanOutcome {
        findings: c.findings,
        stats: c.stats,
        warnings: c.warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_one_file_is_an_error_not_an_abort() {
        assert_eq!(guarded(|| 7), Some(7));
        let text = String::from("héllo");
        let cut = text.find('é').unwrap() + 1;
        assert_eq!(guarded(|| text[..cut].len()), None);
    }
}
