//! Decoders for the forms a ring key is written in (SPEC §3): percent-encoding,
//! backslash escapes (JSON `\/` and `\uXXXX`, shell `$'…'`, C-style `\xHH`), HTML/XML
//! character references (`&amp;`, `&#39;`), doubled quotes (CSV, C# verbatim, YAML and
//! SQL single-quoted strings), base64 and
//! base64url (padded or not) and hex. Each works on one candidate span and says where
//! each decoded byte came from, so a finding points at its first encoded byte; the
//! ring-token extractor applies them to what they decode again (nesting), within a
//! budget.

use base64::Engine as _;

/// Decoded bytes, and for each the offset in the span of the text it came from.
pub(crate) struct Decoded {
    pub bytes: Vec<u8>,
    pub from: Vec<usize>,
}

impl Decoded {
    /// Copies `span[start..end]` as it is, each byte from its own offset.
    fn copy(&mut self, span: &[u8], start: usize, end: usize) {
        self.bytes.extend_from_slice(&span[start..end]);
        self.from.extend(start..end);
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    match pair {
        [h, l] => Some(hex_digit(*h)? << 4 | hex_digit(*l)?),
        _ => None,
    }
}

/// `%2B`-style escapes, upper or lower case; `None` when the span holds none.
pub(crate) fn percent(span: &[u8]) -> Option<Decoded> {
    marked(span, b'%', |after| {
        let b = after.get(..2).and_then(hex_byte)?;
        Some(([b, 0, 0, 0], 1, 2))
    })
}

/// Escapes that each start with `marker`: `decode(after the marker)` gives the bytes an
/// escape stands for (the first `n` of four) and how many bytes after the marker it
/// takes; every other byte is copied as it is. `None` when no escape decodes.
fn marked(
    span: &[u8],
    marker: u8,
    decode: impl Fn(&[u8]) -> Option<([u8; 4], usize, usize)>,
) -> Option<Decoded> {
    // Nothing is allocated unless some escape decodes (`&&` in C is everywhere).
    let first = memchr::memchr_iter(marker, span).find(|&i| decode(&span[i + 1..]).is_some())?;
    let mut out = Decoded {
        bytes: Vec::with_capacity(span.len()),
        from: Vec::with_capacity(span.len()),
    };
    out.copy(span, 0, first);
    let mut any = false;
    let mut i = first;
    while i < span.len() {
        if span[i] == marker {
            if let Some((bytes, n, len)) = decode(&span[i + 1..]) {
                out.bytes.extend_from_slice(&bytes[..n]);
                out.from.extend(std::iter::repeat_n(i, n));
                any = true;
                i += 1 + len;
                continue;
            }
        }
        // The bytes up to the next marker, copied at once.
        let end = memchr::memchr(marker, &span[i + 1..]).map_or(span.len(), |n| i + 1 + n);
        out.copy(span, i, end);
        i = end;
    }
    any.then_some(out)
}

/// Doubled quotes, the escape of strings that have no backslash: `""` in a CSV field, a
/// C# verbatim or VB string, `''` in YAML and SQL single-quoted strings; `None` when the
/// span holds none. (Applied to a whole run, an empty string `''` also turns into one
/// quote: the candidates it adds are only ever ring keys.)
pub(crate) fn doubled_quotes(span: &[u8]) -> Option<Decoded> {
    // A pair with a separator (or the span's edge) on both sides is an empty string
    // (`x = ''`, `f("", y)`), not an escape inside one: left alone.
    let sep =
        |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii_whitespace() || b"()[]{},;=:<>".contains(&b));
    let first = |from: usize| {
        memchr::memchr2_iter(b'"', b'\'', &span[from..])
            .map(|n| from + n)
            .find(|&i| {
                let q = span[i];
                let before = i.checked_sub(1).map(|p| &span[p]);
                span.get(i + 1) == Some(&q)
                    // Exactly two: in a run of three or more quotes which two pair up
                    // depends on where the run starts, so a stream cut inside it would
                    // read other keys than the whole document.
                    && before != Some(&q)
                    && span.get(i + 2) != Some(&q)
                    && !(sep(before) && sep(span.get(i + 2)))
            })
    };
    let mut at = first(0)?;
    let mut out = Decoded {
        bytes: Vec::with_capacity(span.len()),
        from: Vec::with_capacity(span.len()),
    };
    let mut i = 0;
    loop {
        out.copy(span, i, at);
        // One quote for the pair, from the pair's first byte.
        out.bytes.push(span[at]);
        out.from.push(at);
        i = at + 2;
        match first(i) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.copy(span, i, span.len());
    Some(out)
}

/// HTML and XML character references: `&amp; &lt; &gt; &quot; &apos;`, `&#NNN;` and
/// `&#xHH;` (a key in an HTML attribute or an XML file read as text); `None` when the
/// span holds none.
pub(crate) fn entities(span: &[u8]) -> Option<Decoded> {
    marked(span, b'&', |after| {
        let (c, len) = entity(after)?;
        let mut buf = [0u8; 4];
        let n = c.encode_utf8(&mut buf).len();
        Some((buf, n, len))
    })
}

/// The character a reference after its `&` stands for, and the reference's length
/// (to its `;`).
fn entity(after: &[u8]) -> Option<(char, usize)> {
    let semi = memchr::memchr(b';', &after[..after.len().min(10)])?;
    let name = &after[..semi];
    let c = match name {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        [b'#', b'x' | b'X', hex @ ..] if !hex.is_empty() && hex.len() <= 6 => {
            let v = hex
                .iter()
                .try_fold(0u32, |v, &d| Some(v << 4 | u32::from(hex_digit(d)?)))?;
            char::from_u32(v)?
        }
        [b'#', dec @ ..] if !dec.is_empty() && dec.len() <= 7 => {
            let v = dec.iter().try_fold(0u32, |v, &d| {
                d.is_ascii_digit().then(|| v * 10 + u32::from(d - b'0'))
            })?;
            char::from_u32(v)?
        }
        _ => return None,
    };
    Some((c, semi + 1))
}

/// Backslash escapes: `\/ \\ \" \' \n \r \t \0`, `\xHH`, `\uXXXX` (surrogate pairs
/// joined) and `\u{X…}`; `None` when the span holds none.
pub(crate) fn unescape(span: &[u8]) -> Option<Decoded> {
    memchr::memchr(b'\\', span)?;
    let mut out = Decoded {
        bytes: Vec::with_capacity(span.len()),
        from: Vec::with_capacity(span.len()),
    };
    let push_char = |out: &mut Decoded, cp: u32, at: usize| {
        let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            out.bytes.push(b);
            out.from.push(at);
        }
    };
    let u4 = |at: usize| -> Option<u32> {
        let d = span.get(at..at + 4)?;
        Some(u32::from(hex_byte(&d[..2])?) << 8 | u32::from(hex_byte(&d[2..])?))
    };
    let mut any = false;
    let mut i = 0;
    while i < span.len() {
        let c = span[i];
        if c != b'\\' || i + 1 == span.len() {
            // The bytes up to the next backslash, copied at once.
            let end = memchr::memchr(b'\\', &span[i + 1..]).map_or(span.len(), |n| i + 1 + n);
            out.copy(span, i, end);
            i = end;
            continue;
        }
        let e = span[i + 1];
        let simple = match e {
            b'/' | b'\\' | b'"' | b'\'' | b'`' | b'$' => Some(e),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'0' => Some(0),
            _ => None,
        };
        if let Some(b) = simple {
            out.bytes.push(b);
            out.from.push(i);
            any = true;
            i += 2;
            continue;
        }
        match e {
            b'x' => match span.get(i + 2..i + 4).and_then(hex_byte) {
                Some(b) => {
                    out.bytes.push(b);
                    out.from.push(i);
                    any = true;
                    i += 4;
                }
                None => {
                    out.bytes.push(c);
                    out.from.push(i);
                    i += 1;
                }
            },
            b'u' if span.get(i + 2) == Some(&b'{') => {
                let close = span[i + 2..].iter().position(|&b| b == b'}');
                let cp = close.and_then(|n| {
                    let digits = &span[i + 3..i + 2 + n];
                    (!digits.is_empty() && digits.len() <= 6)
                        .then(|| std::str::from_utf8(digits).ok())
                        .flatten()
                        .and_then(|d| u32::from_str_radix(d, 16).ok())
                });
                match (cp, close) {
                    (Some(cp), Some(n)) => {
                        push_char(&mut out, cp, i);
                        any = true;
                        i += 3 + n;
                    }
                    _ => {
                        out.bytes.push(c);
                        out.from.push(i);
                        i += 1;
                    }
                }
            }
            b'u' => match u4(i + 2) {
                Some(hi) => {
                    let mut cp = hi;
                    let mut len = 6;
                    if (0xD800..0xDC00).contains(&hi) && span.get(i + 6..i + 8) == Some(b"\\u") {
                        if let Some(lo) = u4(i + 8).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                            cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            len = 12;
                        }
                    }
                    push_char(&mut out, cp, i);
                    any = true;
                    i += len;
                }
                None => {
                    out.bytes.push(c);
                    out.from.push(i);
                    i += 1;
                }
            },
            _ => {
                out.bytes.push(c);
                out.from.push(i);
                i += 1;
            }
        }
    }
    any.then_some(out)
}

/// Base64 or base64url text (padding already cut off), decoded; `None` when it is not.
pub(crate) fn base64(text: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    if text.len() % 4 == 1 {
        return None;
    }
    let url = text.iter().any(|&c| c == b'-' || c == b'_');
    let std = text.iter().any(|&c| c == b'+' || c == b'/');
    if url && std {
        return None;
    }
    if url {
        URL_SAFE_NO_PAD.decode(text)
    } else {
        STANDARD_NO_PAD.decode(text)
    }
    .ok()
}

/// Hex text of an even length, upper or lower case (not mixed), decoded.
pub(crate) fn hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.is_empty() {
        return None;
    }
    // One pass through a table: each digit's value, 0x80 for a non-digit, and which
    // case its letter is (0x10 upper, 0x20 lower), OR-ed over the text.
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut seen = 0u8;
    for pair in text.chunks_exact(2) {
        let (h, l) = (HEX[pair[0] as usize], HEX[pair[1] as usize]);
        seen |= h | l;
        out.push((h & 0x0f) << 4 | (l & 0x0f));
    }
    (seen & 0x80 == 0 && seen & 0x30 != 0x30).then_some(out)
}

/// Per byte: its hex value, with 0x10 for an upper-case and 0x20 for a lower-case
/// letter; 0x80 for every byte that is not a hex digit.
static HEX: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => (c - b'A' + 10) | 0x10,
            b'a'..=b'f' => (c - b'a' + 10) | 0x20,
            _ => 0x80,
        };
        i += 1;
    }
    t
};

/// Splits `a,b, c` into trimmed elements with their offsets; a value with spaces inside
/// an element (a sentence) is one value.
pub(crate) fn comma_list(value: &[u8]) -> Vec<(usize, &[u8])> {
    if memchr::memchr(b',', value).is_none() {
        return vec![(0, value)];
    }
    let mut items = Vec::new();
    let mut start = 0;
    for part in value.split(|&b| b == b',') {
        let lead = part.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let item = part[lead..].trim_ascii_end();
        if item.is_empty() || item.iter().any(u8::is_ascii_whitespace) {
            return vec![(0, value)];
        }
        items.push((start + lead, item));
        start += part.len() + 1;
    }
    items
}

/// The maximal runs of `span` whose bytes all pass `class`, at least `min` long, as
/// (start, end).
pub(crate) fn words(span: &[u8], min: usize, class: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < span.len() {
        if !class(span[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < span.len() && class(span[i]) {
            i += 1;
        }
        if i - start >= min {
            out.push((start, i));
        }
    }
    out
}

/// Byte-array literals, as a key used as raw bytes is written in code: `min` to `max`
/// numbers in a row after a `{` or `[`, each `0x4a`/`0X4A` (one or two hex digits, a
/// Rust `u8`/`i8` suffix allowed), decimal `74`, or a Java signed byte `-97`, maybe after
/// a `(byte)` cast, separated by commas and blanks or newlines (C and C# `{…}`, Go
/// `[]byte{…}`, Java `new byte[]{…}`, JavaScript `Uint8Array([…])`, Python
/// `bytes([…])`, Rust `[…]`). Calls `each(offset of the first number, bytes)`.
pub(crate) fn byte_lists(
    text: &[u8],
    min: usize,
    max: usize,
    mut each: impl FnMut(usize, Vec<u8>),
) {
    let min = min.max(2);
    // Each `{` and `[`: most are followed by no number and a comma, and passed over at
    // once; a list is read to its end, and the brackets inside it are not visited again.
    let mut done = 0;
    for open in memchr::memchr2_iter(b'{', b'[', text) {
        if open < done {
            continue;
        }
        let first = skip_blanks(text, open + 1);
        let starts = list_byte(text, first)
            .is_some_and(|(_, e)| text.get(skip_blanks(text, e)) == Some(&b','));
        if !starts {
            continue;
        }
        let mut bytes = Vec::new();
        let mut at = first;
        let mut end = first;
        // Read to the list's end however long (a table longer than any key is no key).
        while let Some((b, e)) = list_byte(text, at) {
            if bytes.len() <= max {
                bytes.push(b);
            }
            end = e;
            let next = skip_blanks(text, e);
            if text.get(next) != Some(&b',') {
                break;
            }
            at = skip_blanks(text, next + 1);
        }
        done = end;
        if (min..=max).contains(&bytes.len()) {
            each(first, bytes);
        }
    }
}

/// Hex pairs joined by colons, `4A:7B:2C:…` (OpenSSL and keytool print keys so), of
/// `min` to `max` bytes, in a run (no blanks). Calls `each(offset, bytes)`.
pub(crate) fn colon_hex(text: &[u8], min: usize, max: usize, mut each: impl FnMut(usize, Vec<u8>)) {
    let min = min.max(2);
    let mut from = 0;
    for colon in memchr::memchr_iter(b':', text) {
        if colon < from.max(2) || !is_hex_pair(text, colon - 2) || !is_hex_pair(text, colon + 1) {
            continue;
        }
        let start = colon - 2;
        if start > 0 && (text[start - 1].is_ascii_alphanumeric() || text[start - 1] == b':') {
            continue;
        }
        let mut bytes = Vec::new();
        let mut at = start;
        while is_hex_pair(text, at) {
            bytes.push(hex_byte(&text[at..at + 2]).expect("two hex digits"));
            at += 2;
            if text.get(at) == Some(&b':') && is_hex_pair(text, at + 1) {
                at += 1;
            } else {
                break;
            }
        }
        from = at;
        let joined = text.get(at).is_some_and(|c| c.is_ascii_alphanumeric());
        if !joined && (min..=max).contains(&bytes.len()) {
            each(start, bytes);
        }
    }
}

fn skip_blanks(text: &[u8], mut at: usize) -> usize {
    while text
        .get(at)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        at += 1;
    }
    at
}

fn is_hex_pair(text: &[u8], at: usize) -> bool {
    text.get(at..at + 2)
        .is_some_and(|p| p.iter().all(u8::is_ascii_hexdigit))
}

/// One number of a byte list at `at`: the byte and where its text ends.
fn list_byte(text: &[u8], mut at: usize) -> Option<(u8, usize)> {
    if text[at..].starts_with(b"(byte)") {
        at = skip_blanks(text, at + 6);
    }
    let rest = text.get(at..)?;
    // How many digits from `from` on, looking at one more than `most`.
    let count = |from: usize, most: usize, digit: fn(&u8) -> bool| {
        rest[from..]
            .iter()
            .take(most + 1)
            .take_while(|c| digit(c))
            .count()
    };
    let (value, mut end) = if rest.starts_with(b"0x") || rest.starts_with(b"0X") {
        let digits = count(2, 2, u8::is_ascii_hexdigit);
        if !(1..=2).contains(&digits) {
            return None;
        }
        let v = rest[2..2 + digits]
            .iter()
            .fold(0u32, |v, &c| v << 4 | hex_digit(c).map_or(0, u32::from));
        (v, at + 2 + digits)
    } else {
        let neg = rest.first() == Some(&b'-');
        let digits = count(usize::from(neg), 3, u8::is_ascii_digit);
        if !(1..=3).contains(&digits) {
            return None;
        }
        let start = usize::from(neg);
        let v: u32 = std::str::from_utf8(&rest[start..start + digits])
            .ok()?
            .parse()
            .ok()?;
        match (neg, v) {
            (false, 0..=255) => (v, at + start + digits),
            (true, 1..=128) => (256 - v, at + start + digits),
            _ => return None,
        }
    };
    if text[end..].starts_with(b"u8") || text[end..].starts_with(b"i8") {
        end += 2;
    }
    // A number ends the token (not `0x4a5`, `12.5` or `7f`).
    if text
        .get(end)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_')
    {
        return None;
    }
    Some((value as u8, end))
}

/// Gzip'd bytes inflated, at most `max` of them; `None` when they are not gzip or the
/// stream breaks before any byte (a cut stream's first bytes still count).
pub(crate) fn gunzip(bytes: &[u8], max: usize) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    let mut gz = flate2::bufread::MultiGzDecoder::new(bytes).take(max as u64);
    match gz.read_to_end(&mut out) {
        Ok(_) => Some(out),
        // (`read_to_end` keeps what it read before the error.)
        Err(_) if !out.is_empty() => Some(out),
        Err(_) => None,
    }
}

/// Runs every decoder on `data`, panicking if an invariant breaks: decoded bytes map
/// into the span in order, nothing decodes longer than its text. Shared by the
/// `cargo fuzz` target `decoders` and the seeded random-input test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    for d in [
        percent(data),
        unescape(data),
        entities(data),
        doubled_quotes(data),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(d.bytes.len(), d.from.len());
        assert!(
            d.from.windows(2).all(|w| w[0] <= w[1]),
            "offsets out of order"
        );
        assert!(
            d.from.iter().all(|&o| o < data.len()),
            "offset outside the span"
        );
        assert!(d.bytes.len() <= data.len() * 2, "decoded much longer");
    }
    if let Some(b) = base64(data) {
        assert!(b.len() <= data.len());
    }
    // The table decoder against the digit-by-digit one.
    let upper = data.iter().any(u8::is_ascii_uppercase);
    let lower = data.iter().any(u8::is_ascii_lowercase);
    let want = if data.len() % 2 == 1 || data.is_empty() || (upper && lower) {
        None
    } else {
        data.chunks(2).map(hex_byte).collect::<Option<Vec<u8>>>()
    };
    assert_eq!(hex(data), want, "hex decoders disagree");
    // The unescaper's copied stretches against decoding byte by byte: the bytes
    // between escapes are kept as they are.
    if let Some(d) = unescape(data) {
        for (&b, &at) in d.bytes.iter().zip(&d.from) {
            if data[at] != b'\\' {
                assert_eq!(b, data[at], "a plain byte changed");
            }
        }
    }
    // References: the bytes between them are kept, and each decodes from its `&`.
    if let Some(d) = entities(data) {
        for (&b, &at) in d.bytes.iter().zip(&d.from) {
            if data[at] != b'&' {
                assert_eq!(b, data[at], "a plain byte changed");
            }
        }
    }
    for (s, e) in words(data, 1, |c| c.is_ascii_hexdigit()) {
        assert!(s < e && e <= data.len());
    }
    // Byte lists start inside the text and hold `min..=max` bytes, no more than the
    // text could write (each byte takes at least two characters: a digit and a comma
    // or colon, bar the last).
    let mut check = |at: usize, bytes: Vec<u8>| {
        assert!(at < data.len());
        assert!((2..=64).contains(&bytes.len()));
        assert!(bytes.len() * 2 <= data.len() - at + 1);
    };
    byte_lists(data, 2, 64, &mut check);
    colon_hex(data, 2, 64, &mut check);
    // Gzip: bounded output, whatever the stream (the data itself, and with a gzip
    // header in front so that the inflater reads it as a deflate stream).
    let max = usize::from(data.first().copied().unwrap_or(0)) * 64;
    let mut framed = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
    framed.extend_from_slice(data);
    for gz in [data, &framed[..]] {
        if let Some(out) = gunzip(gz, max) {
            assert!(out.len() <= max, "inflated past its bound");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: &Decoded) -> String {
        String::from_utf8_lossy(&d.bytes).into_owned()
    }

    #[test]
    fn percent_decodes_either_case_and_maps_offsets() {
        let d = percent(b"p%2Bss%2fw%3d%zz").unwrap();
        assert_eq!(text(&d), "p+ss/w=%zz");
        assert_eq!(d.from[1], 1);
        assert_eq!(d.from[2], 4);
        assert!(percent(b"plain").is_none());
        assert!(percent(b"100%").is_none());
    }

    #[test]
    fn doubled_quotes_become_one() {
        let d = doubled_quotes(br#"@"Qp7""Wm3" 'it''s' """"x"#).unwrap();
        // (Three quotes or more in a row are left as they are.)
        assert_eq!(text(&d), r#"@"Qp7"Wm3" 'it's' """"x"#);
        assert_eq!(d.from[5], 5, "the pair's first quote");
        assert_eq!(d.from[6], 7);
        assert!(doubled_quotes(b"a \"b\" 'c'").is_none());
        // Empty strings are not escapes.
        assert!(doubled_quotes(b"x=''").is_none());
        assert!(doubled_quotes(b"f(\"\",").is_none());
        assert!(doubled_quotes(b"a,\"\",b").is_none());
    }

    #[test]
    fn entities_decode_named_and_numeric_references() {
        let d = entities(b"a&amp;b&lt;&#62;&#x27;&quot;&bogus;&#xZZ;&").unwrap();
        assert_eq!(text(&d), "a&b<>'\"&bogus;&#xZZ;&");
        assert_eq!(d.from[1], 1, "the & of &amp;");
        assert_eq!(d.from[2], 6);
        assert!(entities(b"a && b").is_none());
        assert!(
            entities(b"&#1114112;").is_none(),
            "past the last code point"
        );
    }

    #[test]
    fn unescape_reads_json_shell_and_c_escapes() {
        assert_eq!(text(&unescape(br"a\/b\u0041\x42\n").unwrap()), "a/bAB\n");
        assert_eq!(text(&unescape(br"\ud83d\ude00").unwrap()), "😀");
        assert_eq!(text(&unescape(br"\u{1F600}x").unwrap()), "😀x");
        assert!(unescape(br"keep \q \x").is_none(), "nothing decodes");
        assert_eq!(text(&unescape(br"\q\/").unwrap()), r"\q/");
        assert!(unescape(b"none").is_none());
        let d = unescape(br"ab\/cd").unwrap();
        assert_eq!(d.from, [0, 1, 2, 4, 5]);
    }

    /// The table decoder against the obvious one, on seeded random text.
    #[test]
    fn hex_agrees_with_a_digit_by_digit_decoder() {
        let mut rng = crate::testrand::XorShift::new(0x4E58_0001);
        for _ in 0..20_000 {
            let len = rng.below(12);
            let text = rng.text(b"09afAFgG x", len);
            let upper = text.iter().any(u8::is_ascii_uppercase);
            let lower = text.iter().any(u8::is_ascii_lowercase);
            let want = if text.len() % 2 == 1 || text.is_empty() || (upper && lower) {
                None
            } else {
                text.chunks(2).map(hex_byte).collect::<Option<Vec<u8>>>()
            };
            assert_eq!(hex(&text), want, "{text:?}");
        }
    }

    #[test]
    fn base64_and_hex() {
        assert_eq!(base64(b"aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64(b"_-8").unwrap(), [0xff, 0xef]);
        assert!(base64(b"a+b_").is_none());
        assert_eq!(hex(b"DEADbeef"), None);
        assert_eq!(hex(b"deadbeef").unwrap(), [0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(hex(b"DEADBEEF").unwrap(), [0xde, 0xad, 0xbe, 0xef]);
        assert!(hex(b"abc").is_none());
        assert_eq!(
            words(b"ab-cdef gh", 3, |c| c.is_ascii_alphabetic()),
            [(3, 7)]
        );
    }

    fn lists(text: &str) -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        byte_lists(text.as_bytes(), 4, 64, |at, b| out.push((at, b)));
        colon_hex(text.as_bytes(), 4, 64, |at, b| out.push((at, b)));
        out
    }

    #[test]
    fn byte_lists_in_every_language_and_colon_hex() {
        let key = b"Kx9-2bQz";
        for (text, at) in [
            (
                "var key = []byte{0x4b, 0x78, 0x39, 0x2d, 0x32, 0x62, 0x51, 0x7a}",
                17,
            ),
            (
                "byte[] k = new byte[]{75, 120, 57, 45, 50, 98, 81, 0x7a};",
                22,
            ),
            (
                "const k = new Uint8Array([\n  0x4b, 120, 57,\n  45, 50, 98, 81, 122,\n]);",
                29,
            ),
            (
                "let k: [u8; 8] = [0x4bu8, 0x78, 0x39, 0x2D, 0x32, 0x62, 0x51, 0x7A];",
                18,
            ),
            ("KEY = bytes([0x4B,0x78,0x39,0x2D,0x32,0x62,0x51,0x7A])", 13),
            ("KEY = bytes([75,120,57,45,50,98,81,122])", 13),
            (
                "const k = Uint8Array.from([75, 120, 57, 45, 50, 98, 81, 122]);",
                27,
            ),
            ("key: 4B:78:39:2D:32:62:51:7A", 5),
        ] {
            assert_eq!(lists(text), vec![(at, key.to_vec())], "{text}");
        }
        // Java's signed bytes and casts.
        assert_eq!(
            lists("new byte[] {(byte) 0x9f, -97, (byte)-1, 0x00}"),
            vec![(12, vec![0x9f, 0x9f, 0xff, 0x00])]
        );
    }

    #[test]
    fn what_is_not_a_byte_list() {
        for text in [
            "version = [3, 8, 1]",
            "flags = 0x10 | 0x20 | 0x40 | 0x80",
            "{ 0x4a5, 0x12, 0x34, 0x56 }",
            "[1.5, 2.5, 3.5, 4.5]",
            "[256, 1, 2, 3]",
            "[12a, 13, 14, 15]",
            "t = 12:30:45",
            "mac 00:1a:2b:3c:4d:5e:6f:70:81x",
        ] {
            assert_eq!(lists(text), vec![], "{text}");
        }
        // Longer than any key: not read.
        let long = format!("[{}]", vec!["1"; 65].join(", "));
        assert_eq!(lists(&long), vec![]);
    }

    /// Seeded random spans over the escape alphabet: no panic, and every decoded byte
    /// maps into the span, in order.
    #[test]
    fn random_spans_keep_their_offsets() {
        let mut rng = crate::testrand::XorShift::new(0xD1CE_5EED_0000_0001);
        let alphabet = b"%\\\\uxX0123456789abcdefABCDEF{}/\"'n";
        for _ in 0..20_000 {
            let len = rng.below(40);
            let span = rng.text(alphabet, len);
            self_check(&span);
        }
        // Byte lists: numbers, separators and casts in any order.
        let pieces = [
            "0x", "4a", "7", "-", "12", ",", ", ", "\n", "[", "{", "(byte)", ":", "u8", "a",
        ];
        for _ in 0..20_000 {
            let n = rng.below(30);
            let span = rng.pieces(&pieces, n);
            self_check(span.as_bytes());
        }
    }
}
