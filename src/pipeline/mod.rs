//! The one driver: a [`Source`] yields documents, `threads` workers read each one and
//! run it through the [`Engine`], and the collected findings are sorted once, so the
//! thread count never changes the result.
//!
//! nginx files are read with the rest but extracted in a second phase, once an include
//! index over all of them is built (a finding in an included file names the block that
//! includes it); the same workers run that phase.

pub(crate) mod chunked;
pub(crate) mod engine;
pub(crate) mod git;
pub(crate) mod history;
pub(crate) mod procs;
pub(crate) mod read;
pub(crate) mod rulecheck;
pub(crate) mod shard;
pub(crate) mod source;
pub(crate) mod staged;
pub(crate) mod stats;
pub(crate) mod stdin;
pub(crate) mod walk;

use crate::error::Result;
use crate::extract::nginx::{NginxDoc, NginxIndex};
use crate::finding::{CommitRef, Finding};
use crate::format::Format;
use engine::{Engine, Scanned};

use read::{ReadOutcome, RingOnly};
use source::{Item, Source};
use stats::{Stats, Warning};
use std::sync::{mpsc, Mutex};
use std::time::Instant;

/// What a progress line shows: counts so far.
pub(crate) struct Progress {
    pub files: u64,
    pub bytes: u64,
    pub findings: usize,
}

/// How the driver runs.
#[derive(Clone)]
pub(crate) struct DriverOptions {
    /// Called now and then (every quarter second after the first second) with the counts
    /// so far, for a progress line.
    pub progress: Option<std::sync::Arc<dyn Fn(Progress) + Send + Sync>>,
    pub threads: usize,
    pub max_filesize: Option<u64>,
    /// Where nginx `include`s are resolved (default: the directory of the shallowest
    /// `nginx.conf` in the scan).
    pub nginx_prefix: Option<std::path::PathBuf>,
}

/// What a scan gives: sorted findings, counts, sorted warnings.
pub(crate) struct ScanOutcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    pub warnings: Vec<Warning>,
}

struct Ticker {
    started: Instant,
    last: Instant,
}

#[derive(Default)]
struct Collected {
    ticker: Option<Ticker>,
    findings: Vec<Finding>,
    stats: Stats,
    warnings: Vec<Warning>,
    /// nginx files, extracted after the source is done, with their include index.
    nginx: Vec<NginxDoc>,
}

impl Collected {
    /// Shows progress when it is time (see [`DriverOptions::progress`]).
    fn tick(&mut self, opts: &DriverOptions) {
        let (Some(show), Some(t)) = (&opts.progress, &mut self.ticker) else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(t.started).as_millis() >= 1000
            && now.duration_since(t.last).as_millis() >= 250
        {
            t.last = now;
            show(Progress {
                files: self.stats.files + self.stats.ring_only,
                bytes: self.stats.bytes,
                findings: self.findings.len(),
            });
        }
    }

    /// Counts one document's result (`None`: an extractor panicked on it).
    fn add(&mut self, shown: &str, scanned: Option<Scanned>) {
        match scanned {
            Some(s) => {
                self.stats.files += 1;
                self.stats.bytes += s.bytes;
                self.stats.ignored += s.ignored;
                self.findings.extend(s.findings);
                self.warnings.extend(s.warnings);
            }
            None => {
                self.stats.skipped += 1;
                self.warnings.push(Warning::InternalError {
                    path: shown.to_string(),
                });
            }
        }
    }

    /// Counts a document that is not scanned.
    fn skip(&mut self, warning: Option<Warning>) {
        self.stats.skipped += 1;
        self.warnings.extend(warning);
    }
}

/// Runs the scan: every document of `source` through `engine`.
pub(crate) fn run(
    source: &dyn Source,
    engine: &Engine,
    opts: &DriverOptions,
) -> Result<ScanOutcome> {
    let started = Instant::now();
    let collected = Mutex::new(Collected {
        ticker: Some(Ticker {
            started,
            last: started,
        }),
        ..Collected::default()
    });
    let consume = |item: Item| {
        process(item, engine, opts, &collected);
        collected.lock().unwrap().tick(opts);
    };
    if source.emits_in_parallel() {
        source.run(&consume)?;
    } else {
        fan_out(opts.threads, |emit| source.run(emit), consume)?;
    }
    let mut c = collected.into_inner().unwrap();
    let docs = std::mem::take(&mut c.nginx);
    if !docs.is_empty() {
        let index = NginxIndex::build(&docs, opts.nginx_prefix.as_deref(), &source.roots());
        c.warnings
            .extend(index.warnings().iter().cloned().map(Warning::Note));
        let collected = Mutex::new(c);
        fan_out(
            opts.threads,
            |emit| {
                docs.iter().for_each(emit);
                Ok(())
            },
            |d: &NginxDoc| {
                let scanned = engine.document(&d.shown, &d.bytes, Format::Nginx, Some(&index));
                collected.lock().unwrap().add(&d.shown, scanned);
            },
        )?;
        c = collected.into_inner().unwrap();
    }
    if c.findings.iter().any(|f| f.commit.is_some()) {
        c.findings = history::collapse(std::mem::take(&mut c.findings));
    }
    c.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    c.warnings.sort_by_cached_key(|w| w.to_string());
    c.stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(ScanOutcome {
        findings: c.findings,
        stats: c.stats,
        warnings: c.warnings,
    })
}

/// Reads one document and scans it, or counts why not; nginx files wait for phase two.
fn process(item: Item, engine: &Engine, opts: &DriverOptions, collected: &Mutex<Collected>) {
    let shown = item.shown.clone();
    let path = item.path.clone();
    let commit = item.commit.clone();
    let attribute = |mut scanned: Option<Scanned>| {
        if let (Some(s), Some(c)) = (scanned.as_mut(), &commit) {
            attribute_to(s, c);
        }
        scanned
    };
    match read::read(item, opts.max_filesize) {
        ReadOutcome::Text {
            bytes,
            format: Format::Nginx,
        } => {
            let doc = NginxDoc { shown, path, bytes };
            collected.lock().unwrap().nginx.push(doc);
        }
        ReadOutcome::Text { bytes, format } => {
            let scanned = attribute(engine.document(&shown, &bytes, format, None));
            collected.lock().unwrap().add(&shown, scanned);
        }
        ReadOutcome::Chunked { file, size, format } => {
            match chunked::scan(engine, &shown, file, format, opts.threads) {
                Ok(scanned) => collected.lock().unwrap().add(&shown, attribute(scanned)),
                Err(e) => {
                    let mut c = collected.lock().unwrap();
                    c.stats.unreadable += 1;
                    c.skip(Some(Warning::CannotRead {
                        path: shown,
                        message: format!("{e} (after reading part of its {size} bytes)"),
                    }));
                }
            }
        }
        ReadOutcome::Stream { mut reader, format } => {
            let scanned = attribute(engine.stream(&shown, &mut *reader, format, opts.threads));
            drop(reader);
            collected.lock().unwrap().add(&shown, scanned);
        }
        ReadOutcome::RingOnly {
            mut reader,
            format,
            why,
        } => {
            let scanned = engine.has_ring_keys().then(|| {
                engine.ring_only(&shown, &mut *reader, format).map(|mut s| {
                    if let (Ok(s), Some(c)) = (s.as_mut(), &commit) {
                        attribute_to(s, c);
                    }
                    s
                })
            });
            ring_only(&shown, scanned, why, collected)
        }
        ReadOutcome::Special { kind } => {
            let warning = Warning::Special { path: shown, kind };
            collected.lock().unwrap().skip(Some(warning));
        }
        ReadOutcome::Unsupported { message } => {
            let warning = Warning::Unsupported {
                path: shown,
                message,
            };
            collected.lock().unwrap().skip(Some(warning));
        }
        ReadOutcome::Unreadable { message } => {
            let mut c = collected.lock().unwrap();
            c.stats.unreadable += 1;
            c.skip(Some(Warning::CannotRead {
                path: shown,
                message,
            }));
        }
    }
}

/// Marks every finding of a history blob with the commit that introduced it.
fn attribute_to(scanned: &mut Scanned, commit: &CommitRef) {
    for f in &mut scanned.findings {
        f.commit = Some(commit.clone());
    }
}

/// A binary file or one over `--max-filesize`: searched for ring keys only, or with no
/// ring keys to look for, skipped.
fn ring_only(
    shown: &str,
    scanned: Option<Option<std::io::Result<Scanned>>>,
    why: RingOnly,
    collected: &Mutex<Collected>,
) {
    let mut c = collected.lock().unwrap();
    match why {
        RingOnly::Binary => c.stats.binary += 1,
        RingOnly::TooLarge(_) => c.stats.too_large += 1,
    }
    let too_large = |ring_only| match why {
        RingOnly::TooLarge(size) => Some(Warning::TooLarge {
            path: shown.to_string(),
            size,
            ring_only,
        }),
        RingOnly::Binary => None,
    };
    match scanned {
        None => {
            let w = too_large(false);
            c.skip(w);
        }
        Some(None) => c.add(shown, None),
        Some(Some(Err(e))) => {
            c.stats.unreadable += 1;
            c.skip(Some(Warning::CannotRead {
                path: shown.to_string(),
                message: e.to_string(),
            }));
        }
        Some(Some(Ok(s))) => {
            c.stats.ring_only += 1;
            c.stats.bytes += s.bytes;
            c.stats.ignored += s.ignored;
            c.findings.extend(s.findings);
            c.warnings.extend(s.warnings);
            c.warnings.extend(too_large(true));
        }
    }
}

/// Runs `produce` on this thread and `consume` on `threads` workers, handing items
/// over a bounded channel (so a fast source never holds more than a few documents in
/// memory). `emit` may be called from several threads at once.
fn fan_out<T: Send>(
    threads: usize,
    produce: impl FnOnce(&(dyn Fn(T) + Sync)) -> Result<()>,
    consume: impl Fn(T) + Sync,
) -> Result<()> {
    let threads = threads.max(1);
    let (tx, rx) = mpsc::sync_channel::<T>(threads * 4);
    let rx = Mutex::new(rx);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let next = rx.lock().unwrap().recv();
                match next {
                    Ok(item) => consume(item),
                    Err(_) => break,
                }
            });
        }
        let emit = |item: T| {
            // The workers only stop when the channel closes, so a send cannot fail.
            let _ = tx.send(item);
        };
        let result = produce(&emit);
        drop(tx);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fan_out_consumes_every_item_once() {
        let seen = Mutex::new(Vec::new());
        fan_out(
            3,
            |emit| {
                (0..1000).for_each(emit);
                Ok(())
            },
            |i: u32| seen.lock().unwrap().push(i),
        )
        .unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }
}
