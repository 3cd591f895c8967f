//! SARIF 2.1.0 (SPEC §6), as GitHub code scanning reads it: one result per finding, one
//! rule per verdict (rule id = verdict), the key's fingerprint in `partialFingerprints`.
//!
//! A result's level is `error` when its verdict fails the run (`--fail-on`), else
//! `warning`, and `note` for references. Messages name the key, its service and state,
//! never the value; not even the preview of the JSON report is written here.

use super::{Report, Reporter};
use crate::finding::{Finding, Severity, Verdict};
use crate::verdict::rotation::GateOutcome;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key under which results carry their fingerprint.
const FINGERPRINT_KEY: &str = "stalekey/v1";

fn describe(v: Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Compromised => (
            "Holds a revoked key",
            "The consumer holds a key that was revoked (compromised). Replace it with the current key, read from the environment or a secret store.",
        ),
        Verdict::Stale => (
            "Holds a retired key",
            "The consumer holds a key that a rotation already left behind: it no longer works. Read the current key from the environment or a secret store.",
        ),
        Verdict::Expiring => (
            "Holds a fallback key",
            "The consumer holds a fallback key, accepted only during the grace period of a rotation: it breaks when the grace period ends.",
        ),
        Verdict::Pinned => (
            "Holds the active key as a literal",
            "The consumer holds the current (or next) key as a literal: the next rotation will leave it behind. Read the key from the environment or a secret store.",
        ),
        Verdict::Untracked => (
            "Holds a secret that is not in the key ring",
            "The consumer holds a secret literal that the key ring does not know: nobody will rotate it. Add it to the ring or move it out of the code.",
        ),
        Verdict::Reencrypt => (
            "Data encrypted under a key",
            "Data at rest is encrypted under a key: it must be re-encrypted when that key rotates.",
        ),
        Verdict::Reference => (
            "Obtains a key indirectly",
            "The consumer reads the key from the environment, a secret store or an include: it follows a rotation.",
        ),
    }
}

fn rule_name(v: Verdict) -> String {
    let s = v.as_str();
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// GitHub's `security-severity`: a CVSS-like score per default severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn level(v: Verdict, failing: bool) -> &'static str {
    if failing {
        "error"
    } else if v == Verdict::Reference {
        "note"
    } else {
        "warning"
    }
}

/// One sentence about a finding, never holding a secret.
pub(super) fn message(f: &Finding) -> String {
    let d = &f.detail;
    let what = match &d.name {
        Some(n) => format!("{n} "),
        None => String::new(),
    };
    let mut text = match (&f.key, f.verdict) {
        (Some(k), Verdict::Reencrypt) => format!(
            "{what}holds data encrypted under key {} of service {} ({})",
            k.id, k.service, k.state
        ),
        (Some(k), _) => format!(
            "{what}holds key {} of service {} ({}) as a literal",
            k.id, k.service, k.state
        ),
        (None, Verdict::Reencrypt) => format!("{what}holds data encrypted under a key"),
        (None, Verdict::Reference) => format!("{what}obtains a key indirectly"),
        (None, _) => format!("{what}holds a secret literal that is not in the key ring"),
    };
    if let Some(rows) = d.rows {
        text.push_str(&format!(" ({rows} rows)"));
    }
    if let Some(ctx) = &d.context {
        text.push_str(&format!(" in {ctx}"));
    }
    text.push_str(match f.verdict {
        Verdict::Compromised => ": the key is revoked",
        Verdict::Stale => ": the key is retired, a rotation already left this consumer behind",
        Verdict::Expiring => ": breaks when the grace period ends",
        Verdict::Pinned => ": the next rotation will leave it behind",
        Verdict::Untracked => ": nobody will rotate it",
        Verdict::Reencrypt => ": re-encrypt it when the key rotates",
        Verdict::Reference => ": follows a rotation",
    });
    text.push_str(&format!(" [{}].", d.rule));
    text
}

/// A result's fingerprint for code scanning: a hash of what it is and where (the file,
/// rule, name, context and the value's fingerprint as shown) and of how many such
/// results came before it in the file. It differs per location, and stays the same
/// when lines are added above the finding; it holds no value.
fn partial_fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    findings
        .iter()
        .map(|f| {
            let mut h = Sha256::new();
            for part in [
                f.location.path.as_str(),
                f.detail.rule.as_str(),
                f.detail.name.as_deref().unwrap_or(""),
                f.detail.context.as_deref().unwrap_or(""),
                f.detail.kind.as_str(),
                &f.shown_fingerprint().unwrap_or_default(),
            ] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            let what: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
            let n = seen.entry(what.clone()).or_insert(0);
            *n += 1;
            format!("{what}:{n}")
        })
        .collect()
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Value>,
}

/// The SARIF reporter (scan only: a gate's outcome has no SARIF form).
pub(super) struct Sarif;

impl Reporter for Sarif {
    fn scan(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write(report, out)
    }

    fn gate(&self, _report: &Report, _gate: &GateOutcome, _out: &mut dyn Write) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "SARIF is for scan results",
        ))
    }
}

fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = Verdict::ALL
        .iter()
        .map(|&v| {
            let (short, full) = describe(v);
            json!({
                "id": v.as_str(),
                "name": rule_name(v),
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "help": {"text": full},
                "defaultConfiguration": {"level": level(v, v.fails_by_default())},
                "properties": {
                    "tags": ["security", "secrets"],
                    "security-severity": security_severity(v.default_severity()),
                },
            })
        })
        .collect();
    let fingerprints = partial_fingerprints(report.findings);
    let results: Vec<Value> = report
        .findings
        .iter()
        .zip(&fingerprints)
        .map(|(f, fp)| {
            let rule_index = Verdict::ALL
                .iter()
                .position(|&v| v == f.verdict)
                .unwrap_or(0);
            let mut properties = json!({
                "severity": f.severity.as_str(),
                "kind": f.detail.kind.as_str(),
                "format": f.format.as_str(),
                "rule": f.detail.rule,
            });
            if let Some(k) = &f.key {
                properties["key"] =
                    json!({"id": k.id, "service": k.service, "state": k.state.as_str()});
            }
            if let Some(rows) = f.detail.rows {
                properties["rows"] = json!(rows);
            }
            if let Some(c) = &f.commit {
                properties["commit"] = json!({
                    "id": c.id,
                    "time": crate::clock::rfc3339(c.time),
                    "path": c.path,
                });
            }
            json!({
                "ruleId": f.verdict.as_str(),
                "ruleIndex": rule_index,
                "level": level(f.verdict, report.fail_on.fails(f.verdict)),
                "message": {"text": message(f)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&format!("{}{}", report.uri_prefix, f.location.path)), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.location.line.max(1), "startColumn": f.location.char_column.max(1)},
                    }
                }],
                "partialFingerprints": {FINGERPRINT_KEY: fp},
                "properties": properties,
            })
        })
        .collect();
    let run = json!({
        "tool": {"driver": {
            "name": "stalekey",
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The scanned root"}}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    });
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![run],
    };
    super::jsonfmt::write_pretty(out, &log)
}

/// A relative URI reference for a report path: `/`-separated, percent-encoded where
/// RFC 3986 requires it.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        // `:` is encoded too: `c:d.py` must not read as a URI with the scheme `c`.
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("a/b c.py"), "a/b%20c.py");
        assert_eq!(uri("é.txt"), "%C3%A9.txt");
        assert_eq!(uri("conf/app.env"), "conf/app.env");
        assert_eq!(uri("c:d.py"), "c%3Ad.py");
    }
}
