//! Rule files as written in `rules/`: parsed strictly (`deny_unknown_fields`), and the
//! pattern fragments a rule may use.

use crate::finding::{Confidence, Kind};
use serde::Deserialize;

/// `{str}`: a quoted string literal in any language's style.
const STR: &str = r#"(?:[rRbBuUfF]{0,2}(?:"""(?s:.*?)"""|'''(?s:.*?)'''|"(?:[^"\\\n]|\\(?s:.))*"|'(?:[^'\\\n]|\\(?s:.))*'|`(?:[^`\\]|\\(?s:.))*`))"#;
/// A bare value: up to whitespace.
const BARE: &str = r#"(?:[^\s'"`\[{(#,;][^\s]*)"#;
/// A bare value that may hold spaces: words up to the end of the line or a ` #` comment.
const BARE_LINE: &str = r#"(?:[^\s'"`\[{(#,;][^ \t\r\n]*(?:[ \t]+[^ \t\r\n#][^ \t\r\n]*)*)"#;
/// `{list}`: a bracketed or parenthesised list.
const LIST: &str = r#"(?:\[[^\]]*\]|\([^)]*\))"#;
/// `{strs}`: one literal, or adjacent ones (Python's implicit concatenation), on one
/// line, over `\` line continuations, or in parentheses.
const STRS: &str = r#"(?:\(\s*STR(?:\s*STR)+\s*\)|STR(?:(?:[ \t]|\\\r?\n)*STR)*)"#;
/// `{secret_word}`: the words that make a name secret-like (`API_KEY`, `db_password`).
const SECRET_WORD: &str = r#"(?i:secrets?|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key|master[_-]?key|signing[_-]?key|encryption[_-]?key|hmac[_-]?key|token|passw(?:or)?d|passphrase|salt)"#;
/// `{end}`: where a literal assigned to a name ends (a separator, a comment, a method
/// that turns it into bytes, the end of the line).
const END: &str =
    r#"(?:[ \t]*(?:[,;)\]}#\r\n]|//|\.(?:encode|getBytes|toByteArray|freeze)\b|(?m:$)))"#;

/// Expands a pattern's fragments. `line_values`: bare `{value}`s run to the end of the
/// line (the rule's formats are all YAML or `.env`).
pub(super) fn expand(pattern: &str, line_values: bool) -> String {
    let bare = if line_values { BARE_LINE } else { BARE };
    pattern
        .replace("{strs}", &STRS.replace("STR", STR))
        .replace("{str}", STR)
        .replace("{value}", &format!("(?:{STR}|{bare})"))
        .replace("{list}", LIST)
        .replace("{secret_word}", SECRET_WORD)
        .replace("{end}", END)
}

/// One rule file.
#[derive(Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    pub(super) rule: Vec<RuleSpec>,
}

/// A rule as written in `rules/`.
#[derive(Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub id: String,
    pub description: String,
    pub confidence: Confidence,
    #[serde(default = "default_kind")]
    pub kind: Kind,
    /// Formats the rule applies to; empty: every text format.
    #[serde(default)]
    pub formats: Vec<String>,
    pub keywords: Vec<String>,
    /// The keywords are searched in the case they are written in (a provider's token
    /// prefix, `hf_`, `SG.`, whose pattern is case-sensitive): the prefilter then
    /// tries fewer spellings. Otherwise they are searched in any case.
    #[serde(default)]
    pub exact_keywords: bool,
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
    /// The token format is a UUID: a UUID value is not dismissed as an identifier.
    #[serde(default)]
    pub allow_uuid: bool,
    /// In YAML, the captures a `name` template quotes are prefixed with the keys they
    /// are nested in (`database.password`).
    #[serde(default)]
    pub yaml_path: bool,
    /// A checksum the token format carries (`crc32-base62`: GitHub classic and npm
    /// tokens); a value whose checksum does not hold is not a finding.
    #[serde(default)]
    pub checksum: Option<crate::checksum::Checksum>,
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
pub(crate) const DEFAULT_WINDOW: usize = 2048;

fn default_min_len() -> usize {
    8
}
