//! A scan's configuration, from its checked arguments: the ring, the rules, the ignore
//! files and the source, each read once and checked, before anything is scanned.

use super::warn;
use crate::cli::{ScanArgs, ScanSettings};
use crate::error::{Error, Result};
use crate::extract::rules::RuleSet;
use crate::extract::Extractors;
use crate::ignorefile::{Ignores, IGNORE_FILE};
use crate::pipeline::engine::Engine;
use crate::pipeline::source::Source;
use crate::pipeline::staged::GitIndex;
use crate::pipeline::walk::{Walk, WalkOptions};
use crate::pipeline::{self, git, rulecheck, DriverOptions, ScanOutcome};
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
}

impl ScanConfig {
    pub(super) fn load(args: ScanArgs) -> Result<ScanConfig> {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let settings = args.settings(std::io::stdout().is_terminal(), no_color)?;
        for p in &args.paths {
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
        let ring = load_ring(args.ring.as_deref(), &args.paths[0])?;
        let rules = match &args.rules {
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
            Ignores::load(&args.paths)
        };
        warn(&warnings);
        let exclude: Vec<PathBuf> = ring
            .path
            .iter()
            .map(PathBuf::from)
            .chain(ignores.files.iter().cloned())
            .collect();
        let source: Box<dyn Source> = if args.staged {
            Box::new(GitIndex {
                pathspecs: args.paths,
                max_filesize: Some(settings.max_filesize),
                exclude,
            })
        } else {
            Box::new(Walk {
                opts: WalkOptions {
                    roots: args.paths,
                    hidden: args.hidden,
                    no_ignore: args.no_ignore,
                    threads: settings.threads,
                    exclude,
                },
            })
        };
        Ok(ScanConfig {
            driver: DriverOptions {
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
        })
    }

    /// Runs the scan; its warnings go to stderr.
    pub(super) fn scan(&self) -> Result<ScanOutcome> {
        let engine = Engine {
            extractors: &self.extractors,
            ring: &self.ring,
            ignores: &self.ignores,
        };
        let outcome = pipeline::run(&*self.source, &engine, &self.driver)?;
        warn(&outcome.warnings);
        Ok(outcome)
    }
}

/// A path given on the command line must be readable (exit 2), unlike a file found in a
/// walk (a warning).
fn check_readable(p: &Path) -> Result<()> {
    let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
    if meta.is_dir() {
        std::fs::read_dir(p).map_err(|e| Error::io(p, e))?;
    } else if meta.is_file() {
        std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
    }
    // A pipe (`<(...)`) is not opened here: that would consume or block it.
    Ok(())
}

/// Loads the ring: `--ring`/`STALEKEY_RING` must exist; the default may be absent.
fn load_ring(explicit: Option<&Path>, first_root: &Path) -> Result<Ring> {
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
