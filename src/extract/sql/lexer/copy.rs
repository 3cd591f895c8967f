//! COPY data: the fields of `text` and `csv` rows, unescaped into the field prefix
//! the analyzer looks at.

use super::*;

/// Text-format COPY data: fields split at the delimiter, backslash escapes. Returns how
/// many bytes were used (up to and including a newline, which ends the row).
pub(super) fn copy_text<S: Sink>(cs: &mut CopyState, rest: &[u8], sink: &mut S) -> usize {
    let mut j = 0;
    while j < rest.len() {
        if cs.esc {
            cs.esc = false;
            let b = rest[j];
            let v = match b {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                b'b' => 8,
                b'f' => 12,
                b'v' => 11,
                _ => b,
            };
            cs.push(&[v]);
            j += 1;
            continue;
        }
        let Some(p) = memchr3(cs.format.delimiter, b'\n', b'\\', &rest[j..]) else {
            cs.push(&rest[j..]);
            return rest.len();
        };
        if cs.prefix.len() < COPY_PREFIX {
            cs.push(&rest[j..j + p]);
        }
        j += p;
        match rest[j] {
            b'\\' => cs.esc = true,
            b'\n' => {
                sink.copy_field(cs.field, &cs.prefix);
                cs.prefix.clear();
                cs.field = 0;
                cs.line_start = true;
                return j + 1;
            }
            _ => {
                sink.copy_field(cs.field, &cs.prefix);
                cs.prefix.clear();
                cs.field += 1;
            }
        }
        j += 1;
    }
    rest.len()
}

/// CSV-format COPY data: quoted fields may hold delimiters and newlines.
pub(super) fn copy_csv<S: Sink>(cs: &mut CopyState, rest: &[u8], sink: &mut S) -> usize {
    for (j, &b) in rest.iter().enumerate() {
        if cs.quote_seen {
            cs.quote_seen = false;
            if b == b'"' {
                cs.push(b"\"");
                continue;
            }
            cs.in_quotes = false;
        }
        if cs.in_quotes {
            if b == b'"' {
                cs.quote_seen = true;
            } else {
                cs.push(&[b]);
            }
            continue;
        }
        if b == b'"' {
            cs.in_quotes = true;
        } else if b == cs.format.delimiter {
            sink.copy_field(cs.field, &cs.prefix);
            cs.prefix.clear();
            cs.field += 1;
        } else if b == b'\n' {
            if cs.prefix.last() == Some(&b'\r') {
                cs.prefix.pop();
            }
            sink.copy_field(cs.field, &cs.prefix);
            cs.prefix.clear();
            cs.field = 0;
            cs.line_start = true;
            return j + 1;
        } else {
            cs.push(&[b]);
        }
    }
    rest.len()
}
