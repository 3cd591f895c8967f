//! The tables of `stalekey ring list` and `stalekey rules list`.

use crate::extract::rules::Rule;
use crate::ring::policy::{shown_duration, Flagged};
use crate::ring::RingEntry;
use crate::terminal::safe;
use std::io::Write;

/// `ring list`: one row per key, columns aligned; never a key, only a fingerprint's head.
/// SINCE is when the key entered its state, as `ring add` and `set-state` record it.
pub(crate) fn ring_list(entries: &[RingEntry], out: &mut dyn Write) -> std::io::Result<()> {
    let header = [
        "ID",
        "SERVICE",
        "STATE",
        "SINCE",
        "CREATED",
        "LENGTH",
        "FINGERPRINT",
        "NOTE",
    ];
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|e| {
            [
                e.id.clone(),
                e.service.clone(),
                e.state.clone(),
                e.since.clone().unwrap_or_else(|| "-".into()),
                e.created.clone().unwrap_or_else(|| "-".into()),
                e.length.map_or_else(|| "-".into(), |l| l.to_string()),
                format!("{}…", &e.fingerprint[..e.fingerprint.len().min(19)]),
                e.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&header, &rows, out)?;
    if rows.is_empty() {
        writeln!(out, "(no keys: add one with `stalekey ring add`)")?;
    }
    Ok(())
}

/// `rules list`: one row per rule.
pub(crate) fn rule_list(rules: &[Rule], out: &mut dyn Write) -> std::io::Result<()> {
    let header = ["ID", "CONFIDENCE", "KIND", "FILE", "FORMATS", "DESCRIPTION"];
    let rows: Vec<[String; 6]> = rules
        .iter()
        .map(|r| {
            let formats = if r.spec.formats.is_empty() {
                "any".to_string()
            } else {
                r.spec.formats.join(",")
            };
            [
                r.id().to_string(),
                format!("{:?}", r.spec.confidence).to_lowercase(),
                r.spec.kind.as_str().to_string(),
                r.file.clone(),
                formats,
                r.spec.description.clone(),
            ]
        })
        .collect();
    table(&header, &rows, out)?;
    writeln!(out, "{} rules", rows.len())
}

/// Rows under a header, each column as wide as its widest cell; the last column is not
/// padded. Cells come from files (a ring's ids and notes, a rule file's descriptions), so
/// control characters are shown escaped, never sent to the terminal.
fn table<const N: usize>(
    header: &[&str; N],
    rows: &[[String; N]],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|r| r.clone().map(|c| safe(&c).into_owned()))
        .collect();
    let rows = &rows[..];
    let mut widths = header.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(c);
            } else {
                text.push_str(&format!("{c:<w$}  "));
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(&header.map(String::from)))?;
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

/// `ring check` as text: one line per flagged key, then a summary line.
pub(crate) fn ring_check_text(
    ring_path: &str,
    flagged: &[Flagged],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for f in flagged {
        writeln!(
            out,
            "{}  {}  {}  {} {} (limit {}): {}",
            safe(&f.key.id),
            safe(&f.key.service),
            f.key.state,
            f.problem.as_str(),
            shown_duration(f.age),
            shown_duration(f.limit),
            safe(&f.problem.advice(&f.key.service))
        )?;
    }
    if flagged.is_empty() {
        writeln!(
            out,
            "{}: every key is within its service's policy",
            safe(ring_path)
        )
    } else {
        writeln!(
            out,
            "{}: {} key{} outside its service's policy",
            safe(ring_path),
            flagged.len(),
            if flagged.len() == 1 { "" } else { "s" }
        )
    }
}

/// `ring check --format json`.
pub(crate) fn ring_check_json(
    ring_path: &str,
    flagged: &[Flagged],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Wire<'a> {
        ring: &'a str,
        flagged: Vec<Item<'a>>,
    }
    #[derive(serde::Serialize)]
    struct Item<'a> {
        id: &'a str,
        service: &'a str,
        state: &'static str,
        problem: &'static str,
        age_seconds: i64,
        limit_seconds: i64,
        advice: String,
    }
    let wire = Wire {
        ring: ring_path,
        flagged: flagged
            .iter()
            .map(|f| Item {
                id: &f.key.id,
                service: &f.key.service,
                state: f.key.state.as_str(),
                problem: f.problem.as_str(),
                age_seconds: f.age,
                limit_seconds: f.limit,
                advice: f.problem.advice(&f.key.service),
            })
            .collect(),
    };
    super::jsonfmt::write_pretty(out, &wire)
}
