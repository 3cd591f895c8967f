//! `stalekey merge` and `gate --reports`: JSON reports read back into the report's own
//! wire types, so a merged report is written exactly as a scan writes one: findings in
//! the scan's order, stats summed, the summary computed again by the same code. For
//! shards of one tree the result is byte-identical to the unsharded scan
//! (`duration_ms`, the longest shard's, aside). Reports of different sources keep
//! their paths apart by the source's name. A report of another schema, of another ring
//! (the ring file's digest differs) or of a gate is refused, naming the file. Strings
//! are borrowed from the inputs, so memory stays near the reports' size.

use super::json::{summary, Stats, Wire, WireFinding, SCHEMA};
use super::SourceRef;
use crate::error::{Error, Result};
use crate::finding::{CommitRef, Detail, Finding, KeyRef, Kind, Location, Severity, Verdict};
use crate::format::Format;
use crate::ring::KeyState;
use crate::secret::Fingerprint;
use std::borrow::Cow;
use std::io::Write;

/// A report's file name and text.
pub(crate) type Input = (String, String);

fn parse<'a>(file: &str, text: &'a str) -> Result<Wire<'a>> {
    let bad = |why: String| Error::Usage(format!("{file}: {why}"));
    /// Enough of a report to say why it is not one this stalekey reads.
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(borrow)]
        schema: Option<Cow<'a, str>>,
    }
    let schema_error = |schema: Option<&str>| match schema {
        Some(other) => bad(format!(
            "a report of schema {other:?}; this stalekey reads {SCHEMA:?}"
        )),
        None => bad("not a stalekey report (no \"schema\")".into()),
    };
    let wire: Wire = match serde_json::from_str(text) {
        Ok(w) => w,
        // Not of this shape: say why, the schema first.
        Err(e) => {
            let head: Head = serde_json::from_str(text).map_err(|e| {
                bad(format!(
                    "not a JSON report: {}",
                    crate::ring::without_values(&e.to_string())
                ))
            })?;
            if head.schema.as_deref() != Some(SCHEMA) {
                return Err(schema_error(head.schema.as_deref()));
            }
            return Err(bad(format!(
                "not a stalekey report: {}",
                crate::ring::without_values(&e.to_string())
            )));
        }
    };
    if wire.schema != SCHEMA {
        return Err(schema_error(Some(&wire.schema)));
    }
    if wire.gate_in.is_some() {
        return Err(bad("a gate report: merge the scan reports instead".into()));
    }
    Ok(wire)
}

/// The order of findings in every report ([`Finding::sort_key`]) on the wire form.
fn sort_key<'a>(f: &'a WireFinding) -> impl Ord + 'a {
    let kind = Kind::parse(&f.kind).map_or(usize::MAX, |k| {
        Kind::ALL.iter().position(|&x| x == k).unwrap_or(0)
    });
    let fp = f
        .fingerprint
        .as_deref()
        .map(|t| t.split_once(':').map_or(t, |(_, hex)| hex));
    (&f.path, f.line, f.column, kind, &f.rule, &f.name, fp)
}

/// Reorders `items` so that position `j` holds what was at `order[j]`, in place.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for i in 0..items.len() {
        let mut j = i;
        loop {
            let k = order[j];
            order[j] = j;
            if k == i || k == j {
                break;
            }
            items.swap(j, k);
            j = k;
        }
    }
}

fn add(into: &mut Stats, s: &Stats) {
    into.files += s.files;
    into.bytes += s.bytes;
    into.skipped += s.skipped;
    into.binary += s.binary;
    into.too_large += s.too_large;
    into.ring_only += s.ring_only;
    into.unreadable += s.unreadable;
    into.ignored += s.ignored;
    // Shards run side by side: the merged run takes as long as the longest.
    into.duration_ms = into.duration_ms.max(s.duration_ms);
}

fn merged<'a>(inputs: &'a [Input]) -> Result<Wire<'a>> {
    let mut reports = Vec::with_capacity(inputs.len());
    for (file, text) in inputs {
        reports.push((file.as_str(), parse(file, text)?));
    }
    let Some((first_file, first)) = reports.first() else {
        return Err(Error::Usage("merge: no reports".into()));
    };
    for (file, r) in &reports[1..] {
        if r.ring.digest != first.ring.digest {
            return Err(Error::Usage(format!(
                "{file}: made with another key ring than {first_file} (ring digest {} vs {}): scan both with the same ring",
                r.ring.digest.as_deref().unwrap_or("none"),
                first.ring.digest.as_deref().unwrap_or("none")
            )));
        }
    }
    let (tool, ring) = (first.tool.clone(), first.ring.clone());
    let mut sources: Vec<Option<SourceRef>> = reports
        .iter()
        .map(|(_, r)| r.source.as_deref().cloned())
        .collect();
    sources.sort_by(|a, b| {
        let key = |s: &Option<SourceRef>| s.as_ref().map(|s| (s.name.clone(), s.commit.clone()));
        key(a).cmp(&key(b))
    });
    sources.dedup();
    let several = sources.len() > 1;
    let prefix = |s: Option<&SourceRef>| -> String {
        match s {
            None => "(unnamed)".to_string(),
            Some(s) => {
                let shared = sources
                    .iter()
                    .filter(|o| o.as_ref().map(|x| &x.name) == Some(&s.name))
                    .count()
                    > 1;
                match (&s.commit, shared) {
                    (Some(c), true) => format!("{}@{}", s.name, c.get(..12).unwrap_or(c)),
                    _ => s.name.clone(),
                }
            }
        }
    };
    let mut stats = Stats::default();
    let mut findings = Vec::new();
    let mut source = first.source.clone();
    for (_, r) in reports {
        add(&mut stats, &r.stats);
        let p = prefix(r.source.as_deref());
        for mut f in r.findings {
            if several {
                f.path = Cow::Owned(format!("{p}/{}", f.path));
                if let Some(c) = f.commit.as_mut() {
                    c.path = Cow::Owned(format!("{p}/{}", c.path));
                }
            }
            findings.push(f);
        }
    }
    if several {
        source = Some(Cow::Owned(SourceRef {
            name: format!(
                "{} sources: {}",
                sources.len(),
                sources
                    .iter()
                    .map(|s| prefix(s.as_ref()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            commit: None,
        }));
    }
    // Keys computed once; the findings are then put in their order in place.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    {
        let keys: Vec<_> = findings.iter().map(|f| sort_key(f)).collect();
        order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    }
    permute(&mut findings, order);
    Ok(Wire {
        schema: Cow::Borrowed(SCHEMA),
        tool,
        source,
        ring,
        stats,
        summary: summary(&findings),
        findings,
        gate: None,
        gate_in: None,
    })
}

/// Merges the reports and writes the merged report.
pub(crate) fn merge_to(inputs: &[Input], out: &mut dyn Write) -> Result<std::io::Result<()>> {
    let wire = merged(inputs)?;
    Ok(super::jsonfmt::write_pretty(out, &wire))
}

/// What `gate --reports` needs of the reports: their findings (as domain findings: what
/// a gate judges; an untracked finding's fingerprint is only truncated on the wire and
/// is left out), their summed stats and the ring digest they were made with.
pub(crate) fn read_back(
    inputs: &[Input],
) -> Result<(Vec<Finding>, crate::pipeline::stats::Stats, Option<String>)> {
    let wire = merged(inputs)?;
    let mut findings = Vec::with_capacity(wire.findings.len());
    for (i, f) in wire.findings.iter().enumerate() {
        let bad =
            |what: &str| Error::Usage(format!("reports: finding {i} ({}): bad {what}", f.path));
        let kind = Kind::parse(&f.kind).ok_or_else(|| bad("kind"))?;
        let mut detail = Detail::new(kind, &f.rule);
        detail.name = f.name.as_deref().map(str::to_string);
        detail.context = f.context.as_deref().map(str::to_string);
        detail.rows = f.rows;
        detail.used_at = f.used_at.clone();
        let key = match &f.key {
            None => None,
            Some(k) => Some(KeyRef {
                id: k.id.to_string(),
                service: k.service.to_string(),
                state: KeyState::parse(&k.state).ok_or_else(|| bad("key state"))?,
            }),
        };
        findings.push(Finding {
            location: Location {
                path: f.path.to_string(),
                line: f.line,
                column: f.column,
                char_column: f.column,
            },
            verdict: Verdict::parse(&f.verdict).ok_or_else(|| bad("verdict"))?,
            severity: Severity::parse(&f.severity).ok_or_else(|| bad("severity"))?,
            format: Format::parse(&f.format).ok_or_else(|| bad("format"))?,
            detail,
            fingerprint: f
                .fingerprint
                .as_deref()
                .and_then(|t| Fingerprint::parse(t).ok()),
            key,
            preview: f.preview.as_deref().map(str::to_string),
            commit: f.commit.as_ref().map(|c| CommitRef {
                id: c.id.to_string(),
                time: crate::clock::parse(&c.time).unwrap_or(0),
                path: c.path.to_string(),
                at_head: c.at_head,
            }),
        });
    }
    let stats = crate::pipeline::stats::Stats::from(&wire.stats);
    Ok((
        findings,
        stats,
        wire.ring.digest.as_deref().map(str::to_string),
    ))
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permutes_in_place() {
        let mut rng = crate::testrand::XorShift::new(9);
        for n in 0..40 {
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let items: Vec<usize> = (0..n).map(|i| i * 10).collect();
            let want: Vec<usize> = order.iter().map(|&i| items[i]).collect();
            let mut got = items.clone();
            permute(&mut got, order);
            assert_eq!(got, want);
        }
    }
}
