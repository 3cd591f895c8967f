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
#![warn(unreachable_pub)]

mod app;
mod checksum;
mod cli;
mod clock;
mod error;
mod extract;
mod finding;
mod format;
mod ignorefile;
mod names;
mod paths;
mod pipeline;
mod plausible;
mod report;
mod ring;
mod secret;
mod terminal;
#[cfg(test)]
mod testrand;
mod verdict;

pub use app::run;
pub use cli::Cli;

/// The checks the `cargo fuzz` targets (fuzz/) run: each panics if an invariant of that
/// parser breaks. Not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::extract::decode::self_check as decoders;
    pub use crate::extract::literal::self_check as literal;
    pub use crate::extract::nginx::self_check as nginx;
    pub use crate::extract::self_check as documents;
    pub use crate::extract::sql::self_check as sql;
    pub use crate::extract::template::self_check as templates;
    pub use crate::extract::tokens::literals_self_check as literals;
    pub use crate::extract::tokens::self_check as ring_stream;
    pub use crate::extract::tokens::wrapped_self_check as wrapped;
    pub use crate::ring::self_check as ring_file;
    /// The keyword prefilter, the long-run finder and the capture-name scan.
    pub fn scanners(data: &[u8]) {
        crate::extract::rules::keywords::self_check(data);
        crate::extract::runs::self_check(data);
    }
}
