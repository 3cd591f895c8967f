//! Match: fingerprint each candidate's value, look it up in the ring, and drop the value.
//! This is the one place that decides whether an unmatched literal is plausibly a secret
//! (by the [`Bar`](crate::finding::Bar) its extractor set).

use crate::extract::Candidate;
use crate::finding::{Confidence, Detail, Origin, Position};
use crate::plausible;
use crate::ring::{Ring, RingKey};
use crate::secret::Fingerprint;

/// A candidate after matching: the secret is gone, its fingerprint and preview remain.
pub(crate) struct Matched<'r> {
    pub at: Position,
    pub detail: Detail,
    pub origin: Origin,
    pub confidence: Confidence,
    pub fingerprint: Option<Fingerprint>,
    pub key: Option<&'r RingKey>,
    pub preview: Option<String>,
    /// For unmatched literals: does the value look like a real secret?
    pub plausible: bool,
}

pub(crate) fn match_candidate(c: Candidate, ring: &Ring) -> Matched<'_> {
    let (fingerprint, key, preview, plausible) = match &c.value {
        Some(secret) => {
            let fp = secret.fingerprint();
            let key = ring.lookup(&fp);
            let plausible = key.is_some()
                || plausible::check_named(secret.expose(), &c.bar, c.detail.name.as_deref())
                    .is_ok();
            (Some(fp), key, secret.preview(), plausible)
        }
        None => {
            let key = c.key_hint.as_ref().and_then(|fp| ring.lookup(fp));
            (None, key, None, true)
        }
    };
    // `c.value` (the secret) is dropped and wiped at the end of this function.
    Matched {
        at: c.at,
        detail: c.detail,
        origin: c.origin,
        confidence: c.confidence,
        fingerprint,
        key,
        preview,
        plausible,
    }
}
