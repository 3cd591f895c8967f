//! Read: a document's bytes and format, or why it is skipped. One binary rule and one
//! size rule for every source.

use super::source::{Body, Item};
use crate::format::Format;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// How many leading bytes decide whether a file is binary (like git and ripgrep).
const BINARY_PROBE: usize = 8192;
/// Read buffer of streamed files.
const STREAM_BUFFER: usize = 256 * 1024;

pub(crate) enum ReadOutcome {
    Text {
        bytes: Vec<u8>,
        format: Format,
    },
    /// A file read as a stream, never whole (SQL dumps, gzip-compressed or not).
    Stream {
        reader: Box<dyn BufRead + Send>,
        format: Format,
    },
    /// Only ring keys are looked for, in a stream: a binary file, or one over
    /// `--max-filesize` (never read whole).
    RingOnly {
        reader: Box<dyn Read + Send>,
        format: Format,
        why: RingOnly,
    },
    /// A text file too big to hold whole (over [`CHUNKED_MIN`]): scanned in chunks at
    /// line boundaries, on every core.
    Chunked {
        file: std::fs::File,
        size: u64,
        format: Format,
    },
    /// A file of a known kind that cannot be scanned (a pg_dump custom-format archive).
    Unsupported {
        message: String,
    },
    Unreadable {
        message: String,
    },
    /// A character or block device, a FIFO or a socket met in a walk: not read.
    Special {
        kind: &'static str,
    },
}

/// Why a file is scanned for ring keys only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RingOnly {
    Binary,
    TooLarge(u64),
}

/// The one size rule of every source: is a document of `size` bytes read whole? Files
/// over `max_filesize` are not (they are streamed for ring keys only), SQL dumps
/// excepted (they are streamed in full).
pub(crate) fn admit(shown: &str, size: u64, max_filesize: Option<u64>) -> bool {
    !matches!(max_filesize, Some(max) if size > max) || Format::detect(shown, b"") == Format::Sql
}

/// The one binary rule: a NUL byte in the first [`BINARY_PROBE`] bytes (UTF-16 text
/// aside, which [`utf16`] decodes first).
fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some()
}

/// UTF-16 text, by its byte-order mark or, without one, by NULs in every other byte:
/// decoded to UTF-8 (unpaired surrogates as U+FFFD). Positions in its findings are
/// those of the decoded text.
fn utf16(bytes: &[u8]) -> Option<Vec<u8>> {
    let (little, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => {
            let probe = &bytes[..bytes.len().min(BINARY_PROBE) & !1];
            if probe.len() < 16 || memchr::memchr(0, probe).is_none() {
                return None;
            }
            let pairs = probe.len() / 2;
            let zeros = |i: usize| probe.iter().skip(i).step_by(2).filter(|&&b| b == 0).count();
            let (even, odd) = (zeros(0), zeros(1));
            if odd * 10 >= pairs * 9 && even * 20 <= pairs {
                (true, bytes)
            } else if even * 10 >= pairs * 9 && odd * 20 <= pairs {
                (false, bytes)
            } else {
                return None;
            }
        }
    };
    let units = body.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(text.into_bytes())
}

/// The format of a document read whole: by name, and for `.conf` and unknown names also
/// by the first bytes.
fn text_format(shown: &str, bytes: &[u8]) -> Format {
    let format = Format::detect(shown, b"");
    if format == Format::Text || shown.ends_with(".conf") {
        Format::detect(shown, &bytes[..bytes.len().min(BINARY_PROBE)])
    } else {
        format
    }
}

/// Bytes read whole: text (UTF-8 or decoded UTF-16), or a binary file for ring keys.
fn classify(shown: &str, bytes: Vec<u8>) -> ReadOutcome {
    if let Some(text) = utf16(&bytes) {
        let format = text_format(shown, &text);
        return ReadOutcome::Text {
            bytes: text,
            format,
        };
    }
    if is_binary(&bytes) {
        return ReadOutcome::RingOnly {
            reader: Box::new(std::io::Cursor::new(bytes)),
            format: Format::Binary,
            why: RingOnly::Binary,
        };
    }
    let format = text_format(shown, &bytes);
    ReadOutcome::Text { bytes, format }
}

/// Reads one document of a source, or says why it is not scanned.
pub(crate) fn read(item: Item, max_filesize: Option<u64>) -> ReadOutcome {
    match item.body {
        Body::File => read_file(&item.path, &item.shown, max_filesize),
        Body::Bytes(bytes) => classify(&item.shown, bytes),
        Body::Large { reader, size } => too_large(&item.shown, size, reader),
        Body::Unreadable(message) => ReadOutcome::Unreadable { message },
        Body::Special(kind) => ReadOutcome::Special { kind },
        Body::Document { bytes, format } => ReadOutcome::Text { bytes, format },
    }
}

/// Reads a file: never more than `max_filesize` + 1 bytes into memory; a larger file is
/// streamed for ring keys only.
fn read_file(path: &Path, shown: &str, max_filesize: Option<u64>) -> ReadOutcome {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return ReadOutcome::Unreadable {
                message: e.to_string(),
            }
        }
    };
    let meta = file.metadata().ok();
    let regular = meta.as_ref().is_some_and(|m| m.is_file());
    let size = meta.as_ref().map_or(0, |m| m.len());
    if Format::detect(shown, b"") == Format::Sql {
        return open_stream(file, Format::Sql);
    }
    if regular && !admit(shown, size, max_filesize) {
        return too_large(shown, size, Box::new(file));
    }
    if regular && size > CHUNKED_MIN {
        let mut file = file;
        let mut head = vec![0u8; BINARY_PROBE];
        let n = read_up_to(&mut file, &mut head);
        head.truncate(n);
        if !is_binary(&head) && utf16(&head).is_none() {
            if let Err(e) = std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0)) {
                return ReadOutcome::Unreadable {
                    message: e.to_string(),
                };
            }
            return ReadOutcome::Chunked {
                file,
                size,
                format: text_format(shown, &head),
            };
        }
        if is_binary(&head) {
            // Streamed for ring keys, never held whole.
            return ReadOutcome::RingOnly {
                reader: Box::new(std::io::Cursor::new(head).chain(file)),
                format: Format::Binary,
                why: RingOnly::Binary,
            };
        }
        return classify_reader(shown, head, file);
    }
    // A pipe given explicitly has no size: read at most the limit and one byte more.
    let limit = max_filesize.map_or(u64::MAX, |m| m.saturating_add(1));
    let mut bytes = Vec::with_capacity(if regular { size as usize + 1 } else { 1 << 16 });
    let mut file = file.take(limit);
    if let Err(e) = file.read_to_end(&mut bytes) {
        return ReadOutcome::Unreadable {
            message: e.to_string(),
        };
    }
    if max_filesize.is_some_and(|m| bytes.len() as u64 > m) {
        let read = bytes.len() as u64;
        let rest = file.into_inner();
        return too_large(
            shown,
            read,
            Box::new(std::io::Cursor::new(bytes).chain(rest)),
        );
    }
    classify(shown, bytes)
}

/// Text files larger than this are not read whole: they are scanned in chunks.
pub(crate) const CHUNKED_MIN: u64 = 64 << 20;

/// Reads up to `buf.len()` bytes; how many were read (short only at the end).
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

/// A big file that is binary or UTF-16: read whole as before (`head` already read).
fn classify_reader(shown: &str, mut head: Vec<u8>, mut file: std::fs::File) -> ReadOutcome {
    if let Err(e) = file.read_to_end(&mut head) {
        return ReadOutcome::Unreadable {
            message: e.to_string(),
        };
    }
    classify(shown, head)
}

fn too_large(shown: &str, size: u64, reader: Box<dyn Read + Send>) -> ReadOutcome {
    ReadOutcome::RingOnly {
        reader,
        format: Format::detect(shown, b""),
        why: RingOnly::TooLarge(size),
    }
}

/// A SQL dump as a stream: gzip is decompressed on the fly (by its magic bytes, so
/// `.sql.gz` and a compressed `.dump` both work); a pg_dump custom-format archive
/// (`PGDMP`) is not SQL text and is reported as unsupported.
fn open_stream(file: std::fs::File, format: Format) -> ReadOutcome {
    let mut reader: Box<dyn BufRead + Send> =
        Box::new(BufReader::with_capacity(STREAM_BUFFER, file));
    let head = match reader.fill_buf() {
        Ok(h) => h,
        Err(e) => {
            return ReadOutcome::Unreadable {
                message: e.to_string(),
            }
        }
    };
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(reader);
        reader = Box::new(BufReader::with_capacity(STREAM_BUFFER, gz));
    }
    let head = match reader.fill_buf() {
        Ok(h) => h,
        Err(e) => {
            return ReadOutcome::Unreadable {
                message: format!("not valid gzip: {e}"),
            }
        }
    };
    if head.starts_with(b"PGDMP") {
        return ReadOutcome::Unsupported {
            message: "pg_dump custom-format archive, not SQL text: convert it with \
                      `pg_restore -f out.sql FILE` and scan out.sql"
                .to_string(),
        };
    }
    if is_binary(head) {
        return ReadOutcome::RingOnly {
            reader: Box::new(reader),
            format: Format::Binary,
            why: RingOnly::Binary,
        };
    }
    ReadOutcome::Stream { reader, format }
}

/// Parses `--max-filesize` values: `1048576`, `512K`, `20M`, `1G`.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&t[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| {
            format!("invalid size {text:?} (use a number with an optional K, M or G suffix)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10").unwrap(), 10);
        assert_eq!(parse_size("2K").unwrap(), 2048);
        assert_eq!(parse_size("20M").unwrap(), 20 << 20);
        assert!(parse_size("ten").unwrap_err().contains("invalid size"));
    }
}
