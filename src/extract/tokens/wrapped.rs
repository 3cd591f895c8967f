//! Ring keys in base64 wrapped over lines, as the `base64` tool prints what is longer
//! than 57 bytes (76 columns), or 64 or 60 columns: lines of one width, the last one no
//! longer, each only base64 characters (indentation and a trailing `\r` aside). The
//! lines are joined and decoded as one word. Blocks are found from the runs the
//! ring-token extractor visits anyway (every run of [`WIDTH_MIN`] bytes or more is one),
//! so no other pass reads the text.

use super::{decode, for_each_run, RingTokens, B64, CLASS, RULE_BASE64};

/// The narrowest wrapped line looked at (no narrower than the shortest run the
/// ring-token extractor always visits, a stored digest's 43), and the widest.
const WIDTH_MIN: usize = 48;
const WIDTH_MAX: usize = 128;

/// The block being read.
struct Block {
    /// Its first character's offset, its width, where its last line's text ends.
    start: usize,
    width: usize,
    end: usize,
    lines: usize,
    joined: Vec<u8>,
    /// Grown past its span (a certificate): read to its end and dropped.
    over: bool,
}

/// Finds wrapped blocks among the runs of a text, visited in order.
pub(super) struct Wrapped {
    span_max: usize,
    block: Option<Block>,
    /// The blocks found: their first character's offset and their joined lines.
    pub(super) found: Vec<(usize, Vec<u8>)>,
}

impl Wrapped {
    pub(super) fn new(span_max: usize) -> Self {
        Wrapped {
            span_max,
            block: None,
            found: Vec::new(),
        }
    }

    /// The next run of the text (every one of at least [`WIDTH_MIN`] bytes must come).
    pub(super) fn visit(&mut self, text: &[u8], start: usize, run: &[u8]) {
        // (A shorter run is neither a block's line nor its end: a block ends at the next
        // run that does not continue it, or at the text's end, the same.)
        if run.len() < WIDTH_MIN {
            return;
        }
        if let Some(b) = &mut self.block {
            if next_line(text, b.end) == Some(start)
                && run.len() == b.width
                && is_base64(run, false)
            {
                b.over |= start + run.len() - b.start > self.span_max;
                if !b.over {
                    b.joined.extend_from_slice(run);
                }
                b.end = start + run.len();
                b.lines += 1;
                return;
            }
            self.finish(text);
        }
        if (WIDTH_MIN..=WIDTH_MAX).contains(&run.len()) && is_base64(run, false) {
            self.block = Some(Block {
                start,
                width: run.len(),
                end: start + run.len(),
                lines: 1,
                joined: run.to_vec(),
                over: false,
            });
        }
    }

    /// Ends the block being read: its last line, if shorter, is read from the text.
    pub(super) fn finish(&mut self, text: &[u8]) {
        let Some(mut b) = self.block.take() else {
            return;
        };
        if let Some(at) = next_line(text, b.end) {
            let len = text[at..].iter().take_while(|&&c| !is_blank(c)).count();
            let last = &text[at..at + len];
            // (The whole line: `not base64 at all` after a line is no last line.)
            let rest = &text[at + len..];
            let whole = rest
                .iter()
                .take_while(|&&c| c != b'\n')
                .all(|&c| is_blank(c));
            if len < b.width && whole && is_base64(last, true) {
                b.over |= at + len - b.start > self.span_max;
                b.joined.extend_from_slice(last);
                b.lines += 1;
            }
        }
        if b.lines > 1 && !b.over {
            self.found.push((b.start, b.joined));
        }
    }
}

fn is_blank(c: u8) -> bool {
    c <= b' ' || c == 0x7f
}

/// Where the next line's text starts, when only blanks and one line break lie between
/// `end` and it.
fn next_line(text: &[u8], end: usize) -> Option<usize> {
    let mut i = end;
    while matches!(text.get(i), Some(b' ' | b'\t' | b'\r')) {
        i += 1;
    }
    if text.get(i) != Some(&b'\n') {
        return None;
    }
    i += 1;
    while matches!(text.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    (i < text.len()).then_some(i)
}

/// Every wrapped block of `text` whose text spans at most `span_max` bytes, as the
/// ring-token extractor finds them (for tests and the fuzz target).
pub(super) fn blocks(text: &[u8], span_max: usize, mut each: impl FnMut(usize, &[u8])) {
    let mut w = Wrapped::new(span_max);
    for_each_run(text, 1, |start, run| w.visit(text, start, run));
    w.finish(text);
    for (start, joined) in &w.found {
        each(*start, joined);
    }
}

/// Only base64(url) characters; `padded`: `=` padding may end it.
fn is_base64(line: &[u8], padded: bool) -> bool {
    let body = if padded {
        let pad = line.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 {
            return false;
        }
        &line[..line.len() - pad]
    } else {
        line
    };
    !body.is_empty() && body.iter().all(|&c| CLASS[c as usize] & B64 != 0)
}

impl RingTokens {
    /// Ring keys in the wrapped base64 blocks `found`: the decoded bytes are the key, or
    /// text holding one. `hit(offset of the block's first character, rule, key bytes)`.
    pub(super) fn wrapped_base64(
        &self,
        found: Vec<(usize, Vec<u8>)>,
        budget: &mut usize,
        hit: &mut dyn FnMut(usize, &'static str, Vec<u8>),
    ) {
        for (start, joined) in found {
            let word = joined
                .strip_suffix(b"==")
                .or_else(|| joined.strip_suffix(b"="))
                .unwrap_or(&joined);
            let Some(bytes) = decode::base64(word) else {
                continue;
            };
            if !self.spend(budget, bytes.len()) {
                return;
            }
            self.found_in(&bytes, true, 1, budget, RULE_BASE64, &mut |v| {
                hit(start, RULE_BASE64, v)
            });
        }
    }

    /// The longest text a wrapped block spans: base64 of text twice a key's length and
    /// its lines' indentation, within a stream's reach back.
    pub(super) fn wrapped_span_max(&self) -> usize {
        self.max_len() * 8 + 64
    }
}

/// Runs [`blocks`] over `data`, panicking if a block breaks an invariant: it starts
/// inside the text, holds only base64 characters and padding, at least two lines' worth,
/// and its text spans no more than the limit. Shared by the `cargo fuzz` target
/// `wrapped` and the seeded random-input test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    let span_max = 256;
    blocks(data, span_max, |start, joined| {
        assert!(start <= data.len(), "block outside the text");
        assert!(joined.len() > WIDTH_MIN, "a block of one line");
        assert!(joined.len() <= span_max, "block past its span");
        let body = joined
            .strip_suffix(b"==")
            .or_else(|| joined.strip_suffix(b"="))
            .unwrap_or(joined);
        assert!(is_base64(body, false), "non-base64 joined");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(usize, String)> {
        let mut v = Vec::new();
        blocks(text.as_bytes(), 4096, |s, j| {
            v.push((s, String::from_utf8(j.to_vec()).unwrap()))
        });
        v
    }

    #[test]
    fn wrapped_lines_are_joined() {
        let a = "QUJD".repeat(16);
        let text = format!("key:\n  {a}\n  {a}\n  QUI=\r\nnext\n");
        assert_eq!(found(&text), [(7, format!("{a}{a}QUI="))]);
        // A last line as wide as the others ends the block at the next other line.
        let text = format!("{a}\n{a}\n\nx\n");
        assert_eq!(found(&text), [(0, format!("{a}{a}"))]);
        // At the end of the text.
        assert_eq!(found(&format!("{a}\n{a}")), [(0, format!("{a}{a}"))]);
    }

    #[test]
    fn what_is_not_wrapped_base64() {
        let a = "QUJD".repeat(16);
        for text in [
            format!("{a}\n"),                        // one line
            format!("{a}\nnot base64 at all\n"),     // a line of words after it
            format!("{}\n{}\n", &a[..30], &a[..30]), // too narrow
            format!("{a}\n{a}x\n"),                  // a wider second line
            format!("{a}\n{}===\n", &a[..8]),        // three padding characters
        ] {
            assert!(found(&text).is_empty(), "{text:?}: {:?}", found(&text));
        }
    }

    #[test]
    fn a_block_past_its_span_is_passed_over() {
        let a = "QUJD".repeat(16);
        let text = format!("{a}\n{a}\n{a}\n{a}\nQQ==\n");
        let mut v = Vec::new();
        blocks(text.as_bytes(), 200, |s, _| v.push(s));
        assert!(v.is_empty());
    }

    /// Seeded random texts of base64 lines of a few widths, blanks and padding: every
    /// block starts inside the text and joins only base64 characters.
    #[test]
    fn seeded_random_texts_give_sound_blocks() {
        let mut rng = crate::testrand::XorShift::new(0x5752_4150);
        for _ in 0..3_000 {
            let mut text = Vec::new();
            for _ in 0..rng.below(8) {
                let width = [40, 44, 60, 64, 76][rng.below(5)] - rng.below(2) * rng.below(30);
                text.extend(std::iter::repeat_n(b' ', rng.below(3)));
                text.extend(rng.text(b"QUJDabc+/=- \t", width));
                text.push(if rng.below(4) == 0 { b'\r' } else { b'\n' });
            }
            self_check(&text);
        }
    }
}
