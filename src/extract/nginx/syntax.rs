//! What the extractor and the include index both read of a parsed config: directive
//! names and words, variables, which variables flow into a secret header, parameter or
//! signature, and the block labels of a finding's context.

use super::parser::Directive;
use super::tokenizer::{self, Piece, Token};
use super::Nginx;
use crate::names::is_secret_name;
use crate::plausible;
use std::collections::{BTreeMap, HashSet};

/// Directives that set a request header: (directive, index of the name argument).
pub(super) const HEADER_DIRECTIVES: &[&str] =
    &["proxy_set_header", "grpc_set_header", "add_header"];
pub(super) const PARAM_DIRECTIVES: &[&str] = &["fastcgi_param", "uwsgi_param", "scgi_param"];
/// A directive's name as written (names have no escapes), without allocating.
pub(super) fn name_of<'a>(src: &'a [u8], tok: &Token) -> &'a str {
    std::str::from_utf8(&src[tok.content()]).unwrap_or("")
}

pub(super) fn word(src: &[u8], tok: &Token) -> String {
    String::from_utf8_lossy(&tokenizer::text(src, tok)).into_owned()
}

pub(super) fn vars(src: &[u8], tok: &Token) -> Vec<String> {
    if memchr::memchr(b'$', &src[tok.content()]).is_none() {
        return Vec::new();
    }
    tokenizer::pieces(src, tok)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name),
            Piece::Lit { .. } => None,
        })
        .collect()
}

/// A context label part for a block directive; `None` for `http` (implied).
pub(crate) fn label(src: &[u8], d: &Directive, nginx: Option<&Nginx>) -> Option<String> {
    let name = name_of(src, &d.name);
    if name == "http" {
        return None;
    }
    let ring_key = |tok: &Token| nginx.is_some_and(|n| n.is_ring_key(&tokenizer::text(src, tok)));
    if name == "server" {
        let server_name = d.block.as_ref().and_then(|b| {
            b.iter()
                .find(|c| name_of(src, &c.name) == "server_name")
                .and_then(|c| c.args.first())
        });
        return Some(match server_name {
            Some(n) if ring_key(n) => "server …".to_string(),
            Some(n) => format!("server {}", redact(&tokenizer::text(src, n))),
            None => "server".to_string(),
        });
    }
    let (Some(first), Some(last)) = (d.args.first(), d.args.last()) else {
        return Some(name.to_string());
    };
    let args = if d.args.iter().any(ring_key) {
        d.args
            .iter()
            .map(|a| {
                if ring_key(a) {
                    "…".to_string()
                } else {
                    redact(&src[a.start..a.end])
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        // As written, quotes included, so `if ($a = "")` reads as in the file.
        let span = redact(&src[first.start..last.end]);
        span.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
    };
    Some(format!("{name} {args}"))
}

/// Block arguments for a context label, with every run of 20 or more key-like bytes
/// that looks random replaced by `…`: a key in a location path never reaches a report.
pub(super) fn redact(text: &[u8]) -> String {
    let keyish = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'_' | b'-' | b'=' | b'.');
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if !keyish(text[i]) {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && keyish(text[i]) {
            i += 1;
        }
        let run = &text[start..i];
        if run.len() >= 20 && plausible::check(run, 20, Some(3.5)).is_ok() {
            out.extend_from_slice("…".as_bytes());
        } else {
            out.extend_from_slice(run);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Records where each variable is used and which variables reach a secret sink.
pub(crate) fn collect_uses(
    src: &[u8],
    ds: &[Directive],
    uses: &mut BTreeMap<String, Vec<u32>>,
    sinks: &mut HashSet<String>,
) {
    for d in ds {
        let name = name_of(src, &d.name);
        // The first argument of `set` and the second of `map` are definitions.
        let defined = match name {
            "set" => Some(0),
            "map" => Some(1),
            _ => None,
        };
        for (i, a) in d.args.iter().enumerate() {
            if Some(i) == defined {
                continue;
            }
            for v in vars(src, a) {
                let lines = uses.entry(v).or_default();
                if lines.last() != Some(&a.line) {
                    lines.push(a.line);
                }
            }
        }
        let sink_args: Vec<&Token> =
            if HEADER_DIRECTIVES.contains(&name) || PARAM_DIRECTIVES.contains(&name) {
                match (d.args.first(), d.args.get(1)) {
                    (Some(n), Some(v)) if is_secret_name(&word(src, n)) => vec![v],
                    _ => Vec::new(),
                }
            } else if name == "more_set_headers" {
                d.args
                    .iter()
                    .filter(|a| {
                        let t = word(src, a);
                        t.split_once(':').is_some_and(|(h, _)| is_secret_name(h))
                    })
                    .collect()
            } else if matches!(name, "secure_link_md5" | "secure_link_secret") {
                d.args.iter().collect()
            } else {
                Vec::new()
            };
        for a in sink_args {
            sinks.extend(vars(src, a));
        }
        if let Some(b) = &d.block {
            collect_uses(src, b, uses, sinks);
        }
    }
}
