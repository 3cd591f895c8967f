//! Editing the ring file (SPEC §1, §4): what `ring add`, `ring set-state` and `ring import`
//! change, and the atomic write.
//!
//! The ring on disk is edited as its wire form ([`RingFile`]) and re-validated with
//! [`Ring::parse`] before every write, so a command can never leave a ring that `scan`
//! would refuse. Every write is atomic (temporary file in the same directory, fsync,
//! rename, fsync of the directory) and stable (keys sorted by service then id, 2-space
//! JSON, trailing newline), so ring diffs read well in review.
//!
//! Keys come in as bytes (stdin, an environment variable, a `.env` file) and only their
//! fingerprint and length are kept; nothing here formats a key.

use super::{KeyState, Ring, RingEntry, RingFile};
use crate::error::{Error, Result};
use crate::plausible;
use crate::secret::Secret;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Keys shorter than this draw a warning: their fingerprint could be brute-forced.
pub(crate) const MIN_KEY_LEN: usize = 16;
/// Estimated bits (character-frequency entropy × length) under which a key is weak.
const MIN_KEY_BITS: f64 = 48.0;
/// Bits per byte under which a key is weak whatever its length.
const MIN_BITS_PER_BYTE: f64 = 3.0;

/// A ring file being edited.
pub(crate) struct RingDoc {
    pub path: PathBuf,
    file: RingFile,
}

impl RingDoc {
    /// Opens and validates the ring; a missing file is an empty ring when `create`.
    pub(crate) fn open(path: &Path, create: bool) -> Result<RingDoc> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(RingDoc {
                    path: path.to_path_buf(),
                    file: RingFile {
                        version: 1,
                        services: Default::default(),
                        keys: Vec::new(),
                    },
                })
            }
            Err(e) => {
                return Err(Error::Ring {
                    path: shown,
                    entry: "file".into(),
                    problem: format!("cannot read: {e}"),
                })
            }
        };
        Ring::parse(&text, &shown)?;
        let file: RingFile = serde_json::from_str(&text).map_err(|e| Error::Ring {
            path: shown.clone(),
            entry: "file".into(),
            problem: super::without_values(&e.to_string()),
        })?;
        Ok(RingDoc {
            path: path.to_path_buf(),
            file,
        })
    }

    pub(crate) fn entries(&self) -> &[RingEntry] {
        &self.file.keys
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn err(&self, problem: String) -> Error {
        Error::RingEdit {
            path: self.shown(),
            problem,
        }
    }

    /// Adds a key; the id and the fingerprint must be new. Returns warnings.
    pub(crate) fn add(&mut self, key: NewKey, secret: &Secret) -> Result<Vec<String>> {
        if key.id.trim().is_empty() {
            return Err(self.err("--id must not be empty".into()));
        }
        if key.service.trim().is_empty() {
            return Err(self.err("--service must not be empty".into()));
        }
        if secret.is_empty() {
            return Err(self.err(format!("{}: the key is empty", key.id)));
        }
        if self.file.keys.iter().any(|e| e.id == key.id) {
            return Err(self.err(format!("id {:?} is already in the ring", key.id)));
        }
        let fp = secret.fingerprint().to_string();
        if let Some(other) = self.file.keys.iter().find(|e| e.fingerprint == fp) {
            return Err(self.err(format!(
                "{}: this key is already in the ring as {:?} (service {})",
                key.id, other.id, other.service
            )));
        }
        let mut warnings: Vec<String> = key_warnings(secret.expose())
            .into_iter()
            .map(|w| format!("{}: {w}", key.id))
            .collect();
        if key.state == KeyState::Active {
            if let Some(other) = self
                .file
                .keys
                .iter()
                .find(|e| e.service == key.service && e.state == "active")
            {
                warnings.push(format!(
                    "{}: service {} already has an active key ({}); move it to fallback with `stalekey ring set-state {} fallback`",
                    key.id, key.service, other.id, other.id
                ));
            }
        }
        self.file.keys.push(RingEntry {
            id: key.id,
            service: key.service,
            state: key.state.as_str().to_string(),
            fingerprint: fp,
            length: Some(secret.len()),
            created: Some(key.created),
            since: Some(crate::clock::rfc3339(crate::clock::now())),
            note: key.note,
        });
        Ok(warnings)
    }

    /// Is this key (by fingerprint) in the ring, under which id?
    pub(crate) fn id_of(&self, secret: &Secret) -> Option<&str> {
        let fp = secret.fingerprint().to_string();
        self.file
            .keys
            .iter()
            .find(|e| e.fingerprint == fp)
            .map(|e| e.id.as_str())
    }

    /// Removes a key; returns its entry.
    pub(crate) fn remove(&mut self, id: &str) -> Result<RingEntry> {
        match self.file.keys.iter().position(|e| e.id == id) {
            Some(i) => Ok(self.file.keys.remove(i)),
            None => Err(self.no_such_id(id)),
        }
    }

    fn no_such_id(&self, id: &str) -> Error {
        let ids: Vec<&str> = self.file.keys.iter().map(|e| e.id.as_str()).collect();
        self.err(format!(
            "no key with id {id:?} (ids: {})",
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            }
        ))
    }

    /// Moves a key along its lifecycle; returns the state it left (`None`: it already is
    /// in that state, nothing changes).
    pub(crate) fn set_state(&mut self, id: &str, to: KeyState) -> Result<Option<KeyState>> {
        let shown = self.shown();
        let Some(i) = self.file.keys.iter().position(|e| e.id == id) else {
            return Err(self.no_such_id(id));
        };
        let entry = &mut self.file.keys[i];
        // The ring was validated on open: the state parses.
        let from = KeyState::parse(&entry.state).unwrap_or(KeyState::Pending);
        if from == to {
            return Ok(None);
        }
        check_transition(from, to).map_err(|e| Error::RingEdit {
            path: shown,
            problem: format!("{id}: {e}"),
        })?;
        entry.state = to.as_str().to_string();
        entry.since = Some(crate::clock::rfc3339(crate::clock::now()));
        Ok(Some(from))
    }

    /// Writes the ring atomically, sorted by service then id.
    fn save(&mut self) -> Result<()> {
        let text = self.render()?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        atomic_write(&self.path, text.as_bytes(), 0o644).map_err(|e| Error::io(&self.path, e))
    }

    /// The stable text of the ring, validated as `scan` would read it.
    pub(crate) fn render(&mut self) -> Result<String> {
        self.file.keys.sort_by(|a, b| {
            (a.service.as_str(), a.id.as_str()).cmp(&(b.service.as_str(), b.id.as_str()))
        });
        let mut text = serde_json::to_string_pretty(&self.file)
            .map_err(|e| self.err(format!("cannot serialize: {e}")))?;
        text.push('\n');
        Ring::parse(&text, &self.shown())?;
        Ok(text)
    }
}

/// A key to add, without its bytes.
pub(crate) struct NewKey {
    pub id: String,
    pub service: String,
    pub state: KeyState,
    pub created: String,
    pub note: Option<String>,
}

/// The rotation lifecycle: pending → active → fallback → retired; revoked from anywhere.
pub(crate) fn check_transition(from: KeyState, to: KeyState) -> std::result::Result<(), String> {
    use KeyState::*;
    let ok = matches!(
        (from, to),
        (Pending, Active) | (Active, Fallback) | (Fallback, Retired)
    ) || (to == Revoked && from != Revoked);
    if ok {
        return Ok(());
    }
    let next = match from {
        Pending => "active or revoked",
        Active => "fallback or revoked",
        Fallback => "retired or revoked",
        Retired => "revoked",
        Revoked => "nothing (revoked is final)",
    };
    Err(format!(
        "cannot move from {from} to {to} (the lifecycle is pending → active → fallback → retired, revoked from any state; from {from} the next state is {next})"
    ))
}

/// Warnings about a key whose fingerprint could be brute-forced from a committed ring.
pub(crate) fn key_warnings(key: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    if key.len() < MIN_KEY_LEN {
        out.push(format!(
            "the key is only {} bytes (under {MIN_KEY_LEN}): its fingerprint in a committed ring could be brute-forced; rotate to a random key of 32 bytes or more",
            key.len()
        ));
        return out;
    }
    let per_byte = plausible::shannon_entropy(key);
    let bits = per_byte * key.len() as f64;
    if per_byte < MIN_BITS_PER_BYTE || bits < MIN_KEY_BITS {
        out.push(format!(
            "the key has low entropy (about {bits:.0} bits by character frequency): its fingerprint in a committed ring could be brute-forced; rotate to a random key of 32 bytes or more"
        ));
    }
    out
}

/// Today's date (UTC) as `YYYY-MM-DD`, for `created`.
pub(crate) fn today() -> String {
    crate::clock::date(crate::clock::now())
}

/// Writes `bytes` to `path` atomically: a new temporary file in the same directory
/// (a name no other writer uses, so a leftover one never blocks a write), the mode of the
/// file it replaces (else `mode`), fsync, rename over the target, fsync of the
/// directory. A symbolic link is written through: its target is replaced, the link kept.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let target = resolve_link(path);
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ring.json".into());
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&target).map_or(mode, |m| m.permissions().mode() & 0o7777)
    };
    let (tmp, mut f) = new_temp(dir, &name)?;
    let result = (|| {
        f.write_all(bytes)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &target)?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A temporary file beside `name` in `dir` that did not exist before.
fn new_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{nanos}.{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

/// The file a path names after following symbolic links (the path itself when it does
/// not exist yet, or a link's target when that does not exist yet).
fn resolve_link(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&p) {
            Ok(to) => {
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                }
            }
            Err(_) => return p,
        }
    }
    p
}

/// Edits the ring at `path` under an exclusive lock on `path.lock` beside it: the ring is
/// read under the lock, `f` changes it, and it is written back atomically when `f` says
/// it changed something. Two writers never lose each other's updates.
pub(crate) fn edit<T>(
    path: &Path,
    create: bool,
    f: impl FnOnce(&mut RingDoc) -> Result<(T, bool)>,
) -> Result<T> {
    let target = resolve_link(path);
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        if create {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        // The lock stays beside the ring (removing it would race a waiting writer);
        // in a `.stalekey/` directory a .gitignore keeps it out of commits.
        let ignore = dir.join(".gitignore");
        if dir.file_name().is_some_and(|n| n == ".stalekey") && !ignore.exists() {
            let _ = std::fs::write(&ignore, "*.lock\n");
        }
    }
    let lock_path = target.with_file_name(format!(
        "{}.lock",
        target
            .file_name()
            .map_or("ring.json".into(), |n| n.to_string_lossy())
    ));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    let mut doc = RingDoc::open(path, create)?;
    let (value, changed) = f(&mut doc)?;
    if changed {
        doc.save()?;
    }
    drop(lock);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_transitions() {
        use KeyState::*;
        for (from, to) in [
            (Pending, Active),
            (Active, Fallback),
            (Fallback, Retired),
            (Pending, Revoked),
            (Retired, Revoked),
        ] {
            assert!(check_transition(from, to).is_ok(), "{from} -> {to}");
        }
        for (from, to) in [
            (Active, Pending),
            (Pending, Fallback),
            (Retired, Active),
            (Revoked, Active),
            (Revoked, Revoked),
            (Active, Active),
        ] {
            let e = check_transition(from, to).unwrap_err();
            assert!(e.contains(&format!("from {from} to {to}")), "{e}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(crate::clock::date(20_424 * 86_400), "2025-12-02");
        assert_eq!(crate::clock::date(11_016 * 86_400), "2000-02-29");
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn weak_keys_warn() {
        assert!(key_warnings(b"short")[0].contains("only 5 bytes"));
        assert!(key_warnings(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")[0].contains("low entropy"));
        assert!(key_warnings(b"q3T9vXk2Lm8Pz4Rw7Yb1Nc6Hd0Fs5GjA").is_empty());
    }

    #[test]
    fn render_is_sorted_and_validated() {
        let mut doc = RingDoc {
            path: PathBuf::from("r.json"),
            file: RingFile {
                version: 1,
                services: Default::default(),
                keys: Vec::new(),
            },
        };
        for (id, service, bytes) in [
            ("b/1", "zeta", "ZmFzdGVyLXRoYW4tYS1zcGVlZGluZy1idWxsZXQ"),
            ("a/2", "alpha", "bW9yZS1wb3dlcmZ1bC10aGFuLWEtbG9jb21vdGl2ZQ"),
            ("a/1", "alpha", "YWJsZS10by1sZWFwLXRhbGwtYnVpbGRpbmdz"),
        ] {
            let key = NewKey {
                id: id.into(),
                service: service.into(),
                state: KeyState::Pending,
                created: "2026-11-01".into(),
                note: None,
            };
            doc.add(key, &Secret::from_slice(bytes.as_bytes())).unwrap();
        }
        let text = doc.render().unwrap();
        let ids: Vec<&str> = doc.entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a/1", "a/2", "b/1"]);
        assert!(text.ends_with("}\n"));
        assert!(text.contains("\n  \"keys\": [\n    {\n      \"id\": \"a/1\""));
        // Same key twice is refused, naming the id it is already under.
        let again = NewKey {
            id: "c/1".into(),
            service: "c".into(),
            state: KeyState::Active,
            created: "2026-11-01".into(),
            note: None,
        };
        let e = doc
            .add(
                again,
                &Secret::from_slice(b"YWJsZS10by1sZWFwLXRhbGwtYnVpbGRpbmdz"),
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("already in the ring as \"a/1\""),
            "{e}"
        );
    }
}
