//! The gate's part of a report: what must change, per consumer, before SERVICE rotates.
//!
//! Text: the simulated rotation, then each consumer with what must change, a one-line
//! verdict last. JSON: the normal report (findings judged under the real ring) with a
//! `gate` section (findings judged under the simulated ring). GitHub: one annotation per
//! consumer of the service.

use super::github::annotation;
use super::TextStyle;
use crate::gate::GateOutcome;
use crate::scan::Stats;
use serde::Serialize;
use std::io::{self, Write};

/// The `gate` section of the JSON report: the rotation, then every consumer of the
/// service judged under the simulated ring.
#[derive(Serialize)]
pub struct GateSection<'a> {
    service: &'a str,
    finalize: bool,
    /// The pending key that becomes active (null: a key not in the ring yet).
    new_active: Option<&'a str>,
    rotation: Vec<Change<'a>>,
    pass: bool,
    blocking: usize,
    consumers: Vec<Consumer<'a>>,
}

#[derive(Serialize)]
struct Change<'a> {
    id: &'a str,
    from: &'static str,
    to: &'static str,
}

#[derive(Serialize)]
struct Consumer<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    blocking: bool,
    action: &'static str,
    message: &'a str,
    /// Verdict and severity after the rotation.
    verdict: &'static str,
    severity: &'static str,
    /// Verdict under the real ring (as in `findings`).
    verdict_now: &'static str,
    key: Option<Key<'a>>,
    kind: &'static str,
    rule: &'a str,
    name: Option<&'a str>,
    context: Option<&'a str>,
    fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<u64>,
}

#[derive(Serialize)]
struct Key<'a> {
    id: &'a str,
    service: &'a str,
    /// State after the rotation.
    state: &'static str,
    state_now: &'static str,
}

pub fn json_section(g: &GateOutcome) -> GateSection<'_> {
    let r = &g.rotation;
    GateSection {
        service: &r.service,
        finalize: r.finalize,
        new_active: r.new_active.as_deref(),
        rotation: r
            .changes
            .iter()
            .map(|(id, from, to)| Change {
                id,
                from: from.as_str(),
                to: to.as_str(),
            })
            .collect(),
        pass: g.passes(),
        blocking: g.blocking(),
        consumers: g
            .items
            .iter()
            .map(|i| {
                let f = &i.after;
                Consumer {
                    path: &f.path,
                    line: f.line,
                    column: f.column,
                    blocking: i.blocking,
                    action: i.action.as_str(),
                    message: &i.message,
                    verdict: f.verdict.as_str(),
                    severity: f.severity.as_str(),
                    verdict_now: i.verdict_now.as_str(),
                    key: f.key.as_ref().map(|k| Key {
                        id: &k.id,
                        service: &k.service,
                        state: k.state.as_str(),
                        state_now: i.state_now.as_str(),
                    }),
                    kind: f.kind.as_str(),
                    rule: &f.rule,
                    name: f.name.as_deref(),
                    context: f.context.as_deref(),
                    fingerprint: f.fingerprint.map(|fp| fp.to_string()),
                    rows: f.rows,
                }
            })
            .collect(),
    }
}

pub fn write_text(
    g: &GateOutcome,
    stats: &Stats,
    style: &TextStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let paint = |code: &str, text: &str| {
        if style.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let r = &g.rotation;
    let what = if r.finalize {
        format!("end of the grace period of {}'s rotation", r.service)
    } else {
        format!("rotation of {}", r.service)
    };
    writeln!(out, "{}", paint("1", &format!("gate: {what}")))?;
    for (id, from, to) in &r.changes {
        let note = if r.new_active.as_deref() == Some(id) && !r.finalize {
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
    if r.finalize && r.changes.iter().all(|(_, from, to)| from == to) {
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
                f.path,
                f.line,
                f.column,
                paint("2", &format!("[{}]", f.rule))
            )?;
            writeln!(out, "      {}", i.message)?;
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
            r.service,
            paint("32", "pass")
        )
    } else {
        writeln!(
            out,
            "stalekey gate: {n} consumer{} of {} must change before the {step}{ignored}: {}",
            if n == 1 { "" } else { "s" },
            r.service,
            paint("1;31", "fail")
        )
    }
}

pub fn write_github(g: &GateOutcome, out: &mut dyn Write) -> io::Result<()> {
    for i in &g.items {
        let title = format!(
            "stalekey gate: rotating {} ({} after the rotation)",
            g.rotation.service,
            i.after.verdict.as_str()
        );
        annotation(out, i.blocking, &i.after, &title, &i.message)?;
    }
    writeln!(
        out,
        "stalekey gate: {} consumers of {} must change before the rotation: {}",
        g.blocking(),
        g.rotation.service,
        if g.passes() { "pass" } else { "fail" }
    )
}
