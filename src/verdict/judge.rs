//! Judge: a verdict and a severity for each matched candidate (SPEC §2), and one finding
//! per place when several extractors saw the same value.

use super::matcher::Matched;
use crate::finding::{Confidence, Finding, KeyRef, Kind, Location, Origin, Severity, Verdict};
use crate::format::Format;
use crate::names::is_secret_name;
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
        id: k.id.clone(),
        service: k.service.clone(),
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
        (Kind::Literal, Some(k)) => verdict_for_state(k.state),
        (Kind::Literal, None) => {
            if !m.plausible {
                return None;
            }
            (Verdict::Untracked, untracked_severity(m.confidence))
        }
    };
    Some(Finding {
        location: Location {
            path: path.to_string(),
            line: m.at.line,
            column: m.at.column,
        },
        verdict,
        severity,
        format,
        detail: m.detail,
        fingerprint: m.fingerprint,
        key,
        preview: m.preview,
    })
}

/// Judges a file's candidates and keeps one finding per (line, column, kind): a ring
/// match beats an unmatched value, a format extractor beats a rule, a specific rule
/// beats a generic one.
pub(crate) fn judge_all(matched: Vec<Matched>, path: &str, format: Format) -> Vec<Finding> {
    let mut ranked: Vec<(u8, u8, Confidence, Finding)> = matched
        .into_iter()
        .filter_map(|m| {
            let origin = m.origin as u8;
            let confidence = m.confidence;
            judge(m, path, format).map(|f| (u8::from(f.key.is_some()), origin, confidence, f))
        })
        .collect();
    let place = |f: &Finding| (f.location.line, f.location.column, f.detail.kind);
    ranked.sort_by(|a, b| {
        place(&a.3)
            .cmp(&place(&b.3))
            .then(b.0.cmp(&a.0))
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(a.3.detail.rule.cmp(&b.3.detail.rule))
            .then(a.3.detail.name.cmp(&b.3.detail.name))
    });
    // Ciphertext findings are one per table column already: two columns of one COPY
    // with no column list share a place and are both kept.
    ranked.dedup_by(|b, a| {
        place(&a.3) == place(&b.3)
            && (a.3.detail.kind != Kind::Ciphertext || a.3.detail.name == b.3.detail.name)
    });
    ranked.into_iter().map(|r| r.3).collect()
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
