//! Report: one result type ([`Report`]) and one writer per output format. Only reporters
//! write to the user; the library never prints.

pub mod gate;
pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use crate::finding::{Finding, Verdict};
use crate::scan::Stats;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    Github,
}

/// Everything a report shows.
pub struct Report<'a> {
    pub ring_path: Option<&'a str>,
    pub ring_keys: usize,
    pub stats: &'a Stats,
    pub findings: &'a [Finding],
    /// Verdicts that make the run fail, for the summary line.
    pub fail_on: &'a [Verdict],
}

impl Report<'_> {
    pub fn failing(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| self.fail_on.contains(&f.verdict))
            .count()
    }

    pub fn by_verdict(&self) -> BTreeMap<Verdict, usize> {
        let mut m = BTreeMap::new();
        for f in self.findings {
            *m.entry(f.verdict).or_insert(0) += 1;
        }
        m
    }
}

pub struct TextStyle {
    pub color: bool,
}

pub fn write(
    report: &Report,
    format: OutputFormat,
    style: &TextStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => text::write(report, style, out),
        OutputFormat::Json => json::write(report, out),
        OutputFormat::Sarif => sarif::write(report, out),
        OutputFormat::Github => github::write(report, out),
    }
}
