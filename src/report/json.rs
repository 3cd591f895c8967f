//! The JSON report (SPEC §5). Wire structs live here, apart from the domain types, so the
//! report's shape changes only on purpose.

use super::Report;
use crate::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const SCHEMA: &str = "stalekey.report/v1";

#[derive(Serialize)]
struct Wire<'a, G: Serialize> {
    schema: &'static str,
    tool: Tool,
    ring: Ring<'a>,
    stats: Stats,
    findings: Vec<WireFinding<'a>>,
    summary: Summary<'a>,
    /// `stalekey gate` only: the rotation and what must change (see report/gate.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<&'a G>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Ring<'a> {
    path: Option<&'a str>,
    keys: usize,
}

#[derive(Serialize)]
struct Stats {
    files: u64,
    bytes: u64,
    skipped: u64,
    binary: u64,
    too_large: u64,
    unreadable: u64,
    ignored: u64,
    duration_ms: u64,
}

#[derive(Serialize)]
struct WireFinding<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    verdict: &'static str,
    severity: &'static str,
    kind: &'static str,
    format: &'static str,
    rule: &'a str,
    name: Option<&'a str>,
    context: Option<&'a str>,
    fingerprint: Option<String>,
    key: Option<Key<'a>>,
    preview: Option<&'a str>,
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    used_at: &'a [u32],
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<u64>,
}

#[derive(Serialize)]
struct Key<'a> {
    id: &'a str,
    service: &'a str,
    state: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    by_verdict: BTreeMap<&'static str, usize>,
    by_service: BTreeMap<&'a str, BTreeMap<&'static str, usize>>,
}

fn finding(f: &Finding) -> WireFinding<'_> {
    WireFinding {
        path: &f.path,
        line: f.line,
        column: f.column,
        verdict: f.verdict.as_str(),
        severity: f.severity.as_str(),
        kind: f.kind.as_str(),
        format: f.format.as_str(),
        rule: &f.rule,
        name: f.name.as_deref(),
        context: f.context.as_deref(),
        fingerprint: f.fingerprint.map(|fp| fp.to_string()),
        key: f.key.as_ref().map(|k| Key {
            id: &k.id,
            service: &k.service,
            state: k.state.as_str(),
        }),
        preview: f.preview.as_deref(),
        used_at: &f.used_at,
        rows: f.rows,
    }
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_with::<()>(report, None, out)
}

/// The report with an extra top-level section (`gate`), written last.
pub fn write_with<G: Serialize>(
    report: &Report,
    gate: Option<&G>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut by_service: BTreeMap<&str, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for f in report.findings {
        if let Some(k) = &f.key {
            *by_service
                .entry(&k.service)
                .or_default()
                .entry(f.verdict.as_str())
                .or_insert(0) += 1;
        }
    }
    let s = report.stats;
    let wire = Wire {
        schema: SCHEMA,
        tool: Tool {
            name: "stalekey",
            version: env!("CARGO_PKG_VERSION"),
        },
        ring: Ring {
            path: report.ring_path,
            keys: report.ring_keys,
        },
        stats: Stats {
            files: s.files,
            bytes: s.bytes,
            skipped: s.skipped,
            binary: s.binary,
            too_large: s.too_large,
            unreadable: s.unreadable,
            ignored: s.ignored,
            duration_ms: s.duration_ms,
        },
        findings: report.findings.iter().map(finding).collect(),
        summary: Summary {
            by_verdict: report
                .by_verdict()
                .into_iter()
                .map(|(v, n)| (v.as_str(), n))
                .collect(),
            by_service,
        },
        gate,
    };
    serde_json::to_writer_pretty(&mut *out, &wire)?;
    out.write_all(b"\n")
}
