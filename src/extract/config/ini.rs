//! INI and cfg files, and the INI-shaped credential files (`.npmrc`, `.pypirc`,
//! `.aws/credentials`, `.aws/config`, `.gitconfig`, `my.cnf`): `[section]` headers and
//! `key = value` or `key: value` settings. A comma-separated list under a key name is
//! one consumer per element (Airflow rotates `fernet_key = new,old`).

use super::{emit_value, lines, unquote, Document, Extracted};

pub(crate) const RULE: &str = "ini-setting";

pub(crate) fn extract(doc: &Document, out: &mut Extracted) {
    let mut section: Option<String> = None;
    for (at, line) in lines(doc.bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let text = &line[lead..];
        if text.is_empty() || matches!(text[0], b'#' | b';') {
            continue;
        }
        if text[0] == b'[' {
            if let Some(end) = memchr::memchr(b']', text) {
                section = Some(String::from_utf8_lossy(&text[1..end]).trim().to_string());
            }
            continue;
        }
        // npmrc keys hold `:` (`//registry.npmjs.org/:_authToken=`): `=` wins.
        let Some(sep) = memchr::memchr(b'=', text).or_else(|| memchr::memchr(b':', text)) else {
            continue;
        };
        let key = text[..sep].trim_ascii();
        if key.is_empty() {
            continue;
        }
        let raw = &text[sep + 1..];
        let vlead = raw.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let value = strip_inline_comment(raw[vlead..].trim_ascii_end());
        let (q, value) = unquote(value);
        let name = String::from_utf8_lossy(key).into_owned();
        let context = section.as_deref().map(|s| format!("[{s}]"));
        emit_value(
            doc,
            out,
            RULE,
            &name,
            context.as_deref(),
            at + lead + sep + 1 + vlead + q,
            value,
        );
    }
}

/// ` ; comment` or ` # comment` after an unquoted value.
fn strip_inline_comment(v: &[u8]) -> &[u8] {
    if let Some(&q @ (b'"' | b'\'')) = v.first() {
        // A quoted value ends at its closing quote.
        return match memchr::memchr(q, &v[1..]) {
            Some(end) => &v[..end + 2],
            None => v,
        };
    }
    for i in 1..v.len() {
        if matches!(v[i], b';' | b'#') && v[i - 1].is_ascii_whitespace() {
            return v[..i].trim_ascii_end();
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;
    use crate::format::Format;

    fn run(text: &str) -> Vec<(String, Vec<u8>)> {
        let doc = Document::new("airflow.cfg", text.as_bytes(), Format::Ini);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        values(&out)
    }

    #[test]
    fn settings_lists_and_sections() {
        let got = run("[core]\n; comment\nfernet_key = aaaa1111bbbb, cccc2222dddd\nsql_alchemy_conn: postgres://x\n[webserver]\nsecret_key = 'q1w2e3r4t5'  # rotated\n");
        assert_eq!(got[0], ("fernet_key[0]".into(), b"aaaa1111bbbb".to_vec()));
        assert_eq!(got[1], ("fernet_key[1]".into(), b"cccc2222dddd".to_vec()));
        assert!(got
            .iter()
            .any(|(n, v)| n == "secret_key" && v == b"q1w2e3r4t5"));
    }

    #[test]
    fn npmrc_keys_keep_their_colon() {
        let got =
            run("//registry.npmjs.org/:_authToken=npm_abc123def456\nregistry=https://r.example\n");
        assert_eq!(got[0].0, "//registry.npmjs.org/:_authToken");
        assert_eq!(got[0].1, b"npm_abc123def456");
    }

    #[test]
    fn positions_point_at_the_value() {
        let text = "[default]\naws_secret_access_key = Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed\n";
        let doc = Document::new("credentials", text.as_bytes(), Format::Ini);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        let c = &out.candidates[0];
        assert_eq!((c.at.line, c.at.column), (2, 25));
        assert_eq!(c.detail.context.as_deref(), Some("[default]"));
    }
}
