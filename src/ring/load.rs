//! Reading a ring file: its digest, its entries and their validation (SPEC §1: a
//! malformed ring is an error naming the file, the entry and the problem).
//!
//! Two paths give the same ring. The plain form (what `ring add` and every generator
//! write) is validated entry by entry while it is read, so a 100,000-key ring is read
//! in one pass through its text and keeps no copy of its entries. Anything else, and
//! every error, goes through serde and the full check, whose messages name the problem.

use super::wire::{self, LoadEntry};
use super::{
    without_values, KeyIndex, KeyName, KeyState, Keys, Policy, PolicyEntry, Ring, RingKey, Shards,
};
use crate::error::{Error, Result};
use crate::secret::{Fingerprint, FingerprintHasher, FingerprintMap};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::hash::{BuildHasher, RandomState};
use std::path::Path;

/// What an entry holds once checked: its state, fingerprint and `since`.
type Checked = (KeyState, Fingerprint, Option<i64>);

impl Ring {
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let text = read(path).map_err(|e| Error::Ring {
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
    /// any problem (which [`Ring::parse_any`] then finds and names). A big ring is read
    /// by two threads, one from the middle of `keys` on.
    fn parse_plain(text: &str, shown: &str) -> Option<Self> {
        // About 130 bytes or more an entry: reserved once, not grown (up to a million
        // keys: a huge file that is no ring reserves no more).
        let guess = (text.len() / 128).min(1 << 20);
        let ids = RandomState::new();
        let split_at = (text.len() >= PARALLEL_MIN)
            .then(|| wire::entry_start_after(text, text.len() / 2))
            .flatten();
        let (header, keys, second) = std::thread::scope(|s| {
            let mut reader = split_at.map(|at| {
                let ids = &ids;
                s.spawn(move || {
                    let mut part = Part::with_capacity(guess / 2 + 1);
                    let end = wire::fast_entries_from(text, at, |e| part.push(e, ids))?;
                    Some((part, end))
                })
            });
            let mut second = None;
            let mut join = || {
                let (part, end) = reader
                    .take()?
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
                second = Some(part);
                Some(end)
            };
            let split = split_at.map(|at| wire::Split {
                at,
                join: &mut join,
            });
            let mut first = Part::with_capacity(guess);
            let header = wire::fast_each(text, split, |e| first.push(e, &ids));
            (header, first, second)
        });
        let header = header?;
        (header.version == 1).then_some(())?;
        // The second reader's keys follow the first's (not copied after them).
        let second = second.unwrap_or_else(|| Part::with_capacity(0));
        let (first_ids, second_ids) = (keys.ids, second.ids);
        let keys = Keys::new(keys.keys, second.keys);
        let by_fingerprint = index(&keys, [&first_ids, &second_ids], split_at.is_some())?;
        Some(Ring {
            path: Some(shown.to_string()),
            keys,
            by_fingerprint,
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
        let mut shards = Shards::default();
        for shard in &mut shards {
            shard.reserve(n / 2);
        }
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
            if let Some(other) = shards[fingerprint.shard()].insert(fingerprint, i) {
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
        let keys = Keys::new(keys, Vec::new());
        Ok(Ring {
            path: Some(shown.to_string()),
            keys,
            by_fingerprint: KeyIndex::new(shards),
            policies,
            digest: None,
        })
    }
}

/// The ring file's text. A big one is mapped, not read: reading 16 MB was mostly the
/// kernel's copy and the faults and zeroing of a fresh buffer's pages (11-20 ms of a
/// 100,000-key load; mapped, 2-4 ms with the UTF-8 check). Anything else (a small
/// file, a pipe, a file that cannot be mapped) is read.
fn read(path: &Path) -> std::io::Result<Text> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() >= PARALLEL_MIN as u64 {
        // SAFETY: the map is only read, and only while the ring loads (every string
        // kept is copied out). stalekey itself never changes a ring in place: its
        // writers take the ring's lock and rename a new file over it, which leaves this
        // mapping intact. What the map cannot guard against is another program writing
        // the same file in place during the few milliseconds of the load: a truncation
        // ends the process (SIGBUS, as it would ripgrep's), and bytes changed after the
        // UTF-8 check below would be read as text unchecked. (A ring being written
        // while it loads is half-written: wrong to load however it is read.)
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            std::str::from_utf8(&map).map_err(|_| not_utf8())?;
            return Ok(Text::Mapped(map));
        }
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut &file, &mut text)?;
    Ok(Text::Read(text))
}

fn not_utf8() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

/// A ring file's text, mapped or read.
enum Text {
    /// Checked to be UTF-8 when mapped.
    Mapped(memmap2::Mmap),
    Read(String),
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            // SAFETY: checked by `read` when it mapped the file.
            Text::Mapped(map) => unsafe { std::str::from_utf8_unchecked(map) },
            Text::Read(text) => text,
        }
    }
}

/// Rings of at least this many bytes are mapped and parsed by two threads (below it, a
/// thread costs more than it saves).
const PARALLEL_MIN: usize = 1 << 20;

/// The entries one reader of the plain form has read, each checked, with a hash of
/// each id (ids are compared by hash: 8 bytes an entry, not a string map; two ids of
/// one hash send the ring to the full check).
struct Part {
    keys: Vec<RingKey>,
    ids: Vec<u64>,
}

impl Part {
    fn with_capacity(n: usize) -> Self {
        Part {
            keys: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
        }
    }

    /// Checks and keeps an entry: `None` if it fails its own checks, or its id is not
    /// borrowed from the text (the fast path borrows every string).
    fn push(&mut self, e: LoadEntry, ids: &RandomState) -> Option<()> {
        let checked = check(&e).ok()?;
        let Cow::Borrowed(id) = e.id else {
            return None;
        };
        self.ids.push(ids.hash_one(id));
        self.keys.push(key(e, checked));
        Some(())
    }
}

/// The fingerprint index of checked keys; `None` on a repeated fingerprint or id hash
/// (the full check then names it). With `parallel`, each half on its own thread.
fn index(keys: &Keys, ids: [&[u64]; 2], parallel: bool) -> Option<KeyIndex> {
    let half = |shard: usize| -> Option<FingerprintMap<usize>> {
        let n = keys.len();
        let mut map = FingerprintMap::default();
        map.reserve(n / 2 + n / 16);
        for (i, k) in keys.iter().enumerate() {
            if k.fingerprint.shard() == shard && map.insert(k.fingerprint, i).is_some() {
                return None;
            }
        }
        // Ids by the top bit of their hash (the table's hash takes the low bits).
        let mut seen: HashSet<u64, BuildHasherDefault<FingerprintHasher>> =
            HashSet::with_capacity_and_hasher(n / 2 + n / 16, Default::default());
        for &h in ids.iter().flat_map(|part| part.iter()) {
            if (h >> 63) as usize == shard && !seen.insert(h) {
                return None;
            }
        }
        Some(map)
    };
    let (a, b) = if parallel {
        std::thread::scope(|s| {
            let b = s.spawn(|| half(1));
            let a = half(0);
            (a, b.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        })
    } else {
        (half(0), half(1))
    };
    Some(KeyIndex::new([a?, b?]))
}

/// The ring's key of a checked entry.
fn key(e: LoadEntry, (state, fingerprint, since): Checked) -> RingKey {
    RingKey {
        id: KeyName::from(&*e.id),
        service: KeyName::from(&*e.service),
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

    /// A ring file of a megabyte or more is mapped, not read: the same ring as its
    /// text parsed, with the file's digest; one that is not UTF-8 is refused naming the
    /// file, as a small one is.
    #[test]
    fn a_big_ring_file_is_mapped_and_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let entries: Vec<String> = (0..PARALLEL_MIN / 100)
            .map(|i| {
                format!(
                    r#"{{"id": "s/{i}", "service": "s", "state": "retired", "fingerprint": "sha256:{:064x}"}}"#,
                    i + 1
                )
            })
            .collect();
        let text = format!("{{\"version\": 1, \"keys\": [{}]}}\n", entries.join(", "));
        assert!(text.len() >= PARALLEL_MIN);
        let path = dir.path().join("ring.json");
        std::fs::write(&path, &text).unwrap();
        assert!(matches!(read(&path).unwrap(), Text::Mapped(_)));
        let loaded = Ring::load(&path).unwrap();
        let parsed = Ring::parse(&text, "r.json").unwrap();
        assert_eq!(loaded.keys, parsed.keys);
        assert_eq!(loaded.digest, Some(Fingerprint::of(text.as_bytes())));
        let mut bytes = text.into_bytes();
        bytes[PARALLEL_MIN - 10] = 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let err = Ring::load(&path).expect_err("not UTF-8").to_string();
        assert!(
            err.contains("ring.json") && err.contains("valid UTF-8"),
            "{err}"
        );
        let small = dir.path().join("small.json");
        std::fs::write(&small, b"{\"version\": 1, \"keys\": []}\xff").unwrap();
        assert!(read(&small).is_err());
    }

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

    /// Rings big enough to be read by two threads, each half from the middle of `keys`
    /// on: the same ring as the full check reads, and the same refusals, whatever is
    /// across the halves (a repeated fingerprint or id, a bad entry late in the file, a
    /// note that looks like an entry's start where the split is guessed).
    #[test]
    fn big_rings_are_read_the_same_by_both_threads() {
        let mut rng = crate::testrand::XorShift::new(0x00C0_FFEE_0002);
        let n = PARALLEL_MIN / 120 + 100;
        let fps: Vec<String> = (0..n)
            .map(|_| {
                let hex: String = (0..64)
                    .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
                    .collect();
                format!("sha256:{hex}")
            })
            .collect();
        let entry = |i: usize, fp: &str, note: &str| {
            format!(
                r#"{{"id": "svc{}/{i}", "service": "svc{}", "state": "retired", "fingerprint": "{fp}", "length": 43{note}}}"#,
                i % 7,
                i % 7
            )
        };
        let ring = |entries: Vec<String>| {
            format!("{{\"version\": 1, \"keys\": [{}]}}\n", entries.join(", "))
        };
        let plain: Vec<String> = (0..n).map(|i| entry(i, &fps[i], "")).collect();
        let text = ring(plain.clone());
        assert!(text.len() >= PARALLEL_MIN);
        assert!(
            same_both_ways(&text),
            "a plain big ring is read by the fast path"
        );
        let at = wire::entry_start_after(&text, text.len() / 2).unwrap();
        assert!(text[at..].starts_with("{\"id\""));

        // A repeated fingerprint, the two in different halves; a repeated id likewise.
        let mut dup = plain.clone();
        dup[n - 3] = entry(n - 3, &fps[2], "");
        let text = ring(dup);
        assert!(!same_both_ways(&text));
        let e = Ring::parse(&text, "r.json").unwrap_err().to_string();
        assert!(e.contains("duplicate fingerprint"), "{e}");
        let mut dup = plain.clone();
        dup[n - 2] = dup[n - 2].replace(&format!("/{}\"", n - 2), "/1\"");
        dup[n - 2] = dup[n - 2].replace(&format!("svc{}/1", (n - 2) % 7), "svc1/1");
        let text = ring(dup);
        assert!(!same_both_ways(&text));
        let e = Ring::parse(&text, "r.json").unwrap_err().to_string();
        assert!(e.contains("duplicate id"), "{e}");

        // A bad entry near the end: named by the full check.
        let mut bad = plain.clone();
        bad[n - 1] = bad[n - 1].replace("retired", "primary");
        let e = Ring::parse(&ring(bad), "r.json").unwrap_err().to_string();
        assert!(
            e.contains(&format!("keys[{}]", n - 1)) && e.contains("state"),
            "{e}"
        );

        // Notes that look like entries' starts around the middle (the split guess lands
        // inside a string, or at the start of an entry's field rather than the entry).
        let mut notes = plain.clone();
        for (k, e) in notes.iter_mut().enumerate().skip(n / 2 - 20).take(40) {
            *e = entry(k, &fps[k], r#", "note": "a, {b} , {c}""#);
        }
        let text = ring(notes);
        let at = wire::entry_start_after(&text, text.len() / 2).unwrap();
        assert!(
            text[at..].starts_with("{b}"),
            "the guess falls inside a note"
        );
        assert!(same_both_ways(&text));
        let r = Ring::parse(&text, "r.json").unwrap();
        assert_eq!(r.len(), n);
        assert!(r
            .keys()
            .zip(0..)
            .all(|(k, i)| k.fingerprint == Fingerprint::parse(&fps[i]).unwrap()));
    }
}
