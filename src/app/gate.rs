//! `stalekey gate --rotate SERVICE`: scan, then judge the consumers of SERVICE under the
//! ring as the rotation would leave it; fail when one would be left behind.

use super::config::ScanConfig;
use super::Outcome;
use crate::cli::GateArgs;
use crate::error::{Error, Result};
use crate::verdict::rotation;

pub(super) fn run(args: GateArgs) -> Result<Outcome> {
    // A gate fails on what the rotation leaves behind: no --fail-on of its own.
    let config = ScanConfig::load(args.input, args.format.format(), Some(Vec::new()))?;
    if let Some(none) = &config.no_ring {
        return Err(Error::Usage(format!("gate: {none}")));
    }
    let rotation = rotation::simulate(
        &config.ring,
        &args.rotate,
        args.to.as_deref(),
        args.finalize,
    )?;
    let outcome = if args.reports.is_empty() {
        config.scan()?
    } else {
        super::merge::outcome(&args.reports, &config.ring)?
    };
    let result = rotation::judge_rotation(&outcome.findings, &rotation);
    config.write_report(&outcome, |reporter, report, out| {
        reporter.gate(report, &result, out)
    })?;
    if let Some(path) = &config.output {
        super::summary(format!(
            "gate {}: {} consumers of {} must change: report written to {}",
            if result.passes() { "passes" } else { "fails" },
            result.blocking(),
            result.rotation.service,
            path.display()
        ));
    }
    Ok(Outcome::of(!result.passes()))
}
