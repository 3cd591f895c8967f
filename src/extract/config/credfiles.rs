//! Credential files whose fields are fixed: `.netrc` (`machine H login U password P`),
//! `.pgpass` (`host:port:database:user:password`, `\:` and `\\` escaped) and
//! `.git-credentials` (one `https://user:password@host` per line, percent-encoded).
//! The password field is the consumer; the login is not.

use super::{lines, Document, Extracted, Setting, PASSWORD};
use crate::extract::decode;

pub(crate) const RULE_NETRC: &str = "netrc-password";
pub(crate) const RULE_PGPASS: &str = "pgpass-password";
pub(crate) const RULE_GIT: &str = "git-credentials-password";

/// `.netrc`: whitespace-separated tokens; `macdef` bodies (to a blank line) are skipped.
pub(crate) fn netrc(doc: &Document, out: &mut Extracted) {
    let bytes = doc.bytes;
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if bytes[i] == b'#' {
            i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |e| i + e);
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(bytes.len(), |e| i + e);
        tokens.push((i, &bytes[i..end]));
        i = end;
        if tokens.last().is_some_and(|t| t.1 == b"macdef") {
            i = memchr::memmem::find(&bytes[i..], b"\n\n").map_or(bytes.len(), |e| i + e);
        }
    }
    let mut machine: Option<String> = None;
    let mut k = 0;
    while k < tokens.len() {
        let (_, t) = tokens[k];
        match t {
            b"machine" => {
                machine = tokens
                    .get(k + 1)
                    .map(|(_, m)| format!("machine {}", String::from_utf8_lossy(m)));
                k += 2;
            }
            b"default" => {
                machine = Some("default".into());
                k += 1;
            }
            b"password" | b"account" => {
                if let Some(&(at, value)) = tokens.get(k + 1) {
                    Setting {
                        rule: RULE_NETRC,
                        name: String::from_utf8_lossy(t).into_owned(),
                        context: machine.clone(),
                        at,
                        value,
                        bar: PASSWORD,
                    }
                    .emit(doc, out);
                }
                k += 2;
            }
            _ => k += 1,
        }
    }
}

/// `.pgpass`: the fifth field, to the end of the line.
pub(crate) fn pgpass(doc: &Document, out: &mut Extracted) {
    for (at, line) in lines(doc.bytes) {
        if line.starts_with(b"#") || line.is_empty() {
            continue;
        }
        let mut fields: Vec<(usize, Vec<u8>)> = vec![(0, Vec::new())];
        let mut i = 0;
        while i < line.len() {
            match line[i] {
                b'\\' if i + 1 < line.len() => {
                    fields.last_mut().unwrap().1.push(line[i + 1]);
                    i += 2;
                }
                b':' if fields.len() < 5 => {
                    fields.push((i + 1, Vec::new()));
                    i += 1;
                }
                b => {
                    fields.last_mut().unwrap().1.push(b);
                    i += 1;
                }
            }
        }
        if fields.len() != 5 {
            continue;
        }
        let context = format!(
            "{}:{}/{} as {}",
            String::from_utf8_lossy(&fields[0].1),
            String::from_utf8_lossy(&fields[1].1),
            String::from_utf8_lossy(&fields[2].1),
            String::from_utf8_lossy(&fields[3].1)
        );
        let (off, password) = &fields[4];
        Setting {
            rule: RULE_PGPASS,
            name: "password".into(),
            context: Some(context),
            at: at + off,
            value: password,
            bar: PASSWORD,
        }
        .emit(doc, out);
    }
}

/// `.git-credentials`: `scheme://user:password@host/path`, the password percent-decoded.
pub(crate) fn git_credentials(doc: &Document, out: &mut Extracted) {
    for (at, line) in lines(doc.bytes) {
        let Some(scheme_end) = memchr::memmem::find(line, b"://") else {
            continue;
        };
        let auth_start = scheme_end + 3;
        let Some(at_sign) = memchr::memrchr(b'@', line) else {
            continue;
        };
        if at_sign < auth_start {
            continue;
        }
        let userinfo = &line[auth_start..at_sign];
        let Some(colon) = memchr::memchr(b':', userinfo) else {
            continue;
        };
        let raw = &userinfo[colon + 1..];
        let value = decode::percent(raw).map_or_else(|| raw.to_vec(), |d| d.bytes);
        let host_end = line[at_sign + 1..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(line.len(), |e| at_sign + 1 + e);
        Setting {
            rule: RULE_GIT,
            name: "password".into(),
            context: Some(String::from_utf8_lossy(&line[at_sign + 1..host_end]).into_owned()),
            at: at + auth_start + colon + 1,
            value: &value,
            bar: PASSWORD,
        }
        .emit(doc, out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;
    use crate::format::Format;

    fn run(f: fn(&Document, &mut Extracted), text: &str) -> Extracted {
        let doc = Document::new("x", text.as_bytes(), Format::Text);
        let mut out = Extracted::default();
        f(&doc, &mut out);
        out
    }

    #[test]
    fn netrc_passwords_with_their_machine() {
        let out = run(
            netrc,
            "machine api.example.net\n  login deploy\n  password Qw8Zr2Lp9X\n# c\nmacdef init\nmachine fake password nope\n\ndefault login anon password Zz7Yy6Xx5W\n",
        );
        let got = values(&out);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, b"Qw8Zr2Lp9X");
        assert_eq!(
            out.candidates[0].detail.context.as_deref(),
            Some("machine api.example.net")
        );
        assert_eq!(
            (out.candidates[0].at.line, out.candidates[0].at.column),
            (3, 12)
        );
        assert_eq!(got[1].1, b"Zz7Yy6Xx5W");
    }

    #[test]
    fn pgpass_fifth_field_unescaped() {
        let out = run(
            pgpass,
            "# host:port:db:user:pass\ndb.internal:5432:*:app:p\\:ss:w0rd\\\\x\nbad:line\n",
        );
        let got = values(&out);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, b"p:ss:w0rd\\x");
        assert_eq!(out.candidates[0].at.column, 24);
    }

    #[test]
    fn git_credentials_percent_decoded() {
        let out = run(
            git_credentials,
            "https://deploy:Zq%2B8x%2FLm3@github.com\nhttps://nopass@example.com\n",
        );
        let got = values(&out);
        assert_eq!(got, vec![("password".to_string(), b"Zq+8x/Lm3".to_vec())]);
        assert_eq!(
            out.candidates[0].detail.context.as_deref(),
            Some("github.com")
        );
    }
}
