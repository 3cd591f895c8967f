//! Detection rules as data (`rules/*.toml`), embedded at build time.
//!
//! Each `[[rule]]` has: `id` (unique, `a-z0-9-`), `description`, `confidence`
//! (`high` | `medium` | `low`: the severity of an untracked finding), `kind` (`literal`,
//! default, or `reference`), `formats` (names from `format.rs`; none: every text
//! format), `keywords` (found in any case, or only as written with `exact_keywords =
//! true`, for a provider prefix its pattern matches case-sensitively), `pattern`,
//! `decode`, `name`, `window`, `min_len` (default 8) and
//! `entropy` (bits per byte; with it the value must also mix two classes of
//! characters and not be a git object id) — the last two only judge values that are
//! not in the ring —, `allow_uuid` (the token format is a UUID), `checksum`
//! (`crc32-base62`: the format's own checksum must hold, see `checksum.rs`),
//! `yaml_path` (in YAML the captures a `name` template quotes get their parent keys:
//! `database.password`) and `examples` / `negative_examples`.
//!
//! A rule is a regex (on bytes, Unicode off) with named captures: `secret` (one literal
//! or bare value), `list` (a list whose every string literal is its own consumer, named
//! `NAME[i]`), `csv` (one string literal holding a comma-separated list, as python-decouple's
//! `cast=Csv()` reads it: each trimmed element its own consumer, `NAME[i]`) and `name`
//! (what holds it). A regex may not repeat a group name, so where
//! alternatives capture the same thing in different places, number them: `secret2`,
//! `name3`, `list2`, ...; the first group of the family that took part is used.
//! A `reference` rule captures `name` (the variable the key is read from) and may also
//! capture `secret`, a literal default (`os.environ.get("X", "default")`); the default
//! is only a finding when the name is secret-like (as the reference itself).
//!
//! `name` in the TOML is the finding's name when the pattern has no `name` capture; it
//! may quote captures as `{group}` (same family rule: `{key}` takes `key`, `key2`, ...),
//! e.g. `name = "{ref}/{key}"`; `{#field}` puts `#` before the capture, and neither when
//! it did not take part. A reference rule needs a `name` capture or such a name.
//!
//! `decode` turns the `secret` capture into key bytes: `literal` (unescaped per the
//! file's language, see `literal.rs`; a YAML block scalar `|`/`>` is folded), `raw` (as
//! is), `base64` (literal, then base64-decoded) or `pem` (a PEM block, quoted or bare:
//! unescaped, each line trimmed, joined with `\n`, one final `\n`, as in a `.pem` file).
//!
//! Patterns may use these fragments:
//! - `{str}`: a quoted string literal in any language's style (prefixes, triple quotes, backticks)
//! - `{value}`: a quoted literal or a bare value. When every format of the rule is YAML
//!   or `.env` a bare value runs to the end of the line or a ` #` comment (YAML plain
//!   scalars and dotenv values hold spaces); otherwise it stops at whitespace (shell,
//!   Dockerfile). In YAML a bare `|` / `>` is a block scalar, read to its dedent.
//! - `{list}`: a bracketed or parenthesised list
//! - `{secret_word}`: the words that make a name secret-like (`secret`, `api_key`, …)
//! - `{end}`: where a literal assigned to a name ends (separator, comment, end of line)
//!
//! Every rule carries `examples` (each must give a finding) and `negative_examples`
//! (none may). `pipeline::rulecheck` runs them as a scan would, through the keyword
//! prefilter and window and the matcher's plausibility bar, in every format the rule
//! lists: on every `cargo test` for the built-in rules, when `--rules DIR` is loaded,
//! and with `stalekey rules check [DIR]`. Each example must contain one of the rule's
//! `keywords` (a case-insensitive prefilter: a rule only runs on files holding one).

pub(crate) mod keywords;
mod rule;
mod spec;
#[cfg(test)]
mod tests;

pub(crate) use rule::Rule;

use super::{Document, Extracted};
use crate::error::{Error, Result};
use crate::finding::Position;
use crate::finding::{Kind, Origin};
use crate::format::Format;
use keywords::Keywords;
use std::collections::{HashMap, HashSet};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A small valid rule file, for tests of rule loading and checking.
#[cfg(test)]
pub(crate) const TEST_RULE: &str = r#"
[[rule]]
id = "t"
description = "d"
confidence = "high"
keywords = ["key"]
pattern = '''KEY\s*=\s*(?P<secret>{str})'''
examples = ['KEY = "v8hnkYYYX1XcGYeL0n71F1BD"']
negative_examples = ['KEY = y']
"#;

/// One rule file, parsed; `embedded`: built in (its patterns trusted to compile, so
/// they are compiled when first used).
struct ParsedFile {
    file: String,
    rules: spec::RuleFile,
    embedded: bool,
}

impl ParsedFile {
    /// A parsed file, or the parser's error naming the file.
    fn new<E: std::fmt::Display>(
        file: String,
        parsed: std::result::Result<spec::RuleFile, E>,
        embedded: bool,
    ) -> Result<ParsedFile> {
        match parsed {
            Ok(rules) => Ok(ParsedFile {
                file,
                rules,
                embedded,
            }),
            Err(e) => Err(Error::Rules {
                file,
                rule: "file".into(),
                problem: e.to_string(),
            }),
        }
    }
}

/// A user's rule file.
fn parse_toml(file: String, text: &str) -> Result<ParsedFile> {
    ParsedFile::new(file, toml::from_str(text), false)
}

/// The embedded rule files, converted to JSON by `build.rs`.
fn embedded_files() -> Result<Vec<ParsedFile>> {
    EMBEDDED_RULES
        .iter()
        .map(|(file, json)| ParsedFile::new(file.to_string(), serde_json::from_str(json), true))
        .collect()
}

/// The ranges a rule searches: from the start of the line before each keyword hit to
/// the end of the line `window` bytes past it, overlapping ranges merged. A `window`
/// of 0 is the whole document.
pub(crate) fn windows(bytes: &[u8], hits: &[usize], window: usize) -> Vec<(usize, usize)> {
    if hits.is_empty() {
        return Vec::new();
    }
    if window == 0 {
        return vec![(0, bytes.len())];
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &h in hits {
        let line_start = memchr::memrchr(b'\n', &bytes[..h]).map_or(0, |n| n + 1);
        let start = if line_start == 0 {
            0
        } else {
            memchr::memrchr(b'\n', &bytes[..line_start - 1]).map_or(0, |n| n + 1)
        };
        let reach = (h + window).min(bytes.len());
        let end = memchr::memchr(b'\n', &bytes[reach..]).map_or(bytes.len(), |n| reach + n);
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Every rule, with a keyword prefilter per format.
pub(crate) struct RuleSet {
    rules: Vec<Rule>,
    /// By `Format as usize`.
    prefilters: Vec<std::sync::OnceLock<Prefilter>>,
}

/// The keywords of a set of rules, and for each the rules it triggers.
struct Prefilter {
    keywords: Keywords,
    keyword_rules: Vec<Vec<Trigger>>,
}

/// A rule that a searched keyword stands for, with the rule's own keywords that hold
/// it: a place of the searched keyword counts for the rule only where one of its own
/// keywords is there too (`token` is searched for `x-figma-token` and `sonar_token`,
/// but a `token` in a comment runs neither rule's regex).
struct Trigger {
    rule: usize,
    /// (the keyword, lower-cased or as written, the searched keyword's offset in it).
    keywords: Vec<(Vec<u8>, usize)>,
    exact: bool,
}

impl Trigger {
    /// Does one of the rule's keywords hold the searched one found at `at`?
    fn holds(&self, bytes: &[u8], at: usize) -> bool {
        self.keywords.iter().any(|(k, off)| {
            at >= *off && at - off + k.len() <= bytes.len() && {
                let found = &bytes[at - off..at - off + k.len()];
                if self.exact {
                    found == k.as_slice()
                } else {
                    found.eq_ignore_ascii_case(k)
                }
            }
        })
    }
}

/// Short strings to an index, hashed eight bytes at a time (keys are a rule set's
/// keywords, not input: no need for SipHash's defence against crafted keys).
type WordMap = HashMap<String, usize, std::hash::BuildHasherDefault<WordHasher>>;

#[derive(Default)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut mix = |w: u64| {
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
        };
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            mix(u64::from_le_bytes(w.try_into().expect("eight bytes")));
        }
        let mut tail = [0u8; 8];
        tail[..words.remainder().len()].copy_from_slice(words.remainder());
        mix(u64::from_le_bytes(tail) ^ bytes.len() as u64);
    }
}

impl Prefilter {
    /// The prefilter of the rules `wanted` keeps. It searches a substring-free set of
    /// keywords: a keyword that contains another (`secret_key` holds `secret`) is
    /// searched as the shorter one (a superset of places; the rule's regex decides).
    fn build(rules: &[Rule], wanted: impl Fn(&Rule) -> bool) -> Prefilter {
        let mut words: Vec<String> = rules
            .iter()
            .filter(|r| wanted(r))
            .flat_map(|r| r.spec.keywords.iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        words.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        words.dedup();
        // The first pattern (shortest, then in order) that a keyword contains, looked up
        // by the keyword's substrings (a few hundred each, not every pattern), once per
        // keyword. (Hashed cheaply: with SipHash these look-ups were a third of a
        // one-file scan's instructions.)
        let mut index: WordMap = WordMap::default();
        let mut pattern_of: WordMap = WordMap::default();
        let mut patterns: Vec<String> = Vec::new();
        for k in &words {
            let held = (0..k.len())
                .flat_map(|a| (a + 1..=k.len()).map(move |b| (a, b)))
                .filter_map(|(a, b)| k.get(a..b).and_then(|sub| index.get(sub)).copied())
                .min();
            let p = held.unwrap_or_else(|| {
                index.insert(k.clone(), patterns.len());
                patterns.push(k.clone());
                patterns.len() - 1
            });
            pattern_of.insert(k.clone(), p);
        }
        let mut keyword_rules: Vec<Vec<Trigger>> =
            (0..patterns.len()).map(|_| Vec::new()).collect();
        // A pattern is searched only in the spellings its keywords are written in when
        // every keyword it stands for is exact and holds it in that spelling (an exact
        // `sk-` cannot stand for another rule's `task-`, which may be written `TASK-`).
        let mut spellings: Vec<Option<Vec<String>>> = vec![Some(Vec::new()); patterns.len()];
        for (i, rule) in rules.iter().enumerate().filter(|(_, r)| wanted(r)) {
            for k in &rule.spec.keywords {
                let lower = k.to_ascii_lowercase();
                let p = pattern_of[&lower];
                let exact = rule.spec.exact_keywords;
                let written = if exact {
                    k.as_bytes()
                } else {
                    lower.as_bytes()
                };
                let at = match keyword_rules[p].iter().position(|t| t.rule == i) {
                    Some(at) => at,
                    None => {
                        keyword_rules[p].push(Trigger {
                            rule: i,
                            keywords: Vec::new(),
                            exact,
                        });
                        keyword_rules[p].len() - 1
                    }
                };
                for (off, _) in lower.match_indices(patterns[p].as_str()) {
                    keyword_rules[p][at].keywords.push((written.to_vec(), off));
                }
                let spelled = rule.spec.exact_keywords.then(|| {
                    let at = k.to_ascii_lowercase().find(patterns[p].as_str());
                    at.map(|a| k[a..a + patterns[p].len()].to_string())
                        .filter(|s| k.contains(s.as_str()))
                });
                match (spelled.flatten(), &mut spellings[p]) {
                    (Some(s), Some(list)) if !list.contains(&s) => list.push(s),
                    (Some(_), Some(_)) => {}
                    _ => spellings[p] = None,
                }
            }
        }
        let words: Vec<(String, Option<Vec<String>>)> =
            patterns.into_iter().zip(spellings).collect();
        Prefilter {
            keywords: Keywords::new(&words),
            keyword_rules,
        }
    }
}

impl RuleSet {
    /// The rules embedded in the binary.
    pub(crate) fn embedded() -> Result<RuleSet> {
        Self::from_files(embedded_files()?)
    }

    /// Embedded rules plus every `*.toml` in `dir`; also the names of `dir`'s files, whose
    /// rules the caller checks against their examples (`pipeline::rulecheck`).
    pub(crate) fn with_extra_dir(dir: &Path) -> Result<(RuleSet, Vec<String>)> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut extra = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::io(dir, e))?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                extra.push((path.display().to_string(), text));
            }
        }
        if extra.is_empty() {
            return Err(Error::Usage(format!(
                "--rules {}: no *.toml rule files in it",
                dir.display()
            )));
        }
        extra.sort();
        let files: Vec<String> = extra.iter().map(|(f, _)| f.clone()).collect();
        let mut parsed = embedded_files()?;
        for (file, text) in extra {
            parsed.push(parse_toml(file, &text)?);
        }
        Ok((Self::from_files(parsed)?, files))
    }

    /// Parses and compiles rule files given as (file name, TOML text), as a user's.
    #[cfg(test)]
    pub(crate) fn from_sources(sources: Vec<(String, String)>) -> Result<RuleSet> {
        let parsed = sources
            .into_iter()
            .map(|(file, text)| parse_toml(file, &text))
            .collect::<Result<Vec<_>>>()?;
        Self::from_files(parsed)
    }

    fn from_files(files: Vec<ParsedFile>) -> Result<RuleSet> {
        let mut rules = Vec::new();
        let mut ids = HashSet::new();
        for ParsedFile {
            file,
            rules: specs,
            embedded,
        } in files
        {
            for spec in specs.rule {
                if !ids.insert(spec.id.clone()) {
                    return Err(Error::Rules {
                        file,
                        rule: spec.id,
                        problem: "duplicate rule id".into(),
                    });
                }
                rules.push(Rule::compile(spec, &file, !embedded)?);
            }
        }
        Ok(RuleSet {
            rules,
            prefilters: (0..crate::format::COUNT)
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        })
    }

    /// The keyword prefilter of the rules that apply to `format`, built the first time
    /// a document of that format is read: a Python file is not searched for PHP's
    /// `<<<` or Go's `jwt` (fewer keywords, fewer hits to check).
    fn prefilter(&self, format: Format) -> &Prefilter {
        self.prefilters[format as usize]
            .get_or_init(|| Prefilter::build(&self.rules, |r| r.applies_to(format)))
    }

    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    #[cfg(test)]
    pub(crate) fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.spec.id == id)
    }

    /// Runs the rules whose keywords occur in the document, each only around its
    /// keywords' occurrences (see `window`).
    pub(crate) fn extract(&self, doc: &Document, out: &mut Extracted) {
        self.extract_where(doc, out, |_| true);
    }

    /// [`RuleSet::extract`] for one rule only, through the same prefilter and windows
    /// (how a rule's examples are checked).
    pub(crate) fn extract_rule(&self, doc: &Document, rule: usize, out: &mut Extracted) {
        self.extract_where(doc, out, |r| r == rule);
    }

    fn extract_where(&self, doc: &Document, out: &mut Extracted, wanted: impl Fn(usize) -> bool) {
        let prefilter = self.prefilter(doc.format);
        // (rule, keyword occurrence) for each rule that applies to this format: a
        // document meets few rules' keywords, so only those rules are visited.
        let mut hits: Vec<(usize, usize)> = Vec::new();
        prefilter.keywords.find_all(doc.bytes, |at, pattern| {
            for t in &prefilter.keyword_rules[pattern] {
                let r = t.rule;
                if wanted(r) && self.rules[r].applies_to(doc.format) && t.holds(doc.bytes, at) {
                    hits.push((r, at));
                }
            }
        });
        hits.sort_unstable();
        let first_new = out.candidates.len();
        let mut at = Vec::new();
        for group in hits.chunk_by(|a, b| a.0 == b.0) {
            let rule = &self.rules[group[0].0];
            at.clear();
            at.extend(group.iter().map(|&(_, h)| h));
            for (start, end) in windows(doc.bytes, &at, rule.spec.window) {
                rule.extract_range(doc, start, end, out);
            }
        }
        // Where a format extractor already read the value (a Kubernetes Secret's base64
        // `data:`), a rule's reading of the raw text is wrong: drop it.
        let structured: HashSet<Position> = out.candidates[..first_new]
            .iter()
            .filter(|c| c.origin == Origin::Structured && c.kind() == Kind::Literal)
            .map(|c| c.at)
            .collect();
        if !structured.is_empty() {
            let mine = out.candidates.split_off(first_new);
            out.candidates.extend(
                mine.into_iter()
                    .filter(|c| c.kind() != Kind::Literal || !structured.contains(&c.at)),
            );
        }
    }
}
