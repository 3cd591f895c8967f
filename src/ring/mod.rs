//! The key ring (SPEC §1): fingerprints of keys and their rotation state.

pub(crate) mod discover;
pub(crate) mod dotenv;
pub(crate) mod edit;
mod load;
pub(crate) mod policy;
pub(crate) mod wire;

use crate::secret::Fingerprint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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

/// A key's id or service: short strings held inline (no allocation up to 24 bytes), so
/// a 100,000-key ring is not 200,000 allocations.
pub(crate) type KeyName = compact_str::CompactString;

/// One key of the ring, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RingKey {
    pub id: KeyName,
    pub service: KeyName,
    pub state: KeyState,
    pub fingerprint: Fingerprint,
    pub length: Option<usize>,
    pub created: Option<String>,
    /// When the key entered its state, seconds since the epoch.
    pub since: Option<i64>,
    pub note: Option<String>,
}

/// The lengths of the ring's keys, which bound the token scan: the distinct lengths
/// keys declare, sorted, and whether some key declares none (then any token may be a key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lengths {
    pub exact: Vec<usize>,
    pub any: bool,
}

/// A loaded and validated key ring.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ring {
    /// Where it was read from, as given (None: no ring).
    pub path: Option<String>,
    keys: Keys,
    by_fingerprint: KeyIndex,
    policies: std::collections::BTreeMap<String, Policy>,
    /// SHA-256 of the ring file's bytes: reports record it so that `merge` and
    /// `gate --reports` refuse reports made with another ring.
    pub digest: Option<Fingerprint>,
}

/// The ring's keys in file order, in the two parts two readers read (a big ring's
/// halves are not copied into one list).
#[derive(Clone, Debug, Default)]
pub(crate) struct Keys([Vec<RingKey>; 2]);

/// The same keys in the same order, however they are split.
impl PartialEq for Keys {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Keys {
    pub(crate) fn new(first: Vec<RingKey>, second: Vec<RingKey>) -> Self {
        Keys([first, second])
    }

    pub(crate) fn len(&self) -> usize {
        self.0[0].len() + self.0[1].len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&RingKey> {
        let first = &self.0[0];
        first.get(i).or_else(|| self.0[1].get(i - first.len()))
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &RingKey> + Clone {
        self.0[0].iter().chain(&self.0[1])
    }
}

/// The ring's keys by fingerprint (to their index in the ring), shared by the ring and
/// the extractors that look fingerprints up: built once, whatever the ring's size.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyIndex(std::sync::Arc<Shards>);

/// The index in two halves by a bit of the fingerprint, so that a big ring's two
/// halves are built on two cores.
pub(crate) type Shards = [crate::secret::FingerprintMap<usize>; 2];

impl KeyIndex {
    pub(crate) fn new(shards: Shards) -> Self {
        KeyIndex(std::sync::Arc::new(shards))
    }

    pub(crate) fn get(&self, fp: &Fingerprint) -> Option<usize> {
        self.0[fp.shard()].get(fp).copied()
    }

    pub(crate) fn contains(&self, fp: &Fingerprint) -> bool {
        self.0[fp.shard()].contains_key(fp)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|s| s.is_empty())
    }
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
#[derive(Serialize, Deserialize, Clone, Default, Debug, PartialEq)]
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

    pub(crate) fn keys(&self) -> impl Iterator<Item = &RingKey> + Clone {
        self.keys.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn lookup(&self, fp: &Fingerprint) -> Option<&RingKey> {
        self.by_fingerprint.get(fp).and_then(|i| self.keys.get(i))
    }

    /// The fingerprints of the ring's keys, for extractors (shared, not copied).
    pub(crate) fn index(&self) -> KeyIndex {
        self.by_fingerprint.clone()
    }

    pub(crate) fn lengths(&self) -> Lengths {
        let mut set = BTreeSet::new();
        // Rings list keys of a few lengths, in runs of one length: a length like the
        // previous key's is not looked up again.
        let (mut last, mut any) = (None, false);
        for k in self.keys.iter() {
            match k.length {
                Some(l) if last == Some(l) => {}
                Some(l) => {
                    set.insert(l);
                    last = Some(l);
                }
                None => any = true,
            }
        }
        Lengths {
            exact: set.into_iter().collect(),
            any,
        }
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
    use crate::error::Result;

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
        assert_eq!(
            r.lengths(),
            Lengths {
                exact: vec![],
                any: true
            }
        );
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
    wire::self_check(text);
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
            let text = rng.pieces(PIECES, n);
            super::self_check(text.as_bytes());
        }
    }
}
