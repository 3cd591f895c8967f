//! stalekey: find every consumer of a secret key before you rotate it.
//!
//! The pipeline, one module per stage: [`walk`] (paths) → [`read`] (bytes, format) →
//! [`extract`] (candidates) → [`matcher`] (fingerprint, ring key) → [`judge`] (verdict,
//! severity) → [`report`] (text, JSON). [`scan`] drives it; [`cli`] is the command line.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod error;
pub mod extract;
pub mod finding;
pub mod format;
pub mod gate;
pub mod hook;
pub mod ignorefile;
pub mod judge;
pub mod matcher;
pub mod plausible;
pub mod read;
pub mod report;
pub mod ring;
pub mod ringcmd;
pub mod scan;
pub mod secret;
pub mod staged;
pub mod walk;
