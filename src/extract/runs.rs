//! Long runs of non-blank bytes, found eight bytes at a time.
//!
//! A ring key is a run of bytes without a blank (whitespace or another control byte), so
//! the token finder looks only at runs at least as long as the shortest key. Most of a
//! source file is short words, so the finder jumps: if the `min_len` bytes from a run's
//! possible start hold a blank, no long run starts before the last such blank, and the
//! search goes on right after it. The blanks of eight bytes are found at once with
//! carry-free word arithmetic (no `unsafe`, no target features), so a scan for keys of 43
//! bytes reads about one word in five of the text.

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// Is this byte a blank: a control byte (NUL in a binary file, ESC), space or DEL?
#[inline]
pub(crate) fn is_blank(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

/// The high bit of each byte of `w` that is a blank, exactly (no carry crosses bytes).
#[inline]
fn blanks(w: u64) -> u64 {
    // (b & 0x7f) + 0x5f has its high bit set iff (b & 0x7f) > 0x20; with b's own high
    // bit clear too, b <= 0x20.
    let low = !((w & LOW7).wrapping_add(ONES * 0x5f) | w) & HIGH;
    // DEL: the byte XOR 0x7f is zero.
    let z = w ^ (ONES * 0x7f);
    let del = !((z & LOW7).wrapping_add(LOW7) | z) & HIGH;
    low | del
}

#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The offset of the last blank in `window`, if any.
#[inline]
fn last_blank(window: &[u8]) -> Option<usize> {
    let mut end = window.len();
    while end >= 8 {
        let m = blanks(word(window, end - 8));
        if m != 0 {
            return Some(end - 8 + (63 - m.leading_zeros() as usize) / 8);
        }
        end -= 8;
    }
    window[..end].iter().rposition(|&b| is_blank(b))
}

/// The offset of the first blank in `bytes`, or its length.
#[inline]
fn first_blank(bytes: &[u8]) -> usize {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let m = blanks(word(bytes, at));
        if m != 0 {
            return at + m.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| is_blank(b))
        .unwrap_or(bytes.len() - at)
}

/// Calls `f(offset, run)` for each maximal run of non-blank bytes at least `min_len`
/// (at least 1) long, in order.
pub(crate) fn for_each_run<'a>(
    bytes: &'a [u8],
    min_len: usize,
    mut f: impl FnMut(usize, &'a [u8]),
) {
    let min_len = min_len.max(1);
    let n = bytes.len();
    // `i` is where a run may start: 0, or just past a blank.
    let mut i = 0;
    while i + min_len <= n {
        if let Some(j) = last_blank(&bytes[i..i + min_len]) {
            i += j + 1;
            continue;
        }
        let end = i + min_len + first_blank(&bytes[i + min_len..]);
        f(i, &bytes[i..end]);
        i = end + 1;
    }
}

/// Runs [`for_each_run`] over `data` (the minimum length taken from its first byte)
/// against a byte-by-byte loop, panicking where they differ. For the `cargo fuzz` target
/// `scanners`.
#[doc(hidden)]
pub(crate) fn self_check(data: &[u8]) {
    let Some((&k, text)) = data.split_first() else {
        return;
    };
    let min_len = 1 + usize::from(k % 80);
    let mut fast = Vec::new();
    for_each_run(text, min_len, |at, run| fast.push((at, run.len())));
    let mut slow = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let start = i;
        while i < text.len() && !is_blank(text[i]) {
            i += 1;
        }
        if i - start >= min_len {
            slow.push((start, i - start));
        }
        i += 1;
    }
    assert_eq!(fast, slow);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testrand::XorShift;

    fn naive(bytes: &[u8], min_len: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && is_blank(bytes[i]) {
                i += 1;
            }
            let start = i;
            while i < bytes.len() && !is_blank(bytes[i]) {
                i += 1;
            }
            if i - start >= min_len.max(1) {
                out.push((start, i - start));
            }
        }
        out
    }

    fn fast(bytes: &[u8], min_len: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for_each_run(bytes, min_len, |at, run| out.push((at, run.len())));
        out
    }

    #[test]
    fn every_byte_is_classified_exactly() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b'a', b, b'a', b, 0x80, b, 0xff, b]);
            let want: u64 = (0..8)
                .filter(|&i| is_blank(w.to_le_bytes()[i]))
                .map(|i| 0x80u64 << (8 * i))
                .sum();
            assert_eq!(blanks(w), want, "byte {b:#x}");
        }
    }

    #[test]
    fn runs_at_the_edges_and_of_every_length() {
        assert_eq!(fast(b"", 1), vec![]);
        assert_eq!(fast(b"abc", 3), vec![(0, 3)]);
        assert_eq!(fast(b"abc", 4), vec![]);
        assert_eq!(
            fast(b" abcdefghij\tk\x7fabcdefghijkl", 10),
            vec![(1, 10), (14, 12)]
        );
        assert_eq!(fast(b"\x00\x00abcdefgh\x01", 8), vec![(2, 8)]);
    }

    #[test]
    fn random_text_gives_the_runs_a_byte_loop_gives() {
        let mut rng = XorShift::new(0x5eed_1234);
        let alphabets: [&[u8]; 3] = [
            b"ab \n",
            b"abcdefghijklmnopqrstuvwxyz0123456789 \t",
            &[b'a', b'b', 0x7f, 0x80, 0xff, 0x20, 0x21, 0x1f, 0],
        ];
        for round in 0..3000 {
            let alphabet = alphabets[round % alphabets.len()];
            let len = rng.below(300);
            let mut text = rng.text(alphabet, len);
            // Long runs too.
            if round % 2 == 0 && len > 60 {
                let at = rng.below(len - 50);
                text[at..at + 50].fill(b'x');
            }
            let min_len = 1 + rng.below(60);
            assert_eq!(
                fast(&text, min_len),
                naive(&text, min_len),
                "{text:?} {min_len}"
            );
        }
    }
}
