//! `stalekey ring …`: add, list, move and import keys. Keys come in from stdin, an
//! environment variable or a `.env` file, never from an argument, and only their
//! fingerprint and length are written.

use super::output::write_output;
use super::{note, warn, Outcome};
use crate::cli::{CheckFormatArg, RingAddArgs, RingArgs, RingCommand};
use crate::error::{Error, Result};
use crate::report;
use crate::ring::discover::ring_to_edit;
use crate::ring::dotenv::{import_decision, parse_dotenv, shown_name, ImportDecision};
use crate::ring::edit::{edit, today, NewKey, RingDoc};
use crate::ring::{policy, KeyState, Ring};
use crate::secret::Secret;
use std::io::{IsTerminal, Read};
use std::path::Path;

pub(super) fn run(args: RingArgs) -> Result<Outcome> {
    let path = match args.ring {
        Some(p) => p,
        None => ring_to_edit(&std::env::current_dir().map_err(|e| Error::io(".", e))?),
    };
    match args.command {
        RingCommand::Add(add) => ring_add(&path, add)?,
        RingCommand::List => {
            let doc = RingDoc::open(&path, false)?;
            write_output(None, |out| report::ring_list(doc.entries(), out))?;
        }
        RingCommand::Check { format } => {
            let ring = Ring::load(&path)?;
            let flagged = policy::check(&ring, crate::clock::now());
            let shown = path.display().to_string();
            write_output(None, |out| match format {
                CheckFormatArg::Text => report::ring_check_text(&shown, &flagged, out),
                CheckFormatArg::Json => report::ring_check_json(&shown, &flagged, out),
            })?;
            return Ok(Outcome::of(!flagged.is_empty()));
        }
        RingCommand::SetState { id, state } => {
            match edit(&path, false, |doc| {
                let from = doc.set_state(&id, state)?;
                Ok((from, from.is_some()))
            })? {
                Some(from) => write_output(None, |out| {
                    writeln!(out, "{id}: {from} → {state} in {}", path.display())
                })?,
                None => note(format!(
                    "{id} is already {state} in {}: nothing changed",
                    path.display()
                )),
            }
        }
        RingCommand::Rm { id } => {
            let gone = edit(&path, false, |doc| Ok((doc.remove(&id)?, true)))?;
            write_output(None, |out| {
                writeln!(
                    out,
                    "removed {id} (service {}, {}) from {}",
                    gone.service,
                    gone.state,
                    path.display()
                )
            })?;
        }
        RingCommand::Import {
            file,
            service,
            state,
        } => ring_import(&path, &file, &service, state)?,
    }
    Ok(Outcome::Pass)
}

fn ring_add(path: &Path, add: RingAddArgs) -> Result<()> {
    let bytes = match &add.from_env {
        Some(var) => key_from_env(var)?,
        None => {
            if std::io::stdin().is_terminal() {
                return Err(Error::Usage(
                    "ring add: pipe the key in (printf %s \"$KEY\" | stalekey ring add ...) or use --from-env VAR: a key typed on a terminal would be echoed".into(),
                ));
            }
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .map_err(|e| Error::io("stdin", e))?;
            if add.strip_newline {
                strip_one_newline(&mut b);
            } else if b.ends_with(b"\n") {
                warn([format!("{}: the key read from stdin ends with a newline, which is part of the key (use --strip-newline, or printf %s \"$KEY\" |)", add.id)]);
            }
            b
        }
    };
    if bytes.is_empty() {
        return Err(Error::Usage(format!(
            "ring add: no key on {}",
            match &add.from_env {
                Some(var) => format!("${var}"),
                None => "stdin (pipe it in: printf %s \"$KEY\" | stalekey ring add ...)".into(),
            }
        )));
    }
    let secret = Secret::new(bytes);
    let key = NewKey {
        id: add.id.clone(),
        service: add.service.clone(),
        state: add.state,
        created: today(),
        note: add.note,
    };
    let warnings = edit(path, true, |doc| Ok((doc.add(key, &secret)?, true)))?;
    warn(warnings);
    let fp = secret.fingerprint();
    write_output(None, |out| {
        writeln!(
            out,
            "added {} (service {}, {}, {fp}, {} bytes) to {}",
            add.id,
            add.service,
            add.state,
            secret.len(),
            path.display()
        )
    })
}

/// `ring import`: the secret-like variables of a `.env` file, each once: a key already in
/// the ring is skipped and counted, so importing twice changes nothing.
fn ring_import(path: &Path, file: &Path, service: &str, state: KeyState) -> Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
    let shown = file.display().to_string();
    let (vars, warnings) = parse_dotenv(&text, &shown);
    warn(warnings);
    let wanted: Vec<_> = vars
        .iter()
        .filter(|var| match import_decision(var) {
            ImportDecision::Import => true,
            ImportDecision::Skip(why) => {
                note(format!(
                    "{shown}:{}: {} not imported: {why}",
                    var.line,
                    shown_name(&var.name)
                ));
                false
            }
        })
        .collect();
    if wanted.is_empty() {
        return Err(Error::Usage(format!(
            "ring import: {shown}: no secret-like variable to import"
        )));
    }
    let (added, present) = edit(path, true, |doc| {
        let (mut added, mut present) = (Vec::new(), 0usize);
        for var in &wanted {
            if let Some(id) = doc.id_of(&var.value) {
                note(format!(
                    "{shown}:{}: {} is already in the ring as {id}",
                    var.line,
                    shown_name(&var.name)
                ));
                present += 1;
                continue;
            }
            let id = format!("{service}/{}", var.name);
            let key = NewKey {
                id: id.clone(),
                service: service.to_string(),
                state,
                created: today(),
                note: Some(format!("imported from {}", var.name)),
            };
            warn(doc.add(key, &var.value)?);
            added.push(id);
        }
        let changed = !added.is_empty();
        Ok(((added, present), changed))
    })?;
    write_output(None, |out| {
        writeln!(
            out,
            "imported {} keys of {service} ({state}) into {}{}{}",
            added.len(),
            path.display(),
            if added.is_empty() {
                String::new()
            } else {
                format!(": {}", added.join(", "))
            },
            match present {
                0 => String::new(),
                n => format!(" ({n} already in the ring)"),
            }
        )
    })
}

fn key_from_env(var: &str) -> Result<Vec<u8>> {
    match std::env::var_os(var) {
        Some(v) => Ok(os_bytes(v)),
        None => Err(Error::Usage(format!(
            "ring add: --from-env: ${var} is not set"
        ))),
    }
}

#[cfg(unix)]
fn os_bytes(v: std::ffi::OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    v.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(v: std::ffi::OsString) -> Vec<u8> {
    v.to_string_lossy().into_owned().into_bytes()
}

pub(super) fn strip_one_newline(bytes: &mut Vec<u8>) {
    if bytes.ends_with(b"\r\n") {
        bytes.truncate(bytes.len() - 2);
    } else if bytes.ends_with(b"\n") {
        bytes.pop();
    }
}
