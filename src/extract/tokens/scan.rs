//! The candidates of one run: every substring of a ring key's length between
//! delimiters, and for keys of unknown length its segments, quoted values and values.

use super::{RingTokens, ANY_MAX_LEN, ANY_MIN_LEN, CLASS, DELIM, START};
use crate::secret::Fingerprint;

impl RingTokens {
    /// Calls `hit(offset, len)` for each delimited substring of `run` that is a ring key.
    pub(super) fn scan_run<'a>(
        &self,
        run: &'a [u8],
        scratch: &mut Scratch<'a>,
        mut hit: impl FnMut(usize, usize),
    ) {
        if self
            .exact
            .first()
            .is_some_and(|&shortest| run.len() >= shortest)
        {
            self.exact_lengths(run, scratch, &mut hit);
        }
        // Keys of unknown length: only segments that could be a generated key or are
        // quoted (identifiers and words, most of code, are never hashed).
        if self.any && may_hold_generated(run) {
            self.any_length(run, scratch, &mut hit);
        }
    }

    /// Every substring of a ring key's length that starts after a delimiter (or at the
    /// run's start) and ends before one (or at the run's end). The ends are a bitmap, so
    /// for each start the lengths that end at a delimiter are one AND with the bitset of
    /// the ring's lengths, 64 at a time.
    fn exact_lengths<'a>(
        &self,
        run: &'a [u8],
        scratch: &mut Scratch<'a>,
        hit: &mut impl FnMut(usize, usize),
    ) {
        let n = run.len();
        let words = self.length_bits.len();
        // Bit q: an end at q (a delimiter, or the run's end); zero past it, with room for
        // a window of `words` words read from any start.
        scratch.ends.clear();
        scratch.ends.resize(n / 64 + words + 2, 0);
        // Bit p: a start at p (the run's start, or just past a start delimiter).
        scratch.starts.clear();
        scratch.starts.resize(n / 64 + 1, 0);
        // A word of each bitmap per 64 bytes, built in registers. Start bits are one
        // past their delimiter (carried into the next word), and the run's start is one.
        let mut carry = 1u64;
        for (w, block) in run.chunks(64).enumerate() {
            let (mut delims, mut start_delims) = (0u64, 0u64);
            for (b, &c) in block.iter().enumerate() {
                let class = CLASS[c as usize];
                delims |= u64::from(class & DELIM != 0) << b;
                start_delims |= u64::from(class & START != 0) << b;
            }
            scratch.ends[w] = delims;
            scratch.starts[w] = start_delims << 1 | carry;
            carry = start_delims >> 63;
        }
        // No key starts at the run's end (the carry past a last word of 64 is dropped).
        scratch.starts[n / 64] &= !(1 << (n % 64));
        scratch.ends[n / 64] |= 1 << (n % 64);
        let ends = &scratch.ends;
        // The 64 end bits from bit `at` on.
        let window = |at: usize| {
            let (w, b) = (at / 64, at % 64);
            if b == 0 {
                ends[w]
            } else {
                ends[w] >> b | ends[w + 1] << (64 - b)
            }
        };
        // Only the starts, a set bit at a time.
        let starts = (0..scratch.starts.len()).flat_map(|w| {
            let mut m = scratch.starts[w];
            std::iter::from_fn(move || {
                (m != 0).then(|| {
                    let p = 64 * w + m.trailing_zeros() as usize;
                    m &= m - 1;
                    p
                })
            })
        });
        for p in starts {
            // Only the words of lengths that fit in the rest of the run (a ring with a
            // PEM key has lengths in the thousands; no run is that long).
            let reach = ((n - p) / 64 + 1).min(words);
            for (k, &lengths) in self.length_bits[..reach].iter().enumerate() {
                let mut m = window(p + 64 * k) & lengths;
                while m != 0 {
                    let len = 64 * k + m.trailing_zeros() as usize;
                    m &= m - 1;
                    // (No end bit lies past the run: `p + len <= n`.)
                    if self.is_key(&run[p..p + len], &mut scratch.not_keys) {
                        hit(p, len);
                    }
                }
            }
        }
    }

    /// Keys of unknown length: the run split at ever finer delimiters, the run without
    /// its surrounding punctuation, its quoted values and `NAME=value` values, each
    /// looked up when it could be a generated key or is quoted.
    fn any_length<'a>(
        &self,
        run: &'a [u8],
        scratch: &mut Scratch<'a>,
        hit: &mut impl FnMut(usize, usize),
    ) {
        let places = &mut scratch.places;
        any_places(run, places);
        for &(p, q) in places.iter() {
            if self.is_key(&run[p..q], &mut scratch.not_keys) {
                hit(p, q - p);
            }
        }
    }
}

/// The places of `run` looked up for keys of unknown length, each at least
/// [`ANY_MIN_LEN`] and at most [`ANY_MAX_LEN`] long and quoted or possibly generated (a
/// digit and a letter, or a key symbol):
/// - the whole run, and its segments between delimiters of level 1 and of levels 1..=2
///   (token boundaries and `=`, `:`, `@`, `&`, not `/` and `.`: a key of unknown length
///   is not looked for between path separators; give it its `length`), where an `=`
///   splits only before a token character (base64 padding stays in its segment);
/// - the run without surrounding punctuation (`(KEY).` in prose);
/// - quoted values, whatever delimiters they hold (a passphrase is quoted);
/// - after each `=` and `:`, the value to the run's end, with and without its trailing
///   punctuation (`NAME=value` where the value holds delimiters).
///
/// One forward pass classifies each byte once (its delimiter level and kind together)
/// and carries each segment's kinds, so no per-byte table is built; the rarer values
/// after `=` and `:` take their kinds from one backward pass over the run's tail. A
/// place may be listed twice (the caller's not-a-key set makes the second look-up cheap,
/// and the judge keeps one finding per place).
pub(super) fn any_places(run: &[u8], out: &mut Vec<(usize, usize)>) {
    out.clear();
    let n = run.len();
    let mut push = |p: usize, q: usize, kinds: u8, quoted: bool| {
        if q >= p + ANY_MIN_LEN && q - p <= ANY_MAX_LEN && (quoted || generated_kinds(kinds)) {
            out.push((p, q));
        }
    };
    // Kinds of the whole run, of the current level-1 segment and of the current
    // level-1..=2 segment, and where the two segments start.
    let (mut k0, mut k1, mut k2) = (0u8, 0u8, 0u8);
    let (mut one, mut two) = (0usize, 0usize);
    let mut assigns = false;
    for (i, &c) in run.iter().enumerate() {
        let t = CHAR[c as usize];
        let kind = t & KINDS;
        k0 |= kind;
        match t & LEVEL {
            L1 => {
                push(one, i, k1, false);
                if two != one {
                    push(two, i, k2, false);
                }
                (one, two, k1, k2) = (i + 1, i + 1, 0, 0);
            }
            L2 if c != b'='
                || run
                    .get(i + 1)
                    .is_some_and(|&b| CHAR[b as usize] & LEVEL == 0) =>
            {
                assigns |= c == b'=' || c == b':';
                k1 |= kind;
                push(two, i, k2, false);
                (two, k2) = (i + 1, 0);
            }
            _ => {
                // An `=` that does not split is still a value's start after a name.
                assigns |= c == b'=' || c == b':';
                k1 |= kind;
                k2 |= kind;
            }
        }
    }
    if one > 0 {
        push(0, n, k0, false);
    }
    push(one, n, k1, false);
    if two != one {
        push(two, n, k2, false);
    }
    // The run without surrounding punctuation: leading level-1 bytes (quotes, brackets,
    // `,`, `;`) and trailing level-1 or -3 ones (`.`, `/` too).
    let lead = run
        .iter()
        .take_while(|&&c| CHAR[c as usize] & LEVEL == L1)
        .count();
    let trail = run[lead..]
        .iter()
        .rev()
        .take_while(|&&c| matches!(CHAR[c as usize] & LEVEL, L1 | L3))
        .count();
    let end = n - trail;
    if (lead, trail) != (0, 0) && lead < end {
        // Leading and trailing punctuation holds no digit or letter; only a trailing
        // `/` is a key symbol.
        let kinds = if run[end..].contains(&b'/') {
            kinds_in(&run[lead..end])
        } else {
            k0
        };
        push(lead, end, kinds, false);
    }
    // Quoted values.
    if k0 & QUOTE != 0 {
        for i in memchr::memchr3_iter(b'"', b'\'', b'`', run) {
            if let Some(j) = memchr::memchr(run[i], &run[i + 1..]) {
                push(i + 1, i + 1 + j, 0, true);
            }
        }
    }
    // Values after `=` and `:` to the run's end, with and without the trailing
    // punctuation: the kinds of each from a suffix pass over the last ANY_MAX_LEN + 1
    // bytes before `end` (no longer value is looked up).
    if assigns && end > 0 {
        let tail_kinds = kinds_in(&run[end..]);
        let from = end.saturating_sub(ANY_MAX_LEN + 1);
        let mut suffix = 0u8;
        for i in (from..end).rev() {
            let c = run[i];
            if (c == b'=' || c == b':') && end > i + 1 {
                push(i + 1, end, suffix, false);
                if trail > 0 {
                    push(i + 1, n, suffix | tail_kinds, false);
                }
            }
            suffix |= CHAR[c as usize] & KINDS;
        }
    }
}

impl RingTokens {
    /// Is `candidate` a ring key? A candidate already found not to be one in this
    /// document is usually not hashed again: code repeats its tokens (about 40 % of the
    /// candidates of a ring of many lengths). Exact: the bytes themselves are compared.
    fn is_key<'a>(&self, candidate: &'a [u8], not_keys: &mut NotKeys<'a>) -> bool {
        if not_keys.contains(candidate) {
            return false;
        }
        let key = self.fingerprints.contains(&Fingerprint::of(candidate));
        if !key {
            not_keys.insert(candidate);
        }
        key
    }
}

/// Byte strings of one document known not to be ring keys (candidates, or base64/hex
/// words decoded without a key in them): a direct-mapped cache, where each slot holds
/// the last string hashed to it. A hit compares the bytes, so it is exact; a string
/// pushed out is only looked at again. Its size is fixed when it is first filled (about
/// one slot per 64 bytes of the document, 64 to 16,384), so it never grows or rehashes
/// and a crafted file cannot make it large.
pub(super) struct NotKeys<'a> {
    /// Empty slices are empty slots (no candidate is empty).
    slots: Vec<&'a [u8]>,
    /// The table's size as a power of two, once allocated.
    bits: u32,
    /// The size to allocate at the first insert.
    want: u32,
}

impl Default for NotKeys<'_> {
    fn default() -> Self {
        NotKeys::for_len(0)
    }
}

impl<'a> NotKeys<'a> {
    /// A cache for a text of `len` bytes (nothing is allocated until the first insert).
    pub(super) fn for_len(len: usize) -> Self {
        let slots = (len / 64).clamp(64, 1 << 14).next_power_of_two();
        NotKeys {
            slots: Vec::new(),
            bits: 0,
            want: slots.trailing_zeros(),
        }
    }

    #[inline]
    fn slot(&self, bytes: &[u8]) -> usize {
        let mut h = bytes.len() as u64;
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            h = (h ^ u64::from_le_bytes(b))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(29);
        }
        let mut tail = [0u8; 8];
        tail[..words.remainder().len()].copy_from_slice(words.remainder());
        h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> (64 - self.bits)) as usize
    }

    #[inline]
    pub(super) fn contains(&self, bytes: &[u8]) -> bool {
        !self.slots.is_empty() && self.slots[self.slot(bytes)] == bytes
    }

    #[inline]
    pub(super) fn insert(&mut self, bytes: &'a [u8]) {
        if self.slots.is_empty() {
            self.bits = self.want;
            self.slots = vec![&[][..]; 1 << self.bits];
        }
        let s = self.slot(bytes);
        self.slots[s] = bytes;
    }
}

impl Scratch<'_> {
    /// Scratch for a document of `len` bytes.
    pub(super) fn for_document(len: usize) -> Self {
        Scratch {
            not_keys: NotKeys::for_len(len),
            ..Scratch::default()
        }
    }
}

#[derive(Default)]
pub(super) struct Scratch<'a> {
    /// Candidates of this document found not to be ring keys.
    not_keys: NotKeys<'a>,
    /// The end and start bitmaps of [`RingTokens::exact_lengths`].
    ends: Vec<u64>,
    starts: Vec<u64>,
    /// Places looked up in [`RingTokens::any_length`]: (start, end).
    places: Vec<(usize, usize)>,
}

/// Delimiter levels, in bits 4 and 5 of [`CHAR`]: level-1 delimiters (quotes, brackets,
/// `,`, `;`) split first, then `=`, `:`, `@`, `&`, ... (level 2); `/` and `.` (level 3)
/// never split a key of unknown length, but are trimmed from a run's end.
const LEVEL: u8 = 0x30;
const L1: u8 = 0x10;
const L2: u8 = 0x20;
const L3: u8 = 0x30;

/// Kinds, in bits 0 to 3 of [`CHAR`].
const DIGIT: u8 = 1;
const ALPHA: u8 = 2;
/// A symbol that generated keys use and code punctuation does not.
const SYMBOL: u8 = 4;
const QUOTE: u8 = 8;
const KINDS: u8 = 0x0f;

/// Each byte's delimiter level and kind, one table load.
const fn chars() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let kind = match c {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'z' | b'A'..=b'Z' => ALPHA,
            b'+' | b'/' | b'=' | b'!' | b'@' | b'#' | b'$' | b'%' | b'^' | b'&' | b'*' | b'~'
            | b'?' => SYMBOL,
            b'"' | b'\'' | b'`' => QUOTE,
            _ => 0,
        };
        let level = match c {
            b'"' | b'\'' | b'`' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b','
            | b';' => L1,
            b'=' | b':' | b'@' | b'&' | b'?' | b'#' | b'|' | b'*' | b'\\' => L2,
            b'/' | b'.' => L3,
            _ => 0,
        };
        t[i] = kind | level;
        i += 1;
    }
    t
}

static CHAR: [u8; 256] = chars();

/// The kinds of character in `bytes`, OR-ed (branch-free, one table load a byte).
fn kinds_in(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, &c| acc | CHAR[c as usize]) & KINDS
}

fn generated_kinds(k: u8) -> bool {
    k & SYMBOL != 0 || k & (DIGIT | ALPHA) == DIGIT | ALPHA
}

/// Could some segment of this run be a generated key, or a quoted value? (One table
/// load a byte: cheaper than [`any_places`]'s pass for the runs it turns away.)
fn may_hold_generated(run: &[u8]) -> bool {
    let k = kinds_in(run);
    generated_kinds(k) || k & QUOTE != 0
}

/// Could this token be a generated key? It holds a digit and a letter, or a key symbol.
pub(super) fn may_be_generated(token: &[u8]) -> bool {
    generated_kinds(kinds_in(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The places of keys of unknown length as they were defined before
    /// [`any_places`] fused their passes: segments pushed with a flag, sorted, and kinds
    /// from a per-byte next-digit/letter/symbol table. Kept to show the fused pass
    /// looks up exactly the same places.
    fn reference(run: &[u8]) -> BTreeSet<(usize, usize)> {
        let level = |c: u8| match CHAR[c as usize] & LEVEL {
            L1 => 1,
            L2 => 2,
            L3 => 3,
            _ => 0,
        };
        let mut segs: Vec<(usize, usize, bool)> = Vec::new();
        let push = |segs: &mut Vec<_>, start: usize, end: usize| {
            if end > start && end - start <= ANY_MAX_LEN {
                segs.push((start, end, false));
            }
        };
        push(&mut segs, 0, run.len());
        let (mut one, mut two) = (0, 0);
        for (i, &c) in run.iter().enumerate() {
            let l = match level(c) {
                0 => continue,
                2 if c == b'=' && run.get(i + 1).is_none_or(|&n| level(n) != 0) => continue,
                l => l,
            };
            if l == 1 {
                push(&mut segs, one, i);
                one = i + 1;
            }
            if l <= 2 {
                push(&mut segs, two, i);
                two = i + 1;
            }
        }
        push(&mut segs, one, run.len());
        push(&mut segs, two, run.len());
        let lead = run.iter().take_while(|&&c| level(c) == 1).count();
        let trail = run[lead..]
            .iter()
            .rev()
            .take_while(|&&c| matches!(level(c), 1 | 3))
            .count();
        if lead + trail < run.len() && run.len() - lead - trail <= ANY_MAX_LEN {
            segs.push((lead, run.len() - trail, false));
        }
        for (i, &q) in run.iter().enumerate() {
            if !matches!(q, b'"' | b'\'' | b'`') {
                continue;
            }
            if let Some(j) = memchr::memchr(q, &run[i + 1..]) {
                if j > 0 && j <= ANY_MAX_LEN {
                    segs.push((i + 1, i + 1 + j, true));
                }
            }
        }
        let mut end = run.len();
        while end > 0 && matches!(level(run[end - 1]), 1 | 3) {
            end -= 1;
        }
        for i in (0..run.len()).filter(|&i| run[i] == b'=' || run[i] == b':') {
            if end > i + 1 && end - i - 1 <= ANY_MAX_LEN {
                segs.push((i + 1, end, false));
                // (The one difference: a value with its trailing punctuation is now
                // also held to ANY_MAX_LEN, as every other place is.)
                if run.len() - i - 1 <= ANY_MAX_LEN {
                    segs.push((i + 1, run.len(), false));
                }
            }
        }
        segs.into_iter()
            .filter(|&(p, q, quoted)| {
                q - p >= ANY_MIN_LEN && (quoted || generated_kinds(kinds_in(&run[p..q])))
            })
            .map(|(p, q, _)| (p, q))
            .collect()
    }

    fn fused(run: &[u8]) -> BTreeSet<(usize, usize)> {
        let mut out = Vec::new();
        any_places(run, &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn the_not_a_key_cache_is_exact_and_bounded() {
        let words: Vec<Vec<u8>> = (0..5000u32)
            .map(|i| format!("word-{i}-{}", i * 7919).into_bytes())
            .collect();
        let mut cache = NotKeys::for_len(640);
        for w in &words {
            cache.insert(w);
            assert!(cache.contains(w), "just inserted");
        }
        // 64 slots for 640 bytes: most words were pushed out, none is held twice, and
        // a string never inserted is never held.
        let held = words.iter().filter(|w| cache.contains(w)).count();
        assert!(held > 0 && held <= 64, "{held}");
        assert!(!cache.contains(b"never-inserted"));
        assert!(!NotKeys::default().contains(b"x"));
    }

    #[test]
    fn places_of_examples() {
        // The places' texts, sorted.
        let places = |s: &str| -> Vec<String> {
            let mut v: Vec<String> = fused(s.as_bytes())
                .into_iter()
                .map(|(p, q)| s[p..q].to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            places("url=postgres://app:Zx9q2Lm8rT4w@db/x"),
            [
                "//app:Zx9q2Lm8rT4w@db/x",
                "Zx9q2Lm8rT4w",
                "Zx9q2Lm8rT4w@db/x",
                "postgres://app:Zx9q2Lm8rT4w@db/x",
                "url=postgres://app:Zx9q2Lm8rT4w@db/x"
            ]
        );
        assert_eq!(
            places("(Zx9q2Lm8rT4w)."),
            ["(Zx9q2Lm8rT4w).", "Zx9q2Lm8rT4w"]
        );
        assert_eq!(places("f('correct-horse')"), ["correct-horse"]);
        // An identifier is not generated; base64 padding stays with its value.
        assert!(places("some_identifier_name").is_empty());
        assert_eq!(places("k=QUJDRA9w=="), ["QUJDRA9w==", "k=QUJDRA9w=="]);
    }

    #[test]
    fn seeded_runs_give_the_reference_places() {
        let mut rng = crate::testrand::XorShift::new(0x5eed_a11f);
        let alphabet = b"aZ09xQ+/=:@&.,;\"'`()[]<>#?|*\\_-%$!~^";
        for round in 0..20_000 {
            let len = if round % 100 == 0 {
                900 + rng.below(400)
            } else {
                1 + rng.below(60)
            };
            let run = rng.text(alphabet, len);
            assert_eq!(
                fused(&run),
                reference(&run),
                "{:?}",
                String::from_utf8_lossy(&run)
            );
        }
    }
}
