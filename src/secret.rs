//! The secret value and its fingerprint.
//!
//! A [`Secret`] holds the bytes of a key as an application would use them. It has no
//! `Debug`, `Display`, `Clone` or `Serialize`: the only things that leave it are its
//! fingerprint, its length and a preview of at most three characters. Its bytes are
//! overwritten when it is dropped, which happens as soon as it is fingerprinted.

use sha2::{Digest, Sha256};
use std::fmt;

/// Values shorter than this get no preview at all (SPEC §5).
pub(crate) const PREVIEW_MIN_LEN: usize = 12;

/// The bytes of a candidate secret. Deliberately opaque.
pub(crate) struct Secret(Vec<u8>);

impl Secret {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Self {
        Secret(bytes.to_vec())
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes, for extractors' and filters' decisions. Never format these.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.0)
    }

    /// At most the first three characters and the length, `None` under 12 bytes.
    pub(crate) fn preview(&self) -> Option<String> {
        if self.0.len() < PREVIEW_MIN_LEN {
            return None;
        }
        let head: String = match std::str::from_utf8(&self.0) {
            Ok(s) => s.chars().take(3).collect(),
            Err(_) => String::new(),
        };
        let head: String = head
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        Some(format!("{head}…({})", self.0.len()))
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // Volatile so the wipe is not optimised away.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// SHA-256 of a key's exact bytes, shown as `sha256:` + 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

/// A SHA-256 digest is uniformly random: its first 8 bytes are a hash already.
impl std::hash::Hash for Fingerprint {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut first = [0u8; 8];
        first.copy_from_slice(&self.0[..8]);
        state.write_u64(u64::from_le_bytes(first));
    }
}

/// The hasher of fingerprint sets: a fingerprint's own bytes, no hashing.
#[derive(Default, Clone, Copy)]
pub(crate) struct FingerprintHasher(u64);

impl std::hash::Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// A map keyed by fingerprints, hashed by their own bytes.
pub(crate) type FingerprintMap<V> =
    std::collections::HashMap<Fingerprint, V, std::hash::BuildHasherDefault<FingerprintHasher>>;

impl Fingerprint {
    pub fn of(bytes: &[u8]) -> Self {
        // Most candidates fit one block with their padding: compressed straight from a
        // padded copy, without the hasher's buffering and finalization.
        if bytes.len() <= 55 {
            let mut block = [0u8; 64];
            block[..bytes.len()].copy_from_slice(bytes);
            block[bytes.len()] = 0x80;
            block[56..].copy_from_slice(&(bytes.len() as u64 * 8).to_be_bytes());
            let mut state = SHA256_IV;
            sha2::compress256(&mut state, &[block.into()]);
            // The copy is overwritten, as a Secret's bytes are (the hasher's own buffer,
            // used for longer values, is not).
            // SAFETY: a volatile write of a zero to a byte of a live local array.
            block
                .iter_mut()
                .for_each(|b| unsafe { std::ptr::write_volatile(b, 0) });
            let mut out = [0u8; 32];
            for (o, w) in out.chunks_exact_mut(4).zip(state) {
                o.copy_from_slice(&w.to_be_bytes());
            }
            return Fingerprint(out);
        }
        Fingerprint(Sha256::digest(bytes).into())
    }

    /// Which of two halves of a fingerprint index holds it (a bit the index's hash,
    /// the first eight bytes, does not use).
    pub(crate) fn shard(&self) -> usize {
        usize::from(self.0[31] & 1)
    }

    /// A fingerprint from a digest already computed (a stored SHA-256).
    pub(crate) fn from_digest(digest: [u8; 32]) -> Self {
        Fingerprint(digest)
    }

    /// Parses `sha256:<64 lowercase hex>`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let hex = text
            .strip_prefix("sha256:")
            .ok_or_else(|| "must start with \"sha256:\"".to_string())?;
        if hex.len() != 64 {
            return Err(format!(
                "must have 64 hex digits after \"sha256:\", found {}",
                hex.len()
            ));
        }
        let mut out = [0u8; 32];
        let mut bad = 0u8;
        for (o, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            let (h, l) = (LOWER_HEX[pair[0] as usize], LOWER_HEX[pair[1] as usize]);
            bad |= h | l;
            *o = h << 4 | (l & 0x0f);
        }
        // One check at the end: a non-digit has its high bit set in the table.
        if bad & 0x80 != 0 {
            return Err("must be lowercase hexadecimal (0-9, a-f)".to_string());
        }
        Ok(Fingerprint(out))
    }
}

/// The value of each lowercase hex digit; 0x80 for every other byte.
static LOWER_HEX: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(v) = lower_hex_digit(i as u8) {
            t[i] = v;
        }
        i += 1;
    }
    t
};

const fn lower_hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// How an untracked secret's fingerprint is shown in reports: `sha256-48:` and the first
/// 12 hex digits (48 bits). The full SHA-256 of a weak password in an uploaded report
/// could be reversed by a dictionary; 48 bits still tell two findings of one value
/// apart from others and can be ignored in `.stalekeyignore`. Ring fingerprints are
/// public already and are shown whole.
pub(crate) const TRUNCATED_PREFIX: &str = "sha256-48:";

impl Fingerprint {
    /// The truncated form of [`TRUNCATED_PREFIX`].
    pub fn truncated(&self) -> String {
        let mut out = String::from(TRUNCATED_PREFIX);
        for b in &self.0[..6] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-block path gives SHA-256 at every length around its edge (55 bytes is
    /// the last that fits one block with its padding) and beyond.
    #[test]
    fn short_values_are_hashed_as_sha256_at_every_length() {
        let mut rng = crate::testrand::XorShift::new(0x5A2_0001);
        for len in 0..=200 {
            for _ in 0..5 {
                let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
                let want: [u8; 32] = Sha256::digest(&bytes).into();
                assert_eq!(Fingerprint::of(&bytes).0, want, "length {len}");
            }
        }
    }

    #[test]
    fn fingerprint_matches_sha256sum() {
        // printf %s test | sha256sum
        let fp = Secret::from_slice(b"test").fingerprint();
        assert_eq!(
            fp.to_string(),
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert_eq!(Fingerprint::parse(&fp.to_string()).unwrap(), fp);
    }

    #[test]
    fn parse_rejects_bad_fingerprints() {
        assert!(Fingerprint::parse("9f86").unwrap_err().contains("sha256:"));
        assert!(Fingerprint::parse("sha256:abc").unwrap_err().contains("64"));
        let upper = format!("sha256:{}", "A".repeat(64));
        assert!(Fingerprint::parse(&upper)
            .unwrap_err()
            .contains("lowercase"));
    }

    #[test]
    fn preview_shows_three_chars_and_length_only() {
        let s = Secret::from_slice(b"Zx9abcdefghijklmnop");
        assert_eq!(s.preview().unwrap(), "Zx9…(19)");
        assert_eq!(Secret::from_slice(b"short").preview(), None);
    }
}
