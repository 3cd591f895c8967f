//! Detection rules as data (`rules/*.toml`), embedded at build time.
//!
//! A rule is a regex with named captures: `secret` (one literal or bare value), `list`
//! (a list whose every string literal is its own consumer) and `name` (what holds it).
//! A `reference` rule captures `name` (the variable the key is read from) and may also
//! capture `secret`, a literal default (`os.environ.get("X", "default")`).
//! Patterns may use these fragments:
//! - `{str}`: a quoted string literal in any language's style (prefixes, triple quotes, backticks)
//! - `{value}`: a quoted literal or a bare value up to whitespace (`.env`, YAML, properties)
//! - `{list}`: a bracketed or parenthesised list

use super::literal::{self, Dialect};
use super::{Candidate, Confidence, Document, Extracted, Kind};
use crate::error::{Error, Result};
use crate::format::Format;
use crate::plausible;
use crate::secret::Secret;
use aho_corasick::AhoCorasick;
use base64::Engine as _;
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

const STR: &str = r#"(?:[rRbBuUfF]{0,2}(?:"""(?s:.*?)"""|'''(?s:.*?)'''|"(?:[^"\\\n]|\\(?s:.))*"|'(?:[^'\\\n]|\\(?s:.))*'|`(?:[^`\\]|\\(?s:.))*`))"#;
const BARE: &str = r#"(?:[^\s'"`\[{(#,;][^\s]*)"#;
const LIST: &str = r#"(?:\[[^\]]*\]|\([^)]*\))"#;

/// One rule file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

/// A rule as written in `rules/`.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub description: String,
    pub confidence: Confidence,
    #[serde(default = "default_kind")]
    pub kind: Kind,
    /// Formats the rule applies to; empty: every text format.
    #[serde(default)]
    pub formats: Vec<String>,
    pub keywords: Vec<String>,
    pub pattern: String,
    /// How the `secret` capture becomes bytes: `literal` (unescaped per language),
    /// `raw` (as is) or `base64` (decoded).
    #[serde(default = "default_decode")]
    pub decode: String,
    /// Fixed name when the pattern has no `name` capture.
    #[serde(default)]
    pub name: Option<String>,
    /// Minimum length of an unmatched value to be a finding.
    #[serde(default = "default_min_len")]
    pub min_len: usize,
    /// Minimum Shannon entropy (bits per byte) of an unmatched value.
    #[serde(default)]
    pub entropy: Option<f64>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}

fn default_kind() -> Kind {
    Kind::Literal
}
fn default_decode() -> String {
    "literal".into()
}
fn default_min_len() -> usize {
    8
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Decode {
    Literal,
    Raw,
    Base64,
}

/// A compiled rule.
pub struct Rule {
    pub spec: RuleSpec,
    pub file: String,
    regex: Regex,
    formats: Vec<Format>,
    decode: Decode,
    has_secret: bool,
    has_list: bool,
    has_name: bool,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    pub fn applies_to(&self, format: Format) -> bool {
        self.formats.is_empty() || self.formats.contains(&format)
    }

    /// The format examples are checked in: the rule's first format, else plain text.
    pub fn example_format(&self) -> Format {
        self.formats.first().copied().unwrap_or(Format::Text)
    }

    fn compile(spec: RuleSpec, file: &str) -> Result<Rule> {
        let err = |problem: String| Error::Rules {
            file: file.to_string(),
            rule: spec.id.clone(),
            problem,
        };
        if spec.id.is_empty()
            || !spec
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(err(
                "id must be non-empty lowercase letters, digits and '-'".into(),
            ));
        }
        if spec.keywords.is_empty() || spec.keywords.iter().any(|k| k.len() < 2) {
            return Err(err(
                "needs at least one keyword of 2 or more characters".into()
            ));
        }
        if spec.examples.is_empty() || spec.negative_examples.is_empty() {
            return Err(err("needs examples and negative_examples".into()));
        }
        let mut formats = Vec::new();
        for f in &spec.formats {
            formats.push(Format::parse(f).ok_or_else(|| err(format!("unknown format {f:?}")))?);
        }
        let decode = match spec.decode.as_str() {
            "literal" => Decode::Literal,
            "raw" => Decode::Raw,
            "base64" => Decode::Base64,
            other => {
                return Err(err(format!(
                    "unknown decode {other:?} (literal, raw, base64)"
                )))
            }
        };
        let expanded = spec
            .pattern
            .replace("{str}", STR)
            .replace("{value}", &format!("(?:{STR}|{BARE})"))
            .replace("{list}", LIST);
        let regex = RegexBuilder::new(&expanded)
            .unicode(false)
            .size_limit(1 << 24)
            .build()
            .map_err(|e| err(format!("bad pattern: {e}")))?;
        let names: HashSet<&str> = regex.capture_names().flatten().collect();
        let has_secret = names.contains("secret");
        let has_list = names.contains("list");
        let has_name = names.contains("name");
        match spec.kind {
            Kind::Literal if !has_secret && !has_list => {
                return Err(err(
                    "a literal rule needs a `secret` or `list` capture".into()
                ))
            }
            Kind::Reference if !has_name => {
                return Err(err("a reference rule needs a `name` capture".into()))
            }
            Kind::Ciphertext => {
                return Err(err(
                    "kind ciphertext is for format extractors, not rules".into()
                ))
            }
            _ => {}
        }
        Ok(Rule {
            spec,
            file: file.to_string(),
            regex,
            formats,
            decode,
            has_secret,
            has_list,
            has_name,
        })
    }

    /// Runs the rule over the whole document.
    pub fn extract(&self, doc: &Document, out: &mut Extracted) {
        let dialect = Dialect::of(doc.format);
        for caps in self.regex.captures_iter(doc.bytes) {
            let name = match (self.has_name, caps.name("name")) {
                (true, Some(m)) => Some(String::from_utf8_lossy(m.as_bytes()).into_owned()),
                _ => self.spec.name.clone(),
            };
            if self.spec.kind == Kind::Reference {
                if let (Some(m), Some(n)) = (caps.name("name"), name.clone()) {
                    out.candidates.push(Candidate::reference(
                        doc.position(m.start()),
                        &self.spec.id,
                        n,
                    ));
                }
            }
            if self.has_secret {
                if let Some(m) = caps.name("secret") {
                    if let Some(value) = self.decode_value(m.as_bytes(), dialect) {
                        let at = value_start(m.as_bytes(), dialect) + m.start();
                        out.candidates.push(
                            Candidate::literal(
                                doc.position(at),
                                &self.spec.id,
                                self.spec.confidence,
                                Secret::new(value),
                            )
                            .with_name(name.clone()),
                        );
                    }
                }
            }
            if self.has_list {
                if let Some(m) = caps.name("list") {
                    for (i, (off, value)) in literal::list_items(m.as_bytes(), dialect)
                        .into_iter()
                        .enumerate()
                    {
                        let Some(value) = value else { continue };
                        let at = m.start() + off + value_start(&m.as_bytes()[off..], dialect);
                        let item_name = name.as_ref().map(|n| format!("{n}[{i}]"));
                        out.candidates.push(
                            Candidate::literal(
                                doc.position(at),
                                &self.spec.id,
                                self.spec.confidence,
                                Secret::new(value),
                            )
                            .with_name(item_name),
                        );
                    }
                }
            }
        }
    }

    fn decode_value(&self, raw: &[u8], dialect: Dialect) -> Option<Vec<u8>> {
        match self.decode {
            Decode::Raw => Some(raw.to_vec()),
            Decode::Literal => literal::decode(raw, dialect),
            Decode::Base64 => {
                let text = literal::decode(raw, dialect)?;
                base64::engine::general_purpose::STANDARD
                    .decode(&text)
                    .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&text))
                    .ok()
            }
        }
    }

    /// Does this unmatched value pass the rule's plausibility bar?
    pub fn plausible(&self, value: &[u8]) -> bool {
        plausible::check(value, self.spec.min_len, self.spec.entropy).is_ok()
    }
}

/// Offset of the first byte of the value inside a literal (past prefix and quotes).
fn value_start(raw: &[u8], dialect: Dialect) -> usize {
    let mut i = 0;
    if dialect == Dialect::Python {
        while i < 2
            && raw
                .get(i)
                .is_some_and(|c| matches!(c, b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F'))
        {
            i += 1;
        }
        if !raw.get(i).is_some_and(|c| matches!(c, b'"' | b'\'')) {
            i = 0;
        }
    }
    if dialect == Dialect::Properties {
        return 0;
    }
    if raw[i..].starts_with(b"\"\"\"") || raw[i..].starts_with(b"'''") {
        i + 3
    } else if raw.get(i).is_some_and(|c| matches!(c, b'"' | b'\'' | b'`')) {
        i + 1
    } else {
        i
    }
}

/// Every rule, with a keyword prefilter.
pub struct RuleSet {
    rules: Vec<Rule>,
    keywords: AhoCorasick,
    /// For each keyword pattern, the rules it triggers.
    keyword_rules: Vec<Vec<usize>>,
}

impl RuleSet {
    /// The rules embedded in the binary.
    pub fn embedded() -> Result<RuleSet> {
        Self::from_sources(
            EMBEDDED_RULES
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        )
    }

    /// Embedded rules plus every `*.toml` in `dir`.
    pub fn with_extra_dir(dir: &Path) -> Result<RuleSet> {
        let mut sources: Vec<(String, String)> = EMBEDDED_RULES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
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
        sources.extend(extra);
        Self::from_sources(sources)
    }

    /// Parses and compiles rule files given as (file name, text).
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<RuleSet> {
        let mut rules = Vec::new();
        let mut ids = HashSet::new();
        for (file, text) in sources {
            let parsed: RuleFile = toml::from_str(&text).map_err(|e| Error::Rules {
                file: file.clone(),
                rule: "file".into(),
                problem: e.to_string(),
            })?;
            for spec in parsed.rule {
                if !ids.insert(spec.id.clone()) {
                    return Err(Error::Rules {
                        file,
                        rule: spec.id,
                        problem: "duplicate rule id".into(),
                    });
                }
                rules.push(Rule::compile(spec, &file)?);
            }
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            for k in &rule.spec.keywords {
                let k = k.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == k) {
                    Some(p) => keyword_rules[p].push(i),
                    None => {
                        patterns.push(k);
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let keywords = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&patterns)
            .map_err(|e| Error::Usage(format!("rule keywords: {e}")))?;
        Ok(RuleSet {
            rules,
            keywords,
            keyword_rules,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.spec.id == id)
    }

    /// Runs the rules whose keywords occur in the document.
    pub fn extract(&self, doc: &Document, out: &mut Extracted) {
        let mut hit = vec![false; self.rules.len()];
        for m in self.keywords.find_overlapping_iter(doc.bytes) {
            for &r in &self.keyword_rules[m.pattern().as_usize()] {
                hit[r] = true;
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if hit[i] && rule.applies_to(doc.format) {
                rule.extract(doc, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_rule(toml: &str) -> Result<RuleSet> {
        RuleSet::from_sources(vec![("t.toml".into(), toml.into())])
    }

    const BASE: &str = r#"
[[rule]]
id = "t"
description = "d"
confidence = "high"
keywords = ["key"]
pattern = '''KEY\s*=\s*(?P<secret>{str})'''
examples = ['KEY = "x"']
negative_examples = ['KEY = y']
"#;

    #[test]
    fn rule_files_are_strict() {
        let bad = BASE.replace(
            "confidence = \"high\"",
            "confidence = \"high\"\nseverity = \"x\"",
        );
        let msg = one_rule(&bad).err().unwrap().to_string();
        assert!(msg.starts_with("rules t.toml: file: "), "{msg}");
        assert!(msg.contains("unknown field `severity`"), "{msg}");
    }

    #[test]
    fn rule_without_capture_is_rejected() {
        let bad = BASE.replace("(?P<secret>{str})", "{str}");
        let msg = one_rule(&bad).err().unwrap().to_string();
        assert!(
            msg.contains("rules t.toml: t: a literal rule needs"),
            "{msg}"
        );
    }

    #[test]
    fn secret_position_points_past_the_quote() {
        let set = one_rule(BASE).unwrap();
        let doc = Document::new("a.py", b"x = 1\nKEY = r'abc'\n", Format::Python);
        let mut out = Extracted::default();
        set.extract(&doc, &mut out);
        assert_eq!(out.candidates.len(), 1);
        assert_eq!((out.candidates[0].line, out.candidates[0].column), (2, 9));
        assert_eq!(out.candidates[0].value.as_ref().unwrap().expose(), b"abc");
    }
}
