//! Extract: from a document's bytes to candidates (value, name, context, rule).
//!
//! Each file format has its own extractors; the rule extractor (regex rules from
//! `rules/`) and the ring-token extractor run on every text format. A new format is a
//! new module here and one line in [`Extractors::run`].

pub(crate) mod config;
pub(crate) mod decode;
pub(crate) mod kube;
pub(crate) mod literal;
pub(crate) mod markdown;
mod needles;
pub(crate) mod nginx;
pub(crate) mod notebook;
pub(crate) mod rst;
pub(crate) mod rules;
pub(crate) mod runs;
pub(crate) mod sql;
pub(crate) mod template;
pub(crate) mod tokens;

pub(crate) use crate::finding::{Bar, Confidence, Detail, Kind, Origin, Position};
use crate::format::Format;
use crate::ring::Ring;
use crate::secret::{Fingerprint, Secret};
use std::cell::OnceCell;

/// A place in a document that holds or obtains a secret.
pub(crate) struct Candidate {
    pub at: Position,
    pub detail: Detail,
    pub origin: Origin,
    pub confidence: Confidence,
    /// What an unmatched value must pass to be a finding.
    pub bar: Bar,
    /// The secret bytes, for literals; dropped once fingerprinted.
    pub value: Option<Secret>,
    /// A key the extractor linked to ciphertext (SQL trigger that encrypts a column).
    pub key_hint: Option<Fingerprint>,
}

impl Candidate {
    pub(crate) fn literal(at: Position, rule: &str, confidence: Confidence, value: Secret) -> Self {
        Candidate {
            at,
            detail: Detail::new(Kind::Literal, rule),
            origin: Origin::Rule,
            confidence,
            bar: Bar::STRUCTURED,
            value: Some(value),
            key_hint: None,
        }
    }

    pub(crate) fn reference(at: Position, rule: &str, name: String) -> Self {
        let mut detail = Detail::new(Kind::Reference, rule);
        detail.name = Some(name);
        Candidate {
            at,
            detail,
            origin: Origin::Rule,
            confidence: Confidence::High,
            bar: Bar::STRUCTURED,
            value: None,
            key_hint: None,
        }
    }

    /// A stored digest of the ring key whose fingerprint is `fp`.
    pub(crate) fn digest(at: Position, rule: &str, fp: Fingerprint) -> Self {
        Candidate {
            at,
            detail: Detail::new(Kind::Digest, rule),
            origin: Origin::RingToken,
            confidence: Confidence::High,
            bar: Bar::STRUCTURED,
            value: None,
            key_hint: Some(fp),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.detail.kind
    }

    pub(crate) fn with_name(mut self, name: Option<String>) -> Self {
        self.detail.name = name;
        self
    }

    pub(crate) fn with_context(mut self, context: Option<String>) -> Self {
        self.detail.context = context;
        self
    }

    pub(crate) fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }

    pub(crate) fn with_bar(mut self, bar: Bar) -> Self {
        self.bar = bar;
        self
    }
}

/// A file's bytes with its format, and a lazily built line index.
pub(crate) struct Document<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    pub format: Format,
    /// The scan's nginx include index, for nginx documents scanned with one.
    pub nginx: Option<&'a nginx::NginxIndex>,
    /// Where `bytes` start in the file (a piece of a streamed file).
    base: Position,
    line_starts: OnceCell<Vec<usize>>,
}

impl<'a> Document<'a> {
    pub(crate) fn new(path: &'a str, bytes: &'a [u8], format: Format) -> Self {
        Self::at(path, bytes, format, Position { line: 1, column: 1 })
    }

    /// A piece of a file that starts at `base` (streamed SQL dumps).
    pub(crate) fn at(path: &'a str, bytes: &'a [u8], format: Format, base: Position) -> Self {
        Document {
            path,
            bytes,
            format,
            nginx: None,
            base,
            line_starts: OnceCell::new(),
        }
    }

    pub(crate) fn with_nginx_index(mut self, index: Option<&'a nginx::NginxIndex>) -> Self {
        self.nginx = index;
        self
    }

    /// Line and column of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let starts = self.line_starts.get_or_init(|| {
            let mut v = vec![0];
            v.extend(memchr::memchr_iter(b'\n', self.bytes).map(|i| i + 1));
            v
        });
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let column = (offset - starts[line - 1] + 1) as u32;
        Position {
            line: line as u32 + self.base.line - 1,
            column: if line == 1 {
                column + self.base.column - 1
            } else {
                column
            },
        }
    }
}

/// What extraction gives for one document.
#[derive(Default)]
pub(crate) struct Extracted {
    pub candidates: Vec<Candidate>,
    /// Problems with the file that did not stop its scan (malformed syntax).
    pub warnings: Vec<String>,
    /// Lines of a streamed file that carry `stalekey:allow` (an in-memory file's lines
    /// are found from its bytes).
    pub allowed_lines: Vec<u32>,
}

/// How a document that holds others (Markdown, reStructuredText, a notebook) has each
/// embedded one read: as its own format, by that format's extractors and rules.
pub(crate) type Embedded<'e> = &'e dyn Fn(&Document, &mut Extracted);

/// All extractors, built once per scan.
pub(crate) struct Extractors {
    rules: rules::RuleSet,
    tokens: Option<tokens::RingTokens>,
    nginx: nginx::Nginx,
}

impl Extractors {
    pub(crate) fn new(rules: rules::RuleSet, ring: &Ring) -> Self {
        let tokens = (!ring.is_empty()).then(|| tokens::RingTokens::new(ring));
        Extractors {
            rules,
            tokens,
            nginx: nginx::Nginx::new(ring),
        }
    }

    /// Runs every extractor that applies to the document's format.
    pub(crate) fn run(&self, doc: &Document) -> Extracted {
        let mut out = Extracted::default();
        if doc.format == Format::Sql {
            let mut bytes = doc.bytes;
            sql::extract_stream(
                doc.path,
                &mut bytes,
                self.tokens.as_ref(),
                &self.rules,
                &mut out,
                1,
            );
            return out;
        }
        let embedded = |block: &Document, out: &mut Extracted| self.by_format(block, out);
        match doc.format {
            Format::Lockfile => {}
            // Documents that hold others (a Markdown fence, a notebook cell): each
            // embedded one is read as its own format, then the whole as text.
            Format::Notebook => {
                notebook::extract(doc, &embedded, &mut out);
                self.rules.extract(doc, &mut out);
            }
            Format::Markdown => {
                markdown::extract(doc, &embedded, &mut out);
                self.rules.extract(doc, &mut out);
            }
            Format::Rst => {
                rst::extract(doc, &embedded, &mut out);
                self.rules.extract(doc, &mut out);
            }
            _ => self.by_format(doc, &mut out),
        }
        if let Some(tokens) = &self.tokens {
            tokens.extract(doc, &mut out);
        }
        out
    }

    /// The extractors of a document's own format, then the rules (no ring tokens: the
    /// whole file's are looked for once).
    fn by_format(&self, doc: &Document, out: &mut Extracted) {
        match doc.format {
            Format::Yaml => kube::extract(doc, out),
            Format::Nginx => self.nginx.extract(doc, out),
            Format::Ini
            | Format::Xml
            | Format::Netrc
            | Format::Pgpass
            | Format::GitCredentials
            | Format::Systemd
            | Format::Hcl => config_extractor(doc.format)(doc, out),
            _ => {}
        }
        // Vault agent / consul-template actions, in a file of any format.
        template::extract(doc, out);
        self.rules.extract(doc, out);
    }

    /// Are there ring keys to look for?
    pub(crate) fn has_ring_tokens(&self) -> bool {
        self.tokens.is_some()
    }

    /// Looks for ring keys only, in a stream of any size (a binary file, a file over
    /// `--max-filesize`). Returns what was extracted and how many bytes were read.
    pub(crate) fn run_ring_only(
        &self,
        path: &str,
        format: Format,
        reader: &mut dyn std::io::Read,
    ) -> std::io::Result<(Extracted, u64)> {
        match &self.tokens {
            Some(tokens) => tokens.extract_stream(path, format, reader),
            None => Ok((Extracted::default(), 0)),
        }
    }

    /// Runs the extractors of a streamed format (SQL) over a reader, in constant memory,
    /// on `threads` workers. Returns what was extracted and how many bytes were read.
    pub(crate) fn run_stream(
        &self,
        path: &str,
        reader: &mut dyn std::io::BufRead,
        threads: usize,
    ) -> (Extracted, u64) {
        let mut out = Extracted::default();
        let tokens = self.tokens.as_ref();
        let bytes = sql::extract_stream(path, reader, tokens, &self.rules, &mut out, threads);
        (out, bytes)
    }
}

/// The extractor of a configuration format.
fn config_extractor(format: Format) -> fn(&Document, &mut Extracted) {
    match format {
        Format::Ini => config::ini::extract,
        Format::Xml => config::xml::extract,
        Format::Netrc => config::credfiles::netrc,
        Format::Pgpass => config::credfiles::pgpass,
        Format::GitCredentials => config::credfiles::git_credentials,
        Format::Systemd => config::systemd::extract,
        _ => config::hcl::extract,
    }
}

/// Extractors with the built-in rules and no ring, for the extractors' tests.
#[cfg(test)]
pub(crate) fn test_extractors() -> Extractors {
    Extractors::new(
        rules::RuleSet::embedded().expect("embedded rules"),
        &Ring::empty(),
    )
}

/// (line, column, rule) of each candidate, for the extractors' tests.
#[cfg(test)]
pub(crate) fn places(out: &Extracted) -> Vec<(u32, u32, &str)> {
    out.candidates
        .iter()
        .map(|c| (c.at.line, c.at.column, c.detail.rule.as_str()))
        .collect()
}

/// Runs the Markdown, notebook and configuration-format extractors on `data`,
/// panicking if an invariant breaks: every candidate lies on a line of the file, at a column of that line (or one
/// past its end). Shared by the `cargo fuzz` target `documents` and a seeded test.
#[doc(hidden)]
pub fn self_check(data: &[u8]) {
    static EXTRACTORS: std::sync::OnceLock<Extractors> = std::sync::OnceLock::new();
    let extractors = EXTRACTORS.get_or_init(|| {
        Extractors::new(
            rules::RuleSet::embedded().expect("embedded rules"),
            &Ring::empty(),
        )
    });
    let embedded = |block: &Document, out: &mut Extracted| extractors.by_format(block, out);
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    for format in [
        Format::Markdown,
        Format::Rst,
        Format::Notebook,
        Format::Ini,
        Format::Xml,
        Format::Netrc,
        Format::Pgpass,
        Format::GitCredentials,
        Format::Systemd,
        Format::Hcl,
    ] {
        let doc = Document::new("f", data, format);
        let mut out = Extracted::default();
        match format {
            Format::Markdown => markdown::extract(&doc, &embedded, &mut out),
            Format::Rst => rst::extract(&doc, &embedded, &mut out),
            Format::Notebook => notebook::extract(&doc, &embedded, &mut out),
            other => config_extractor(other)(&doc, &mut out),
        }
        for c in &out.candidates {
            let line = lines
                .get(c.at.line as usize - 1)
                .unwrap_or_else(|| panic!("{format:?}: line {} outside the file", c.at.line));
            assert!(
                c.at.column >= 1 && c.at.column as usize <= line.len() + 1,
                "{format:?}: column {} outside line {}",
                c.at.column,
                c.at.line
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded random Markdown, notebook and configuration fragments through [`self_check`].
    #[test]
    fn random_documents_keep_candidates_in_the_file() {
        const PIECES: &[&str] = &[
            "```python\n",
            "~~~yaml\n",
            "```\n",
            "SECRET_KEY = \"v8hnkYYYX1XcGYeL0n71F1BD\"\n",
            "api_token: Zx9hq2LmV8rT4wYb1NcK6dPs\n",
            "\"source\": [",
            "\"SECRET_KEY = \\\"u8hnkYYYX1XcGYeL0n71F1BD\\\"\\n\",",
            "\"x\\u0041\",",
            "]",
            "\n",
            "    ",
            "\"",
            "\\",
            "[core]\n",
            "fernet_key = a1b2c3d4e5f6, f6e5d4c3b2a1\n",
            "<add key=\"ApiKey\" value=\"",
            "connectionString=\"Server=x;Password=",
            "&amp;",
            "<!--",
            "/>",
            "machine h login u password ",
            "db:5432:*:app:p\\:w\n",
            "https://u:p%2B@h\n",
            ".. code-block:: python\n",
            "   :caption: x\n",
            "    SECRET_KEY = '",
            "Environment=\"TOKEN=a b\" X=",
            "variable \"db_password\" {\n",
            "default = \"",
            "}\n",
            "<<EOT\n",
        ];
        let mut rng = crate::testrand::XorShift::new(0xA11C_E5ED);
        for _ in 0..2_000 {
            let n = rng.below(12);
            let data = rng.pieces(PIECES, n);
            self_check(data.as_bytes());
        }
    }

    #[test]
    fn positions_are_one_based() {
        let doc = Document::new("a", b"ab\ncd\n\nef", Format::Text);
        assert_eq!(doc.position(0), Position { line: 1, column: 1 });
        assert_eq!(doc.position(4), Position { line: 2, column: 2 });
        assert_eq!(doc.position(7), Position { line: 4, column: 1 });
        let piece = Document::at(
            "a",
            b"ab\ncd",
            Format::Text,
            Position { line: 9, column: 5 },
        );
        assert_eq!(piece.position(1), Position { line: 9, column: 6 });
        assert_eq!(
            piece.position(4),
            Position {
                line: 10,
                column: 2
            }
        );
    }
}
