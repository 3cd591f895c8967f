//! The JSON report (SPEC §5). Wire structs live here, apart from the domain types, so the
//! report's shape changes only on purpose.

use super::{Report, Reporter};
use crate::finding::Finding;
use crate::verdict::rotation::GateOutcome;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub(crate) const SCHEMA: &str = "stalekey.report/v1";

/// The report as written, and as `merge` reads it back (strings borrowed from the input
/// where they hold no escapes).
#[derive(Serialize, Deserialize)]
pub(super) struct Wire<'a> {
    #[serde(borrow)]
    pub schema: Cow<'a, str>,
    #[serde(borrow)]
    pub tool: Tool<'a>,
    /// What was scanned (a repository and its HEAD commit), when known.
    pub source: Option<Cow<'a, super::SourceRef>>,
    #[serde(borrow)]
    pub ring: Ring<'a>,
    pub stats: Stats,
    #[serde(borrow)]
    pub findings: Vec<WireFinding<'a>>,
    #[serde(borrow)]
    pub summary: Summary<'a>,
    /// `stalekey gate` only: the rotation and what must change.
    #[serde(skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub gate: Option<&'a GateSection<'a>>,
    /// Read back: whether the report had a `gate` section.
    #[serde(rename = "gate", default, skip_serializing)]
    pub gate_in: Option<serde::de::IgnoredAny>,
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct Tool<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow)]
    pub version: Cow<'a, str>,
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct Ring<'a> {
    #[serde(borrow)]
    pub path: Option<Cow<'a, str>>,
    pub keys: usize,
    /// SHA-256 of the ring file: `merge` refuses reports of different rings.
    #[serde(borrow, default)]
    pub digest: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize, Clone, Default)]
pub(super) struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub skipped: u64,
    pub binary: u64,
    pub too_large: u64,
    pub ring_only: u64,
    pub unreadable: u64,
    pub ignored: u64,
    pub duration_ms: u64,
}

/// The wire form of the domain's counts, and back (`gate --reports`).
impl From<&crate::pipeline::stats::Stats> for Stats {
    fn from(s: &crate::pipeline::stats::Stats) -> Self {
        Stats {
            files: s.files,
            bytes: s.bytes,
            skipped: s.skipped,
            binary: s.binary,
            too_large: s.too_large,
            ring_only: s.ring_only,
            unreadable: s.unreadable,
            ignored: s.ignored,
            duration_ms: s.duration_ms,
        }
    }
}

impl From<&Stats> for crate::pipeline::stats::Stats {
    fn from(s: &Stats) -> Self {
        crate::pipeline::stats::Stats {
            files: s.files,
            bytes: s.bytes,
            skipped: s.skipped,
            binary: s.binary,
            too_large: s.too_large,
            ring_only: s.ring_only,
            unreadable: s.unreadable,
            ignored: s.ignored,
            duration_ms: s.duration_ms,
        }
    }
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct WireFinding<'a> {
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    pub line: u32,
    pub column: u32,
    #[serde(borrow)]
    pub verdict: Cow<'a, str>,
    #[serde(borrow)]
    pub severity: Cow<'a, str>,
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    #[serde(borrow)]
    pub format: Cow<'a, str>,
    #[serde(borrow)]
    pub rule: Cow<'a, str>,
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub context: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub fingerprint: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub key: Option<Key<'a>>,
    #[serde(borrow)]
    pub preview: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_at: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// `scan --history`: the commit that introduced the blob.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<Commit<'a>>,
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct Commit<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// RFC 3339, UTC.
    #[serde(borrow)]
    pub time: Cow<'a, str>,
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    /// HEAD still holds the blob.
    #[serde(default)]
    pub at_head: bool,
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct Key<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub service: Cow<'a, str>,
    #[serde(borrow)]
    pub state: Cow<'a, str>,
}

#[derive(Serialize, Deserialize, Default)]
pub(super) struct Summary<'a> {
    #[serde(borrow)]
    pub by_verdict: BTreeMap<Cow<'a, str>, usize>,
    #[serde(borrow)]
    pub by_service: BTreeMap<Cow<'a, str>, BTreeMap<Cow<'a, str>, usize>>,
    /// `scan --history`: per service, the ring keys committed to history.
    #[serde(borrow, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exposed: BTreeMap<Cow<'a, str>, Vec<ExposedKey<'a>>>,
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct ExposedKey<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub commit: OwnedCommit<'a>,
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct OwnedCommit<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub time: Cow<'a, str>,
    #[serde(borrow)]
    pub path: Cow<'a, str>,
}

fn finding(f: &Finding) -> WireFinding<'_> {
    let (loc, d) = (&f.location, &f.detail);
    let b = |s: &'static str| Cow::Borrowed(s);
    WireFinding {
        path: Cow::Borrowed(&loc.path),
        line: loc.line,
        column: loc.column,
        verdict: b(f.verdict.as_str()),
        severity: b(f.severity.as_str()),
        kind: b(d.kind.as_str()),
        format: b(f.format.as_str()),
        rule: Cow::Borrowed(&d.rule),
        name: d.name.as_deref().map(Cow::Borrowed),
        context: d.context.as_deref().map(Cow::Borrowed),
        fingerprint: f.shown_fingerprint().map(Cow::Owned),
        key: f.key.as_ref().map(|k| Key {
            id: Cow::Borrowed(&k.id),
            service: Cow::Borrowed(&k.service),
            state: b(k.state.as_str()),
        }),
        preview: f.preview.as_deref().map(Cow::Borrowed),
        used_at: d.used_at.clone(),
        rows: d.rows,
        commit: f.commit.as_ref().map(|c| Commit {
            id: Cow::Borrowed(&c.id),
            time: Cow::Owned(crate::clock::rfc3339(c.time)),
            path: Cow::Borrowed(&c.path),
            at_head: c.at_head,
        }),
    }
}

/// The report's `summary`, from its findings: counts per verdict and per service's
/// verdict, and with history the ring keys committed, each with its earliest commit.
pub(super) fn summary<'a>(findings: &[WireFinding<'a>]) -> Summary<'a> {
    let mut s = Summary::default();
    let mut first: BTreeMap<(Cow<'a, str>, Cow<'a, str>), &Commit<'a>> = BTreeMap::new();
    for f in findings {
        *s.by_verdict.entry(f.verdict.clone()).or_insert(0) += 1;
        let Some(k) = &f.key else { continue };
        *s.by_service
            .entry(k.service.clone())
            .or_default()
            .entry(f.verdict.clone())
            .or_insert(0) += 1;
        if let Some(c) = &f.commit {
            // RFC 3339 UTC times order as the times do.
            let e = first.entry((k.service.clone(), k.id.clone())).or_insert(c);
            if (&c.time, &c.id) < (&e.time, &e.id) {
                *e = c;
            }
        }
    }
    for ((service, id), c) in first {
        s.exposed.entry(service).or_default().push(ExposedKey {
            id,
            commit: OwnedCommit {
                id: c.id.clone(),
                time: c.time.clone(),
                path: c.path.clone(),
            },
        });
    }
    s
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

fn write(report: &Report, gate: Option<&GateSection>, out: &mut dyn Write) -> io::Result<()> {
    let s = report.stats;
    let findings: Vec<WireFinding> = report.findings.iter().map(finding).collect();
    let wire = Wire {
        schema: Cow::Borrowed(SCHEMA),
        tool: Tool {
            name: Cow::Borrowed("stalekey"),
            version: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
        },
        source: report.source.as_ref().map(Cow::Borrowed),
        ring: Ring {
            path: report.ring_path.map(Cow::Borrowed),
            keys: report.ring_keys,
            digest: report.ring_digest.as_deref().map(Cow::Borrowed),
        },
        stats: Stats::from(s),
        summary: summary(&findings),
        findings,
        gate,
        gate_in: None,
    };
    super::jsonfmt::write_pretty(out, &wire)
}

/// The `gate` section of the JSON report: the rotation, then every consumer of the
/// service judged under the simulated ring.
#[derive(Serialize)]
pub(super) struct GateSection<'a> {
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
