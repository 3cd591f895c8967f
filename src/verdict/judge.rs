//! Judge: a verdict and a severity for each matched candidate (SPEC §2), and one finding
//! per place when several extractors saw the same value.

use super::matcher::Matched;
use crate::finding::{Confidence, Finding, KeyRef, Kind, Location, Origin, Severity, Verdict};
use crate::format::Format;
use crate::names::{is_identifier_name, is_secret_name};
use crate::ring::KeyState;

/// The verdict and severity of a literal that holds a ring key in `state`.
pub(crate) fn verdict_for_state(state: KeyState) -> (Verdict, Severity) {
    let verdict = match state {
        KeyState::Revoked => Verdict::Compromised,
        KeyState::Retired => Verdict::Stale,
        KeyState::Fallback => Verdict::Expiring,
        KeyState::Active | KeyState::Pending => Verdict::Pinned,
    };
    (verdict, verdict.default_severity())
}

fn untracked_severity(confidence: Confidence) -> Severity {
    match confidence {
        Confidence::High => Severity::Medium,
        Confidence::Medium | Confidence::Low => Severity::Low,
    }
}

/// Judges one matched candidate; `None` when it is not a finding.
pub(crate) fn judge(m: Matched, path: &str, format: Format) -> Option<Finding> {
    let key = m.key.map(|k| KeyRef {
        id: k.id.to_string(),
        service: k.service.to_string(),
        state: k.state,
    });
    let (verdict, severity) = match (m.detail.kind, &key) {
        (Kind::Reference, _) => {
            // A SQL setting read as a key (`current_setting('app.x')` as a pgcrypto key) is
            // a key reference whatever its name; elsewhere the name must say secret.
            let key_setting = m.origin == Origin::Structured && format == Format::Sql;
            if !key_setting && !m.detail.name.as_deref().is_some_and(is_secret_name) {
                return None;
            }
            (Verdict::Reference, Verdict::Reference.default_severity())
        }
        (Kind::Ciphertext, _) => (Verdict::Reencrypt, Verdict::Reencrypt.default_severity()),
        (Kind::Digest, Some(k)) => verdict_for_state(k.state),
        // A digest is only known to be one when it is a ring key's.
        (Kind::Digest, None) => return None,
        (Kind::Literal, Some(k)) => verdict_for_state(k.state),
        (Kind::Literal, None) => {
            // An identifier under its own name (`deviceToken`, `username`) is no key;
            // a provider's token format (high confidence) says otherwise.
            let identifier = m.confidence != Confidence::High
                && m.detail.name.as_deref().is_some_and(is_identifier_name);
            if !m.plausible || identifier {
                return None;
            }
            (Verdict::Untracked, untracked_severity(m.confidence))
        }
    };
    let fingerprint = match m.detail.kind {
        Kind::Digest => m.key.map(|k| k.fingerprint),
        _ => m.fingerprint,
    };
    Some(Finding {
        location: Location {
            path: path.to_string(),
            line: m.at.line,
            column: m.at.column,
            char_column: m.at.column,
        },
        verdict,
        severity,
        format,
        detail: m.detail,
        fingerprint,
        key,
        preview: m.preview,
        commit: None,
    })
}

/// Judges a file's candidates and keeps one finding per (line, column, kind): a ring
/// match beats an unmatched value, a format extractor beats a rule, a specific rule
/// beats a generic one.
pub(crate) fn judge_all(matched: Vec<Matched>, path: &str, format: Format) -> Vec<Finding> {
    /// A finding with what decides which of two on one place is kept.
    struct Ranked {
        in_ring: bool,
        origin: Origin,
        confidence: Confidence,
        finding: Finding,
    }
    let mut ranked: Vec<Ranked> = matched
        .into_iter()
        .filter_map(|m| {
            let (origin, confidence) = (m.origin, m.confidence);
            judge(m, path, format).map(|finding| Ranked {
                in_ring: finding.key.is_some(),
                origin,
                confidence,
                finding,
            })
        })
        .collect();
    let place = |r: &Ranked| {
        let f = &r.finding;
        (f.location.line, f.location.column, f.detail.kind)
    };
    ranked.sort_by(|a, b| {
        place(a)
            .cmp(&place(b))
            .then(b.in_ring.cmp(&a.in_ring))
            .then(b.origin.cmp(&a.origin))
            .then(b.confidence.cmp(&a.confidence))
            .then(a.finding.detail.rule.cmp(&b.finding.detail.rule))
            .then(a.finding.detail.name.cmp(&b.finding.detail.name))
    });
    // Ciphertext findings are one per table column already: two columns of one COPY
    // with no column list share a place and are both kept.
    ranked.dedup_by(|b, a| {
        place(a) == place(b)
            && (a.finding.detail.kind != Kind::Ciphertext
                || a.finding.detail.name == b.finding.detail.name)
    });
    ranked.into_iter().map(|r| r.finding).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_spec_verdicts() {
        assert_eq!(
            verdict_for_state(KeyState::Revoked),
            (Verdict::Compromised, Severity::Critical)
        );
        assert_eq!(
            verdict_for_state(KeyState::Retired),
            (Verdict::Stale, Severity::High)
        );
        assert_eq!(
            verdict_for_state(KeyState::Fallback),
            (Verdict::Expiring, Severity::High)
        );
        assert_eq!(
            verdict_for_state(KeyState::Active),
            (Verdict::Pinned, Severity::Medium)
        );
        assert_eq!(
            verdict_for_state(KeyState::Pending),
            (Verdict::Pinned, Severity::Medium)
        );
    }
}
