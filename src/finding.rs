//! The types every stage shares: where a consumer is ([`Position`], [`Location`]), what it
//! holds ([`Detail`]), and the judged result ([`Finding`]) that every reporter writes.
//!
//! One finding shape travels from extractor to reporter: a candidate, a match and a
//! finding all carry the same [`Detail`], so a new field is one edit here plus the
//! writers that show it.

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

    /// The default severity of the verdict (SPEC §2 table). An untracked finding's own
    /// severity also depends on its rule's confidence (see `verdict::judge`).
    pub fn default_severity(self) -> Severity {
        match self {
            Verdict::Compromised => Severity::Critical,
            Verdict::Stale | Verdict::Expiring => Severity::High,
            Verdict::Pinned | Verdict::Untracked | Verdict::Reencrypt => Severity::Medium,
            Verdict::Reference => Severity::Info,
        }
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
    pub fn parse(text: &str) -> Option<Severity> {
        [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

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

/// How sure a rule is that what it matched is a real secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Confidence {
    Low,
    Medium,
    High,
}

/// What a consumer holds (SPEC §5 `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Literal,
    Reference,
    Ciphertext,
    /// A stored SHA-256 digest of a ring key (an API-key table, an audit log): the
    /// server keeps accepting the key until the digest is deleted.
    Digest,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Literal,
        Kind::Reference,
        Kind::Ciphertext,
        Kind::Digest,
    ];

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Literal => "literal",
            Kind::Reference => "reference",
            Kind::Ciphertext => "ciphertext",
            Kind::Digest => "digest",
        }
    }
}

/// Which kind of extractor produced a candidate; decides which of two candidates for the
/// same place is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Origin {
    /// A bare token that is a ring key: kept only when its fingerprint is in the ring.
    RingToken,
    /// A regex rule from `rules/`.
    Rule,
    /// A format-aware extractor (Kubernetes Secret, nginx, SQL).
    Structured,
}

/// The bar an unmatched literal must pass to be a finding (a ring key always is one):
/// at least `min_len` bytes and, when set, `entropy` bits per byte. The extractor that
/// found the value sets it; `verdict::matcher` applies it, once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bar {
    pub min_len: usize,
    pub entropy: Option<f64>,
    /// The format is a UUID (a Postmark token): a UUID is not thereby a non-secret.
    pub uuid_ok: bool,
    /// The format carries a checksum (GitHub's CRC-32): a value whose checksum does not
    /// hold is not a secret.
    pub checksum: Option<crate::checksum::Checksum>,
}

impl Bar {
    /// Values from format extractors (no rule of their own).
    pub(crate) const STRUCTURED: Bar = Bar {
        min_len: 8,
        entropy: None,
        uuid_ok: false,
        checksum: None,
    };
}

/// 1-based line and byte column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Position {
    pub line: u32,
    pub column: u32,
}

/// Where a finding is: the path as reports show it, and its position.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub path: String,
    pub line: u32,
    /// 1-based byte column (SPEC §5).
    pub column: u32,
    /// 1-based column in Unicode code points, as SARIF declares its columns; the byte
    /// column where the line's text is not at hand (streamed files).
    pub char_column: u32,
}

/// What a consumer holds and how it was found: the same from candidate to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub kind: Kind,
    /// The rule (or structured extractor) that found it.
    pub rule: String,
    /// What holds the key: a variable, a setting, a column.
    pub name: Option<String>,
    /// Where it sits: an nginx block path, a SQL function or table.
    pub context: Option<String>,
    /// Lines that use the value (nginx variables).
    pub used_at: Vec<u32>,
    /// Rows of ciphertext (SQL dumps).
    pub rows: Option<u64>,
}

impl Detail {
    pub fn new(kind: Kind, rule: &str) -> Self {
        Detail {
            kind,
            rule: rule.to_string(),
            name: None,
            context: None,
            used_at: Vec::new(),
            rows: None,
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

/// One judged consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub location: Location,
    pub verdict: Verdict,
    pub severity: Severity,
    pub format: Format,
    pub detail: Detail,
    pub fingerprint: Option<Fingerprint>,
    pub key: Option<KeyRef>,
    pub preview: Option<String>,
    /// With `scan --history`: the commit that introduced the blob at this path.
    pub commit: Option<CommitRef>,
}

/// The commit that first recorded a blob at a path (by commit time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitRef {
    /// The full 40-hex (or 64-hex) object id.
    pub id: String,
    /// Commit time, seconds since the Unix epoch.
    pub time: i64,
    /// The path of the blob in that commit.
    pub path: String,
    /// HEAD still holds the blob (at `path`): a consumer now, not only in history.
    pub at_head: bool,
}

impl Finding {
    /// The fingerprint as reports show it: whole for a ring key (public in the ring),
    /// truncated for an untracked secret (see [`crate::secret::TRUNCATED_PREFIX`]).
    pub fn shown_fingerprint(&self) -> Option<String> {
        self.fingerprint.map(|fp| {
            if self.key.is_some() {
                fp.to_string()
            } else {
                fp.truncated()
            }
        })
    }

    /// The total order of findings in every report: path, line, column, then the rest so
    /// that two findings on one spot never swap places between runs.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.location,
            self.detail.kind,
            &self.detail.rule,
            &self.detail.name,
            self.fingerprint,
        )
    }
}

/// The verdicts that fail a run (`--fail-on`): the app turns them into the exit code,
/// reporters show them (SARIF levels, the summary's failing count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailOn(Vec<Verdict>);

impl FailOn {
    pub fn new(verdicts: Vec<Verdict>) -> Self {
        FailOn(verdicts)
    }

    /// Everything but `reference` and `reencrypt` (scan's default).
    pub fn default_for_scan() -> Self {
        FailOn(
            Verdict::ALL
                .into_iter()
                .filter(|v| v.fails_by_default())
                .collect(),
        )
    }

    pub fn fails(&self, verdict: Verdict) -> bool {
        self.0.contains(&verdict)
    }

    /// How many of the findings fail the run.
    pub fn count(&self, findings: &[Finding]) -> usize {
        findings.iter().filter(|f| self.fails(f.verdict)).count()
    }
}
