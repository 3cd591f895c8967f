//! Report: one result type ([`Report`]), one [`Reporter`] per output format, each in its
//! own file. Reporters read verdicts, severities and the fail policy; they never derive
//! them. Only reporters write to the user; the library never prints.

mod github;
mod json;
mod jsonfmt;
pub(crate) mod merge;
mod paint;
mod ring;
mod sarif;
mod text;

use crate::finding::{FailOn, Finding, Verdict};
use crate::pipeline::stats::Stats;
use crate::verdict::rotation::GateOutcome;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub(crate) use github::escape_data;
pub(crate) use ring::{ring_check_json, ring_check_text, ring_list, rule_list};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    Github,
}

/// The report's `source`: a repository's name and HEAD commit (or `--source NAME`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SourceRef {
    pub name: String,
    pub commit: Option<String>,
}

/// Everything a scan report shows.
pub(crate) struct Report<'a> {
    pub ring_path: Option<&'a str>,
    pub ring_keys: usize,
    /// SHA-256 of the ring file (`sha256:…`), so merges can refuse another ring's.
    pub ring_digest: Option<String>,
    /// What was scanned: a repository's name and HEAD commit.
    pub source: Option<SourceRef>,
    pub stats: &'a Stats,
    pub findings: &'a [Finding],
    /// Verdicts that make the run fail, for levels and the summary line.
    pub fail_on: &'a FailOn,
    /// Put before a shown path to make it relative to the repository root (SARIF
    /// `%SRCROOT%`, GitHub annotations): empty, or `dir/`.
    pub uri_prefix: &'a str,
}

impl Report<'_> {
    pub(crate) fn failing(&self) -> usize {
        self.fail_on.count(self.findings)
    }

    pub(crate) fn by_verdict(&self) -> BTreeMap<Verdict, usize> {
        let mut m = BTreeMap::new();
        for f in self.findings {
            *m.entry(f.verdict).or_insert(0) += 1;
        }
        m
    }
}

/// One output format.
pub(crate) trait Reporter {
    /// The report of a scan.
    fn scan(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
    /// The report of a gate: the scan's report and what the rotation would leave behind.
    fn gate(&self, report: &Report, gate: &GateOutcome, out: &mut dyn Write) -> io::Result<()>;
}

/// The reporter of a format; `color` paints text on a terminal.
pub(crate) fn reporter(format: OutputFormat, color: bool) -> Box<dyn Reporter> {
    match format {
        OutputFormat::Text => Box::new(text::Text { color }),
        OutputFormat::Json => Box::new(json::Json),
        OutputFormat::Sarif => Box::new(sarif::Sarif),
        OutputFormat::Github => Box::new(github::Github),
    }
}
