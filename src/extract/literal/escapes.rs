//! Backslash escapes inside a double-quoted (or escape-processing) literal: one table per
//! language, read by one decoder.

use super::{hex_value, push_char, shell_double_quoted};

/// Which language's escapes a literal uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Esc {
    Python,
    PythonBytes,
    Js,
    Go,
    Java,
    Json,
    Yaml,
    Toml,
    Php,
    Ruby,
    Dotenv,
    Shell,
    /// Bash's ANSI-C quoting, `$'…'`.
    AnsiC,
    Properties,
}

/// What a code-point escape (`\xHH`, octal) gives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Code {
    /// Not an escape in this language.
    No,
    /// One byte of that value.
    Byte,
    /// The character of that code point, UTF-8 encoded.
    Char,
}

/// What `\u` does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unicode {
    No,
    /// `\uXXXX`, with surrogate pairs joined.
    Four,
    /// `\uXXXX` or `\u{X…}`.
    FourOrBraced,
    /// `\u{X…}` only; `\u` without a brace is kept as written (PHP).
    BracedOnly,
}

/// What a backslash before a line break (or blank) does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Newline {
    /// Not an escape: an unknown escape.
    No,
    /// A line continuation: backslash and line break go.
    Join,
    /// A continuation that also drops the next line's leading blanks (.properties).
    JoinTrim,
    /// Backslash before a line break or blank drops all whitespace after it (TOML, YAML).
    Trim,
}

/// One language's escapes.
struct Escapes {
    /// `\c` → byte, for the one-character escapes.
    simple: &'static [(u8, u8)],
    /// `\0` not followed by a digit is NUL.
    nul: bool,
    newline: Newline,
    hex: Code,
    unicode: Unicode,
    /// `\UXXXXXXXX`.
    long_unicode: bool,
    /// `\N{name}` (Python): not decoded, so the literal is not read.
    named: bool,
    octal: Code,
    /// An unknown escape keeps its backslash (else only the character stays).
    keep_unknown: bool,
}

/// The one-character escapes every language has, and `extra`.
macro_rules! simple {
    ($($c:expr => $b:expr),* $(,)?) => {
        &[
            (b'n', b'\n'), (b't', b'\t'), (b'r', b'\r'), (b'\\', b'\\'), (b'"', b'"'),
            $(($c, $b)),*
        ]
    };
}

const PYTHON: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'b' => 8, b'f' => 12, b'v' => 11, b'a' => 7],
    nul: false,
    newline: Newline::Join,
    hex: Code::Char,
    unicode: Unicode::Four,
    long_unicode: true,
    named: true,
    octal: Code::Char,
    keep_unknown: true,
};

const PYTHON_BYTES: Escapes = Escapes {
    hex: Code::Byte,
    unicode: Unicode::No,
    long_unicode: false,
    named: false,
    octal: Code::Byte,
    ..PYTHON
};

const JS: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'`' => b'`', b'$' => b'$', b'/' => b'/', b'b' => 8, b'f' => 12, b'v' => 11],
    nul: true,
    newline: Newline::Join,
    hex: Code::Char,
    unicode: Unicode::FourOrBraced,
    long_unicode: false,
    named: false,
    octal: Code::No,
    keep_unknown: false,
};

const GO: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'b' => 8, b'f' => 12, b'v' => 11, b'a' => 7],
    nul: false,
    newline: Newline::No,
    hex: Code::Byte,
    unicode: Unicode::Four,
    long_unicode: true,
    named: false,
    octal: Code::Byte,
    keep_unknown: false,
};

const JAVA: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'b' => 8, b'f' => 12, b's' => b' '],
    hex: Code::No,
    long_unicode: false,
    octal: Code::Char,
    ..GO
};

const JSON: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'/' => b'/', b'b' => 8, b'f' => 12],
    hex: Code::No,
    long_unicode: false,
    octal: Code::No,
    ..GO
};

const YAML: Escapes = Escapes {
    simple: simple![
        b'\'' => b'\'', b'/' => b'/', b'b' => 8, b'f' => 12, b'v' => 11, b'a' => 7,
        b'e' => 27, b' ' => b' ',
    ],
    nul: true,
    newline: Newline::Trim,
    hex: Code::Char,
    unicode: Unicode::Four,
    long_unicode: true,
    named: false,
    octal: Code::No,
    keep_unknown: false,
};

const TOML: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'b' => 8, b'f' => 12, b'e' => 27],
    nul: false,
    hex: Code::No,
    ..YAML
};

const PHP: Escapes = Escapes {
    simple: simple![b'$' => b'$', b'f' => 12, b'v' => 11, b'e' => 27],
    nul: false,
    newline: Newline::No,
    hex: Code::Byte,
    unicode: Unicode::BracedOnly,
    long_unicode: false,
    named: false,
    octal: Code::Byte,
    keep_unknown: true,
};

const RUBY: Escapes = Escapes {
    simple: simple![
        b'\'' => b'\'', b'b' => 8, b'f' => 12, b'v' => 11, b'a' => 7, b'e' => 27,
        b's' => b' ',
    ],
    nul: false,
    newline: Newline::Join,
    hex: Code::Byte,
    unicode: Unicode::FourOrBraced,
    long_unicode: false,
    named: false,
    octal: Code::Byte,
    keep_unknown: false,
};

const DOTENV: Escapes = Escapes {
    simple: simple![b'$' => b'$'],
    nul: false,
    newline: Newline::No,
    hex: Code::No,
    unicode: Unicode::No,
    long_unicode: false,
    named: false,
    octal: Code::No,
    keep_unknown: true,
};

/// `$'…'` (bash, zsh, ksh): C escapes, `\e`, `\xHH`, octal `\nnn`, `\uHHHH`,
/// `\UHHHHHHHH`; an unknown escape keeps its backslash.
const ANSI_C: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'?' => b'?', b'a' => 7, b'b' => 8, b'e' => 27, b'E' => 27, b'f' => 12, b'v' => 11],
    // Go's numeric escapes (`\xHH` and octal as bytes, `\u`/`\U` as characters), but an
    // unknown escape keeps its backslash.
    keep_unknown: true,
    ..GO
};

const PROPERTIES: Escapes = Escapes {
    simple: simple![b'\'' => b'\'', b'b' => 8, b'f' => 12],
    newline: Newline::JoinTrim,
    keep_unknown: false,
    unicode: Unicode::Four,
    ..DOTENV
};

fn table(style: Esc) -> &'static Escapes {
    match style {
        Esc::Python => &PYTHON,
        Esc::PythonBytes => &PYTHON_BYTES,
        Esc::Js => &JS,
        Esc::Go => &GO,
        Esc::Java => &JAVA,
        Esc::Json => &JSON,
        Esc::Yaml => &YAML,
        Esc::Toml => &TOML,
        Esc::Php => &PHP,
        Esc::Ruby => &RUBY,
        Esc::Dotenv => &DOTENV,
        Esc::Properties => &PROPERTIES,
        Esc::AnsiC => &ANSI_C,
        // Shell double quotes have their own reader (`$'…'` aside, few escapes).
        Esc::Shell => &DOTENV,
    }
}

/// Decodes the escapes of a literal's body; `None` when an escape is malformed or not
/// decodable (then the literal is not read as a key).
pub(super) fn escapes(body: &[u8], style: Esc) -> Option<Vec<u8>> {
    if style == Esc::Shell {
        return Some(shell_double_quoted(body));
    }
    let t = table(style);
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = body.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        i += 2;
        if let Some(&(_, b)) = t.simple.iter().find(|(k, _)| *k == e) {
            out.push(b);
            continue;
        }
        if e == b'0' && t.nul && !body.get(i).is_some_and(u8::is_ascii_digit) {
            out.push(0);
            continue;
        }
        i = escape(body, i, e, t, &mut out)?;
    }
    Some(out)
}

/// Decodes the escape `\e` whose text after `e` starts at `i`; returns where it ends.
fn escape(body: &[u8], mut i: usize, e: u8, t: &Escapes, out: &mut Vec<u8>) -> Option<usize> {
    match e {
        b'\n' | b'\r' if matches!(t.newline, Newline::Join | Newline::JoinTrim) => {
            if e == b'\r' && body.get(i) == Some(&b'\n') {
                i += 1;
            }
            if t.newline == Newline::JoinTrim {
                i += blanks(&body[i..]);
            }
        }
        b'\n' | b'\r' | b' ' | b'\t' if t.newline == Newline::Trim => i += blanks(&body[i..]),
        b'x' if t.hex != Code::No => {
            let n = body[i..]
                .iter()
                .take(2)
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if n == 0 {
                return None;
            }
            let v = hex_value(&body[i..i + n])?;
            push_code(out, v, t.hex)?;
            i += n;
        }
        b'u' if t.unicode == Unicode::BracedOnly && body.get(i) != Some(&b'{') => {
            out.extend_from_slice(b"\\u");
        }
        b'u' if t.unicode != Unicode::No => {
            if body.get(i) == Some(&b'{') && t.unicode != Unicode::Four {
                let close = body[i..].iter().position(|&c| c == b'}')?;
                push_char(out, hex_value(&body[i + 1..i + close])?)?;
                return Some(i + close + 1);
            }
            let mut v = hex_value(body.get(i..i + 4)?)?;
            i += 4;
            if (0xD800..0xDC00).contains(&v) && body.get(i..i + 2) == Some(b"\\u") {
                if let Some(low) = body.get(i + 2..i + 6).and_then(hex_value) {
                    if (0xDC00..0xE000).contains(&low) {
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    }
                }
            }
            push_char(out, v)?;
        }
        b'U' if t.long_unicode => {
            push_char(out, hex_value(body.get(i..i + 8)?)?)?;
            i += 8;
        }
        b'N' if t.named => return None,
        b'0'..=b'7' if t.octal != Code::No => {
            let start = i - 1;
            let n = body[start..]
                .iter()
                .take(3)
                .take_while(|c| (b'0'..=b'7').contains(c))
                .count();
            let v =
                u32::from_str_radix(std::str::from_utf8(&body[start..start + n]).ok()?, 8).ok()?;
            push_code(out, v, t.octal)?;
            i = start + n;
        }
        _ => {
            if t.keep_unknown {
                out.push(b'\\');
            }
            out.push(e);
        }
    }
    Some(i)
}

fn blanks(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|c| c.is_ascii_whitespace()).count()
}

fn push_code(out: &mut Vec<u8>, v: u32, code: Code) -> Option<()> {
    match code {
        Code::Char => push_char(out, v),
        _ => {
            out.push(v as u8);
            Some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLES: [Esc; 14] = [
        Esc::Python,
        Esc::PythonBytes,
        Esc::Js,
        Esc::Go,
        Esc::Java,
        Esc::Json,
        Esc::Yaml,
        Esc::Toml,
        Esc::Php,
        Esc::Ruby,
        Esc::Dotenv,
        Esc::Shell,
        Esc::AnsiC,
        Esc::Properties,
    ];

    #[test]
    fn tables_differ_where_the_languages_do() {
        let d =
            |body: &str, st| escapes(body.as_bytes(), st).map(|v| String::from_utf8(v).unwrap());
        assert_eq!(d(r"a\x41", Esc::Python).as_deref(), Some("aA"));
        assert_eq!(d(r"a\x41", Esc::Json).as_deref(), Some("ax41"));
        assert_eq!(d(r"\q", Esc::Php).as_deref(), Some(r"\q"));
        assert_eq!(d(r"\q", Esc::Go).as_deref(), Some("q"));
        assert_eq!(d(r"\u0041\u{42}", Esc::Js).as_deref(), Some("AB"));
        assert_eq!(d(r"\u0041", Esc::Php).as_deref(), Some(r"\u0041"));
        assert_eq!(d(r"\N{DASH}", Esc::Python), None);
        assert_eq!(d(r"\x", Esc::Go), None);
        assert_eq!(d("a\\\n   b", Esc::Properties).as_deref(), Some("ab"));
        assert_eq!(d("a\\\n   b", Esc::Toml).as_deref(), Some("ab"));
        assert_eq!(d("a\\\n   b", Esc::Python).as_deref(), Some("a   b"));
        assert_eq!(d(r"\0", Esc::Js).as_deref(), Some("\0"));
        assert_eq!(d(r"\101", Esc::Java).as_deref(), Some("A"));
    }

    /// Seeded random bodies over the escape alphabet: no panic, and decoding never makes
    /// a literal longer (every escape is at least as long as what it stands for).
    #[test]
    fn random_bodies_never_panic_or_grow() {
        let alphabet = b"\\\\nrtbfvae0123789xuUN{}'\"`$/ s\n\r\tAaFf";
        let mut rng = crate::testrand::XorShift::new(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = rng.below(16);
            let body = rng.text(alphabet, len);
            for st in STYLES {
                if let Some(out) = escapes(&body, st) {
                    assert!(out.len() <= body.len(), "{st:?} {body:?}");
                }
            }
        }
    }
}
