//! Is a stored value an OpenPGP message (pgcrypto's `pgp_*_encrypt` output)?
//!
//! Recognised from the first bytes of the value as PostgreSQL prints it: bytea in hex
//! (`\xc30d04…`) or escape (`\303\015\004…`) output format, whose first packet is a
//! symmetric-key (tag 3) or public-key (tag 1) encrypted session key, in the new or the
//! old packet format; or ASCII armor (`-----BEGIN PGP MESSAGE-----`, pgcrypto's
//! `armor()`).

const ARMOR: &[u8] = b"-----BEGIN PGP MESSAGE-----";

/// Does the value (its first bytes are enough) hold an OpenPGP message?
pub(crate) fn is_pgp_message(value: &[u8]) -> bool {
    let first = value.first().copied().unwrap_or(0);
    if first != b'\\' && first != b'-' && !first.is_ascii_whitespace() {
        return false;
    }
    let t = trim_start(value);
    if t.starts_with(ARMOR) {
        return true;
    }
    let mut head = [0u8; 8];
    let n = if let Some(hex) = t.strip_prefix(b"\\x") {
        decode_hex(hex, &mut head)
    } else if t.first() == Some(&b'\\') {
        decode_escape(t, &mut head)
    } else {
        return false;
    };
    is_session_key_packet(&head[..n])
}

fn trim_start(v: &[u8]) -> &[u8] {
    let n = v.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &v[n..]
}

fn decode_hex(hex: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    for pair in hex.chunks_exact(2) {
        if n == out.len() {
            break;
        }
        match (
            (pair[0] as char).to_digit(16),
            (pair[1] as char).to_digit(16),
        ) {
            (Some(h), Some(l)) => out[n] = (h * 16 + l) as u8,
            _ => break,
        }
        n += 1;
    }
    n
}

/// bytea escape format: `\ooo` octal, `\\`, other bytes as they are.
fn decode_escape(text: &[u8], out: &mut [u8]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < text.len() && n < out.len() {
        if text[i] == b'\\' {
            if text.get(i + 1) == Some(&b'\\') {
                out[n] = b'\\';
                i += 2;
            } else if let Some(oct) = text.get(i + 1..i + 4) {
                if !oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                    break;
                }
                let v = oct.iter().fold(0u32, |a, b| a * 8 + u32::from(b - b'0'));
                if v > 255 {
                    break;
                }
                out[n] = v as u8;
                i += 4;
            } else {
                break;
            }
        } else {
            out[n] = text[i];
            i += 1;
        }
        n += 1;
    }
    n
}

/// An OpenPGP packet header (RFC 4880 §4.2, RFC 9580) of a session-key packet with a
/// version that exists, and (for SKESK v4) a known cipher and S2K type.
fn is_session_key_packet(b: &[u8]) -> bool {
    let Some(&h) = b.first() else { return false };
    if h & 0x80 == 0 {
        return false;
    }
    let (tag, len_bytes) = if h & 0x40 != 0 {
        let len_bytes = match b.get(1) {
            Some(0..=191) => 1,
            Some(192..=223) => 2,
            Some(255) => 5,
            _ => return false, // partial lengths never start a session-key packet
        };
        (h & 0x3f, len_bytes)
    } else {
        let len_bytes = match h & 3 {
            0 => 1,
            1 => 2,
            2 => 4,
            _ => return false,
        };
        ((h >> 2) & 0x0f, len_bytes)
    };
    let body = &b[(1 + len_bytes).min(b.len())..];
    let Some(&version) = body.first() else {
        return false;
    };
    match tag {
        3 => match version {
            4 => {
                let cipher_ok = body.get(1).is_none_or(|c| (1..=13).contains(c));
                let s2k_ok = body.get(2).is_none_or(|s| matches!(s, 0 | 1 | 3));
                cipher_ok && s2k_ok
            }
            5 | 6 => true,
            _ => false,
        },
        1 => matches!(version, 3 | 6),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgcrypto_symmetric_output() {
        // pgp_sym_encrypt('x', 'k'): new-format tag 3, v4, AES-128, iterated S2K.
        assert!(is_pgp_message(b"\\xc30d04070302a1b2c3d4"));
        // Old packet format, tag 3 (0x8c), one-byte length.
        assert!(is_pgp_message(b"\\x8c0d04070302"));
        // bytea escape output of c3 0d 04 07 03.
        assert!(is_pgp_message(b"\\303\\015\\004\\007\\003"));
    }

    #[test]
    fn pgcrypto_public_key_output() {
        // pgp_pub_encrypt: new-format tag 1 (0xc1), two-byte length, v3.
        assert!(is_pgp_message(b"\\xc1c04c03a1b2c3d4e5f6"));
        // Old format tag 1 with a two-byte length (0x85).
        assert!(is_pgp_message(b"\\x85010c03a1b2"));
    }

    #[test]
    fn armored_message() {
        assert!(is_pgp_message(b"-----BEGIN PGP MESSAGE-----\n\nww0EBwMC"));
        assert!(is_pgp_message(b"  \n-----BEGIN PGP MESSAGE-----"));
        assert!(!is_pgp_message(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    }

    #[test]
    fn other_values_are_not_messages() {
        for v in [
            &b""[..],
            b"hello",
            b"\\x",
            b"\\xdeadbeef",
            b"\\x89504e470d0a1a0a", // PNG
            b"\\xc30d09",           // SKESK with version 9
            b"\\xc30d0407ff",       // unknown S2K type
            b"\\xc2",               // signature packet (tag 2)
            b"\\xcb0d04",           // literal data packet (tag 11)
            b"\\x0c0d04070302",     // no packet bit
            b"\\N",
            b"-",
        ] {
            assert!(!is_pgp_message(v), "{}", String::from_utf8_lossy(v));
        }
    }
}
