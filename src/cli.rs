//! The command line: clap declarations, and the check that turns a scan's arguments into
//! [`ScanSettings`] once (as ripgrep's flags become `HiArgs`). Nothing here reads a file
//! or runs a command: that is `app/`.

use crate::error::{Error, Result};
use crate::finding::{FailOn, Verdict};
use crate::pipeline::read::parse_size;
use crate::report::OutputFormat;
use crate::ring::KeyState;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Default `--max-filesize`: larger files are skipped (and counted), SQL dumps excepted.
pub(crate) const DEFAULT_MAX_FILESIZE: &str = "20M";

#[derive(Parser)]
#[command(
    name = "stalekey",
    version,
    about = "Find every consumer of a secret key before you rotate it"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Report every consumer of a key under PATH (default: .)
    Scan(ScanArgs),
    /// CI gate before rotating SERVICE: fails (exit 1) when a consumer of SERVICE would
    /// be left on an old key, or data would stay encrypted under one
    Gate(GateArgs),
    /// Manage the key ring (fingerprints and rotation states, never keys)
    Ring(RingArgs),
    /// Print the fingerprint (sha256:…) of the key read from stdin
    Fingerprint(FingerprintArgs),
    /// Check or list the detection rules (built-in, plus DIR's *.toml)
    Rules(RulesArgs),
    /// Install a git pre-commit hook that runs `stalekey scan --staged`
    InstallHook(InstallHookArgs),
}

#[derive(Args)]
pub struct GateArgs {
    /// The service about to rotate: its active key becomes a fallback, its pending key
    /// (the new one) becomes active
    #[arg(long, value_name = "SERVICE")]
    pub rotate: String,
    /// Simulate the end of the grace period too: fallback keys are retired
    #[arg(long)]
    pub finalize: bool,
    /// The pending key that becomes active (default: the service's only pending key)
    #[arg(long, value_name = "ID")]
    pub to: Option<String>,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Args)]
pub struct RingArgs {
    /// Key ring file [default: .stalekey/ring.json]
    #[arg(long, env = "STALEKEY_RING", value_name = "FILE", global = true)]
    pub ring: Option<PathBuf>,
    #[command(subcommand)]
    pub command: RingCommand,
}

#[derive(Subcommand)]
pub enum RingCommand {
    /// Add a key: read from stdin (or --from-env VAR), never from an argument; only its
    /// fingerprint and length are written
    Add(RingAddArgs),
    /// List the ring's keys
    List,
    /// Move a key along its lifecycle: pending → active → fallback → retired; revoked
    /// from any state
    SetState {
        id: String,
        #[arg(value_parser = parse_state)]
        state: KeyState,
    },
    /// Remove a key from the ring (its consumers become untracked)
    Rm { id: String },
    /// Add the secret-like variables of a .env file as keys of SERVICE (id SERVICE/VAR);
    /// keys already in the ring are skipped, so importing twice changes nothing
    Import {
        file: PathBuf,
        #[arg(long)]
        service: String,
        #[arg(long, value_parser = parse_state, default_value = "active")]
        state: KeyState,
    },
}

#[derive(Args)]
pub struct RingAddArgs {
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub service: String,
    #[arg(long, value_parser = parse_state)]
    pub state: KeyState,
    /// Read the key from this environment variable instead of stdin
    #[arg(long, value_name = "VAR")]
    pub from_env: Option<String>,
    /// Strip one trailing newline (\n or \r\n) from stdin
    #[arg(long)]
    pub strip_newline: bool,
    /// Free text kept with the key
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Check every rule against its examples, as a scan runs it (exit 1 on a failure)
    Check {
        /// Extra rule files (*.toml) to check with the built-in rules
        dir: Option<PathBuf>,
    },
    /// List the rules: id, confidence, kind, formats, file
    List {
        /// Extra rule files (*.toml) to list with the built-in rules
        dir: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct InstallHookArgs {
    /// Replace a pre-commit hook that stalekey did not write
    #[arg(long)]
    pub force: bool,
}

fn parse_state(text: &str) -> std::result::Result<KeyState, String> {
    KeyState::parse(text).ok_or_else(|| {
        format!("unknown state {text:?} (expected pending, active, fallback, retired or revoked)")
    })
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories to scan
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Key ring [default: .stalekey/ring.json in the scanned path's directory or the
    /// nearest one above it, up to the git top-level]
    #[arg(long, env = "STALEKEY_RING", value_name = "FILE")]
    pub ring: Option<PathBuf>,
    /// Exit 2 when no key ring is found, instead of warning
    #[arg(long)]
    pub require_ring: bool,
    /// Exit 2 when any file could not be read at all (a gate that must be complete)
    #[arg(long)]
    pub strict: bool,
    /// Extra rule files (*.toml) added to the built-in rules
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Verdicts that make the scan fail (exit 1), comma-separated, or `none`
    /// [default: compromised,stale,expiring,pinned,untracked]
    #[arg(long, value_delimiter = ',', value_name = "VERDICT,...")]
    pub fail_on: Option<Vec<String>>,
    /// Worker threads (default: number of CPUs; at most 4 per CPU)
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Scan hidden files and directories
    #[arg(long)]
    pub hidden: bool,
    /// Do not honour .gitignore, .ignore and git excludes
    #[arg(long)]
    pub no_ignore: bool,
    /// Skip files larger than this (K, M, G suffixes); SQL dumps are exempt
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_FILESIZE)]
    pub max_filesize: String,
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Scan what is staged in git (what `git commit` would record), not the working
    /// tree; PATHs become pathspecs and reports show paths from the repository root
    #[arg(long)]
    pub staged: bool,
    /// Directory nginx `include` paths are relative to (default: the directory of the
    /// top nginx.conf found in the scan)
    #[arg(long, value_name = "DIR")]
    pub nginx_prefix: Option<PathBuf>,
}

#[derive(Args)]
pub struct FingerprintArgs {
    /// Strip one trailing newline (\n or \r\n) from stdin before hashing
    #[arg(long)]
    pub strip_newline: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// A scan's arguments, checked: every value parsed, nothing read yet.
pub struct ScanSettings {
    pub fail_on: FailOn,
    pub max_filesize: u64,
    pub threads: usize,
    pub format: OutputFormat,
    /// `--color`, resolved against `NO_COLOR` and whether stdout is a terminal.
    pub color: bool,
    /// What was adjusted (a `--threads` over the cap), for a warning.
    pub notes: Vec<String>,
}

impl ScanArgs {
    /// Checks the arguments that need no file: a bad value is an error naming its option.
    pub fn settings(&self, stdout_is_terminal: bool, no_color: bool) -> Result<ScanSettings> {
        let max_filesize = parse_size(&self.max_filesize)
            .map_err(|e| Error::Usage(format!("--max-filesize: {e}")))?;
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let cap = (cpus * 4).clamp(4, 256);
        let mut notes = Vec::new();
        let threads = match self.threads {
            Some(0) => return Err(Error::Usage("--threads must be at least 1".into())),
            Some(n) if n > cap => {
                notes.push(format!(
                    "--threads {n} is more than 4 per CPU ({cpus} CPUs): using {cap}"
                ));
                cap
            }
            Some(n) => n,
            None => cpus,
        };
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => self.output.is_none() && !no_color && stdout_is_terminal,
        };
        Ok(ScanSettings {
            fail_on: parse_fail_on(self.fail_on.as_deref())?,
            max_filesize,
            threads,
            format: match self.format {
                FormatArg::Text => OutputFormat::Text,
                FormatArg::Json => OutputFormat::Json,
                FormatArg::Sarif => OutputFormat::Sarif,
                FormatArg::Github => OutputFormat::Github,
            },
            color,
            notes,
        })
    }
}

/// `--fail-on`: verdicts, comma-separated, or `none`; absent: scan's default.
pub(crate) fn parse_fail_on(values: Option<&[String]>) -> Result<FailOn> {
    let Some(values) = values else {
        return Ok(FailOn::default_for_scan());
    };
    let mut out = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if v == "none" {
            continue;
        }
        let verdict = Verdict::parse(v).ok_or_else(|| {
            let all: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
            Error::Usage(format!(
                "--fail-on: unknown verdict {v:?} (expected {} or none)",
                all.join(", ")
            ))
        })?;
        out.push(verdict);
    }
    Ok(FailOn::new(out))
}
