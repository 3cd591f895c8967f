//! Judge: a verdict and a severity for each matched candidate (SPEC §2), and one finding
//! per place when several extractors saw the same value.

use crate::extract::{Confidence, Kind, Origin};
use crate::finding::{Finding, KeyRef, Severity, Verdict};
use crate::format::Format;
use crate::matcher::Matched;
use crate::ring::KeyState;

/// Names under which a reference is worth reporting: `process.env.NODE_ENV` is not.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "secret",
        "key",
        "token",
        "passw",
        "pwd",
        "credential",
        "auth",
        "private",
        "salt",
        "signing",
        "cert",
        "dsn",
        "vault",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

pub fn verdict_for_state(state: KeyState) -> (Verdict, Severity) {
    match state {
        KeyState::Revoked => (Verdict::Compromised, Severity::Critical),
        KeyState::Retired => (Verdict::Stale, Severity::High),
        KeyState::Fallback => (Verdict::Expiring, Severity::High),
        KeyState::Active | KeyState::Pending => (Verdict::Pinned, Severity::Medium),
    }
}

fn untracked_severity(confidence: Confidence) -> Severity {
    match confidence {
        Confidence::High => Severity::Medium,
        Confidence::Medium | Confidence::Low => Severity::Low,
    }
}

/// Judges one matched candidate; `None` when it is not a finding.
pub fn judge(m: Matched, path: &str, format: Format) -> Option<Finding> {
    let key = m.key.map(|k| KeyRef {
        id: k.id.clone(),
        service: k.service.clone(),
        state: k.state,
    });
    let (verdict, severity) = match (m.kind, &key) {
        (Kind::Reference, _) => {
            // A SQL setting read as a key (`current_setting('app.x')` as a pgcrypto key) is
            // a key reference whatever its name; elsewhere the name must say secret.
            let key_setting = m.origin == Origin::Structured && format == Format::Sql;
            if !key_setting && !m.name.as_deref().is_some_and(is_secret_name) {
                return None;
            }
            (Verdict::Reference, Severity::Info)
        }
        (Kind::Ciphertext, _) => (Verdict::Reencrypt, Severity::Medium),
        (Kind::Literal, Some(k)) => verdict_for_state(k.state),
        (Kind::Literal, None) => {
            if !m.plausible {
                return None;
            }
            (Verdict::Untracked, untracked_severity(m.confidence))
        }
    };
    Some(Finding {
        path: path.to_string(),
        line: m.line,
        column: m.column,
        verdict,
        severity,
        kind: m.kind,
        format,
        rule: m.rule,
        name: m.name,
        context: m.context,
        fingerprint: m.fingerprint,
        key,
        preview: m.preview,
        used_at: m.used_at,
        rows: m.rows,
    })
}

/// Judges a file's candidates and keeps one finding per (line, column, kind): a ring
/// match beats an unmatched value, a format extractor beats a rule, a specific rule
/// beats a generic one.
pub fn judge_all(matched: Vec<Matched>, path: &str, format: Format) -> Vec<Finding> {
    let mut ranked: Vec<(u8, u8, Confidence, Finding)> = matched
        .into_iter()
        .filter_map(|m| {
            let origin = m.origin as u8;
            let confidence = m.confidence;
            judge(m, path, format).map(|f| (u8::from(f.key.is_some()), origin, confidence, f))
        })
        .collect();
    ranked.sort_by(|a, b| {
        (a.3.line, a.3.column, a.3.kind)
            .cmp(&(b.3.line, b.3.column, b.3.kind))
            .then(b.0.cmp(&a.0))
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(a.3.rule.cmp(&b.3.rule))
            .then(a.3.name.cmp(&b.3.name))
    });
    // Ciphertext findings are one per table column already: two columns of one COPY
    // with no column list share a place and are both kept.
    ranked.dedup_by(|b, a| {
        (a.3.line, a.3.column, a.3.kind) == (b.3.line, b.3.column, b.3.kind)
            && (a.3.kind != Kind::Ciphertext || a.3.name == b.3.name)
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

    #[test]
    fn secret_names() {
        assert!(is_secret_name("OPENAI_API_KEY"));
        assert!(is_secret_name("DJANGO_SECRET"));
        assert!(!is_secret_name("NODE_ENV"));
        assert!(!is_secret_name("PORT"));
    }
}
