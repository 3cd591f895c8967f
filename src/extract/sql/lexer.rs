//! A streaming lexer for PostgreSQL dumps and psql scripts.
//!
//! The input is fed in chunks (the driver feeds one line at a time, long lines in pieces)
//! and the lexer keeps its state between chunks, so a file of any size is lexed in
//! constant memory: string values are kept up to [`MAX_VALUE`] bytes, COPY fields only
//! up to [`COPY_PREFIX`] bytes.
//!
//! Quoting handled: `'…'` with `''`, `E'…'` with backslash escapes, `U&'…'`, `"quoted
//! identifiers"`, `--` and nested `/* */` comments, psql `\` meta-commands, and
//! dollar quoting (`$$…$$`, `$tag$…$tag$`). A dollar-quoted body is lexed again as SQL
//! (function bodies nest their own quoting) one level deeper, while the bytes are also
//! kept so that the body can be a string value of the enclosing level. As in
//! PostgreSQL, the closing tag of an enclosing body ends it wherever it appears.
//!
//! After a `COPY … FROM stdin;` statement (the [`Sink`] says so), the following lines
//! are COPY data up to a `\.` line: fields are split (text or CSV format) and unescaped.
//!
//! Constructs recognised with a look-ahead (`--`, `/*`, `::`, `$tag$`, `E'`) are looked
//! for within the current chunk only; since chunks are whole lines, only lines cut into
//! pieces (over 1 MiB) can hide one at a cut.

use memchr::{memchr, memchr2, memchr3, memrchr};

mod copy;
use copy::{copy_csv, copy_text};

/// String values (literals, dollar-quoted bodies) are kept up to this many bytes; longer
/// ones are marked truncated.
pub(crate) const MAX_VALUE: usize = 64 * 1024;
/// COPY fields are kept up to this many (unescaped) bytes: enough to recognise a value.
pub(crate) const COPY_PREFIX: usize = 64;
/// Deeper dollar-quote nesting is lexed as plain text of the deepest body.
const MAX_DEPTH: usize = 16;

/// 1-based line and byte column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
}

/// One token. Words keep their case; strings are decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// An unquoted identifier or keyword.
    Word(&'a [u8]),
    /// A `"quoted identifier"`, decoded.
    Ident(&'a [u8]),
    /// A string literal, decoded; `dollar` for a dollar-quoted body.
    Str {
        value: &'a [u8],
        truncated: bool,
        dollar: bool,
    },
    Num,
    /// `$1`
    Param,
    Punct(u8),
    /// `::`
    Cast,
    /// `:=`
    Assign,
}

/// How COPY data is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CopyFormat {
    pub csv: bool,
    pub delimiter: u8,
}

impl Default for CopyFormat {
    fn default() -> Self {
        CopyFormat {
            csv: false,
            delimiter: b'\t',
        }
    }
}

/// What the lexer reports to.
pub(crate) trait Sink {
    /// A token at nesting `depth` (0: top level, 1: inside a dollar-quoted body, ...).
    /// Returning a format after a top-level `;` makes the lines after the current one
    /// COPY data.
    fn token(&mut self, depth: usize, pos: Pos, tok: Tok<'_>) -> Option<CopyFormat>;
    /// A dollar-quoted body opens; its tokens come at `depth`.
    fn body_start(&mut self, _depth: usize) {}
    /// The body at `depth` ends (its string token follows at `depth - 1`).
    fn body_end(&mut self, _depth: usize) {}
    /// One COPY field ends: its index in the row and its first bytes, unescaped.
    fn copy_field(&mut self, _index: usize, _prefix: &[u8]) {}
    /// The `\.` line (or the end of the input inside COPY data).
    fn copy_end(&mut self) {}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StrMode {
    /// `'…'` (standard_conforming_strings: backslash is an ordinary character)
    Std,
    /// `E'…'`
    Escape,
    /// `U&'…'`
    Unicode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Esc {
    None,
    Backslash,
    Octal { val: u32, n: u8 },
    Hex { val: u32, n: u8 },
    Code { val: u32, n: u8, want: u8 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct CopyState {
    format: CopyFormat,
    field: usize,
    prefix: Vec<u8>,
    line_start: bool,
    /// Text format: a backslash ends the current chunk.
    esc: bool,
    /// CSV: inside a quoted field.
    in_quotes: bool,
    /// CSV: a quote inside a quoted field, pending the next byte.
    quote_seen: bool,
}

impl CopyState {
    fn push(&mut self, bytes: &[u8]) {
        let room = COPY_PREFIX - self.prefix.len();
        self.prefix
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Code,
    Str {
        mode: StrMode,
        esc: Esc,
        quote_seen: bool,
    },
    Ident {
        quote_seen: bool,
    },
    LineComment,
    BlockComment {
        depth: u32,
    },
    /// A psql meta-command (`\connect`, `\restrict`, ...), up to the end of the line.
    Meta,
    Copy(Box<CopyState>),
}

/// One open dollar-quoted body.
struct Frame {
    /// The whole tag, dollars included: `$$`, `$body$`.
    tag: Vec<u8>,
    body: Vec<u8>,
    truncated: bool,
    pos: Pos,
}

/// Where a construct that never ended started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unterminated {
    pub what: &'static str,
    pub pos: Pos,
}

pub(crate) struct Lexer {
    state: State,
    frames: Vec<Frame>,
    line: u32,
    column: u32,
    /// Start of the string or identifier being read.
    start: Pos,
    buf: Vec<u8>,
    truncated: bool,
    copy_pending: Option<CopyFormat>,
    /// MySQL versioned comments (`/*!…`) open around the code being read.
    exec_comments: u32,
}

impl Default for Lexer {
    fn default() -> Self {
        Self::new()
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn hex_val(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

impl Lexer {
    pub(crate) fn new() -> Self {
        Lexer {
            state: State::Code,
            frames: Vec::new(),
            line: 1,
            column: 1,
            start: Pos::default(),
            buf: Vec::new(),
            truncated: false,
            copy_pending: None,
            exec_comments: 0,
        }
    }

    /// Is the lexer inside COPY data (the next chunk is data)?
    pub(crate) fn in_copy(&self) -> bool {
        matches!(self.state, State::Copy(_))
    }

    /// The position of the next byte.
    pub(crate) fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    /// Lexes the next piece of input.
    pub(crate) fn feed<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) {
        let mut i = 0;
        while i < chunk.len() {
            if chunk[i] == b'$' && !self.frames.is_empty() && !self.in_copy() {
                if let Some((k, len)) = self.closing(&chunk[i..]) {
                    self.close_frames(k, &chunk[i..i + len], sink);
                    i += len;
                    continue;
                }
            }
            let next = match self.state {
                State::Code => self.code(chunk, i, sink),
                State::Str { .. } => self.string(chunk, i, sink),
                State::Ident { .. } => self.ident(chunk, i, sink),
                State::LineComment | State::Meta => self.skip_line(chunk, i),
                State::BlockComment { .. } => self.block_comment(chunk, i),
                State::Copy(_) => self.copy(chunk, i, sink),
            };
            // A handler may leave a byte for the next state (the end of a string).
            i = next;
        }
    }

    /// Ends the input: emits a pending token and says what was left open, if anything.
    pub(crate) fn finish<S: Sink>(&mut self, sink: &mut S) -> Option<Unterminated> {
        let state = std::mem::replace(&mut self.state, State::Code);
        let problem = match state {
            State::Str {
                quote_seen: true, ..
            } => {
                self.emit_str(sink, false);
                None
            }
            State::Ident { quote_seen: true } => {
                self.emit_ident(sink);
                None
            }
            State::Str { .. } => Some(("string literal", self.start)),
            State::Ident { .. } => Some(("quoted identifier", self.start)),
            State::BlockComment { .. } => Some(("/* comment", self.start)),
            State::Copy(mut cs) => {
                if !cs.line_start || !cs.prefix.is_empty() || cs.field > 0 {
                    sink.copy_field(cs.field, &cs.prefix);
                    cs.prefix.clear();
                }
                sink.copy_end();
                Some(("COPY data (no \\. line)", self.start))
            }
            _ => None,
        };
        let frame_problem = self.frames.first().map(|f| ("dollar-quoted body", f.pos));
        while !self.frames.is_empty() {
            sink.body_end(self.frames.len());
            self.frames.pop();
        }
        problem
            .or(frame_problem)
            .map(|(what, pos)| Unterminated { what, pos })
    }

    /// Advances the position over consumed bytes and adds them to the open bodies.
    fn consume(&mut self, seg: &[u8]) {
        match memrchr(b'\n', seg) {
            Some(p) => {
                self.line += memchr::memchr_iter(b'\n', seg).count() as u32;
                self.column = (seg.len() - p) as u32;
            }
            None => self.column += seg.len() as u32,
        }
        for f in &mut self.frames {
            if f.truncated {
                continue;
            }
            let room = MAX_VALUE - f.body.len();
            if seg.len() > room {
                f.body.extend_from_slice(&seg[..room]);
                f.truncated = true;
            } else {
                f.body.extend_from_slice(seg);
            }
        }
    }

    fn push_value(&mut self, bytes: &[u8]) {
        if self.truncated {
            return;
        }
        let room = MAX_VALUE - self.buf.len();
        if bytes.len() > room {
            self.buf.extend_from_slice(&bytes[..room]);
            self.truncated = true;
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    fn push_char(&mut self, code: u32) {
        if let Some(c) = char::from_u32(code) {
            let mut tmp = [0u8; 4];
            let s = c.encode_utf8(&mut tmp);
            self.push_value(s.as_bytes());
        }
    }

    fn emit<S: Sink>(&mut self, sink: &mut S, pos: Pos, tok: Tok<'_>) {
        let depth = self.frames.len();
        if let Some(format) = sink.token(depth, pos, tok) {
            if depth == 0 {
                self.copy_pending = Some(format);
            }
        }
    }

    fn emit_str<S: Sink>(&mut self, sink: &mut S, dollar: bool) {
        let depth = self.frames.len();
        let tok = Tok::Str {
            value: &self.buf,
            truncated: self.truncated,
            dollar,
        };
        if let Some(format) = sink.token(depth, self.start, tok) {
            if depth == 0 {
                self.copy_pending = Some(format);
            }
        }
    }

    fn emit_ident<S: Sink>(&mut self, sink: &mut S) {
        let depth = self.frames.len();
        let _ = sink.token(depth, self.start, Tok::Ident(&self.buf));
    }

    fn begin_value(&mut self, pos: Pos) {
        self.buf.clear();
        self.truncated = false;
        self.start = pos;
    }

    /// The outermost open body whose closing tag starts `rest`, and the tag's length.
    fn closing(&self, rest: &[u8]) -> Option<(usize, usize)> {
        self.frames
            .iter()
            .position(|f| rest.starts_with(&f.tag))
            .map(|k| (k, self.frames[k].tag.len()))
    }

    fn close_frames<S: Sink>(&mut self, k: usize, tag: &[u8], sink: &mut S) {
        // A string or identifier that already ended is still a token.
        match self.state {
            State::Str {
                quote_seen: true, ..
            } => self.emit_str(sink, false),
            State::Ident { quote_seen: true } => self.emit_ident(sink),
            _ => {}
        }
        self.state = State::Code;
        while self.frames.len() > k + 1 {
            sink.body_end(self.frames.len());
            self.frames.pop();
        }
        let frame = self.frames.pop().expect("frame k is open");
        sink.body_end(k + 1);
        // The closing tag belongs to the bodies that enclose this one.
        self.consume(tag);
        let tok = Tok::Str {
            value: &frame.body,
            truncated: frame.truncated,
            dollar: true,
        };
        if let Some(format) = sink.token(k, frame.pos, tok) {
            if k == 0 {
                self.copy_pending = Some(format);
            }
        }
    }

    fn code<S: Sink>(&mut self, c: &[u8], i: usize, sink: &mut S) -> usize {
        let b = c[i];
        let next = c.get(i + 1).copied();
        let pos = self.pos();
        match b {
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                let end = c[i..]
                    .iter()
                    .position(|&x| !matches!(x, b' ' | b'\t' | b'\r' | 0x0b | 0x0c))
                    .map_or(c.len(), |p| i + p);
                self.consume(&c[i..end]);
                end
            }
            b'\n' => {
                self.consume(&c[i..i + 1]);
                if let Some(format) = self.copy_pending.take() {
                    self.start = self.pos();
                    self.state = State::Copy(Box::new(CopyState {
                        format,
                        field: 0,
                        prefix: Vec::new(),
                        line_start: true,
                        esc: false,
                        in_quotes: false,
                        quote_seen: false,
                    }));
                }
                i + 1
            }
            b'\'' => {
                self.consume(&c[i..i + 1]);
                self.begin_value(self.pos());
                self.state = State::Str {
                    mode: StrMode::Std,
                    esc: Esc::None,
                    quote_seen: false,
                };
                i + 1
            }
            b'"' => {
                self.consume(&c[i..i + 1]);
                self.begin_value(pos);
                self.state = State::Ident { quote_seen: false };
                i + 1
            }
            b'-' if next == Some(b'-') => {
                self.consume(&c[i..i + 2]);
                self.state = State::LineComment;
                i + 2
            }
            // MySQL's versioned comment `/*!50003 … */` holds code that MySQL runs
            // (a mysqldump's triggers): read what is inside as code.
            b'/' if next == Some(b'*') && c.get(i + 2) == Some(&b'!') => {
                let digits = c[i + 3..]
                    .iter()
                    .take(6)
                    .take_while(|d| d.is_ascii_digit())
                    .count();
                self.consume(&c[i..i + 3 + digits]);
                self.exec_comments = self.exec_comments.saturating_add(1);
                i + 3 + digits
            }
            b'*' if next == Some(b'/') && self.exec_comments > 0 => {
                self.consume(&c[i..i + 2]);
                self.exec_comments -= 1;
                i + 2
            }
            b'/' if next == Some(b'*') => {
                self.consume(&c[i..i + 2]);
                self.start = pos;
                self.state = State::BlockComment { depth: 1 };
                i + 2
            }
            b':' if next == Some(b':') => {
                self.consume(&c[i..i + 2]);
                self.emit(sink, pos, Tok::Cast);
                i + 2
            }
            b':' if next == Some(b'=') => {
                self.consume(&c[i..i + 2]);
                self.emit(sink, pos, Tok::Assign);
                i + 2
            }
            b'\\' => {
                self.consume(&c[i..i + 1]);
                self.state = State::Meta;
                i + 1
            }
            b'$' => self.dollar(c, i, sink),
            b'0'..=b'9' => self.number(c, i, sink),
            b'.' if next.is_some_and(|n| n.is_ascii_digit()) => self.number(c, i, sink),
            _ if is_word_start(b) => self.word(c, i, sink),
            _ => {
                self.consume(&c[i..i + 1]);
                self.emit(sink, pos, Tok::Punct(b));
                i + 1
            }
        }
    }

    fn number<S: Sink>(&mut self, c: &[u8], i: usize, sink: &mut S) -> usize {
        let pos = self.pos();
        let end = c[i + 1..]
            .iter()
            .position(|&x| !(x.is_ascii_alphanumeric() || x == b'_' || x == b'.'))
            .map_or(c.len(), |p| i + 1 + p);
        self.consume(&c[i..end]);
        self.emit(sink, pos, Tok::Num);
        end
    }

    fn word<S: Sink>(&mut self, c: &[u8], i: usize, sink: &mut S) -> usize {
        let pos = self.pos();
        let mut end = c[i..]
            .iter()
            .position(|&x| !is_word_byte(x))
            .map_or(c.len(), |p| i + p);
        if !self.frames.is_empty() {
            // `END$$` ends the body: a closing tag is not part of a word.
            if let Some(p) = (i..end).find(|&p| c[p] == b'$' && self.closing(&c[p..]).is_some()) {
                end = p;
            }
        }
        let word = &c[i..end];
        let after = &c[end..];
        let prefix_string = |mode: StrMode, skip: usize| (mode, end + skip);
        let string = match word {
            b"e" | b"E" if after.first() == Some(&b'\'') => Some(prefix_string(StrMode::Escape, 1)),
            b"u" | b"U" if after.starts_with(b"&'") => Some(prefix_string(StrMode::Unicode, 2)),
            b"b" | b"B" | b"x" | b"X" | b"n" | b"N" if after.first() == Some(&b'\'') => {
                Some(prefix_string(StrMode::Std, 1))
            }
            _ => None,
        };
        if let Some((mode, open_end)) = string {
            self.consume(&c[i..open_end]);
            self.begin_value(self.pos());
            self.state = State::Str {
                mode,
                esc: Esc::None,
                quote_seen: false,
            };
            return open_end;
        }
        if matches!(word, b"u" | b"U") && after.starts_with(b"&\"") {
            self.consume(&c[i..end + 2]);
            self.begin_value(pos);
            self.state = State::Ident { quote_seen: false };
            return end + 2;
        }
        self.consume(word);
        self.emit(sink, pos, Tok::Word(word));
        end
    }

    fn dollar<S: Sink>(&mut self, c: &[u8], i: usize, sink: &mut S) -> usize {
        let pos = self.pos();
        let rest = &c[i + 1..];
        if rest.first().is_some_and(|b| b.is_ascii_digit()) {
            let end = rest
                .iter()
                .position(|b| !b.is_ascii_digit())
                .map_or(c.len(), |p| i + 1 + p);
            self.consume(&c[i..end]);
            self.emit(sink, pos, Tok::Param);
            return end;
        }
        let tag_len = match rest.first() {
            Some(b'$') => Some(0),
            Some(&b) if is_word_start(b) => {
                let n = rest
                    .iter()
                    .position(|&x| !(x.is_ascii_alphanumeric() || x == b'_' || x >= 0x80))
                    .unwrap_or(rest.len());
                (rest.get(n) == Some(&b'$')).then_some(n)
            }
            _ => None,
        };
        match tag_len {
            Some(n) if self.frames.len() < MAX_DEPTH => {
                let end = i + n + 2;
                let tag = c[i..end].to_vec();
                self.consume(&tag);
                self.frames.push(Frame {
                    tag,
                    body: Vec::new(),
                    truncated: false,
                    pos: self.pos(),
                });
                sink.body_start(self.frames.len());
                end
            }
            _ => {
                self.consume(&c[i..i + 1]);
                self.emit(sink, pos, Tok::Punct(b'$'));
                i + 1
            }
        }
    }

    fn string<S: Sink>(&mut self, c: &[u8], i: usize, sink: &mut S) -> usize {
        let State::Str {
            mode,
            esc,
            quote_seen,
        } = self.state
        else {
            unreachable!("string() in another state")
        };
        let b = c[i];
        if quote_seen {
            if b == b'\'' {
                self.consume(&c[i..i + 1]);
                self.push_value(b"'");
                self.state = State::Str {
                    mode,
                    esc,
                    quote_seen: false,
                };
                return i + 1;
            }
            self.state = State::Code;
            self.emit_str(sink, false);
            return i; // the byte after the string, lexed as code
        }
        if esc != Esc::None {
            let (new_esc, consumed) = self.escape(mode, esc, b);
            self.state = State::Str {
                mode,
                esc: new_esc,
                quote_seen: false,
            };
            if consumed {
                self.consume(&c[i..i + 1]);
                return i + 1;
            }
            return i;
        }
        self.consume(&c[i..i + 1]);
        match b {
            b'\'' => {
                self.state = State::Str {
                    mode,
                    esc,
                    quote_seen: true,
                };
                return i + 1;
            }
            b'\\' if mode != StrMode::Std => {
                self.state = State::Str {
                    mode,
                    esc: Esc::Backslash,
                    quote_seen: false,
                };
                return i + 1;
            }
            _ => self.push_value(&[b]),
        }
        // Plain bytes up to the next quote, backslash or (inside a body) dollar.
        let rest = &c[i + 1..];
        let stop = match (mode == StrMode::Std, self.frames.is_empty()) {
            (true, true) => memchr(b'\'', rest),
            (true, false) => memchr2(b'\'', b'$', rest),
            (false, true) => memchr2(b'\'', b'\\', rest),
            (false, false) => memchr3(b'\'', b'\\', b'$', rest),
        }
        .unwrap_or(rest.len());
        let seg = &rest[..stop];
        self.push_value(seg);
        self.consume(seg);
        i + 1 + stop
    }

    /// One byte after a backslash in an `E''` or `U&''` string: the new escape state and
    /// whether the byte was used.
    fn escape(&mut self, mode: StrMode, esc: Esc, b: u8) -> (Esc, bool) {
        match esc {
            Esc::None => (Esc::None, false),
            Esc::Backslash if mode == StrMode::Unicode => match b {
                b'+' => (
                    Esc::Code {
                        val: 0,
                        n: 0,
                        want: 6,
                    },
                    true,
                ),
                _ if hex_val(b).is_some() => (
                    Esc::Code {
                        val: hex_val(b).unwrap_or(0),
                        n: 1,
                        want: 4,
                    },
                    true,
                ),
                _ => {
                    self.push_value(&[b]);
                    (Esc::None, true)
                }
            },
            Esc::Backslash => {
                let simple = match b {
                    b'b' => Some(8),
                    b'f' => Some(12),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    _ => None,
                };
                match b {
                    _ if simple.is_some() => {
                        self.push_value(&[simple.unwrap_or(0)]);
                        (Esc::None, true)
                    }
                    b'0'..=b'7' => (
                        Esc::Octal {
                            val: u32::from(b - b'0'),
                            n: 1,
                        },
                        true,
                    ),
                    b'x' => (Esc::Hex { val: 0, n: 0 }, true),
                    b'u' => (
                        Esc::Code {
                            val: 0,
                            n: 0,
                            want: 4,
                        },
                        true,
                    ),
                    b'U' => (
                        Esc::Code {
                            val: 0,
                            n: 0,
                            want: 8,
                        },
                        true,
                    ),
                    _ => {
                        self.push_value(&[b]);
                        (Esc::None, true)
                    }
                }
            }
            Esc::Octal { val, n } => match b {
                b'0'..=b'7' if n < 3 => {
                    let val = val * 8 + u32::from(b - b'0');
                    if n + 1 == 3 {
                        self.push_value(&[val as u8]);
                        (Esc::None, true)
                    } else {
                        (Esc::Octal { val, n: n + 1 }, true)
                    }
                }
                _ => {
                    self.push_value(&[val as u8]);
                    (Esc::None, false)
                }
            },
            Esc::Hex { val, n } => match hex_val(b) {
                Some(d) if n < 2 => {
                    let val = val * 16 + d;
                    if n + 1 == 2 {
                        self.push_value(&[val as u8]);
                        (Esc::None, true)
                    } else {
                        (Esc::Hex { val, n: n + 1 }, true)
                    }
                }
                _ => {
                    if n == 0 {
                        self.push_value(b"x");
                    } else {
                        self.push_value(&[val as u8]);
                    }
                    (Esc::None, false)
                }
            },
            Esc::Code { val, n, want } => match hex_val(b) {
                Some(d) => {
                    let val = val.wrapping_mul(16).wrapping_add(d);
                    if n + 1 == want {
                        self.push_char(val);
                        (Esc::None, true)
                    } else {
                        (
                            Esc::Code {
                                val,
                                n: n + 1,
                                want,
                            },
                            true,
                        )
                    }
                }
                // Malformed: PostgreSQL rejects it; keep what was read and go on.
                None => (Esc::None, false),
            },
        }
    }

    fn ident<S: Sink>(&mut self, c: &[u8], i: usize, sink: &mut S) -> usize {
        let State::Ident { quote_seen } = self.state else {
            unreachable!("ident() in another state")
        };
        let b = c[i];
        if quote_seen {
            if b == b'"' {
                self.consume(&c[i..i + 1]);
                self.push_value(b"\"");
                self.state = State::Ident { quote_seen: false };
                return i + 1;
            }
            self.state = State::Code;
            self.emit_ident(sink);
            return i;
        }
        self.consume(&c[i..i + 1]);
        if b == b'"' {
            self.state = State::Ident { quote_seen: true };
        } else if self.buf.len() < 1024 {
            self.buf.push(b);
        }
        i + 1
    }

    fn skip_line(&mut self, c: &[u8], i: usize) -> usize {
        let rest = &c[i..];
        let stop = if self.frames.is_empty() {
            memchr(b'\n', rest)
        } else {
            memchr2(b'\n', b'$', rest).map(|p| if p == 0 { 1 } else { p })
        };
        match stop {
            // The newline is left for `code()`, which may start COPY data after it.
            Some(p) if rest.get(p) == Some(&b'\n') => {
                self.consume(&rest[..p]);
                self.state = State::Code;
                i + p
            }
            Some(p) => {
                self.consume(&rest[..p]);
                i + p
            }
            None => {
                self.consume(rest);
                c.len()
            }
        }
    }

    fn block_comment(&mut self, c: &[u8], i: usize) -> usize {
        let State::BlockComment { depth } = self.state else {
            unreachable!("block_comment() in another state")
        };
        let rest = &c[i..];
        if rest.starts_with(b"*/") {
            self.consume(&rest[..2]);
            self.state = if depth <= 1 {
                State::Code
            } else {
                State::BlockComment { depth: depth - 1 }
            };
            return i + 2;
        }
        if rest.starts_with(b"/*") {
            self.consume(&rest[..2]);
            self.state = State::BlockComment {
                depth: depth.saturating_add(1),
            };
            return i + 2;
        }
        let stop = memchr3(b'*', b'/', b'$', &rest[1..]).map_or(rest.len(), |p| p + 1);
        self.consume(&rest[..stop]);
        i + stop
    }

    fn copy<S: Sink>(&mut self, c: &[u8], i: usize, sink: &mut S) -> usize {
        let State::Copy(cs) = &mut self.state else {
            unreachable!("copy() in another state")
        };
        let rest = &c[i..];
        if cs.line_start && !cs.in_quotes {
            cs.line_start = false;
            let tail = rest.get(2..).unwrap_or(b"");
            if rest.starts_with(b"\\.")
                && (tail.is_empty() || tail[0] == b'\n' || tail.starts_with(b"\r\n"))
            {
                let end = memchr(b'\n', rest).map_or(rest.len(), |p| p + 1);
                sink.copy_end();
                self.state = State::Code;
                self.consume(&rest[..end]);
                return i + end;
            }
        }
        let used = if cs.format.csv {
            copy_csv(cs, rest, sink)
        } else {
            copy_text(cs, rest, sink)
        };
        self.consume(&rest[..used]);
        i + used
    }
}

#[cfg(test)]
mod tests;
