//! nginx configurations (SPEC §3): secrets held by `set`, header and parameter
//! directives, `secure_link_md5`, `map` values and URLs, files and variables that hold
//! them (`auth_basic_user_file`, `env`, includes of files outside the scan) as
//! references, with the block path of each (`server api.example.com > location = /auth`).
//!
//! [`tokenizer`] → [`parser`] (a tree that survives malformed input) → [`extractor`].
//! [`index::NginxIndex`] is built once per scan over the scan's nginx files: it follows
//! `include`s so that a finding in an included file names the block that includes it.

pub mod extractor;
pub mod index;
pub mod parser;
pub mod tokenizer;

pub use index::{NginxDoc, NginxIndex};

use super::{Document, Extracted};
use crate::ring::Ring;
use crate::secret::Fingerprint;
use std::collections::HashSet;

/// The nginx extractor of a scan: knows the ring's fingerprints so that a value held
/// under a name that does not look secret is still reported when it is a ring key.
pub struct Nginx {
    fingerprints: HashSet<Fingerprint>,
}

impl Nginx {
    pub fn new(ring: &Ring) -> Self {
        Nginx {
            fingerprints: ring.keys().iter().map(|k| k.fingerprint).collect(),
        }
    }

    pub fn is_ring_key(&self, value: &[u8]) -> bool {
        !self.fingerprints.is_empty() && self.fingerprints.contains(&Fingerprint::of(value))
    }

    pub fn extract(&self, doc: &Document, out: &mut Extracted) {
        extractor::extract(doc, self, doc.nginx, out);
    }
}
