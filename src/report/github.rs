//! GitHub Actions workflow commands: one annotation per finding,
//! `::error file=…,line=…,col=…,title=…::message` for verdicts that fail the run and
//! `::warning` for the others, escaped as GitHub's toolkit does (`%`, CR and LF in the
//! message; also `:` and `,` in properties). Messages never hold a secret.

use super::sarif::message;
use super::{Report, Reporter};
use crate::finding::Finding;
use crate::terminal::safe;
use crate::verdict::rotation::GateOutcome;
use std::io::{self, Write};

/// Escapes a command's message (the text after `::`): control characters and bidi
/// overrides made visible first (the log viewer renders ANSI escapes), then `%`, CR and
/// LF as GitHub's toolkit does.
pub(crate) fn escape_data(s: &str) -> String {
    safe(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The GitHub Actions reporter: one annotation per finding (per consumer of the service,
/// for a gate) and a summary line.
pub(super) struct Github;

impl Reporter for Github {
    fn scan(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write(report, out)
    }

    fn gate(&self, report: &Report, gate: &GateOutcome, out: &mut dyn Write) -> io::Result<()> {
        write_gate(gate, report.uri_prefix, out)
    }
}

/// Writes one annotation.
fn annotation(
    out: &mut dyn Write,
    prefix: &str,
    error: bool,
    f: &Finding,
    title: &str,
    text: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "::{} file={},line={},col={},title={}::{}",
        if error { "error" } else { "warning" },
        escape_property(&format!("{prefix}{}", f.location.path)),
        f.location.line,
        f.location.char_column,
        escape_property(title),
        escape_data(text)
    )
}

fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        let failing = report.fail_on.fails(f.verdict);
        let title = format!("stalekey: {} ({})", f.verdict.as_str(), f.severity.as_str());
        annotation(out, report.uri_prefix, failing, f, &title, &message(f))?;
    }
    let failing = report.failing();
    writeln!(
        out,
        "stalekey: {} findings, {failing} failing, {} ignored, in {} files",
        report.findings.len(),
        report.stats.ignored,
        report.stats.files
    )
}

fn write_gate(g: &GateOutcome, prefix: &str, out: &mut dyn Write) -> io::Result<()> {
    for i in &g.items {
        let title = format!(
            "stalekey gate: rotating {} ({} after the rotation)",
            g.rotation.service,
            i.after.verdict.as_str()
        );
        annotation(out, prefix, i.blocking, &i.after, &title, &i.message)?;
    }
    writeln!(
        out,
        "stalekey gate: {} consumers of {} must change before the rotation: {}",
        g.blocking(),
        safe(&g.rotation.service),
        if g.passes() { "pass" } else { "fail" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a: c, d"), "50%25 a: c, d");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        // Line breaks and ESC never reach the log raw: they are made visible first.
        assert_eq!(escape_data("a\r\n::x\u{1b}"), "a\\r\\n::x\\e");
    }
}
