//! The scan pipeline: walk → read → extract → match → judge, per file in parallel, then
//! one sort so that the thread count never changes the result.

use crate::extract::{Document, Extracted, Extractors};
use crate::finding::Finding;
use crate::format::Format;
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
    judge_extracted(shown, extracted, format, extractors, ring)
}

/// Findings and warnings of extracted candidates.
fn judge_extracted(
    shown: &str,
    extracted: Extracted,
    format: Format,
    extractors: &Extractors,
    ring: &Ring,
) -> (Vec<Finding>, Vec<String>) {
    let matched = extracted
        .candidates
        .into_iter()
        .map(|c| matcher::match_candidate(c, ring, extractors.rules()))
        .collect();
    (judge::judge_all(matched, shown, format), extracted.warnings)
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
                let (findings, warnings) = scan_document(&shown, &bytes, format, extractors, ring);
                let mut c = collected.lock().unwrap();
                c.stats.files += 1;
                c.stats.bytes += bytes.len() as u64;
                c.findings.extend(findings);
                c.warnings.extend(warnings);
            }
            ReadOutcome::Stream { mut reader, format } => {
                let (extracted, bytes) = extractors.run_stream(&shown, &mut *reader);
                drop(reader);
                let (findings, warnings) =
                    judge_extracted(&shown, extracted, format, extractors, ring);
                let mut c = collected.lock().unwrap();
                c.stats.files += 1;
                c.stats.bytes += bytes;
                c.findings.extend(findings);
                c.warnings.extend(warnings);
            }
            ReadOutcome::Unsupported { message } => {
                let mut c = collected.lock().unwrap();
                c.stats.skipped += 1;
                c.warnings.push(format!("{shown}: skipped: {message}"));
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
