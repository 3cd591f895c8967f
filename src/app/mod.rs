//! The command flows, one file each, and the exit-code policy: `0` nothing fails, `1`
//! findings (or a failing gate) that fail, `2` an error that stopped the command.
//! `main.rs` parses the arguments and calls [`run`]; the flows read `cli`'s types.

mod config;
mod fingerprint;
mod gate;
mod hook;
mod merge;
mod output;
mod project;
mod ring;
mod rules;
mod scan;

use crate::cli::{Cli, Command};
use crate::error::Result;
use crate::report;
use crate::terminal::safe;

/// How a command ended, when it did not fail with an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing that fails the run.
    Pass,
    /// Findings that fail the run (`--fail-on`), a gate that fails, rules that fail.
    Fail,
}

impl Outcome {
    fn of(failing: bool) -> Self {
        if failing {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }
}

/// The process exit code of a command's result.
pub(crate) fn exit_code(result: &Result<Outcome>) -> i32 {
    match result {
        Ok(Outcome::Pass) => 0,
        Ok(Outcome::Fail) => 1,
        Err(_) => 2,
    }
}

/// Runs a parsed command line and returns the process exit code.
#[allow(clippy::print_stderr)]
pub fn run(cli: Cli) -> i32 {
    // A bug must not print the text it was parsing (a str slicing panic quotes it, and
    // it may be a secret): say where, not what.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("stalekey: internal error{at} (a bug: please report it)");
    }));
    let result = match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Gate(args) => gate::run(args),
        Command::Ring(args) => ring::run(args),
        Command::Merge { reports, output } => merge::run(&reports, output.as_deref()),
        Command::Fingerprint(args) => fingerprint::run(args),
        Command::Rules(args) => rules::run(args),
        Command::InstallHook(args) => hook::run(args),
        Command::Completions { shell } => {
            // Generated into memory: the generator panics on a closed pipe.
            let mut script = Vec::new();
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "stalekey", &mut script);
            output::write_output(None, |out| out.write_all(&script)).map(|()| Outcome::Pass)
        }
        Command::Man => output::write_output(None, |out| {
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(out)
        })
        .map(|()| Outcome::Pass),
    };
    if let Err(e) = &result {
        eprintln!("stalekey: error: {}", safe(&e.to_string()));
    }
    exit_code(&result)
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `-q`: warnings, notes, progress and summaries stay off stderr (errors do not).
fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Prints warnings on stderr, one line each (they never hold a secret; what a scanned
/// file controls in them is escaped).
fn warn(lines: impl IntoIterator<Item = impl std::fmt::Display>) {
    warn_as(false, lines);
}

/// [`warn`], or with `github` as GitHub workflow commands (`::warning::…`, escaped as
/// `--format github` escapes its annotations).
#[allow(clippy::print_stderr)]
fn warn_as(github: bool, lines: impl IntoIterator<Item = impl std::fmt::Display>) {
    if quiet() {
        return;
    }
    for w in lines {
        let text = w.to_string();
        if github {
            eprintln!("::warning title=stalekey::{}", report::escape_data(&text));
        } else {
            eprintln!("stalekey: warning: {}", safe(&text));
        }
    }
}

static PROGRESS_SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Rewrites the progress line on stderr (a terminal).
#[allow(clippy::print_stderr)]
fn progress(text: &str) {
    PROGRESS_SHOWN.store(true, std::sync::atomic::Ordering::Relaxed);
    eprint!("\r\x1b[Kstalekey: {text}");
}

/// Clears the progress line, if one was shown.
#[allow(clippy::print_stderr)]
fn progress_done() {
    if PROGRESS_SHOWN.swap(false, std::sync::atomic::Ordering::Relaxed) {
        eprint!("\r\x1b[K");
    }
}

/// A one-line summary on stderr after a report went to `--output`.
#[allow(clippy::print_stderr)]
fn summary(line: impl std::fmt::Display) {
    if !quiet() {
        eprintln!("stalekey: {}", safe(&line.to_string()));
    }
}

/// Prints a note on stderr.
#[allow(clippy::print_stderr)]
fn note(line: impl std::fmt::Display) {
    if quiet() {
        return;
    }
    eprintln!("stalekey: note: {}", safe(&line.to_string()));
}
