//! The JSON report (SPEC §5). Wire structs live here, apart from the domain types, so the
//! report's shape changes only on purpose.

use super::{Report, Reporter};
use crate::finding::Finding;
use crate::verdict::exposure;
use crate::verdict::rotation::GateOutcome;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub(crate) const SCHEMA: &str = "stalekey.report/v1";

#[derive(Serialize)]
struct Wire<'a> {
    schema: &'static str,
    tool: Tool,
    ring: Ring<'a>,
    stats: Stats,
    findings: Vec<WireFinding<'a>>,
    summary: Summary<'a>,
    /// `stalekey gate` only: the rotation and what must change (see report/gate.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<&'a GateSection<'a>>,
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
    ring_only: u64,
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
    /// `scan --history`: the commit that introduced the blob.
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<Commit<'a>>,
}

#[derive(Serialize)]
struct Commit<'a> {
    id: &'a str,
    /// RFC 3339, UTC.
    time: String,
    path: &'a str,
    /// HEAD still holds the blob.
    at_head: bool,
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
    /// `scan --history`: per service, the ring keys committed to history.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    exposed: BTreeMap<String, Vec<ExposedKey>>,
}

#[derive(Serialize)]
struct ExposedKey {
    id: String,
    commit: OwnedCommit,
}

#[derive(Serialize)]
struct OwnedCommit {
    id: String,
    time: String,
    path: String,
}

fn finding(f: &Finding) -> WireFinding<'_> {
    let (loc, d) = (&f.location, &f.detail);
    WireFinding {
        path: &loc.path,
        line: loc.line,
        column: loc.column,
        verdict: f.verdict.as_str(),
        severity: f.severity.as_str(),
        kind: d.kind.as_str(),
        format: f.format.as_str(),
        rule: &d.rule,
        name: d.name.as_deref(),
        context: d.context.as_deref(),
        fingerprint: f.shown_fingerprint(),
        key: f.key.as_ref().map(|k| Key {
            id: &k.id,
            service: &k.service,
            state: k.state.as_str(),
        }),
        preview: f.preview.as_deref(),
        used_at: &d.used_at,
        rows: d.rows,
        commit: f.commit.as_ref().map(|c| Commit {
            id: &c.id,
            time: crate::clock::rfc3339(c.time),
            path: &c.path,
            at_head: c.at_head,
        }),
    }
}

/// The JSON reporter: the report of SPEC §5; a gate adds its `gate` section (the
/// consumers of the service judged under the simulated ring).
pub(super) struct Json;

impl Reporter for Json {
    fn scan(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write(report, None, out)
    }

    fn gate(&self, report: &Report, gate: &GateOutcome, out: &mut dyn Write) -> io::Result<()> {
        write(report, Some(&gate_section(gate)), out)
    }
}

fn exposed_by_service(findings: &[Finding]) -> BTreeMap<String, Vec<ExposedKey>> {
    let mut map: BTreeMap<String, Vec<ExposedKey>> = BTreeMap::new();
    for e in exposure::exposed(findings) {
        map.entry(e.service).or_default().push(ExposedKey {
            id: e.key_id,
            commit: OwnedCommit {
                id: e.commit.id,
                time: crate::clock::rfc3339(e.commit.time),
                path: e.commit.path,
            },
        });
    }
    map
}

fn write(report: &Report, gate: Option<&GateSection>, out: &mut dyn Write) -> io::Result<()> {
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
            ring_only: s.ring_only,
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
            exposed: exposed_by_service(report.findings),
        },
        gate,
    };
    super::jsonfmt::write_pretty(out, &wire)
}

/// The `gate` section of the JSON report: the rotation, then every consumer of the
/// service judged under the simulated ring.
#[derive(Serialize)]
struct GateSection<'a> {
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
    key: Option<GateKey<'a>>,
    kind: &'static str,
    rule: &'a str,
    name: Option<&'a str>,
    context: Option<&'a str>,
    fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<u64>,
}

#[derive(Serialize)]
struct GateKey<'a> {
    id: &'a str,
    service: &'a str,
    /// State after the rotation.
    state: &'static str,
    state_now: &'static str,
}

fn gate_section(g: &GateOutcome) -> GateSection<'_> {
    let r = &g.rotation;
    GateSection {
        service: &r.service,
        finalize: r.finalize,
        new_active: r.new_active.as_deref(),
        rotation: r
            .changes
            .iter()
            .map(|c| Change {
                id: &c.id,
                from: c.from.as_str(),
                to: c.to.as_str(),
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
                    path: &f.location.path,
                    line: f.location.line,
                    column: f.location.column,
                    blocking: i.blocking,
                    action: i.action.as_str(),
                    message: &i.message,
                    verdict: f.verdict.as_str(),
                    severity: f.severity.as_str(),
                    verdict_now: i.verdict_now.as_str(),
                    key: f.key.as_ref().map(|k| GateKey {
                        id: &k.id,
                        service: &k.service,
                        state: k.state.as_str(),
                        state_now: i.state_now.as_str(),
                    }),
                    kind: f.detail.kind.as_str(),
                    rule: &f.detail.rule,
                    name: f.detail.name.as_deref(),
                    context: f.detail.context.as_deref(),
                    fingerprint: f.shown_fingerprint(),
                    rows: f.detail.rows,
                }
            })
            .collect(),
    }
}
