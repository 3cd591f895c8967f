//! XML: attributes and elements under secret-like names, .NET `appSettings`
//! (`<add key="ApiKey" value="…"/>`), `connectionStrings` (`Password=…;` inside the
//! `connectionString` attribute) and `machineKey` (`validationKey`, `decryptionKey`).
//! A lenient tag scanner, not a validating parser: malformed markup is skipped.

use super::{bar_for, Document, Extracted, Setting, PASSWORD};
use crate::names;

pub(crate) const RULE: &str = "xml-setting";
pub(crate) const RULE_CONNECTION: &str = "connection-string-password";

struct Attr<'a> {
    name: &'a [u8],
    /// Offset of the value (inside its quotes) in the document.
    at: usize,
    raw: &'a [u8],
}

pub(crate) fn extract(doc: &Document, out: &mut Extracted) {
    let b = doc.bytes;
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &b[i..]).map(|o| i + o) {
        let rest = &b[lt..];
        if rest.starts_with(b"<!--") {
            i = memchr::memmem::find(rest, b"-->").map_or(b.len(), |e| lt + e + 3);
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            i = memchr::memmem::find(rest, b"]]>").map_or(b.len(), |e| lt + e + 3);
            continue;
        }
        if rest.starts_with(b"<?") || rest.starts_with(b"<!") || rest.starts_with(b"</") {
            i = lt + 1;
            continue;
        }
        let Some((tag, attrs, end, self_closing)) = tag_at(b, lt) else {
            i = lt + 1;
            continue;
        };
        let tag_name = String::from_utf8_lossy(tag).into_owned();
        on_tag(doc, out, &tag_name, &attrs);
        if !self_closing && names::is_secret_name(&tag_name) && !is_public(tag) {
            // `<Password>value</Password>`: text up to the next tag.
            let text_end = memchr::memchr(b'<', &b[end..]).map_or(b.len(), |e| end + e);
            let text = &b[end..text_end];
            let lead = text.iter().take_while(|c| c.is_ascii_whitespace()).count();
            let value = unescape(text[lead..].trim_ascii_end());
            Setting {
                rule: RULE,
                name: tag_name.clone(),
                context: None,
                at: end + lead,
                value: &value,
                bar: bar_for(&tag_name),
            }
            .emit(doc, out);
        }
        i = end;
    }
}

fn is_public(name: &[u8]) -> bool {
    name.to_ascii_lowercase().windows(6).any(|w| w == b"public")
}

fn on_tag(doc: &Document, out: &mut Extracted, tag: &str, attrs: &[Attr]) {
    let get = |n: &str| {
        attrs
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(n.as_bytes()))
    };
    // appSettings / Spring-style `<add key="X" value="…"/>`, `<setting name="X">`.
    let named_by = get("key").or_else(|| get("name"));
    if let (Some(key), Some(value)) = (named_by, get("value")) {
        let name = String::from_utf8_lossy(key.raw).into_owned();
        let v = unescape(value.raw);
        Setting {
            rule: RULE,
            name: name.clone(),
            context: Some(format!("<{tag}>")),
            at: value.at,
            value: &v,
            bar: bar_for(&name),
        }
        .emit(doc, out);
    }
    for a in attrs {
        let v = unescape(a.raw);
        if let Some((off, password)) = connection_password(&v) {
            // Offsets only hold when no entity came before the password.
            let at = if v.len() == a.raw.len() {
                a.at + off
            } else {
                a.at
            };
            Setting {
                rule: RULE_CONNECTION,
                name: String::from_utf8_lossy(a.name).into_owned(),
                context: Some(format!("<{tag}>")),
                at,
                value: password,
                bar: PASSWORD,
            }
            .emit(doc, out);
            continue;
        }
        let name = String::from_utf8_lossy(a.name).into_owned();
        let lname = name.to_ascii_lowercase();
        if matches!(lname.as_str(), "key" | "name" | "value")
            || is_public(a.name)
            || !names::is_secret_name(&name)
        {
            continue;
        }
        Setting {
            rule: RULE,
            name: format!("{tag}.{name}"),
            context: Some(format!("<{tag}>")),
            at: a.at,
            value: &v,
            bar: bar_for(&name),
        }
        .emit(doc, out);
    }
}

/// The password of an ADO.NET / ODBC connection string (`…;Password=…;`).
pub(crate) fn connection_password(s: &[u8]) -> Option<(usize, &[u8])> {
    memchr::memchr(b';', s)?;
    let mut off = 0;
    for part in s.split(|&c| c == b';') {
        if let Some(eq) = memchr::memchr(b'=', part) {
            let key = part[..eq].trim_ascii().to_ascii_lowercase();
            if matches!(key.as_slice(), b"password" | b"pwd" | b"user password") {
                let raw = &part[eq + 1..];
                let lead = raw.iter().take_while(|c| c.is_ascii_whitespace()).count();
                let v = raw[lead..].trim_ascii_end();
                return (!v.is_empty()).then_some((off + eq + 1 + lead, v));
            }
        }
        off += part.len() + 1;
    }
    None
}

/// Parses the tag opening at `lt`: name, attributes, the offset past `>`, and whether
/// it closes itself.
fn tag_at(b: &[u8], lt: usize) -> Option<(&[u8], Vec<Attr<'_>>, usize, bool)> {
    let mut i = lt + 1;
    let name_end = b[i..]
        .iter()
        .position(|&c| c.is_ascii_whitespace() || c == b'>' || c == b'/')
        .map(|e| i + e)?;
    let name = &b[i..name_end];
    if name.is_empty() || !name[0].is_ascii_alphabetic() {
        return None;
    }
    i = name_end;
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((name, attrs, i + 1, false)),
            b'/' if b.get(i + 1) == Some(&b'>') => return Some((name, attrs, i + 2, true)),
            _ => {}
        }
        let an_end = b[i..]
            .iter()
            .position(|&c| c == b'=' || c.is_ascii_whitespace() || c == b'>')
            .map(|e| i + e)?;
        let an = &b[i..an_end];
        i = an_end;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            if an.is_empty() {
                return None;
            }
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let q = *b.get(i)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let close = memchr::memchr(q, &b[i + 1..]).map(|e| i + 1 + e)?;
        attrs.push(Attr {
            name: an,
            at: i + 1,
            raw: &b[i + 1..close],
        });
        i = close + 1;
    }
}

/// XML's five entities and numeric references.
fn unescape(s: &[u8]) -> Vec<u8> {
    if memchr::memchr(b'&', s).is_none() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'&' {
            if let Some(semi) = s[i..].iter().take(12).position(|&c| c == b';') {
                let ent = &s[i + 1..i + semi];
                let ch = match ent {
                    b"amp" => Some('&'),
                    b"lt" => Some('<'),
                    b"gt" => Some('>'),
                    b"quot" => Some('"'),
                    b"apos" => Some('\''),
                    [b'#', b'x' | b'X', hex @ ..] => std::str::from_utf8(hex)
                        .ok()
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32),
                    [b'#', dec @ ..] => std::str::from_utf8(dec)
                        .ok()
                        .and_then(|d| d.parse().ok())
                        .and_then(char::from_u32),
                    _ => None,
                };
                if let Some(c) = ch {
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    i += semi + 1;
                    continue;
                }
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;
    use crate::format::Format;

    fn run(text: &str) -> Extracted {
        let doc = Document::new("web.config", text.as_bytes(), Format::Xml);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        out
    }

    #[test]
    fn app_settings_connection_strings_machine_key() {
        let out = run(r#"<?xml version="1.0"?>
<configuration>
  <!-- <add key="Old" value="x"/> -->
  <appSettings>
    <add key="StripeApiKey" value="k9Qz&amp;T4vLm8"/>
  </appSettings>
  <connectionStrings>
    <add name="Db" connectionString="Server=db;Database=app;User Id=app;Password=Pw9xZ2qL;" />
  </connectionStrings>
  <machineKey validationKey="A1B2C3D4E5F6" decryptionKey="0F1E2D3C4B5A" validation="SHA1"/>
  <assemblyIdentity name="x" publicKeyToken="b77a5c561934e089"/>
  <ApiToken>Zq8Wl2Mx9Kc4</ApiToken>
</configuration>"#);
        let got = values(&out);
        assert!(
            got.contains(&("StripeApiKey".into(), b"k9Qz&T4vLm8".to_vec())),
            "{got:?}"
        );
        assert!(got.contains(&("connectionString".into(), b"Pw9xZ2qL".to_vec())));
        assert!(got.contains(&("machineKey.validationKey".into(), b"A1B2C3D4E5F6".to_vec())));
        assert!(got.contains(&("machineKey.decryptionKey".into(), b"0F1E2D3C4B5A".to_vec())));
        assert!(got.contains(&("ApiToken".into(), b"Zq8Wl2Mx9Kc4".to_vec())));
        assert!(!got
            .iter()
            .any(|(n, _)| n.contains("publicKeyToken") || n == "Old"));
        let c = out
            .candidates
            .iter()
            .find(|c| c.detail.rule == RULE_CONNECTION)
            .unwrap();
        assert_eq!((c.at.line, c.at.column), (8, 82));
    }

    #[test]
    fn connection_strings_without_password_give_nothing() {
        assert!(connection_password(b"Server=db;Integrated Security=true;").is_none());
        assert_eq!(
            connection_password(b"Host=h;Pwd= s3cr3t ;").map(|p| p.1),
            Some(&b"s3cr3t"[..])
        );
    }
}
