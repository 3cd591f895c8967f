//! Jupyter notebooks (`.ipynb`): each cell's `source` is a list of JSON strings. The
//! strings are decoded and joined into the cell's code, which the rules scan as the
//! notebook's language (`metadata.language_info.name`, else Python); each finding is put
//! back at the string it came from in the file.

use super::decode;
use super::Embedded;
use super::{Document, Extracted, Position};
use crate::format::Format;

/// One decoded line of a cell and where its string's text starts in the file.
struct Piece {
    text: Vec<u8>,
    /// For each byte of `text`, its offset in the string's raw (escaped) body.
    from: Option<Vec<usize>>,
    at: Position,
}

/// The notebook's language, from `"language_info": {"name": "…"}`.
fn language(bytes: &[u8]) -> Format {
    let Some(i) = memchr::memmem::find(bytes, b"\"language_info\"") else {
        return Format::Python;
    };
    let rest = &bytes[i..bytes.len().min(i + 400)];
    let name = memchr::memmem::find(rest, b"\"name\"").and_then(|n| {
        let after = &rest[n + 6..];
        let open = memchr::memchr(b'"', after)?;
        let close = memchr::memchr(b'"', &after[open + 1..])?;
        Some(after[open + 1..open + 1 + close].to_ascii_lowercase())
    });
    match name.as_deref() {
        Some(b"javascript" | b"typescript") => Format::Javascript,
        Some(b"go") => Format::Go,
        Some(b"java" | b"scala" | b"kotlin") => Format::Java,
        Some(b"ruby") => Format::Ruby,
        Some(b"bash" | b"sh" | b"shell") => Format::Shell,
        _ => Format::Python,
    }
}

/// The JSON string starting at `bytes[open]` (a `"`): its raw body and end.
fn json_string(bytes: &[u8], open: usize) -> Option<(&[u8], usize)> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some((&bytes[open + 1..i], i + 1)),
            b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

/// The strings of each `"source"` of the file, cell by cell.
fn cells(doc: &Document) -> Vec<Vec<Piece>> {
    let bytes = doc.bytes;
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(off) = memchr::memmem::find(&bytes[at..], b"\"source\"") {
        let mut i = at + off + b"\"source\"".len();
        at = i;
        while i < bytes.len() && (bytes[i] == b':' || bytes[i].is_ascii_whitespace()) {
            i += 1;
        }
        let mut cell = Vec::new();
        let list = bytes.get(i) == Some(&b'[');
        if list {
            i += 1;
        }
        loop {
            while i < bytes.len() && (bytes[i] == b',' || bytes[i].is_ascii_whitespace()) {
                i += 1;
            }
            if bytes.get(i) != Some(&b'"') {
                break;
            }
            let Some((raw, end)) = json_string(bytes, i) else {
                break;
            };
            let (text, from) = match decode::unescape(raw) {
                Some(d) => (d.bytes, Some(d.from)),
                None => (raw.to_vec(), None),
            };
            cell.push(Piece {
                text,
                from,
                at: doc.position(i + 1),
            });
            i = end;
            if !list {
                break;
            }
        }
        at = i.max(at);
        if !cell.is_empty() {
            out.push(cell);
        }
    }
    out
}

/// Runs the rules on each code cell; candidates are moved to the file.
pub(crate) fn extract(doc: &Document, embedded: Embedded, out: &mut Extracted) {
    let format = language(doc.bytes);
    for cell in cells(doc) {
        let mut code = Vec::new();
        // The cell line each piece starts at (1-based).
        let mut starts = Vec::with_capacity(cell.len());
        let mut line = 1u32;
        for p in &cell {
            starts.push(line);
            code.extend_from_slice(&p.text);
            // A piece without a final newline is continued by the next one.
            line += memchr::memchr_iter(b'\n', &p.text).count() as u32;
        }
        let cell_doc = Document::new(doc.path, &code, format);
        let mut found = Extracted::default();
        embedded(&cell_doc, &mut found);
        for mut c in found.candidates {
            // The last piece starting at or before the candidate's line.
            let k = starts
                .partition_point(|&s| s <= c.at.line)
                .saturating_sub(1);
            let piece = &cell[k];
            let column = if starts[k] == c.at.line {
                let off = c.at.column as usize - 1;
                let raw = piece
                    .from
                    .as_ref()
                    .map_or(off, |f| f.get(off).copied().unwrap_or(off));
                piece.at.column + raw as u32
            } else {
                c.at.column
            };
            c.at = Position {
                line: piece.at.line + (c.at.line - starts[k]),
                column,
            };
            out.candidates.push(c);
        }
        out.warnings.extend(found.warnings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_scanned_as_code_at_their_place_in_the_file() {
        let nb = br##"{
 "cells": [
  {
   "cell_type": "code",
   "source": [
    "import os\n",
    "SECRET_KEY = \"v8hnkYYYX1XcGYeL0n71F1BD\"\n"
   ]
  },
  {"cell_type": "markdown", "source": "# notes"}
 ],
 "metadata": {"language_info": {"name": "python"}}
}
"##;
        let ex = crate::extract::test_extractors();
        let doc = Document::new("nb.ipynb", nb, Format::Notebook);
        let mut out = Extracted::default();
        extract(&doc, &|b, o| ex.by_format(b, o), &mut out);
        let found = crate::extract::places(&out);
        // The string's text starts at column 6; `SECRET_KEY = \"` is 15 bytes of it.
        assert!(found.contains(&(7, 21, "python-secret-key")), "{found:?}");
        assert_eq!(
            out.candidates[0].value.as_ref().unwrap().expose(),
            b"v8hnkYYYX1XcGYeL0n71F1BD"
        );
    }
}
