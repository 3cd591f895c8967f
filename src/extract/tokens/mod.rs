//! Ring keys wherever their bytes appear (SPEC §3, last point): as a bare token, inside
//! a URL's user-info, after `Bearer `, inside a `Basic ` credential or base64-encoded.
//!
//! The ring holds fingerprints only, so every substring that could be a key is hashed
//! and looked up. Candidates are substrings of a whitespace-separated run that start and
//! end at a delimiter (quote, bracket, `=`, `:`, `@`, `/`, ...) and whose length is one
//! of the ring's key lengths. Only substrings whose fingerprint is in the ring are
//! emitted, so this extractor never produces a false positive.

use super::runs::for_each_run;
use super::{decode, needles};
use scan::{NotKeys, Scratch};

mod decoded;
use decoded::MarkFinder;

mod literals;
mod wrapped;
#[doc(hidden)]
pub use literals::self_check as literals_self_check;
#[doc(hidden)]
pub use wrapped::self_check as wrapped_self_check;

mod scan;
use super::{Candidate, Confidence, Document, Extracted, Origin, Position};
use crate::format::Format;
use crate::ring::{KeyIndex, Lengths, Ring};
use crate::secret::{Fingerprint, Secret};
use std::collections::{HashMap, HashSet};

pub(crate) const RULE_TOKEN: &str = "ring-key";
pub(crate) const RULE_BASE64: &str = "ring-key-base64";
pub(crate) const RULE_PERCENT: &str = "ring-key-percent";
pub(crate) const RULE_ESCAPED: &str = "ring-key-escaped";
pub(crate) const RULE_HEX: &str = "ring-key-hex";
pub(crate) const RULE_BYTES: &str = "ring-key-bytes";
pub(crate) const RULE_DIGEST: &str = "ring-key-digest";
pub(crate) const RULE_PEM: &str = "ring-key-pem";
pub(crate) const RULE_JOINED: &str = "ring-key-joined";
/// The longest private-key block looked at (an 8192-bit RSA key is under 7 KB).
const PEM_MAX: usize = 16 * 1024;

/// How many decodings deep a key is looked for (a `.dockerconfigjson` Secret: base64 of
/// JSON whose `auth` is base64 of `user:KEY`, in a YAML file).
const MAX_DEPTH: u8 = 3;
/// The least work bound of a document's decodings, in decoded bytes (else twice the
/// document's size): a crafted file cannot make decoding blow up.
const DECODE_BUDGET: usize = 1 << 20;

/// With keys of unknown length, the shortest segment hashed: a key without a `length`
/// in the ring is looked for at 8 bytes or more (shorter keys need their `length`).
pub(crate) const ANY_MIN_LEN: usize = 8;
/// Runs the chunked stream over `data` (cut into chunks of a size taken from its first
/// byte) against the whole-document extraction, with ring keys taken from the data
/// itself, panicking if the two disagree: every key found once, at the same place.
/// Shared by the `cargo fuzz` target `ring_stream` and the seeded random-input test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    let Some((&k, data)) = data.split_first() else {
        return;
    };
    // Keys: two substrings of the data itself, of lengths 8 and 12, and the join of its
    // first chain of joined literals (`"a" + "b"`), if it has one.
    let mut keys: Vec<Vec<u8>> = [8usize, 12]
        .iter()
        .filter_map(|&len| {
            let at = (usize::from(k) * 7) % data.len().max(1);
            data.get(at..at + len).map(<[u8]>::to_vec)
        })
        .collect();
    if let Some(joined) = literals::first_join(data, ANY_MIN_LEN) {
        keys.push(joined);
    }
    let ring_text = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            // With the first byte's high bit, the keys have no `length`: the places of
            // keys of unknown length and their decodings are checked too.
            let length = if k & 0x80 == 0 {
                format!(r#","length":{}"#, key.len())
            } else {
                String::new()
            };
            format!(
                r#"{{"id":"k{i}","service":"s","state":"active","fingerprint":"{}"{length}}}"#,
                Fingerprint::of(key),
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let Ok(ring) = Ring::parse(&format!(r#"{{"version":1,"keys":[{ring_text}]}}"#), "r") else {
        return;
    };
    let tokens = RingTokens::new(&ring);
    let doc = Document::new("f", data, Format::Text);
    let mut whole = Extracted::default();
    tokens.extract(&doc, &mut whole);
    let chunk = 64 + usize::from(k & 0x7f) * 4;
    let (streamed, n) = tokens
        .extract_chunked("f", Format::Text, &mut &data[..], chunk)
        .expect("reading a slice");
    assert_eq!(n, data.len() as u64);
    let places = |e: &Extracted| {
        let mut v: Vec<(Position, String, Option<Fingerprint>)> = e
            .candidates
            .iter()
            .map(|c| {
                let fp = c.value.as_ref().map(Secret::fingerprint);
                (c.at, c.detail.rule.clone(), fp)
            })
            .collect();
        v.sort();
        v
    };
    let (w, s) = (places(&whole), places(&streamed));
    // The stream may also find a key at a forced cut, where the whole document sees no
    // delimiter before it; it never misses one and never finds one twice. A key a plain
    // token already gives may come again from a decoding of its whole run (an escape far
    // away in the same run), which a cut run lacks: a miss is a place and key found
    // under no rule at all (the judge keeps one finding a place anyway).
    // (Counted through maps: a crafted input can give thousands of candidates, and
    // counting each against every other made the check, not the extractor, the time.)
    type Place = (Position, String, Option<Fingerprint>);
    fn counts(v: &[Place]) -> HashMap<&Place, usize> {
        let mut m = HashMap::new();
        for p in v {
            *m.entry(p).or_default() += 1;
        }
        m
    }
    let (cw, cs) = (counts(&w), counts(&s));
    for (p, &n) in &cs {
        let whole = cw.get(p).copied().unwrap_or(0);
        assert!(
            n <= whole.max(1),
            "{p:?} found {n} times in the stream, {whole} in the whole"
        );
    }
    let streamed_at: HashSet<(Position, Option<Fingerprint>)> =
        s.iter().map(|q| (q.0, q.2)).collect();
    // (A byte-array literal spans blanks; one whose text is longer than the stream's
    // reach back, blanks between its numbers, may be cut.)
    let reach = tokens.blank_spanning_reach();
    let offset = |at: Position| {
        let line_start = data
            .split_inclusive(|&b| b == b'\n')
            .take(at.line as usize - 1)
            .map(<[u8]>::len)
            .sum::<usize>();
        line_start + at.column as usize - 1
    };
    let long_list = |p: &Place| p.1 == RULE_BYTES && list_text_len(&data[offset(p.0)..]) > reach;
    // (Quotes pair from a line's start: a chunk starts at one when a line starts within
    // its reach back. A chain of joined literals near a line longer than that may pair
    // otherwise in the stream.)
    let span = tokens.joined_span_max();
    let near_long_line = |p: &Place| {
        let at = offset(p.0);
        let from = at.saturating_sub(span);
        let start = data[..from]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = data[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |i| at + i);
        p.1 == RULE_JOINED
            && data[start..end]
                .split(|&b| b == b'\n')
                .any(|l| l.len() > reach)
    };
    for p in w.iter().filter(|p| !long_list(p) && !near_long_line(p)) {
        assert!(streamed_at.contains(&(p.0, p.2)), "the stream missed {p:?}");
    }
}

/// At most how long the text of the byte-array literal whose first number starts
/// `text` is: to the first byte that is neither a number's, a comma, a cast's nor a
/// blank (for [`self_check`]).
fn list_text_len(text: &[u8]) -> usize {
    let in_list = |c: &u8| {
        c.is_ascii_alphanumeric()
            || c.is_ascii_whitespace()
            || matches!(c, b',' | b'-' | b'(' | b')')
    };
    text.iter().position(|c| !in_list(c)).unwrap_or(text.len())
}

/// Reads until `want` more bytes are in `buf` or the reader ends; returns how many came.
/// (Into the buffer's spare room: a chunk is not zeroed first, which for a small binary
/// file read as a stream cost more than the read.)
fn read_up_to(
    reader: &mut dyn std::io::Read,
    buf: &mut Vec<u8>,
    want: usize,
) -> std::io::Result<usize> {
    use std::io::Read as _;
    reader.take(want as u64).read_to_end(buf)
}

/// With keys of unknown length, the longest segment hashed.
const ANY_MAX_LEN: usize = 1024;

const WS: u8 = 1;
const DELIM: u8 = 2;
const B64: u8 = 4;
/// A delimiter after which a key may start (not `.`: `config.key` is not a key start).
const START: u8 = 8;
/// A hex digit, either case.
const HEXDIGIT: u8 = 16;

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        // Blanks, and every other control byte (NUL in a binary file, ESC): a key never
        // holds one, so they separate runs like whitespace.
        if c <= b' ' || c == 0x7f {
            t[i] = WS;
        }
        if matches!(
            c,
            b'"' | b'\''
                | b'`'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'/'
                | b'?'
                | b'&'
                | b'#'
                | b'|'
                | b'\\'
                | b'.'
                | b'*'
        ) {
            t[i] |= DELIM;
            if c != b'.' {
                t[i] |= START;
            }
        }
        if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_') {
            t[i] |= B64;
        }
        if c.is_ascii_hexdigit() {
            t[i] |= HEXDIGIT;
        }
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = classes();

/// A candidate of the ring-token extractor at `at` in the document.
fn ring_candidate(doc: &Document, at: usize, rule: &'static str, value: Secret) -> Candidate {
    Candidate::literal(doc.position(at), rule, Confidence::High, value)
        .with_origin(Origin::RingToken)
}

/// Finds ring keys among the tokens of any text.
pub(crate) struct RingTokens {
    fingerprints: KeyIndex,
    /// The lengths of the keys that declare one, sorted; as a bitset; the largest.
    exact: Vec<usize>,
    length_bits: Vec<u64>,
    max_exact: usize,
    /// Some key declares no length: tokens of any length are looked up too (at token
    /// boundaries, see [`RingTokens::scan_run`]).
    any: bool,
    min_len: usize,
}

impl RingTokens {
    pub(crate) fn new(ring: &Ring) -> Self {
        let Lengths { exact, any } = ring.lengths();
        let mut min_len = exact.first().copied().unwrap_or(usize::MAX);
        if any {
            min_len = min_len.min(ANY_MIN_LEN);
        }
        let max_exact = exact.last().copied().unwrap_or(0);
        let mut length_bits = vec![0u64; max_exact / 64 + 1];
        for &l in &exact {
            length_bits[l / 64] |= 1 << (l % 64);
        }
        RingTokens {
            fingerprints: ring.index(),
            exact,
            length_bits,
            max_exact,
            any,
            min_len: min_len.max(1),
        }
    }

    pub(crate) fn extract(&self, doc: &Document, out: &mut Extracted) {
        let before = out.candidates.len();
        self.extract_all(doc, out);
        // One candidate per place, rule and key: two decodings that reveal the same key
        // at the same place (an escape inside a percent-encoding, say) are one.
        let mut seen = HashSet::new();
        let mut index = 0;
        out.candidates.retain(|c| {
            index += 1;
            index <= before || {
                let fp = c.value.as_ref().map(Secret::fingerprint);
                seen.insert((c.at, c.detail.rule.clone(), fp))
            }
        });
    }

    fn extract_all(&self, doc: &Document, out: &mut Extracted) {
        let mut scratch = Scratch::for_document(doc.bytes.len());
        let mut quiet = NotKeys::for_len(doc.bytes.len());
        let mut marks = MarkFinder::new(doc.bytes);
        let mut budget = DECODE_BUDGET.max(doc.bytes.len().saturating_mul(2));
        // Asked only once a digest of a ring key is found (rare), not of every file.
        let mut stalekey_file: Option<bool> = None;
        let mut wrapped = wrapped::Wrapped::new(self.wrapped_span_max());
        for_each_run(doc.bytes, self.min_len.min(DIGEST_MIN), |start, run| {
            wrapped.visit(doc.bytes, start, run);
            if run.len() >= DIGEST_MIN {
                self.digests(run, |off, fp| {
                    if !*stalekey_file.get_or_insert_with(|| is_stalekey_file(doc.bytes)) {
                        out.candidates.push(Candidate::digest(
                            doc.position(start + off),
                            RULE_DIGEST,
                            fp,
                        ));
                    }
                });
            }
            if run.len() < self.min_len {
                return;
            }
            self.scan_run(run, &mut scratch, |off, len| {
                out.candidates.push(ring_candidate(
                    doc,
                    start + off,
                    RULE_TOKEN,
                    Secret::from_slice(&run[off..off + len]),
                ));
            });
            self.decoded(
                run,
                1,
                marks.run(start, start + run.len()),
                &mut budget,
                &mut quiet,
                &mut |off, rule, value| {
                    out.candidates
                        .push(ring_candidate(doc, start + off, rule, Secret::new(value)));
                },
            );
            self.byte_lists(run, true, &mut budget, &mut |off, v| {
                out.candidates
                    .push(ring_candidate(doc, start + off, RULE_BYTES, Secret::new(v)));
            });
        });
        wrapped.finish(doc.bytes);
        self.wrapped_base64(wrapped.found, &mut budget, &mut |at, rule, v| {
            out.candidates
                .push(ring_candidate(doc, at, rule, Secret::new(v)));
        });
        self.pem_blocks(doc, out);
        self.in_literals(doc.bytes, &mut budget, &mut |at, rule, v| {
            out.candidates
                .push(ring_candidate(doc, at, rule, Secret::new(v)));
        });
        self.byte_lists(doc.bytes, false, &mut budget, &mut |at, v| {
            out.candidates
                .push(ring_candidate(doc, at, RULE_BYTES, Secret::new(v)));
        });
    }

    /// Stored SHA-256 digests of ring keys inside a run: 64 hex digits in either case
    /// (`sha256:` or not) or the 32 bytes in base64 / base64url, padded or not, each
    /// standing alone (not part of a longer token).
    fn digests(&self, run: &[u8], mut hit: impl FnMut(usize, Fingerprint)) {
        // Base64(url) and hex digits (the same set as the `B64` class).
        let alphabet = |b: u8| CLASS[b as usize] & B64 != 0;
        let mut i = 0;
        while i < run.len() {
            if !alphabet(run[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < run.len() && alphabet(run[i]) {
                i += 1;
            }
            // Base64 padding ends a segment (`key_b64=…` is a name, `=`, a digest).
            while i < run.len() && run[i] == b'=' && i - start < 46 {
                i += 1;
            }
            let seg = &run[start..i];
            let digest = match seg.len() {
                64 => decode::hex(seg),
                43 => decode::base64(seg),
                44 if seg[43] == b'=' => decode::base64(&seg[..43]),
                _ => None,
            };
            if let Some(d) = digest.and_then(|d| <[u8; 32]>::try_from(d).ok()) {
                let fp = Fingerprint::from_digest(d);
                if self.fingerprints.contains(&fp) {
                    hit(start, fp);
                }
            }
        }
    }

    /// PEM, OpenSSH and PGP private-key blocks anywhere (a SQL string, a YAML block, a
    /// JSON string with `\n` escapes): a ring key is fingerprinted as its `.pem` file
    /// holds it (trimmed lines, `\n` endings, one final newline), so each block is
    /// normalized the same way, whatever its quoting and indentation, and looked up.
    pub(crate) fn pem_blocks(&self, doc: &Document, out: &mut Extracted) {
        const BEGIN: &[u8] = b"-----BEGIN ";
        let bytes = doc.bytes;
        let mut at = 0;
        while let Some(off) = needles::PEM_BEGIN.find(&bytes[at..]) {
            let start = at + off;
            at = start + BEGIN.len();
            if !private_key_label(&bytes[at..]) {
                continue;
            }
            let limit = bytes.len().min(start + PEM_MAX);
            let Some(end_off) = needles::PEM_END.find(&bytes[at..limit]) else {
                continue;
            };
            let end_label = at + end_off + b"-----END ".len();
            let Some(close) = needles::DASHES.find(&bytes[end_label..limit]) else {
                continue;
            };
            let block = &bytes[start..end_label + close + 5];
            let text = match decode::unescape(block) {
                Some(d) => d.bytes,
                None => block.to_vec(),
            };
            let mut pem = Vec::with_capacity(text.len());
            for line in text.split(|&b| b == b'\n') {
                // Indentation, string quotes and concatenation around each line go.
                let line = line.trim_ascii();
                let line = line
                    .strip_prefix(b"\"")
                    .or_else(|| line.strip_prefix(b"'"))
                    .unwrap_or(line);
                let line = line
                    .strip_suffix(b"\" +")
                    .or_else(|| line.strip_suffix(b"\""))
                    .or_else(|| line.strip_suffix(b"'"))
                    .unwrap_or(line)
                    .trim_ascii();
                if !line.is_empty() {
                    pem.extend_from_slice(line);
                    pem.push(b'\n');
                }
            }
            if self.fingerprints.contains(&Fingerprint::of(&pem)) {
                let c = Candidate::literal(
                    doc.position(start),
                    RULE_PEM,
                    Confidence::High,
                    Secret::new(pem),
                );
                out.candidates.push(c.with_origin(Origin::RingToken));
            }
            at = end_label;
        }
    }

    fn may_be_key_length(&self, len: usize) -> bool {
        self.exact.binary_search(&len).is_ok()
            || (self.any && (ANY_MIN_LEN..=ANY_MAX_LEN).contains(&len))
    }

    /// The longest a ring key may be.
    fn max_len(&self) -> usize {
        if self.any {
            ANY_MAX_LEN
        } else {
            self.max_exact
        }
    }

    /// How far back a stream's next chunk starts before a cut at whitespace: longer
    /// than the text of anything that spans blanks and holds a key (a private-key
    /// block, a byte-array literal of up to 16 characters a byte, a quoted key with
    /// blanks, a chain of joined literals), so that each is whole in one chunk.
    fn blank_spanning_reach(&self) -> usize {
        let lists = (self.max_len() * 16 + 64).max(self.joined_span_max());
        if self.any || self.max_exact >= 64 {
            lists.max(PEM_MAX)
        } else {
            lists
        }
    }

    /// The ring keys in a stream of any size (a file over `--max-filesize`, a binary
    /// file), in constant memory: read in chunks cut at whitespace (runs never span
    /// one) with the next chunk starting [`Self::blank_spanning_reach`] earlier, or
    /// where a chunk has no whitespace, with an overlap longer than any key; the
    /// overlap's findings are not counted twice. Returns the candidates and the bytes
    /// read.
    pub(crate) fn extract_stream(
        &self,
        path: &str,
        format: Format,
        reader: &mut dyn std::io::Read,
    ) -> std::io::Result<(Extracted, u64)> {
        self.extract_chunked(path, format, reader, 1 << 20)
    }

    fn extract_chunked(
        &self,
        path: &str,
        format: Format,
        reader: &mut dyn std::io::Read,
        chunk: usize,
    ) -> std::io::Result<(Extracted, u64)> {
        let overlap = self.max_len() * 2 + 64;
        let reach = self.blank_spanning_reach();
        let mut out = Extracted::default();
        // A chunk always holds more than the overlaps, so that every cut makes progress
        // (the next chunk starts at most two reaches before a cut in the second half).
        let chunk = chunk.max(overlap * 2).max(reach * 4 + 2);
        let mut buf: Vec<u8> = Vec::with_capacity(chunk + overlap);
        let mut base = Position { line: 1, column: 1 };
        let mut total = 0u64;
        // Findings in the previous chunk's overlap, which this chunk sees again.
        let mut seen: HashSet<(Position, String, Option<Fingerprint>)> = HashSet::new();
        loop {
            let want = chunk.saturating_sub(buf.len()).max(1);
            let n = read_up_to(reader, &mut buf, want)?;
            total += n as u64;
            let eof = n == 0 || buf.len() < chunk;
            let (cut, next_start) = if eof {
                (buf.len(), buf.len())
            } else {
                match memchr::memrchr3(b'\n', b' ', b'\t', &buf[buf.len() / 2..]) {
                    Some(i) => {
                        let at = buf.len() / 2 + i + 1;
                        // The next chunk starts after a blank `reach` before the cut
                        // (else just there), where no run is cut either: at a line's
                        // start if one is within another `reach`, since quotes pair
                        // from a line's start (see `literals`).
                        let back = at - reach;
                        let near = back - reach.min(back);
                        let line = memchr::memrchr(b'\n', &buf[near..back]).map(|j| near + j);
                        let from = line
                            .or_else(|| memchr::memrchr3(b'\n', b' ', b'\t', &buf[..back]))
                            .map_or(back, |j| j + 1);
                        (at, from)
                    }
                    None => (buf.len(), buf.len() - overlap.min(buf.len())),
                }
            };
            let doc = Document::at(path, &buf[..cut], format, base);
            let mut part = Extracted::default();
            self.extract(&doc, &mut part);
            let overlap_from = doc.position(next_start);
            let mut next_seen = HashSet::new();
            for c in part.candidates {
                let fp = c.value.as_ref().map(Secret::fingerprint);
                let key = (c.at, c.detail.rule.clone(), fp);
                // (Remembered even when already reported: the next chunk's start may lie
                // before this one's end, so three chunks can see one place.)
                let again = seen.contains(&key);
                if next_start < cut && c.at >= overlap_from {
                    next_seen.insert(key);
                }
                if !again {
                    out.candidates.push(c);
                }
            }
            // And what earlier chunks reported there: a chunk that started before this
            // one's overlap but missed a place an earlier one found (a cut run decodes
            // otherwise) must not let the next chunk report it again.
            if next_start < cut {
                next_seen.extend(seen.into_iter().filter(|k| k.0 >= overlap_from));
            }
            seen = next_seen;
            base = doc.position(next_start);
            buf.drain(..next_start);
            if eof {
                break;
            }
        }
        Ok((out, total))
    }
}

/// Does the armor label after `-----BEGIN ` name a private key (`RSA PRIVATE KEY`,
/// `OPENSSH PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`, PGP 2's `SECRET KEY BLOCK`)? A message
/// or a certificate, armored in every row of a dump, is no key.
pub(crate) fn private_key_label(after_begin: &[u8]) -> bool {
    let head = &after_begin[..after_begin.len().min(64)];
    let Some(n) = needles::DASHES.find(head) else {
        return false;
    };
    let label = &head[..n];
    let has = |word: &[u8]| memchr::memmem::find(label, word).is_some();
    has(b"PRIVATE KEY") || has(b"SECRET KEY")
}

/// The shortest form of a stored digest (43 characters of unpadded base64).
const DIGEST_MIN: usize = 43;

/// Is this stalekey's own output or a key ring (whose fingerprints are digests of ring
/// keys by design)? Such a file is never a digest consumer.
fn is_stalekey_file(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let has = |s: &[u8]| memchr::memmem::find(head, s).is_some();
    has(b"stalekey.report/")
        || (has(b"\"name\": \"stalekey\"") && has(b"\"version\""))
        || (has(b"\"keys\"") && has(b"\"fingerprint\"") && has(b"\"state\"") && has(b"\"service\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format;
    use base64::Engine as _;

    const KEY: &str = "Qm9vdHN0cmFwS2V5LTIwMjYtMTEtQUJD";

    fn ring_of(key: &str, with_length: bool) -> Ring {
        let fp = Fingerprint::of(key.as_bytes());
        let len = if with_length {
            format!(r#", "length": {}"#, key.len())
        } else {
            String::new()
        };
        Ring::parse(
            &format!(r#"{{"version":1,"keys":[{{"id":"k","service":"s","state":"active","fingerprint":"{fp}"{len}}}]}}"#),
            "r",
        )
        .unwrap()
    }

    fn find(text: &str, with_length: bool) -> Vec<(u32, u32, String)> {
        find_key(KEY, text, with_length)
    }

    pub(super) fn find_key(key: &str, text: &str, with_length: bool) -> Vec<(u32, u32, String)> {
        let r = ring_of(key, with_length);
        let tokens = RingTokens::new(&r);
        let doc = Document::new("a", text.as_bytes(), Format::Text);
        let mut out = Extracted::default();
        tokens.extract(&doc, &mut out);
        out.candidates
            .iter()
            .map(|c| (c.at.line, c.at.column, c.detail.rule.clone()))
            .collect()
    }

    #[test]
    fn finds_key_in_every_surrounding() {
        for with_length in [true, false] {
            let b64 = base64::engine::general_purpose::STANDARD.encode(KEY);
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("api:{KEY}"));
            let cases = [
                (format!("key {KEY} here"), 5, RULE_TOKEN),
                (
                    format!("curl https://admin:{KEY}@db.internal/x"),
                    20,
                    RULE_TOKEN,
                ),
                (format!("Authorization: Bearer {KEY}"), 23, RULE_TOKEN),
                (format!("'{KEY}',"), 2, RULE_TOKEN),
                (format!("?token={KEY}&x=1"), 8, RULE_TOKEN),
                (format!("value: {b64}"), 8, RULE_BASE64),
                (format!("Authorization: Basic {basic}"), 22, RULE_BASE64),
            ];
            for (text, col, rule) in cases {
                let found = find(&text, with_length);
                assert_eq!(
                    found,
                    vec![(1, col, rule.to_string())],
                    "{text} (length known: {with_length})"
                );
            }
        }
    }

    #[test]
    fn stored_digests_of_ring_keys_are_found_in_every_form() {
        use sha2::Digest as _;
        let digest: [u8; 32] = sha2::Sha256::digest(KEY.as_bytes()).into();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        let ring = ring_of(KEY, true);
        let tokens = RingTokens::new(&ring);
        let text = format!(
            "1\tci\t{hex}\n2\tci\t{}\naudit: before=sha256:{hex} after=x\nb64 {b64} url '{b64url}'\nlonger {hex}0\n",
            hex.to_uppercase()
        );
        let doc = Document::new("keys.sql", text.as_bytes(), Format::Text);
        let mut out = Extracted::default();
        tokens.extract(&doc, &mut out);
        let got: Vec<(u32, u32)> = out
            .candidates
            .iter()
            .filter(|c| c.kind() == crate::finding::Kind::Digest)
            .map(|c| (c.at.line, c.at.column))
            .collect();
        assert_eq!(got, vec![(1, 6), (2, 6), (3, 22), (4, 5), (4, 55)]);
        // A report or a ring lists fingerprints by design: never a digest consumer.
        let report =
            format!("{{\"schema\": \"stalekey.report/v1\", \"fingerprint\": \"sha256:{hex}\"}}");
        let doc = Document::new("report.json", report.as_bytes(), Format::Json);
        let mut out = Extracted::default();
        tokens.extract(&doc, &mut out);
        assert!(out
            .candidates
            .iter()
            .all(|c| c.kind() != crate::finding::Kind::Digest));
    }

    #[test]
    fn only_private_key_blocks_are_armored_keys() {
        for (label, private) in [
            ("RSA PRIVATE KEY", true),
            ("OPENSSH PRIVATE KEY", true),
            ("PGP PRIVATE KEY BLOCK", true),
            ("PGP SECRET KEY BLOCK", true),
            ("ENCRYPTED PRIVATE KEY", true),
            ("PGP MESSAGE", false),
            ("CERTIFICATE", false),
            ("PUBLIC KEY", false),
        ] {
            let block = format!("{label}-----\nAbCd\n-----END {label}-----\n");
            assert_eq!(private_key_label(block.as_bytes()), private, "{label}");
        }
        assert!(!private_key_label(b"PRIVATE KEY"), "no closing dashes");
    }

    #[test]
    fn partial_or_extended_keys_do_not_match() {
        assert!(find(&format!("{KEY}x"), true).is_empty());
        assert!(find(&KEY[1..], false).is_empty());
    }

    #[test]
    fn keys_with_delimiters_and_padding_are_found() {
        for key in [
            "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==",
            "dj(x=7@k#2&q*v!z^4%w-insecure",
        ] {
            for with_length in [true, false] {
                for (text, col) in [
                    (format!("TOKEN={key}"), 7),
                    (format!("k: \"{key}\","), 5),
                    (format!("the key is {key}."), 12),
                ] {
                    assert_eq!(
                        find_key(key, &text, with_length),
                        vec![(1, col, RULE_TOKEN.to_string())],
                        "{text} (length known: {with_length})"
                    );
                }
            }
        }
    }

    /// A fuzz input (`ring_stream`): at a forced cut, an escape and a percent-encoding
    /// revealed the same key at the same place twice.
    #[test]
    fn two_decodings_of_one_place_are_one_candidate() {
        let data: &[u8] = b"\x18\x18\x18\x18`\xec\xec\xec`''`,'\\\\`'|`IIIII'\\\\'``'|l&&&&&&&&&&&&/&&&&&&&&&&&&&&&&'&&&&&&&&&&&&&&&&&&&&ring-key-percent///%a\xffrCa$a$///\\\x9d...r\\x2]a$&$////&&&&&&&&&&&'`,'\\\\`'|`'`'\\\\`'|l&&&&&&&&&&\xe8\xc8%e0\xd8`)\x82\\";
        self_check(data);
    }

    /// A fuzz input (`ring_stream`): the whole document also finds a plain key through a
    /// percent-decoding of its whole run (a `%e0` far away); the cut run has no `%`, and
    /// the key is still found at its place, as a plain token.
    #[test]
    fn a_cut_run_finds_its_keys_whatever_far_decodings_add() {
        let data: &[u8] = b"\x18\x18\x18\x18`\xec\xec\xec`''`,'\\\\`'|`'\\\\'``'|l&&&&&&&&&&&&/&&&&&&&&&&&&&&&&'&&&&&&&&&&&&&&&&&&&&ring-key-pe\x98\x98\x98\x98rcent///%a\xffrCa$a$///\\\x9d...r\\x2]a$&$////&&&&&&&&&&&'`,'\\\\`\"\"&&&&&&'|`'`'\\\\`'|l&&&&&&&&&&\xe8\xc8%e0\xd8`)\x82\\";
        self_check(data);
    }

    /// A fuzz input (`ring_stream`): a run of quotes cut by the stream paired its quotes
    /// from the cut, not from the run's start, and read other keys (a doubled quote is
    /// now only a pair alone).
    #[test]
    fn a_cut_run_of_quotes_reads_the_keys_the_whole_one_does() {
        let data: &[u8] = b"\x0a\x0a\x0e\x00\x00\x00\x00\x00\x0a\x87''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''/''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''/''''''''''''''''''''''''''''''''''''''''''''''''''''''''''''";
        self_check(data);
    }

    /// The candidates of `text` read as a stream in chunks of `chunk` bytes.
    fn streamed(key: &str, text: &str, chunk: usize) -> Vec<(Position, &'static str)> {
        let tokens = RingTokens::new(&ring_of(key, true));
        let (out, _) = tokens
            .extract_chunked("a", Format::Text, &mut text.as_bytes(), chunk)
            .unwrap();
        let mut v: Vec<_> = out
            .candidates
            .iter()
            .map(|c| (c.at, ring_rule(&c.detail.rule)))
            .collect();
        v.sort();
        v
    }

    fn ring_rule(rule: &str) -> &'static str {
        [RULE_TOKEN, RULE_BYTES, RULE_PEM, RULE_JOINED]
            .into_iter()
            .find(|r| *r == rule)
            .unwrap_or("other")
    }

    /// Words and blanks: a stream is cut at any of them.
    fn filler(len: usize) -> String {
        "lorem ipsum\ndolor ".chars().cycle().take(len).collect()
    }

    #[test]
    fn a_stream_cut_inside_a_byte_array_or_a_key_block_finds_it_whole() {
        // A byte-array literal, eight numbers a line: wherever the cut falls in it.
        let list: Vec<String> = KEY.bytes().map(|b| format!("0x{b:02x}")).collect();
        let list = list
            .chunks(8)
            .map(|l| format!("    {},\n", l.join(", ")))
            .collect::<String>();
        for at in (0..1400).step_by(7) {
            let text = format!("{}\nkey = [\n{list}]\n{}", filler(at), filler(900));
            let got = streamed(KEY, &text, 1200);
            assert_eq!(got.len(), 1, "list after {at} bytes: {got:?}");
            assert_eq!(got[0].1, RULE_BYTES, "list after {at} bytes");
        }
        // A private-key block in a YAML block scalar, indented.
        let mut rng = crate::testrand::XorShift::new(7);
        let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let body: Vec<String> = (0..20)
            .map(|_| String::from_utf8(rng.text(b64, 64)).unwrap())
            .collect();
        let label = "OPENSSH PRIVATE KEY";
        let key = format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            body.join("\n")
        );
        let indented: String = key.lines().map(|l| format!("    {l}\n")).collect();
        for at in (10_000..40_000).step_by(211) {
            let text = format!("{}\nkey: |\n{indented}{}", filler(at), filler(40_000));
            let got = streamed(&key, &text, 32 << 10);
            assert_eq!(
                got.iter().filter(|c| c.1 == RULE_PEM).count(),
                1,
                "block after {at} bytes: {got:?}"
            );
        }
    }

    #[test]
    fn a_key_split_over_joined_literals_is_found_once_wherever_a_stream_cuts() {
        let (a, b) = KEY.split_at(14);
        let whole = find_key(KEY, &format!("String k = \"{a}\" +\n    \"{b}\";\n"), true);
        assert_eq!(whole.len(), 1, "{whole:?}");
        assert_eq!((whole[0].0, whole[0].1), (1, 13));
        for at in (0..1400).step_by(7) {
            let text = format!(
                "{}\nString k = \"{a}\" +\n    \"{b}\";\n{}",
                filler(at),
                filler(900)
            );
            let got = streamed(KEY, &text, 1200);
            assert_eq!(got.len(), 1, "chain after {at} bytes: {got:?}");
            assert_eq!(got[0].1, RULE_JOINED, "chain after {at} bytes");
        }
    }

    #[test]
    fn a_joined_key_among_quoted_blanks_is_found_once_wherever_a_stream_cuts() {
        // Quoted blanks on every line, where a chunk that started at one would pair the
        // line's quotes the other way round; and a part that is not the key's before it.
        let (a, b) = KEY.split_at(14);
        let line = format!("k = \"x y\" + \"{a}\" + \"{b}\";\n");
        let pad = "p = \"u v w\" + \"s t\";\n";
        for at in 0..2400 {
            let head = format!(
                "{}{}\n",
                pad.repeat(at / pad.len()),
                "z".repeat(at % pad.len())
            );
            let text = format!("{head}{line}{}", pad.repeat(120));
            let got = streamed(KEY, &text, 1200);
            assert_eq!(got.len(), 1, "key line after {at} bytes: {got:?}");
        }
        // A fuzz input whose lines are longer than the reach: the self-check allows it.
        self_check(include_bytes!(
            "../../../tests/data/fuzz/ring_stream-joined-long-lines"
        ));
    }

    #[test]
    fn a_place_that_three_chunks_see_is_found_once() {
        // Lines of one key and a long word: with few blanks a chunk is cut early, and
        // the chunk after next can start before this chunk's end.
        let key = &KEY[..12];
        for width in (100..300).step_by(3) {
            let line = format!("k={key},{}\n", "x".repeat(width));
            let text = line.repeat(20);
            for chunk in (514..1200).step_by(37) {
                let got = streamed(key, &text, chunk);
                assert_eq!(
                    got.len(),
                    20,
                    "lines of {width}, chunks of {chunk}: {got:?}"
                );
            }
        }
    }

    /// A fuzz find: quote runs (decoded as doubled quotes) cut by force in a stream
    /// with one blank, where a chunk that missed a place an earlier one reported (its
    /// cut run decoded otherwise) let the chunk after it report the place again. The
    /// input as (byte, repeat) pairs.
    #[test]
    fn a_place_a_middle_chunk_misses_is_not_found_again() {
        #[rustfmt::skip]
        const RUNS: &[(u8, usize)] = &[(44, 1), (74, 1), (241, 1), (40, 1), (241, 3), (46, 1), (241, 7), (2, 1), (0, 3), (241, 15), (125, 1), (93, 1), (125, 1), (39, 1), (190, 1), (39, 3), (55, 1), (125, 1), (93, 1), (125, 1), (39, 80), (55, 1), (125, 1), (93, 1), (125, 1), (39, 102), (56, 1), (39, 71), (55, 1), (125, 1), (93, 1), (125, 1), (39, 102), (54, 1), (125, 1), (93, 1), (125, 1), (39, 1), (92, 1), (39, 3), (55, 1), (125, 1), (93, 1), (125, 1), (39, 67), (56, 1), (125, 1), (93, 1), (125, 1), (39, 9), (41, 1), (39, 11), (93, 1), (125, 92), (39, 19), (1, 1), (0, 7), (255, 10), (39, 6), (74, 1), (46, 1), (255, 12), (39, 5), (167, 1), (39, 2), (255, 23), (39, 6), (56, 1), (125, 1), (93, 1), (125, 1), (39, 19), (1, 1), (0, 7), (255, 2), (87, 4), (223, 1), (123, 1), (199, 1), (188, 1), (10, 1), (241, 2), (255, 36), (87, 5), (255, 45), (39, 2), (56, 1), (125, 1), (93, 1), (125, 1), (39, 9), (125, 1), (93, 1), (125, 1), (39, 1), (190, 1), (92, 1), (39, 3), (55, 1), (125, 1), (93, 1), (125, 1), (39, 67), (56, 1), (125, 1), (93, 1), (125, 1), (39, 9), (41, 1), (39, 11), (93, 1), (125, 1), (39, 2), (0, 20), (255, 7), (254, 1), (0, 27), (39, 9), (37, 1), (39, 21), (209, 1), (39, 24), (55, 1), (125, 1), (93, 1), (125, 1), (39, 18), (55, 1), (125, 1), (93, 1), (125, 1), (39, 102), (56, 1), (39, 42), (64, 1), (55, 1), (125, 1), (93, 1), (125, 1), (39, 8), (0, 96), (39, 17), (1, 1), (0, 3), (124, 1), (39, 12), (1, 1), (0, 7), (255, 2), (87, 4), (223, 1), (123, 1), (199, 1), (188, 1), (10, 1), (241, 2), (255, 36), (87, 5), (255, 45), (39, 2), (56, 1), (125, 1), (93, 1), (125, 1), (39, 9), (41, 1), (39, 14), (255, 1), (241, 5)];
        let data: Vec<u8> = RUNS
            .iter()
            .flat_map(|&(b, n)| std::iter::repeat_n(b, n))
            .collect();
        assert_eq!(data.len(), 1524);
        self_check(&data);
    }

    /// Seeded random texts over a small alphabet (so that keys recur), with long runs
    /// without whitespace (forced cuts), through [`self_check`].
    #[test]
    fn random_streams_find_every_key_once() {
        let alphabet = b"abAB01=:/ \n\"'";
        let mut rng = crate::testrand::XorShift::new(0x0123_4567_89AB_CDEF);
        for round in 0..300 {
            // Some long enough to be cut with keys of unknown length (chunks of at least
            // twice their 2 KB overlap, or cut at a blank, their 16 KB reach back).
            let len = if round % 30 == 0 {
                34_000 + rng.below(20_000)
            } else if round % 10 == 0 {
                5_000 + rng.below(8_000)
            } else {
                200 + rng.below(3000)
            };
            let mut data = vec![rng.below(256) as u8];
            let dense = round % 3 == 0;
            data.extend((0..len).map(|_| {
                let c = alphabet[rng.below(alphabet.len())];
                if dense && (c == b' ' || c == b'\n') {
                    b'a'
                } else {
                    c
                }
            }));
            self_check(&data);
        }
    }
}
