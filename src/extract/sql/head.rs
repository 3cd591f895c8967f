//! Statement heads: the first tokens of a statement, classified (what it creates, a
//! COPY's table, columns and format, a trigger's table and function).

use super::lexer::CopyFormat;
use super::link::Trigger;

/// A statement head token, as needed to classify it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum H {
    /// Lowercased.
    Word(String),
    Ident(String),
    /// Short string literals only (COPY's DELIMITER).
    Str(String),
    Punct(u8),
    Other,
}

impl H {
    fn word(&self) -> Option<&str> {
        match self {
            H::Word(w) => Some(w),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum StmtKind {
    Unknown,
    Other,
    Function {
        name: String,
        procedure: bool,
    },
    View {
        name: String,
    },
    Trigger {
        name: String,
    },
    Table {
        name: String,
    },
    Policy {
        table: String,
    },
    Rule,
    Do,
    Copy,
    Insert {
        table: String,
        in_values: bool,
    },
    Update,
    /// `SET name = …`, `ALTER DATABASE|ROLE … SET name = …`
    SetConfig,
}

/// Reads `name` or `schema.name` at `h[i]`: the name as shown and the index after it.
/// `None` while the head is too short to know.
pub(super) fn name_at(h: &[H], mut i: usize) -> Option<Option<(String, usize)>> {
    let mut parts = Vec::new();
    loop {
        match h.get(i)? {
            H::Word(w) => parts.push(w.clone()),
            H::Ident(s) => parts.push(format!("\"{s}\"")),
            // MySQL's `name` and T-SQL's [name].
            H::Punct(q @ (b'`' | b'[')) => {
                let close = if *q == b'`' { b'`' } else { b']' };
                let H::Word(w) = h.get(i + 1)? else {
                    return Some(None);
                };
                if !matches!(h.get(i + 2)?, H::Punct(c) if *c == close) {
                    return Some(None);
                }
                parts.push(w.clone());
                i += 2;
            }
            _ => return Some(None),
        }
        i += 1;
        match h.get(i)? {
            H::Punct(b'.') => i += 1,
            _ => return Some(Some((parts.join("."), i))),
        }
    }
}

/// What a statement is, from its first tokens; `None` while it cannot be told yet.
pub(super) fn classify(h: &[H]) -> Option<(StmtKind, Option<String>)> {
    // T-SQL batches end with `GO` on its own line, which no `;` follows (and the
    // `END` of a body whose last statement had its `;`).
    let go = h
        .iter()
        .take_while(|t| matches!(t.word(), Some("go" | "end")))
        .count();
    let h = &h[go..];
    let w = |i: usize| h.get(i).map(|t| t.word().unwrap_or(""));
    let other = Some((StmtKind::Other, None));
    let named = |i: usize| -> Option<Option<(String, usize)>> { name_at(h, i) };
    match w(0)? {
        "create" => {
            let mut i = 1;
            if w(1)? == "or" && w(2)? == "replace" {
                i = 3;
            }
            let mut materialized = false;
            // MySQL: CREATE DEFINER=`user`@`host` TRIGGER|VIEW|FUNCTION …
            if w(i)? == "definer" {
                match (i..(i + 12).min(h.len())).find(|&j| {
                    matches!(
                        h[j].word(),
                        Some("trigger" | "view" | "function" | "procedure" | "event")
                    )
                }) {
                    Some(j) => i = j,
                    None if h.len() < i + 12 => return None,
                    None => return other,
                }
            }
            loop {
                match w(i)? {
                    "temp" | "temporary" | "unlogged" | "global" | "local" | "recursive"
                    | "constraint" | "trusted" | "procedural" => i += 1,
                    "materialized" => {
                        materialized = true;
                        i += 1
                    }
                    _ => break,
                }
            }
            let object = w(i)?;
            i += 1;
            if object == "table" && w(i)? == "if" {
                i += 3;
            }
            let Some((name, after)) = named(i)? else {
                return other;
            };
            match object {
                "function" | "procedure" => {
                    let procedure = object == "procedure";
                    let ctx = format!("{object} {name}()");
                    Some((StmtKind::Function { name, procedure }, Some(ctx)))
                }
                "view" => {
                    let ctx = if materialized {
                        format!("materialized view {name}")
                    } else {
                        format!("view {name}")
                    };
                    Some((StmtKind::View { name }, Some(ctx)))
                }
                "trigger" => {
                    let ctx = format!("trigger {name}");
                    Some((StmtKind::Trigger { name }, Some(ctx)))
                }
                "table" => {
                    let ctx = format!("table {name}");
                    Some((StmtKind::Table { name }, Some(ctx)))
                }
                "policy" => {
                    if w(after)? != "on" {
                        return other;
                    }
                    let Some((table, _)) = named(after + 1)? else {
                        return other;
                    };
                    {
                        let ctx = format!("policy {name} on {table}");
                        Some((StmtKind::Policy { table }, Some(ctx)))
                    }
                }
                "rule" => Some((StmtKind::Rule, Some(format!("rule {name}")))),
                _ => other,
            }
        }
        "set" => Some((StmtKind::SetConfig, None)),
        "alter" => {
            if let object @ ("database" | "role" | "user") = w(1)? {
                let Some((name, _)) = named(2)? else {
                    return other;
                };
                let object = if object == "user" { "role" } else { object };
                return Some((StmtKind::SetConfig, Some(format!("{object} {name}"))));
            }
            if w(1)? != "table" {
                return other;
            }
            let mut i = 2;
            while let "only" | "if" | "exists" = w(i)? {
                i += 1;
            }
            let Some((name, _)) = named(i)? else {
                return other;
            };
            let ctx = format!("table {name}");
            Some((StmtKind::Other, Some(ctx)))
        }
        "do" => Some((StmtKind::Do, Some("DO block".to_string()))),
        "copy" => Some((StmtKind::Copy, None)),
        "insert" => {
            if w(1)? != "into" {
                return other;
            }
            let Some((table, _)) = named(2)? else {
                return other;
            };
            let ctx = format!("insert into {table}");
            Some((
                StmtKind::Insert {
                    table,
                    in_values: false,
                },
                Some(ctx),
            ))
        }
        "update" => {
            let i = if w(1)? == "only" { 2 } else { 1 };
            let Some((table, _)) = named(i)? else {
                return other;
            };
            Some((StmtKind::Update, Some(format!("update {table}"))))
        }
        _ => other,
    }
}

/// Column names with the index of their head token.
pub(super) type Columns = Vec<(String, usize)>;

/// Names inside the first `( … )` from `h[from]`, if the parenthesis is there, with
/// their indexes in `h`.
pub(super) fn column_list(h: &[H], from: usize) -> Columns {
    let mut out = Vec::new();
    if h.get(from) != Some(&H::Punct(b'(')) {
        return out;
    }
    for (i, t) in h.iter().enumerate().skip(from + 1) {
        match t {
            H::Word(w) => out.push((w.clone(), i)),
            H::Ident(s) => out.push((format!("\"{s}\""), i)),
            H::Punct(b')') => break,
            _ => {}
        }
    }
    out
}

/// `COPY name [(cols)] FROM stdin [options]`: table, columns and data format.
pub(super) fn parse_copy(h: &[H]) -> Option<(String, Columns, CopyFormat)> {
    let (table, after) = name_at(h, 1)??;
    let columns = column_list(h, after);
    let mut i = after;
    if !columns.is_empty() || h.get(after) == Some(&H::Punct(b'(')) {
        i = h[after..].iter().position(|t| *t == H::Punct(b')'))? + after + 1;
    }
    if h.get(i)?.word()? != "from" || !matches!(h.get(i + 1)?.word()?, "stdin" | "pstdin") {
        return None;
    }
    let mut format = CopyFormat::default();
    for (j, t) in h[i + 2..].iter().enumerate() {
        match t.word() {
            Some("csv") => {
                format.csv = true;
                if format.delimiter == b'\t' {
                    format.delimiter = b',';
                }
            }
            Some("delimiter") => {
                if let Some(H::Str(d)) = h.get(i + 2 + j + 1) {
                    if let Some(&b) = d.as_bytes().first() {
                        format.delimiter = b;
                    }
                }
            }
            _ => {}
        }
    }
    Some((table, columns, format))
}

/// `CREATE TRIGGER name … ON table … EXECUTE FUNCTION f(…)`.
pub(super) fn parse_trigger(name: &str, h: &[H]) -> Option<Trigger> {
    let on = h.iter().position(|t| t.word() == Some("on"))?;
    let (table, _) = name_at(h, on + 1)??;
    let exec = h.iter().position(|t| t.word() == Some("execute"))?;
    if !matches!(h.get(exec + 1)?.word()?, "function" | "procedure") {
        return None;
    }
    let (function, _) = name_at(h, exec + 2)??;
    Some(Trigger {
        name: name.to_string(),
        table,
        function,
    })
}
