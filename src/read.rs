//! Read: a file's bytes and format, or why it is skipped.

use crate::format::Format;
use std::io::Read;
use std::path::Path;

/// How many leading bytes decide whether a file is binary (like git and ripgrep).
const BINARY_PROBE: usize = 8192;

pub enum ReadOutcome {
    Text { bytes: Vec<u8>, format: Format },
    Binary { size: u64 },
    TooLarge { size: u64 },
    Unreadable { message: String },
}

/// Reads the file unless it is larger than `max_filesize` or binary.
pub fn read(path: &Path, shown: &str, max_filesize: Option<u64>) -> ReadOutcome {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return ReadOutcome::Unreadable {
                message: e.to_string(),
            }
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let format = Format::detect(shown, b"");
    let exempt = format == Format::Sql;
    if let Some(max) = max_filesize {
        if size > max && !exempt {
            return ReadOutcome::TooLarge { size };
        }
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    if let Err(e) = file.read_to_end(&mut bytes) {
        return ReadOutcome::Unreadable {
            message: e.to_string(),
        };
    }
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    if memchr::memchr(0, probe).is_some() {
        return ReadOutcome::Binary { size };
    }
    let format = if format == Format::Text || shown.ends_with(".conf") {
        Format::detect(shown, probe)
    } else {
        format
    };
    ReadOutcome::Text { bytes, format }
}

/// Parses `--max-filesize` values: `1048576`, `512K`, `20M`, `1G`.
pub fn parse_size(text: &str) -> Result<u64, String> {
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
