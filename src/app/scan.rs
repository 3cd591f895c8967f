//! `stalekey scan`: report every consumer; fail on the verdicts of `--fail-on`.

use super::config::ScanConfig;
use super::output::write_output;
use super::Outcome;
use crate::cli::ScanArgs;
use crate::error::Result;
use crate::report::{self, Report};

pub(super) fn run(args: ScanArgs) -> Result<Outcome> {
    let config = ScanConfig::load(args.input, args.format.format(), args.fail_on)?;
    let outcome = config.scan()?;
    let s = &config.settings;
    let report = Report {
        ring_path: config.ring.path.as_deref(),
        ring_keys: config.ring.len(),
        stats: &outcome.stats,
        findings: &outcome.findings,
        fail_on: &s.fail_on,
        uri_prefix: &config.uri_prefix(),
    };
    let reporter = report::reporter(s.format, s.color);
    write_output(config.output.as_deref(), |out| reporter.scan(&report, out))?;
    if let Some(path) = &config.output {
        super::summary(format!(
            "{} findings, {} failing, in {} files: report written to {}",
            report.findings.len(),
            report.failing(),
            report.stats.files + report.stats.ring_only,
            path.display()
        ));
    }
    Ok(Outcome::of(report.failing() > 0))
}
