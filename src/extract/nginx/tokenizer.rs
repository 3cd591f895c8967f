//! nginx configuration tokens, as `ngx_conf_read_token` reads them.
//!
//! A token is a word (unquoted, `'single'` or `"double"` quoted), `{`, `}`, `;`, a `#`
//! comment, or the opaque body of a `*_by_lua_block { … }` (Lua code, scanned for
//! strings, long brackets and comments only to find the closing brace). Tokens keep
//! their byte range and line; [`pieces`] decodes a word into literal text (escapes
//! applied, each byte with its source offset) and `$var` / `${var}` references.
//!
//! Malformed input never panics: each problem is a [`SyntaxError`] with its line, and
//! tokenizing goes on where it can.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quote {
    None,
    Single,
    Double,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Word(Quote),
    BlockStart,
    BlockEnd,
    Semicolon,
    Comment,
    /// The code between the braces of a `*_by_lua_block`.
    LuaBody,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Byte range in the source, quotes included.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the first byte.
    pub line: u32,
    /// False for a quoted word that runs to the end of the file without its quote.
    pub closed: bool,
}

impl Token {
    /// The range of the word's text, inside its quotes.
    pub(crate) fn content(&self) -> Range<usize> {
        match self.kind {
            TokenKind::Word(Quote::Single | Quote::Double) if self.closed => {
                (self.start + 1)..(self.end - 1)
            }
            TokenKind::Word(Quote::Single | Quote::Double) => (self.start + 1)..self.end,
            _ => self.start..self.end,
        }
    }

    pub(crate) fn is_word(&self) -> bool {
        matches!(self.kind, TokenKind::Word(_))
    }
}

/// A problem in the file's syntax. The message never quotes the file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub tokens: Vec<Token>,
    pub errors: Vec<SyntaxError>,
    /// A quoted string or Lua block ran to the end of the file: what follows it was
    /// swallowed, so problems at the end of the file are consequences, not news.
    pub runaway: bool,
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// Splits an nginx configuration into tokens.
pub(crate) fn tokenize(src: &[u8]) -> Tokens {
    let mut lx = Lexer {
        src,
        pos: 0,
        line: 1,
    };
    let mut out = Tokens::default();
    // First word of the statement being read: decides whether `{` opens a Lua block.
    let mut stmt_first: Option<Range<usize>> = None;
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        let line = lx.line;
        let simple = |kind| Token {
            kind,
            start,
            end: start + 1,
            line,
            closed: true,
        };
        match c {
            c if is_space(c) => {
                lx.bump();
            }
            b';' => {
                lx.bump();
                out.tokens.push(simple(TokenKind::Semicolon));
                stmt_first = None;
            }
            b'}' => {
                lx.bump();
                out.tokens.push(simple(TokenKind::BlockEnd));
                stmt_first = None;
            }
            b'{' => {
                lx.bump();
                out.tokens.push(simple(TokenKind::BlockStart));
                let lua = stmt_first
                    .take()
                    .is_some_and(|r| src[r].ends_with(b"_by_lua_block"));
                if lua {
                    lua_body(&mut lx, line, &mut out);
                }
            }
            b'#' => {
                while lx.peek().is_some_and(|c| c != b'\n') {
                    lx.bump();
                }
                out.tokens.push(Token {
                    kind: TokenKind::Comment,
                    start,
                    end: lx.pos,
                    line,
                    closed: true,
                });
            }
            b'"' | b'\'' => {
                lx.bump();
                let mut closed = false;
                while let Some(ch) = lx.bump() {
                    if ch == b'\\' {
                        lx.bump();
                    } else if ch == c {
                        closed = true;
                        break;
                    }
                }
                let quote = if c == b'"' {
                    Quote::Double
                } else {
                    Quote::Single
                };
                if !closed {
                    out.runaway = true;
                    out.errors.push(SyntaxError {
                        line,
                        message: "unterminated quoted string (no closing quote before the end of the file)"
                            .into(),
                    });
                }
                out.tokens.push(Token {
                    kind: TokenKind::Word(quote),
                    start,
                    end: lx.pos,
                    line,
                    closed,
                });
                if stmt_first.is_none() {
                    stmt_first = Some(start..lx.pos);
                }
                if closed {
                    if let Some(next) = lx.peek() {
                        if !is_space(next) && !matches!(next, b';' | b'{' | b'}' | b')') {
                            out.errors.push(SyntaxError {
                                line: lx.line,
                                message: "unexpected character right after a quoted string (expected a space, \";\" or \"{\")".into(),
                            });
                        }
                    }
                }
            }
            _ => {
                let mut prev_dollar = false;
                while let Some(ch) = lx.peek() {
                    if is_space(ch) || ch == b';' || (ch == b'{' && !prev_dollar) {
                        break;
                    }
                    lx.bump();
                    if ch == b'\\' {
                        lx.bump();
                    }
                    prev_dollar = ch == b'$';
                }
                out.tokens.push(Token {
                    kind: TokenKind::Word(Quote::None),
                    start,
                    end: lx.pos,
                    line,
                    closed: true,
                });
                if stmt_first.is_none() {
                    stmt_first = Some(start..lx.pos);
                }
            }
        }
    }
    out
}

/// Reads Lua code up to the brace that closes the block; pushes the body and the `}`.
fn lua_body(lx: &mut Lexer, open_line: u32, out: &mut Tokens) {
    let start = lx.pos;
    let line = lx.line;
    let mut depth = 0usize;
    loop {
        let Some(c) = lx.peek() else {
            out.runaway = true;
            out.errors.push(SyntaxError {
                line: open_line,
                message: "unterminated Lua block (no closing \"}\" before the end of the file)"
                    .into(),
            });
            out.tokens.push(Token {
                kind: TokenKind::LuaBody,
                start,
                end: lx.pos,
                line,
                closed: true,
            });
            return;
        };
        match c {
            b'{' => {
                depth += 1;
                lx.bump();
            }
            b'}' if depth == 0 => {
                out.tokens.push(Token {
                    kind: TokenKind::LuaBody,
                    start,
                    end: lx.pos,
                    line,
                    closed: true,
                });
                let end_line = lx.line;
                let end_at = lx.pos;
                lx.bump();
                out.tokens.push(Token {
                    kind: TokenKind::BlockEnd,
                    start: end_at,
                    end: end_at + 1,
                    line: end_line,
                    closed: true,
                });
                return;
            }
            b'}' => {
                depth -= 1;
                lx.bump();
            }
            b'"' | b'\'' => {
                lx.bump();
                while let Some(ch) = lx.bump() {
                    if ch == b'\\' {
                        lx.bump();
                    } else if ch == c || ch == b'\n' {
                        break;
                    }
                }
            }
            b'[' => {
                if let Some(level) = long_bracket(&lx.src[lx.pos..]) {
                    skip_long(lx, level);
                } else {
                    lx.bump();
                }
            }
            b'-' if lx.src[lx.pos..].starts_with(b"--") => {
                lx.bump();
                lx.bump();
                if let Some(level) = long_bracket(&lx.src[lx.pos..]) {
                    skip_long(lx, level);
                } else {
                    while lx.peek().is_some_and(|c| c != b'\n') {
                        lx.bump();
                    }
                }
            }
            _ => {
                lx.bump();
            }
        }
    }
}

/// `[[`, `[=[`, `[==[` … at the start of `s`: the number of `=`.
fn long_bracket(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let level = s[1..].iter().take_while(|&&c| c == b'=').count();
    (s.get(1 + level) == Some(&b'[')).then_some(level)
}

/// Skips a Lua long string or comment opened at the lexer's position.
fn skip_long(lx: &mut Lexer, level: usize) {
    for _ in 0..level + 2 {
        lx.bump();
    }
    while let Some(c) = lx.bump() {
        if c == b']' {
            let rest = &lx.src[lx.pos..];
            if rest.len() > level && rest[..level].iter().all(|&c| c == b'=') && rest[level] == b']'
            {
                for _ in 0..=level {
                    lx.bump();
                }
                return;
            }
        }
    }
}

/// A part of a decoded word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal text with the source offset of each byte.
    Lit { bytes: Vec<u8>, offsets: Vec<usize> },
    /// `$name` or `${name}`, with the offset of the `$`.
    Var { name: String, offset: usize },
}

/// Decodes a word: escapes applied (`\"`, `\'`, `\\`, `\t`, `\r`, `\n`; any other
/// backslash stays), variables split out.
pub(crate) fn pieces(src: &[u8], tok: &Token) -> Vec<Piece> {
    let range = tok.content();
    let text = &src[range.clone()];
    let base = range.start;
    let mut out: Vec<Piece> = Vec::new();
    let mut lit = Vec::new();
    let mut offs = Vec::new();
    let flush = |out: &mut Vec<Piece>, lit: &mut Vec<u8>, offs: &mut Vec<usize>| {
        if !lit.is_empty() {
            out.push(Piece::Lit {
                bytes: std::mem::take(lit),
                offsets: std::mem::take(offs),
            });
        }
    };
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == b'\\' && i + 1 < text.len() {
            let (b, keep) = match text[i + 1] {
                b'"' => (b'"', false),
                b'\'' => (b'\'', false),
                b'\\' => (b'\\', false),
                b't' => (b'\t', false),
                b'r' => (b'\r', false),
                b'n' => (b'\n', false),
                other => (other, true),
            };
            if keep {
                lit.push(b'\\');
                offs.push(base + i);
            }
            lit.push(b);
            offs.push(base + i + 1);
            i += 2;
            continue;
        }
        if c == b'$' {
            let (name, len) = if text.get(i + 1) == Some(&b'{') {
                match text[i + 2..].iter().position(|&c| c == b'}') {
                    Some(p) => (&text[i + 2..i + 2 + p], p + 3),
                    None => (&text[i..i], 0),
                }
            } else {
                let n = text[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                (&text[i + 1..i + 1 + n], n + 1)
            };
            if !name.is_empty() {
                flush(&mut out, &mut lit, &mut offs);
                out.push(Piece::Var {
                    name: String::from_utf8_lossy(name).into_owned(),
                    offset: base + i,
                });
                i += len;
                continue;
            }
        }
        lit.push(c);
        offs.push(base + i);
        i += 1;
    }
    flush(&mut out, &mut lit, &mut offs);
    out
}

/// The decoded text of a word with variables written back as `$name`.
pub(crate) fn text(src: &[u8], tok: &Token) -> Vec<u8> {
    let raw = &src[tok.content()];
    if memchr::memchr(b'\\', raw).is_none() {
        // No escapes: variables are written back as they are.
        return raw.to_vec();
    }
    let mut out = Vec::new();
    for p in pieces(src, tok) {
        match p {
            Piece::Lit { bytes, .. } => out.extend_from_slice(&bytes),
            Piece::Var { name, .. } => {
                out.push(b'$');
                out.extend_from_slice(name.as_bytes());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String, u32)> {
        let t = tokenize(src.as_bytes());
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        t.tokens
            .iter()
            .map(|k| (k.kind, src[k.start..k.end].to_string(), k.line))
            .collect()
    }

    const W: TokenKind = TokenKind::Word(Quote::None);

    #[test]
    fn every_token_kind() {
        let src = "# top\nhttp {\n  set $a 'x y' \"z\";\n}\n";
        assert_eq!(
            kinds(src),
            vec![
                (TokenKind::Comment, "# top".into(), 1),
                (W, "http".into(), 2),
                (TokenKind::BlockStart, "{".into(), 2),
                (W, "set".into(), 3),
                (W, "$a".into(), 3),
                (TokenKind::Word(Quote::Single), "'x y'".into(), 3),
                (TokenKind::Word(Quote::Double), "\"z\"".into(), 3),
                (TokenKind::Semicolon, ";".into(), 3),
                (TokenKind::BlockEnd, "}".into(), 4),
            ]
        );
    }

    #[test]
    fn directive_over_several_lines() {
        let src = "proxy_set_header\n    X-Api-Key\n    \"abc\"\n;";
        let k = kinds(src);
        assert_eq!(k.iter().map(|t| t.2).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn hash_inside_a_word_is_not_a_comment() {
        let k = kinds("return 200 a#b; # c");
        assert_eq!(k[2].1, "a#b");
        assert_eq!(k[4].0, TokenKind::Comment);
    }

    #[test]
    fn escapes_are_decoded() {
        let src = br#"x "a\"b\\c\td\q" 'it\'s' un\;quoted;"#;
        let t = tokenize(src);
        assert!(t.errors.is_empty());
        assert_eq!(text(src, &t.tokens[1]), b"a\"b\\c\td\\q");
        assert_eq!(text(src, &t.tokens[2]), b"it's");
        assert_eq!(text(src, &t.tokens[3]), b"un\\;quoted");
        assert_eq!(t.tokens[4].kind, TokenKind::Semicolon);
    }

    #[test]
    fn variables_in_both_spellings() {
        let src = br#"x "$uri${host}s3cr3t$1";"#;
        let t = tokenize(src);
        let p = pieces(src, &t.tokens[1]);
        assert_eq!(
            p,
            vec![
                Piece::Var {
                    name: "uri".into(),
                    offset: 3
                },
                Piece::Var {
                    name: "host".into(),
                    offset: 7
                },
                Piece::Lit {
                    bytes: b"s3cr3t".to_vec(),
                    offsets: (14..20).collect()
                },
                Piece::Var {
                    name: "1".into(),
                    offset: 20
                },
            ]
        );
    }

    #[test]
    fn brace_after_dollar_stays_in_an_unquoted_word() {
        let k = kinds("set $a ${b}c;");
        assert_eq!(k[2], (W, "${b}c".into(), 1));
    }

    #[test]
    fn lua_block_is_opaque() {
        let src = "content_by_lua_block {\n  local t = { a = \"}\" } -- }\n  s = [[ } ]]\n}\nnext;";
        let k = kinds(src);
        assert_eq!(k[1].0, TokenKind::BlockStart);
        assert_eq!(k[2].0, TokenKind::LuaBody);
        assert_eq!(k[3], (TokenKind::BlockEnd, "}".into(), 4));
        assert_eq!(k[4], (W, "next".into(), 5));
    }

    #[test]
    fn errors_name_the_line() {
        let t = tokenize(b"a;\nb \"open\n\nc;");
        assert_eq!(t.errors.len(), 1);
        assert_eq!(t.errors[0].line, 2);
        assert!(t.errors[0].message.contains("unterminated quoted string"));

        let t = tokenize(b"x;\ny \"a\"b;");
        assert_eq!(t.errors[0].line, 2);
        assert!(t.errors[0].message.contains("right after a quoted string"));

        let t = tokenize(b"\n\naccess_by_lua_block { if x then");
        assert_eq!(t.errors[0].line, 3);
        assert!(t.errors[0].message.contains("Lua block"));
    }

    #[test]
    fn truncated_escape_and_dollar_do_not_panic() {
        for src in [
            "a \\",
            "\"\\",
            "$",
            "${",
            "x ${a",
            "'",
            "[[",
            "a_by_lua_block { [==[",
        ] {
            let t = tokenize(src.as_bytes());
            for tok in &t.tokens {
                if tok.is_word() {
                    let _ = pieces(src.as_bytes(), tok);
                }
            }
        }
    }
}
