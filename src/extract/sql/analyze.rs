//! Statements and their context, pgcrypto calls, and ciphertext per table column.
//!
//! The [`Analyzer`] receives the lexer's tokens. Per nesting level (top level, each
//! dollar-quoted body) it tracks the current statement: what object it creates (the
//! finding's `context`), its open parentheses (which call each argument belongs to) and
//! a small expression state per argument (a literal, `current_setting('…')`, a name).
//!
//! A small per-file index (table columns, which function encrypts which column with
//! which key, which trigger runs which function on which table) and one counter per
//! table column of ciphertext rows are all that is kept across statements: pg_dump
//! writes triggers after the data, so ciphertext findings are made at the end of the
//! file, when the links are known.

use super::head::{classify, column_list, name_at, parse_copy, parse_trigger, StmtKind, H};
use super::lexer::{CopyFormat, Pos, Sink, Tok};
use super::link::{lookup, CopyTarget, Decryption, Index, KeySrc};
use super::pgp::is_pgp_message;
use crate::extract::Candidate;
use crate::finding::{Confidence, Origin, Position};
use crate::secret::Secret;
use std::collections::HashMap;

pub(crate) const RULE_KEY: &str = "sql-pgcrypto-key";
pub(crate) const RULE_SETTING: &str = "sql-pgcrypto-setting";
pub(crate) const RULE_SETTING_VALUE: &str = "sql-setting-value";

/// Tokens looked at to classify a statement.
const HEAD_MAX: usize = 48;
/// Tokens kept of a statement parsed at its end (COPY column lists, triggers).
const HEAD_KEEP: usize = 4096;
/// Per-level variables remembered (plpgsql `k text := '…'`).
const MAX_VARS: usize = 256;
/// Parentheses tracked per statement; deeper ones are only counted.
const MAX_PARENS: usize = 256;
/// Bytes of a literal looked at for ciphertext.
const CIPHER_PREFIX: usize = 64;

/// pgcrypto functions and which arguments are keys.
fn key_args(function: &str) -> &'static [(usize, &'static str)] {
    match function {
        "pgp_sym_encrypt"
        | "pgp_sym_decrypt"
        | "pgp_sym_encrypt_bytea"
        | "pgp_sym_decrypt_bytea"
        | "pgp_pub_encrypt"
        | "pgp_pub_encrypt_bytea"
        | "encrypt"
        | "decrypt"
        | "encrypt_iv"
        | "decrypt_iv"
        | "hmac"
        // MySQL / MariaDB
        | "aes_encrypt"
        | "aes_decrypt" => &[(1, "key")],
        "pgp_pub_decrypt" | "pgp_pub_decrypt_bytea" => &[(1, "key"), (2, "password")],
        // SQL Server: the passphrase comes first.
        "encryptbypassphrase" | "decryptbypassphrase" => &[(0, "passphrase")],
        _ => &[],
    }
}

fn decrypts(function: &str) -> bool {
    matches!(
        function,
        "pgp_sym_decrypt"
            | "pgp_sym_decrypt_bytea"
            | "pgp_pub_decrypt"
            | "pgp_pub_decrypt_bytea"
            | "decrypt"
            | "decrypt_iv"
            | "aes_decrypt"
            | "decryptbypassphrase"
    )
}

fn encrypts(function: &str) -> bool {
    matches!(
        function,
        "pgp_sym_encrypt"
            | "pgp_sym_encrypt_bytea"
            | "pgp_pub_encrypt"
            | "pgp_pub_encrypt_bytea"
            | "encrypt"
            | "encrypt_iv"
            | "aes_encrypt"
            | "encryptbypassphrase"
    )
}

/// What an expression (one argument, one right-hand side) is, as far as keys go.
#[derive(Default)]
enum Slot {
    #[default]
    Empty,
    Lit {
        value: Secret,
        pos: Pos,
        truncated: bool,
    },
    Setting {
        name: String,
        pos: Pos,
    },
    /// `name` or `a.b.c`; `dot`: a `.` was just read.
    Name {
        parts: Vec<String>,
        dot: bool,
    },
    Complex,
}

#[derive(Default)]
struct Expr {
    slot: Slot,
    /// 1: after `::`, 2: inside the type name.
    cast: u8,
}

impl Expr {
    fn feed(&mut self, tok: &Tok, pos: Pos, lower: Option<&str>) {
        if matches!(tok, Tok::Cast) {
            self.cast = 1;
            return;
        }
        if self.cast > 0 {
            if matches!(tok, Tok::Word(_) | Tok::Ident(_) | Tok::Punct(b'.')) {
                self.cast = 2;
                return;
            }
            self.cast = 0;
        }
        let slot = std::mem::take(&mut self.slot);
        self.slot = match (tok, slot) {
            (
                Tok::Str {
                    value, truncated, ..
                },
                Slot::Empty,
            ) => Slot::Lit {
                value: Secret::from_slice(value),
                pos,
                truncated: *truncated,
            },
            (Tok::Word(_) | Tok::Ident(_), Slot::Empty) => Slot::Name {
                parts: vec![part(tok, lower)],
                dot: false,
            },
            (
                Tok::Word(_) | Tok::Ident(_),
                Slot::Name {
                    mut parts,
                    dot: true,
                },
            ) => {
                parts.push(part(tok, lower));
                Slot::Name { parts, dot: false }
            }
            (Tok::Punct(b'.'), Slot::Name { parts, dot: false }) => Slot::Name { parts, dot: true },
            _ => Slot::Complex,
        };
    }
}

fn part(tok: &Tok, lower: Option<&str>) -> String {
    match tok {
        Tok::Ident(s) => format!("\"{}\"", String::from_utf8_lossy(s)),
        _ => lower.unwrap_or_default().to_string(),
    }
}

/// One open parenthesis: a call's arguments, a VALUES row, a column list.
#[derive(Default)]
struct Paren {
    /// The (lowercased, unqualified) function called, if a word came right before.
    func: Option<String>,
    /// The expression before the call's name; the call's result continues it.
    prior: Slot,
    /// A type modifier (`varchar(64)`): the expression is what it was before.
    type_args: bool,
    arg: usize,
    expr: Expr,
    first: Option<Slot>,
    values_row: bool,
    /// `CREATE TABLE` column list: the names so far.
    columns: Option<Vec<String>>,
    column_named: bool,
}

/// The previous token, for `NEW.col :=` and `INTO NEW.col`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
enum Prev {
    #[default]
    None,
    Word(String),
    Dot,
    Other,
}

struct Stmt {
    start: Pos,
    ntok: usize,
    head: Vec<H>,
    keep_head: bool,
    kind: StmtKind,
    context: Option<String>,
    parens: Vec<Paren>,
    expr: Expr,
    prev: [Prev; 4],
    /// The word that may be a declared variable (first word after BEGIN/DECLARE/...).
    first_word: Option<String>,
    decl_ok: bool,
    /// The column of `NEW` being assigned (`NEW.col := …`).
    target: Option<String>,
    /// The variable being assigned.
    assign_var: Option<String>,
    atomic: bool,
    insert_counts: Vec<u64>,
    /// Where the first ciphertext value of each column is.
    insert_first: Vec<Option<Pos>>,
    /// Where each head token is.
    head_pos: Vec<Pos>,
    /// `SET name`: the setting's name while it is read, then until the end.
    setting: Option<String>,
    setting_open: bool,
    /// Parentheses nested deeper than [`MAX_PARENS`], only counted.
    deep_parens: usize,
    /// Parentheses opened at the statement's own level so far.
    top_parens: usize,
}

impl Default for Stmt {
    fn default() -> Self {
        Stmt {
            start: Pos::default(),
            ntok: 0,
            head: Vec::new(),
            keep_head: true,
            kind: StmtKind::Unknown,
            context: None,
            parens: Vec::new(),
            expr: Expr::default(),
            prev: Default::default(),
            first_word: None,
            decl_ok: true,
            target: None,
            assign_var: None,
            atomic: false,
            insert_counts: Vec::new(),
            insert_first: Vec::new(),
            head_pos: Vec::new(),
            top_parens: 0,
            deep_parens: 0,
            setting: None,
            setting_open: false,
        }
    }
}

impl Stmt {
    fn prev_word(&self, back: usize) -> Option<&str> {
        match &self.prev[3 - back] {
            Prev::Word(w) => Some(w),
            _ => None,
        }
    }

    /// `NEW . col` (or `OLD . col`) just read: the column.
    fn new_column(&self) -> Option<String> {
        match (&self.prev[1], &self.prev[2], &self.prev[3]) {
            (Prev::Word(n), Prev::Dot, Prev::Word(c)) if n == "new" || n == "old" => {
                Some(c.clone())
            }
            _ => None,
        }
    }
}

/// A plpgsql variable that holds a key.
enum Var {
    Lit { value: Secret, pos: Pos },
    Setting { name: String, pos: Pos },
}

#[derive(Default)]
struct Level {
    /// The object the enclosing statement creates.
    inherited: Option<String>,
    /// The function whose body this is.
    function: Option<String>,
    vars: HashMap<String, Var>,
    stmt: Stmt,
}

/// The token stream's consumer: candidates out, a COPY format back to the lexer.
#[derive(Default)]
pub(crate) struct Analyzer {
    levels: Vec<Level>,
    pub(super) index: Index,
    pub(super) copy: Option<CopyTarget>,
    pub candidates: Vec<Candidate>,
}

pub(super) fn position(p: Pos) -> Position {
    Position {
        line: p.line,
        column: p.column,
    }
}

const STATEMENT_KEYWORDS: &[&str] = &["begin", "declare", "then", "else", "loop", "atomic"];

impl Analyzer {
    pub(crate) fn new() -> Self {
        Analyzer {
            levels: vec![Level::default()],
            ..Analyzer::default()
        }
    }

    fn level_at(&mut self, depth: usize) -> &mut Level {
        while self.levels.len() <= depth {
            self.levels.push(Level::default());
        }
        &mut self.levels[depth]
    }

    fn context(&self, depth: usize) -> Option<String> {
        let l = &self.levels[depth];
        l.stmt.context.clone().or_else(|| l.inherited.clone())
    }

    /// The function whose definition (or body) holds the current statement.
    fn function(&self, depth: usize) -> Option<String> {
        for l in self.levels[..=depth].iter().rev() {
            if let StmtKind::Function { name, .. } = &l.stmt.kind {
                return Some(name.clone());
            }
            if l.function.is_some() {
                return l.function.clone();
            }
        }
        None
    }

    fn on_token(&mut self, depth: usize, pos: Pos, tok: Tok<'_>) -> Option<CopyFormat> {
        let lower = match tok {
            Tok::Word(w) => Some(String::from_utf8_lossy(w).to_ascii_lowercase()),
            _ => None,
        };
        let st = &mut self.level_at(depth).stmt;
        if st.ntok == 0 {
            st.start = pos;
        }
        st.ntok += 1;
        if st.keep_head {
            let limit = if st.kind == StmtKind::Unknown {
                HEAD_MAX
            } else {
                HEAD_KEEP
            };
            if st.head.len() < limit {
                st.head_pos.push(pos);
                st.head.push(match &tok {
                    Tok::Word(_) => H::Word(lower.clone().unwrap_or_default()),
                    Tok::Ident(s) => H::Ident(String::from_utf8_lossy(s).into_owned()),
                    Tok::Str { value, .. } if value.len() <= 8 => {
                        H::Str(String::from_utf8_lossy(value).into_owned())
                    }
                    Tok::Punct(b) => H::Punct(*b),
                    _ => H::Other,
                });
            }
            if st.kind == StmtKind::Unknown {
                match classify(&st.head) {
                    Some((kind, ctx)) => {
                        st.keep_head = matches!(
                            kind,
                            StmtKind::Copy | StmtKind::Trigger { .. } | StmtKind::Insert { .. }
                        );
                        // Inside a body, a DML statement stays in its function.
                        let dml = matches!(kind, StmtKind::Insert { .. } | StmtKind::Update);
                        st.context = if depth > 0 && dml { None } else { ctx };
                        st.kind = kind;
                    }
                    None if st.head.len() >= HEAD_MAX => {
                        st.kind = StmtKind::Other;
                        st.keep_head = false;
                    }
                    None => {}
                }
            }
        }
        match tok {
            Tok::Punct(b';') => return self.end_statement(depth),
            Tok::Punct(b'(') => self.open_paren(depth),
            Tok::Punct(b')') => self.close_paren(depth),
            Tok::Punct(b',') => self.comma(depth),
            _ => self.expression_token(depth, pos, &tok, lower.as_deref()),
        }
        let st = &mut self.levels[depth].stmt;
        st.prev.rotate_left(1);
        st.prev[3] = match (&tok, lower) {
            (Tok::Word(_), Some(w)) => Prev::Word(w),
            (Tok::Punct(b'.'), _) => Prev::Dot,
            _ => Prev::Other,
        };
        None
    }

    fn expression_token(&mut self, depth: usize, pos: Pos, tok: &Tok, lower: Option<&str>) {
        let st = &mut self.levels[depth].stmt;
        if let Some(p) = st.parens.last_mut() {
            if let (Some(cols), false, Tok::Word(_) | Tok::Ident(_)) =
                (&mut p.columns, p.column_named, tok)
            {
                p.column_named = true;
                let name = part(tok, lower);
                let constraint = matches!(
                    name.as_str(),
                    "constraint" | "primary" | "unique" | "check" | "foreign" | "exclude" | "like"
                );
                if !constraint {
                    cols.push(name);
                }
            }
            p.expr.feed(tok, pos, lower);
            return;
        }
        if st.kind == StmtKind::SetConfig && Self::setting_token(st, tok, lower) {
            return;
        }
        // At the statement's own level: assignments and declarations.
        match tok {
            Tok::Word(_) if lower == Some("values") => {
                if let StmtKind::Insert { in_values, .. } = &mut st.kind {
                    *in_values = true;
                    st.keep_head = false;
                }
            }
            Tok::Word(_) => {
                let w = lower.unwrap_or_default();
                if st.prev_word(2) == Some("into")
                    && matches!(st.prev_word(1), Some("new"))
                    && st.prev[3] == Prev::Dot
                {
                    st.target = Some(w.to_string());
                }
                if st.first_word.is_none() && !STATEMENT_KEYWORDS.contains(&w) {
                    st.first_word = Some(w.to_string());
                }
                if w == "atomic" && st.prev_word(0) == Some("begin") {
                    st.atomic = true;
                }
                if w == "default" && depth > 0 && st.assign_var.is_none() {
                    if let (Some(v), true) = (&st.first_word, st.decl_ok) {
                        st.assign_var = Some(v.clone());
                        st.expr = Expr::default();
                        return;
                    }
                }
            }
            Tok::Assign | Tok::Punct(b'=') => {
                if let Some(col) = st.new_column() {
                    let comparison = matches!(
                        st.prev_word(3),
                        Some("if" | "elsif" | "when" | "and" | "or" | "not" | "where" | "while")
                    );
                    if matches!(tok, Tok::Assign) || !comparison {
                        st.target = Some(col);
                        st.expr = Expr::default();
                        return;
                    }
                }
                if matches!(tok, Tok::Assign) && depth > 0 && st.assign_var.is_none() {
                    let before = st.prev_word(1);
                    let var = match (st.prev_word(0), before) {
                        (Some(v), b) if b.is_none_or(|b| STATEMENT_KEYWORDS.contains(&b)) => {
                            Some(v.to_string())
                        }
                        _ if st.decl_ok => st.first_word.clone(),
                        _ => None,
                    };
                    if var.is_some() {
                        st.assign_var = var;
                        st.expr = Expr::default();
                        return;
                    }
                }
            }
            Tok::Punct(b'.') | Tok::Num => {}
            _ => st.decl_ok = false,
        }
        st.expr.feed(tok, pos, lower);
    }

    /// `SET [LOCAL|SESSION] a.b (=|TO) value`: reads the name; true when the token was
    /// part of it.
    fn setting_token(st: &mut Stmt, tok: &Tok, lower: Option<&str>) -> bool {
        if st.setting.is_none() {
            if lower == Some("set") {
                st.setting = Some(String::new());
                st.setting_open = true;
                return true;
            }
            return false;
        }
        if !st.setting_open {
            return false;
        }
        let name = st.setting.get_or_insert_with(String::new);
        match tok {
            Tok::Word(_) if lower == Some("to") => {}
            Tok::Punct(b'=') => {}
            Tok::Word(_) if name.is_empty() && matches!(lower, Some("local" | "session")) => {
                return true;
            }
            Tok::Word(_) => {
                name.push_str(lower.unwrap_or_default());
                return true;
            }
            Tok::Ident(raw) => {
                name.push_str(&String::from_utf8_lossy(raw));
                return true;
            }
            Tok::Punct(b'.') => {
                name.push('.');
                return true;
            }
            _ => {
                st.setting = None;
                st.setting_open = false;
                return false;
            }
        }
        st.setting_open = false;
        st.expr = Expr::default();
        true
    }

    /// A configuration setting given a literal value (`SET`, `ALTER DATABASE … SET`,
    /// `set_config`): remembered for `current_setting` links, and a candidate when its
    /// name says it is a secret.
    fn setting_value(&mut self, depth: usize, name: &str, value: &Secret, pos: Pos) {
        if name.is_empty() {
            return;
        }
        if self.index.settings.len() < 10_000 {
            self.index
                .settings
                .insert(name.to_string(), value.fingerprint());
        }
        if crate::names::is_secret_name(name) {
            let context = self.context(depth);
            self.candidates.push(
                Candidate::literal(
                    position(pos),
                    RULE_SETTING_VALUE,
                    Confidence::High,
                    Secret::from_slice(value.expose()),
                )
                .with_origin(Origin::Structured)
                .with_name(Some(format!("setting {name}")))
                .with_context(context),
            );
        }
    }

    fn open_paren(&mut self, depth: usize) {
        let st = &mut self.levels[depth].stmt;
        if st.parens.len() >= MAX_PARENS || st.deep_parens > 0 {
            // Deeper nesting is only counted: memory stays bounded.
            st.deep_parens += 1;
            return;
        }
        let at_top = st.parens.is_empty();
        let func = st.prev_word(0).map(str::to_string);
        let values_row = at_top
            && matches!(
                st.kind,
                StmtKind::Insert {
                    in_values: true,
                    ..
                }
            );
        let columns = (at_top && st.top_parens == 0 && matches!(st.kind, StmtKind::Table { .. }))
            .then(Vec::new);
        if at_top {
            st.top_parens += 1;
        }
        let holder = match st.parens.last_mut() {
            Some(p) => &mut p.expr,
            None => &mut st.expr,
        };
        let type_args = holder.cast > 0;
        let prior = std::mem::take(&mut holder.slot);
        st.parens.push(Paren {
            func: if type_args { None } else { func },
            prior,
            type_args,
            values_row,
            columns,
            ..Paren::default()
        });
    }

    /// An argument of the innermost parenthesis is complete.
    fn finish_arg(&mut self, depth: usize, p: &mut Paren) {
        let slot = std::mem::take(&mut p.expr.slot);
        if let Some(func) = p.func.clone() {
            for &(idx, label) in key_args(&func) {
                if idx == p.arg {
                    let src = self.key_use(depth, &func, label, &slot);
                    if let (Some(src), true) = (src, decrypts(&func) && idx == 1) {
                        self.record_decryption(depth, p.first.as_ref(), src);
                    }
                }
            }
        }
        if p.values_row && depth == 0 {
            if let Slot::Lit { value, pos, .. } = &slot {
                let v = value.expose();
                if is_pgp_message(&v[..v.len().min(CIPHER_PREFIX)]) && p.arg < 10_000 {
                    let st = &mut self.levels[0].stmt;
                    if st.insert_counts.len() <= p.arg {
                        st.insert_counts.resize(p.arg + 1, 0);
                        st.insert_first.resize(p.arg + 1, None);
                    }
                    st.insert_counts[p.arg] += 1;
                    st.insert_first[p.arg].get_or_insert(*pos);
                }
            }
        }
        if p.func.as_deref() == Some("set_config") && p.arg == 1 {
            if let (
                Some(Slot::Lit { value: name, .. }),
                Slot::Lit {
                    value,
                    pos,
                    truncated: false,
                },
            ) = (&p.first, &slot)
            {
                let name = String::from_utf8_lossy(name.expose()).into_owned();
                self.setting_value(depth, &name, value, *pos);
            }
        }
        if p.arg == 0 {
            p.first = Some(slot);
        }
    }

    fn comma(&mut self, depth: usize) {
        if self.levels[depth].stmt.deep_parens > 0 {
            return;
        }
        let Some(mut p) = self.levels[depth].stmt.parens.pop() else {
            let st = &mut self.levels[depth].stmt;
            st.expr.slot = Slot::Complex;
            return;
        };
        self.finish_arg(depth, &mut p);
        p.arg += 1;
        p.expr = Expr::default();
        p.column_named = false;
        self.levels[depth].stmt.parens.push(p);
    }

    fn close_paren(&mut self, depth: usize) {
        let st = &mut self.levels[depth].stmt;
        if st.deep_parens > 0 {
            st.deep_parens -= 1;
            return;
        }
        let Some(mut p) = self.levels[depth].stmt.parens.pop() else {
            self.levels[depth].stmt.expr.slot = Slot::Complex;
            return;
        };
        self.finish_arg(depth, &mut p);
        if let Some(cols) = p.columns.take() {
            if let StmtKind::Table { name } = &self.levels[depth].stmt.kind {
                if self.index.tables.len() < 100_000 {
                    self.index.tables.insert(name.clone(), cols);
                }
            }
        }
        let first = p.first.take();
        let result = if p.type_args {
            None
        } else {
            match (p.func.as_deref(), first) {
                (Some("current_setting"), Some(Slot::Lit { value, pos, .. })) => {
                    Some(Slot::Setting {
                        name: String::from_utf8_lossy(value.expose()).into_owned(),
                        pos,
                    })
                }
                (Some("dearmor" | "convert_to"), Some(lit @ Slot::Lit { .. })) => Some(lit),
                (None, Some(inner)) if p.arg == 0 => Some(inner),
                _ => Some(Slot::Complex),
            }
        };
        let st = &mut self.levels[depth].stmt;
        let holder = match st.parens.last_mut() {
            Some(q) => &mut q.expr,
            None => &mut st.expr,
        };
        match result {
            // `varchar(64)`: the expression and its cast go on.
            None => {
                holder.slot = p.prior;
                holder.cast = 2;
            }
            Some(r) => {
                holder.slot = match p.prior {
                    Slot::Empty | Slot::Name { dot: false, .. } => r,
                    _ => Slot::Complex,
                };
            }
        }
    }

    /// A key argument of a pgcrypto call.
    /// `pgp_sym_decrypt(t.col, key)`: remembers that `col` (of `t`) is under `key`.
    fn record_decryption(&mut self, depth: usize, data: Option<&Slot>, key: KeySrc) {
        let Some(Slot::Name { parts, dot: false }) = data else {
            return;
        };
        let st = &self.levels[depth].stmt;
        let (table, column) = match parts.as_slice() {
            [column] => match &st.kind {
                StmtKind::Policy { table } => (Some(table.clone()), column.clone()),
                _ => (None, column.clone()),
            },
            [.., table, column] => (Some(table.clone()), column.clone()),
            [] => return,
        };
        if self.index.decryptions.len() < 10_000 {
            let context = self.context(depth);
            self.index.decryptions.push(Decryption {
                table,
                column,
                key,
                context,
            });
        }
    }

    /// A key argument of a pgcrypto call: a candidate, and where the key comes from.
    fn key_use(&mut self, depth: usize, func: &str, label: &str, slot: &Slot) -> Option<KeySrc> {
        let name = format!("{func} {label}");
        let context = self.context(depth);
        let src = match slot {
            Slot::Lit {
                value,
                pos,
                truncated: false,
            } => {
                let fp = value.fingerprint();
                self.candidates.push(
                    Candidate::literal(
                        position(*pos),
                        RULE_KEY,
                        Confidence::High,
                        Secret::from_slice(value.expose()),
                    )
                    .with_origin(Origin::Structured)
                    .with_name(Some(name))
                    .with_context(context),
                );
                KeySrc::Literal(fp)
            }
            Slot::Setting { name: setting, pos } => {
                self.candidates.push(
                    Candidate::reference(position(*pos), RULE_SETTING, setting.clone())
                        .with_origin(Origin::Structured)
                        .with_context(context),
                );
                KeySrc::Setting(setting.clone())
            }
            Slot::Name { parts, dot: false } if parts.len() == 1 => {
                let var = self.levels[..=depth]
                    .iter()
                    .rev()
                    .find_map(|l| l.vars.get(&parts[0]));
                let (candidate, src) = match var {
                    Some(Var::Lit { value, pos }) => (
                        Candidate::literal(
                            position(*pos),
                            RULE_KEY,
                            Confidence::High,
                            Secret::from_slice(value.expose()),
                        )
                        .with_name(Some(name)),
                        KeySrc::Literal(value.fingerprint()),
                    ),
                    Some(Var::Setting { name: setting, pos }) => (
                        Candidate::reference(position(*pos), RULE_SETTING, setting.clone()),
                        KeySrc::Setting(setting.clone()),
                    ),
                    None => return None,
                };
                self.candidates.push(
                    candidate
                        .with_origin(Origin::Structured)
                        .with_context(context),
                );
                src
            }
            _ => return None,
        };
        if encrypts(func) {
            if let Some(function) = self.function(depth) {
                let target = self.levels[depth].stmt.target.clone();
                let uses = self.index.functions.entry(function).or_default();
                let entry = (target, src);
                if !uses.contains(&entry) && uses.len() < 1024 {
                    uses.push(entry.clone());
                }
                return Some(entry.1);
            }
        }
        Some(src)
    }

    fn end_statement(&mut self, depth: usize) -> Option<CopyFormat> {
        let level = &mut self.levels[depth];
        if level.stmt.atomic && level.stmt.prev_word(0) != Some("end") {
            // `BEGIN ATOMIC … ;  … END;`: the statement goes on.
            level.stmt.parens.clear();
            level.stmt.expr = Expr::default();
            level.stmt.target = None;
            return None;
        }
        let st = std::mem::take(&mut level.stmt);
        if let (StmtKind::SetConfig, Some(name)) = (&st.kind, &st.setting) {
            if let Slot::Lit {
                value,
                pos,
                truncated: false,
            } = &st.expr.slot
            {
                let (name, value, pos) = (name.clone(), Secret::from_slice(value.expose()), *pos);
                let context = st.context.clone();
                self.levels[depth].stmt.context = context;
                self.setting_value(depth, &name, &value, pos);
                self.levels[depth].stmt.context = None;
            }
        }
        let level = &mut self.levels[depth];
        if let Some(var) = st.assign_var {
            match st.expr.slot {
                Slot::Lit {
                    value,
                    pos,
                    truncated: false,
                } if level.vars.len() < MAX_VARS => {
                    level.vars.insert(var, Var::Lit { value, pos });
                }
                Slot::Setting { name, pos } if level.vars.len() < MAX_VARS => {
                    level.vars.insert(var, Var::Setting { name, pos });
                }
                _ => {
                    level.vars.remove(&var);
                }
            }
        }
        match st.kind {
            StmtKind::Copy if depth == 0 => {
                let (table, listed, format) = parse_copy(&st.head)?;
                let places = listed.iter().map(|&(_, i)| st.head_pos[i]).collect();
                let mut columns: Vec<String> = listed.into_iter().map(|(c, _)| c).collect();
                if columns.is_empty() {
                    if let Some((_, cols)) = lookup(&self.index.tables, &table) {
                        columns = cols.clone();
                    }
                }
                self.copy = Some(CopyTarget {
                    table,
                    columns,
                    places,
                    counts: Vec::new(),
                    start: st.start,
                });
                return Some(format);
            }
            StmtKind::Trigger { name } => {
                if let Some(t) = parse_trigger(&name, &st.head) {
                    if self.index.triggers.len() < 100_000 {
                        self.index.triggers.push(t);
                    }
                }
            }
            StmtKind::Insert { table, .. }
                if depth == 0 && st.insert_counts.iter().any(|&n| n > 0) =>
            {
                let after = name_at(&st.head, 2).flatten().map_or(0, |(_, i)| i);
                let listed = column_list(&st.head, after);
                let columns: Vec<String> = listed.iter().map(|(c, _)| c.clone()).collect();
                let place = |i: usize| match listed.get(i) {
                    Some(&(_, h)) => st.head_pos[h],
                    None => st.insert_first[i].unwrap_or(st.start),
                };
                self.index
                    .add_cipher(&table, &columns, &st.insert_counts, place);
            }
            _ => {}
        }
        None
    }
}

impl Analyzer {
    /// The end of the file: one ciphertext candidate per table column.
    pub(crate) fn finish(&mut self) {
        let copy = self.copy.take();
        let found = self.index.finish(copy);
        self.candidates.extend(found);
    }
}

impl Sink for Analyzer {
    fn token(&mut self, depth: usize, pos: Pos, tok: Tok<'_>) -> Option<CopyFormat> {
        self.on_token(depth, pos, tok)
    }

    fn body_start(&mut self, depth: usize) {
        let parent = self.level_at(depth.saturating_sub(1));
        let inherited = parent
            .stmt
            .context
            .clone()
            .or_else(|| parent.inherited.clone());
        let function = match &parent.stmt.kind {
            StmtKind::Function { name, .. } => Some(name.clone()),
            _ => parent.function.clone(),
        };
        self.levels.truncate(depth);
        self.level_at(depth);
        self.levels[depth] = Level {
            inherited,
            function,
            ..Level::default()
        };
    }

    fn body_end(&mut self, depth: usize) {
        self.levels.truncate(depth.max(1));
    }

    fn copy_field(&mut self, index: usize, prefix: &[u8]) {
        if let Some(c) = &mut self.copy {
            if is_pgp_message(prefix) {
                if c.counts.len() <= index {
                    if index > 10_000 {
                        return;
                    }
                    c.counts.resize(index + 1, 0);
                }
                c.counts[index] += 1;
            }
        }
    }

    fn copy_end(&mut self) {
        if let Some(c) = self.copy.take() {
            self.index.add_cipher(&c.table, &c.columns, &c.counts, |i| {
                c.places.get(i).copied().unwrap_or(c.start)
            });
        }
    }
}
