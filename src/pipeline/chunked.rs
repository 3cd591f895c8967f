//! One big text file on every core: the file is cut into chunks at line boundaries;
//! each chunk is scanned as a document by a worker, with context of [`CONTEXT`] bytes
//! on both sides, and keeps only the findings that start inside its own part. So a
//! match across a cut is seen whole by the chunks on both sides and reported by
//! exactly one, and at most `2 × threads + 1` chunks are in memory at once (a few
//! tens of MB whatever the file's size).

use super::engine::{Engine, Scanned};
use crate::finding::Position;
use crate::format::Format;
use std::io::Read;
use std::sync::mpsc;
use std::sync::Mutex;

/// Bytes each chunk owns.
const CHUNK: usize = 4 << 20;
/// Context read before and after a chunk's own part: longer than a rule's reach past
/// its keyword and than any key, so nothing on a cut is lost.
const CONTEXT: usize = 64 << 10;

struct Job {
    /// The bytes: context, the chunk's own part, context.
    bytes: Vec<u8>,
    /// Where `bytes` start in the file.
    base: Position,
    /// The chunk's own part, as file positions: [own_start, own_end).
    own_start: Position,
    own_end: Option<Position>,
}

/// Advances `pos` over `bytes`.
fn advance(mut pos: Position, bytes: &[u8]) -> Position {
    let lines = memchr::memchr_iter(b'\n', bytes).count() as u32;
    if lines == 0 {
        pos.column += bytes.len() as u32;
    } else {
        let last = memchr::memrchr(b'\n', bytes).unwrap_or(0);
        pos.line += lines;
        pos.column = (bytes.len() - last) as u32;
    }
    pos
}

/// Scans `file` in chunks on `threads` workers.
pub(crate) fn scan(
    engine: &Engine,
    shown: &str,
    file: std::fs::File,
    format: Format,
    threads: usize,
) -> std::io::Result<Option<Scanned>> {
    scan_with(engine, shown, file, format, threads, CHUNK, CONTEXT)
}

fn scan_with(
    engine: &Engine,
    shown: &str,
    mut file: impl Read,
    format: Format,
    threads: usize,
    chunk: usize,
    context: usize,
) -> std::io::Result<Option<Scanned>> {
    let threads = threads.max(1);
    let (tx, rx) = mpsc::sync_channel::<Job>(threads);
    let rx = Mutex::new(rx);
    let results: Mutex<Vec<Option<Scanned>>> = Mutex::new(Vec::new());
    let mut total = 0u64;
    let work = |job: Job| {
        let scanned = engine
            .document_at(shown, &job.bytes, format, job.base)
            .map(|mut sc| {
                sc.findings.retain(|f| {
                    let at = Position {
                        line: f.location.line,
                        column: f.location.column,
                    };
                    at >= job.own_start && job.own_end.is_none_or(|end| at < end)
                });
                sc
            });
        results.lock().unwrap().push(scanned);
    };
    // One thread: the reader scans each chunk itself (`--threads 1` is one core).
    let (tx, workers) = if threads == 1 {
        (None, 0)
    } else {
        (Some(tx), threads)
    };
    let read = std::thread::scope(|s| -> std::io::Result<()> {
        for _ in 0..workers {
            s.spawn(|| loop {
                let job = match rx.lock().unwrap().recv() {
                    Ok(j) => j,
                    Err(_) => break,
                };
                work(job);
            });
        }
        // The reader: `buf` holds [context before][own part + context after].
        let mut buf: Vec<u8> = Vec::with_capacity(chunk + 2 * context);
        let mut buf_pos = Position { line: 1, column: 1 };
        let mut own_from = 0usize; // where the own part starts in `buf`
        let mut eof = false;
        while !eof || own_from < buf.len() {
            // Fill to own part + chunk + context.
            let want = own_from + chunk + context;
            while !eof && buf.len() < want {
                let old = buf.len();
                buf.resize(want, 0);
                let n = file.read(&mut buf[old..])?;
                buf.truncate(old + n);
                total += n as u64;
                eof = n == 0;
            }
            // Cut the own part at a line end, so no line is split between owners.
            let tentative = (own_from + chunk).min(buf.len());
            let own_to = if eof && tentative == buf.len() {
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf[own_from..tentative]) {
                    Some(i) => own_from + i + 1,
                    None => tentative,
                }
            };
            // Each byte's lines are counted once: up to where the next buffer starts
            // (CONTEXT bytes before the next own part), then on to the own part's end.
            let keep_from = own_to.saturating_sub(context);
            let own_start = advance(buf_pos, &buf[..own_from]);
            let next_pos = advance(buf_pos, &buf[..keep_from]);
            let own_end =
                (own_to < buf.len() || !eof).then(|| advance(next_pos, &buf[keep_from..own_to]));
            let done = own_to >= buf.len() && eof;
            // The buffer itself goes to the worker; the next one starts with a copy of
            // the context it shares with this one.
            let mut next = Vec::with_capacity(chunk + 2 * context);
            if !done {
                next.extend_from_slice(&buf[keep_from..]);
            }
            let job = Job {
                bytes: std::mem::replace(&mut buf, next),
                base: buf_pos,
                own_start,
                own_end,
            };
            match &tx {
                Some(tx) => {
                    if tx.send(job).is_err() {
                        break;
                    }
                }
                None => work(job),
            }
            if done {
                break;
            }
            buf_pos = next_pos;
            own_from = own_to - keep_from;
        }
        drop(tx);
        Ok(())
    });
    read?;
    let parts = results.into_inner().unwrap();
    if parts.iter().any(Option::is_none) {
        return Ok(None);
    }
    let mut out = Scanned::default();
    for p in parts.into_iter().flatten() {
        out.findings.extend(p.findings);
        out.warnings.extend(p.warnings);
        out.ignored += p.ignored;
    }
    out.bytes = total;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::rules::RuleSet;
    use crate::extract::Extractors;
    use crate::ignorefile::Ignores;
    use crate::ring::Ring;

    /// Findings of a chunked scan equal the whole-file scan's, keys on every cut included.
    #[test]
    fn chunks_find_what_the_whole_file_finds() {
        let keys: Vec<String> = (0..40)
            .map(|i| format!("Ck{i:02}x7Qz2Lm9Pw4Rt8Vb3Nd6Hj1Sf5Gy0"))
            .collect();
        let entries: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                format!(
                    r#"{{"id":"k{i}","service":"s","state":"retired","fingerprint":"{}","length":{}}}"#,
                    crate::secret::Fingerprint::of(k.as_bytes()),
                    k.len()
                )
            })
            .collect();
        let ring = Ring::parse(
            &format!(r#"{{"version":1,"keys":[{}]}}"#, entries.join(",")),
            "r.json",
        )
        .unwrap();
        let extractors = Extractors::new(RuleSet::embedded().unwrap(), &ring);
        let ignores = Ignores::default();
        let engine = Engine {
            extractors: &extractors,
            ring: &ring,
            ignores: &ignores,
        };
        let mut rng = crate::testrand::XorShift::new(0xC4A2);
        let mut text = String::new();
        for line in 0..6_000 {
            match rng.below(60) {
                0 => text.push_str(&format!(
                    "SECRET_KEY = \"{}\"\n",
                    keys[rng.below(keys.len())]
                )),
                1 => text.push_str(&format!("token {} end\n", keys[rng.below(keys.len())])),
                2 => text.push_str("a very long line ".repeat(50).as_str()),
                _ => text.push_str(&format!("def f{line}(x):\n    return x * {line}\n")),
            }
        }
        let whole = engine
            .document("big.py", text.as_bytes(), Format::Python, None)
            .unwrap();
        for (chunk, context, threads) in [(4096, 1024, 2), (10_000, 2048, 1), (1 << 20, 4096, 3)] {
            let got = scan_with(
                &engine,
                "big.py",
                text.as_bytes(),
                Format::Python,
                threads,
                chunk,
                context,
            )
            .unwrap()
            .unwrap();
            let key = |f: &crate::finding::Finding| {
                (
                    f.location.line,
                    f.location.column,
                    f.detail.rule.clone(),
                    f.fingerprint,
                )
            };
            let mut a: Vec<_> = whole.findings.iter().map(key).collect();
            let mut b: Vec<_> = got.findings.iter().map(key).collect();
            a.sort();
            b.sort();
            assert!(!a.is_empty());
            assert_eq!(a, b, "chunk {chunk}, context {context}");
            assert_eq!(got.bytes, text.len() as u64);
        }
    }
}
