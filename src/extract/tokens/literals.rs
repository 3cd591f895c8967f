//! Ring keys in quoted literals, one pass over a document's quotes:
//! - a literal whose body holds a blank, looked up whole (a passphrase is never one run);
//! - joined literals, a key split over two or more: `"abc" + "def"` (Java, JavaScript,
//!   C#, Kotlin, Go, PowerShell), `"abc" "def"` (C, C++, Python's implicit
//!   concatenation, also over a `\` line continuation), `'abc' || 'def'` (SQL),
//!   `"abc" . "def"` (PHP, Perl), `"abc" & "def"` (VB), `"abc" .. "def"` (Lua),
//!   `"abc" <> "def"` (Elixir), `"abc""def"` (shell). The bodies, each with its backslash
//!   escapes decoded, are joined and searched as decoded text is, each byte mapped back
//!   to its place.

use super::decode::{self, Decoded};
use super::{RingTokens, RULE_JOINED, RULE_TOKEN};
use crate::secret::Fingerprint;

/// The most blank bytes (and `\` line continuations) on each side of a join's operator.
const GAP_MAX: usize = 64;
/// The most parts of a chain whose runs of whole parts are each looked up.
const PAIRS_MAX: usize = 16;

/// What [`literals`] finds.
pub(super) enum Found<'p> {
    /// A literal's body, `start..end`.
    Literal(usize, usize),
    /// Two or more joined literals: their bodies' `(start, end)` offsets.
    Chain(&'p [(usize, usize)]),
}

/// Calls `each` for every literal of `text` and every chain of two or more joined
/// literals. A literal's body is at most `part_max` bytes on one line (escapes skipped,
/// so `\"` does not close it; a quote that does not close so opens nothing); a chain
/// stops before a literal that would take its text past `span_max` bytes, and the next
/// chain starts at that literal. Work is linear in `text`: each literal is read once.
pub(super) fn literals(text: &[u8], part_max: usize, span_max: usize, mut each: impl FnMut(Found)) {
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr3(b'"', b'\'', b'`', &text[i..]) {
        let open = i + off;
        let Some(close) = close_of(text, open, part_max) else {
            i = open + 1;
            continue;
        };
        each(Found::Literal(open + 1, close));
        parts.clear();
        parts.push((open + 1, close));
        let mut end = close;
        while let Some(next) = joined_after(text, end + 1) {
            let Some(next_close) = close_of(text, next, part_max) else {
                break;
            };
            if next_close + 1 - open > span_max {
                break;
            }
            each(Found::Literal(next + 1, next_close));
            parts.push((next + 1, next_close));
            end = next_close;
        }
        if parts.len() > 1 {
            each(Found::Chain(&parts));
        }
        // A chain cut by the span starts again at its next literal.
        i = end + 1;
    }
}

/// The offset of the quote that closes the literal opened at `open`, when it closes on
/// the same line within `part_max` bytes of body.
fn close_of(text: &[u8], open: usize, part_max: usize) -> Option<usize> {
    let q = text[open];
    let limit = text.len().min(open + 2 + part_max);
    let mut i = open + 1;
    while let Some(off) = memchr::memchr3(q, b'\\', b'\n', &text[i..limit]) {
        let at = i + off;
        match text[at] {
            b'\\' => i = at + 2,
            b'\n' => return None,
            _ => return Some(at),
        }
        if i >= limit {
            return None;
        }
    }
    None
}

/// Where the next literal of a chain opens, when the literal that ended just before
/// `at` is joined to one: blanks, one concatenation operator or none, blanks, a quote.
fn joined_after(text: &[u8], at: usize) -> Option<usize> {
    let mut i = skip_gap(text, at)?;
    // (Most literals end an argument or a statement: one byte tells.)
    if !matches!(
        text[i],
        b'"' | b'\'' | b'`' | b'|' | b'.' | b'<' | b'+' | b'&' | b'~' | b'^'
    ) {
        return None;
    }
    const OPERATORS: [&[u8]; 9] = [b"||", b"..", b"<>", b"++", b"+", b".", b"&", b"~", b"^"];
    if let Some(op) = OPERATORS.iter().find(|op| text[i..].starts_with(op)) {
        i = skip_gap(text, i + op.len())?;
    }
    matches!(text.get(i), Some(b'"' | b'\'' | b'`')).then_some(i)
}

/// Past the blanks and `\` line continuations from `at`, if there are at most
/// [`GAP_MAX`] bytes of them and the text goes on.
fn skip_gap(text: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    while i < text.len() && i - at <= GAP_MAX {
        match text[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'\\' if matches!(text.get(i + 1), Some(b'\n' | b'\r')) => i += 2,
            _ => return Some(i),
        }
    }
    None
}

/// The chain's bodies joined, each with its backslash escapes decoded, and each byte's
/// offset in the text.
fn join(text: &[u8], parts: &[(usize, usize)]) -> Decoded {
    join_with_bounds(text, parts).0
}

/// [`join`], and where each part starts in the joined bytes (and where the last ends).
fn join_with_bounds(text: &[u8], parts: &[(usize, usize)]) -> (Decoded, Vec<usize>) {
    let mut out = Decoded {
        bytes: Vec::new(),
        from: Vec::new(),
    };
    let mut bounds = Vec::with_capacity(parts.len() + 1);
    for &(start, end) in parts {
        bounds.push(out.bytes.len());
        let body = &text[start..end];
        match decode::unescape(body) {
            Some(d) => {
                out.bytes.extend_from_slice(&d.bytes);
                out.from.extend(d.from.iter().map(|&f| start + f));
            }
            None => {
                out.bytes.extend_from_slice(body);
                out.from.extend(start..end);
            }
        }
    }
    bounds.push(out.bytes.len());
    (out, bounds)
}

/// The join of the first chain in `text` that is at least `min_len` bytes long (for
/// the ring-token stream's self-check, which plants it as a key).
pub(super) fn first_join(text: &[u8], min_len: usize) -> Option<Vec<u8>> {
    let mut first = None;
    literals(text, 64, 2 * 64 + 8 * GAP_MAX, |found| {
        if let (Found::Chain(parts), None) = (found, &first) {
            let d = join(text, parts);
            if d.bytes.len() >= min_len {
                first = Some(d.bytes);
            }
        }
    });
    first
}

/// Runs [`literals`] over `data` (its limits taken from the first byte), panicking if
/// what it finds breaks an invariant: each literal's body lies inside the text between
/// two equal quotes, within the length limit; a chain's parts are in order, within its
/// span, and every byte of their join maps into one of them. Shared by the `cargo fuzz`
/// target `literals` and the seeded random-input test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    let Some((&k, text)) = data.split_first() else {
        return;
    };
    let part_max = usize::from(k & 0x3f) + 1;
    let span_max = part_max * 2 + usize::from(k >> 6) * GAP_MAX;
    literals(text, part_max, span_max, |found| {
        let parts = match found {
            Found::Literal(s, e) => {
                assert!(s >= 1 && s <= e && e < text.len(), "literal {s}..{e}");
                assert!(e - s <= part_max, "literal {s}..{e} over {part_max}");
                assert_eq!(text[s - 1], text[e], "a literal closes with its quote");
                return;
            }
            Found::Chain(parts) => parts,
        };
        assert!(parts.len() > 1, "a chain of one");
        for w in parts.windows(2) {
            assert!(w[0].1 < w[1].0, "parts out of order: {parts:?}");
        }
        let (first, last) = (parts[0], parts[parts.len() - 1]);
        assert!(
            last.1 + 1 - (first.0 - 1) <= span_max,
            "chain past its span"
        );
        let d = join(text, parts);
        assert_eq!(d.bytes.len(), d.from.len());
        assert!(d.bytes.len() <= parts.iter().map(|&(s, e)| e - s).sum::<usize>());
        for &f in &d.from {
            assert!(
                parts.iter().any(|&(s, e)| (s..e).contains(&f)),
                "a joined byte from {f}, outside the parts {parts:?}"
            );
        }
    });
}

impl RingTokens {
    /// Ring keys in the quoted literals of `text`: a literal holding a blank, looked up
    /// whole; a chain of joined literals, looked up whole (a passphrase split in two) and
    /// searched as decoded text. `hit(offset, rule, key bytes)`.
    pub(super) fn in_literals(
        &self,
        text: &[u8],
        budget: &mut usize,
        hit: &mut dyn FnMut(usize, &'static str, Vec<u8>),
    ) {
        literals(
            text,
            self.max_len(),
            self.joined_span_max(),
            |found| match found {
                Found::Literal(start, end) => {
                    let body = &text[start..end];
                    if self.may_be_key_length(body.len())
                        && body.contains(&b' ')
                        && self.fingerprints.contains(&Fingerprint::of(body))
                    {
                        hit(start, RULE_TOKEN, body.to_vec());
                    }
                }
                Found::Chain(parts) => self.joined(text, parts, budget, hit),
            },
        );
    }

    fn joined(
        &self,
        text: &[u8],
        parts: &[(usize, usize)],
        budget: &mut usize,
        hit: &mut dyn FnMut(usize, &'static str, Vec<u8>),
    ) {
        if *budget == 0 {
            return;
        }
        let (d, bounds) = join_with_bounds(text, parts);
        if d.bytes.len() < self.min_len || !self.spend(budget, d.bytes.len()) {
            return;
        }
        let at = |off: usize| d.from.get(off).copied().unwrap_or(parts[0].0);
        // Each run of whole parts, looked up as it is (`"x y" + "KEY1" + "KEY2"`, a
        // passphrase split in two): the first [`PAIRS_MAX`] parts' runs, so a crafted
        // chain of many empty literals costs no more than a few.
        let n = bounds.len().min(PAIRS_MAX + 1);
        for i in 0..n {
            for j in i + 1..n {
                let sub = &d.bytes[bounds[i]..bounds[j]];
                if j > i + 1
                    && self.may_be_key_length(sub.len())
                    && self.fingerprints.contains(&Fingerprint::of(sub))
                {
                    hit(at(bounds[i]), RULE_JOINED, sub.to_vec());
                }
            }
        }
        self.search(&d.bytes, 1, budget, RULE_JOINED, &mut |off, rule, v| {
            hit(at(off), rule, v)
        });
    }

    /// The longest text a chain of joined literals spans: two keys' length and the gaps
    /// of a few joins, and within a stream's reach back (so a chain cut by a chunk's end
    /// is whole in the next chunk).
    pub(super) fn joined_span_max(&self) -> usize {
        self.max_len() * 2 + 8 * GAP_MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joins(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        literals(text.as_bytes(), 64, 400, |found| {
            let Found::Chain(parts) = found else { return };
            let d = join(text.as_bytes(), parts);
            for (&f, &b) in d.from.iter().zip(&d.bytes) {
                if !matches!(text.as_bytes()[f], b'\\') {
                    assert_eq!(text.as_bytes()[f], b, "{text}: offset {f}");
                }
            }
            out.push(String::from_utf8(d.bytes).unwrap());
        });
        out
    }

    #[test]
    fn literals_joined_in_every_language() {
        let cases = [
            (
                r#"String k = "abc" +\n    "def";"#.replace("\\n", "\n"),
                "abcdef",
            ),
            ("const k = 'abc' + 'def';".into(), "abcdef"),
            ("char *k = \"abc\"\n  \"def\";".into(), "abcdef"),
            ("K = \"abc\" \\\n    \"def\"".into(), "abcdef"),
            ("SELECT enc(x, 'abc' || 'def');".into(), "abcdef"),
            ("$k = 'abc' . 'def';".into(), "abcdef"),
            ("k = \"abc\" & \"def\"".into(), "abcdef"),
            ("local k = 'abc' .. 'def'".into(), "abcdef"),
            ("k = \"abc\" <> \"def\"".into(), "abcdef"),
            ("TOKEN=\"abc\"'def'".into(), "abcdef"),
            ("k = \"abc\"\n  + \"def\"".into(), "abcdef"),
            (r#"k = "a\"b" + "c\u0041""#.into(), "a\"bcA"),
            ("k = ('ab' 'cd' 'ef')".into(), "abcdef"),
        ];
        for (text, joined) in cases {
            assert_eq!(joins(&text), [joined], "{text}");
        }
    }

    #[test]
    fn what_is_not_a_join() {
        for text in [
            "f(\"abc\", \"def\")",
            "x = \"abc\" + name + \"def\"",
            "\"abc\"\n\n# comment\n\"def\"",
            "it's a dog's life",
            "\"abc\" + \"unclosed\nline\"",
        ] {
            assert!(joins(text).is_empty(), "{text}: {:?}", joins(text));
        }
    }

    #[test]
    fn a_chain_stops_at_its_span_and_the_next_one_goes_on() {
        let text = (0..10)
            .map(|i| format!("\"p{i}xxxxxxxx\""))
            .collect::<Vec<_>>()
            .join(" + ");
        let mut chains_seen = Vec::new();
        literals(text.as_bytes(), 64, 50, |found| {
            if let Found::Chain(parts) = found {
                chains_seen.push(parts.len());
            }
        });
        // Each literal is 13 bytes and each join 3: three literals fit in 50 bytes.
        assert_eq!(chains_seen, [3, 3, 3]);
    }

    /// Seeded random texts of quotes, operators, escapes and blanks through
    /// [`self_check`].
    #[test]
    fn seeded_random_texts_give_parts_in_order() {
        let mut rng = crate::testrand::XorShift::new(0x4A01_4E44);
        let alphabet = b"\"'` +.|&<>~^\\\n\tab=u0";
        for _ in 0..5_000 {
            let len = rng.below(300);
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            self_check(&text);
        }
    }
}
