//! Exposure: a ring key found in git history was committed, so anyone with a clone
//! holds it. Such a key must be revoked; keeping it as a fallback is not enough.

use crate::finding::{CommitRef, Finding};
use std::collections::BTreeMap;

/// A ring key committed to history, with the earliest commit that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Exposure {
    pub service: String,
    pub key_id: String,
    pub commit: CommitRef,
}

/// Every ring key the findings place in history, earliest commit first per key; sorted
/// by service, then key id.
pub(crate) fn exposed(findings: &[Finding]) -> Vec<Exposure> {
    let mut first: BTreeMap<(&str, &str), &CommitRef> = BTreeMap::new();
    for f in findings {
        let (Some(k), Some(c)) = (&f.key, &f.commit) else {
            continue;
        };
        let e = first.entry((&k.service, &k.id)).or_insert(c);
        if (c.time, &c.id) < (e.time, &e.id) {
            *e = c;
        }
    }
    first
        .into_iter()
        .map(|((service, id), c)| Exposure {
            service: service.to_string(),
            key_id: id.to_string(),
            commit: c.clone(),
        })
        .collect()
}

impl Exposure {
    /// `committed in 1a2b3c4d on 2026-03-02 (app/settings.py)`.
    pub(crate) fn where_(&self) -> String {
        format!(
            "committed in {} on {} ({})",
            self.commit.id.get(..8).unwrap_or(&self.commit.id),
            crate::clock::date(self.commit.time),
            self.commit.path
        )
    }
}
