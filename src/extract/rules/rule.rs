//! One compiled rule: its regex, captures and decoding, run on a range of a document.

use super::spec::{expand, RuleSpec};
use crate::error::{Error, Result};
use crate::extract::decode;
use crate::extract::literal::{self, Dialect};
use crate::extract::{Candidate, Document, Extracted};
use crate::finding::{Bar, Kind};
use crate::format::Format;
use crate::names::is_secret_name;
use crate::secret::Secret;
use base64::Engine as _;
use regex::bytes::{Regex, RegexBuilder};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Decode {
    Literal,
    Raw,
    Base64,
    Pem,
}

/// The capture names of a pattern by group index (0: the whole match), read from its
/// syntax alone: compiling every rule's regex at start-up cost most of it, so a
/// rule's regex is compiled the first time a file holds its keyword.
pub(crate) fn capture_names(pattern: &str) -> std::result::Result<Vec<Option<String>>, String> {
    use regex_syntax::hir::{Hir, HirKind};
    fn walk(h: &Hir, out: &mut Vec<(u32, Option<String>)>) {
        match h.kind() {
            HirKind::Capture(c) => {
                out.push((c.index, c.name.as_deref().map(str::to_string)));
                walk(&c.sub, out);
            }
            HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().for_each(|x| walk(x, out)),
            HirKind::Repetition(r) => walk(&r.sub, out),
            _ => {}
        }
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    let mut caps = Vec::new();
    walk(&hir, &mut caps);
    let n = caps.iter().map(|c| c.0 as usize).max().unwrap_or(0);
    let mut names = vec![None; n + 1];
    for (i, name) in caps {
        names[i as usize] = name;
    }
    Ok(names)
}

/// [`capture_names`] by a scan of the pattern's text: each `(` that is not escaped, not
/// inside a character class and not a `(?` group opens a capture, and `(?P<n>` / `(?<n>`
/// a named one. Five times cheaper than parsing, which was most of start-up for the
/// built-in rules (a test checks the two agree on every one of them). `None` where the
/// scan cannot tell (verbose `(?x)` patterns, a class left open): parse then.
pub(crate) fn capture_names_scanned(pattern: &str) -> Option<Vec<Option<String>>> {
    let b = pattern.as_bytes();
    let mut names = vec![None];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'[' => {
                // A class (`]` first, after an optional `^`, is a literal). A nested
                // class or set operation is left to the parser: `None`.
                i += 1;
                if b.get(i) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    i += 1;
                }
                loop {
                    match b.get(i)? {
                        b'\\' => i += 2,
                        b'[' => return None,
                        b']' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            b'(' => {
                i += 1;
                if b.get(i) != Some(&b'?') {
                    names.push(None);
                    continue;
                }
                let rest = &pattern[i + 1..];
                let named = rest.strip_prefix("P<").or_else(|| rest.strip_prefix('<'));
                match named {
                    Some(r) if !r.starts_with(['=', '!']) => {
                        let end = r.find('>')?;
                        names.push(Some(r[..end].to_string()));
                        // Past the name, which may hold `[` (no class starts in it).
                        i = pattern.len() - r.len() + end + 1;
                    }
                    _ => {
                        let flags = &rest[..rest.find([':', ')'])?];
                        if flags.contains('x') {
                            return None;
                        }
                    }
                }
            }
            _ => i += 1,
        }
    }
    Some(names)
}

/// The capture groups of one family (`secret`, `secret2`, ...), by index, in order.
fn family(names: &[Option<String>], base: &str) -> Vec<usize> {
    names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let n = n.as_deref()?;
            let rest = n.strip_prefix(base)?;
            rest.bytes().all(|b| b.is_ascii_digit()).then_some(i)
        })
        .collect()
}

fn build(pattern: &str) -> std::result::Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(1 << 24)
        .build()
}

/// The first group of a family that took part in the match.
fn first<'h>(
    caps: &regex::bytes::Captures<'h>,
    groups: &[usize],
) -> Option<regex::bytes::Match<'h>> {
    groups.iter().find_map(|&g| caps.get(g))
}

/// A piece of a `name` template: fixed text, or a capture family with the text that
/// goes before it only when it took part (`{#field}`: `#` and the field, or nothing).
#[derive(Clone)]
enum NamePart {
    Text(String),
    Capture(Vec<usize>, String),
}

/// A compiled rule.
pub(crate) struct Rule {
    pub spec: RuleSpec,
    pub file: String,
    /// The pattern with its fragments expanded, and its regex once compiled.
    expanded: String,
    regex: std::sync::OnceLock<Regex>,
    formats: Vec<Format>,
    decode: Decode,
    secret: Vec<usize>,
    list: Vec<usize>,
    csv: Vec<usize>,
    name: Vec<usize>,
    /// The `name` field as a template, when it quotes captures.
    template: Option<Vec<NamePart>>,
}

impl Rule {
    pub(crate) fn id(&self) -> &str {
        &self.spec.id
    }

    pub(crate) fn applies_to(&self, format: Format) -> bool {
        self.formats.is_empty() || self.formats.contains(&format)
    }

    /// The rule's regex, compiled on first use (embedded rules are compiled by the
    /// rule check of every build, so this cannot fail for them).
    fn regex(&self) -> &Regex {
        self.regex
            .get_or_init(|| build(&self.expanded).expect("a built-in rule's pattern compiles"))
    }

    /// `eager`: compile the regex now (a user's rule file), not on first use.
    pub(super) fn compile(spec: RuleSpec, file: &str, eager: bool) -> Result<Rule> {
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
        let line_values = !formats.is_empty()
            && formats
                .iter()
                .all(|f| matches!(f, Format::Yaml | Format::Dotenv));
        let expanded = expand(&spec.pattern, line_values);
        // A user's pattern is parsed (its errors named now); a built-in one is scanned.
        let scanned = if eager {
            None
        } else {
            capture_names_scanned(&expanded)
        };
        let names = match scanned {
            Some(names) => names,
            None => capture_names(&expanded).map_err(|e| err(format!("bad pattern: {e}")))?,
        };
        let regex = std::sync::OnceLock::new();
        if eager {
            // A user's rule: a pattern too big to compile is an error now, naming it.
            let _ = regex.set(build(&expanded).map_err(|e| err(format!("bad pattern: {e}")))?);
        }
        let secret = family(&names, "secret");
        let list = family(&names, "list");
        let csv = family(&names, "csv");
        let name = family(&names, "name");
        let template = match &spec.name {
            Some(t) if t.contains('{') => {
                Some(parse_template(t, &names).map_err(|p| err(format!("name {t:?}: {p}")))?)
            }
            _ => None,
        };
        match spec.kind {
            Kind::Literal if secret.is_empty() && list.is_empty() && csv.is_empty() => {
                return Err(err(
                    "a literal rule needs a `secret`, `list` or `csv` capture".into(),
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
            expanded,
            regex,
            formats,
            decode,
            secret,
            list,
            csv,
            name,
            template,
        })
    }

    /// The finding's name for one match: the `name` capture, else the `name` field
    /// (with its quoted captures filled in).
    fn name_of(&self, caps: &regex::bytes::Captures, doc: &Document) -> Option<String> {
        if let Some(m) = first(caps, &self.name) {
            return Some(String::from_utf8_lossy(m.as_bytes()).into_owned());
        }
        match &self.template {
            Some(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        NamePart::Text(t) => out.push_str(t),
                        NamePart::Capture(g, prefix) => {
                            let m = first(caps, g);
                            if m.is_some() {
                                out.push_str(prefix);
                            }
                            if let (true, Some(m)) = (self.spec.yaml_path, m) {
                                if Dialect::of(doc.format) == Dialect::Yaml {
                                    out.push_str(&yaml_parents(doc.bytes, m.start()));
                                }
                            }
                            out.push_str(&String::from_utf8_lossy(
                                m.map_or(&b""[..], |m| m.as_bytes()),
                            ));
                        }
                    }
                }
                Some(out)
            }
            None => self.spec.name.clone(),
        }
    }

    /// Runs the rule on matches that start in `start..end` and end by `end`; positions
    /// stay relative to the whole document (look-arounds see the bytes before `start`).
    pub(crate) fn extract_range(
        &self,
        doc: &Document,
        start: usize,
        end: usize,
        out: &mut Extracted,
    ) {
        let dialect = Dialect::of(doc.format);
        let haystack = &doc.bytes[..end];
        let mut at = start;
        while at <= end {
            let Some(caps) = self.regex().captures_at(haystack, at) else {
                break;
            };
            let whole = caps.get(0).expect("group 0 always matches");
            at = if whole.end() > whole.start() {
                whole.end()
            } else {
                whole.end() + 1
            };
            let name = self.name_of(&caps, doc);
            if self.spec.kind == Kind::Reference {
                let Some(n) = name.clone() else { continue };
                // `process.env.NODE_ENV || "development"` is neither a secret reference
                // nor a secret default.
                if !is_secret_name(&n) {
                    continue;
                }
                let at = first(&caps, &self.name)
                    .or_else(|| caps.get(0))
                    .map_or(0, |m| m.start());
                out.candidates.push(
                    Candidate::reference(doc.position(at), &self.spec.id, n).with_bar(self.bar()),
                );
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
                    out.candidates
                        .push(self.literal(doc, at, value, name.clone()));
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
                    out.candidates.push(self.literal(doc, at, value, item_name));
                }
            }
            if let Some(m) = first(&caps, &self.csv) {
                let Some(text) = self.decode_value(m.as_bytes(), dialect) else {
                    continue;
                };
                let at = m.start() + value_start(m.as_bytes(), dialect);
                // Offsets within the decoded text: exact for a literal without escapes.
                let inside = |off: usize| (at + off).min(m.end().saturating_sub(1));
                for (i, (off, item)) in decode::comma_list(&text).into_iter().enumerate() {
                    let item_name = name.as_ref().map(|n| format!("{n}[{i}]"));
                    out.candidates
                        .push(self.literal(doc, inside(off), item.to_vec(), item_name));
                }
            }
        }
    }

    /// A literal candidate of this rule at byte `at` of the document.
    fn literal(
        &self,
        doc: &Document,
        at: usize,
        value: Vec<u8>,
        name: Option<String>,
    ) -> Candidate {
        Candidate::literal(
            doc.position(at),
            &self.spec.id,
            self.spec.confidence,
            Secret::new(value),
        )
        .with_name(name)
        .with_bar(self.bar())
    }

    fn decode_value(&self, raw: &[u8], dialect: Dialect) -> Option<Vec<u8>> {
        let raw = &raw[yaml_anchor(raw, dialect)..];
        match self.decode {
            Decode::Raw => Some(raw.to_vec()),
            Decode::Pem if !matches!(raw.first(), Some(b'"' | b'\'' | b'`')) => {
                Some(pem_normalize(raw))
            }
            _ if dialect == Dialect::Python => match literal::concatenation(raw) {
                Some((_, joined)) => self.decode_text(joined),
                None => self.decode_text(literal::decode(raw, dialect)?),
            },
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

    /// The bar an unmatched value of this rule must pass.
    pub(crate) fn bar(&self) -> Bar {
        Bar {
            min_len: self.spec.min_len,
            entropy: self.spec.entropy,
            uuid_ok: self.spec.allow_uuid,
            checksum: self.spec.checksum,
        }
    }

    pub(crate) fn formats(&self) -> &[Format] {
        &self.formats
    }
}

/// The keys a YAML mapping key at `at` is nested in, each followed by `.`
/// (`database.` for `password` under `database:`): the nearest lines above with less
/// indentation that open a mapping (`key:` and nothing after it). List dashes count as
/// indentation.
fn yaml_parents(bytes: &[u8], at: usize) -> String {
    let indent_of = |line: &[u8]| line.iter().take_while(|&&b| b == b' ' || b == b'-').count();
    let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let mut indent = at - line_start;
    let mut parents: Vec<&[u8]> = Vec::new();
    let mut end = line_start;
    while indent > 0 && end > 0 {
        let start = memchr::memrchr(b'\n', &bytes[..end - 1]).map_or(0, |i| i + 1);
        let line = &bytes[start..end - 1];
        end = start;
        let body = line.trim_ascii();
        if body.is_empty() || body.starts_with(b"#") {
            continue;
        }
        let i = indent_of(line);
        if i >= indent {
            continue;
        }
        indent = i;
        let dash = body.iter().take_while(|&&b| b == b'-' || b == b' ').count();
        let key = &body[dash..];
        match key.strip_suffix(b":") {
            Some(k) if !k.is_empty() && !k.contains(&b' ') => parents.push(k),
            // A line with less indentation that is not a mapping key: no parent chain.
            _ => break,
        }
    }
    parents
        .iter()
        .rev()
        .map(|k| format!("{}.", String::from_utf8_lossy(k)))
        .collect()
}

/// Parses a `name` template: `{group}` quotes a capture family, `{#group}` the same
/// after the punctuation it starts with, which is left out with the capture.
fn parse_template(t: &str, names: &[Option<String>]) -> std::result::Result<Vec<NamePart>, String> {
    let mut parts = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(NamePart::Text(rest[..open].to_string()));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| "unclosed `{`".to_string())?;
        let inner = &rest[open + 1..open + close];
        let lead = inner.len()
            - inner
                .trim_start_matches(|c: char| c.is_ascii_punctuation())
                .len();
        let (prefix, group) = inner.split_at(lead);
        let g = family(names, group);
        if g.is_empty() {
            return Err(format!("no capture named {group:?} in the pattern"));
        }
        parts.push(NamePart::Capture(g, prefix.to_string()));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(NamePart::Text(rest.to_string()));
    }
    Ok(parts)
}

/// A PEM block as a `.pem` file holds it: lines trimmed (indentation in YAML or code
/// goes), `\n` line ends, one final newline.
pub(super) fn pem_normalize(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for line in text.trim_ascii().split(|&b| b == b'\n') {
        out.extend_from_slice(line.trim_ascii());
        out.push(b'\n');
    }
    out
}

/// Offset of the first byte of the value inside a literal (past prefix and quotes).
fn value_start(raw: &[u8], dialect: Dialect) -> usize {
    let anchor = yaml_anchor(raw, dialect);
    if anchor > 0 {
        return anchor + value_start(&raw[anchor..], dialect);
    }
    if dialect == Dialect::Python {
        if let Some((first, _)) = literal::concatenation(raw) {
            return first + literal_value_start(&raw[first..], dialect);
        }
    }
    literal_value_start(raw, dialect)
}

/// The length of a YAML anchor (`&name `) before a value: the value is what follows,
/// and its aliases (`*name`) repeat no bytes, so the anchor's place is the one finding.
fn yaml_anchor(raw: &[u8], dialect: Dialect) -> usize {
    if dialect != Dialect::Yaml || raw.first() != Some(&b'&') {
        return 0;
    }
    let name = raw[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
        .count();
    let blanks = raw[1 + name..]
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count();
    if name == 0 || blanks == 0 || 1 + name + blanks >= raw.len() {
        return 0;
    }
    1 + name + blanks
}

/// [`value_start`] of one literal.
fn literal_value_start(raw: &[u8], dialect: Dialect) -> usize {
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
        // TOML drops a newline right after the opening quotes: the value starts on
        // the next line (where the ring-token scan also finds a ring key).
        let body = &raw[i + 3..];
        let newline = match body {
            [b'\r', b'\n', ..] if dialect == Dialect::Toml => 2,
            [b'\n', ..] if dialect == Dialect::Toml => 1,
            _ => 0,
        };
        i + 3 + newline
    } else if raw.get(i).is_some_and(|c| matches!(c, b'"' | b'\'' | b'`')) {
        i + 1
    } else {
        i
    }
}

#[cfg(test)]
mod capture_scan_tests {
    use super::*;
    use crate::testrand::XorShift;

    #[test]
    fn the_scan_gives_the_parser_s_names_for_every_built_in_rule() {
        let set = crate::extract::rules::RuleSet::embedded().unwrap();
        for rule in set.rules() {
            assert_eq!(
                capture_names_scanned(&rule.expanded),
                Some(capture_names(&rule.expanded).unwrap()),
                "rule {}",
                rule.spec.id
            );
        }
    }

    #[test]
    fn nested_classes_are_left_to_the_parser() {
        // Found by `cargo fuzz run scanners` (twice: a literal `]` first in a nested
        // class, then nested classes and `[!` in a long pattern).
        for p in [
            "[?>([]<?$((\x01]<?$((\x01\x01](?P<x>a)",
            "[(\0?([[!([[(\0?E(a)]]]])(b)",
            "[[:alpha:]](?P<x>a)",
        ] {
            assert_eq!(capture_names_scanned(p), None, "{p}");
        }
        // A plain class, with `]` and `[` as literals where they may be.
        let p = "[]a\\[(](?P<x>b)[^](]";
        assert_eq!(capture_names_scanned(p), Some(capture_names(p).unwrap()));
        assert_eq!(capture_names_scanned(p).unwrap().len(), 2);
    }

    #[test]
    fn a_group_name_may_hold_a_bracket() {
        // Found by `cargo fuzz run scanners`: `[` in a name opens no class.
        let p = "(?<P[>(s]s>\\\n5*<PA.|\\\n5*\n\\\n)\n)";
        assert_eq!(capture_names_scanned(p), Some(capture_names(p).unwrap()));
        assert_eq!(capture_names_scanned(p).unwrap().len(), 3);
    }

    #[test]
    fn random_patterns_scan_as_they_parse() {
        let mut rng = XorShift::new(0xcafe_f00d);
        let pieces = [
            "(",
            ")",
            "(?P<a>",
            "(?<b2>",
            "(?:",
            "(?i)",
            "(?ix)",
            "[",
            "]",
            "[^]",
            "[]",
            "\\(",
            "\\[",
            "\\]",
            "x",
            "|",
            "*",
            "[[:alpha:]]",
            "[a-z&&[^q]]",
            "\\\\",
            "?",
            "[[]",
            "[^[]",
        ];
        let mut agreed = 0;
        for _ in 0..20000 {
            let n = 1 + rng.below(8);
            let p = rng.pieces(&pieces, n);
            let Ok(parsed) = capture_names(&p) else {
                continue;
            };
            if let Some(scanned) = capture_names_scanned(&p) {
                assert_eq!(scanned, parsed, "{p}");
                agreed += 1;
            }
        }
        assert!(agreed > 1000, "only {agreed} valid patterns scanned");
    }
}

#[cfg(test)]
mod yaml_path_tests {
    use super::yaml_parents;
    use crate::testrand::XorShift;

    fn parents_of(text: &str, key: &str) -> String {
        yaml_parents(text.as_bytes(), text.find(key).unwrap())
    }

    #[test]
    fn nested_keys_lists_and_comments() {
        let text = "app:\n  # creds\n  database:\n\n    password: x\n  other: 1\ntop: y\nlist:\n  - name: a\n    token: t\n";
        assert_eq!(parents_of(text, "password"), "app.database.");
        assert_eq!(parents_of(text, "other"), "app.");
        assert_eq!(parents_of(text, "top"), "");
        assert_eq!(parents_of(text, "token"), "list.");
        // A parent line that is not a mapping key ends the chain.
        assert_eq!(parents_of("a: [\n  b: 1\n", "b"), "");
    }

    #[test]
    fn random_text_at_any_offset_never_panics() {
        let mut rng = XorShift::new(0x9a7b);
        for _ in 0..3000 {
            let len = 1 + rng.below(120);
            let text = rng.text(b"ab: -\n#\t", len);
            let at = rng.below(len);
            let _ = yaml_parents(&text, at);
        }
    }
}
