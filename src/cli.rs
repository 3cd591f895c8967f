//! The command line: clap declarations, and the check that turns a scan's arguments into
//! [`ScanSettings`] once (as ripgrep's flags become `HiArgs`). Nothing here reads a file
//! or runs a command: that is `app/`.

use crate::error::{Error, Result};
use crate::finding::FailOn;
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
    /// Merge JSON reports (shards of one scan, or many repositories') into one
    Merge {
        /// The reports (made with the same ring)
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Write the merged report to FILE instead of stdout
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the fingerprint (sha256:…) of the key read from stdin
    Fingerprint(FingerprintArgs),
    /// Check or list the detection rules (built-in, plus DIR's *.toml)
    Rules(RulesArgs),
    /// Install a git pre-commit hook that runs `stalekey scan --staged`
    InstallHook(InstallHookArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these definitions
    Man,
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
    /// Report format
    #[arg(long, value_enum, default_value_t = GateFormatArg::Text)]
    pub format: GateFormatArg,
    /// Gate over these JSON scan reports instead of scanning
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub reports: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Args)]
pub struct RingArgs {
    /// Key ring file [default: the .stalekey/ring.json found from the current directory
    /// up to the git top-level, else a new one there]
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
    /// Check the keys against their services' rotation policy: active keys past
    /// max_age, fallback keys past grace, pending keys never activated (exit 1 if any)
    Check {
        #[arg(long, value_enum, default_value_t = CheckFormatArg::Text)]
        format: CheckFormatArg,
    },
    /// Move a key along its lifecycle: pending → active → fallback → retired; revoked
    /// from any state
    SetState {
        /// The key's id in the ring
        id: String,
        /// The state it moves to
        #[arg(value_parser = state_parser())]
        state: KeyState,
    },
    /// Remove a key from the ring (its consumers become untracked)
    Rm {
        /// The key's id in the ring
        id: String,
    },
    /// Add the secret-like variables of a .env file as keys of SERVICE (id SERVICE/VAR);
    /// keys already in the ring are skipped, so importing twice changes nothing
    Import {
        /// The .env file (NAME=value lines)
        file: PathBuf,
        /// The service the keys belong to
        #[arg(long)]
        service: String,
        /// The state the keys get
        #[arg(long, value_parser = state_parser(), default_value = "active")]
        state: KeyState,
    },
}

#[derive(Args)]
pub struct RingAddArgs {
    /// A unique id for the key, such as SERVICE/2026-11
    #[arg(long)]
    pub id: String,
    /// The service the key belongs to (what `gate --rotate` names)
    #[arg(long)]
    pub service: String,
    /// The key's place in its rotation
    #[arg(long, value_parser = state_parser())]
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

/// A key state, its possible values listed in `--help`.
fn state_parser() -> impl clap::builder::TypedValueParser<Value = KeyState> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(KeyState::ALL.map(KeyState::as_str))
        .map(|s| KeyState::parse(&s).expect("one of the listed states"))
}

#[derive(Args)]
pub struct ScanArgs {
    /// Report format
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Verdicts that make the scan fail (exit 1), comma-separated, or `none`
    /// [default: compromised,stale,expiring,pinned,untracked; also: reencrypt,
    /// reference]
    #[arg(long, value_delimiter = ',', value_name = "VERDICT,...")]
    pub fail_on: Option<Vec<String>>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// What scan and gate read and how.
#[derive(Args)]
pub struct InputArgs {
    /// Files or directories to scan (default: .); `-` reads one document from stdin
    pub paths: Vec<PathBuf>,
    /// With `-`: the path stdin is shown as, which also gives its format
    #[arg(long, value_name = "NAME")]
    pub stdin_name: Option<String>,
    /// Scan only part K of N of the files (a stable hash of each path; 1-based)
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// The report's source name (default: the git repository's directory name)
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Also scan the environment and command line of every readable process (Linux)
    #[arg(long = "proc", conflicts_with_all = ["staged", "history"])]
    pub procs: bool,
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
    /// Write the report to FILE instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// Colour the text report
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// No warnings, notes, progress or summary on stderr (errors still)
    #[arg(long, short)]
    pub quiet: bool,
    /// Scan what is staged in git (what `git commit` would record), not the working
    /// tree; PATHs become pathspecs and reports show paths from the repository root
    #[arg(long)]
    pub staged: bool,
    /// Scan every blob reachable from all refs of the repository at PATH (each distinct
    /// blob once), naming the commit that introduced each finding
    #[arg(long, conflicts_with = "staged")]
    pub history: bool,
    /// With --history: only what REF reaches
    #[arg(long, value_name = "REF", requires = "history")]
    pub branch: Option<String>,
    /// With --history: only commits after DATE (as git reads it: 2026-01-01, "2 weeks ago")
    #[arg(long, value_name = "DATE", requires = "history")]
    pub since: Option<String>,
    /// With --history: at most N commits
    #[arg(long, value_name = "N", requires = "history")]
    pub max_count: Option<u64>,
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

/// The formats a gate writes (SARIF is for scan results).
#[derive(Clone, Copy, ValueEnum)]
pub enum GateFormatArg {
    Text,
    Json,
    Github,
}

impl GateFormatArg {
    pub fn format(self) -> OutputFormat {
        match self {
            GateFormatArg::Text => OutputFormat::Text,
            GateFormatArg::Json => OutputFormat::Json,
            GateFormatArg::Github => OutputFormat::Github,
        }
    }
}

impl FormatArg {
    pub fn format(self) -> OutputFormat {
        match self {
            FormatArg::Text => OutputFormat::Text,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Sarif => OutputFormat::Sarif,
            FormatArg::Github => OutputFormat::Github,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CheckFormatArg {
    Text,
    Json,
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
    pub quiet: bool,
    /// What was adjusted (a `--threads` over the cap), for a warning.
    pub notes: Vec<String>,
}

impl InputArgs {
    /// Checks the arguments that need no file: a bad value is an error naming its option.
    pub fn settings(
        &self,
        format: OutputFormat,
        fail_on: FailOn,
        stdout_is_terminal: bool,
        no_color: bool,
    ) -> Result<ScanSettings> {
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
            fail_on,
            max_filesize,
            threads,
            format,
            color,
            quiet: self.quiet,
            notes,
        })
    }
}
