//! The keyword prefilter: every place in a document where a rule's keyword occurs,
//! case-insensitively (a rule's regex runs only around them).
//!
//! Keywords of four bytes or more are found by an *anchor*: the keyword's rarest four
//! bytes (by how often each byte occurs in source code). Each position of the text is
//! folded to lower case four bytes at a time, hashed into a 32 Ki-slot table of the anchors,
//! and only on a hit compared with the keywords anchored there. Eight bytes are read at
//! once and five positions tested per read, so it runs about twice as fast as one dependent table step per byte (and a cache-missing 281 KB table) for a
//! case-insensitive Aho-Corasick automaton. Shorter keywords (`${`, `sk-`, `hf_`) are
//! few: their case variants go to a SIMD (Teddy) searcher where the target has one, else
//! to an Aho-Corasick automaton.

use aho_corasick::{packed, AhoCorasick, Input, Span};

/// How common each byte is in source code, on a log scale (CPython's library and
/// `/usr/include`, letters counted case-folded): anchors are chosen to minimize the sum.
#[rustfmt::skip]
static BYTE_RANK: [u8; 256] = [
    191, 158, 157, 157, 155, 154, 153, 154, 154, 158, 219, 154, 152, 176, 152, 152,
    152, 151, 151, 153, 154, 151, 152, 153, 152, 151, 152, 152, 154, 152, 152, 152,
    255, 157, 199, 183, 156, 165, 155, 205, 208, 208, 173, 175, 206, 201, 211, 177,
    209, 204, 196, 193, 192, 191, 189, 188, 188, 197, 197, 162, 168, 197, 186, 158,
    162, 224, 201, 215, 216, 234, 215, 202, 204, 222, 177, 192, 220, 209, 222, 221,
    211, 188, 224, 227, 228, 211, 193, 195, 199, 198, 179, 178, 180, 179, 154, 209,
    157, 224, 201, 215, 216, 234, 215, 202, 204, 222, 177, 192, 220, 209, 222, 221,
    211, 188, 224, 227, 228, 211, 193, 195, 199, 198, 179, 165, 158, 165, 154, 152,
    155, 153, 152, 152, 151, 151, 153, 152, 152, 151, 151, 151, 153, 152, 151, 152,
    151, 151, 150, 151, 154, 151, 151, 152, 151, 151, 151, 151, 152, 152, 152, 152,
    153, 151, 151, 152, 151, 151, 152, 151, 152, 151, 151, 151, 152, 153, 151, 152,
    152, 154, 151, 152, 151, 152, 152, 152, 154, 151, 152, 152, 152, 152, 153, 154,
    153, 152, 151, 154, 152, 152, 152, 153, 153, 152, 151, 153, 152, 152, 152, 153,
    153, 152, 153, 152, 153, 152, 154, 153, 154, 153, 153, 154, 153, 155, 153, 154,
    154, 152, 153, 154, 154, 152, 152, 153, 154, 152, 152, 153, 153, 154, 152, 153,
    153, 153, 152, 152, 154, 152, 154, 154, 153, 153, 154, 154, 155, 155, 155, 158,
];

const TABLE_BITS: u32 = 15;
/// Sets bit 5 of every byte: ASCII letters to lower case (other bytes may fold together
/// too; a hit is compared exactly, case-insensitively, before it counts).
const FOLD4: u32 = 0x2020_2020;
const FOLD8: u64 = 0x2020_2020_2020_2020;

/// A second, independent 8-bit hash of an anchor, stored in its slot (never 0, which
/// marks an empty slot; [`SHARED`] marks a slot two anchors with different tags share):
/// a position whose quadgram only collides with an anchor's slot is dismissed without
/// a search of the anchor list.
#[inline]
fn tag(folded: u32) -> u8 {
    ((folded.wrapping_mul(0x85EB_CA6B) >> 24) as u8).clamp(1, SHARED - 1)
}

const SHARED: u8 = 0xff;

#[inline]
fn slot(folded: u32) -> usize {
    (folded.wrapping_mul(0x9E37_79B1) >> (32 - TABLE_BITS)) as usize
}

#[inline]
fn quad(bytes: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(w) | FOLD4
}

/// The keywords of four bytes or more, by anchor.
struct Anchored {
    /// One byte per slot (a byte load is cheaper than a bit test; 32 KiB).
    table: Box<[u8; 1 << TABLE_BITS]>,
    /// (folded anchor, keyword, the anchor's offset in it), sorted.
    anchors: Vec<(u32, usize, usize)>,
}

/// Keywords shorter than four bytes.
enum Short {
    None,
    Packed(packed::Searcher, Vec<usize>),
    Automaton(AhoCorasick, Vec<usize>),
}

/// A set of keywords, none a substring of another, searched case-insensitively or, where
/// given, only in their exact spellings.
pub(crate) struct Keywords {
    words: Vec<Vec<u8>>,
    /// The only spellings an anchored keyword counts in (None: any case).
    exact: Vec<Option<Vec<Vec<u8>>>>,
    anchored: Anchored,
    short: Short,
}

impl Keywords {
    /// `words` must be non-empty strings, none a substring of another (so that each
    /// occurrence is one keyword's), each with the only spellings to search it in, or
    /// `None` for any case. (A keyword under four bytes is searched in its spellings; a
    /// longer one is found by its anchor in any case and then compared with them.)
    pub(crate) fn new(words: &[(String, Option<Vec<String>>)]) -> Keywords {
        let spellings: Vec<Option<Vec<Vec<u8>>>> = words
            .iter()
            .map(|(_, s)| {
                s.as_ref()
                    .map(|s| s.iter().map(|v| v.as_bytes().to_vec()).collect())
            })
            .collect();
        let words: Vec<Vec<u8>> = words
            .iter()
            .map(|(w, _)| w.as_bytes().to_ascii_lowercase())
            .collect();
        let mut table = Box::new([0u8; 1 << TABLE_BITS]);
        let mut anchors = Vec::new();
        let mut short_patterns: Vec<Vec<u8>> = Vec::new();
        let mut short_words = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if w.len() >= 4 {
                let off = (0..=w.len() - 4)
                    .min_by_key(|&o| {
                        w[o..o + 4]
                            .iter()
                            .map(|&b| u32::from(BYTE_RANK[b as usize]))
                            .sum::<u32>()
                    })
                    .expect("a keyword of four bytes or more");
                let a = quad(w, off);
                let s = &mut table[slot(a)];
                *s = match *s {
                    0 => tag(a),
                    t if t == tag(a) => t,
                    _ => SHARED,
                };
                anchors.push((a, i, off));
            } else {
                let variants = match &spellings[i] {
                    Some(exact) if !exact.is_empty() => exact.clone(),
                    _ => case_variants(w),
                };
                for v in variants {
                    short_patterns.push(v);
                    short_words.push(i);
                }
            }
        }
        anchors.sort_unstable();
        let short = if short_patterns.is_empty() {
            Short::None
        } else if let Some(s) = packed::Config::new()
            .heuristic_pattern_limits(false)
            .builder()
            .extend(&short_patterns)
            .build()
        {
            Short::Packed(s, short_words)
        } else {
            let ac = AhoCorasick::new(&short_patterns).expect("small literal patterns compile");
            Short::Automaton(ac, short_words)
        };
        let exact = spellings
            .into_iter()
            .zip(&words)
            .map(|(s, w)| s.filter(|s| w.len() >= 4 && !s.is_empty()))
            .collect();
        Keywords {
            words,
            exact,
            anchored: Anchored { table, anchors },
            short,
        }
    }

    /// Calls `hit(start, keyword)` for every occurrence of every keyword (in no
    /// particular order).
    pub(crate) fn find_all(&self, bytes: &[u8], mut hit: impl FnMut(usize, usize)) {
        self.find_anchored(bytes, &mut hit);
        match &self.short {
            Short::None => {}
            Short::Packed(s, words) => {
                let mut at = 0;
                while let Some(m) = s.find_in(bytes, Span::from(at..bytes.len())) {
                    hit(m.start(), words[m.pattern().as_usize()]);
                    at = m.start() + 1;
                }
            }
            Short::Automaton(ac, words) => {
                let mut at = 0;
                while let Some(m) = ac.find(Input::new(bytes).range(at..)) {
                    hit(m.start(), words[m.pattern().as_usize()]);
                    at = m.start() + 1;
                }
            }
        }
    }

    fn find_anchored(&self, bytes: &[u8], hit: &mut impl FnMut(usize, usize)) {
        let Anchored { table, anchors } = &self.anchored;
        if anchors.is_empty() {
            return;
        }
        let t: &[u8; 1 << TABLE_BITS] = table;
        let set = |q: u32| t[slot(q)];
        let mut verify = |at: usize| {
            let q = quad(bytes, at);
            let t = t[slot(q)];
            if t != SHARED && t != tag(q) {
                return;
            }
            let first = anchors.partition_point(|a| a.0 < q);
            for &(_, word, off) in anchors[first..].iter().take_while(|a| a.0 == q) {
                let w = &self.words[word];
                if at < off || at - off + w.len() > bytes.len() {
                    continue;
                }
                let found = &bytes[at - off..at - off + w.len()];
                let spelled = match &self.exact[word] {
                    Some(spellings) => spellings.iter().any(|s| s == found),
                    None => found.eq_ignore_ascii_case(w),
                };
                if spelled {
                    hit(at - off, word);
                }
            }
        };
        let mut at = 0;
        while at + 8 <= bytes.len() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[at..at + 8]);
            let w = u64::from_le_bytes(w) | FOLD8;
            let q = |k: u32| (w >> (8 * k)) as u32;
            if set(q(0)) | set(q(1)) | set(q(2)) | set(q(3)) | set(q(4)) != 0 {
                for k in 0..5 {
                    if set(q(k)) != 0 {
                        verify(at + k as usize);
                    }
                }
            }
            at += 5;
        }
        while at + 4 <= bytes.len() {
            if set(quad(bytes, at)) != 0 {
                verify(at);
            }
            at += 1;
        }
    }
}

/// Every ASCII case spelling of a (lower-case) keyword.
fn case_variants(word: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for &b in word {
        let upper = b.to_ascii_uppercase();
        let mut next = Vec::with_capacity(out.len() * 2);
        for v in &out {
            let mut a = v.clone();
            a.push(b);
            next.push(a);
            if upper != b {
                let mut a = v.clone();
                a.push(upper);
                next.push(a);
            }
        }
        out = next;
    }
    out
}

/// Keywords to search in any case.
#[cfg(test)]
fn any_case(words: &[String]) -> Vec<(String, Option<Vec<String>>)> {
    words.iter().map(|w| (w.clone(), None)).collect()
}

/// Searches `data` (after its first line, which lists keywords separated by spaces, one
/// written `=Word` to be found only as written) with [`Keywords`] and byte by byte,
/// panicking where they differ; and checks that the
/// scan of its text as a regex names the captures the regex parser does. For the
/// `cargo fuzz` target `scanners`.
#[doc(hidden)]
pub(crate) fn self_check(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let (Some(scanned), Ok(parsed)) = (
            super::rule::capture_names_scanned(text),
            super::rule::capture_names(text),
        ) {
            assert_eq!(scanned, parsed);
        }
    }
    let (head, text) = match memchr::memchr(b'\n', data) {
        Some(n) => (&data[..n], &data[n + 1..]),
        None => return,
    };
    let mut words: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for w in head
        .split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .take(40)
    {
        let (exact, w) = match w.strip_prefix(b"=") {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, w),
        };
        let written = String::from_utf8_lossy(w).into_owned();
        let lower = written.to_ascii_lowercase();
        // The contract: none a substring of another.
        if !words
            .iter()
            .any(|(o, _)| o.contains(lower.as_str()) || lower.contains(o.as_str()))
        {
            words.push((lower, exact.then(|| vec![written])));
        }
    }
    let k = Keywords::new(&words);
    let mut fast = Vec::new();
    k.find_all(text, |at, w| fast.push((at, w)));
    fast.sort_unstable();
    assert_eq!(fast, byte_by_byte(&words, text));
}

/// Every (start, keyword) by comparing each keyword (in any case, or in its spellings)
/// at each position, sorted.
fn byte_by_byte(words: &[(String, Option<Vec<String>>)], bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, (w, spellings)) in words.iter().enumerate() {
        let w = w.as_bytes();
        for at in 0..bytes.len() {
            if bytes.len() - at < w.len() {
                continue;
            }
            let here = &bytes[at..at + w.len()];
            let found = match spellings {
                Some(s) => s.iter().any(|s| s.as_bytes() == here),
                None => here.eq_ignore_ascii_case(w),
            };
            if found {
                out.push((at, i));
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testrand::XorShift;

    fn fast(k: &Keywords, bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        k.find_all(bytes, |at, w| out.push((at, w)));
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_every_occurrence_in_any_case_at_the_edges() {
        let words: Vec<String> = ["sk-", "${", "password", "ghp_", "xoxb-"]
            .map(String::from)
            .to_vec();
        let k = Keywords::new(&any_case(&words));
        let text = b"PassWord=1 ${X} SK-abc ghp_ xoxB-PASSWORD";
        assert_eq!(fast(&k, text), byte_by_byte(&any_case(&words), text));
        assert_eq!(fast(&k, b"ghp_"), vec![(0, 3)]);
        assert_eq!(fast(&k, b"gh"), vec![]);
        // Bytes that fold together with a keyword's are not it.
        assert_eq!(fast(&k, b"ghp\x7f passwor_"), vec![]);
    }

    #[test]
    fn random_text_gives_what_a_byte_by_byte_search_gives() {
        let mut rng = XorShift::new(0xc0ffee);
        let words: Vec<String> = [
            "ab", "cab", "abcd", "bcda", "dddd", "a_b-c", "q~", "zzzzzzzz",
        ]
        .map(String::from)
        .to_vec();
        let k = Keywords::new(&any_case(&words));
        for _ in 0..3000 {
            let len = rng.below(120);
            let text = rng.text(b"abcdABCDq~_-zZ\x7f\x20", len);
            assert_eq!(
                fast(&k, &text),
                byte_by_byte(&any_case(&words), &text),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn random_text_with_exact_keywords_gives_what_a_byte_by_byte_search_gives() {
        let mut rng = XorShift::new(0x5eed_cafe);
        for _ in 0..3000 {
            let len = rng.below(120);
            let mut data = b"=AbCd =Q~ cab =zZzZ dd_- =TOKEN\n".to_vec();
            data.extend(rng.text(b"abcdABCDq~_-zZtokenTOKEN\x20", len));
            self_check(&data);
        }
    }

    #[test]
    fn exact_keywords_are_found_only_as_written() {
        let words = vec![
            ("sg.".to_string(), Some(vec!["SG.".to_string()])),
            ("hf_".to_string(), None),
            ("token".to_string(), Some(vec!["TOKEN".to_string()])),
        ];
        let k = Keywords::new(&words);
        let text = b"SG.a sg.b Sg.c HF_d hf_e token Token TOKEN";
        assert_eq!(
            fast(&k, text),
            vec![(0, 0), (15, 1), (20, 1), (37, 2)],
            "exact SG. and TOKEN only as written; hf_ in any case"
        );
    }
}
