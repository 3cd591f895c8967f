//! Command line: arguments are checked once into a configuration, then the pure stages
//! run. This module and the reporters are the only places that talk to the user.

use crate::error::{Error, Result};
use crate::extract::rules::RuleSet;
use crate::extract::Extractors;
use crate::finding::Verdict;
use crate::read::parse_size;
use crate::report::{self, OutputFormat, Report, TextStyle};
use crate::ring::Ring;
use crate::scan::{self, ScanOptions};
use crate::secret::Secret;
use crate::walk::WalkOptions;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// Default `--max-filesize`: larger files are skipped (and counted), SQL dumps excepted.
pub const DEFAULT_MAX_FILESIZE: &str = "20M";

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
    /// Print the fingerprint (sha256:…) of the key read from stdin
    Fingerprint(FingerprintArgs),
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories to scan
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Key ring (default: .stalekey/ring.json under the first PATH)
    #[arg(long, env = "STALEKEY_RING", value_name = "FILE")]
    pub ring: Option<PathBuf>,
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
    /// Worker threads (default: number of CPUs)
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
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Runs the command line and returns the process exit code.
#[allow(clippy::print_stderr)]
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Fingerprint(args) => run_fingerprint(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stalekey: error: {e}");
            2
        }
    }
}

/// A validated scan configuration.
pub struct ScanConfig {
    pub options: ScanOptions,
    pub ring: Ring,
    pub rules: RuleSet,
    pub format: OutputFormat,
    pub output: Option<PathBuf>,
    pub fail_on: Vec<Verdict>,
    pub color: bool,
}

pub fn parse_fail_on(values: Option<&[String]>) -> Result<Vec<Verdict>> {
    let Some(values) = values else {
        return Ok(Verdict::ALL
            .into_iter()
            .filter(|v| v.fails_by_default())
            .collect());
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
    Ok(out)
}

/// Loads the ring: `--ring`/`STALEKEY_RING` must exist; the default may be absent.
pub fn load_ring(explicit: Option<&Path>, first_root: &Path) -> Result<Ring> {
    match explicit {
        Some(path) => Ring::load(path),
        None => {
            let default = first_root.join(".stalekey").join("ring.json");
            if first_root.is_dir() && default.exists() {
                Ring::load(&default)
            } else {
                Ok(Ring::empty())
            }
        }
    }
}

impl ScanConfig {
    pub fn from_args(args: ScanArgs) -> Result<ScanConfig> {
        for p in &args.paths {
            std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
            if p.is_dir() {
                std::fs::read_dir(p).map_err(|e| Error::io(p, e))?;
            } else {
                std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
            }
        }
        if let Some(dir) = &args.nginx_prefix {
            if !dir.is_dir() {
                return Err(Error::Usage(format!(
                    "--nginx-prefix {}: not a directory",
                    dir.display()
                )));
            }
        }
        let ring = load_ring(args.ring.as_deref(), &args.paths[0])?;
        let rules = match &args.rules {
            Some(dir) => RuleSet::with_extra_dir(dir)?,
            None => RuleSet::embedded()?,
        };
        let max_filesize = parse_size(&args.max_filesize)
            .map_err(|e| Error::Usage(format!("--max-filesize: {e}")))?;
        let threads = match args.threads {
            Some(0) => return Err(Error::Usage("--threads must be at least 1".into())),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => args.output.is_none() && !no_color && std::io::stdout().is_terminal(),
        };
        let exclude = ring.path.iter().map(PathBuf::from).collect();
        Ok(ScanConfig {
            options: ScanOptions {
                walk: WalkOptions {
                    roots: args.paths,
                    hidden: args.hidden,
                    no_ignore: args.no_ignore,
                    threads,
                    exclude,
                },
                max_filesize: Some(max_filesize),
                nginx_prefix: args.nginx_prefix,
            },
            ring,
            rules,
            format: match args.format {
                FormatArg::Text => OutputFormat::Text,
                FormatArg::Json => OutputFormat::Json,
            },
            output: args.output,
            fail_on: parse_fail_on(args.fail_on.as_deref())?,
            color,
        })
    }
}

#[allow(clippy::print_stderr)]
fn run_scan(args: ScanArgs) -> Result<i32> {
    let config = ScanConfig::from_args(args)?;
    let extractors = Extractors::new(config.rules, &config.ring);
    let outcome = scan::scan(&config.options, &extractors, &config.ring);
    for w in &outcome.warnings {
        eprintln!("stalekey: warning: {w}");
    }
    let report = Report {
        ring_path: config.ring.path.as_deref(),
        ring_keys: config.ring.len(),
        stats: &outcome.stats,
        findings: &outcome.findings,
        fail_on: &config.fail_on,
    };
    write_output(config.output.as_deref(), |out| {
        report::write(
            &report,
            config.format,
            &TextStyle {
                color: config.color,
            },
            out,
        )
    })?;
    Ok(if report.failing() > 0 { 1 } else { 0 })
}

/// Writes to `--output FILE` or stdout.
pub fn write_output(
    path: Option<&Path>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(p) => {
            let file = std::fs::File::create(p).map_err(|e| Error::io(p, e))?;
            let mut w = std::io::BufWriter::new(file);
            f(&mut w)
                .and_then(|_| w.flush())
                .map_err(|e| Error::io(p, e))
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            match f(&mut w).and_then(|_| w.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| Error::io("stdout", e)),
            }
        }
    }
}

fn run_fingerprint(args: FingerprintArgs) -> Result<i32> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("stdin", e))?;
    if args.strip_newline {
        if bytes.ends_with(b"\r\n") {
            bytes.truncate(bytes.len() - 2);
        } else if bytes.ends_with(b"\n") {
            bytes.pop();
        }
    }
    if bytes.is_empty() {
        return Err(Error::Usage("fingerprint: no key on stdin".into()));
    }
    let fp = Secret::new(bytes).fingerprint();
    write_output(None, |out| writeln!(out, "{fp}"))?;
    Ok(0)
}
