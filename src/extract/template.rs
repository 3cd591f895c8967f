//! Vault agent and consul-template templates (Go `text/template` actions), in any file:
//! each field a template reads from a Vault secret is a reference of its own,
//! `vault:PATH#FIELD`.
//!
//! - `{{ with secret "PATH" }}…{{ end }}`: inside the block, `.Data.data.F` (KV v2),
//!   `.Data.F` (KV v1, PKI, database engines) and `index .Data.data "F"`; a nested
//!   `{{ with .Data.data }}` makes `.F` a field; a block that reads no field is one
//!   reference to the path itself.
//! - `{{ with $s := secret "PATH" }}` binds `$s`, whose `$s.Data.data.F` reads a field
//!   until the block ends.
//! - `{{ (secret "PATH").Data.data.F }}`, and `{{ secret "PATH" }}` alone.
//!
//! A block that reads two fields gives two references (a regex rule, one finding per
//! match, named only the first). A path built at run time (`secret (printf …)`) names
//! nothing and is skipped. Each (block, field) is reported once, at its first read.

use super::{Candidate, Document, Extracted, Origin};

pub(crate) const RULE: &str = "consul-template-secret";

/// An action longer than this is not a template action (an unclosed `{{` in other text).
const ACTION_MAX: usize = 16 * 1024;
/// Blocks nested deeper than this are not followed (a crafted file's bound).
const DEPTH_MAX: usize = 64;

/// What `.` is inside a block.
#[derive(Clone, PartialEq, Debug)]
enum Dot {
    /// The secret read from this path.
    Secret(String),
    /// The secret's data map (`with .Data.data`).
    Data(String),
    Other,
}

struct Block {
    dot: Dot,
    /// A variable the block's `with` bound to a secret (`$s := secret "p"`).
    var: Option<(String, String)>,
    /// A `with secret` block: where it opened and whether a field was read in it.
    opened: Option<(usize, String)>,
    fields: Vec<String>,
}

/// A token of an action's body.
#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    /// `.a.b.c` (the bare `.` is an empty chain), at its offset in the document.
    Chain(Vec<&'a str>, usize),
    /// `$v` or `$v.a.b`.
    Var(&'a str, Vec<&'a str>, usize),
    Str(String),
    Open,
    /// `)`, and the chain right after it (`(secret "p").Data.data.x`).
    Close(Vec<&'a str>, usize),
    Assign,
    Other,
}

pub(crate) fn extract(doc: &Document, out: &mut Extracted) {
    let bytes = doc.bytes;
    if memchr::memmem::find(bytes, b"secret").is_none() {
        return;
    }
    let mut stack: Vec<Block> = vec![Block {
        dot: Dot::Other,
        var: None,
        opened: None,
        fields: Vec::new(),
    }];
    let mut emit = |at: usize, name: String| {
        out.candidates.push(
            Candidate::reference(doc.position(at), RULE, name).with_origin(Origin::Structured),
        );
    };
    let mut at = 0;
    while let Some(off) = memchr::memmem::find(&bytes[at..], b"{{") {
        let start = at + off + 2;
        let Some(len) =
            memchr::memmem::find(&bytes[start..(start + ACTION_MAX).min(bytes.len())], b"}}")
        else {
            at = start;
            continue;
        };
        let body = (start, start + len);
        at = start + len + 2;
        let toks = tokens(bytes, body.0, body.1);
        match toks.first() {
            Some(Tok::Word("end")) => {
                if stack.len() > 1 {
                    let b = stack.pop().expect("more than the root");
                    if let Some((pos, path)) = b.opened {
                        if b.fields.is_empty() {
                            emit(pos, format!("vault:{path}"));
                        }
                    }
                }
            }
            Some(Tok::Word("else")) => {}
            Some(Tok::Word(w @ ("with" | "range" | "if" | "define" | "block"))) => {
                let top = stack.last().expect("the root stays");
                let mut block = Block {
                    dot: if *w == "if" {
                        top.dot.clone()
                    } else {
                        Dot::Other
                    },
                    var: None,
                    opened: None,
                    fields: Vec::new(),
                };
                if *w == "with" {
                    with_dot(&toks[1..], &stack, body.0, &mut block);
                }
                // A `range`/`if` pipeline reads fields too (`{{ if .Data.data.x }}`).
                if *w != "with" {
                    report(&toks[1..], body.0, &mut stack, &mut emit);
                }
                if stack.len() < DEPTH_MAX {
                    stack.push(block);
                }
            }
            _ => report(&toks, body.0, &mut stack, &mut emit),
        }
    }
    // Blocks left open at the end of the file still name what they read.
    while stack.len() > 1 {
        let b = stack.pop().expect("more than the root");
        if let Some((pos, path)) = b.opened {
            if b.fields.is_empty() {
                emit(pos, format!("vault:{path}"));
            }
        }
    }
}

/// Reports the reads of one action's tokens: each field once per block that opened its
/// path (the root owns reads of `(secret "p").Data.data.F` outside any block).
fn report(
    toks: &[Tok],
    action_at: usize,
    stack: &mut [Block],
    emit: &mut impl FnMut(usize, String),
) {
    let mut found: Vec<(usize, String, Option<String>)> = Vec::new();
    reads(toks, action_at, stack, &mut |pos, path, field| {
        found.push((pos, path, field))
    });
    for (pos, path, field) in found {
        let Some(f) = field else {
            emit(pos, format!("vault:{path}"));
            continue;
        };
        let key = format!("{path}#{f}");
        let owner = stack
            .iter_mut()
            .rev()
            .find(|b| b.opened.as_ref().is_some_and(|(_, p)| *p == path));
        match owner {
            Some(b) if b.fields.contains(&key) => {}
            Some(b) => {
                b.fields.push(key.clone());
                emit(pos, format!("vault:{key}"));
            }
            None => emit(pos, format!("vault:{key}")),
        }
    }
}

/// The dot and variable a `with` pipeline sets.
fn with_dot(toks: &[Tok], stack: &[Block], with_at: usize, block: &mut Block) {
    let (var, rest) = match toks {
        [Tok::Var(v, chain, _), Tok::Assign, rest @ ..] if chain.is_empty() => (Some(*v), rest),
        _ => (None, toks),
    };
    match rest {
        [Tok::Word("secret"), Tok::Str(path), ..] => {
            block.dot = Dot::Secret(path.clone());
            block.opened = Some((with_at, path.clone()));
            if let Some(v) = var {
                block.var = Some((v.to_string(), path.clone()));
            }
        }
        [Tok::Chain(chain, _), ..] => {
            if let Dot::Secret(path) = &stack.last().expect("the root stays").dot {
                if chain[..] == ["Data", "data"] || chain[..] == ["Data"] {
                    block.dot = Dot::Data(path.clone());
                }
            }
        }
        [Tok::Var(v, chain, _), ..] => {
            if let Some(path) = bound(stack, v) {
                if chain[..] == ["Data", "data"] || chain[..] == ["Data"] {
                    block.dot = Dot::Data(path);
                }
            }
        }
        _ => {}
    }
}

/// The path a variable is bound to in the enclosing blocks.
fn bound(stack: &[Block], var: &str) -> Option<String> {
    stack.iter().rev().find_map(|b| {
        b.var
            .as_ref()
            .filter(|(v, _)| v == var)
            .map(|(_, p)| p.clone())
    })
}

/// A field read through a chain from the secret itself (`.Data.data.F`, `.Data.F`):
/// `Some(Some(F))`; the data map itself (for `index`): `Some(None)`.
fn from_secret(chain: &[&str]) -> Option<Option<String>> {
    match chain {
        ["Data", "data", f, ..] => Some(Some(f.to_string())),
        ["Data", "data"] | ["Data"] => Some(None),
        ["Data", "metadata", ..] => None,
        ["Data", f, ..] => Some(Some(f.to_string())),
        _ => None,
    }
}

/// Calls `read(offset, path, field)` for each read of a secret in an action's tokens;
/// `field` is `None` for `{{ secret "p" }}` alone.
fn reads(
    toks: &[Tok],
    action_at: usize,
    stack: &[Block],
    read: &mut dyn FnMut(usize, String, Option<String>),
) {
    let dot = &stack.last().expect("the root stays").dot;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            // `(secret "p").Data.data.F`
            Tok::Open => {
                if let (
                    Some(Tok::Word("secret")),
                    Some(Tok::Str(path)),
                    Some(Tok::Close(chain, at)),
                ) = (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
                {
                    if let Some(Some(f)) = from_secret(chain) {
                        read(*at, path.clone(), Some(f));
                    }
                    i += 4;
                    continue;
                }
            }
            // `index .Data.data "F"`, `index . "F"` in a data block, `index $s.Data.data "F"`.
            Tok::Word("index") => {
                let map_path = match toks.get(i + 1) {
                    Some(Tok::Chain(chain, _)) => match dot {
                        Dot::Secret(p) if from_secret(chain) == Some(None) => Some(p.clone()),
                        Dot::Data(p) if chain.is_empty() => Some(p.clone()),
                        _ => None,
                    },
                    Some(Tok::Var(v, chain, _)) => {
                        bound(stack, v).filter(|_| from_secret(chain) == Some(None))
                    }
                    _ => None,
                };
                if let (Some(path), Some(Tok::Str(f))) = (map_path, toks.get(i + 2)) {
                    let at = match &toks[i + 1] {
                        Tok::Chain(_, at) | Tok::Var(_, _, at) => *at,
                        _ => 0,
                    };
                    read(at, path, Some(f.clone()));
                    i += 3;
                    continue;
                }
            }
            Tok::Chain(chain, at) => match dot {
                Dot::Secret(p) => {
                    if let Some(Some(f)) = from_secret(chain) {
                        read(*at, p.clone(), Some(f));
                    }
                }
                Dot::Data(p) => {
                    if let Some(f) = chain.first() {
                        read(*at, p.clone(), Some(f.to_string()));
                    }
                }
                Dot::Other => {}
            },
            Tok::Var(v, chain, at) => {
                if let Some(p) = bound(stack, v) {
                    if let Some(Some(f)) = from_secret(chain) {
                        read(*at, p, Some(f));
                    }
                }
            }
            // `{{ secret "p" }}` on its own.
            Tok::Word("secret") if i == 0 => {
                if let (Some(Tok::Str(path)), None) = (toks.get(1), toks.get(2)) {
                    read(action_at, path.clone(), None);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The tokens of the action body `bytes[start..end]` (without its `{{`/`}}` and trim
/// markers). Offsets are into the document.
fn tokens(bytes: &[u8], start: usize, end: usize) -> Vec<Tok<'_>> {
    let text = &bytes[start..end];
    let mut out = Vec::new();
    let mut i = 0;
    // Trim markers: `{{- ` and ` -}}`.
    if text.first() == Some(&b'-') && text.get(1).is_some_and(|b| b.is_ascii_whitespace()) {
        i = 1;
    }
    let stop = if text.len() >= 2
        && text[text.len() - 1] == b'-'
        && text[text.len() - 2].is_ascii_whitespace()
    {
        text.len() - 1
    } else {
        text.len()
    };
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    // A chain of `.name` parts from `j`; returns the parts and where it ends.
    let chain = |mut j: usize| -> (Vec<&str>, usize) {
        let mut parts = Vec::new();
        while j < stop && text[j] == b'.' {
            let s = j + 1;
            let mut e = s;
            while e < stop && ident(text[e]) {
                e += 1;
            }
            if e == s {
                // A bare `.`: the dot itself.
                j = e;
                break;
            }
            parts.push(std::str::from_utf8(&text[s..e]).unwrap_or(""));
            j = e;
        }
        (parts, j)
    };
    while i < stop {
        let c = text[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'"' => {
                let mut s = Vec::new();
                let mut j = i + 1;
                while j < stop && text[j] != b'"' {
                    if text[j] == b'\\' && j + 1 < stop {
                        j += 1;
                    }
                    s.push(text[j]);
                    j += 1;
                }
                out.push(Tok::Str(String::from_utf8_lossy(&s).into_owned()));
                i = j + 1;
            }
            b'`' => {
                let j = memchr::memchr(b'`', &text[i + 1..stop]).map_or(stop, |n| i + 1 + n);
                out.push(Tok::Str(
                    String::from_utf8_lossy(&text[i + 1..j]).into_owned(),
                ));
                i = j + 1;
            }
            b'.' => {
                let (parts, j) = chain(i);
                out.push(Tok::Chain(parts, start + i));
                i = j.max(i + 1);
            }
            b'$' => {
                let s = i + 1;
                let mut e = s;
                while e < stop && (text[e].is_ascii_alphanumeric() || text[e] == b'_') {
                    e += 1;
                }
                let (parts, j) = chain(e);
                out.push(Tok::Var(
                    std::str::from_utf8(&text[s..e]).unwrap_or(""),
                    parts,
                    start + i,
                ));
                i = j.max(i + 1);
            }
            b'(' => {
                out.push(Tok::Open);
                i += 1;
            }
            b')' => {
                let (parts, j) = chain(i + 1);
                out.push(Tok::Close(parts, start + i + 1));
                i = j.max(i + 1);
            }
            b':' if text.get(i + 1) == Some(&b'=') => {
                out.push(Tok::Assign);
                i += 2;
            }
            b'=' => {
                out.push(Tok::Assign);
                i += 1;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let mut e = i;
                while e < stop && (text[e].is_ascii_alphanumeric() || text[e] == b'_') {
                    e += 1;
                }
                out.push(Tok::Word(std::str::from_utf8(&text[i..e]).unwrap_or("")));
                i = e;
            }
            _ => {
                out.push(Tok::Other);
                i += 1;
            }
        }
    }
    out
}

/// Runs the extractor on `data` as a text file: no panic, every reference inside the
/// file and named `vault:PATH` or `vault:PATH#FIELD`. For the `cargo fuzz` target
/// `templates` and the seeded test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    let doc = Document::new("t", data, crate::format::Format::Text);
    let mut out = Extracted::default();
    extract(&doc, &mut out);
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    for c in &out.candidates {
        let line = lines
            .get(c.at.line as usize - 1)
            .unwrap_or_else(|| panic!("line {} outside the file", c.at.line));
        assert!(c.at.column >= 1 && c.at.column as usize <= line.len() + 1);
        let name = c.detail.name.as_deref().expect("a reference has a name");
        assert!(name.starts_with("vault:"), "{name}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format;

    /// (line, name) of each reference.
    fn refs(text: &str) -> Vec<(u32, String)> {
        let doc = Document::new("t", text.as_bytes(), Format::Text);
        let mut out = Extracted::default();
        extract(&doc, &mut out);
        out.candidates
            .iter()
            .map(|c| (c.at.line, c.detail.name.clone().unwrap_or_default()))
            .collect()
    }

    fn names(text: &str) -> Vec<String> {
        refs(text).into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn each_form_names_path_and_field() {
        assert_eq!(
            names(concat!(
                "{{ with secret \"secret/data/app\" }}{{ .Data.data.api_key }}{{ end }}\n",
                "DB={{- with secret \"kv/db\" -}}{{ .Data.password }}{{- end }}\n",
                "{{ (secret \"kv/data/x\").Data.data.token }}\n",
                "{{ with secret \"pki/issue/web\" }}{{ end }}\n",
                "{{ secret \"kv/plain\" }}\n",
            )),
            [
                "vault:secret/data/app#api_key",
                "vault:kv/db#password",
                "vault:kv/data/x#token",
                "vault:pki/issue/web",
                "vault:kv/plain"
            ]
        );
    }

    #[test]
    fn a_block_that_reads_two_fields_gives_two_references() {
        let text = concat!(
            "{{ with secret \"database/creds/app\" }}\n",
            "user={{ .Data.username }}\n",
            "pass={{ .Data.password }}\n",
            "again={{ .Data.password }}\n",
            "{{ end }}\n",
        );
        assert_eq!(
            refs(text),
            [
                (2, "vault:database/creds/app#username".to_string()),
                (3, "vault:database/creds/app#password".to_string())
            ]
        );
    }

    #[test]
    fn nested_data_blocks_variables_and_index() {
        let text = concat!(
            "{{ with secret \"secret/data/pay\" }}{{ with .Data.data }}\n",
            "KEY={{ .stripe_key }} HOOK={{ index . \"webhook-secret\" }}\n",
            "{{ end }}{{ end }}\n",
            "{{ with $s := secret \"secret/data/jwt\" }}{{ $s.Data.data.signing_key }}",
            "{{ index $s.Data.data \"old_key\" }}{{ end }}\n",
            "{{ with secret \"secret/data/x\" }}{{ index .Data.data \"a\" }}",
            "{{ if .Data.data.b }}{{ end }}{{ .Data.metadata.version }}{{ end }}\n",
        );
        assert_eq!(
            names(text),
            [
                "vault:secret/data/pay#stripe_key",
                "vault:secret/data/pay#webhook-secret",
                "vault:secret/data/jwt#signing_key",
                "vault:secret/data/jwt#old_key",
                "vault:secret/data/x#a",
                "vault:secret/data/x#b"
            ]
        );
    }

    #[test]
    fn text_that_is_not_a_template_gives_nothing() {
        assert!(names("the secret \"word\" is {{ not }} a template").is_empty());
        assert!(names("{{ .Data.data.x }} outside any secret block").is_empty());
        assert!(
            names("{{ with secret (printf \"kv/%s\" .Env.APP) }}{{ .Data.x }}{{ end }}").is_empty()
        );
        // Unclosed: the open block still names its path.
        assert_eq!(names("{{ with secret \"kv/a\" }} {{"), ["vault:kv/a"]);
    }

    #[test]
    fn seeded_random_templates_keep_the_invariants() {
        let mut rng = crate::testrand::XorShift::new(0x7e4d_1a7e);
        let pieces: [&[u8]; 16] = [
            b"{{",
            b"}}",
            b"{{- ",
            b" -}}",
            b"with ",
            b"secret ",
            b"\"kv/a\" ",
            b"end",
            b".Data.data.x ",
            b".Data.y",
            b"$s := ",
            b"$s.Data.data.z",
            b"index . \"q\"",
            b"(secret \"p\").Data.f",
            b"\n",
            b"if ",
        ];
        for _ in 0..5000 {
            let mut text = Vec::new();
            for _ in 0..rng.below(40) {
                if rng.below(8) == 0 {
                    let n = 1 + rng.below(6);
                    text.extend(rng.text(b"{}.$\"()-: \n`\\ab", n));
                } else {
                    text.extend_from_slice(pieces[rng.below(pieces.len())]);
                }
            }
            self_check(&text);
        }
    }
}
