//! `stalekey scan`: report every consumer; fail on the verdicts of `--fail-on`.

use super::config::ScanConfig;
use super::output::write_output;
use super::Outcome;
use crate::cli::ScanArgs;
use crate::error::Result;
use crate::report::{self, Report};

pub(super) fn run(args: ScanArgs) -> Result<Outcome> {
    let config = ScanConfig::load(args)?;
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
    Ok(Outcome::of(report.failing() > 0))
}
