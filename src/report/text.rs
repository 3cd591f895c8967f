//! The text report: findings grouped by service and key, then untracked secrets, data to
//! re-encrypt and references; a one-line summary last. Colour only when asked for.

use super::paint::Paint;
use super::{Report, Reporter};
use crate::finding::{Finding, Verdict};
use crate::pipeline::stats::Stats;
use crate::terminal::safe;
use crate::verdict::exposure;
use crate::verdict::rotation::GateOutcome;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The text reporter.
pub(super) struct Text {
    pub color: bool,
}

impl Reporter for Text {
    fn scan(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write(report, &Paint { on: self.color }, out)
    }

    fn gate(&self, report: &Report, gate: &GateOutcome, out: &mut dyn Write) -> io::Result<()> {
        write_gate(gate, report.stats, &Paint { on: self.color }, out)
    }
}

fn write(report: &Report, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
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
    let exposed = exposure::exposed(report.findings);
    for (service, keys) in &keyed {
        writeln!(
            out,
            "{}",
            p.paint("1", &format!("service {}", safe(service)))
        )?;
        for ((id, state), findings) in keys {
            match exposed
                .iter()
                .find(|e| e.service == *service && e.key_id == *id)
            {
                Some(e) => writeln!(
                    out,
                    "  key {} ({state})  {}",
                    safe(id),
                    p.paint("31", &format!("exposed: {}", safe(&e.where_())))
                )?,
                None => writeln!(out, "  key {} ({state})", safe(id))?,
            }
            for f in findings {
                line(out, p, f)?;
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
            line(out, p, f)?;
        }
        writeln!(out)?;
    }
    if !exposed.is_empty() {
        let services: std::collections::BTreeSet<&str> =
            exposed.iter().map(|e| e.service.as_str()).collect();
        writeln!(
            out,
            "{}",
            p.paint(
                "1",
                &format!(
                    "exposed in history: {} ring key{} of {} ({}): revoke them; a fallback is not enough",
                    exposed.len(),
                    if exposed.len() == 1 { "" } else { "s" },
                    if services.len() == 1 { "1 service".to_string() } else { format!("{} services", services.len()) },
                    services.iter().map(|s| safe(s)).collect::<Vec<_>>().join(", ")
                )
            )
        )?;
    }
    summary(out, p, report)
}

fn line(out: &mut dyn Write, p: &Paint, f: &Finding) -> io::Result<()> {
    let verdict = p.severity(f.severity, &format!("{:<11}", f.verdict.as_str()));
    let mut text = format!(
        "    {verdict} {:<8} {}:{}:{}",
        f.severity.as_str(),
        safe(&f.location.path),
        f.location.line,
        f.location.column
    );
    if let Some(name) = &f.detail.name {
        text.push_str(&format!("  {}", safe(name)));
    }
    if let Some(ctx) = &f.detail.context {
        text.push_str(&format!("  in {}", safe(ctx)));
    }
    if let Some(rows) = f.detail.rows {
        text.push_str(&format!("  {rows} rows"));
    }
    if let Some(preview) = &f.preview {
        text.push_str(&format!("  {}", safe(preview)));
    }
    if let Some(c) = &f.commit {
        let short = c.id.get(..8).unwrap_or(&c.id);
        text.push_str(&format!("  (commit {short} {}", crate::clock::date(c.time)));
        if c.path != f.location.path {
            text.push_str(&format!(" as {}", safe(&c.path)));
        }
        text.push(')');
    }
    text.push_str(&p.paint("2", &format!("  [{}]", safe(&f.detail.rule))));
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
    let ring_only = match s.ring_only {
        0 => String::new(),
        n => format!(" (+{n} for ring keys only)"),
    };
    writeln!(
        out,
        "stalekey: {findings} in {} files{ring_only} ({}), {} skipped, {} ignored, ring {} ({} keys): {verdict}",
        s.files,
        human_bytes(s.bytes),
        s.skipped,
        s.ignored,
        safe(report.ring_path.unwrap_or("none")),
        report.ring_keys,
    )
}

/// The gate's text: the simulated rotation, then each consumer with what must change,
/// a one-line verdict last.
fn write_gate(g: &GateOutcome, stats: &Stats, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let paint = |code: &str, text: &str| p.paint(code, text);
    let r = &g.rotation;
    let what = if r.finalize {
        format!("end of the grace period of {}'s rotation", safe(&r.service))
    } else {
        format!("rotation of {}", safe(&r.service))
    };
    writeln!(out, "{}", paint("1", &format!("gate: {what}")))?;
    for c in &r.changes {
        let (id, from, to) = (safe(&c.id), c.from, c.to);
        let note = if r.new_active.as_deref() == Some(c.id.as_str()) && !r.finalize {
            "  (the new key)"
        } else {
            ""
        };
        if from == to {
            writeln!(out, "  key {id}: {from}{note}")?;
        } else {
            writeln!(out, "  key {id}: {from} → {to}{note}")?;
        }
    }
    if r.finalize && r.changes.iter().all(|c| c.from == c.to) {
        writeln!(
            out,
            "  no fallback key to retire: has the rotation been made in the ring? (`stalekey ring set-state`)"
        )?;
    } else if r.new_active.is_none() && !r.finalize {
        writeln!(
            out,
            "  new active key: not in the ring yet (add it with `stalekey ring add --state pending`)"
        )?;
    }
    writeln!(out)?;
    let blocking: Vec<_> = g.items.iter().filter(|i| i.blocking).collect();
    let notes: Vec<_> = g.items.iter().filter(|i| !i.blocking).collect();
    for (title, group, code) in [
        (
            if r.finalize {
                "must change before the grace period ends"
            } else {
                "must change before the rotation"
            },
            &blocking,
            "1;31",
        ),
        ("notes", &notes, "33"),
    ] {
        if group.is_empty() {
            continue;
        }
        writeln!(out, "{}", paint("1", title))?;
        for i in group {
            let f = &i.after;
            writeln!(
                out,
                "  {} {}:{}:{}  {}",
                paint(code, &format!("{:<11}", f.verdict.as_str())),
                safe(&f.location.path),
                f.location.line,
                f.location.column,
                paint("2", &format!("[{}]", safe(&f.detail.rule)))
            )?;
            writeln!(out, "      {}", safe(&i.message))?;
        }
        writeln!(out)?;
    }
    let n = g.blocking();
    let step = if r.finalize {
        "end of the grace period"
    } else {
        "rotation"
    };
    let ignored = if stats.ignored > 0 {
        format!(" ({} ignored findings not considered)", stats.ignored)
    } else {
        String::new()
    };
    if n == 0 {
        writeln!(
            out,
            "stalekey gate: no consumer of {} holds a key the {step} would leave behind{ignored}: {}",
            safe(&r.service),
            paint("32", "pass")
        )
    } else {
        writeln!(
            out,
            "stalekey gate: {n} consumer{} of {} must change before the {step}{ignored}: {}",
            if n == 1 { "" } else { "s" },
            safe(&r.service),
            paint("1;31", "fail")
        )
    }
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
