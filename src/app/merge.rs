//! `stalekey merge REPORT…` and the reports `gate --reports` reads.

use super::output::write_output;
use super::Outcome;
use crate::error::{Error, Result};
use crate::pipeline::ScanOutcome;
use crate::report::merge;
use crate::ring::Ring;
use std::path::{Path, PathBuf};

fn read_all(files: &[PathBuf]) -> Result<Vec<merge::Input>> {
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
            Ok((f.display().to_string(), text))
        })
        .collect()
}

pub(super) fn run(reports: &[PathBuf], output: Option<&Path>) -> Result<Outcome> {
    let inputs = read_all(reports)?;
    let mut result = Ok(());
    write_output(output, |out| match merge::merge_to(&inputs, out) {
        Ok(written) => written,
        Err(e) => {
            result = Err(e);
            Ok(())
        }
    })?;
    result.map(|()| Outcome::Pass)
}

/// The scan outcome the reports hold, for a gate; they must be of `ring`.
pub(super) fn outcome(reports: &[PathBuf], ring: &Ring) -> Result<ScanOutcome> {
    let (findings, stats, digest) = merge::read_back(&read_all(reports)?)?;
    let want = ring.digest.map(|d| d.to_string());
    if digest != want {
        return Err(Error::Usage(format!(
            "gate --reports: the reports were made with another key ring than {} (ring digest {} vs {})",
            ring.path.as_deref().unwrap_or("the ring"),
            digest.as_deref().unwrap_or("none"),
            want.as_deref().unwrap_or("none")
        )));
    }
    Ok(ScanOutcome {
        findings,
        stats,
        warnings: Vec::new(),
    })
}
