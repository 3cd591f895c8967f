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
        // Keys of unknown length: only in runs that could hold a generated key or a
        // quoted value (identifiers and words, most of code, are never hashed).
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
        // (start, end, quoted)
        let segs = &mut scratch.segments;
        segs.clear();
        // Token boundaries and `=`, `:`, `@`, `&` (URL user-info, query values), not `/`
        // and `.`: a key of unknown length is not looked for between path separators
        // (give it its `length`).
        segments(run, segs);
        // The run without surrounding punctuation (`(KEY).` in prose).
        let lead = run.iter().take_while(|&&c| level(c) == 1).count();
        let trail = run[lead..]
            .iter()
            .rev()
            .take_while(|&&c| matches!(level(c), 1 | 3))
            .count();
        if lead + trail < run.len() && run.len() - lead - trail <= ANY_MAX_LEN {
            segs.push((lead, run.len() - trail, false));
        }
        // Quoted values, whatever delimiters they hold (looked up whatever they look
        // like: a passphrase is quoted).
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
        // `NAME=value` and `name: value` where the value holds delimiters.
        let mut end = run.len();
        while end > 0 && matches!(level(run[end - 1]), 1 | 3) {
            end -= 1;
        }
        for (i, _) in run
            .iter()
            .enumerate()
            .filter(|(_, &c)| c == b'=' || c == b':')
        {
            if end > i + 1 && end - i - 1 <= ANY_MAX_LEN {
                segs.push((i + 1, end, false));
                segs.push((i + 1, run.len(), false));
            }
        }
        segs.sort_unstable();
        // For each byte, where the next digit, letter and key symbol are (at or after
        // it): whether a segment may be a generated key is then three comparisons.
        let next = &mut scratch.next;
        next.clear();
        next.resize(run.len() + 1, [u32::MAX; 3]);
        for i in (0..run.len()).rev() {
            let mut here = next[i + 1];
            let kind = KIND[run[i] as usize];
            for (slot, bit) in here.iter_mut().zip([DIGIT, ALPHA, SYMBOL]) {
                if kind & bit != 0 {
                    *slot = i as u32;
                }
            }
            next[i] = here;
        }
        let generated = |p: usize, q: usize| {
            let [digit, alpha, symbol] = next[p].map(|at| (at as usize) < q);
            (digit && alpha) || symbol
        };
        // One lookup per place; quoted if any of its kind was.
        let mut k = 0;
        while k < segs.len() {
            let (p, q, mut quoted) = segs[k];
            while k + 1 < segs.len() && (segs[k + 1].0, segs[k + 1].1) == (p, q) {
                k += 1;
                quoted |= segs[k].2;
            }
            k += 1;
            if q - p >= ANY_MIN_LEN
                && (quoted || generated(p, q))
                && self.is_key(&run[p..q], &mut scratch.not_keys)
            {
                hit(p, q - p);
            }
        }
    }
}

/// The most candidates a document remembers as not being keys (a bound on its memory
/// and on the cost of a crafted file; past it, candidates are simply hashed).
const NOT_KEYS_MAX: usize = 1 << 16;

impl RingTokens {
    /// Is `candidate` a ring key? A candidate already found not to be one in this
    /// document is not hashed again: code repeats its tokens (about 40 % of the
    /// candidates of a ring of many lengths). Exact: the bytes themselves are compared.
    fn is_key<'a>(&self, candidate: &'a [u8], not_keys: &mut NotKeys<'a>) -> bool {
        if not_keys.contains(candidate) {
            return false;
        }
        let key = self.fingerprints.contains(&Fingerprint::of(candidate));
        if !key && not_keys.len() < NOT_KEYS_MAX {
            not_keys.insert(candidate);
        }
        key
    }
}

/// Candidates of one document that are not ring keys, hashed by a fast multiplicative
/// hash (the bytes are compared on every hit, so a collision only costs time).
type NotKeys<'a> = std::collections::HashSet<&'a [u8], std::hash::BuildHasherDefault<FastBytes>>;

#[derive(Default)]
pub(super) struct FastBytes(u64);

impl std::hash::Hasher for FastBytes {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.0 = (self.0 ^ u64::from_le_bytes(b))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(29);
        }
        for &b in words.remainder() {
            self.0 = (self.0 ^ u64::from(b))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(29);
        }
    }
}

impl Scratch<'_> {
    /// Scratch for a document of `len` bytes: room for the candidates it will remember,
    /// about one per 128 bytes with a ring of many lengths (grown, not rehashed, as it fills).
    pub(super) fn for_document(tokens: &RingTokens, len: usize) -> Self {
        let many = tokens.any || tokens.exact.len() > 1;
        let room = if many {
            (len / 128).min(NOT_KEYS_MAX)
        } else {
            0
        };
        Scratch {
            not_keys: NotKeys::with_capacity_and_hasher(room, Default::default()),
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
    /// Places looked up in [`RingTokens::any_length`]: (start, end, quoted).
    segments: Vec<(usize, usize, bool)>,
    /// Per byte of a run, the next digit, letter and key symbol.
    next: Vec<[u32; 3]>,
}

/// How coarse a delimiter is: level-1 delimiters (quotes, brackets, `,`, `;`) split
/// first, then `=`, `:`, `@`, `&`, ... (level 2), then `/` and `.` (level 3).
fn level(c: u8) -> u8 {
    match c {
        b'"' | b'\'' | b'`' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b','
        | b';' => 1,
        b'=' | b':' | b'@' | b'&' | b'?' | b'#' | b'|' | b'*' | b'\\' => 2,
        b'/' | b'.' => 3,
        _ => 0,
    }
}

/// Pushes the segments of `run` between delimiters of levels 1 and 1..=2, and the whole
/// run (level 0), in one pass. An `=` splits only before a token character: base64
/// padding (`=` before another delimiter or the end) stays in its segment.
fn segments(run: &[u8], out: &mut Vec<(usize, usize, bool)>) {
    let mut push = |start: usize, end: usize| {
        if end > start && end - start <= ANY_MAX_LEN {
            out.push((start, end, false));
        }
    };
    push(0, run.len());
    // Where the current segment of level 1, and of levels 1..=2, starts.
    let (mut one, mut two) = (0, 0);
    for (i, &c) in run.iter().enumerate() {
        let l = match level(c) {
            0 => continue,
            2 if c == b'=' && run.get(i + 1).is_none_or(|&n| level(n) != 0) => continue,
            l => l,
        };
        if l == 1 {
            push(one, i);
            one = i + 1;
        }
        if l <= 2 {
            push(two, i);
            two = i + 1;
        }
    }
    push(one, run.len());
    push(two, run.len());
}

const DIGIT: u8 = 1;
const ALPHA: u8 = 2;
/// A symbol that generated keys use and code punctuation does not.
const SYMBOL: u8 = 4;
const QUOTE: u8 = 8;

const fn kinds() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = match c {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'z' | b'A'..=b'Z' => ALPHA,
            b'+' | b'/' | b'=' | b'!' | b'@' | b'#' | b'$' | b'%' | b'^' | b'&' | b'*' | b'~'
            | b'?' => SYMBOL,
            b'"' | b'\'' | b'`' => QUOTE,
            _ => 0,
        };
        i += 1;
    }
    t
}

static KIND: [u8; 256] = kinds();

/// The kinds of character in `bytes`, OR-ed (branch-free, one table load a byte).
fn kinds_in(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, &c| acc | KIND[c as usize])
}

fn generated_kinds(k: u8) -> bool {
    k & SYMBOL != 0 || k & (DIGIT | ALPHA) == DIGIT | ALPHA
}

/// Could this token be a generated key? It holds a digit and a letter, or a key symbol.
pub(super) fn may_be_generated(token: &[u8]) -> bool {
    generated_kinds(kinds_in(token))
}

/// Could some segment of this run be a generated key, or a quoted value?
fn may_hold_generated(run: &[u8]) -> bool {
    let k = kinds_in(run);
    generated_kinds(k) || k & QUOTE != 0
}
