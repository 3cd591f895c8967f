//! The judged result for one consumer: what every reporter writes.

use crate::extract::Kind;
use crate::format::Format;
use crate::ring::KeyState;
use crate::secret::Fingerprint;
use serde::{Deserialize, Serialize};

/// A consumer's verdict (SPEC §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Compromised,
    Stale,
    Expiring,
    Pinned,
    Untracked,
    Reencrypt,
    Reference,
}

impl Verdict {
    pub const ALL: [Verdict; 7] = [
        Verdict::Compromised,
        Verdict::Stale,
        Verdict::Expiring,
        Verdict::Pinned,
        Verdict::Untracked,
        Verdict::Reencrypt,
        Verdict::Reference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compromised => "compromised",
            Verdict::Stale => "stale",
            Verdict::Expiring => "expiring",
            Verdict::Pinned => "pinned",
            Verdict::Untracked => "untracked",
            Verdict::Reencrypt => "reencrypt",
            Verdict::Reference => "reference",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// Verdicts that fail `scan` unless `--fail-on` says otherwise.
    pub fn fails_by_default(self) -> bool {
        !matches!(self, Verdict::Reference | Verdict::Reencrypt)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// The ring key a finding holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyRef {
    pub id: String,
    pub service: String,
    pub state: KeyState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub verdict: Verdict,
    pub severity: Severity,
    pub kind: Kind,
    pub format: Format,
    pub rule: String,
    pub name: Option<String>,
    pub context: Option<String>,
    pub fingerprint: Option<Fingerprint>,
    pub key: Option<KeyRef>,
    pub preview: Option<String>,
    pub used_at: Vec<u32>,
    pub rows: Option<u64>,
}

impl Finding {
    /// The total order of findings in every report: path, line, column, then the rest so
    /// that two findings on one spot never swap places between runs.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.path,
            self.line,
            self.column,
            self.kind,
            &self.rule,
            &self.name,
            self.fingerprint,
        )
    }
}
