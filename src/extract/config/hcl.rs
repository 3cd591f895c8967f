//! Terraform / HCL (`.tf`, `.tfvars`, `.hcl`): `name = "value"` attributes under a
//! secret-like name, and a `variable "NAME" { default = "…" }` whose name is secret-like
//! or which says `sensitive = true`. Interpolated strings (`"${var.x}"`) are
//! references, not keys. `terraform.tfstate` is JSON and read by the JSON rules.

use super::{bar_for, lines, Document, Extracted, Setting, NAMED};
use crate::extract::literal::{self, Dialect};

pub(crate) const RULE: &str = "hcl-attribute";
pub(crate) const RULE_DEFAULT: &str = "terraform-variable-default";

/// One `variable` block being read.
struct Variable {
    name: String,
    depth: usize,
    sensitive: bool,
    default: Option<(usize, Vec<u8>)>,
}

pub(crate) fn extract(doc: &Document, out: &mut Extracted) {
    let mut depth = 0usize;
    let mut blocks: Vec<String> = Vec::new();
    let mut variable: Option<Variable> = None;
    let mut heredoc: Option<Vec<u8>> = None;
    for (at, line) in lines(doc.bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let text = line[lead..].trim_ascii_end();
        if let Some(end) = &heredoc {
            if text == end.as_slice() {
                heredoc = None;
            }
            continue;
        }
        if text.is_empty() || text.starts_with(b"#") || text.starts_with(b"//") {
            continue;
        }
        if text.ends_with(b"{") {
            let head = String::from_utf8_lossy(&text[..text.len() - 1])
                .trim()
                .to_string();
            if let Some(name) = head.strip_prefix("variable") {
                variable = Some(Variable {
                    name: name.trim().trim_matches('"').to_string(),
                    depth: depth + 1,
                    sensitive: false,
                    default: None,
                });
            }
            blocks.push(head);
            depth += 1;
            continue;
        }
        if text.starts_with(b"}") {
            if let Some(v) = variable.take_if(|v| v.depth == depth) {
                if let Some((off, value)) = v.default {
                    let bar = if v.sensitive { NAMED } else { bar_for(&v.name) };
                    Setting {
                        rule: RULE_DEFAULT,
                        name: v.name.clone(),
                        context: Some(format!("variable {:?}", v.name)),
                        at: off,
                        value: &value,
                        bar,
                    }
                    .emit(doc, out);
                }
            }
            blocks.pop();
            depth = depth.saturating_sub(1);
            continue;
        }
        let Some(eq) = memchr::memchr(b'=', text) else {
            continue;
        };
        let key = text[..eq].trim_ascii();
        let raw = &text[eq + 1..];
        let vlead = raw.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let raw = raw[vlead..].trim_ascii_end();
        if let Some(tag) = raw.strip_prefix(b"<<") {
            let tag = tag.strip_prefix(b"-").unwrap_or(tag);
            heredoc = Some(tag.trim_ascii().to_vec());
            continue;
        }
        let name = String::from_utf8_lossy(key).trim_matches('"').to_string();
        if let Some(v) = variable.as_mut().filter(|v| v.depth == depth) {
            match name.as_str() {
                "sensitive" => v.sensitive = raw.starts_with(b"true"),
                "default" => {
                    if let Some(value) = string_value(raw) {
                        v.default = Some((at + lead + eq + 1 + vlead + 1, value));
                    }
                }
                _ => {}
            }
            continue;
        }
        let Some(value) = string_value(raw) else {
            continue;
        };
        Setting {
            rule: RULE,
            name: name.clone(),
            context: blocks.last().cloned(),
            at: at + lead + eq + 1 + vlead + 1,
            value: &value,
            bar: bar_for(&name),
        }
        .emit(doc, out);
    }
}

/// A plain double-quoted HCL string (no interpolation), unescaped.
fn string_value(raw: &[u8]) -> Option<Vec<u8>> {
    if !raw.starts_with(b"\"") {
        return None;
    }
    let len = literal::literal_len(raw)?;
    let lit = &raw[..len];
    if memchr::memmem::find(lit, b"${").is_some() || memchr::memmem::find(lit, b"%{").is_some() {
        return None;
    }
    literal::decode(lit, Dialect::Json)
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;
    use crate::format::Format;

    #[test]
    fn attributes_and_variable_defaults() {
        let text = r#"variable "db_password" {
  type    = string
  default = "Qz8Lw2Xk9Pm4"
}
variable "region" {
  default = "eu-west-1"
}
variable "hook" {
  sensitive = true
  default   = "Hk7Jd3Ns8Wq1"
}
resource "aws_db_instance" "main" {
  password = "Pw4Ly9Tc2Vb7"
  username = "${var.user}"
  policy = <<EOF
password = "not read"
EOF
}
"#;
        let doc = Document::new("main.tf", text.as_bytes(), Format::Hcl);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        let got = values(&out);
        assert!(
            got.contains(&("db_password".into(), b"Qz8Lw2Xk9Pm4".to_vec())),
            "{got:?}"
        );
        assert!(got.contains(&("hook".into(), b"Hk7Jd3Ns8Wq1".to_vec())));
        assert!(got.contains(&("password".into(), b"Pw4Ly9Tc2Vb7".to_vec())));
        assert!(!got.iter().any(|(_, v)| v == b"not read"));
        let c = out
            .candidates
            .iter()
            .find(|c| c.detail.name.as_deref() == Some("db_password"))
            .unwrap();
        assert_eq!((c.at.line, c.at.column), (3, 14));
        let hook = out
            .candidates
            .iter()
            .find(|c| c.detail.name.as_deref() == Some("hook"))
            .unwrap();
        assert_eq!(hook.bar.entropy, NAMED.entropy);
    }
}
