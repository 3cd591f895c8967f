//! Checksums that provider token formats carry, so that a token whose checksum does not
//! hold (a made-up example, a truncated or mistyped copy) is not reported as a secret.
//!
//! GitHub's classic tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm's access
//! tokens (`npm_`) are a prefix, 30 random base62 characters and 6 more that spell the
//! CRC-32 (IEEE) of those 30 in base62 (`0-9A-Za-z`), left-padded with `0`, as GitHub
//! describes in "Behind GitHub's new authentication token formats" (2021).

use serde::Deserialize;

/// A checksum a rule's token format carries (`checksum = "…"` in a rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Checksum {
    /// CRC-32 of the 30 characters after the last `_`, as 6 base62 digits after them.
    Crc32Base62,
}

impl Checksum {
    /// Does `token` pass? A token of another shape than the one the checksum is defined
    /// for (a fine-grained `github_pat_…`) passes: it is judged on its other merits.
    pub(crate) fn holds(self, token: &[u8]) -> bool {
        match self {
            Checksum::Crc32Base62 => crc32_base62_holds(token),
        }
    }
}

fn crc32_base62_holds(token: &[u8]) -> bool {
    let body = match token.iter().rposition(|&b| b == b'_') {
        Some(i) => &token[i + 1..],
        None => token,
    };
    if body.len() != 36 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return true;
    }
    let (random, check) = body.split_at(30);
    base62(check) == Some(u64::from(crc32(random)))
}

/// The value of base62 digits (`0-9A-Za-z`).
fn base62(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'A'..=b'Z' => d - b'A' + 10,
            b'a'..=b'z' => d - b'a' + 36,
            _ => return None,
        };
        n.checked_mul(62)?.checked_add(u64::from(v))
    })
}

static CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32 (IEEE 802.3, the one zlib and PNG use).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// A token of `prefix` + 30 random characters + their checksum (for tests and examples).
#[cfg(test)]
pub(crate) fn with_crc32_base62(prefix: &str, random: &str) -> String {
    let mut n = u64::from(crc32(random.as_bytes()));
    let mut digits = Vec::new();
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for _ in 0..6 {
        digits.push(alphabet[(n % 62) as usize]);
        n /= 62;
    }
    digits.reverse();
    format!("{prefix}{random}{}", String::from_utf8(digits).unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testrand::XorShift;

    #[test]
    fn crc32_is_the_ieee_one() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn tokens_with_their_checksum_hold_and_changed_ones_do_not() {
        let mut rng = XorShift::new(0x6a7b);
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for _ in 0..500 {
            let random = String::from_utf8(rng.text(alnum, 30)).unwrap();
            let token = with_crc32_base62("ghp_", &random);
            assert!(Checksum::Crc32Base62.holds(token.as_bytes()), "{token}");
            // Any one character changed breaks it (CRC-32 catches every single change).
            let mut bad = token.clone().into_bytes();
            let at = 4 + rng.below(36);
            bad[at] = if bad[at] == b'a' { b'b' } else { b'a' };
            assert!(
                !Checksum::Crc32Base62.holds(&bad),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
    }

    #[test]
    fn other_shapes_are_not_judged_by_it() {
        assert!(Checksum::Crc32Base62.holds(b"github_pat_11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU"));
        assert!(Checksum::Crc32Base62.holds(b"ghp_short"));
        assert!(!Checksum::Crc32Base62.holds(b"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
    }
}
