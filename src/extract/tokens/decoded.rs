//! Ring keys in decoded forms of a run: percent-encoding, backslash escapes, HTML/XML
//! character references, doubled quotes, base64(url) and hex words, each decoded form
//! searched again to [`MAX_DEPTH`] levels within a per-document work budget.

use super::scan::{may_be_generated, NotKeys, Scratch};
use super::{
    decode, for_each_run, RingTokens, ANY_MAX_LEN, ANY_MIN_LEN, B64, CLASS, HEXDIGIT, MAX_DEPTH,
    RULE_BASE64, RULE_BYTES, RULE_ESCAPED, RULE_HEX, RULE_PERCENT,
};
use crate::secret::Fingerprint;

/// A word's decoder (base64 or hex).
type Decoder = fn(&[u8]) -> Option<Vec<u8>>;

/// A decoder of escapes, mapping each decoded byte back to its place.
type Unescaper = fn(&[u8]) -> Option<decode::Decoded>;

/// What a run may hold: escapes and doubled quotes, each decoded only where one is.
#[derive(Clone, Copy)]
pub(super) struct Marks {
    /// A doubled quote (`''`, `""`).
    pub pairs: bool,
    /// A `%`, `\\` or `&` (percent-encoding, backslash escapes, character references).
    pub escapes: bool,
}

/// The [`Marks`] of a text's runs, visited in order: the next escape and the next
/// doubled quote at or after the last run's start are kept, so each part of the text is
/// searched for them about once in all, not once per run (a search of each short run
/// cost more than the decodings it found).
pub(super) struct MarkFinder<'t> {
    text: &'t [u8],
    escape: Option<usize>,
    pair: Option<usize>,
}

impl<'t> MarkFinder<'t> {
    pub(super) fn new(text: &'t [u8]) -> Self {
        MarkFinder {
            text,
            escape: Self::escape_from(text, 0),
            pair: Self::pair_from(text, 0),
        }
    }

    fn escape_from(text: &[u8], from: usize) -> Option<usize> {
        memchr::memchr3(b'%', b'\\', b'&', &text[from..]).map(|n| from + n)
    }

    /// The next doubled quote's first byte.
    fn pair_from(text: &[u8], from: usize) -> Option<usize> {
        memchr::memchr2_iter(b'"', b'\'', &text[from..])
            .map(|n| from + n)
            .find(|&i| text.get(i + 1) == Some(&text[i]))
    }

    /// The marks of the run `start..end` (runs asked in order, none overlapping).
    pub(super) fn run(&mut self, start: usize, end: usize) -> Marks {
        let text = self.text;
        if self.escape.is_some_and(|e| e < start) {
            self.escape = Self::escape_from(text, start);
        }
        if self.pair.is_some_and(|p| p < start) {
            self.pair = Self::pair_from(text, start);
        }
        Marks {
            escapes: self.escape.is_some_and(|e| e < end),
            pairs: self.pair.is_some_and(|p| p + 1 < end),
        }
    }
}

impl RingTokens {
    /// Ring keys in the decoded forms of `span` (a run of the document, or one of an
    /// outer decoding): percent-encoding and backslash escapes (mapped back byte by
    /// byte), base64(url) and hex words (found at the word's start), each decoded form
    /// searched again to [`MAX_DEPTH`] levels. A decoding costs its length from
    /// `budget`, the document's work bound. `hit(offset in span, rule, key bytes)`.
    /// `quiet`: the base64 and hex words of this text already decoded without a key in
    /// them (code repeats its identifiers, and with keys of unknown length most of them
    /// are decoded and hashed); a word's decodings depend on its bytes alone, so a word
    /// in it is skipped. `marks`: whether the span holds an escape or a doubled quote.
    pub(super) fn decoded<'a>(
        &self,
        span: &'a [u8],
        depth: u8,
        marks: Marks,
        budget: &mut usize,
        quiet: &mut NotKeys<'a>,
        hit: &mut dyn FnMut(usize, &'static str, Vec<u8>),
    ) {
        if depth > MAX_DEPTH || *budget == 0 {
            return;
        }
        let escaped = marks.escapes;
        // (Decoded one after another, not built as an array of results first: that
        // array was moved for every run, 3 % of a scan with keys of 8 bytes and up.)
        let unescapers: [(bool, &'static str, Unescaper); 4] = [
            (escaped, RULE_PERCENT, decode::percent),
            (escaped, RULE_ESCAPED, decode::unescape),
            (escaped, RULE_ESCAPED, decode::entities),
            (marks.pairs, RULE_ESCAPED, decode::doubled_quotes),
        ];
        for (wanted, rule, unescape) in unescapers {
            let Some(d) = wanted.then(|| unescape(span)).flatten() else {
                continue;
            };
            if !self.spend(budget, d.bytes.len()) {
                return;
            }
            self.search(&d.bytes, depth, budget, rule, &mut |off, r, v| {
                hit(d.from.get(off).copied().unwrap_or(0), r, v)
            });
        }
        // Base64(url) words, and among them hex words (hex digits are base64 ones): one
        // pass over the span, no allocation for a span without a long enough word.
        let min_b64 = (self.min_len * 4).div_ceil(3).max(8);
        if span.len() < min_b64.min(self.min_len * 2) {
            return;
        }
        let mut i = 0;
        while i < span.len() {
            if CLASS[span[i] as usize] & B64 == 0 {
                i += 1;
                continue;
            }
            let s = i;
            // One table load a byte: the word's end, and whether all of it is hex.
            let mut seen = HEXDIGIT;
            while let Some(&c) = span.get(i) {
                let class = CLASS[c as usize];
                if class & B64 == 0 {
                    break;
                }
                seen &= class;
                i += 1;
            }
            let all_hex = seen & HEXDIGIT != 0;
            let word = &span[s..i];
            if word.len() < min_b64.min(self.min_len * 2) {
                continue;
            }
            let (mut tried, mut found) = (false, false);
            // A decoding of unknown length is looked up only when its word could be
            // generated (as a token of unknown length is): `assertEqual` is base64 too.
            let generated = self.any && may_be_generated(word);
            // Base64 only when the bytes could be a key (a key's length) or text that
            // holds one (its first bytes printable: most identifiers are not); hex when
            // the word is all hex digits and long enough. (These cheap tests come before
            // the look-up of words already tried, which most words would not reach.)
            let as_base64 = word.len() >= min_b64
                && (self.may_be_raw_key(base64_len(word.len()), generated)
                    || base64_starts_printable(word)
                    || word.starts_with(GZIP_BASE64));
            let as_hex = all_hex && word.len() >= self.min_len * 2;
            if !(as_base64 || as_hex) || quiet.contains(word) {
                continue;
            }
            let decodings: [(bool, &'static str, Decoder); 2] = [
                (as_base64, RULE_BASE64, decode::base64),
                (as_hex, RULE_HEX, decode::hex),
            ];
            for (wanted, rule, decode) in decodings {
                let Some(bytes) = wanted.then(|| decode(word)).flatten() else {
                    continue;
                };
                tried = true;
                if !self.spend(budget, bytes.len()) {
                    return;
                }
                self.found_in(&bytes, generated, depth, budget, rule, &mut |v| {
                    found = true;
                    hit(s, rule, v)
                });
            }
            if tried && !found {
                quiet.insert(word);
            }
        }
    }

    /// A word's decoded bytes: the key itself (a key used as raw bytes, written in
    /// base64 or hex), or text holding keys.
    pub(super) fn found_in(
        &self,
        bytes: &[u8],
        generated: bool,
        depth: u8,
        budget: &mut usize,
        rule: &'static str,
        hit: &mut dyn FnMut(Vec<u8>),
    ) {
        if self.may_be_raw_key(bytes.len(), generated)
            && self.fingerprints.contains(&Fingerprint::of(bytes))
        {
            hit(bytes.to_vec());
            return;
        }
        if bytes.starts_with(GZIP_MAGIC) {
            // Gzip'd text (a Helm release Secret: base64 of base64 of gzip'd JSON),
            // inflated within the budget, one decoding deeper.
            // Inflated text is searched when it is text (UTF-8, as JSON is), whatever
            // its characters; else its bytes are looked up as a raw key or text.
            if depth < MAX_DEPTH {
                if let Some(text) = decode::gunzip(bytes, (*budget).min(GUNZIP_MAX)) {
                    if !self.spend(budget, text.len()) {
                        return;
                    }
                    // (A stream cut by the bound may end inside a character.)
                    let valid =
                        std::str::from_utf8(&text).map_or_else(|e| e.valid_up_to(), str::len);
                    if valid + 4 > text.len() {
                        let text = &text[..valid];
                        self.search(text, depth + 1, budget, rule, &mut |_, _, v| hit(v));
                    } else {
                        self.found_in(&text, generated, depth + 1, budget, rule, hit);
                    }
                }
            }
            return;
        }
        if bytes.len() >= self.min_len
            && bytes
                .iter()
                .all(|&b| (0x20..0x7f).contains(&b) || b == b'\n')
        {
            self.search(bytes, depth, budget, rule, &mut |_, _, v| hit(v));
        }
    }

    /// Searches decoded text as a document: its runs for ring keys (tagged `rule`, the
    /// decoding that revealed them), then their own decodings one level deeper.
    pub(super) fn search(
        &self,
        text: &[u8],
        depth: u8,
        budget: &mut usize,
        rule: &'static str,
        hit: &mut dyn FnMut(usize, &'static str, Vec<u8>),
    ) {
        let mut scratch = Scratch::for_document(text.len());
        let mut quiet = NotKeys::for_len(text.len());
        let mut marks = MarkFinder::new(text);
        for_each_run(text, self.min_len, |s, run| {
            let marks = marks.run(s, s + run.len());
            self.scan_run(run, &mut scratch, |off, len| {
                hit(s + off, rule, run[off..off + len].to_vec())
            });
            self.decoded(
                run,
                depth + 1,
                marks,
                budget,
                &mut quiet,
                &mut |off, r, v| hit(s + off, r, v),
            );
        });
    }

    /// Ring keys written as byte-array literals in a document, or as colon-joined hex
    /// pairs in a run (`colon`; see [`decode::byte_lists`] and [`decode::colon_hex`]):
    /// the bytes themselves, or text they spell that holds keys. `hit(offset of the
    /// first number, key bytes)`.
    pub(super) fn byte_lists(
        &self,
        text: &[u8],
        colon: bool,
        budget: &mut usize,
        hit: &mut dyn FnMut(usize, Vec<u8>),
    ) {
        let mut each = |at: usize, list: Vec<u8>| {
            if self.spend(budget, list.len()) {
                self.found_in(&list, true, 1, budget, RULE_BYTES, &mut |v| hit(at, v));
            }
        };
        if colon {
            // `hh:` a byte, bar the last.
            if text.len() + 1 >= self.min_len * 3 && memchr::memchr(b':', text).is_some() {
                decode::colon_hex(text, self.min_len, self.max_len(), &mut each);
            }
        } else {
            decode::byte_lists(text, self.min_len, self.max_len(), &mut each);
        }
    }

    /// Could decoded bytes of this length be a key used as raw bytes? (`generated`: the
    /// encoded word could be generated, for keys of unknown length.)
    fn may_be_raw_key(&self, len: usize, generated: bool) -> bool {
        self.exact.binary_search(&len).is_ok()
            || (generated && (ANY_MIN_LEN..=ANY_MAX_LEN).contains(&len))
    }

    /// Takes `n` from the budget; `false` once it is spent (decoding stops, the plain
    /// token scan goes on).
    pub(super) fn spend(&self, budget: &mut usize, n: usize) -> bool {
        match budget.checked_sub(n) {
            Some(left) => {
                *budget = left;
                true
            }
            None => {
                *budget = 0;
                false
            }
        }
    }
}

/// A gzip stream's first bytes (magic and the deflate method), and their base64.
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];
const GZIP_BASE64: &[u8] = b"H4sI";
/// The most bytes a gzip'd word inflates to (a crafted word cannot blow up memory).
const GUNZIP_MAX: usize = 1 << 20;

/// The length of unpadded base64 text of `len` characters, decoded.
fn base64_len(len: usize) -> usize {
    len / 4 * 3 + [0, 0, 1, 2][len % 4]
}

/// Are the first three bytes that base64 text decodes to printable (as text that may
/// hold a key is)? Both alphabets at once: `+`/`-` are 62, `/`/`_` 63.
fn base64_starts_printable(word: &[u8]) -> bool {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' | b'-' => 62,
            _ => 63,
        }
    };
    let Some(quad) = word.get(..4) else {
        return true;
    };
    let n = quad.iter().fold(0u32, |acc, &c| acc << 6 | value(c));
    [n >> 16, n >> 8, n].iter().all(|&b| {
        let b = (b & 0xff) as u8;
        (0x20..0x7f).contains(&b) || b == b'\n'
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    /// The marks of runs asked in order are what a search of each run finds.
    #[test]
    fn seeded_runs_get_the_marks_a_search_of_each_finds() {
        let mut rng = crate::testrand::XorShift::new(0x3A2C_0001);
        for _ in 0..3_000 {
            let len = rng.below(200);
            let text = rng.text(b"ab%\\&'\" \n", len);
            let mut finder = MarkFinder::new(&text);
            for_each_run(&text, 1 + rng.below(4), |start, run| {
                let got = finder.run(start, start + run.len());
                let escapes = run.iter().any(|b| b"%\\&".contains(b));
                let pairs = run
                    .windows(2)
                    .any(|w| w[0] == w[1] && (w[0] == b'"' || w[0] == b'\''));
                assert_eq!(
                    (got.escapes, got.pairs),
                    (escapes, pairs),
                    "{:?} in {:?}",
                    String::from_utf8_lossy(run),
                    String::from_utf8_lossy(&text)
                );
            });
        }
    }

    /// The cheap check before a base64 decoding never skips a word whose decoded bytes
    /// are all printable.
    #[test]
    fn base64_first_bytes_check_agrees_with_decoding() {
        let alphabet = b"ABCMNZabcmnz0189+/-_";
        let mut rng = crate::testrand::XorShift::new(0xB64_0001);
        let mut printable = 0;
        for _ in 0..50_000 {
            let len = 4 + rng.below(20);
            let word = rng.text(alphabet, len);
            if let Some(bytes) = decode::base64(&word) {
                assert_eq!(bytes.len(), base64_len(len), "{word:?}");
                if bytes
                    .iter()
                    .all(|&b| (0x20..0x7f).contains(&b) || b == b'\n')
                {
                    printable += 1;
                    assert!(base64_starts_printable(&word), "{word:?}");
                }
            }
        }
        assert!(printable > 10, "{printable}");
        let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode("user:Kx9-2b");
        assert!(base64_starts_printable(text.as_bytes()));
        assert!(!base64_starts_printable(b"assertEqual"));
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    /// A Helm release Secret: base64 (the Secret's `data:`) of base64 of gzip'd JSON.
    #[test]
    fn a_key_in_gzip_d_text_inside_base64_is_found() {
        use super::super::tests::find_key;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let key = "hR7nQ2vLx9WmK4tZp8sYc3jF6gB1dN5e";
        let json = format!(r#"{{"name":"web","config":{{"apiKey":"{key}"}},"manifest":"…"}}"#);
        let release = b64(b64(&gzip(json.as_bytes())).as_bytes());
        for with_length in [true, false] {
            let got = find_key(key, &format!("data:\n  release: {release}\n"), with_length);
            assert_eq!(
                got,
                [(2, 12, RULE_BASE64.to_string())],
                "length {with_length}"
            );
        }
        // A cut stream still gives the text before the cut.
        let gz = gzip(json.as_bytes());
        let cut = b64(&gz[..gz.len() - 8]);
        assert_eq!(find_key(key, &format!("x: {cut}\n"), true).len(), 1);
    }

    /// A word that inflates to gigabytes is read to the bound only.
    #[test]
    fn a_gzip_bomb_inflates_only_to_its_bound() {
        let zeros = vec![0u8; 64 << 20];
        let bomb = gzip(&zeros);
        assert!(bomb.len() < 128 << 10);
        let out = decode::gunzip(&bomb, GUNZIP_MAX).unwrap();
        assert_eq!(out.len(), GUNZIP_MAX);
        assert!(decode::gunzip(b"not gzip at all", 100).is_none());
    }
}
