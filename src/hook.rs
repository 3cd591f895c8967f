//! `stalekey install-hook`: a plain git pre-commit hook that runs `stalekey scan --staged`.
//! A hook that stalekey did not write is never overwritten without `--force`.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The line that marks a hook as ours.
pub const MARKER: &str = "# installed by `stalekey install-hook`";

/// The hook's text: `stalekey` from PATH, else the binary that installed it.
pub fn hook_text(exe: &Path) -> String {
    let exe = exe.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n{MARKER}: scans what is staged for secret keys.\n# Skip once with `git commit --no-verify`; remove this file to uninstall.\nif command -v stalekey >/dev/null 2>&1; then\n  exec stalekey scan --staged\nfi\nexec '{exe}' scan --staged\n"
    )
}

/// Where git runs the pre-commit hook (honours `core.hooksPath` and worktrees).
pub fn hook_path() -> Result<PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--git-path", "hooks/pre-commit"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!("install-hook: cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "install-hook: not inside a git repository ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&out.stdout).trim_end_matches(['\n', '\r']),
    ))
}

/// What `install` did.
pub enum Installed {
    Created(PathBuf),
    Updated(PathBuf),
    Replaced(PathBuf),
}

/// Writes the hook; refuses to replace a hook stalekey did not write unless `force`.
pub fn install(force: bool) -> Result<Installed> {
    let path = hook_path()?;
    let exe = std::env::current_exe().map_err(|e| Error::Usage(format!("install-hook: {e}")))?;
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
    crate::ringcmd::atomic_write(&path, hook_text(&exe).as_bytes())
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
