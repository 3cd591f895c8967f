//! nginx configurations (SPEC §3): secrets held by `set`, header and parameter
//! directives, `secure_link_md5`, `map` values and URLs, files and variables that hold
//! them (`auth_basic_user_file`, `env`, includes of files outside the scan) as
//! references, with the block path of each (`server api.example.com > location = /auth`).
//!
//! [`tokenizer`] → [`parser`] (a tree that survives malformed input) → [`extractor`].
//! [`index::NginxIndex`] is built once per scan over the scan's nginx files: it follows
//! `include`s so that a finding in an included file names the block that includes it.

pub(crate) mod extractor;
pub(crate) mod index;
pub(crate) mod parser;
mod syntax;
pub(crate) mod tokenizer;

#[cfg(test)]
mod robustness;

pub(crate) use index::{NginxDoc, NginxIndex};

use super::{Document, Extracted};
use crate::ring::{KeyIndex, Ring};
use crate::secret::Fingerprint;

/// The nginx extractor of a scan: knows the ring's fingerprints so that a value held
/// under a name that does not look secret is still reported when it is a ring key.
pub(crate) struct Nginx {
    fingerprints: KeyIndex,
}

impl Nginx {
    pub(crate) fn new(ring: &Ring) -> Self {
        Nginx {
            fingerprints: ring.index(),
        }
    }

    pub(crate) fn is_ring_key(&self, value: &[u8]) -> bool {
        !self.fingerprints.is_empty() && self.fingerprints.contains(&Fingerprint::of(value))
    }

    pub(crate) fn extract(&self, doc: &Document, out: &mut Extracted) {
        extractor::extract(doc, self, doc.nginx, out);
    }
}

/// Runs tokenizer, parser and extractor on arbitrary bytes and panics if an invariant
/// breaks: tokens inside the input, in order, on the right line; decoded pieces with
/// one source offset per byte, inside their word; warnings that name the line. Shared by
/// the `cargo fuzz` target (fuzz/) and the bounded random-input test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    let t = tokenizer::tokenize(data);
    let mut last_end = 0;
    let mut line = 1u32;
    let mut counted = 0;
    for tok in &t.tokens {
        assert!(
            tok.start <= tok.end && tok.end <= data.len(),
            "token out of bounds"
        );
        assert!(tok.start >= last_end, "tokens overlap");
        line += memchr::memchr_iter(b'\n', &data[counted..tok.start]).count() as u32;
        counted = tok.start;
        assert_eq!(tok.line, line, "token on the wrong line");
        last_end = tok.end;
        if tok.is_word() {
            let r = tok.content();
            assert!(r.start <= r.end && r.end <= tok.end && r.start >= tok.start);
            for p in tokenizer::pieces(data, tok) {
                match p {
                    tokenizer::Piece::Lit { bytes, offsets } => {
                        assert_eq!(bytes.len(), offsets.len());
                        assert!(offsets.iter().all(|&o| o >= r.start && o < r.end));
                        assert!(offsets.windows(2).all(|w| w[0] < w[1]));
                    }
                    tokenizer::Piece::Var { offset, .. } => {
                        assert!(offset >= r.start && offset < r.end)
                    }
                }
            }
        }
    }
    let lines = memchr::memchr_iter(b'\n', data).count() as u32 + 1;
    for e in &t.errors {
        assert!(e.line >= 1 && e.line <= lines, "error line out of range");
    }
    let doc = Document::new("fuzz.conf", data, crate::format::Format::Nginx);
    let mut out = Extracted::default();
    Nginx::new(&Ring::empty()).extract(&doc, &mut out);
    for c in &out.candidates {
        assert!(c.at.line >= 1 && c.at.line <= lines && c.at.column >= 1);
    }
    for w in &out.warnings {
        let line: u32 = w
            .strip_prefix("fuzz.conf:")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .expect("warning names file and line");
        assert!(line >= 1 && line <= lines, "warning line out of range");
    }
}
