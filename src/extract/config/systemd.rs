//! systemd units: `Environment=NAME=value "NAME2=value two"` in `[Service]`, each
//! assignment its own setting.

use super::{emit_value, lines, Document, Extracted};

pub(crate) const RULE: &str = "systemd-environment";

pub(crate) fn extract(doc: &Document, out: &mut Extracted) {
    let mut section: Option<String> = None;
    for (at, line) in lines(doc.bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let text = &line[lead..];
        if text.starts_with(b"[") {
            if let Some(end) = memchr::memchr(b']', text) {
                section = Some(String::from_utf8_lossy(&text[..=end]).into_owned());
            }
            continue;
        }
        let Some(rest) = text.strip_prefix(b"Environment=") else {
            continue;
        };
        let base = at + lead + b"Environment=".len();
        for (off, assignment) in assignments(rest) {
            let Some(eq) = memchr::memchr(b'=', assignment) else {
                continue;
            };
            let name = String::from_utf8_lossy(&assignment[..eq]).into_owned();
            emit_value(
                doc,
                out,
                RULE,
                &name,
                section.as_deref(),
                base + off + eq + 1,
                &assignment[eq + 1..],
            );
        }
    }
}

/// Splits on spaces outside double or single quotes; quotes around a whole assignment
/// are dropped. Gives each assignment's offset within `s`.
fn assignments(s: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if matches!(s[i], b'"' | b'\'') {
            let q = s[i];
            let end = memchr::memchr(q, &s[i + 1..]).map_or(s.len(), |e| i + 1 + e);
            out.push((i + 1, &s[i + 1..end]));
            i = end + 1;
        } else {
            let end = s[i..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .map_or(s.len(), |e| i + e);
            out.push((i, &s[i..end]));
            i = end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;
    use crate::format::Format;

    #[test]
    fn each_assignment_is_a_setting() {
        let text = "[Service]\nEnvironment=PORT=80 \"API_TOKEN=k3y with space\" DB_PASSWORD=Pq9Wz2Lx\nExecStart=/usr/bin/app\n";
        let doc = Document::new("app.service", text.as_bytes(), Format::Systemd);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        let got = values(&out);
        assert!(got.contains(&("API_TOKEN".into(), b"k3y with space".to_vec())));
        assert!(got.contains(&("DB_PASSWORD".into(), b"Pq9Wz2Lx".to_vec())));
        let c = out
            .candidates
            .iter()
            .find(|c| c.detail.name.as_deref() == Some("DB_PASSWORD"))
            .unwrap();
        assert_eq!((c.at.line, c.at.column), (2, 60));
    }
}
