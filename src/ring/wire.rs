//! The ring file as a scan reads it: strings borrowed from the text, and a fast path for
//! the plain form every ring writer produces.
//!
//! A 100,000-key ring is 16 MB of JSON, and a scan reads it before anything else. The
//! fast path reads the ring's own shape (known fields, strings without escapes, plain
//! integers, `null`) without an intermediate owned copy; anything else — an escape, a
//! float, an unknown or repeated field, a syntax error — makes it give up, and serde
//! reads the text instead, with its full grammar and its error messages. So the fast
//! path only ever accepts what serde reads to the same value (a seeded test and the
//! `ring_file` fuzz target compare the two).

use super::PolicyEntry;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The ring file as it is read for a scan (the owned form, [`super::RingFile`], is the
/// one `ring add` and friends edit and write).
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoadFile<'a> {
    pub version: u32,
    #[serde(default)]
    pub services: BTreeMap<String, PolicyEntry>,
    #[serde(borrow)]
    pub keys: Vec<LoadEntry<'a>>,
}

/// One entry of `keys`, its strings borrowed where they hold no escape.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoadEntry<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub service: Cow<'a, str>,
    #[serde(borrow)]
    pub state: Cow<'a, str>,
    #[serde(borrow)]
    pub fingerprint: Cow<'a, str>,
    pub length: Option<usize>,
    #[serde(borrow)]
    pub created: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub since: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub note: Option<Cow<'a, str>>,
}

/// The fields of a ring file other than its keys.
#[derive(Debug, PartialEq)]
pub(crate) struct Header {
    pub version: u32,
    pub services: BTreeMap<String, PolicyEntry>,
}

/// Where a second reader takes over `keys`: the offset of the entry it starts at, and
/// a call that waits for it and gives the offset just past the `]` where its part of
/// `keys` ended (`None`: it left the plain form or gave up).
pub(crate) struct Split<'s> {
    pub at: usize,
    pub join: &'s mut dyn FnMut() -> Option<usize>,
}

/// The fast path: calls `each` on every entry of `keys` as it is read (while its bytes
/// are in cache) and returns the rest of the file; `None` wherever the text leaves the
/// plain form, or `each` gives up (serde decides then). With a `split`, the entries
/// from `split.at` on are another reader's, if an entry starts exactly there; else the
/// split is ignored and every entry is read here.
pub(crate) fn fast_each<'a>(
    text: &'a str,
    mut split: Option<Split<'_>>,
    mut each: impl FnMut(LoadEntry<'a>) -> Option<()>,
) -> Option<Header> {
    let mut p = Plain { text, at: 0 };
    let (mut version, mut services, mut keys) = (None, None, false);
    p.object(|p, field| {
        match field {
            "version" if version.is_none() => version = Some(u32::try_from(p.integer()?).ok()?),
            "services" if services.is_none() => services = Some(p.services()?),
            "keys" if !keys => {
                keys = true;
                p.keys(&mut split, &mut each)?;
            }
            _ => return None,
        }
        Some(())
    })?;
    p.blank();
    (p.at == text.len() && keys).then_some(())?;
    Some(Header {
        version: version?,
        services: services.unwrap_or_default(),
    })
}

/// The second reader of a split: the entries of `keys` from `at` (which must be where
/// an entry starts, as [`fast_each`] checks) to the array's end; the offset past its
/// `]`, or `None` where the text leaves the plain form or `each` gives up.
pub(crate) fn fast_entries_from<'a>(
    text: &'a str,
    at: usize,
    mut each: impl FnMut(LoadEntry<'a>) -> Option<()>,
) -> Option<usize> {
    let mut p = Plain { text, at };
    p.entries(&mut None, &mut each)?;
    Some(p.at)
}

/// A likely start of an entry of `keys` at or after `from`: a `{` whose previous byte
/// other than a blank is `,`. Only a guess (it may be inside a string); [`fast_each`]
/// uses a split only where its own reading reaches it as an entry's start.
pub(crate) fn entry_start_after(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(off) = memchr::memchr(b'{', bytes.get(at..)?) {
        let open = at + off;
        let before = bytes[..open]
            .iter()
            .rev()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        if before == Some(&b',') {
            return Some(open);
        }
        at = open + 1;
    }
    None
}

/// The whole file by the fast path (for tests and the fuzz target's comparison).
fn fast(text: &str) -> Option<LoadFile<'_>> {
    let mut keys = Vec::new();
    let header = fast_each(text, None, |e| {
        keys.push(e);
        Some(())
    })?;
    Some(LoadFile {
        version: header.version,
        services: header.services,
        keys,
    })
}

/// The offset of the first `"`, `\\` or control byte, eight bytes at a time (ring
/// strings are short, and most of a ring's bytes are in them).
fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `w` that is zero (exact: no borrow crosses bytes,
    // since each byte's high bit is cleared before the subtraction).
    let zero = |w: u64| !(((w & !HIGH) + !HIGH) | w) & HIGH;
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let w = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        // Bytes under 0x20: the top three bits clear.
        let control = zero(w & (ONES * 0xe0));
        let stop = zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')));
        let m = control | stop;
        if m != 0 {
            return Some(at + m.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// A cursor over the text.
struct Plain<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Plain<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// JSON whitespace.
    fn blank(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    /// Skips blanks and takes `byte` if it is next.
    fn take(&mut self, byte: u8) -> bool {
        self.blank();
        let hit = self.bytes().get(self.at) == Some(&byte);
        self.at += usize::from(hit);
        hit
    }

    /// A string without escapes or control bytes.
    fn string(&mut self) -> Option<&'a str> {
        self.take(b'"').then_some(())?;
        let start = self.at;
        let len = string_end(&self.bytes()[start..])?;
        if self.bytes()[start + len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // Cut at ASCII quotes, so on character boundaries.
        self.text.get(start..start + len)
    }

    /// `null`: true if it was next (and taken).
    fn null(&mut self) -> bool {
        self.blank();
        let hit = self.bytes()[self.at..].starts_with(b"null");
        if hit {
            self.at += 4;
        }
        hit
    }

    fn optional_string(&mut self) -> Option<Option<&'a str>> {
        if self.null() {
            Some(None)
        } else {
            self.string().map(Some)
        }
    }

    /// A non-negative integer as JSON writes it (no sign, fraction, exponent or leading
    /// zero: serde reads those differently or not at all).
    fn integer(&mut self) -> Option<usize> {
        self.blank();
        let digits = self.bytes()[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let text = &self.text[self.at..self.at + digits];
        let next = self.bytes().get(self.at + digits);
        if digits == 0
            || (digits > 1 && text.starts_with('0'))
            || matches!(next, Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        self.at += digits;
        text.parse().ok()
    }

    /// `{ "field": value, ... }`, each value read by `member` (which gives up with None).
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.take(b'{').then_some(())?;
        if self.take(b'}') {
            return Some(());
        }
        loop {
            let field = self.string()?;
            self.take(b':').then_some(())?;
            member(self, field)?;
            if self.take(b'}') {
                return Some(());
            }
            self.take(b',').then_some(())?;
        }
    }

    fn services(&mut self) -> Option<BTreeMap<String, PolicyEntry>> {
        let mut services = BTreeMap::new();
        self.object(|p, name| {
            let mut policy = PolicyEntry::default();
            let (mut max_age, mut grace) = (false, false);
            p.object(|p, field| {
                let seen = match field {
                    "max_age" => &mut max_age,
                    "grace" => &mut grace,
                    _ => return None,
                };
                (!*seen).then_some(())?;
                *seen = true;
                let value = p.optional_string()?.map(str::to_string);
                match field {
                    "max_age" => policy.max_age = value,
                    _ => policy.grace = value,
                }
                Some(())
            })?;
            // A repeated service: the last one, as serde's map reads it.
            services.insert(name.to_string(), policy);
            Some(())
        })?;
        Some(services)
    }

    fn keys(
        &mut self,
        split: &mut Option<Split<'_>>,
        each: &mut impl FnMut(LoadEntry<'a>) -> Option<()>,
    ) -> Option<()> {
        self.take(b'[').then_some(())?;
        if self.take(b']') {
            return Some(());
        }
        self.entries(split, each)
    }

    /// `entry, entry, ... ]` (the array's `[` read already); from a split's offset on,
    /// the other reader's.
    fn entries(
        &mut self,
        split: &mut Option<Split<'_>>,
        each: &mut impl FnMut(LoadEntry<'a>) -> Option<()>,
    ) -> Option<()> {
        loop {
            if let Some(s) = split {
                self.blank();
                if self.at == s.at {
                    self.at = (s.join)()?;
                    return Some(());
                }
                if self.at > s.at {
                    // Not an entry's start: this reader reads on.
                    *split = None;
                }
            }
            each(self.entry()?)?;
            if self.take(b']') {
                return Some(());
            }
            self.take(b',').then_some(())?;
        }
    }

    fn entry(&mut self) -> Option<LoadEntry<'a>> {
        let (mut id, mut service, mut state, mut fingerprint) = (None, None, None, None);
        let (mut length, mut created, mut since, mut note) = (None, None, None, None);
        // Each field once (serde refuses a repeated one): bit i for the i-th field.
        let mut seen = 0u8;
        self.object(|p, field| {
            let bit = match field {
                "id" => 0,
                "service" => 1,
                "state" => 2,
                "fingerprint" => 3,
                "length" => 4,
                "created" => 5,
                "since" => 6,
                "note" => 7,
                _ => return None,
            };
            (seen & 1 << bit == 0).then_some(())?;
            seen |= 1 << bit;
            match bit {
                0 => id = Some(p.string()?),
                1 => service = Some(p.string()?),
                2 => state = Some(p.string()?),
                3 => fingerprint = Some(p.string()?),
                4 => length = if p.null() { None } else { Some(p.integer()?) },
                5 => created = p.optional_string()?,
                6 => since = p.optional_string()?,
                _ => note = p.optional_string()?,
            }
            Some(())
        })?;
        Some(LoadEntry {
            id: Cow::Borrowed(id?),
            service: Cow::Borrowed(service?),
            state: Cow::Borrowed(state?),
            fingerprint: Cow::Borrowed(fingerprint?),
            length,
            created: created.map(Cow::Borrowed),
            since: since.map(Cow::Borrowed),
            note: note.map(Cow::Borrowed),
        })
    }
}

/// The fast path with the entries from `at` on read by a second reader (here, when the
/// first one asks for them).
fn fast_split(text: &str, at: usize) -> Option<LoadFile<'_>> {
    let mut second = Vec::new();
    let mut join = || {
        fast_entries_from(text, at, |e| {
            second.push(e);
            Some(())
        })
    };
    let mut keys = Vec::new();
    let split = Split {
        at,
        join: &mut join,
    };
    let header = fast_each(text, Some(split), |e| {
        keys.push(e);
        Some(())
    })?;
    keys.append(&mut second);
    Some(LoadFile {
        version: header.version,
        services: header.services,
        keys,
    })
}

/// The fast path against serde on `text`: where the fast path reads a ring, serde reads
/// the same one; and read in two parts split where [`entry_start_after`] guesses (a
/// third, a half and two thirds of the way), the fast path reads the same as in one.
/// Shared by the `ring_file` fuzz target and the seeded test.
pub(crate) fn self_check(text: &str) {
    let whole = fast(text);
    if let Some(fast) = &whole {
        match serde_json::from_str::<LoadFile>(text) {
            Ok(slow) => assert_eq!(*fast, slow, "the fast path read another ring"),
            Err(e) => panic!("the fast path read a ring serde refuses: {e}"),
        }
    }
    for from in [text.len() / 3, text.len() / 2, text.len() * 2 / 3] {
        if let Some(at) = entry_start_after(text, from) {
            assert_eq!(fast_split(text, at), whole, "read in two parts from {at}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn the_plain_form_is_read_by_the_fast_path() {
        let text = format!(
            "{{\"version\": 1, \"services\": {{\"s\": {{\"max_age\": \"7d\", \"grace\": null}}}},\n \"keys\": [\
             {{\"id\": \"a\", \"service\": \"s\", \"state\": \"active\", \"fingerprint\": \"{FP}\", \"length\": 43, \"note\": \"née\"}}]}}\n"
        );
        let file = fast(&text).expect("plain form");
        assert_eq!(file, serde_json::from_str::<LoadFile>(&text).unwrap());
        assert_eq!(file.keys[0].length, Some(43));
        assert_eq!(file.services["s"].max_age.as_deref(), Some("7d"));
        assert!(fast(r#"{"version":1,"keys":[]}"#).is_some());
    }

    #[test]
    fn string_ends_are_found_at_every_offset() {
        let mut rng = crate::testrand::XorShift::new(0x0051_2149);
        for _ in 0..20_000 {
            let len = rng.below(40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| b"ab\"\\\x1f\x20\x7f\xe9\x00~"[rng.below(10)])
                .collect();
            let want = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            assert_eq!(string_end(&bytes), want, "{bytes:?}");
        }
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        let entry = |extra: &str| {
            format!(
                r#"{{"version":1,"keys":[{{"id":"a","service":"s","state":"active","fingerprint":"{FP}"{extra}}}]}}"#
            )
        };
        for text in [
            entry(r#","note":"a \"quoted\" note""#),
            entry(r#","length":43.0"#),
            entry(r#","length":043"#),
            entry(r#","length":-1"#),
            entry(r#","id":"again""#),
            entry(r#","colour":"red""#),
            entry(","),
            entry(r#","length":4e1"#),
            r#"{"version":1,"version":1,"keys":[]}"#.to_string(),
            r#"{"version":1,"keys":[]} x"#.to_string(),
            r#"{"version":null,"keys":[]}"#.to_string(),
            r#"{"keys":[]}"#.to_string(),
            "\u{feff}{\"version\":1,\"keys\":[]}".to_string(),
        ] {
            assert!(fast(&text).is_none(), "{text}");
        }
    }

    /// Seeded random rings, valid and mutated byte by byte: the fast path never reads
    /// one differently from serde.
    #[test]
    fn random_rings_read_the_same_both_ways() {
        let mut rng = crate::testrand::XorShift::new(0x005E_ED0F_7126);
        let pieces = [
            r#"{"version":1,"keys":["#,
            r#"{"id":"a","service":"s","state":"active","fingerprint":"sha256:00"}"#,
            r#"{"id":"b","service":"s","state":"retired","fingerprint":"x","length":12,"since":null}"#,
            r#","#,
            r#"]}"#,
            r#","services":{"s":{"max_age":"7d"},"s":{"grace":"1h"}}"#,
            " ",
            "\n",
            r#""note":"#,
            "null",
            "0",
            "007",
            "\"\\u00e9\"",
            "}",
            "{",
            ":",
        ];
        let mut hits = 0;
        for _ in 0..20_000 {
            let n = 1 + rng.below(12);
            let mut text = rng.pieces(&pieces, n);
            if rng.below(2) == 0 {
                text = format!(
                    r#"{{"version":1,"keys":[{},{}]}}"#,
                    pieces[1 + rng.below(2)],
                    pieces[1 + rng.below(2)]
                );
                // One byte changed.
                let at = rng.below(text.len());
                let byte = b"{}[],:\" 0a\\n"[rng.below(12)];
                let mut bytes = text.into_bytes();
                bytes[at] = byte;
                text = String::from_utf8(bytes).unwrap();
            }
            hits += usize::from(fast(&text).is_some());
            self_check(&text);
        }
        assert!(hits > 100, "the fast path read only {hits} rings");
    }
}
