//! stalekey: find every consumer of a secret key before you rotate it.
//!
//! Modules, top to bottom; each imports only modules below it:
//! - [`app`]: one flow per command (scan, gate, ring, fingerprint, rules, install-hook)
//!   and the exit-code policy; [`cli`]: the clap arguments and their checked settings.
//! - [`report`]: a `Reporter` per output format (text, JSON, SARIF, GitHub).
//! - [`pipeline`]: the one driver: a `Source` (filesystem walk, git index) yields
//!   documents, read once (one binary and size rule), then the engine runs
//!   extract → match → judge → ignore on each; sorted once at the end.
//! - [`verdict`]: the matcher (fingerprint, ring lookup, plausibility), the judge
//!   (verdict, severity) and the rotation the gate simulates.
//! - [`extract`]: one extractor per format (rules, Kubernetes, nginx, SQL, ring tokens).
//! - [`names`], [`plausible`], [`ignorefile`], [`ring`], [`paths`], and the shared types
//!   [`finding`], [`secret`], [`format`], [`error`].
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod cli;
pub mod error;
pub mod extract;
pub mod finding;
pub mod format;
pub mod ignorefile;
pub mod names;
pub mod paths;
pub mod pipeline;
pub mod plausible;
pub mod report;
pub mod ring;
pub mod secret;
pub mod verdict;
