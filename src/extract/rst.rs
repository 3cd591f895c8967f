//! reStructuredText: each `.. code-block:: LANG` (`.. code::`, `.. sourcecode::`)
//! block is also scanned with the rules of its language, as Markdown fences are; a
//! `text`/`console` block of `$ command` lines is read as shell. The block is the
//! indented text after the directive and its `:option:` lines. A paragraph ending in
//! `::` opens a literal block, read as Python (Sphinx's default highlighting). The whole
//! file is still scanned as text.

use super::markdown::language;
use super::Embedded;
use super::{Document, Extracted};
use crate::format::Format;

const DIRECTIVES: [&[u8]; 3] = [b".. code-block::", b".. code::", b".. sourcecode::"];

pub(crate) fn extract(doc: &Document, embedded: Embedded, out: &mut Extracted) {
    let bytes = doc.bytes;
    if memchr::memmem::find(bytes, b".. code").is_none()
        && memchr::memmem::find(bytes, b".. sourcecode").is_none()
    {
        return;
    }
    let mut lines = Vec::new();
    let mut at = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        lines.push((at, line));
        at += line.len();
    }
    let indent_of = |l: &[u8]| l.iter().take_while(|&&b| b == b' ').count();
    let blank = |l: &[u8]| l.trim_ascii().is_empty();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].1;
        let indent = indent_of(line);
        let rest = line[indent..].trim_ascii_end();
        let lang: &[u8] = match DIRECTIVES.iter().find(|d| rest.starts_with(d)) {
            Some(directive) => rest[directive.len()..].trim_ascii(),
            // A paragraph ending in `::` opens a literal block, highlighted as
            // Python by Sphinx's default; other directives (`.. note::`) are prose.
            None if rest.ends_with(b"::") && !rest.starts_with(b"..") => b"python",
            None => {
                i += 1;
                continue;
            }
        };
        // Options (`:caption: …`) and blank lines, then the indented body.
        let mut j = i + 1;
        while j < lines.len()
            && (blank(lines[j].1)
                || (indent_of(lines[j].1) > indent
                    && lines[j].1.trim_ascii_start().starts_with(b":")))
        {
            j += 1;
        }
        let start = j;
        while j < lines.len() && (blank(lines[j].1) || indent_of(lines[j].1) > indent) {
            j += 1;
        }
        if j > start {
            let body_start = lines[start].0;
            let body_end = lines.get(j).map_or(bytes.len(), |l| l.0);
            let body = &bytes[body_start..body_end];
            if let Some(format) = block_format(lang, body) {
                // `$ ` prompts become spaces: the commands start their lines, columns hold.
                let unprompted = (format == Format::Shell
                    && !matches!(lang, b"sh" | b"bash" | b"shell"))
                .then(|| without_prompts(body));
                let text = unprompted.as_deref().unwrap_or(body);
                let block = Document::at(doc.path, text, format, doc.position(body_start));
                embedded(&block, out);
            }
        }
        i = j.max(i + 1);
    }
}

/// `body` with each line's leading `$ ` (POSIX) or `> ` (Windows) prompt replaced by
/// two spaces.
fn without_prompts(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    let mut start = 0;
    for line in body.split_inclusive(|&b| b == b'\n') {
        let lead = line.iter().take_while(|&&b| b == b' ').count();
        if line[lead..].starts_with(b"$ ") || line[lead..].starts_with(b"> ") {
            out[start + lead] = b' ';
        }
        start += line.len();
    }
    out
}

/// The language of a block: its directive's argument, or for a text or console block
/// of `$ ` command lines, shell.
fn block_format(lang: &[u8], body: &[u8]) -> Option<Format> {
    let shell_lines = || {
        body.split(|&b| b == b'\n').any(|l| {
            let l = l.trim_ascii_start();
            l.starts_with(b"$ ") || l.starts_with(b"> ")
        })
    };
    match lang {
        b"" | b"text" | b"none" | b"console" | b"shell-session" | b"pycon" if shell_lines() => {
            Some(Format::Shell)
        }
        _ => language(lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_are_read_as_their_language() {
        let ex = crate::extract::test_extractors();
        let rst = b"Deploy\n======\n\n.. code-block:: python\n    :caption: ``instance/config.py``\n\n    SECRET_KEY = '9f3c6b1e7a2d4f8c0b5e3a1d7c9f2b4e'\n\nText.\n\n.. code-block:: text\n\n    $ export FLASK_SECRET_KEY=\"5e1a9c3f7b2d8e4a6c0f1b3d5a7e9c2f\"\n\n.. code-block:: text\n\n    SECRET_KEY = '1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e'\n\nA literal block::\n\n    app.config.update(\n        SECRET_KEY='7c1e9a3f5b2d8c4e6a0f1d3b5c7e9a2f'\n    )\n\n.. note::\n\n    SECRET_KEY = 'e2f4a6c8b0d1e3f5a7c9b1d3e5f7a9c1'\n\n.. code-block:: text\n\n    > set SECRET_KEY=\"3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e1b\"\n";
        let doc = Document::new("docs/deploy.rst", rst, Format::Rst);
        let mut out = Extracted::default();
        extract(&doc, &|b, o| ex.by_format(b, o), &mut out);
        let found = crate::extract::places(&out);
        assert!(found.contains(&(7, 19, "python-secret-key")), "{found:?}");
        assert!(
            found.iter().any(|f| f.0 == 13),
            "the console block: {found:?}"
        );
        assert!(
            !found.iter().any(|f| f.0 == 17),
            "a plain text block: {found:?}"
        );
        assert!(
            found.iter().any(|f| f.0 == 22),
            "a literal block: {found:?}"
        );
        assert!(!found.iter().any(|f| f.0 == 27), "a note: {found:?}");
        assert!(
            found.iter().any(|f| f.0 == 31),
            "a Windows prompt: {found:?}"
        );
    }
}
