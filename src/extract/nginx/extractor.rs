//! From the nginx tree to candidates: which directives hold a secret, under which name,
//! in which block, and where each `set` variable is used.

use super::index::NginxIndex;
use super::parser::{self, Directive};
use super::syntax::{collect_uses, label, name_of, word, HEADER_DIRECTIVES, PARAM_DIRECTIVES};
use super::tokenizer::{self, Piece, Token};
use super::Nginx;
use crate::extract::{Candidate, Confidence, Document, Extracted, Origin, Position};
use crate::names::is_secret_name;
use crate::plausible;
use crate::secret::Secret;
use base64::Engine as _;
use std::collections::{BTreeMap, HashSet};

pub(crate) const RULE_SET: &str = "nginx-set-variable";
pub(crate) const RULE_BEARER: &str = "nginx-authorization-bearer";
pub(crate) const RULE_BASIC: &str = "nginx-authorization-basic";
pub(crate) const RULE_AUTHORIZATION: &str = "nginx-authorization";
pub(crate) const RULE_HEADER: &str = "nginx-secret-header";
pub(crate) const RULE_PARAM: &str = "nginx-secret-param";
pub(crate) const RULE_SECURE_LINK: &str = "nginx-secure-link-md5";
pub(crate) const RULE_SECURE_LINK_SECRET: &str = "nginx-secure-link-secret";
pub(crate) const RULE_MAP: &str = "nginx-map-value";
pub(crate) const RULE_URL: &str = "nginx-url-password";
pub(crate) const RULE_ENV: &str = "nginx-env";
pub(crate) const RULE_FILE: &str = "nginx-secret-file";
pub(crate) const RULE_INCLUDE: &str = "nginx-include";

/// Directives whose argument is a file that holds secrets.
const FILE_DIRECTIVES: &[&str] = &[
    "auth_basic_user_file",
    "ssl_password_file",
    "auth_jwt_key_file",
    "ssl_certificate_key",
    "ssl_session_ticket_key",
];

/// Unmatched values must look at least this random (bits per byte) to be reported:
/// `add_header X-Auth-Mode internal-only` is not a secret. Ring keys always are.
const MIN_ENTROPY: f64 = 3.5;
const MIN_LEN: usize = 8;

fn is_authorization(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "authorization" | "proxy-authorization" | "http_authorization" | "http_proxy_authorization"
    )
}

/// A literal value inside a word, with the source offset of its first byte.
struct Value {
    bytes: Vec<u8>,
    offset: usize,
}

/// The word as one literal (no variables), or `None`.
fn literal(src: &[u8], tok: &Token) -> Option<(Vec<u8>, Vec<usize>)> {
    let mut ps = tokenizer::pieces(src, tok);
    match ps.len() {
        1 => match ps.pop() {
            Some(Piece::Lit { bytes, offsets }) => Some((bytes, offsets)),
            _ => None,
        },
        _ => None,
    }
}

/// Trims bytes matching `trim` from both ends of a literal; `None` if nothing is left.
fn trimmed(bytes: &[u8], offsets: &[usize], trim: impl Fn(u8) -> bool) -> Option<Value> {
    let start = bytes.iter().position(|&b| !trim(b))?;
    let end = bytes.iter().rposition(|&b| !trim(b))? + 1;
    Some(Value {
        bytes: bytes[start..end].to_vec(),
        offset: offsets[start],
    })
}

/// The credentials in an `Authorization` value: `Bearer X` → X; `Basic B64` → the
/// password of `user:pass` (best), `user:pass`, and the base64 text, all at the base64's
/// place; another `Scheme X` → X; a single word → itself.
fn authorization(bytes: &[u8], offsets: &[usize]) -> Vec<(Value, &'static str, Confidence)> {
    let space = |b: u8| b == b' ' || b == b'\t';
    let Some(v) = trimmed(bytes, offsets, space) else {
        return Vec::new();
    };
    let (scheme, rest) = match v.bytes.iter().position(|&b| space(b)) {
        Some(p) => (&v.bytes[..p], p),
        None => {
            return vec![(v, RULE_AUTHORIZATION, Confidence::High)];
        }
    };
    // Index in `bytes` of the scheme's first byte; the credential follows the space.
    let first = bytes.iter().position(|&b| !space(b)).unwrap_or(0);
    let cred_bytes = &bytes[first + rest..first + v.bytes.len()];
    let cred_offs = &offsets[first + rest..first + v.bytes.len()];
    let Some(cred) = trimmed(cred_bytes, cred_offs, space) else {
        return Vec::new();
    };
    if scheme.eq_ignore_ascii_case(b"bearer") {
        return vec![(cred, RULE_BEARER, Confidence::High)];
    }
    if scheme.eq_ignore_ascii_case(b"basic") {
        let engine = base64::engine::general_purpose::STANDARD;
        let decoded = engine.decode(&cred.bytes).ok().or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(&cred.bytes)
                .ok()
        });
        let mut out = Vec::new();
        if let Some(d) = decoded {
            if let Some(colon) = d.iter().position(|&b| b == b':') {
                out.push((
                    Value {
                        bytes: d[colon + 1..].to_vec(),
                        offset: cred.offset,
                    },
                    RULE_BASIC,
                    Confidence::High,
                ));
            }
            out.push((
                Value {
                    bytes: d,
                    offset: cred.offset,
                },
                RULE_BASIC,
                Confidence::Medium,
            ));
        }
        out.push((cred, RULE_BASIC, Confidence::Low));
        return out;
    }
    if scheme
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        return vec![(cred, RULE_AUTHORIZATION, Confidence::High)];
    }
    vec![(v, RULE_AUTHORIZATION, Confidence::Medium)]
}

/// The password of each `scheme://user:pass@host` inside a literal.
fn url_passwords(bytes: &[u8], offsets: &[usize]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = find(&bytes[from..], b"://") {
        let auth_start = from + p + 3;
        let auth_end = bytes[auth_start..]
            .iter()
            .position(|&b| matches!(b, b'/' | b'?' | b'#' | b' ' | b'"' | b'\''))
            .map_or(bytes.len(), |e| auth_start + e);
        let authority = &bytes[auth_start..auth_end];
        if let Some(at) = authority.iter().rposition(|&b| b == b'@') {
            if let Some(colon) = authority[..at].iter().position(|&b| b == b':') {
                let s = auth_start + colon + 1;
                let e = auth_start + at;
                if e > s {
                    out.push(Value {
                        bytes: bytes[s..e].to_vec(),
                        offset: offsets[s],
                    });
                }
            }
        }
        from = auth_end.max(auth_start);
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

struct Walker<'a, 'd> {
    src: &'a [u8],
    doc: &'a Document<'d>,
    nginx: &'a Nginx,
    index: Option<&'a NginxIndex>,
    base: Vec<String>,
    /// Variable → lines that use it (in this file).
    uses: BTreeMap<String, Vec<u32>>,
    /// Variables that flow into a secret header, parameter or signature.
    sinks: HashSet<String>,
    path: Vec<String>,
    out: &'a mut Extracted,
}

/// Runs the nginx extractor on one document.
pub(crate) fn extract(
    doc: &Document,
    nginx: &Nginx,
    index: Option<&NginxIndex>,
    out: &mut Extracted,
) {
    let cfg = parser::parse(doc.bytes);
    for e in &cfg.errors {
        out.warnings.push(format!(
            "{}:{}: nginx: {} (still scanned for ring keys as plain text)",
            doc.path, e.line, e.message
        ));
    }
    let mut uses = BTreeMap::new();
    let mut sinks = HashSet::new();
    collect_uses(doc.bytes, &cfg.directives, &mut uses, &mut sinks);
    if let Some(ix) = index {
        sinks.extend(ix.sinks().iter().cloned());
    }
    let mut w = Walker {
        src: doc.bytes,
        doc,
        nginx,
        index,
        base: index
            .map(|ix| ix.base_context(doc.path))
            .unwrap_or_default(),
        uses,
        sinks,
        path: Vec::new(),
        out,
    };
    w.walk(&cfg.directives);
}

impl Walker<'_, '_> {
    fn context(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .base
            .iter()
            .chain(self.path.iter())
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" > "))
    }

    fn pos(&self, offset: usize) -> Position {
        self.doc.position(offset)
    }

    /// Is the value worth a candidate? Ring keys always; others only with a secret
    /// signal and when they look random.
    fn keep(&self, value: &[u8], signal: bool) -> bool {
        self.nginx.is_ring_key(value)
            || (signal && plausible::check(value, MIN_LEN, Some(MIN_ENTROPY)).is_ok())
    }

    fn push(
        &mut self,
        v: Value,
        rule: &str,
        confidence: Confidence,
        name: String,
        used_at: Vec<u32>,
    ) {
        let mut c = Candidate::literal(self.pos(v.offset), rule, confidence, Secret::new(v.bytes))
            .with_name(Some(name))
            .with_context(self.context())
            .with_origin(Origin::Structured);
        c.detail.used_at = used_at;
        self.out.candidates.push(c);
    }

    fn reference(&mut self, tok: &Token, rule: &str, name: String) {
        let at = tok.content().start;
        let c = Candidate::reference(self.pos(at), rule, name)
            .with_context(self.context())
            .with_origin(Origin::Structured);
        self.out.candidates.push(c);
    }

    fn walk(&mut self, ds: &[Directive]) {
        for d in ds {
            let name = name_of(self.src, &d.name);
            match name {
                "set" => self.set(d),
                n if HEADER_DIRECTIVES.contains(&n) || PARAM_DIRECTIVES.contains(&n) => {
                    self.header(d, PARAM_DIRECTIVES.contains(&n))
                }
                "more_set_headers" => self.more_set_headers(d),
                "secure_link_md5" => self.secure_link_md5(d),
                "secure_link_secret" => {
                    if let Some(a) = d.args.first() {
                        self.whole(
                            a,
                            RULE_SECURE_LINK_SECRET,
                            "secure_link_secret".into(),
                            true,
                        );
                    }
                }
                n if FILE_DIRECTIVES.contains(&n) => {
                    if let Some(a) = d.args.first() {
                        let file = word(self.src, a);
                        if !file.starts_with("data:") && !file.starts_with("engine:") {
                            // The directive says the file holds a secret; references are
                            // only reported under secret-looking names, so a file named
                            // plainly (`global.pass`) is named with its directive.
                            let name = if is_secret_name(&file) {
                                file
                            } else {
                                format!("{name} {file}")
                            };
                            self.reference(a, RULE_FILE, name);
                        }
                    }
                }
                "env" => self.env(d),
                "include" => self.include(d),
                _ => {}
            }
            for a in &d.args {
                if memchr::memmem::find(&self.src[a.content()], b"://").is_none() {
                    continue;
                }
                if let Some((bytes, offsets)) = literal(self.src, a) {
                    for v in url_passwords(&bytes, &offsets) {
                        if self.keep(&v.bytes, true) {
                            self.push(v, RULE_URL, Confidence::High, name.to_string(), Vec::new());
                        }
                    }
                }
            }
            if let Some(block) = &d.block {
                let lbl = label(self.src, d, Some(self.nginx));
                if let Some(l) = &lbl {
                    self.path.push(l.clone());
                }
                if name == "map" {
                    self.map(d, block);
                } else {
                    self.walk(block);
                }
                if lbl.is_some() {
                    self.path.pop();
                }
            }
        }
    }

    /// A whole literal word as one value.
    fn whole(&mut self, tok: &Token, rule: &str, name: String, signal: bool) {
        if let Some((bytes, offsets)) = literal(self.src, tok) {
            if let Some(v) = trimmed(&bytes, &offsets, |b| b.is_ascii_whitespace()) {
                if self.keep(&v.bytes, signal) {
                    self.push(v, rule, Confidence::High, name, Vec::new());
                }
            }
        }
    }

    fn set(&mut self, d: &Directive) {
        let (Some(var), Some(value)) = (d.args.first(), d.args.get(1)) else {
            return;
        };
        let var_name = word(self.src, var);
        let bare = var_name.trim_start_matches('$').to_string();
        let signal = is_secret_name(&bare) || self.sinks.contains(&bare);
        let used_at = self.uses.get(&bare).cloned().unwrap_or_default();
        let Some((bytes, offsets)) = literal(self.src, value) else {
            return;
        };
        let looks_auth = bytes.len() > 6
            && (bytes[..6].eq_ignore_ascii_case(b"bearer")
                || bytes[..5].eq_ignore_ascii_case(b"basic"));
        if looks_auth {
            for (v, _, conf) in authorization(&bytes, &offsets) {
                if self.keep(&v.bytes, true) {
                    self.push(v, RULE_SET, conf, var_name.clone(), used_at.clone());
                }
            }
            return;
        }
        self.push_trimmed(&bytes, &offsets, signal, RULE_SET, var_name, used_at);
    }

    /// A variable's literal value (`set`, `map`), trimmed: high confidence when the
    /// variable's name or its uses say secret.
    fn push_trimmed(
        &mut self,
        bytes: &[u8],
        offsets: &[usize],
        signal: bool,
        rule: &'static str,
        name: String,
        used_at: Vec<u32>,
    ) {
        if let Some(v) = trimmed(bytes, offsets, |b| b.is_ascii_whitespace()) {
            if self.keep(&v.bytes, signal) {
                let conf = if signal {
                    Confidence::High
                } else {
                    Confidence::Medium
                };
                self.push(v, rule, conf, name, used_at);
            }
        }
    }

    fn header(&mut self, d: &Directive, param: bool) {
        let (Some(n), Some(value)) = (d.args.first(), d.args.get(1)) else {
            return;
        };
        let header = word(self.src, n);
        self.header_value(&header, value, param);
    }

    fn header_value(&mut self, header: &str, value: &Token, param: bool) {
        let Some((bytes, offsets)) = literal(self.src, value) else {
            return;
        };
        self.header_literal(header, &bytes, &offsets, param);
    }

    fn header_literal(&mut self, header: &str, bytes: &[u8], offsets: &[usize], param: bool) {
        if is_authorization(header) {
            for (v, rule, conf) in authorization(bytes, offsets) {
                if self.keep(&v.bytes, true) {
                    self.push(v, rule, conf, header.to_string(), Vec::new());
                }
            }
        } else if is_secret_name(header) {
            let rule = if param { RULE_PARAM } else { RULE_HEADER };
            if let Some(v) = trimmed(bytes, offsets, |b| b.is_ascii_whitespace()) {
                if self.keep(&v.bytes, true) {
                    self.push(v, rule, Confidence::High, header.to_string(), Vec::new());
                }
            }
        }
    }

    /// `more_set_headers [-s status] [-t type] "Name: value" …`
    fn more_set_headers(&mut self, d: &Directive) {
        let mut skip = false;
        for a in &d.args {
            if skip {
                skip = false;
                continue;
            }
            let Some((bytes, offsets)) = literal(self.src, a) else {
                continue;
            };
            if bytes == b"-s" || bytes == b"-t" {
                skip = true;
                continue;
            }
            let Some(colon) = bytes.iter().position(|&b| b == b':') else {
                continue;
            };
            let header = String::from_utf8_lossy(&bytes[..colon]).trim().to_string();
            self.header_literal(&header, &bytes[colon + 1..], &offsets[colon + 1..], false);
        }
    }

    /// `secure_link_md5 "$secure_link_expires$uri$remote_addr secret"`: the longest
    /// literal part, trimmed of spaces and separators, is the secret.
    fn secure_link_md5(&mut self, d: &Directive) {
        let Some(a) = d.args.first() else { return };
        let best = tokenizer::pieces(self.src, a)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Lit { bytes, offsets } => trimmed(&bytes, &offsets, |b| {
                    b.is_ascii_whitespace() || matches!(b, b':' | b'|' | b',' | b';')
                }),
                Piece::Var { .. } => None,
            })
            .max_by_key(|v| v.bytes.len());
        if let Some(v) = best {
            if self.keep(&v.bytes, true) {
                self.push(
                    v,
                    RULE_SECURE_LINK,
                    Confidence::High,
                    "secure_link_md5".into(),
                    Vec::new(),
                );
            }
        }
    }

    /// `map $src $target { key value; default value; }`: each literal value, named
    /// after the target variable.
    fn map(&mut self, d: &Directive, block: &[Directive]) {
        let target = d.args.get(1).map(|t| word(self.src, t)).unwrap_or_default();
        let bare = target.trim_start_matches('$').to_string();
        let signal = is_secret_name(&bare) || self.sinks.contains(&bare);
        let used_at = self.uses.get(&bare).cloned().unwrap_or_default();
        for e in block {
            match name_of(self.src, &e.name) {
                "hostnames" | "volatile" => continue,
                "include" => {
                    self.include(e);
                    continue;
                }
                _ => {}
            }
            let Some(value) = e.args.last() else { continue };
            let Some((bytes, offsets)) = literal(self.src, value) else {
                continue;
            };
            self.push_trimmed(
                &bytes,
                &offsets,
                signal,
                RULE_MAP,
                target.clone(),
                used_at.clone(),
            );
        }
    }

    /// `env NAME` (reference) or `env NAME=value` (literal).
    fn env(&mut self, d: &Directive) {
        let Some(a) = d.args.first() else { return };
        let Some((bytes, offsets)) = literal(self.src, a) else {
            return;
        };
        match bytes.iter().position(|&b| b == b'=') {
            Some(eq) => {
                let var = String::from_utf8_lossy(&bytes[..eq]).into_owned();
                let signal = is_secret_name(&var);
                if eq + 1 < bytes.len() {
                    let v = Value {
                        bytes: bytes[eq + 1..].to_vec(),
                        offset: offsets[eq + 1],
                    };
                    if self.keep(&v.bytes, signal) {
                        self.push(v, RULE_ENV, Confidence::High, var, Vec::new());
                    }
                }
            }
            None => {
                let var = String::from_utf8_lossy(&bytes).into_owned();
                self.reference(a, RULE_ENV, var);
            }
        }
    }

    /// An include of a file outside the scan is a reference; one inside is followed by
    /// the index (its findings carry this block in their context).
    fn include(&mut self, d: &Directive) {
        let Some(a) = d.args.first() else { return };
        let target = word(self.src, a);
        let followed = self
            .index
            .is_some_and(|ix| ix.includes_in_scan(self.doc.path, &target));
        if !followed {
            self.reference(a, RULE_INCLUDE, target);
        }
    }
}

#[cfg(test)]
mod tests;
