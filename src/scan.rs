//! The scan pipeline: walk → read → extract → match → judge, per file in parallel, then
//! one sort so that the thread count never changes the result.

use crate::extract::nginx::{NginxDoc, NginxIndex};
use crate::extract::{Document, Extractors};
use crate::finding::Finding;
use crate::format::Format;
use crate::judge;
use crate::matcher;
use crate::read::{self, ReadOutcome};
use crate::ring::Ring;
use crate::walk::{self, WalkItem, WalkOptions};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub walk: WalkOptions,
    pub max_filesize: Option<u64>,
    /// Where nginx `include`s are resolved (default: the directory of the shallowest
    /// `nginx.conf` in the scan).
    pub nginx_prefix: Option<PathBuf>,
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
    scan_document_with(shown, bytes, format, extractors, ring, None)
}

/// [`scan_document`] for an nginx file of a scan, with the scan's include index.
pub fn scan_document_with(
    shown: &str,
    bytes: &[u8],
    format: Format,
    extractors: &Extractors,
    ring: &Ring,
    nginx: Option<&NginxIndex>,
) -> (Vec<Finding>, Vec<String>) {
    let doc = Document::new(shown, bytes, format).with_nginx_index(nginx);
    let extracted = extractors.run(&doc);
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
    /// nginx files, extracted after the walk once their include index is built.
    nginx: Vec<NginxDoc>,
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
            ReadOutcome::Text {
                bytes,
                format: Format::Nginx,
            } => {
                let mut c = collected.lock().unwrap();
                c.stats.files += 1;
                c.stats.bytes += bytes.len() as u64;
                c.nginx.push(NginxDoc { shown, path, bytes });
            }
            ReadOutcome::Text { bytes, format } => {
                let (findings, warnings) = scan_document(&shown, &bytes, format, extractors, ring);
                let mut c = collected.lock().unwrap();
                c.stats.files += 1;
                c.stats.bytes += bytes.len() as u64;
                c.findings.extend(findings);
                c.warnings.extend(warnings);
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
    if !c.nginx.is_empty() {
        let docs = std::mem::take(&mut c.nginx);
        let (findings, warnings) = scan_nginx(&docs, opts, extractors, ring);
        c.findings.extend(findings);
        c.warnings.extend(warnings);
    }
    c.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    c.warnings.sort();
    c.stats.duration_ms = started.elapsed().as_millis() as u64;
    ScanOutcome {
        findings: c.findings,
        stats: c.stats,
        warnings: c.warnings,
    }
}

/// The scan's nginx files: one include index over all of them, then each file is
/// extracted with it, on up to `threads` threads.
fn scan_nginx(
    docs: &[NginxDoc],
    opts: &ScanOptions,
    extractors: &Extractors,
    ring: &Ring,
) -> (Vec<Finding>, Vec<String>) {
    let index = NginxIndex::build(docs, opts.nginx_prefix.as_deref(), &opts.walk.roots);
    let mut warnings = index.warnings().to_vec();
    let threads = opts.walk.threads.clamp(1, docs.len());
    let chunk = docs.len().div_ceil(threads);
    let results: Vec<(Vec<Finding>, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|part| {
                let index = &index;
                s.spawn(move || {
                    let mut out = (Vec::new(), Vec::new());
                    for d in part {
                        let (f, w) = scan_document_with(
                            &d.shown,
                            &d.bytes,
                            Format::Nginx,
                            extractors,
                            ring,
                            Some(index),
                        );
                        out.0.extend(f);
                        out.1.extend(w);
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("nginx extraction thread"))
            .collect()
    });
    let mut findings = Vec::new();
    for (f, w) in results {
        findings.extend(f);
        warnings.extend(w);
    }
    (findings, warnings)
}
