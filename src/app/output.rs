//! Where a command's output goes: `--output FILE` or stdout.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Writes to `--output FILE` or stdout; a closed stdout (`| head`) is not an error.
pub(super) fn write_output(
    path: Option<&Path>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(p) => {
            let file = std::fs::File::create(p).map_err(|e| Error::io(p, e))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 18, file);
            f(&mut w)
                .and_then(|_| w.flush())
                .map_err(|e| Error::io(p, e))
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 18, stdout.lock());
            match f(&mut w).and_then(|_| w.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| Error::io("stdout", e)),
            }
        }
    }
}
