//! Reading a ring file: its digest, its entries and their validation (SPEC §1: a
//! malformed ring is an error naming the file, the entry and the problem).
//!
//! Two paths give the same ring. The plain form (what `ring add` and every generator
//! write) is validated entry by entry while it is read, so a 100,000-key ring is read
//! in one pass through its text and keeps no copy of its entries. Anything else, and
//! every error, goes through serde and the full check, whose messages name the problem.

use super::wire::{self, LoadEntry};
use super::{without_values, KeyIndex, KeyState, Policy, PolicyEntry, Ring, RingKey};
use crate::error::{Error, Result};
use crate::secret::{Fingerprint, FingerprintHasher, FingerprintMap};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::path::Path;
use std::sync::Arc;

/// What an entry holds once checked: its state, fingerprint and `since`.
type Checked = (KeyState, Fingerprint, Option<i64>);

impl Ring {
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Ring {
            path: shown.clone(),
            entry: "file".into(),
            problem: format!("cannot read: {e}"),
        })?;
        // A big ring's digest is taken on another core while it is parsed.
        let (ring, digest) = if text.len() >= 1 << 20 {
            std::thread::scope(|s| {
                let digest = s.spawn(|| Fingerprint::of(text.as_bytes()));
                let ring = Self::parse(&text, &shown);
                (ring, digest.join().expect("hashing does not panic"))
            })
        } else {
            (Self::parse(&text, &shown), Fingerprint::of(text.as_bytes()))
        };
        let mut ring = ring?;
        ring.digest = Some(digest);
        Ok(ring)
    }

    /// Parses and validates a ring; `shown` names the file in errors.
    pub(crate) fn parse(text: &str, shown: &str) -> Result<Self> {
        match Self::parse_plain(text, shown) {
            Some(ring) => Ok(ring),
            None => Self::parse_any(text, shown),
        }
    }

    /// The plain form, each entry checked as it is read; `None` on anything else or
    /// any problem (which [`Ring::parse_any`] then finds and names).
    fn parse_plain(text: &str, shown: &str) -> Option<Self> {
        // About 130 bytes or more an entry: reserved once, not grown (up to a million
        // keys: a huge file that is no ring reserves no more).
        let guess = (text.len() / 128).min(1 << 20);
        let mut keys = Vec::with_capacity(guess);
        // Ids by a 64-bit hash (8 bytes an entry, not a string map): a repeated id, or
        // two ids of one hash, sends the ring to the full check.
        let mut ids: HashSet<u64, BuildHasherDefault<FingerprintHasher>> =
            HashSet::with_capacity_and_hasher(guess, Default::default());
        let mut by_fingerprint = FingerprintMap::default();
        by_fingerprint.reserve(guess);
        let header = wire::fast_each(text, |e| {
            let i = keys.len();
            let (state, fingerprint, since) = check(&e).ok()?;
            // The fast path borrows every string from the text.
            let Cow::Borrowed(id) = e.id else {
                return None;
            };
            ids.insert(id_hash(id)).then_some(())?;
            by_fingerprint
                .insert(fingerprint, i)
                .is_none()
                .then_some(())?;
            keys.push(key(e, (state, fingerprint, since)));
            Some(())
        })?;
        (header.version == 1).then_some(())?;
        Some(Ring {
            path: Some(shown.to_string()),
            keys,
            by_fingerprint: KeyIndex(Arc::new(by_fingerprint)),
            policies: policies(&header.services).ok()?,
            digest: None,
        })
    }

    /// Any form serde reads, checked in full: errors in the order a reader expects
    /// (syntax, version, services, then each entry in turn).
    fn parse_any(text: &str, shown: &str) -> Result<Self> {
        let err = |entry: String, problem: String| Error::Ring {
            path: shown.to_string(),
            entry,
            problem,
        };
        let file: wire::LoadFile = serde_json::from_str(text).map_err(|e| {
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
        let policies = policies(&file.services).map_err(|(entry, problem)| err(entry, problem))?;
        // Validated by reference first (an entry's name is only formatted for an error,
        // ids are borrowed), then moved.
        let n = file.keys.len();
        let mut ids: HashMap<&str, usize> = HashMap::with_capacity(n);
        let mut by_fingerprint = FingerprintMap::default();
        by_fingerprint.reserve(n);
        let mut checked = Vec::with_capacity(n);
        for (i, e) in file.keys.iter().enumerate() {
            let entry = || {
                if e.id.is_empty() {
                    format!("keys[{i}]")
                } else {
                    format!("keys[{i}] (id {:?})", e.id)
                }
            };
            let (state, fingerprint, since) = check(e).map_err(|p| err(entry(), p))?;
            if let Some(first) = ids.insert(&*e.id, i) {
                return Err(err(
                    entry(),
                    format!("duplicate id: keys[{first}] has the same id"),
                ));
            }
            if let Some(other) = by_fingerprint.insert(fingerprint, i) {
                return Err(err(
                    entry(),
                    format!(
                        "duplicate fingerprint: already listed under id {:?}",
                        file.keys[other].id
                    ),
                ));
            }
            checked.push((state, fingerprint, since));
        }
        let keys = file
            .keys
            .into_iter()
            .zip(checked)
            .map(|(e, checked)| key(e, checked))
            .collect();
        Ok(Ring {
            path: Some(shown.to_string()),
            keys,
            by_fingerprint: KeyIndex(Arc::new(by_fingerprint)),
            policies,
            digest: None,
        })
    }
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    thread_local!(static STATE: RandomState = RandomState::new());
    STATE.with(|s| s.hash_one(id))
}

/// The ring's key of a checked entry.
fn key(e: LoadEntry, (state, fingerprint, since): Checked) -> RingKey {
    RingKey {
        id: e.id.into_owned(),
        service: e.service.into_owned(),
        state,
        fingerprint,
        length: e.length,
        created: e.created.map(Cow::into_owned),
        since,
        note: e.note.map(Cow::into_owned),
    }
}

/// One entry's own checks (not the ones across entries): the problem, if any.
fn check(e: &LoadEntry) -> std::result::Result<Checked, String> {
    if e.id.trim().is_empty() {
        return Err("empty id".into());
    }
    if e.service.trim().is_empty() {
        return Err("empty service".into());
    }
    let state = KeyState::parse(&e.state)
        .ok_or("state: not one of pending, active, fallback, retired, revoked")?;
    let fingerprint =
        Fingerprint::parse(&e.fingerprint).map_err(|p| format!("bad fingerprint: {p}"))?;
    if e.length == Some(0) {
        return Err("length must be at least 1".into());
    }
    let since = match e.since.as_deref() {
        None => None,
        Some(t) => Some(
            crate::clock::parse(t)
                .ok_or("since: not an RFC 3339 time such as 2026-01-01T00:00:00Z")?,
        ),
    };
    if let Some(c) = e.created.as_deref() {
        if crate::clock::parse(c).is_none() {
            return Err("created: not a date such as 2026-01-01".into());
        }
    }
    Ok((state, fingerprint, since))
}

/// The services' policies in seconds, or (entry, problem) for the first bad duration.
fn policies(
    services: &BTreeMap<String, PolicyEntry>,
) -> std::result::Result<BTreeMap<String, Policy>, (String, String)> {
    let mut out = BTreeMap::new();
    for (service, p) in services {
        let duration = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|d| {
                    crate::clock::parse_duration(d).ok_or_else(|| {
                        (
                            format!("services.{service}"),
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
        out.insert(service.clone(), policy);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two paths on `text`: where the plain path reads a ring, the full one reads
    /// the same; where the full one refuses it, so does the plain one.
    fn same_both_ways(text: &str) -> bool {
        let plain = Ring::parse_plain(text, "r.json");
        match (&plain, Ring::parse_any(text, "r.json")) {
            (Some(p), Ok(a)) => {
                assert_eq!(p.keys, a.keys, "{text}");
                assert_eq!(p.policies, a.policies, "{text}");
                assert_eq!(p.by_fingerprint.0, a.by_fingerprint.0, "{text}");
            }
            (Some(_), Err(e)) => panic!("the plain path read a ring that is wrong ({e}): {text}"),
            (None, _) => {}
        }
        plain.is_some()
    }

    /// Seeded random rings with every kind of problem an entry can have, alone or
    /// several at once.
    #[test]
    fn random_rings_are_read_the_same_by_both_paths() {
        let mut rng = crate::testrand::XorShift::new(0x00C0_FFEE_0001);
        let fps = [
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
            "sha256:60303AE22B998861BCE3B28F33EEC1BE758A213C86C93C076DBE9F558C11C752",
            "sha256:abc",
        ];
        let states = ["active", "retired", "fallback", "primary"];
        let ids = ["a", "b", "c", " "];
        let extras = [
            "",
            r#","length":43"#,
            r#","length":0"#,
            r#","since":"2026-11-01T09:00:00Z""#,
            r#","since":"yesterday""#,
            r#","created":"2026-11-01""#,
            r#","created":"soon""#,
            r#","note":"rotated \"early\"""#,
        ];
        let services = [
            "",
            r#","services":{"s":{"max_age":"7d","grace":"48h"}}"#,
            r#","services":{"s":{"max_age":"a week"}}"#,
        ];
        let mut plain = 0;
        for _ in 0..5_000 {
            let n = rng.below(4);
            let keys: Vec<String> = (0..n)
                .map(|_| {
                    format!(
                        r#"{{"id":"{}","service":"s","state":"{}","fingerprint":"{}"{}}}"#,
                        ids[rng.below(ids.len())],
                        states[rng.below(states.len())],
                        fps[rng.below(fps.len())],
                        extras[rng.below(extras.len())]
                    )
                })
                .collect();
            let version = if rng.below(20) == 0 { 2 } else { 1 };
            let text = format!(
                r#"{{"version":{version}{},"keys":[{}]}}"#,
                services[rng.below(services.len())],
                keys.join(",")
            );
            plain += usize::from(same_both_ways(&text));
        }
        assert!(plain > 500, "the plain path read only {plain} rings");
    }
}
