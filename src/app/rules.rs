//! `stalekey rules check [DIR]` and `stalekey rules list [DIR]`.

use super::output::write_output;
use super::{warn, Outcome};
use crate::cli::{RulesArgs, RulesCommand};
use crate::error::Result;
use crate::extract::rules::RuleSet;
use crate::pipeline::rulecheck;
use crate::report;
use std::path::Path;

pub(super) fn run(args: RulesArgs) -> Result<Outcome> {
    match args.command {
        RulesCommand::Check { dir } => check(dir.as_deref()),
        RulesCommand::List { dir } => {
            let (set, _) = load(dir.as_deref())?;
            write_output(None, |out| report::rule_list(set.rules(), out))?;
            Ok(Outcome::Pass)
        }
    }
}

/// The built-in rules, plus DIR's files when given (then only those are checked).
fn load(dir: Option<&Path>) -> Result<(RuleSet, Vec<String>)> {
    match dir {
        Some(d) => RuleSet::with_extra_dir(d),
        None => Ok((RuleSet::embedded()?, Vec::new())),
    }
}

fn check(dir: Option<&Path>) -> Result<Outcome> {
    let (set, files) = load(dir)?;
    let failures = rulecheck::check(&set, &files);
    let checked = if files.is_empty() {
        set.rules().len()
    } else {
        set.rules()
            .iter()
            .filter(|r| files.contains(&r.file))
            .count()
    };
    warn(&failures);
    write_output(None, |out| {
        writeln!(
            out,
            "stalekey rules: {checked} rules checked, {} failing",
            failures.len()
        )
    })?;
    Ok(Outcome::of(!failures.is_empty()))
}
