//! A scan's configuration, from its checked arguments: the ring, the rules, the ignore
//! files and the source, each read once and checked, before anything is scanned.

use super::output::write_output;
use super::project::{Project, PROJECT_FILE};
use super::{warn, warn_as};
use crate::cli::{InputArgs, ScanSettings};
use crate::error::{Error, Result};
use crate::extract::rules::RuleSet;
use crate::extract::Extractors;
use crate::finding::{FailOn, Verdict};
use crate::ignorefile::{Ignores, IGNORE_FILE};
use crate::pipeline::engine::Engine;
use crate::pipeline::history::History;
use crate::pipeline::procs::Procs;
use crate::pipeline::shard::{Shard, Sharded};
use crate::pipeline::source::Source;
use crate::pipeline::source::Sources;
use crate::pipeline::staged::GitIndex;
use crate::pipeline::stdin::Stdin;
use crate::pipeline::walk::{special_kind, Walk, WalkOptions};
use crate::pipeline::{self, git, rulecheck, DriverOptions, Progress, ScanOutcome};
use crate::report::{self, OutputFormat, Report, Reporter, SourceRef};
use crate::ring::discover::{discover, Discovery, RING_FILE};
use crate::ring::Ring;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Everything a scan runs with.
pub(super) struct ScanConfig {
    pub settings: ScanSettings,
    pub ring: Ring,
    extractors: Extractors,
    ignores: Ignores,
    source: Box<dyn Source>,
    driver: DriverOptions,
    pub output: Option<PathBuf>,
    /// The report's `source`.
    pub report_source: Option<SourceRef>,
    /// Set when no ring was found (and none was given).
    pub no_ring: Option<NoRing>,
    require_ring: bool,
    strict: bool,
}

impl ScanConfig {
    /// Ends a scan whose process ends next: the source is dropped as usual (its child
    /// processes and temporary files go), but the ring and the extractors are not freed
    /// entry by entry (a 100,000-key ring takes 10-15 ms to free).
    pub(super) fn finish(self) {
        let ScanConfig {
            ring, extractors, ..
        } = self;
        std::mem::forget((ring, extractors));
    }

    /// `fail_on`: `--fail-on` as given (else `.stalekey.toml`'s, else scan's default).
    pub(super) fn load(
        args: InputArgs,
        format: OutputFormat,
        fail_on: Option<Vec<String>>,
    ) -> Result<ScanConfig> {
        let mut args = args;
        if args.paths.is_empty() && !args.procs {
            args.paths.push(PathBuf::from("."));
        }
        let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
        if args.stdin_name.is_some() && !stdin {
            return Err(Error::Usage(
                "--stdin-name: only with `-` (stdin) among the paths".into(),
            ));
        }
        if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
            return Err(Error::Usage("`-` (stdin) can be given once".into()));
        }
        // Files and directories: not stdin.
        let files: Vec<PathBuf> = args
            .paths
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect();
        let starts = if args.staged || files.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            files.clone()
        };
        let project = Project::find(&starts[0])?;
        let fail_on = parse_fail_on(fail_on.or(project.fail_on.clone()).as_deref())?;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let settings = args.settings(format, fail_on, std::io::stdout().is_terminal(), no_color)?;
        super::set_quiet(settings.quiet);
        warn(&settings.notes);
        for p in &files {
            check_readable(p)?;
        }
        if let Some(dir) = &args.nginx_prefix {
            if !dir.is_dir() {
                return Err(Error::Usage(format!(
                    "--nginx-prefix {}: not a directory",
                    dir.display()
                )));
            }
        }
        let explicit_ring = args.ring.clone().or(project.ring.clone());
        let (ring, no_ring) = load_ring(explicit_ring.as_deref(), &starts)?;
        if let (Some(out), Some(ring_path)) = (&args.output, &ring.path) {
            let same = |a: &Path, b: &Path| {
                a.canonicalize()
                    .ok()
                    .is_some_and(|c| b.canonicalize().ok() == Some(c))
            };
            if same(out, Path::new(ring_path)) {
                return Err(Error::Usage(format!(
                    "--output {}: that is the key ring; write the report elsewhere",
                    out.display()
                )));
            }
        }
        let rules = match args.rules.as_ref().or(project.rules.as_ref()) {
            Some(dir) => {
                let (set, extra) = RuleSet::with_extra_dir(dir)?;
                // A user's rule must do what its examples say, as a scan runs it.
                if let Some(failure) = rulecheck::check(&set, &extra).into_iter().next() {
                    return Err(failure.into_error());
                }
                set
            }
            None => RuleSet::embedded()?,
        };
        let (ignores, warnings) = if args.staged {
            Ignores::load_file(&git::repo_root("--staged")?.join(IGNORE_FILE))
        } else {
            Ignores::load(&files)
        };
        warn(&warnings);
        let exclude: Vec<PathBuf> = ring
            .path
            .iter()
            .map(PathBuf::from)
            .chain(ignores.files.iter().cloned())
            .collect();
        let globs = exclude_globs(&project)?;
        let source: Box<dyn Source> = if args.history {
            if args.paths.len() > 1 {
                return Err(Error::Usage(
                    "--history: give one repository (PATH), not several".into(),
                ));
            }
            Box::new(History {
                dir: args.paths[0].clone(),
                branch: args.branch,
                since: args.since,
                max_count: args.max_count,
                max_filesize: Some(settings.max_filesize),
            })
        } else if args.staged {
            Box::new(GitIndex {
                pathspecs: args.paths,
                max_filesize: Some(settings.max_filesize),
                exclude,
                exclude_globs: globs,
            })
        } else {
            let mut sources: Vec<Box<dyn Source>> = Vec::new();
            if !files.is_empty() {
                sources.push(Box::new(Walk {
                    opts: WalkOptions {
                        roots: files,
                        hidden: args.hidden,
                        no_ignore: args.no_ignore,
                        threads: settings.threads,
                        exclude,
                        exclude_globs: globs,
                    },
                }));
            }
            if stdin {
                sources.push(Box::new(Stdin {
                    name: args.stdin_name,
                    max_filesize: Some(settings.max_filesize),
                }));
            }
            if args.procs {
                sources.push(Box::new(Procs {
                    root: PathBuf::from("/proc"),
                }));
            }
            match sources.len() {
                1 => sources.pop().expect("one source"),
                _ => Box::new(Sources(sources)),
            }
        };
        let source: Box<dyn Source> = match args.shard.as_deref().map(Shard::parse).transpose()? {
            Some(shard) => Box::new(Sharded {
                inner: source,
                shard,
            }),
            None => source,
        };
        let report_source = match (&args.source, crate::paths::git_source(&starts[0])) {
            (Some(name), git) => Some(SourceRef {
                name: name.clone(),
                commit: git.and_then(|g| g.1),
            }),
            (None, Some((name, commit))) => Some(SourceRef { name, commit }),
            (None, None) => None,
        };
        Ok(ScanConfig {
            driver: DriverOptions {
                progress: progress_line(settings.quiet),
                threads: settings.threads,
                max_filesize: Some(settings.max_filesize),
                nginx_prefix: args.nginx_prefix,
            },
            extractors: Extractors::new(rules, &ring),
            settings,
            ring,
            ignores,
            source,
            output: args.output,
            report_source,
            no_ring,
            require_ring: args.require_ring,
            strict: args.strict,
        })
    }

    /// Writes the report of `outcome` to `--output` or stdout, with `write` choosing the
    /// scan's or the gate's form; returns how many findings fail the run.
    pub(super) fn write_report(
        &self,
        outcome: &ScanOutcome,
        write: impl FnOnce(&dyn Reporter, &Report, &mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<usize> {
        let s = &self.settings;
        let uri_prefix = self.uri_prefix();
        let report = Report {
            ring_path: self.ring.path.as_deref(),
            ring_keys: self.ring.len(),
            ring_digest: self.ring.digest.map(|d| d.to_string()),
            source: self.report_source.clone(),
            stats: &outcome.stats,
            findings: &outcome.findings,
            fail_on: &s.fail_on,
            uri_prefix: &uri_prefix,
        };
        let reporter = report::reporter(s.format, s.color);
        write_output(self.output.as_deref(), |out| {
            write(&*reporter, &report, out)
        })?;
        Ok(report.failing())
    }

    /// What SARIF and annotations put before shown paths: the way from the repository
    /// root to the directory they are relative to.
    pub(super) fn uri_prefix(&self) -> String {
        crate::paths::repo_prefix(&self.source.base())
    }

    fn github(&self) -> bool {
        self.settings.format == OutputFormat::Github
    }

    /// Runs the scan; its warnings go to stderr. Without a ring a scan warns (or with
    /// `--require-ring` fails) before it starts.
    pub(super) fn scan(&self) -> Result<ScanOutcome> {
        if let Some(none) = &self.no_ring {
            if self.require_ring {
                return Err(Error::Usage(format!("--require-ring: {none}")));
            }
            warn_as(self.github(), [none]);
        }
        let engine = Engine {
            extractors: &self.extractors,
            ring: &self.ring,
            ignores: &self.ignores,
        };
        let outcome = pipeline::run(&*self.source, &engine, &self.driver);
        if self.driver.progress.is_some() {
            super::progress_done();
        }
        let outcome = outcome?;
        warn_as(self.github(), &outcome.warnings);
        if self.strict && outcome.stats.unreadable > 0 {
            return Err(Error::Usage(format!(
                "--strict: {} files or directories could not be read (see the warnings above): \
                 the scan is not complete",
                outcome.stats.unreadable
            )));
        }
        Ok(outcome)
    }
}

/// `.stalekey.toml`'s `exclude` patterns as a matcher rooted at the file's directory.
fn exclude_globs(project: &Project) -> Result<Option<ignore::overrides::Override>> {
    if project.exclude.is_empty() {
        return Ok(None);
    }
    let mut b = ignore::overrides::OverrideBuilder::new(&project.dir);
    for pattern in &project.exclude {
        b.add(&format!("!{pattern}"))
            .map_err(|e| Error::Usage(format!("{PROJECT_FILE}: exclude {pattern:?}: {e}")))?;
    }
    b.build()
        .map(Some)
        .map_err(|e| Error::Usage(format!("{PROJECT_FILE}: exclude: {e}")))
}

/// A progress line on stderr, when stderr is a terminal outside CI and not `-q`.
fn progress_line(quiet: bool) -> Option<std::sync::Arc<dyn Fn(Progress) + Send + Sync>> {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if quiet || ci || !std::io::stderr().is_terminal() {
        return None;
    }
    Some(std::sync::Arc::new(|p: Progress| {
        super::progress(&format!(
            "scanning: {} files, {} MB, {} findings so far",
            p.files,
            p.bytes / 1_000_000,
            p.findings
        ))
    }))
}

/// A path given on the command line must be readable (exit 2), unlike a file found in a
/// walk (a warning).
fn check_readable(p: &Path) -> Result<()> {
    let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
    // A process substitution (`scan <(git show HEAD:app.py)`) is a pipe the shell names
    // /dev/fd/N: it is read, bounded. A named FIFO could block forever: an error.
    let substitution = p.starts_with("/dev/fd") || p.starts_with("/proc/self/fd");
    match special_kind(meta.file_type()) {
        None => {}
        Some("FIFO") if substitution => {}
        Some(kind) => {
            return Err(Error::Usage(format!(
                "{}: a {kind}, not a file or directory",
                p.display()
            )))
        }
    }
    if meta.is_dir() {
        std::fs::read_dir(p).map_err(|e| Error::io(p, e))?;
    } else if meta.is_file() {
        std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
    }
    // A pipe (`<(...)`) is not opened here: that would consume or block it.
    Ok(())
}

/// Where no ring was found, for the warning (scan) or the error (gate, --require-ring).
pub(super) struct NoRing(String);

impl std::fmt::Display for NoRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no key ring found (looked for {RING_FILE} in {}): ring keys cannot be recognised; \
             add one with `stalekey ring add`, or pass --ring FILE or STALEKEY_RING",
            self.0
        )
    }
}

/// The ring: `--ring`/`STALEKEY_RING` must load; else the one ring found from the scan's
/// starting points (the roots, or the current directory for `--staged`), or none.
fn load_ring(explicit: Option<&Path>, starts: &[PathBuf]) -> Result<(Ring, Option<NoRing>)> {
    if let Some(path) = explicit {
        return Ok((Ring::load(path)?, None));
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let mut found: Vec<(PathBuf, PathBuf, &Path)> = Vec::new();
    let mut looked = Vec::new();
    for start in starts {
        match discover(start, &cwd) {
            Discovery::Found { shown, canonical } => {
                if !found.iter().any(|(_, c, _)| *c == canonical) {
                    found.push((shown, canonical, start));
                }
            }
            Discovery::NotFound { from, to } if from == to => {
                looked.push(from.display().to_string())
            }
            Discovery::NotFound { from, to } => looked.push(format!(
                "{} and each directory above it up to {}",
                from.display(),
                to.display()
            )),
        }
    }
    match found.as_slice() {
        [] => Ok((Ring::empty(), Some(NoRing(looked.join("; "))))),
        [(shown, _, _)] => Ok((Ring::load(shown)?, None)),
        [(a, _, ra), (b, _, rb), ..] => Err(Error::Usage(format!(
            "the scanned paths have different key rings ({} for {}, {} for {}): scan them \
             separately, or choose one with --ring",
            a.display(),
            ra.display(),
            b.display(),
            rb.display()
        ))),
    }
}

/// `--fail-on`: verdicts, comma-separated, or `none`; absent: scan's default.
pub(crate) fn parse_fail_on(values: Option<&[String]>) -> Result<FailOn> {
    let Some(values) = values else {
        return Ok(FailOn::default_for_scan());
    };
    let mut out = Vec::new();
    for v in values.iter().map(|v| v.trim()) {
        if v.is_empty() {
            return Err(Error::Usage(
                "--fail-on: an empty verdict (write `--fail-on none` to fail on nothing)".into(),
            ));
        }
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
