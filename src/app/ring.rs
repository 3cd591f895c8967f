//! `stalekey ring …`: add, list, move and import keys. Keys come in from stdin, an
//! environment variable or a `.env` file, never from an argument, and only their
//! fingerprint and length are written.

use super::output::write_output;
use super::{note, warn, Outcome};
use crate::cli::{RingArgs, RingCommand};
use crate::error::{Error, Result};
use crate::report;
use crate::ring::dotenv::{import_decision, parse_dotenv, ImportDecision};
use crate::ring::edit::{today, NewKey, RingDoc, DEFAULT_RING};
use crate::secret::Secret;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

pub(super) fn run(args: RingArgs) -> Result<Outcome> {
    let path = args.ring.unwrap_or_else(|| PathBuf::from(DEFAULT_RING));
    match args.command {
        RingCommand::Add(add) => {
            let mut bytes = match &add.from_env {
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
                        None =>
                            "stdin (pipe it in: printf %s \"$KEY\" | stalekey ring add ...)".into(),
                    }
                )));
            }
            let secret = Secret::new(std::mem::take(&mut bytes));
            let mut doc = RingDoc::open(&path, true)?;
            let warnings = doc.add(
                NewKey {
                    id: add.id.clone(),
                    service: add.service.clone(),
                    state: add.state,
                    created: today(),
                    note: add.note,
                },
                &secret,
            )?;
            warn(warnings);
            doc.save()?;
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
            })?;
        }
        RingCommand::List => {
            let doc = RingDoc::open(&path, false)?;
            write_output(None, |out| report::ring_list(doc.entries(), out))?;
        }
        RingCommand::SetState { id, state } => {
            let mut doc = RingDoc::open(&path, false)?;
            let from = doc.set_state(&id, state)?;
            doc.save()?;
            write_output(None, |out| {
                writeln!(out, "{id}: {from} → {state} in {}", path.display())
            })?;
        }
        RingCommand::Import {
            file,
            service,
            state,
        } => {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            let shown = file.display().to_string();
            let (vars, warnings) = parse_dotenv(&text, &shown);
            warn(warnings);
            let mut doc = RingDoc::open(&path, true)?;
            let mut added = Vec::new();
            for var in &vars {
                if let ImportDecision::Skip(why) = import_decision(var) {
                    note(format!(
                        "{shown}:{}: {} not imported: {why}",
                        var.line, var.name
                    ));
                    continue;
                }
                let id = format!("{service}/{}", var.name);
                let warnings = doc.add(
                    NewKey {
                        id: id.clone(),
                        service: service.clone(),
                        state,
                        created: today(),
                        note: Some(format!("imported from {}", var.name)),
                    },
                    &var.value,
                )?;
                warn(warnings);
                added.push(id);
            }
            if added.is_empty() {
                return Err(Error::Usage(format!(
                    "ring import: {shown}: no secret-like variable to import"
                )));
            }
            doc.save()?;
            write_output(None, |out| {
                writeln!(
                    out,
                    "imported {} keys of {service} ({state}) into {}: {}",
                    added.len(),
                    path.display(),
                    added.join(", ")
                )
            })?;
        }
    }
    Ok(Outcome::Pass)
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
