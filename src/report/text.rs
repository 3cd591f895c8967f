//! The text report: findings grouped by service and key, then untracked secrets, data to
//! re-encrypt and references; a one-line summary last. Colour only when asked for.

use super::{Report, TextStyle};
use crate::finding::{Finding, Severity, Verdict};
use std::collections::BTreeMap;
use std::io::{self, Write};

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity, text: &str) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, text)
    }
}

pub fn write(report: &Report, style: &TextStyle, out: &mut dyn Write) -> io::Result<()> {
    let p = Paint { on: style.color };
    // service -> key id -> findings
    let mut keyed: BTreeMap<&str, BTreeMap<(&str, &str), Vec<&Finding>>> = BTreeMap::new();
    let mut untracked = Vec::new();
    let mut data = Vec::new();
    let mut references = Vec::new();
    for f in report.findings {
        match (&f.key, f.verdict) {
            (Some(k), _) => keyed
                .entry(&k.service)
                .or_default()
                .entry((&k.id, k.state.as_str()))
                .or_default()
                .push(f),
            (None, Verdict::Reencrypt) => data.push(f),
            (None, Verdict::Reference) => references.push(f),
            (None, _) => untracked.push(f),
        }
    }
    for (service, keys) in &keyed {
        writeln!(out, "{}", p.paint("1", &format!("service {service}")))?;
        for ((id, state), findings) in keys {
            writeln!(out, "  key {id} ({state})")?;
            for f in findings {
                line(out, &p, f)?;
            }
        }
        writeln!(out)?;
    }
    for (title, group) in [
        ("untracked secrets (not in the ring)", &untracked),
        ("encrypted data (re-encrypt on rotation)", &data),
        ("references (follow a rotation)", &references),
    ] {
        if group.is_empty() {
            continue;
        }
        writeln!(out, "{}", p.paint("1", title))?;
        for f in group {
            line(out, &p, f)?;
        }
        writeln!(out)?;
    }
    summary(out, &p, report)
}

fn line(out: &mut dyn Write, p: &Paint, f: &Finding) -> io::Result<()> {
    let verdict = p.severity(f.severity, &format!("{:<11}", f.verdict.as_str()));
    let mut text = format!(
        "    {verdict} {:<8} {}:{}:{}",
        f.severity.as_str(),
        f.path,
        f.line,
        f.column
    );
    if let Some(name) = &f.name {
        text.push_str(&format!("  {name}"));
    }
    if let Some(ctx) = &f.context {
        text.push_str(&format!("  in {ctx}"));
    }
    if let Some(rows) = f.rows {
        text.push_str(&format!("  {rows} rows"));
    }
    if let Some(preview) = &f.preview {
        text.push_str(&format!("  {preview}"));
    }
    text.push_str(&p.paint("2", &format!("  [{}]", f.rule)));
    writeln!(out, "{text}")
}

fn summary(out: &mut dyn Write, p: &Paint, report: &Report) -> io::Result<()> {
    let counts: Vec<String> = report
        .by_verdict()
        .into_iter()
        .map(|(v, n)| format!("{n} {}", v.as_str()))
        .collect();
    let s = report.stats;
    let findings = match report.findings.len() {
        0 => "no findings".to_string(),
        1 => format!("1 finding ({})", counts.join(", ")),
        n => format!("{n} findings ({})", counts.join(", ")),
    };
    let failing = report.failing();
    let verdict = if failing == 0 {
        p.paint("32", "pass")
    } else {
        p.paint("1;31", &format!("{failing} failing"))
    };
    writeln!(
        out,
        "stalekey: {findings} in {} files ({}), {} skipped, {} ignored, ring {} ({} keys): {verdict}",
        s.files,
        human_bytes(s.bytes),
        s.skipped,
        s.ignored,
        report.ring_path.unwrap_or("none"),
        report.ring_keys,
    )
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
