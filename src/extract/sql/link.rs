//! Ciphertext to key: the per-file index of which function encrypts which column with
//! which key and which trigger runs it on which table, and at the end of the file one
//! ciphertext candidate per table column, linked to its key where the index knows it.

use super::lexer::Pos;
use crate::extract::Candidate;
use crate::finding::{Bar, Confidence, Detail, Kind, Origin, Position};
use crate::secret::Fingerprint;
use std::collections::{BTreeMap, HashMap};

pub(crate) const RULE_CIPHERTEXT: &str = "sql-pgp-ciphertext";

/// Where a function's key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum KeySrc {
    Literal(Fingerprint),
    Setting(String),
}

pub(super) struct Trigger {
    pub(super) name: String,
    pub(super) table: String,
    pub(super) function: String,
}

/// A view, policy or function that decrypts a column with a known key.
pub(super) struct Decryption {
    /// The table, when the column was qualified or the statement names it.
    pub(super) table: Option<String>,
    pub(super) column: String,
    pub(super) key: KeySrc,
    pub(super) context: Option<String>,
}

pub(super) struct CopyTarget {
    pub(super) table: String,
    pub(super) columns: Vec<String>,
    /// Where each column is named in the COPY statement.
    pub(super) places: Vec<Pos>,
    pub(super) counts: Vec<u64>,
    pub(super) start: Pos,
}

/// Rows of ciphertext in one column, and where the first COPY or INSERT names it (or,
/// without a column list, the first value).
pub(super) struct CipherStat {
    pub(super) rows: u64,
    pub(super) start: Pos,
}

#[derive(Default)]
pub(super) struct Index {
    pub(super) tables: HashMap<String, Vec<String>>,
    /// function → (column assigned, key)
    pub(super) functions: HashMap<String, Vec<(Option<String>, KeySrc)>>,
    pub(super) triggers: Vec<Trigger>,
    pub(super) decryptions: Vec<Decryption>,
    /// Settings given a literal value: name → fingerprint.
    pub(super) settings: HashMap<String, Fingerprint>,
    pub(super) cipher: BTreeMap<(String, String), CipherStat>,
}

impl Index {
    pub(super) fn add_cipher(
        &mut self,
        table: &str,
        columns: &[String],
        counts: &[u64],
        place: impl Fn(usize) -> Pos,
    ) {
        for (i, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let column = columns
                .get(i)
                .cloned()
                .or_else(|| {
                    lookup(&self.tables, table)
                        .and_then(|(_, cols)| cols.get(i))
                        .cloned()
                })
                .unwrap_or_else(|| format!("column{}", i + 1));
            let stat = self
                .cipher
                .entry((table.to_string(), column))
                .or_insert(CipherStat {
                    rows: 0,
                    start: place(i),
                });
            stat.rows += n;
        }
    }
}

/// Same object: equal names, or one unqualified and equal to the other's last part.
pub(super) fn same_name(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let tail = |s: &str| s.rsplit('.').next().unwrap_or(s).to_string();
    (!a.contains('.') && a == tail(b)) || (!b.contains('.') && b == tail(a))
}

pub(super) fn lookup<'m, V>(
    map: &'m HashMap<String, V>,
    name: &str,
) -> Option<(&'m String, &'m V)> {
    map.get_key_value(name)
        .or_else(|| map.iter().find(|(k, _)| same_name(k, name)))
}

/// Links, and the ciphertext candidates at the end of the file.
impl Index {
    /// The key a trigger on `table` uses to encrypt `column`, and the trigger.
    fn link(&self, table: &str, column: &str) -> Option<(&Trigger, &KeySrc)> {
        for t in self.triggers.iter().filter(|t| same_name(&t.table, table)) {
            let Some((_, uses)) = lookup(&self.functions, &t.function) else {
                continue;
            };
            if let Some((_, src)) = uses
                .iter()
                .find(|(c, _)| c.as_deref().is_some_and(|c| c == column))
            {
                return Some((t, src));
            }
            // A function with one key and no column we could tell: that key.
            if let Some((_, first)) = uses.first() {
                if uses.iter().all(|(c, s)| c.is_none() && s == first) {
                    return Some((t, first));
                }
            }
        }
        None
    }

    /// A decryption of `table.column` with one known key (the column qualified with its
    /// table name, or unqualified in a policy on the table).
    fn decryption(&self, table: &str, column: &str) -> Option<&Decryption> {
        let mut found = self.decryptions.iter().filter(|d| {
            d.column == column && d.table.as_deref().is_some_and(|t| same_name(t, table))
        });
        let first = found.next()?;
        found.all(|d| d.key == first.key).then_some(first)
    }

    /// The end of the file: one ciphertext candidate per table column.
    pub(super) fn finish(&mut self, copy: Option<CopyTarget>) -> Vec<Candidate> {
        if let Some(c) = copy {
            self.add_cipher(&c.table, &c.columns, &c.counts, |i| {
                c.places.get(i).copied().unwrap_or(c.start)
            });
        }
        let mut out = Vec::new();
        for ((table, column), stat) in &self.cipher {
            let linked = self
                .link(table, column)
                .map(|(t, src)| (format!("trigger {} on {}", t.name, t.table), src))
                .or_else(|| {
                    self.decryption(table, column).map(|d| {
                        let by = d
                            .context
                            .as_deref()
                            .unwrap_or("a statement that decrypts it");
                        (by.to_string(), &d.key)
                    })
                });
            let mut context = None;
            let mut key_hint = None;
            if let Some((mut ctx, src)) = linked {
                match src {
                    KeySrc::Literal(fp) => key_hint = Some(*fp),
                    KeySrc::Setting(s) => {
                        ctx.push_str(&format!(" (key from current_setting('{s}'))"));
                        key_hint = self.settings.get(s).copied();
                    }
                }
                context = Some(ctx);
            }
            let mut detail = Detail::new(Kind::Ciphertext, RULE_CIPHERTEXT);
            detail.name = Some(format!("{table}.{column}"));
            detail.context = context;
            detail.rows = Some(stat.rows);
            out.push(Candidate {
                at: Position {
                    line: stat.start.line,
                    column: stat.start.column,
                },
                detail,
                origin: Origin::Structured,
                confidence: Confidence::High,
                bar: Bar::STRUCTURED,
                value: None,
                key_hint,
            });
        }
        out
    }
}
