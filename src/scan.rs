//! The scan pipeline: walk → read → extract → match → judge, per file in parallel, then
//! one sort so that the thread count never changes the result.

use crate::extract::nginx::{NginxDoc, NginxIndex};
use crate::extract::{Document, Extracted, Extractors};
use crate::finding::Finding;
use crate::format::Format;
use crate::ignorefile::Ignores;
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
    /// Findings to leave out of the report (and count in `stats.ignored`).
    pub ignores: Ignores,
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
                c.nginx.push(NginxDoc { shown, path, bytes });
            }
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
            ReadOutcome::Stream { mut reader, format } => {
                let scanned = guarded(|| {
                    let (extracted, bytes) = extractors.run_stream(&shown, &mut *reader);
                    let allowed = extracted.allowed_lines.iter().copied().collect();
                    let (findings, warnings) =
                        judge_extracted(&shown, extracted, format, extractors, ring);
                    (
                        opts.ignores.filter_lines(findings, &allowed),
                        warnings,
                        bytes,
                    )
                });
                drop(reader);
                let mut c = collected.lock().unwrap();
                match scanned {
                    Some(((findings, ignored), warnings, bytes)) => {
                        c.stats.ignored += ignored;
                        c.stats.files += 1;
                        c.stats.bytes += bytes;
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
    if !c.nginx.is_empty() {
        let docs = std::mem::take(&mut c.nginx);
        let (findings, warnings, stats) = scan_nginx(&docs, opts, extractors, ring);
        c.findings.extend(findings);
        c.warnings.extend(warnings);
        c.stats.files += stats.files;
        c.stats.bytes += stats.bytes;
        c.stats.skipped += stats.skipped;
        c.stats.ignored += stats.ignored;
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
) -> (Vec<Finding>, Vec<String>, Stats) {
    let index = NginxIndex::build(docs, opts.nginx_prefix.as_deref(), &opts.walk.roots);
    let mut warnings = index.warnings().to_vec();
    let threads = opts.walk.threads.clamp(1, docs.len());
    let chunk = docs.len().div_ceil(threads);
    let results: Vec<(Vec<Finding>, Vec<String>, Stats)> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|part| {
                let index = &index;
                s.spawn(move || {
                    let mut out = (Vec::new(), Vec::new(), Stats::default());
                    for d in part {
                        let scanned = guarded(|| {
                            scan_document_with(
                                &d.shown,
                                &d.bytes,
                                Format::Nginx,
                                extractors,
                                ring,
                                Some(index),
                            )
                        });
                        let Some((f, w)) = scanned else {
                            out.2.skipped += 1;
                            out.1.push(format!(
                                "{}: skipped: internal error while scanning it \
                                 (a stalekey bug: please report it)",
                                d.shown
                            ));
                            continue;
                        };
                        let (f, ignored) = opts.ignores.filter(f, &d.bytes);
                        out.0.extend(f);
                        out.1.extend(w);
                        out.2.files += 1;
                        out.2.bytes += d.bytes.len() as u64;
                        out.2.ignored += ignored;
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
    let mut stats = Stats::default();
    for (f, w, st) in results {
        findings.extend(f);
        warnings.extend(w);
        stats.files += st.files;
        stats.bytes += st.bytes;
        stats.skipped += st.skipped;
        stats.ignored += st.ignored;
    }
    (findings, warnings, stats)
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
