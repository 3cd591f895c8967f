//! The engine: one document through extract → match → judge → ignore, guarded so that a
//! bug on one odd file skips that file instead of ending the scan.

use super::stats::Warning;
use crate::extract::nginx::NginxIndex;
use crate::extract::{Candidate, Document, Extractors};
use crate::finding::Finding;
use crate::format::Format;
use crate::ignorefile::Ignores;
use crate::ring::Ring;
use crate::verdict::{judge, matcher};
use std::collections::HashSet;
use std::io::BufRead;

/// Everything a document is judged with, built once per scan.
pub(crate) struct Engine<'a> {
    pub extractors: &'a Extractors,
    pub ring: &'a Ring,
    pub ignores: &'a Ignores,
}

/// What one document gave.
#[derive(Default)]
pub(crate) struct Scanned {
    pub findings: Vec<Finding>,
    pub warnings: Vec<Warning>,
    /// Findings left out by the ignore file or an inline allow.
    pub ignored: u64,
    /// Bytes read (for a stream, known only once it is read).
    pub bytes: u64,
}

impl Engine<'_> {
    /// A document held in memory; `None` when an extractor panicked on it.
    pub(crate) fn document(
        &self,
        shown: &str,
        bytes: &[u8],
        format: Format,
        nginx: Option<&NginxIndex>,
    ) -> Option<Scanned> {
        guarded(|| {
            let doc = Document::new(shown, bytes, format).with_nginx_index(nginx);
            let extracted = self.extractors.run(&doc);
            let mut findings = self.judge(shown, format, extracted.candidates);
            char_columns(&mut findings, bytes);
            // Inline allows are looked for only in files with findings.
            let allowed = if findings.is_empty() {
                HashSet::new()
            } else {
                crate::ignorefile::allowed_lines(bytes)
            };
            self.keep(findings, &allowed, extracted.warnings, bytes.len() as u64)
        })
    }

    /// A piece of a file that starts at `base` (a chunk of a big file).
    pub(crate) fn document_at(
        &self,
        shown: &str,
        bytes: &[u8],
        format: Format,
        base: crate::finding::Position,
    ) -> Option<Scanned> {
        guarded(|| {
            let doc = Document::at(shown, bytes, format, base);
            let extracted = self.extractors.run(&doc);
            let findings = self.judge(shown, format, extracted.candidates);
            let allowed = if findings.is_empty() {
                HashSet::new()
            } else {
                crate::ignorefile::allowed_lines(bytes)
                    .into_iter()
                    .map(|l| l + base.line - 1)
                    .collect()
            };
            self.keep(findings, &allowed, extracted.warnings, bytes.len() as u64)
        })
    }

    /// A streamed document (a SQL dump), read in constant memory on `threads` workers.
    pub(crate) fn stream(
        &self,
        shown: &str,
        reader: &mut dyn BufRead,
        format: Format,
        threads: usize,
    ) -> Option<Scanned> {
        guarded(|| {
            let (extracted, bytes) = self.extractors.run_stream(shown, reader, threads);
            let allowed: HashSet<u32> = extracted.allowed_lines.iter().copied().collect();
            let findings = self.judge(shown, format, extracted.candidates);
            self.keep(findings, &allowed, extracted.warnings, bytes)
        })
    }

    /// Whether [`Engine::ring_only`] has anything to look for.
    pub(crate) fn has_ring_keys(&self) -> bool {
        self.extractors.has_ring_tokens()
    }

    /// A stream searched for ring keys only; `None` when an extractor panicked, an
    /// error when the stream broke.
    pub(crate) fn ring_only(
        &self,
        shown: &str,
        reader: &mut dyn std::io::Read,
        format: Format,
    ) -> Option<std::io::Result<Scanned>> {
        guarded(|| {
            let (extracted, bytes) = self.extractors.run_ring_only(shown, format, reader)?;
            let findings = self.judge(shown, format, extracted.candidates);
            // A binary file has no lines to allow; only the ignore file applies.
            Ok(self.keep(findings, &HashSet::new(), Vec::new(), bytes))
        })
    }

    fn judge(&self, shown: &str, format: Format, candidates: Vec<Candidate>) -> Vec<Finding> {
        let matched = candidates
            .into_iter()
            .map(|c| matcher::match_candidate(c, self.ring))
            .collect();
        judge::judge_all(matched, shown, format)
    }

    /// Leaves out the ignored findings and counts them.
    fn keep(
        &self,
        findings: Vec<Finding>,
        allowed: &HashSet<u32>,
        notes: Vec<String>,
        bytes: u64,
    ) -> Scanned {
        let (findings, ignored) = self.ignores.filter(findings, allowed);
        Scanned {
            findings,
            warnings: notes.into_iter().map(Warning::Note).collect(),
            ignored,
            bytes,
        }
    }
}

/// Sets each finding's column in code points, from the document's bytes.
fn char_columns(findings: &mut [Finding], bytes: &[u8]) {
    if findings.is_empty() || bytes.is_ascii() {
        return;
    }
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
    for f in findings {
        let Some(&start) = starts.get(f.location.line as usize - 1) else {
            continue;
        };
        let end = (start + f.location.column as usize - 1).min(bytes.len());
        let chars = bytes[start..end]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        f.location.char_column = chars as u32 + 1;
    }
}

/// Runs `f`, turning a panic (a bug in an extractor, on one odd file) into `None`. The
/// panic's message is not kept: it may quote the text being parsed (str slicing does),
/// and that text may be a secret.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
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
