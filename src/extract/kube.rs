//! Kubernetes `Secret` manifests: `data:` values are base64 and their decoded bytes are
//! the key; `stringData:` values are the key as written. Works line by line on the YAML
//! so that every value keeps its line and column; several documents per file are fine.

use super::config::RING_ONLY;
use super::literal::{self, Dialect};
use super::{Bar, Candidate, Confidence, Document, Extracted, Origin};
use crate::names;
use crate::secret::Secret;
use base64::Engine as _;

pub(crate) const RULE_DATA: &str = "kubernetes-secret-data";
pub(crate) const RULE_STRING_DATA: &str = "kubernetes-secret-stringdata";

struct Line<'a> {
    offset: usize,
    indent: usize,
    text: &'a [u8],
}

pub(crate) fn extract(doc: &Document, out: &mut Extracted) {
    // Most YAML is not a Secret manifest: skip it without splitting lines.
    if memchr::memmem::find(doc.bytes, b"Secret").is_none() {
        return;
    }
    let lines: Vec<Line> = split_lines(doc.bytes);
    let mut start = 0;
    for i in 0..=lines.len() {
        let boundary =
            i == lines.len() || (lines[i].indent == 0 && lines[i].text.starts_with(b"---"));
        if boundary {
            if i > start {
                extract_document(doc, &lines[start..i], out);
            }
            start = i + 1;
        }
    }
}

fn split_lines(bytes: &[u8]) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in bytes.split(|&b| b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let indent = raw.iter().take_while(|&&b| b == b' ').count();
        out.push(Line {
            offset,
            indent,
            text: &raw[indent..],
        });
        offset += raw.len() + 1 + usize::from(bytes.get(offset + raw.len()) == Some(&b'\r'));
    }
    out
}

fn top_value<'a>(lines: &'a [Line], key: &[u8]) -> Option<&'a [u8]> {
    lines.iter().find_map(|l| {
        (l.indent == 0)
            .then(|| mapping(l.text))
            .flatten()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
    })
}

/// `key: value` → (key, value text after the colon, trimmed of a trailing comment).
fn mapping(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = text
        .windows(2)
        .position(|w| w[0] == b':' && w[1] == b' ')
        .or_else(|| text.last().filter(|&&c| c == b':').map(|_| text.len() - 1))?;
    let key = &text[..colon];
    let key = key
        .strip_prefix(b"\"")
        .and_then(|k| k.strip_suffix(b"\""))
        .unwrap_or(key);
    let key = key
        .strip_prefix(b"'")
        .and_then(|k| k.strip_suffix(b"'"))
        .unwrap_or(key);
    let rest = text.get(colon + 1..).unwrap_or(b"");
    Some((key, rest))
}

fn extract_document(doc: &Document, lines: &[Line], out: &mut Extracted) {
    // `kind: Secret`, `kind: "Secret"`, `kind: Secret # comment`
    let kind = top_value(lines, b"kind")
        .and_then(|v| literal::decode(strip_comment(v.trim_ascii()), Dialect::Yaml));
    if kind.as_deref() != Some(b"Secret".as_slice()) {
        return;
    }
    let meta = metadata(lines);
    for (section, rule) in [
        (b"data".as_slice(), RULE_DATA),
        (b"stringData".as_slice(), RULE_STRING_DATA),
    ] {
        let Some(at) = lines.iter().position(|l| {
            l.indent == 0
                && mapping(l.text).is_some_and(|(k, v)| k == section && v.trim_ascii().is_empty())
        }) else {
            continue;
        };
        let body: Vec<&Line> = lines[at + 1..]
            .iter()
            .take_while(|l| l.indent > 0 || l.text.is_empty() || l.text.starts_with(b"#"))
            .collect();
        let Some(child_indent) = body
            .iter()
            .find(|l| !l.text.is_empty() && !l.text.starts_with(b"#"))
            .map(|l| l.indent)
        else {
            continue;
        };
        let context = format!("Secret {meta} > {}", String::from_utf8_lossy(section));
        let mut i = 0;
        while i < body.len() {
            let line = body[i];
            i += 1;
            if line.indent != child_indent || line.text.starts_with(b"#") {
                continue;
            }
            let Some((key, rest)) = mapping(line.text) else {
                continue;
            };
            let name = String::from_utf8_lossy(key).into_owned();
            let value_off = line.offset + line.indent + (line.text.len() - rest.len());
            let lead = rest.iter().take_while(|&&b| b == b' ').count();
            let scalar = strip_comment(&rest[lead..]);
            let (text, offset) = if scalar.starts_with(b"|") || scalar.starts_with(b">") {
                let folded = scalar.starts_with(b">");
                let keep_final = !scalar.contains(&b'-');
                let mut parts: Vec<&[u8]> = Vec::new();
                let mut first_off = None;
                while i < body.len() && (body[i].indent > child_indent || body[i].text.is_empty()) {
                    if first_off.is_none() && !body[i].text.is_empty() {
                        first_off = Some(body[i].offset + body[i].indent);
                    }
                    parts.push(body[i].text);
                    i += 1;
                }
                while parts.last().is_some_and(|p| p.is_empty()) {
                    parts.pop();
                }
                let mut joined = parts.join(if folded { &b" "[..] } else { &b"\n"[..] });
                if keep_final {
                    joined.push(b'\n');
                }
                (Some(joined), first_off.unwrap_or(value_off))
            } else {
                (
                    literal::decode(scalar, Dialect::Yaml),
                    value_off + lead + usize::from(matches!(scalar.first(), Some(b'"' | b'\''))),
                )
            };
            let Some(text) = text else { continue };
            if is_template(&text) {
                // A Helm / envsubst template is filled in at deploy time: not a key.
                continue;
            }
            let value = if section == b"data" {
                let compact: Vec<u8> = text
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                match base64::engine::general_purpose::STANDARD.decode(&compact) {
                    Ok(v) => v,
                    Err(_) => {
                        let pos = doc.position(offset);
                        out.warnings.push(format!(
                            "{}:{}: Secret data value {name:?} is not valid base64",
                            doc.path, pos.line
                        ));
                        continue;
                    }
                }
            } else {
                text
            };
            // A key that names an identifier (`username`, `email`, `device-token`)
            // holds one: only a ring key there is a finding.
            // Values of a Secret are secret by place, but an example's `storageos` or
            // `changeme` is no key: an unmatched value must also look random.
            let bar = if names::is_identifier_name(&name) {
                RING_ONLY
            } else {
                Bar {
                    entropy: Some(3.0),
                    ..Bar::STRUCTURED
                }
            };
            out.candidates.push(
                Candidate::literal(
                    doc.position(offset),
                    rule,
                    Confidence::High,
                    Secret::new(value),
                )
                .with_name(Some(name))
                .with_context(Some(context.clone()))
                .with_origin(Origin::Structured)
                .with_bar(bar),
            );
        }
    }
}

fn metadata(lines: &[Line]) -> String {
    let mut name = None;
    let mut namespace = None;
    if let Some(at) = lines
        .iter()
        .position(|l| l.indent == 0 && l.text.starts_with(b"metadata:"))
    {
        let child = lines[at + 1..]
            .iter()
            .find(|l| !l.text.is_empty())
            .map(|l| l.indent)
            .unwrap_or(2);
        for l in lines[at + 1..]
            .iter()
            .take_while(|l| l.indent > 0 || l.text.is_empty())
        {
            if l.indent != child {
                continue;
            }
            if let Some((k, v)) = mapping(l.text) {
                let v = literal::decode(strip_comment(v.trim_ascii()), Dialect::Yaml)
                    .map(|v| String::from_utf8_lossy(&v).into_owned());
                match k {
                    b"name" => name = v,
                    b"namespace" => namespace = v,
                    _ => {}
                }
            }
        }
    }
    format!(
        "{}/{}",
        namespace.as_deref().unwrap_or("default"),
        name.as_deref().unwrap_or("?")
    )
}

fn is_template(text: &[u8]) -> bool {
    let has = |n: &[u8]| text.windows(n.len()).any(|w| w == n);
    has(b"{{") || has(b"${")
}

fn strip_comment(s: &[u8]) -> &[u8] {
    if matches!(s.first(), Some(b'"' | b'\'')) {
        return match literal::literal_len(s) {
            Some(n) => &s[..n],
            None => s,
        };
    }
    match s.windows(2).position(|w| w == b" #") {
        Some(p) => s[..p].trim_ascii(),
        None => s.trim_ascii(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format;

    #[test]
    fn decodes_data_and_keeps_string_data() {
        let yaml = b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: prod\ntype: Opaque\ndata:\n  key: c2VjcmV0LXZhbHVlLTEyMw== # b64\n  other: \"YWJj\"\nstringData:\n  token: 'plain-token'\n  cert: |\n    line1\n    line2\n---\nkind: ConfigMap\ndata:\n  x: eHg=\n";
        let doc = Document::new("s.yaml", yaml, Format::Yaml);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        let got: Vec<(u32, u32, String, Vec<u8>)> = out
            .candidates
            .iter()
            .map(|c| {
                (
                    c.at.line,
                    c.at.column,
                    c.detail.name.clone().unwrap(),
                    c.value.as_ref().unwrap().expose().to_vec(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (8, 8, "key".into(), b"secret-value-123".to_vec()),
                (9, 11, "other".into(), b"abc".to_vec()),
                (11, 11, "token".into(), b"plain-token".to_vec()),
                (13, 5, "cert".into(), b"line1\nline2\n".to_vec()),
            ]
        );
        assert_eq!(
            out.candidates[0].detail.context.as_deref(),
            Some("Secret prod/app > data")
        );
    }

    #[test]
    fn quoted_kind_and_templates() {
        let yaml = b"kind: \"Secret\" # quoted\nmetadata:\n  name: 'web'\ndata:\n  tpl: \"{{ .Values.key | b64enc }}\"\n  env: ${KEY_B64}\n  key: c2VjcmV0LXZhbHVlLTEyMw==\n";
        let doc = Document::new("s.yaml", yaml, Format::Yaml);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.candidates.len(), 1);
        assert_eq!(out.candidates[0].detail.name.as_deref(), Some("key"));
        assert_eq!(
            out.candidates[0].detail.context.as_deref(),
            Some("Secret default/web > data")
        );
    }

    #[test]
    fn bad_base64_is_a_warning_without_the_value() {
        let yaml = b"kind: Secret\ndata:\n  key: not*base64*at-all\n";
        let doc = Document::new("s.yaml", yaml, Format::Yaml);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        assert!(out.candidates.is_empty());
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].starts_with("s.yaml:3: "),
            "{:?}",
            out.warnings
        );
        assert!(
            !out.warnings[0].contains("not*base64"),
            "{:?}",
            out.warnings
        );
    }
}
