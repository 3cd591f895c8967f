//! Detection rules as data (`rules/*.toml`), embedded at build time.
//!
//! Each `[[rule]]` has: `id` (unique, `a-z0-9-`), `description`, `confidence`
//! (`high` | `medium` | `low`: the severity of an untracked finding), `kind` (`literal`,
//! default, or `reference`), `formats` (names from `format.rs`; none: every text
//! format), `keywords`, `pattern`, `decode`, `name`, `min_len` (default 8) and
//! `entropy` (bits per byte; with it the value must also mix two classes of
//! characters and not be a git object id) — the last two only judge values that are
//! not in the ring — and `examples` / `negative_examples`.
//!
//! A rule is a regex (on bytes, Unicode off) with named captures: `secret` (one literal
//! or bare value), `list` (a list whose every string literal is its own consumer, named
//! `NAME[i]`) and `name` (what holds it). A regex may not repeat a group name, so where
//! alternatives capture the same thing in different places, number them: `secret2`,
//! `name3`, `list2`, ...; the first group of the family that took part is used.
//! A `reference` rule captures `name` (the variable the key is read from) and may also
//! capture `secret`, a literal default (`os.environ.get("X", "default")`); the default
//! is only a finding when the name is secret-like (as the reference itself).
//!
//! `name` in the TOML is the finding's name when the pattern has no `name` capture; it
//! may quote captures as `{group}` (same family rule: `{key}` takes `key`, `key2`, ...),
//! e.g. `name = "{ref}/{key}"`. A reference rule needs a `name` capture or such a name.
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
//!
//! Every rule carries `examples` (each must give a finding) and `negative_examples`
//! (none may), in the rule's first format: the tests below check the built-in rules,
//! and rule files given with `--rules DIR` are checked when loaded (an error names the
//! file, the rule and the example). Each example must contain one of the rule's
//! `keywords` (a case-insensitive prefilter: a rule only runs on files holding one).

use super::literal::{self, Dialect};
use super::{Candidate, Confidence, Document, Extracted, Kind, Origin};
use crate::error::{Error, Result};
use crate::format::Format;
use crate::judge;
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
/// A bare value that may hold spaces: words up to the end of the line or a ` #` comment.
const BARE_LINE: &str = r#"(?:[^\s'"`\[{(#,;][^ \t\r\n]*(?:[ \t]+[^ \t\r\n#][^ \t\r\n]*)*)"#;
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
    /// How far past a keyword a match may reach, in bytes (to the end of that line);
    /// `0`: the whole file (for rules whose keyword may stand far from the match).
    #[serde(default = "default_window")]
    pub window: usize,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}

fn default_kind() -> Kind {
    Kind::Literal
}
fn default_decode() -> String {
    "literal".into()
}
fn default_window() -> usize {
    DEFAULT_WINDOW
}

/// Default reach of a match past its keyword: long enough for a multi-line list or a
/// triple-quoted string, short enough that a rare keyword in a big file costs little.
pub const DEFAULT_WINDOW: usize = 2048;

fn default_min_len() -> usize {
    8
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Decode {
    Literal,
    Raw,
    Base64,
    Pem,
}

/// The capture groups of one family (`secret`, `secret2`, ...), by index, in order.
fn family(regex: &Regex, base: &str) -> Vec<usize> {
    regex
        .capture_names()
        .enumerate()
        .filter_map(|(i, n)| {
            let n = n?;
            let rest = n.strip_prefix(base)?;
            rest.bytes().all(|b| b.is_ascii_digit()).then_some(i)
        })
        .collect()
}

/// The first group of a family that took part in the match.
fn first<'h>(
    caps: &regex::bytes::Captures<'h>,
    groups: &[usize],
) -> Option<regex::bytes::Match<'h>> {
    groups.iter().find_map(|&g| caps.get(g))
}

/// A piece of a `name` template: fixed text or a capture family.
#[derive(Clone)]
enum NamePart {
    Text(String),
    Capture(Vec<usize>),
}

/// A compiled rule.
pub struct Rule {
    pub spec: RuleSpec,
    pub file: String,
    regex: Regex,
    formats: Vec<Format>,
    decode: Decode,
    secret: Vec<usize>,
    list: Vec<usize>,
    name: Vec<usize>,
    /// The `name` field as a template, when it quotes captures.
    template: Option<Vec<NamePart>>,
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
            "pem" => Decode::Pem,
            other => {
                return Err(err(format!(
                    "unknown decode {other:?} (literal, raw, base64, pem)"
                )))
            }
        };
        let bare = if !formats.is_empty()
            && formats
                .iter()
                .all(|f| matches!(f, Format::Yaml | Format::Dotenv))
        {
            BARE_LINE
        } else {
            BARE
        };
        let expanded = spec
            .pattern
            .replace("{str}", STR)
            .replace("{value}", &format!("(?:{STR}|{bare})"))
            .replace("{list}", LIST);
        let regex = RegexBuilder::new(&expanded)
            .unicode(false)
            .size_limit(1 << 24)
            .build()
            .map_err(|e| err(format!("bad pattern: {e}")))?;
        let secret = family(&regex, "secret");
        let list = family(&regex, "list");
        let name = family(&regex, "name");
        let template = match &spec.name {
            Some(t) if t.contains('{') => {
                Some(parse_template(t, &regex).map_err(|p| err(format!("name {t:?}: {p}")))?)
            }
            _ => None,
        };
        match spec.kind {
            Kind::Literal if secret.is_empty() && list.is_empty() => {
                return Err(err(
                    "a literal rule needs a `secret` or `list` capture".into()
                ))
            }
            Kind::Reference if name.is_empty() && template.is_none() => {
                return Err(err(
                    "a reference rule needs a `name` capture or a name quoting captures".into(),
                ))
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
            secret,
            list,
            name,
            template,
        })
    }

    /// The finding's name for one match: the `name` capture, else the `name` field
    /// (with its quoted captures filled in).
    fn name_of(&self, caps: &regex::bytes::Captures) -> Option<String> {
        if let Some(m) = first(caps, &self.name) {
            return Some(String::from_utf8_lossy(m.as_bytes()).into_owned());
        }
        match &self.template {
            Some(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        NamePart::Text(t) => out.push_str(t),
                        NamePart::Capture(g) => out.push_str(&String::from_utf8_lossy(
                            first(caps, g).map_or(&b""[..], |m| m.as_bytes()),
                        )),
                    }
                }
                Some(out)
            }
            None => self.spec.name.clone(),
        }
    }

    /// Runs the rule over the whole document.
    pub fn extract(&self, doc: &Document, out: &mut Extracted) {
        self.extract_range(doc, 0, doc.bytes.len(), out);
    }

    /// Runs the rule on matches that start in `start..end` and end by `end`; positions
    /// stay relative to the whole document (look-arounds see the bytes before `start`).
    pub fn extract_range(&self, doc: &Document, start: usize, end: usize, out: &mut Extracted) {
        let dialect = Dialect::of(doc.format);
        let haystack = &doc.bytes[..end];
        let mut at = start;
        while at <= end {
            let Some(caps) = self.regex.captures_at(haystack, at) else {
                break;
            };
            let whole = caps.get(0).expect("group 0 always matches");
            at = if whole.end() > whole.start() {
                whole.end()
            } else {
                whole.end() + 1
            };
            let name = self.name_of(&caps);
            if self.spec.kind == Kind::Reference {
                let Some(n) = name.clone() else { continue };
                // `process.env.NODE_ENV || "development"` is neither a secret reference
                // nor a secret default.
                if !judge::is_secret_name(&n) {
                    continue;
                }
                let at = first(&caps, &self.name)
                    .or_else(|| caps.get(0))
                    .map_or(0, |m| m.start());
                out.candidates
                    .push(Candidate::reference(doc.position(at), &self.spec.id, n));
            }
            if let Some(m) = first(&caps, &self.secret) {
                let decoded = if dialect == Dialect::Yaml
                    && self.decode != Decode::Raw
                    && matches!(m.as_bytes().first(), Some(b'|' | b'>'))
                {
                    // A block scalar: its lines follow the match in the document.
                    let line_start =
                        memchr::memrchr(b'\n', &doc.bytes[..m.start()]).map_or(0, |n| n + 1);
                    let parent = doc.bytes[line_start..]
                        .iter()
                        .take_while(|&&b| b == b' ')
                        .count();
                    literal::yaml_block(&doc.bytes[m.start()..], parent)
                        .and_then(|(off, text)| Some((m.start() + off, self.decode_text(text)?)))
                } else {
                    self.decode_value(m.as_bytes(), dialect)
                        .map(|v| (m.start() + value_start(m.as_bytes(), dialect), v))
                };
                if let Some((at, value)) = decoded {
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
            if let Some(m) = first(&caps, &self.list) {
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

    fn decode_value(&self, raw: &[u8], dialect: Dialect) -> Option<Vec<u8>> {
        match self.decode {
            Decode::Raw => Some(raw.to_vec()),
            Decode::Pem if !matches!(raw.first(), Some(b'"' | b'\'' | b'`')) => {
                Some(pem_normalize(raw))
            }
            _ => self.decode_text(literal::decode(raw, dialect)?),
        }
    }

    /// The key bytes from a literal's text.
    fn decode_text(&self, text: Vec<u8>) -> Option<Vec<u8>> {
        match self.decode {
            Decode::Raw | Decode::Literal => Some(text),
            Decode::Pem => Some(pem_normalize(&text)),
            Decode::Base64 => base64::engine::general_purpose::STANDARD
                .decode(&text)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&text))
                .ok(),
        }
    }

    /// Checks the rule against its own examples (each positive gives a finding, no
    /// negative does); the problem names the example by its number.
    pub fn check_examples(&self) -> std::result::Result<(), String> {
        let finds = |text: &str| {
            let doc = Document::new("example", text.as_bytes(), self.example_format());
            let mut out = Extracted::default();
            self.extract(&doc, &mut out);
            out.candidates.iter().any(|c| match (&c.value, c.kind) {
                (Some(v), Kind::Literal) => self.plausible(v.expose()),
                (None, Kind::Reference) => true,
                _ => false,
            })
        };
        for (i, ex) in self.spec.examples.iter().enumerate() {
            if !finds(ex) {
                return Err(format!("examples[{i}] gives no finding"));
            }
        }
        for (i, ex) in self.spec.negative_examples.iter().enumerate() {
            if finds(ex) {
                return Err(format!("negative_examples[{i}] gives a finding"));
            }
        }
        Ok(())
    }

    /// Does this unmatched value pass the rule's plausibility bar?
    pub fn plausible(&self, value: &[u8]) -> bool {
        plausible::check(value, self.spec.min_len, self.spec.entropy).is_ok()
    }
}

/// Parses a `name` template: `{group}` quotes a capture family.
fn parse_template(t: &str, regex: &Regex) -> std::result::Result<Vec<NamePart>, String> {
    let mut parts = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(NamePart::Text(rest[..open].to_string()));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| "unclosed `{`".to_string())?;
        let group = &rest[open + 1..open + close];
        let g = family(regex, group);
        if g.is_empty() {
            return Err(format!("no capture named {group:?} in the pattern"));
        }
        parts.push(NamePart::Capture(g));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(NamePart::Text(rest.to_string()));
    }
    Ok(parts)
}

/// A PEM block as a `.pem` file holds it: lines trimmed (indentation in YAML or code
/// goes), `\n` line ends, one final newline.
fn pem_normalize(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for line in text.trim_ascii().split(|&b| b == b'\n') {
        out.extend_from_slice(line.trim_ascii());
        out.push(b'\n');
    }
    out
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

/// The ranges a rule searches: from the start of the line before each keyword hit to
/// the end of the line `window` bytes past it, overlapping ranges merged. A `window`
/// of 0 is the whole document.
fn windows(bytes: &[u8], hits: &[usize], window: usize) -> Vec<(usize, usize)> {
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
        let extra_files: HashSet<String> = extra.iter().map(|(f, _)| f.clone()).collect();
        sources.extend(extra);
        let set = Self::from_sources(sources)?;
        // A user's rule must do what its examples say (the built-in ones are tested).
        for rule in set.rules.iter().filter(|r| extra_files.contains(&r.file)) {
            rule.check_examples().map_err(|problem| Error::Rules {
                file: rule.file.clone(),
                rule: rule.spec.id.clone(),
                problem,
            })?;
        }
        Ok(set)
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
        // The prefilter searches a substring-free set of keywords: a keyword that
        // contains another (`secret_key` holds `secret`) is searched as the shorter one
        // (a superset of files; the rule's regex decides). Then every keyword occurrence
        // is found by restarting one byte after each match's start (see `extract`).
        let mut wanted: Vec<String> = rules
            .iter()
            .flat_map(|r| r.spec.keywords.iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        wanted.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        wanted.dedup();
        let mut patterns: Vec<String> = Vec::new();
        for k in &wanted {
            if !patterns.iter().any(|p| k.contains(p.as_str())) {
                patterns.push(k.clone());
            }
        }
        let mut keyword_rules: Vec<Vec<usize>> = vec![Vec::new(); patterns.len()];
        for (i, rule) in rules.iter().enumerate() {
            for k in &rule.spec.keywords {
                let k = k.to_ascii_lowercase();
                let p = patterns
                    .iter()
                    .position(|p| k.contains(p.as_str()))
                    .expect("every keyword holds a pattern");
                if !keyword_rules[p].contains(&i) {
                    keyword_rules[p].push(i);
                }
            }
        }
        let keywords = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
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

    /// Runs the rules whose keywords occur in the document, each only around its
    /// keywords' occurrences (see `window`).
    pub fn extract(&self, doc: &Document, out: &mut Extracted) {
        // For each rule that applies to this format, the keyword occurrences.
        let mut hits: Vec<Vec<usize>> = vec![Vec::new(); self.rules.len()];
        let applies: Vec<bool> = self
            .rules
            .iter()
            .map(|r| r.applies_to(doc.format))
            .collect();
        if !applies.iter().any(|&a| a) {
            return;
        }
        let mut at = 0;
        while let Some(m) = self
            .keywords
            .find(aho_corasick::Input::new(doc.bytes).range(at..))
        {
            // The keywords are substring-free, so restarting past this match's start
            // still finds every other keyword occurrence, even one overlapping it.
            at = m.start() + 1;
            for &r in &self.keyword_rules[m.pattern().as_usize()] {
                if applies[r] {
                    hits[r].push(m.start());
                }
            }
        }
        let first_new = out.candidates.len();
        for (rule, hits) in self.rules.iter().zip(&hits) {
            for (start, end) in windows(doc.bytes, hits, rule.spec.window) {
                rule.extract_range(doc, start, end, out);
            }
        }
        // Where a format extractor already read the value (a Kubernetes Secret's base64
        // `data:`), a rule's reading of the raw text is wrong: drop it.
        let structured: HashSet<(u32, u32)> = out.candidates[..first_new]
            .iter()
            .filter(|c| c.origin == Origin::Structured && c.kind == Kind::Literal)
            .map(|c| (c.line, c.column))
            .collect();
        if !structured.is_empty() {
            let mine = out.candidates.split_off(first_new);
            out.candidates.extend(
                mine.into_iter().filter(|c| {
                    c.kind != Kind::Literal || !structured.contains(&(c.line, c.column))
                }),
            );
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
examples = ['KEY = "v8hnkYYYX1XcGYeL0n71F1BD"']
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
    #[test]
    fn template_names_fill_in_captures() {
        let toml = r#"
[[rule]]
id = "t"
description = "d"
confidence = "high"
kind = "reference"
keywords = ["ref"]
pattern = '''ref (?:(?P<a>\w+)/(?P<b>\w+)|(?P<b2>\w+)\\(?P<a2>\w+))'''
name = "secret {a}:{b}"
examples = ['ref x/y']
negative_examples = ['ref']
"#;
        let set = one_rule(toml).unwrap();
        let doc = Document::new("a", b"ref one/two\nref four\\three\n", Format::Text);
        let mut out = Extracted::default();
        set.extract(&doc, &mut out);
        let names: Vec<_> = out
            .candidates
            .iter()
            .map(|c| c.name.clone().unwrap())
            .collect();
        assert_eq!(names, ["secret one:two", "secret three:four"]);
        let bad = toml.replace("{a}:{b}", "{a}:{c}");
        let msg = one_rule(&bad).err().unwrap().to_string();
        assert!(msg.contains("no capture named \"c\""), "{msg}");
    }

    #[test]
    fn pem_blocks_are_normalized() {
        assert_eq!(
            pem_normalize(b"  -----BEGIN K-----\r\n    AbC\r\n    -----END K-----  \n"),
            b"-----BEGIN K-----\nAbC\n-----END K-----\n"
        );
    }

    #[test]
    fn extra_rules_dir_is_loaded_and_errors_name_file_and_rule() {
        let dir = tempfile::tempdir().unwrap();
        let mine = BASE.replace("\"t\"", "\"my-rule\"");
        std::fs::write(dir.path().join("mine.toml"), &mine).unwrap();
        let set = RuleSet::with_extra_dir(dir.path()).unwrap();
        assert!(set.get("my-rule").is_some());
        assert!(set.rules().len() > 1, "built-in rules are kept");
        let bad = BASE
            .replace("\"t\"", "\"bad-rule\"")
            .replace("(?P<secret>{str})", "(?P<secret>[)");
        std::fs::write(dir.path().join("zz-bad.toml"), bad).unwrap();
        let msg = RuleSet::with_extra_dir(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(msg.contains("zz-bad.toml: bad-rule: bad pattern"), "{msg}");
        std::fs::remove_file(dir.path().join("zz-bad.toml")).unwrap();
        let wrong = BASE.replace("\"t\"", "\"wrong-example\"").replace(
            "negative_examples = ['KEY = y']",
            "negative_examples = [\"KEY = 'hePeB92gJoIDWWw7H0RCRLm'\"]",
        );
        std::fs::write(dir.path().join("zz-wrong.toml"), wrong).unwrap();
        let msg = RuleSet::with_extra_dir(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("zz-wrong.toml: wrong-example: negative_examples[0] gives a finding"),
            "{msg}"
        );
        std::fs::remove_file(dir.path().join("zz-wrong.toml")).unwrap();
        std::fs::write(dir.path().join("dup.toml"), &mine).unwrap();
        let msg = RuleSet::with_extra_dir(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("mine.toml: my-rule: duplicate rule id"),
            "{msg}"
        );
    }
    #[test]
    fn prefilter_finds_overlapping_and_contained_keywords() {
        let rule = |id: &str, kw: &str, pat: &str| {
            format!(
                "[[rule]]\nid = \"{id}\"\ndescription = \"d\"\nconfidence = \"high\"\nkeywords = [\"{kw}\"]\npattern = '''(?P<secret>{pat})'''\nexamples = ['x']\nnegative_examples = ['y']\n"
            )
        };
        let toml = [
            rule("a", "secret", "secret"),
            rule("b", "retok", "retok"),
            rule("c", "secret_key", "secret_key"),
        ]
        .concat();
        let set = RuleSet::from_sources(vec![("t.toml".into(), toml)]).unwrap();
        let found = |text: &[u8]| {
            let doc = Document::new("a", text, Format::Text);
            let mut out = Extracted::default();
            set.extract(&doc, &mut out);
            let mut ids: Vec<String> = out.candidates.iter().map(|c| c.rule.clone()).collect();
            ids.sort();
            ids.dedup();
            ids
        };
        assert_eq!(found(b"secretok"), ["a", "b"]);
        assert_eq!(found(b"x secret_key"), ["a", "c"]);
        assert!(found(b"nothing here").is_empty());
    }
}

/// The built-in rules, checked on every `cargo test`: each one compiles, has the
/// captures its kind needs, and behaves as its own examples say through the real
/// extraction path (the whole rule set on a document, then the matcher's plausibility
/// check).
#[cfg(test)]
mod builtin {
    use super::*;

    fn set() -> RuleSet {
        RuleSet::embedded().expect("built-in rules compile")
    }

    /// What one rule finds in `text` in the rule's example format: plausible literal
    /// values (as text) and reference names.
    fn run(set: &RuleSet, rule: &Rule, text: &str) -> (Vec<String>, Vec<String>) {
        let doc = Document::new("example", text.as_bytes(), rule.example_format());
        let mut out = Extracted::default();
        set.extract(&doc, &mut out);
        let mut literals = Vec::new();
        let mut references = Vec::new();
        for c in out.candidates.iter().filter(|c| c.rule == rule.id()) {
            match (&c.value, c.kind) {
                (Some(v), Kind::Literal) if rule.plausible(v.expose()) => {
                    literals.push(String::from_utf8_lossy(v.expose()).into_owned())
                }
                (None, Kind::Reference) => references.push(c.name.clone().unwrap_or_default()),
                _ => {}
            }
        }
        (literals, references)
    }

    #[test]
    fn embedded_rules_are_the_files_in_rules_dir() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<(String, String)> = EMBEDDED_RULES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let names = |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&embedded),
            names(&on_disk),
            "rule files added or removed"
        );
        for ((_, et), (dn, dt)) in embedded.iter().zip(&on_disk) {
            assert!(et == dt, "rules/{dn} differs from the embedded copy");
        }
    }

    #[test]
    fn ids_are_unique_and_kinds_have_their_captures() {
        let set = set();
        let mut ids = HashSet::new();
        for rule in set.rules() {
            assert!(ids.insert(rule.id()), "duplicate id {}", rule.id());
            match rule.spec.kind {
                Kind::Literal => assert!(
                    !rule.secret.is_empty() || !rule.list.is_empty(),
                    "{}: no secret/list capture",
                    rule.id()
                ),
                Kind::Reference => assert!(
                    !rule.name.is_empty() || rule.template.is_some(),
                    "{}: no name capture",
                    rule.id()
                ),
                Kind::Ciphertext => panic!("{}: ciphertext rule", rule.id()),
            }
            assert!(!rule.spec.description.is_empty(), "{}", rule.id());
        }
        assert!(set.rules().len() >= 40, "only {} rules", set.rules().len());
    }

    #[test]
    fn every_example_holds_a_keyword() {
        for rule in set().rules() {
            for ex in rule
                .spec
                .examples
                .iter()
                .chain(&rule.spec.negative_examples)
            {
                let lower = ex.to_ascii_lowercase();
                assert!(
                    rule.spec
                        .keywords
                        .iter()
                        .any(|k| lower.contains(&k.to_ascii_lowercase())),
                    "{}: example {ex:?} has none of the keywords, the prefilter would skip it",
                    rule.id()
                );
            }
        }
    }

    /// Rules search only near their keywords: in every positive example, each match
    /// must lie in a window around one of the rule's keyword occurrences (else the
    /// rule needs a larger `window`, or `window = 0`).
    #[test]
    fn matches_lie_within_their_keyword_window() {
        for rule in set().rules() {
            if rule.spec.window == 0 {
                continue;
            }
            for ex in &rule.spec.examples {
                let lower = ex.to_ascii_lowercase();
                let mut hits: Vec<usize> = rule
                    .spec
                    .keywords
                    .iter()
                    .flat_map(|k| {
                        lower
                            .match_indices(&k.to_ascii_lowercase())
                            .map(|(i, _)| i)
                            .collect::<Vec<_>>()
                    })
                    .collect();
                hits.sort();
                let wins = windows(ex.as_bytes(), &hits, rule.spec.window);
                for m in rule.regex.find_iter(ex.as_bytes()) {
                    assert!(
                        wins.iter().any(|&(s, e)| s <= m.start() && m.end() <= e),
                        "{}: in example {ex:?} the match at {}..{} is outside every keyword window",
                        rule.id(),
                        m.start(),
                        m.end()
                    );
                }
            }
        }
    }

    #[test]
    fn windows_merge_and_reach_line_ends() {
        let text = b"a\nbb key\ncc\ndd\nee key2\nff\n";
        // Hit at 5 (`key` on line 2): from line 1 to the end of the line 4 bytes on.
        assert_eq!(windows(text, &[5], 4), vec![(0, 11)]);
        assert_eq!(windows(text, &[5, 18], 2), vec![(0, 8), (12, 22)]);
        assert_eq!(windows(text, &[5, 18], 4), vec![(0, 11), (12, 22)]);
        assert_eq!(windows(text, &[5, 9], 6), vec![(0, 22)]);
        assert_eq!(windows(text, &[18], 1), vec![(12, 22)]);
        assert_eq!(windows(text, &[18], 0), vec![(0, text.len())]);
    }

    #[test]
    fn positive_examples_are_found() {
        let set = set();
        let mut failures = Vec::new();
        for rule in set.rules() {
            for ex in &rule.spec.examples {
                let (literals, references) = run(&set, rule, ex);
                let ok = match rule.spec.kind {
                    Kind::Reference => !references.is_empty(),
                    _ => !literals.is_empty(),
                };
                if !ok {
                    failures.push(format!("{}: not found in {ex:?}", rule.id()));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn negative_examples_are_not_found() {
        let set = set();
        let mut failures = Vec::new();
        for rule in set.rules() {
            for ex in &rule.spec.negative_examples {
                let (literals, references) = run(&set, rule, ex);
                if !literals.is_empty() || !references.is_empty() {
                    failures.push(format!(
                        "{}: found {literals:?} {references:?} in negative {ex:?}",
                        rule.id()
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// Spot checks of what built-in rules report: names, list indices, defaults, positions.
#[cfg(test)]
mod spot {
    use super::*;

    /// (rule, kind, name, value, line, column) of every candidate in `text`.
    fn scan(text: &str, format: Format) -> Vec<(String, Kind, String, String, u32, u32)> {
        let set = RuleSet::embedded().unwrap();
        let doc = Document::new("t", text.as_bytes(), format);
        let mut out = Extracted::default();
        set.extract(&doc, &mut out);
        let mut v: Vec<_> = out
            .candidates
            .iter()
            .map(|c| {
                (
                    c.rule.clone(),
                    c.kind,
                    c.name.clone().unwrap_or_default(),
                    c.value
                        .as_ref()
                        .map(|s| String::from_utf8_lossy(s.expose()).into_owned())
                        .unwrap_or_default(),
                    c.line,
                    c.column,
                )
            })
            .collect();
        v.sort_by(|a, b| (a.4, a.5, &a.0).cmp(&(b.4, b.5, &b.0)));
        v
    }

    fn has(
        found: &[(String, Kind, String, String, u32, u32)],
        rule: &str,
        name: &str,
        value: &str,
    ) {
        assert!(
            found
                .iter()
                .any(|f| f.0 == rule && f.2 == name && f.3 == value),
            "{rule} {name} {value:?} not in {found:#?}"
        );
    }

    #[test]
    fn fallbacks_are_one_consumer_per_element() {
        let found = scan(
            "SECRET_KEY_FALLBACKS = [\n    \"first-aaaaBBBB1111\",\n    'second-ccccDDDD2222',\n]\n",
            Format::Python,
        );
        has(
            &found,
            "python-secret-key-fallbacks",
            "SECRET_KEY_FALLBACKS[0]",
            "first-aaaaBBBB1111",
        );
        has(
            &found,
            "python-secret-key-fallbacks",
            "SECRET_KEY_FALLBACKS[1]",
            "second-ccccDDDD2222",
        );
        let second = found.iter().find(|f| f.3 == "second-ccccDDDD2222").unwrap();
        assert_eq!((second.4, second.5), (3, 6));
    }

    #[test]
    fn reference_defaults_are_literals_named_after_the_variable() {
        let found = scan(
            "k = os.environ.get(\"SECRET_KEY\", \"dflt-Q1w2E3r4T5y6\")\np = os.getenv(\"PORT\", \"8000-8000-8000\")\n",
            Format::Python,
        );
        has(&found, "env-python", "SECRET_KEY", "");
        has(&found, "env-python", "SECRET_KEY", "dflt-Q1w2E3r4T5y6");
        assert!(!found.iter().any(|f| f.2 == "PORT"), "{found:#?}");
        let found = scan(
            "const s = process.env.SESSION_SECRET ?? 'dflt-Q1w2E3r4T5y6'\n",
            Format::Javascript,
        );
        has(
            &found,
            "env-javascript",
            "SESSION_SECRET",
            "dflt-Q1w2E3r4T5y6",
        );
        let found = scan(
            "      - JWT_SECRET=${JWT_SECRET:-dflt-Q1w2E3r4T5y6}\n",
            Format::Yaml,
        );
        has(&found, "env-interpolation", "JWT_SECRET", "");
        has(
            &found,
            "env-interpolation",
            "JWT_SECRET",
            "dflt-Q1w2E3r4T5y6",
        );
    }

    #[test]
    fn multi_fernet_gives_each_key() {
        let found = scan(
            "MultiFernet([Fernet(b\"k1-aaaaBBBB1111\"), Fernet(\"k2-ccccDDDD2222\")])",
            Format::Python,
        );
        has(&found, "python-fernet-key", "Fernet", "k1-aaaaBBBB1111");
        has(&found, "python-fernet-key", "Fernet", "k2-ccccDDDD2222");
    }

    #[test]
    fn secret_key_ref_is_named_after_secret_and_key() {
        let found = scan(
            "valueFrom:\n  secretKeyRef:\n    key: signing-key\n    name: app-secrets\n",
            Format::Yaml,
        );
        has(
            &found,
            "kubernetes-secret-key-ref",
            "secretKeyRef:app-secrets/signing-key",
            "",
        );
    }

    #[test]
    fn yaml_block_values_are_read_to_their_dedent() {
        let text = "auth:\n  private_key: |\n    line-one-Q1w2E3r4\n    line-two-T5y6U7i8\n  api_token: v8hnkYYYX1XcGYeL0n71F1BDtu1Kq49h\n";
        let found = scan(text, Format::Yaml);
        let block = found
            .iter()
            .find(|f| f.2 == "private_key")
            .expect("block value");
        assert_eq!(block.3, "line-one-Q1w2E3r4\nline-two-T5y6U7i8\n");
        assert_eq!((block.4, block.5), (3, 5));
        has(
            &found,
            "config-secret-yaml",
            "api_token",
            "v8hnkYYYX1XcGYeL0n71F1BDtu1Kq49h",
        );
    }

    #[test]
    fn pem_in_yaml_and_json_gives_the_pem_file_bytes() {
        // Built at run time so no private-key block stands in the source (the repo's
        // hooks flag those outside fixtures/, tests/ and rules/).
        let kind = "PRIVATE KEY";
        let pem = format!(
            "-----BEGIN {kind}-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END {kind}-----\n"
        );
        let yaml = format!(
            "tls:\n  key: |\n{}",
            pem.lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
        has(
            &scan(&yaml, Format::Yaml),
            "pem-private-key",
            "private key",
            &pem,
        );
        let json = format!("{{\"private_key\": {:?}}}", pem);
        has(
            &scan(&json, Format::Json),
            "pem-private-key-escaped",
            "private key",
            &pem,
        );
    }
    #[test]
    fn yaml_and_dotenv_plain_values_run_to_the_comment() {
        let found = scan(
            "db:\n  password: Tr0ub4dor &3 horse-Bx7  # shared\n",
            Format::Yaml,
        );
        has(
            &found,
            "config-secret-yaml",
            "password",
            "Tr0ub4dor &3 horse-Bx7",
        );
        let found = scan(
            "ADMIN_PASSWORD=Tr0ub4dor &3 horse-Bx7 # x\n",
            Format::Dotenv,
        );
        has(
            &found,
            "config-secret-dotenv",
            "ADMIN_PASSWORD",
            "Tr0ub4dor &3 horse-Bx7",
        );
        // In shell the value ends at the first space.
        let found = scan("ADMIN_PASSWORD=Tr0ub4dor-horse-Bx7 echo\n", Format::Shell);
        has(
            &found,
            "config-secret-shell",
            "ADMIN_PASSWORD",
            "Tr0ub4dor-horse-Bx7",
        );
    }

    #[test]
    fn rules_do_not_reread_values_a_format_extractor_read() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  password: Y2hhbmdlbWU=\n  api_token: eDhzQV9xTTJ2Ykw5cFQ0blIzd0s=\n";
        let set = RuleSet::embedded().unwrap();
        let doc = Document::new("s.yaml", text.as_bytes(), Format::Yaml);
        let mut out = Extracted::default();
        super::super::kube::extract(&doc, &mut out);
        set.extract(&doc, &mut out);
        let rules: Vec<&str> = out.candidates.iter().map(|c| c.rule.as_str()).collect();
        assert_eq!(
            rules,
            [super::super::kube::RULE_DATA, super::super::kube::RULE_DATA]
        );
    }
}
