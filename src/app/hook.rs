//! `stalekey install-hook`: a plain git pre-commit hook that runs `stalekey scan --staged`.
//! A hook that stalekey did not write is never overwritten without `--force`.

use super::output::write_output;
use super::Outcome;
use crate::cli::InstallHookArgs;
use crate::error::{Error, Result};
use crate::pipeline::git::{git, run_git};
use std::path::{Path, PathBuf};

/// The line that marks a hook as ours.
const MARKER: &str = "# installed by `stalekey install-hook`";

/// The hook's text: `stalekey` from PATH, else the binary that installed it.
fn hook_text(exe: &Path) -> String {
    let exe = exe.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n{MARKER}: scans what is staged for secret keys.\n# Skip once with `git commit --no-verify`; remove this file to uninstall.\nif command -v stalekey >/dev/null 2>&1; then\n  exec stalekey scan --staged\nfi\nexec '{exe}' scan --staged\n"
    )
}

/// Where git runs the pre-commit hook (honours `core.hooksPath` and worktrees).
fn hook_path() -> Result<PathBuf> {
    let out = run_git(
        git(&["rev-parse", "--git-path", "hooks/pre-commit"]).stderr(std::process::Stdio::piped()),
        "install-hook: git rev-parse (is this a git repository?)",
    )?;
    Ok(PathBuf::from(
        String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r']),
    ))
}

/// What `install` did.
enum Installed {
    Created(PathBuf),
    Updated(PathBuf),
    Replaced(PathBuf),
}

/// Writes the hook; refuses to replace a hook stalekey did not write unless `force`.
fn install(force: bool) -> Result<Installed> {
    let path = hook_path()?;
    let exe =
        std::env::current_exe().map_err(|e| Error::io("install-hook: this program's path", e))?;
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).contains(MARKER)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&path, e)),
    };
    if existing == Some(false) && !force {
        return Err(Error::Usage(format!(
            "install-hook: {} exists and was not written by stalekey; add `stalekey scan --staged` to it yourself, or use --force to replace it",
            path.display()
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::ring::edit::atomic_write(&path, hook_text(&exe).as_bytes(), 0o755)
        .map_err(|e| Error::io(&path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(&path, e))?;
    }
    Ok(match existing {
        None => Installed::Created(path),
        Some(true) => Installed::Updated(path),
        Some(false) => Installed::Replaced(path),
    })
}

pub(super) fn run(args: InstallHookArgs) -> Result<Outcome> {
    let (verb, path) = match install(args.force)? {
        Installed::Created(p) => ("installed", p),
        Installed::Updated(p) => ("updated", p),
        Installed::Replaced(p) => ("replaced the existing hook with", p),
    };
    write_output(None, |out| {
        writeln!(
            out,
            "{verb} {}: `git commit` now runs `stalekey scan --staged`",
            path.display()
        )
    })?;
    Ok(Outcome::Pass)
}
