//! Writing a file so that no reader ever sees half of it: the one place where the crate
//! replaces a file (models saved by `nn::io`, every figure and array the command line
//! writes).

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

// ANCHOR: write_atomically
/// Writes `bytes` to `path` atomically: into a fresh temporary file beside it (created
/// exclusively, so an existing file or symbolic link of that name is never followed), flushed
/// to disk, then renamed over `path`, and the directory flushed so the rename survives a
/// crash. On any error the temporary file is removed and `path` is as it was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let (tmp, mut file) = create_temporary(path)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(&tmp, e))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    // Flushing the directory makes the rename durable; not every platform can open one.
    if let Ok(dir) = File::open(directory_of(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}
// ANCHOR_END: write_atomically

/// A new file `.NAME.PID.K.tmp` beside `path`, created exclusively: K counts up past names
/// that already exist.
fn create_temporary(path: &Path) -> Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::io(path, std::io::ErrorKind::InvalidInput.into()))?;
    let dir = directory_of(path);
    for k in 0..1000 {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.{k}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    }
    Err(Error::io(
        path,
        std::io::Error::other("no free temporary name beside it"),
    ))
}

/// The directory `path` is in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
