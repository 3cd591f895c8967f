//! `stalekey fingerprint`: the fingerprint of the key on stdin (for a ring entry made by
//! hand, or to check one).

use super::output::write_output;
use super::ring::strip_one_newline;
use super::Outcome;
use crate::cli::FingerprintArgs;
use crate::error::{Error, Result};
use crate::secret::Secret;
use std::io::Read;

pub(super) fn run(args: FingerprintArgs) -> Result<Outcome> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("stdin", e))?;
    if args.strip_newline {
        strip_one_newline(&mut bytes);
    }
    if bytes.is_empty() {
        return Err(Error::Usage("fingerprint: no key on stdin".into()));
    }
    let fp = Secret::new(bytes).fingerprint();
    write_output(None, |out| writeln!(out, "{fp}"))?;
    Ok(Outcome::Pass)
}
