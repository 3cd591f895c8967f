//! GitHub Actions workflow commands: one annotation per finding,
//! `::error file=…,line=…,col=…,title=…::message` for verdicts that fail the run and
//! `::warning` for the others, escaped as GitHub's toolkit does (`%`, CR and LF in the
//! message; also `:` and `,` in properties). Messages never hold a secret.

use super::sarif::message;
use super::Report;
use crate::finding::Finding;
use std::io::{self, Write};

/// Escapes a command's message (the text after `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one annotation.
pub fn annotation(
    out: &mut dyn Write,
    error: bool,
    f: &Finding,
    title: &str,
    text: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "::{} file={},line={},col={},title={}::{}",
        if error { "error" } else { "warning" },
        escape_property(&f.path),
        f.line,
        f.column,
        escape_property(title),
        escape_data(text)
    )
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        let failing = report.fail_on.contains(&f.verdict);
        let title = format!("stalekey: {} ({})", f.verdict.as_str(), f.severity.as_str());
        annotation(out, failing, f, &title, &message(f))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
