//! `stalekey scan`: report every consumer; fail on the verdicts of `--fail-on`.

use super::config::ScanConfig;
use super::Outcome;
use crate::cli::ScanArgs;
use crate::error::Result;

pub(super) fn run(args: ScanArgs) -> Result<Outcome> {
    let config = ScanConfig::load(args.input, args.format.format(), args.fail_on)?;
    let outcome = config.scan()?;
    let failing =
        config.write_report(&outcome, |reporter, report, out| reporter.scan(report, out))?;
    if let Some(path) = &config.output {
        super::summary(format!(
            "{} findings, {failing} failing, in {} files: report written to {}",
            outcome.findings.len(),
            outcome.stats.files + outcome.stats.ring_only,
            path.display()
        ));
    }
    config.finish();
    Ok(Outcome::of(failing > 0))
}
