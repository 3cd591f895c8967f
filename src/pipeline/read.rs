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
    Binary,
    TooLarge {
        size: u64,
    },
    /// A file of a known kind that cannot be scanned (a pg_dump custom-format archive).
    Unsupported {
        message: String,
    },
    Unreadable {
        message: String,
    },
}

/// The one size rule of every source: is a document of `size` bytes read? Files over
/// `max_filesize` are skipped, SQL dumps excepted (they are streamed).
pub(crate) fn admit(shown: &str, size: u64, max_filesize: Option<u64>) -> bool {
    !matches!(max_filesize, Some(max) if size > max) || Format::detect(shown, b"") == Format::Sql
}

/// The one binary rule: a NUL byte in the first [`BINARY_PROBE`] bytes.
fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some()
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

/// Reads one document of a source, or says why it is not scanned.
pub(crate) fn read(item: Item, max_filesize: Option<u64>) -> ReadOutcome {
    match item.body {
        Body::File => read_file(&item.path, &item.shown, max_filesize),
        Body::Bytes(bytes) => {
            if is_binary(&bytes) {
                return ReadOutcome::Binary;
            }
            let format = text_format(&item.shown, &bytes);
            ReadOutcome::Text { bytes, format }
        }
        Body::TooLarge(size) => ReadOutcome::TooLarge { size },
        Body::Unreadable(message) => ReadOutcome::Unreadable { message },
    }
}

/// Reads the file unless it is larger than `max_filesize` or binary.
fn read_file(path: &Path, shown: &str, max_filesize: Option<u64>) -> ReadOutcome {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return ReadOutcome::Unreadable {
                message: e.to_string(),
            }
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if !admit(shown, size, max_filesize) {
        return ReadOutcome::TooLarge { size };
    }
    if Format::detect(shown, b"") == Format::Sql {
        return open_stream(file, Format::Sql);
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    if let Err(e) = file.read_to_end(&mut bytes) {
        return ReadOutcome::Unreadable {
            message: e.to_string(),
        };
    }
    if is_binary(&bytes) {
        return ReadOutcome::Binary;
    }
    let format = text_format(shown, &bytes);
    ReadOutcome::Text { bytes, format }
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
        return ReadOutcome::Binary;
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
