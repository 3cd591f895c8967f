//! Command line: arguments are checked once into a configuration, then the pure stages
//! run. This module and the reporters are the only places that talk to the user.

use crate::error::{Error, Result};
use crate::extract::rules::RuleSet;
use crate::extract::Extractors;
use crate::finding::Verdict;
use crate::gate;
use crate::hook;
use crate::ignorefile::Ignores;
use crate::read::parse_size;
use crate::report::{self, OutputFormat, Report, TextStyle};
use crate::ring::{KeyState, Ring};
use crate::ringcmd::{self, RingDoc};
use crate::scan::{self, ScanOptions, ScanOutcome};
use crate::secret::Secret;
use crate::staged::{self, StagedOptions};
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
    /// CI gate before rotating SERVICE: fails (exit 1) when a consumer of SERVICE would
    /// be left on an old key, or data would stay encrypted under one
    Gate(GateArgs),
    /// Manage the key ring (fingerprints and rotation states, never keys)
    Ring(RingArgs),
    /// Print the fingerprint (sha256:…) of the key read from stdin
    Fingerprint(FingerprintArgs),
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
    /// Add the secret-like variables of a .env file as keys of SERVICE (id SERVICE/VAR)
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

/// Runs the command line and returns the process exit code.
#[allow(clippy::print_stderr)]
pub fn main() -> i32 {
    // An empty STALEKEY_RING means "not set" (as with NO_COLOR), not an empty --ring.
    if std::env::var_os("STALEKEY_RING").is_some_and(|v| v.is_empty()) {
        std::env::remove_var("STALEKEY_RING");
    }
    // A bug must not print the text it was parsing (a str slicing panic quotes it, and
    // it may be a secret): say where, not what.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("stalekey: internal error{at} (a bug: please report it)");
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Gate(args) => run_gate(args),
        Command::Ring(args) => run_ring(args),
        Command::Fingerprint(args) => run_fingerprint(args),
        Command::InstallHook(args) => run_install_hook(args),
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
    /// `--staged`: scan the git index instead of walking the paths.
    pub staged: bool,
    /// Warnings found while configuring (malformed ignore-file lines).
    pub warnings: Vec<String>,
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
            // `.stalekey/ring.json` rather than `./.stalekey/ring.json` in reports.
            let default = if first_root == Path::new(".") {
                PathBuf::from(".stalekey/ring.json")
            } else {
                first_root.join(".stalekey").join("ring.json")
            };
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
            let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
            if meta.is_dir() {
                std::fs::read_dir(p).map_err(|e| Error::io(p, e))?;
            } else if meta.is_file() {
                std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
            }
            // A pipe (`<(...)`) is not opened here: that would consume or block it.
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
        let (ignores, warnings) = if args.staged {
            let root = staged::repo_root()?;
            Ignores::load_file(&root.join(crate::ignorefile::IGNORE_FILE))
        } else {
            Ignores::load(&args.paths)
        };
        let exclude = ring
            .path
            .iter()
            .map(PathBuf::from)
            .chain(ignores.files.iter().cloned())
            .collect();
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
                ignores,
                nginx_prefix: args.nginx_prefix,
            },
            ring,
            rules,
            format: match args.format {
                FormatArg::Text => OutputFormat::Text,
                FormatArg::Json => OutputFormat::Json,
                FormatArg::Sarif => OutputFormat::Sarif,
                FormatArg::Github => OutputFormat::Github,
            },
            output: args.output,
            fail_on: parse_fail_on(args.fail_on.as_deref())?,
            color,
            staged: args.staged,
            warnings,
        })
    }
}

/// Runs the pipeline over the walked paths, or over the staged blobs with `--staged`.
#[allow(clippy::print_stderr)]
fn collect(
    options: &ScanOptions,
    staged: bool,
    warnings: &[String],
    extractors: &Extractors,
    ring: &Ring,
) -> Result<ScanOutcome> {
    for w in warnings {
        eprintln!("stalekey: warning: {w}");
    }
    let outcome = if staged {
        let opts = StagedOptions {
            pathspecs: options.walk.roots.clone(),
            max_filesize: options.max_filesize,
            threads: options.walk.threads,
            exclude: options.walk.exclude.clone(),
            ignores: options.ignores.clone(),
        };
        staged::scan_staged(&opts, extractors, ring)?
    } else {
        scan::scan(options, extractors, ring)
    };
    for w in &outcome.warnings {
        eprintln!("stalekey: warning: {w}");
    }
    Ok(outcome)
}

fn run_scan(args: ScanArgs) -> Result<i32> {
    let config = ScanConfig::from_args(args)?;
    let extractors = Extractors::new(config.rules, &config.ring);
    let outcome = collect(
        &config.options,
        config.staged,
        &config.warnings,
        &extractors,
        &config.ring,
    )?;
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

fn run_gate(args: GateArgs) -> Result<i32> {
    if args.scan.fail_on.is_some() {
        return Err(Error::Usage(
            "gate: --fail-on applies to scan; the gate fails on the consumers the rotation would leave behind".into(),
        ));
    }
    let config = ScanConfig::from_args(args.scan)?;
    if config.format == OutputFormat::Sarif {
        return Err(Error::Usage(
            "gate: --format must be text, json or github (SARIF is for scan)".into(),
        ));
    }
    let rotation = gate::simulate(
        &config.ring,
        &args.rotate,
        args.to.as_deref(),
        args.finalize,
    )?;
    let extractors = Extractors::new(config.rules, &config.ring);
    let outcome = collect(
        &config.options,
        config.staged,
        &config.warnings,
        &extractors,
        &config.ring,
    )?;
    let result = gate::judge_rotation(&outcome.findings, &rotation);
    let report = Report {
        ring_path: config.ring.path.as_deref(),
        ring_keys: config.ring.len(),
        stats: &outcome.stats,
        findings: &outcome.findings,
        fail_on: &config.fail_on,
    };
    let style = TextStyle {
        color: config.color,
    };
    write_output(config.output.as_deref(), |out| match config.format {
        OutputFormat::Json => {
            report::json::write_with(&report, Some(&report::gate::json_section(&result)), out)
        }
        OutputFormat::Github => report::gate::write_github(&result, out),
        _ => report::gate::write_text(&result, &outcome.stats, &style, out),
    })?;
    Ok(if result.passes() { 0 } else { 1 })
}

fn ring_path(explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| PathBuf::from(ringcmd::DEFAULT_RING))
}

#[allow(clippy::print_stderr)]
fn run_ring(args: RingArgs) -> Result<i32> {
    let path = ring_path(args.ring);
    match args.command {
        RingCommand::Add(add) => {
            let mut bytes = match &add.from_env {
                Some(var) => key_from_env(var)?,
                None => {
                    if std::io::stdin().is_terminal() {
                        return Err(Error::Usage(
                            "ring add: pipe the key in (printf %s \"$KEY\" | stalekey ring add ...) or use --from-env VAR: a key typed on a terminal would be echoed".into(),
                        ));
                    }
                    let mut b = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut b)
                        .map_err(|e| Error::io("stdin", e))?;
                    if add.strip_newline {
                        strip_one_newline(&mut b);
                    } else if b.ends_with(b"\n") {
                        eprintln!("stalekey: warning: {}: the key read from stdin ends with a newline, which is part of the key (use --strip-newline, or printf %s \"$KEY\" |)", add.id);
                    }
                    b
                }
            };
            if bytes.is_empty() {
                return Err(Error::Usage(format!(
                    "ring add: no key on {}",
                    match &add.from_env {
                        Some(var) => format!("${var}"),
                        None =>
                            "stdin (pipe it in: printf %s \"$KEY\" | stalekey ring add ...)".into(),
                    }
                )));
            }
            let secret = Secret::new(std::mem::take(&mut bytes));
            let mut doc = RingDoc::open(&path, true)?;
            let warnings = doc.add(
                ringcmd::NewKey {
                    id: add.id.clone(),
                    service: add.service.clone(),
                    state: add.state,
                    created: ringcmd::today(),
                    note: add.note,
                },
                &secret,
            )?;
            for w in warnings {
                eprintln!("stalekey: warning: {w}");
            }
            doc.save()?;
            let fp = secret.fingerprint();
            write_output(None, |out| {
                writeln!(
                    out,
                    "added {} (service {}, {}, {fp}, {} bytes) to {}",
                    add.id,
                    add.service,
                    add.state,
                    secret.len(),
                    path.display()
                )
            })?;
        }
        RingCommand::List => {
            let doc = RingDoc::open(&path, false)?;
            write_output(None, |out| ring_table(&doc, out))?;
        }
        RingCommand::SetState { id, state } => {
            let mut doc = RingDoc::open(&path, false)?;
            let from = doc.set_state(&id, state)?;
            doc.save()?;
            write_output(None, |out| {
                writeln!(out, "{id}: {from} → {state} in {}", path.display())
            })?;
        }
        RingCommand::Import {
            file,
            service,
            state,
        } => {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            let shown = file.display().to_string();
            let (vars, warnings) = ringcmd::parse_dotenv(&text, &shown);
            for w in warnings {
                eprintln!("stalekey: warning: {w}");
            }
            let mut doc = RingDoc::open(&path, true)?;
            let mut added = Vec::new();
            for var in &vars {
                if let ringcmd::ImportDecision::Skip(why) = ringcmd::import_decision(var) {
                    eprintln!(
                        "stalekey: note: {shown}:{}: {} not imported: {why}",
                        var.line, var.name
                    );
                    continue;
                }
                let id = format!("{service}/{}", var.name);
                let warnings = doc.add(
                    ringcmd::NewKey {
                        id: id.clone(),
                        service: service.clone(),
                        state,
                        created: ringcmd::today(),
                        note: Some(format!("imported from {}", var.name)),
                    },
                    &var.value,
                )?;
                for w in warnings {
                    eprintln!("stalekey: warning: {w}");
                }
                added.push(id);
            }
            if added.is_empty() {
                return Err(Error::Usage(format!(
                    "ring import: {shown}: no secret-like variable to import"
                )));
            }
            doc.save()?;
            write_output(None, |out| {
                writeln!(
                    out,
                    "imported {} keys of {service} ({state}) into {}: {}",
                    added.len(),
                    path.display(),
                    added.join(", ")
                )
            })?;
        }
    }
    Ok(0)
}

fn key_from_env(var: &str) -> Result<Vec<u8>> {
    match std::env::var_os(var) {
        Some(v) => Ok(os_bytes(v)),
        None => Err(Error::Usage(format!(
            "ring add: --from-env: ${var} is not set"
        ))),
    }
}

#[cfg(unix)]
fn os_bytes(v: std::ffi::OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    v.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(v: std::ffi::OsString) -> Vec<u8> {
    v.to_string_lossy().into_owned().into_bytes()
}

fn strip_one_newline(bytes: &mut Vec<u8>) {
    if bytes.ends_with(b"\r\n") {
        bytes.truncate(bytes.len() - 2);
    } else if bytes.ends_with(b"\n") {
        bytes.pop();
    }
}

fn ring_table(doc: &RingDoc, out: &mut dyn Write) -> std::io::Result<()> {
    let header = [
        "ID",
        "SERVICE",
        "STATE",
        "CREATED",
        "LENGTH",
        "FINGERPRINT",
        "NOTE",
    ];
    let rows: Vec<[String; 7]> = doc
        .entries()
        .iter()
        .map(|e| {
            [
                e.id.clone(),
                e.service.clone(),
                e.state.clone(),
                e.created.clone().unwrap_or_else(|| "-".into()),
                e.length.map_or_else(|| "-".into(), |l| l.to_string()),
                format!("{}…", &e.fingerprint[..e.fingerprint.len().min(19)]),
                e.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(c);
            } else {
                text.push_str(&format!("{c:<w$}  "));
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(&header.map(String::from)))?;
    for r in &rows {
        writeln!(out, "{}", line(r))?;
    }
    if rows.is_empty() {
        writeln!(out, "(no keys: add one with `stalekey ring add`)")?;
    }
    Ok(())
}

#[allow(clippy::print_stderr)]
fn run_install_hook(args: InstallHookArgs) -> Result<i32> {
    let (verb, path) = match hook::install(args.force)? {
        hook::Installed::Created(p) => ("installed", p),
        hook::Installed::Updated(p) => ("updated", p),
        hook::Installed::Replaced(p) => ("replaced the existing hook with", p),
    };
    write_output(None, |out| {
        writeln!(
            out,
            "{verb} {}: `git commit` now runs `stalekey scan --staged`",
            path.display()
        )
    })?;
    Ok(0)
}
