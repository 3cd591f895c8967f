//! String literals as written in source, decoded into the bytes the program sees.
//!
//! Each language quotes and escapes differently; [`decode`] takes the literal with its
//! quotes (and Python prefix) and the file's [`Dialect`]. A literal that is not constant
//! (an f-string with a field, a template with `${}`, `"$var"` in shell or PHP) gives
//! `None`: it is not a value a key ring could match.

mod escapes;

use crate::format::Format;
use escapes::{escapes, Esc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Python,
    Js,
    Go,
    Java,
    Php,
    Ruby,
    Shell,
    Yaml,
    Json,
    Toml,
    Dotenv,
    Properties,
    Generic,
}

impl Dialect {
    pub(crate) fn of(format: Format) -> Dialect {
        match format {
            Format::Python => Dialect::Python,
            Format::Javascript => Dialect::Js,
            Format::Go => Dialect::Go,
            Format::Java => Dialect::Java,
            Format::Php => Dialect::Php,
            Format::Ruby => Dialect::Ruby,
            Format::Shell | Format::Dockerfile => Dialect::Shell,
            Format::Yaml => Dialect::Yaml,
            Format::Json => Dialect::Json,
            Format::Toml => Dialect::Toml,
            Format::Dotenv => Dialect::Dotenv,
            Format::Properties => Dialect::Properties,
            _ => Dialect::Generic,
        }
    }
}

/// Decodes one literal (quotes and prefix included) or a bare value.
pub(crate) fn decode(raw: &[u8], dialect: Dialect) -> Option<Vec<u8>> {
    let (prefix, rest) = split_prefix(raw, dialect);
    let raw_prefix = prefix.iter().any(|c| matches!(c, b'r' | b'R'));
    let bytes_prefix = prefix.iter().any(|c| matches!(c, b'b' | b'B'));
    let f_prefix = prefix.iter().any(|c| matches!(c, b'f' | b'F'));
    if dialect == Dialect::Shell {
        if let Some(body) = rest.strip_prefix(b"$'").and_then(|r| r.strip_suffix(b"'")) {
            return escapes(body, Esc::AnsiC);
        }
    }
    if dialect == Dialect::Yaml && matches!(rest.first(), Some(b'|' | b'>')) {
        return yaml_block(rest, 0).map(|(_, v)| v);
    }
    let (quote, body) = match strip_quotes(rest) {
        Some(q) => q,
        None => return decode_bare(rest, dialect),
    };
    if dialect == Dialect::Properties {
        // Quotes are ordinary characters in a .properties value.
        return decode_bare(raw, dialect);
    }
    let triple = quote.len() == 3;
    let q = quote[0];
    match dialect {
        Dialect::Python => {
            if f_prefix {
                let body = unbrace_fstring(body)?;
                if raw_prefix {
                    return Some(body);
                }
                return escapes(&body, Esc::Python);
            }
            if raw_prefix {
                Some(body.to_vec())
            } else if bytes_prefix {
                escapes(body, Esc::PythonBytes)
            } else {
                escapes(body, Esc::Python)
            }
        }
        Dialect::Js | Dialect::Generic => {
            if q == b'`' && contains(body, b"${") {
                return None;
            }
            escapes(body, Esc::Js)
        }
        Dialect::Go => match q {
            b'`' => Some(body.iter().copied().filter(|&c| c != b'\r').collect()),
            b'"' => escapes(body, Esc::Go),
            _ => None,
        },
        Dialect::Java => escapes(body, Esc::Java),
        Dialect::Php => match q {
            b'\'' => Some(single_quote_escapes(body)),
            b'"' if has_php_interpolation(body) => None,
            b'"' => escapes(body, Esc::Php),
            _ => None,
        },
        Dialect::Ruby => match q {
            b'\'' => Some(single_quote_escapes(body)),
            b'"' if contains(body, b"#{") => None,
            b'"' => escapes(body, Esc::Ruby),
            _ => None,
        },
        Dialect::Shell => match q {
            b'\'' => Some(body.to_vec()),
            b'"' if has_shell_expansion(body) => None,
            b'"' => escapes(body, Esc::Shell),
            _ => None,
        },
        Dialect::Dotenv => match q {
            b'\'' => Some(body.to_vec()),
            b'"' if has_shell_expansion(body) => None,
            b'"' => escapes(body, Esc::Dotenv),
            _ => None,
        },
        Dialect::Yaml => match q {
            b'\'' => Some(replace_doubled_quote(body)),
            b'"' => escapes(body, Esc::Yaml),
            _ => None,
        },
        Dialect::Json => match q {
            b'"' => escapes(body, Esc::Json),
            _ => escapes(body, Esc::Js),
        },
        Dialect::Toml => match (q, triple) {
            (b'\'', false) => Some(body.to_vec()),
            (b'\'', true) => Some(trim_first_newline(body).to_vec()),
            (b'"', true) => escapes(trim_first_newline(body), Esc::Toml),
            (b'"', false) => escapes(body, Esc::Toml),
            _ => None,
        },
        Dialect::Properties => unreachable!("handled above"),
    }
}

/// The string literals inside a list (`[...]`, `(...)`), each with its offset in `raw`
/// and its decoded value (None where not constant).
pub(crate) fn list_items(raw: &[u8], dialect: Dialect) -> Vec<(usize, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'#'
            && matches!(
                dialect,
                Dialect::Python | Dialect::Ruby | Dialect::Yaml | Dialect::Shell | Dialect::Toml
            )
        {
            i = memchr::memchr(b'\n', &raw[i..]).map_or(raw.len(), |n| i + n);
            continue;
        }
        if c == b'/' && raw.get(i + 1) == Some(&b'/') {
            i = memchr::memchr(b'\n', &raw[i..]).map_or(raw.len(), |n| i + n);
            continue;
        }
        let start = i;
        let mut j = i;
        while j < raw.len() && j - start < 2 && raw[j].is_ascii_alphabetic() {
            j += 1;
        }
        if j < raw.len()
            && matches!(raw[j], b'"' | b'\'' | b'`')
            && (j == start || dialect == Dialect::Python)
        {
            if let Some(len) = literal_len(&raw[j..]) {
                let end = j + len;
                out.push((start, decode(&raw[start..end], dialect)));
                i = end;
                continue;
            }
            return out;
        }
        i = if j > i { j } else { i + 1 };
    }
    out
}

/// Length of the quoted literal at the start of `s` (quotes included).
pub(crate) fn literal_len(s: &[u8]) -> Option<usize> {
    let q = *s.first()?;
    if s.len() >= 6 && (s.starts_with(b"\"\"\"") || s.starts_with(b"'''")) {
        let close = &s[..3];
        let mut i = 3;
        while i + 3 <= s.len() {
            if s[i] == b'\\' {
                i += 2;
                continue;
            }
            if &s[i..i + 3] == close {
                return Some(i + 3);
            }
            i += 1;
        }
        return None;
    }
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            c if c == q => return Some(i + 1),
            b'\n' if q != b'`' => return None,
            _ => i += 1,
        }
    }
    None
}

fn split_prefix(raw: &[u8], dialect: Dialect) -> (&[u8], &[u8]) {
    if dialect != Dialect::Python {
        return (&[], raw);
    }
    let n = raw
        .iter()
        .take(2)
        .take_while(|c| matches!(c, b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F'))
        .count();
    if raw.get(n).is_some_and(|c| matches!(c, b'"' | b'\'')) {
        raw.split_at(n)
    } else {
        (&[], raw)
    }
}

fn strip_quotes(s: &[u8]) -> Option<(&[u8], &[u8])> {
    for q in [&b"\"\"\""[..], b"'''"] {
        if s.len() >= 6 && s.starts_with(q) && s.ends_with(q) {
            return Some((q, &s[3..s.len() - 3]));
        }
    }
    let q = *s.first()?;
    if matches!(q, b'"' | b'\'' | b'`') && s.len() >= 2 && *s.last()? == q {
        return Some((&s[..1], &s[1..s.len() - 1]));
    }
    None
}

fn decode_bare(s: &[u8], dialect: Dialect) -> Option<Vec<u8>> {
    let s = s.trim_ascii();
    if s.is_empty() || matches!(s[0], b'"' | b'\'' | b'`') {
        return None;
    }
    match dialect {
        Dialect::Properties => escapes(s, Esc::Properties),
        Dialect::Shell | Dialect::Dotenv => {
            if has_shell_expansion(s) {
                return None;
            }
            let mut out = Vec::with_capacity(s.len());
            let mut it = s.iter();
            while let Some(&c) = it.next() {
                if c == b'\\' && dialect == Dialect::Shell {
                    if let Some(&n) = it.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        }
        Dialect::Yaml => {
            if s.starts_with(b"${")
                || s.starts_with(b"{{")
                || matches!(s[0], b'|' | b'>' | b'&' | b'*' | b'!')
            {
                return None;
            }
            Some(s.to_vec())
        }
        _ => Some(s.to_vec()),
    }
}

/// A YAML block scalar: `raw` starts at the header (`|`, `>`, chomping `-`/`+`,
/// indentation digit) and may run on past the block (the rest of the document): the
/// block's indentation is its first content line's (or the digit's) and must be more
/// than `parent_indent`; it ends at the first non-blank line indented less. `|` keeps
/// newlines, `>` folds lines into spaces (not more-indented or blank ones); clip keeps
/// one final newline, `-` none, `+` all. Returns the offset in `raw` of the first
/// content byte and the value.
pub(crate) fn yaml_block(raw: &[u8], parent_indent: usize) -> Option<(usize, Vec<u8>)> {
    let nl = memchr::memchr(b'\n', raw)?;
    let header = &raw[..nl];
    let header = match header.windows(2).position(|w| w == b" #") {
        Some(p) => &header[..p],
        None => header,
    };
    let header = header.trim_ascii();
    let folded = *header.first()? == b'>';
    let mut chomp = b' ';
    let mut explicit = None;
    for &c in &header[1..] {
        match c {
            b'-' | b'+' => chomp = c,
            b'1'..=b'9' => explicit = Some(parent_indent + usize::from(c - b'0')),
            _ => return None,
        }
    }
    let indent_of = |l: &[u8]| l.iter().take_while(|&&b| b == b' ').count();
    let mut indent = explicit;
    let mut first_content = None;
    let mut body: Vec<&[u8]> = Vec::new();
    let mut offset = nl + 1;
    for l in raw[nl + 1..].split(|&b| b == b'\n') {
        let line_start = offset;
        offset += l.len() + 1;
        if l.is_empty() && offset > raw.len() {
            break; // after the final newline: not a line
        }
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.trim_ascii().is_empty() {
            body.push(b"");
            continue;
        }
        let n = indent_of(l);
        let want = *indent.get_or_insert(n);
        if n < want || n <= parent_indent {
            break;
        }
        first_content.get_or_insert(line_start + want);
        body.push(&l[want..]);
    }
    let first_content = first_content?;
    let content = body
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |p| p + 1);
    let trailing = body.len() - content;
    let mut out = Vec::new();
    for (i, l) in body[..content].iter().enumerate() {
        if i > 0 {
            let prev = body[i - 1];
            let joins = folded
                && !prev.is_empty()
                && !l.is_empty()
                && !prev.starts_with(b" ")
                && !l.starts_with(b" ");
            out.push(if joins { b' ' } else { b'\n' });
            if folded && l.is_empty() && !prev.is_empty() {
                // A blank line in a folded block is one newline, not two.
                out.pop();
            }
        }
        out.extend_from_slice(l);
    }
    match chomp {
        b'-' => {}
        b'+' => out.extend(std::iter::repeat_n(b'\n', trailing + 1)),
        _ => out.push(b'\n'),
    }
    Some((first_content, out))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// `$name`, `${...}`, `$(...)` or a backtick not escaped by a backslash.
fn has_shell_expansion(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'`' => return true,
            b'$' if s
                .get(i + 1)
                .is_some_and(|&c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'{' | b'(')) =>
            {
                return true
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// `$name` or `${` (or `{$`) not escaped by a backslash.
fn has_php_interpolation(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'$' if s
                .get(i + 1)
                .is_some_and(|&c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'{')) =>
            {
                return true
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Inside shell double quotes a backslash only escapes `$`, `` ` ``, `"`, `\\` and a
/// newline (which it removes); before anything else it stays.
fn shell_double_quoted(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            match body.get(i + 1) {
                Some(&c @ (b'$' | b'`' | b'"' | b'\\')) => {
                    out.push(c);
                    i += 2;
                    continue;
                }
                Some(b'\n') => {
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

fn single_quote_escapes(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && matches!(body.get(i + 1), Some(b'\\' | b'\'')) {
            out.push(body[i + 1]);
            i += 2;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

fn replace_doubled_quote(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        out.push(body[i]);
        i += if body[i] == b'\'' && body.get(i + 1) == Some(&b'\'') {
            2
        } else {
            1
        };
    }
    out
}

fn trim_first_newline(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\r\n")
        .or_else(|| body.strip_prefix(b"\n"))
        .unwrap_or(body)
}

/// An f-string is a constant only when it has no replacement field; `{{`/`}}` are braces.
fn unbrace_fstring(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'{' | b'}' if body.get(i + 1) == Some(&body[i]) => {
                out.push(body[i]);
                i += 2;
            }
            b'{' | b'}' => return None,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

fn push_char(out: &mut Vec<u8>, cp: u32) -> Option<()> {
    let c = char::from_u32(cp)?;
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    Some(())
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    let s = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Processes backslash escapes in `body` the way `style` does. `multiline` allows a raw
/// newline in the body (triple quotes, templates).
/// The end of the quoted literal that starts `raw` (prefix letters, then `"…"`, `'…'` or
/// a triple-quoted string), or `None`.
fn literal_end(raw: &[u8]) -> Option<usize> {
    let prefix = raw
        .iter()
        .take(2)
        .take_while(|c| matches!(c, b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F'))
        .count();
    let q = *raw.get(prefix)?;
    if !matches!(q, b'"' | b'\'') {
        return None;
    }
    let triple = raw.get(prefix..prefix + 3) == Some(&[q, q, q][..]);
    let body = prefix + if triple { 3 } else { 1 };
    let mut i = body;
    while i < raw.len() {
        match raw[i] {
            b'\\' => i += 2,
            c if c == q && (!triple || raw.get(i..i + 3) == Some(&[q, q, q][..])) => {
                return Some(i + if triple { 3 } else { 1 });
            }
            b'\n' if !triple => return None,
            _ => i += 1,
        }
    }
    None
}

/// Python's implicit concatenation: adjacent literals, in parentheses or on one line
/// (`SECRET_KEY = ("abc" "def")` is one key `abcdef`), each decoded and joined. `None`
/// when `raw` is a single literal (or not literals at all). Also returns where the first
/// literal starts in `raw`.
pub(crate) fn concatenation(raw: &[u8]) -> Option<(usize, Vec<u8>)> {
    let mut i = 0;
    let paren = raw.first() == Some(&b'(');
    if paren {
        i = 1;
    }
    let skip = |i: &mut usize| {
        while *i < raw.len() && (raw[*i].is_ascii_whitespace() || raw[*i] == b'\\') {
            *i += 1;
        }
    };
    skip(&mut i);
    let first = i;
    let mut out = Vec::new();
    let mut parts = 0;
    while i < raw.len() && raw[i] != b')' {
        let end = i + literal_end(&raw[i..])?;
        out.extend(decode(&raw[i..end], Dialect::Python)?);
        parts += 1;
        i = end;
        skip(&mut i);
    }
    (parts > 1).then_some((first, out))
}

/// Decodes `data` as a literal of every dialect and as a list, panicking if an invariant
/// breaks: no decoded value is longer than its literal, list items lie inside the list.
/// Shared by the `cargo fuzz` target `literal_decode` (fuzz/).
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    use Dialect::*;
    for dialect in [
        Python, Js, Go, Java, Php, Ruby, Shell, Yaml, Json, Toml, Dotenv, Properties, Generic,
    ] {
        if let Some(v) = decode(data, dialect) {
            assert!(v.len() <= data.len(), "{dialect:?}: decoded value grew");
        }
        for (offset, _) in list_items(data, dialect) {
            assert!(
                offset <= data.len(),
                "{dialect:?}: list item outside the list"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str, dialect: Dialect) -> Option<String> {
        decode(raw.as_bytes(), dialect).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn python_literals() {
        use Dialect::Python as P;
        assert_eq!(d(r#""a\tb\x41\u00e9""#, P).unwrap(), "a\tbAé");
        assert_eq!(d(r#"r"a\tb""#, P).unwrap(), r"a\tb");
        assert_eq!(d(r#"b'k\x00y'"#, P).unwrap(), "k\0y");
        assert_eq!(d(r#"'it\'s'"#, P).unwrap(), "it's");
        assert_eq!(d("'''multi\nline'''", P).unwrap(), "multi\nline");
        assert_eq!(d(r#""\d""#, P).unwrap(), r"\d");
        assert_eq!(d(r#"f"{name}-x""#, P), None);
        assert_eq!(d(r#"f"{{x}}""#, P).unwrap(), "{x}");
        assert_eq!(d(r#""\101""#, P).unwrap(), "A");
    }

    #[test]
    fn js_and_go_literals() {
        assert_eq!(d(r#""a\u{1F600}b""#, Dialect::Js).unwrap(), "a😀b");
        assert_eq!(d("`plain`", Dialect::Js).unwrap(), "plain");
        assert_eq!(d("`a${b}`", Dialect::Js), None);
        assert_eq!(d(r#"'q\'x'"#, Dialect::Js).unwrap(), "q'x");
        assert_eq!(d(r"`raw\n`", Dialect::Go).unwrap(), r"raw\n");
        assert_eq!(d(r#""\x41\101""#, Dialect::Go).unwrap(), "AA");
    }

    #[test]
    fn php_ruby_shell_literals() {
        assert_eq!(d(r"'a\nb\'c'", Dialect::Php).unwrap(), r"a\nb'c");
        assert_eq!(d(r#""x$var""#, Dialect::Php), None);
        assert_eq!(d(r#""a\$b""#, Dialect::Php).unwrap(), "a$b");
        assert_eq!(d(r#""a#{b}""#, Dialect::Ruby), None);
        assert_eq!(d(r"'lit\n'", Dialect::Shell).unwrap(), r"lit\n");
        assert_eq!(d(r#""a\$b\q""#, Dialect::Shell).unwrap(), r"a$b\q");
        assert_eq!(d(r#""$HOME""#, Dialect::Shell), None);
        assert_eq!(d(r"bare\ word", Dialect::Shell).unwrap(), "bare word");
        // ANSI-C quoting.
        assert_eq!(
            d(r"$'a\x41\101\u0042\n\'q\z'", Dialect::Shell).unwrap(),
            "aAAB\n'q\\z"
        );
    }

    #[test]
    fn yaml_json_toml_dotenv_properties() {
        assert_eq!(d("'it''s'", Dialect::Yaml).unwrap(), "it's");
        assert_eq!(d(r#""a\x41\u0042""#, Dialect::Yaml).unwrap(), "aAB");
        assert_eq!(d(" plain ", Dialect::Yaml).unwrap(), "plain");
        assert_eq!(d("${VAR}", Dialect::Yaml), None);
        assert_eq!(d(r#""\ud83d\ude00\/""#, Dialect::Json).unwrap(), "😀/");
        assert_eq!(d("'C:\\path'", Dialect::Toml).unwrap(), "C:\\path");
        assert_eq!(d("\"\"\"\nline\"\"\"", Dialect::Toml).unwrap(), "line");
        assert_eq!(d(r#""a\nb""#, Dialect::Dotenv).unwrap(), "a\nb");
        assert_eq!(d(r#""${OTHER}""#, Dialect::Dotenv), None);
        assert_eq!(d("'$lit'", Dialect::Dotenv).unwrap(), "$lit");
        assert_eq!(d(r"a\u0041\:b", Dialect::Properties).unwrap(), "aA:b");
    }

    #[test]
    fn list_items_are_each_decoded() {
        let items = list_items(
            br#"[ "one", r'tw\o',  # c "x"
 b"three"]"#,
            Dialect::Python,
        );
        let values: Vec<_> = items
            .iter()
            .map(|(_, v)| String::from_utf8(v.clone().unwrap()).unwrap())
            .collect();
        assert_eq!(values, ["one", r"tw\o", "three"]);
        assert_eq!(items[0].0, 2);
    }
    #[test]
    fn python_prefixes_and_quotes() {
        use Dialect::Python as P;
        assert_eq!(d(r#"rb"a\x41""#, P).unwrap(), r"a\x41");
        assert_eq!(d(r#"Br'\n'"#, P).unwrap(), r"\n");
        assert_eq!(d(r#"b"\u00e9""#, P).unwrap(), r"\u00e9");
        assert_eq!(d(r#"u"caf\u00e9""#, P).unwrap(), "café");
        assert_eq!(d("\"\"\"a\\\nb\"\"\"", P).unwrap(), "ab");
        assert_eq!(d(r#"r"a\"b""#, P).unwrap(), r#"a\"b"#);
        assert_eq!(d(r#""\N{BULLET}""#, P), None);
        assert_eq!(decode(br#"b"\xe9""#, P).unwrap(), vec![0xe9]);
        assert_eq!(d(r#""\xe9""#, P).unwrap(), "é");
        assert_eq!(d(r#"rf"\n{{x}}""#, P).unwrap(), r"\n{x}");
        assert_eq!(d(r#"Rf"{x}""#, P), None);
    }

    #[test]
    fn js_escapes_are_code_points() {
        use Dialect::Js as J;
        assert_eq!(d(r#""caf\xe9""#, J).unwrap(), "café");
        assert_eq!(d(r#"'\d\q'"#, J).unwrap(), "dq");
        assert_eq!(d("'a\\\nb'", J).unwrap(), "ab");
        assert_eq!(d(r"`a\`b`", J).unwrap(), "a`b");
        assert_eq!(d("`two\nlines`", J).unwrap(), "two\nlines");
        assert_eq!(d(r#""\uD83D\uDE00""#, J).unwrap(), "😀");
    }

    #[test]
    fn go_java_escapes() {
        assert_eq!(d(r#""a\tb\u00e9""#, Dialect::Go).unwrap(), "a\tbé");
        assert_eq!(decode(br#""\xff""#, Dialect::Go).unwrap(), vec![0xff]);
        assert_eq!(d("`a\r\nb`", Dialect::Go).unwrap(), "a\nb");
        assert_eq!(d(r#""\351t\s""#, Dialect::Java).unwrap(), "ét ");
        assert_eq!(d(r#""\u0041\n""#, Dialect::Java).unwrap(), "A\n");
    }

    #[test]
    fn php_double_quotes_keep_unknown_escapes() {
        assert_eq!(d(r#""a\'b""#, Dialect::Php).unwrap(), r"a\'b");
        assert_eq!(d(r#""\b\u0041""#, Dialect::Php).unwrap(), r"\b\u0041");
        assert_eq!(d(r#""\u{41}\x42\103\e""#, Dialect::Php).unwrap(), "ABC\x1b");
        assert_eq!(d(r#""a\sb""#, Dialect::Ruby).unwrap(), "a b");
        assert_eq!(
            d(r#""a\\$b""#, Dialect::Php),
            None,
            "\\\\ does not escape the $"
        );
        assert_eq!(d(r#""a\\\$b""#, Dialect::Php).unwrap(), r"a\$b");
    }

    #[test]
    fn shell_double_quotes_only_escape_five_characters() {
        use Dialect::Shell as S;
        assert_eq!(d(r#""a\nb\tc""#, S).unwrap(), r"a\nb\tc");
        assert_eq!(d(r#""q\"\\\`\$x""#, S).unwrap(), r#"q"\`$x"#);
        assert_eq!(d("\"a\\\nb\"", S).unwrap(), "ab");
        assert_eq!(d(r#""it\'s""#, S).unwrap(), r"it\'s");
        assert_eq!(d("'a\\nb'", S).unwrap(), r"a\nb");
        assert_eq!(d(r#""${X:-y}""#, S), None);
    }

    #[test]
    fn dotenv_values() {
        use Dialect::Dotenv as E;
        assert_eq!(d("bare-value", E).unwrap(), "bare-value");
        assert_eq!(d(r"bare\nvalue", E).unwrap(), r"bare\nvalue");
        assert_eq!(d(r#""q\"x""#, E).unwrap(), "q\"x");
        assert_eq!(d("$OTHER", E), None);
    }

    #[test]
    fn yaml_scalars() {
        use Dialect::Yaml as Y;
        assert_eq!(d(r#""a\tb\/\u00e9\x41\ ""#, Y).unwrap(), "a\tb/éA ");
        assert_eq!(d("''''", Y).unwrap(), "'");
        assert_eq!(d("*alias", Y), None);
        assert_eq!(d("{{ .Values.key }}", Y), None);
        assert_eq!(
            d("|\n  line one\n  line two\n", Y).unwrap(),
            "line one\nline two\n"
        );
        assert_eq!(d("|-\n  abc\n\n", Y).unwrap(), "abc");
        assert_eq!(d("|+\n  abc\n\n", Y).unwrap(), "abc\n\n");
        assert_eq!(
            d(">\n  folded\n  text\n\n  para\n", Y).unwrap(),
            "folded text\npara\n"
        );
        assert_eq!(d(">-\n  a\n    more\n  b\n", Y).unwrap(), "a\n  more\nb");
        assert_eq!(d("|2\n    two\n", Y).unwrap(), "  two\n");
        assert_eq!(d("|\nnext: 1\n", Y), None);
    }

    #[test]
    fn yaml_block_stops_at_dedent_below_the_parent() {
        let doc = b"|\n    k1\n    k2\n  sibling: x\n";
        let (off, v) = yaml_block(doc, 2).unwrap();
        assert_eq!(v, b"k1\nk2\n");
        assert_eq!(&doc[off..off + 2], b"k1");
        // Content no deeper than the parent is not the block's.
        assert_eq!(yaml_block(b"|\n  sibling: x\n", 2), None);
    }

    #[test]
    fn json_and_toml_strings() {
        assert_eq!(d(r#""a\u0041\b\f""#, Dialect::Json).unwrap(), "aA\x08\x0c");
        assert_eq!(
            d("\"\"\"\n  a \\\n    b\"\"\"", Dialect::Toml).unwrap(),
            "  a b"
        );
        assert_eq!(d("'''\nraw\\n'''", Dialect::Toml).unwrap(), "raw\\n");
        assert_eq!(d(r#""\U0001F600""#, Dialect::Toml).unwrap(), "😀");
    }

    /// Seeded random literals over the bytes that change how one is read: through
    /// [`self_check`], as the `literal_decode` fuzz target runs it at length.
    #[test]
    fn random_literals_keep_their_invariants() {
        const ALPHABET: &[u8] = b"\"'`\\$#{}[](),;:=| >\n\r\tbrufxXuUN0179aZ-_.";
        let mut rng = crate::testrand::XorShift::new(0x2545_F491_4F6C_DD1D);
        for _ in 0..20_000 {
            let len = rng.below(24);
            let data = rng.text(ALPHABET, len);
            self_check(&data);
        }
    }
}
