//! Match: fingerprint each candidate's value, look it up in the ring, and drop the value.

use crate::extract::rules::RuleSet;
use crate::extract::{Candidate, Confidence, Kind, Origin};
use crate::plausible;
use crate::ring::{Ring, RingKey};
use crate::secret::Fingerprint;

/// A candidate after matching: the secret is gone, its fingerprint and preview remain.
pub struct Matched<'r> {
    pub line: u32,
    pub column: u32,
    pub kind: Kind,
    pub origin: Origin,
    pub rule: String,
    pub confidence: Confidence,
    pub name: Option<String>,
    pub context: Option<String>,
    pub fingerprint: Option<Fingerprint>,
    pub key: Option<&'r RingKey>,
    pub preview: Option<String>,
    /// For unmatched literals: does the value look like a real secret?
    pub plausible: bool,
    pub used_at: Vec<u32>,
    pub rows: Option<u64>,
}

/// Values not from a rule (format extractors) must be at least this long to count.
const STRUCTURED_MIN_LEN: usize = 8;

pub fn match_candidate<'r>(c: Candidate, ring: &'r Ring, rules: &RuleSet) -> Matched<'r> {
    let (fingerprint, key, preview, plausible) = match &c.value {
        Some(secret) => {
            let fp = secret.fingerprint();
            let key = ring.lookup(&fp);
            let plausible = key.is_some()
                || match rules.get(&c.rule) {
                    Some(rule) => rule.plausible(secret.expose()),
                    None => plausible::check(secret.expose(), STRUCTURED_MIN_LEN, None).is_ok(),
                };
            (Some(fp), key, secret.preview(), plausible)
        }
        None => {
            let key = c.key_hint.as_ref().and_then(|fp| ring.lookup(fp));
            (None, key, None, true)
        }
    };
    // `c.value` (the secret) is dropped and wiped at the end of this function.
    Matched {
        line: c.line,
        column: c.column,
        kind: c.kind,
        origin: c.origin,
        rule: c.rule,
        confidence: c.confidence,
        name: c.name,
        context: c.context,
        fingerprint,
        key,
        preview,
        plausible,
        used_at: c.used_at,
        rows: c.rows,
    }
}
