//! Configuration formats that are not code: INI/cfg (and the INI-shaped credential
//! files: `.npmrc`, `.pypirc`, AWS credentials and config, `.gitconfig`), XML (.NET
//! `appSettings`, `connectionStrings`, `machineKey`), credential files (`.netrc`,
//! `.pgpass`, `.git-credentials`), systemd units and Terraform/HCL. One module per
//! format; each gives a candidate per setting with the setting's name and section.

pub(crate) mod credfiles;
pub(crate) mod hcl;
pub(crate) mod ini;
pub(crate) mod systemd;
pub(crate) mod xml;

use super::{decode, Bar, Candidate, Confidence, Document, Extracted, Origin};
use crate::names;
use crate::secret::Secret;

/// The bar of a value found under a secret-like name: it must also look random.
const NAMED: Bar = Bar {
    min_len: 8,
    entropy: Some(3.0),
    uuid_ok: false,
    checksum: None,
};

/// The bar of a value in a password field (`.netrc`, `.pgpass`, URL user-info): the
/// field says it is a secret; placeholders and default credentials still are not.
const PASSWORD: Bar = Bar {
    min_len: 4,
    entropy: None,
    uuid_ok: false,
    checksum: None,
};

/// The bar of a value that only a ring match makes a finding (an identifier under a
/// name such as `username`).
pub(crate) const RING_ONLY: Bar = Bar {
    min_len: usize::MAX,
    entropy: None,
    uuid_ok: false,
    checksum: None,
};

/// Values that are plainly not keys whatever their name: paths, URLs, references.
fn not_a_value(v: &[u8]) -> bool {
    v.is_empty()
        || v.starts_with(b"/")
        || v.starts_with(b"./")
        || v.starts_with(b"../")
        || v.starts_with(b"~/")
        || v.starts_with(b"$")
        || v.starts_with(b"%(")
        || (v.len() > 2 && v[1] == b':' && matches!(v[2], b'\\' | b'/'))
        || memchr::memmem::find(v, b"://").is_some()
        || memchr::memmem::find(v, b"{{").is_some()
}

/// Where a found value goes: one candidate, named, with the section it sits in.
struct Setting<'a> {
    rule: &'static str,
    name: String,
    context: Option<String>,
    /// Offset of the value in the document.
    at: usize,
    value: &'a [u8],
    bar: Bar,
}

impl Setting<'_> {
    fn emit(mut self, doc: &Document, out: &mut Extracted) {
        if not_a_value(self.value) {
            return;
        }
        if self.bar.entropy.is_some() && self.value.iter().any(u8::is_ascii_whitespace) {
            // Words under a secret-like name (`description = A simple framework`) are
            // prose: only a ring key there is a finding.
            self.bar = RING_ONLY;
        }
        out.candidates.push(
            Candidate::literal(
                doc.position(self.at),
                self.rule,
                Confidence::Medium,
                Secret::new(self.value.to_vec()),
            )
            .with_name(Some(self.name))
            .with_context(self.context)
            .with_origin(Origin::Structured)
            .with_bar(self.bar),
        );
    }
}

/// The bar for a value under `name`: secret-like names must look random; other names
/// (a plain setting) only count when the value is a ring key.
fn bar_for(name: &str) -> Bar {
    if names::is_secret_name(name) && !names::is_identifier_name(name) {
        NAMED
    } else {
        RING_ONLY
    }
}

/// Emits `value` under `name`: a comma-separated list of keys (Airflow's
/// `fernet_key = new,old`) is one consumer per element, named `name[i]`.
fn emit_value(
    doc: &Document,
    out: &mut Extracted,
    rule: &'static str,
    name: &str,
    context: Option<&str>,
    at: usize,
    value: &[u8],
) {
    let bar = bar_for(name);
    let items: Vec<(usize, &[u8])> = decode::comma_list(value);
    if items.len() > 1 {
        for (i, (off, item)) in items.into_iter().enumerate() {
            Setting {
                rule,
                name: format!("{name}[{i}]"),
                context: context.map(str::to_string),
                at: at + off,
                value: item,
                bar,
            }
            .emit(doc, out);
        }
    } else {
        Setting {
            rule,
            name: name.to_string(),
            context: context.map(str::to_string),
            at,
            value,
            bar,
        }
        .emit(doc, out);
    }
}

/// Strips one pair of matching quotes; returns the inner bytes and how many bytes of
/// lead were dropped.
fn unquote(v: &[u8]) -> (usize, &[u8]) {
    match v {
        [q @ (b'"' | b'\''), inner @ .., last] if last == q => (1, inner),
        _ => (0, v),
    }
}

/// A line's bytes with its offset in the document, CR stripped.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut offset = 0;
    bytes.split(|&b| b == b'\n').map(move |raw| {
        let at = offset;
        offset += raw.len() + 1;
        (at, raw.strip_suffix(b"\r").unwrap_or(raw))
    })
}

#[cfg(test)]
pub(crate) fn values(out: &Extracted) -> Vec<(String, Vec<u8>)> {
    out.candidates
        .iter()
        .map(|c| {
            (
                c.detail.name.clone().unwrap_or_default(),
                c.value
                    .as_ref()
                    .map(|v| v.expose().to_vec())
                    .unwrap_or_default(),
            )
        })
        .collect()
}
