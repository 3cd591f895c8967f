//! The key ring (SPEC §1): fingerprints of keys and their rotation state.

pub(crate) mod discover;
pub(crate) mod dotenv;
pub(crate) mod edit;
pub(crate) mod policy;

use crate::error::{Error, Result};
use crate::secret::Fingerprint;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// A key's place in its rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    Pending,
    Active,
    Fallback,
    Retired,
    Revoked,
}

impl KeyState {
    pub const ALL: [KeyState; 5] = [
        KeyState::Pending,
        KeyState::Active,
        KeyState::Fallback,
        KeyState::Retired,
        KeyState::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Pending => "pending",
            KeyState::Active => "active",
            KeyState::Fallback => "fallback",
            KeyState::Retired => "retired",
            KeyState::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One key of the ring, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RingKey {
    pub id: String,
    pub service: String,
    pub state: KeyState,
    pub fingerprint: Fingerprint,
    pub length: Option<usize>,
    pub created: Option<String>,
    /// When the key entered its state, seconds since the epoch.
    pub since: Option<i64>,
    pub note: Option<String>,
}

/// The lengths of the ring's keys, which bound the token scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Lengths {
    /// Every key declares its length.
    Exact(Vec<usize>),
    /// At least one key has no `length`: any token may be a key.
    Any,
}

/// A loaded and validated key ring.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ring {
    /// Where it was read from, as given (None: no ring).
    pub path: Option<String>,
    keys: Vec<RingKey>,
    by_fingerprint: crate::secret::FingerprintMap<usize>,
    policies: std::collections::BTreeMap<String, Policy>,
    /// SHA-256 of the ring file's bytes: reports record it so that `merge` and
    /// `gate --reports` refuse reports made with another ring.
    pub digest: Option<Fingerprint>,
}

/// The ring file as it is on disk.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RingFile {
    pub version: u32,
    /// Rotation policy per service (`max_age`, `grace`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub services: std::collections::BTreeMap<String, PolicyEntry>,
    pub keys: Vec<RingEntry>,
}

/// A service's rotation policy as written: durations such as `7d`, `48h`, `2w`.
#[derive(Serialize, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace: Option<String>,
}

/// A service's rotation policy, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    /// An active key older than this is overdue for rotation.
    pub max_age: Option<i64>,
    /// A fallback key older than this should have been retired.
    pub grace: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RingEntry {
    pub id: String,
    pub service: String,
    pub state: String,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the key entered its state (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The fields of a ring file: the only quoted words an error about one may repeat.
const FIELDS: &[&str] = &[
    "version",
    "services",
    "keys",
    "id",
    "service",
    "state",
    "fingerprint",
    "length",
    "created",
    "since",
    "note",
    "max_age",
    "grace",
];

/// A parser's message with the values it quotes replaced by `…`: a malformed ring may
/// hold a key where an entry should be, and no error prints a key. The ring's field
/// names, and words that can be no key (lowercase letters, `_` and `-`, as a mistyped
/// field name is), are kept, so `unknown field `extra`` still says which field.
pub(crate) fn without_values(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[open] as char;
        let Some(len) = rest[open + 1..].find(quote) else {
            break;
        };
        let inner = &rest[open + 1..open + 1 + len];
        out.push_str(&rest[..=open]);
        let word = !inner.is_empty()
            && inner.len() <= 24
            && inner
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-');
        out.push_str(if FIELDS.contains(&inner) || word {
            inner
        } else {
            "…"
        });
        out.push(quote);
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    out
}

impl Ring {
    /// An empty ring: every secret found is `untracked`.
    pub(crate) fn empty() -> Self {
        Ring::default()
    }

    pub(crate) fn load(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Ring {
            path: shown.clone(),
            entry: "file".into(),
            problem: format!("cannot read: {e}"),
        })?;
        let mut ring = Self::parse(&text, &shown)?;
        ring.digest = Some(Fingerprint::of(text.as_bytes()));
        Ok(ring)
    }

    /// Parses and validates a ring; `shown` names the file in errors.
    pub(crate) fn parse(text: &str, shown: &str) -> Result<Self> {
        let err = |entry: String, problem: String| Error::Ring {
            path: shown.to_string(),
            entry,
            problem,
        };
        let file: RingFile = serde_json::from_str(text).map_err(|e| {
            err(
                format!("line {} column {}", e.line(), e.column()),
                format!("not a valid ring: {}", without_values(&e.to_string())),
            )
        })?;
        if file.version != 1 {
            return Err(err(
                "version".into(),
                format!("unsupported version {} (expected 1)", file.version),
            ));
        }
        let mut ring = Ring {
            path: Some(shown.to_string()),
            ..Ring::default()
        };
        for (service, p) in &file.services {
            let entry = format!("services.{service}");
            let duration = |field: &str, v: &Option<String>| -> Result<Option<i64>> {
                v.as_deref()
                    .map(|d| {
                        crate::clock::parse_duration(d).ok_or_else(|| {
                            err(
                                entry.clone(),
                                format!("{field}: not a duration such as 48h, 7d or 2w"),
                            )
                        })
                    })
                    .transpose()
            };
            let policy = Policy {
                max_age: duration("max_age", &p.max_age)?,
                grace: duration("grace", &p.grace)?,
            };
            ring.policies.insert(service.clone(), policy);
        }
        // Validated by reference first (an entry's name is only formatted for an error,
        // ids are borrowed), then moved: a 100,000-key ring allocates what it keeps.
        let n = file.keys.len();
        let mut ids: HashMap<&str, usize> = HashMap::with_capacity(n);
        ring.by_fingerprint.reserve(n);
        let mut parsed = Vec::with_capacity(n);
        for (i, e) in file.keys.iter().enumerate() {
            let entry = || {
                if e.id.is_empty() {
                    format!("keys[{i}]")
                } else {
                    format!("keys[{i}] (id {:?})", e.id)
                }
            };
            if e.id.trim().is_empty() {
                return Err(err(entry(), "empty id".into()));
            }
            if e.service.trim().is_empty() {
                return Err(err(entry(), "empty service".into()));
            }
            let state = KeyState::parse(&e.state).ok_or_else(|| {
                err(
                    entry(),
                    "state: not one of pending, active, fallback, retired, revoked".to_string(),
                )
            })?;
            let fingerprint = Fingerprint::parse(&e.fingerprint)
                .map_err(|p| err(entry(), format!("bad fingerprint: {p}")))?;
            if e.length == Some(0) {
                return Err(err(entry(), "length must be at least 1".into()));
            }
            let since = match e.since.as_deref() {
                None => None,
                Some(t) => Some(crate::clock::parse(t).ok_or_else(|| {
                    err(
                        entry(),
                        "since: not an RFC 3339 time such as 2026-01-01T00:00:00Z".into(),
                    )
                })?),
            };
            if let Some(c) = e.created.as_deref() {
                if crate::clock::parse(c).is_none() {
                    return Err(err(
                        entry(),
                        "created: not a date such as 2026-01-01".into(),
                    ));
                }
            }
            if let Some(first) = ids.insert(&e.id, i) {
                return Err(err(
                    entry(),
                    format!("duplicate id: keys[{first}] has the same id"),
                ));
            }
            if let Some(other) = ring.by_fingerprint.insert(fingerprint, i) {
                return Err(err(
                    entry(),
                    format!(
                        "duplicate fingerprint: already listed under id {:?}",
                        file.keys[other].id
                    ),
                ));
            }
            parsed.push((state, fingerprint, since));
        }
        ring.keys = file
            .keys
            .into_iter()
            .zip(parsed)
            .map(|(e, (state, fingerprint, since))| RingKey {
                id: e.id,
                service: e.service,
                state,
                fingerprint,
                length: e.length,
                created: e.created,
                since,
                note: e.note,
            })
            .collect();
        Ok(ring)
    }

    pub(crate) fn keys(&self) -> &[RingKey] {
        &self.keys
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn lookup(&self, fp: &Fingerprint) -> Option<&RingKey> {
        self.by_fingerprint.get(fp).map(|&i| &self.keys[i])
    }

    pub(crate) fn lengths(&self) -> Lengths {
        let mut set = BTreeSet::new();
        for k in &self.keys {
            match k.length {
                Some(l) => {
                    set.insert(l);
                }
                None => return Lengths::Any,
            }
        }
        Lengths::Exact(set.into_iter().collect())
    }

    /// The rotation policy of a service (none: no limits).
    pub(crate) fn policy(&self, service: &str) -> Policy {
        self.policies.get(service).copied().unwrap_or_default()
    }

    pub(crate) fn services(&self) -> BTreeSet<&str> {
        self.keys.iter().map(|k| k.service.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP_A: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const FP_B: &str = "sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    fn ring(keys: &str) -> Result<Ring> {
        Ring::parse(&format!(r#"{{"version": 1, "keys": [{keys}]}}"#), "r.json")
    }

    fn key(id: &str, state: &str, fp: &str) -> String {
        format!(r#"{{"id": "{id}", "service": "s", "state": "{state}", "fingerprint": "{fp}"}}"#)
    }

    #[test]
    fn valid_ring_indexes_fingerprints() {
        let r = ring(&format!(
            "{},{}",
            key("a", "active", FP_A),
            key("b", "retired", FP_B)
        ))
        .unwrap();
        assert_eq!(r.len(), 2);
        let fp = Fingerprint::parse(FP_B).unwrap();
        assert_eq!(r.lookup(&fp).unwrap().state, KeyState::Retired);
        assert_eq!(r.lengths(), Lengths::Any);
    }

    #[test]
    fn errors_name_file_entry_and_problem() {
        let cases = [
            (format!("{},", key("a", "active", FP_A)), "line"),
            (key("a", "primary", FP_A), "state: not one of pending"),
            (key("a", "active", "sha256:xyz"), "bad fingerprint"),
            (
                format!(
                    "{},{}",
                    key("a", "active", FP_A),
                    key("a", "fallback", FP_B)
                ),
                "duplicate id",
            ),
            (
                format!(
                    "{},{}",
                    key("a", "active", FP_A),
                    key("b", "fallback", FP_A)
                ),
                "duplicate fingerprint",
            ),
        ];
        for (keys, want) in cases {
            let msg = ring(&keys).unwrap_err().to_string();
            assert!(msg.starts_with("key ring r.json: "), "{msg}");
            assert!(msg.contains(want), "{msg} should contain {want}");
        }
        let msg = ring(&key("a", "primary", FP_A)).unwrap_err().to_string();
        assert!(msg.contains("keys[0] (id \"a\")"), "{msg}");
    }

    #[test]
    fn malformed_entries_never_quote_a_value() {
        let key = "rk-Zx9hq2LmV8rT4wYb1NcK6dPsAq3";
        for text in [
            format!(r#"{{"version": 1, "keys": ["{key}"]}}"#),
            format!(
                r#"{{"version": 1, "keys": [{{"id": "a", "service": "s", "state": "active", "fingerprint": "x", "length": "{key}"}}]}}"#
            ),
            format!(r#"{{"version": 1, "keys": [{{"{key}": 1}}]}}"#),
            format!(r#"{{"version": "{key}", "keys": []}}"#),
            format!(
                r#"{{"version": 1, "keys": [{{"id": "a", "service": "s", "state": "{key}", "fingerprint": "x"}}]}}"#
            ),
        ] {
            let msg = Ring::parse(&text, "r.json").unwrap_err().to_string();
            assert!(!msg.contains(&key[3..15]), "{msg}");
            assert!(msg.starts_with("key ring r.json: "), "{msg}");
        }
        assert_eq!(
            without_values("invalid type: string \"Ab1-x\", expected struct `RingEntry`"),
            "invalid type: string \"…\", expected struct `…`"
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let r = Ring::parse(r#"{"version": 1, "keys": [], "extra": 1}"#, "r.json");
        assert!(r.unwrap_err().to_string().contains("unknown field `extra`"));
    }
}

/// Parses `data` as a ring and as times and durations, panicking if an invariant
/// breaks: a parsed time prints back to itself, a parsed duration is positive, a
/// valid ring's policy check only flags keys past their limit. Shared by the
/// `cargo fuzz` target `ring_file` and a seeded test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(t) = crate::clock::parse(text) {
        assert_eq!(
            crate::clock::parse(&crate::clock::rfc3339(t)),
            Some(t),
            "{text:?}"
        );
    }
    if let Some(d) = crate::clock::parse_duration(text) {
        assert!(d > 0, "{text:?}");
    }
    if let Ok(ring) = Ring::parse(text, "fuzz.json") {
        for now in [0, 1_796_000_000, i64::MAX / 4] {
            for f in policy::check(&ring, now) {
                assert!(f.age > f.limit);
            }
        }
    }
}

#[cfg(test)]
mod fuzz_like {
    /// Seeded random rings, times and durations through [`super::self_check`].
    #[test]
    fn random_rings_times_and_durations() {
        const PIECES: &[&str] = &[
            r#"{"version": 1, "services": {"s": {"max_age": ""#,
            r#"", "grace": ""#,
            r#""}}, "keys": [{"id": "a", "service": "s", "state": ""#,
            "active",
            "fallback",
            "pending",
            "7d",
            "48h",
            "2w",
            "0d",
            "-1h",
            "99999999999999999w",
            r#"", "since": ""#,
            "2026-01-01T00:00:00Z",
            "2026-02-30",
            "9999-12-31T23:59:60+14:00",
            "0000-01-01",
            r#"", "created": "2026-01-01"#,
            r#"", "fingerprint": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}"#,
            "\"",
            "}",
            ".5",
            "Z",
            "+",
            ":",
        ];
        let mut rng = crate::testrand::XorShift::new(0x5EED_0014);
        for _ in 0..3_000 {
            let n = 1 + rng.below(10);
            let text: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
            super::self_check(text.as_bytes());
        }
    }
}
