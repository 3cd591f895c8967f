//! From candidates to judged findings: [`matcher`] fingerprints each value, looks it up
//! in the ring and drops it; [`judge`] gives one verdict and severity per place;
//! [`rotation`] simulates a rotation for the gate, with the verdicts of [`judge`].

pub(crate) mod exposure;
pub(crate) mod judge;
pub(crate) mod matcher;
pub(crate) mod rotation;
