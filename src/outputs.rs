//! The report files a user names (`--json`, `--trace`, `--timeline`, the
//! sweep's `--json` and `--svg`), checked before any work starts: `-` means
//! standard output; an existing path must be a regular file (a symbolic
//! link, a FIFO or a device there is refused, never replaced); and its
//! folder must exist or be creatable, and be writable. A wrong path is
//! thus reported at once, not after an hour of downloads.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::store::{not_regular, temporary};

/// The name that means standard output.
pub const STDOUT: &str = "-";

/// Whether `path` is `-`, standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == STDOUT
}

/// A report path that cannot be written, with the flag that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputError {
    /// The flag that named the path (`--json`).
    pub flag: String,
    /// The path given.
    pub path: PathBuf,
    /// Why it cannot be written.
    pub problem: String,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.flag, self.path.display(), self.problem)
    }
}

impl std::error::Error for OutputError {}

/// Checks that `path`, named by `flag`, can take a report (see the module
/// docs); creates its folder if need be.
pub fn check(flag: &str, path: &Path) -> Result<(), OutputError> {
    let error = |problem: String| OutputError {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        problem,
    };
    if is_stdout(path) {
        return Ok(());
    }
    if let Some(kind) = not_regular(path) {
        return Err(error(format!(
            "it is {kind}; reports are written only to regular files (or `-` for standard output)"
        )));
    }
    let dir = folder_of(path);
    std::fs::create_dir_all(dir).map_err(|e| {
        error(format!(
            "could not create its folder {}: {e}",
            dir.display()
        ))
    })?;
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    temporary(dir, &name).map_err(|e| {
        error(format!(
            "could not write in its folder {}: {e}",
            dir.display()
        ))
    })?;
    Ok(())
}

/// Checks every `(flag, path)`, and that at most one of them is `-`.
pub fn check_all<'a>(
    outputs: impl IntoIterator<Item = (&'a str, &'a Path)>,
) -> Result<(), OutputError> {
    let mut to_stdout: Option<&str> = None;
    for (flag, path) in outputs {
        check(flag, path)?;
        if is_stdout(path) {
            if let Some(first) = to_stdout {
                return Err(OutputError {
                    flag: flag.to_string(),
                    path: path.to_path_buf(),
                    problem: format!("{first} already writes to standard output"),
                });
            }
            to_stdout = Some(flag);
        }
    }
    Ok(())
}

/// The folder a report file goes in (`.` for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_new_files_and_stdout_pass() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("r.json");
        std::fs::write(&existing, b"{}").unwrap();
        check("--json", &existing).unwrap();
        check("--json", &dir.path().join("new/sub/r.json")).unwrap();
        assert!(dir.path().join("new/sub").is_dir());
        check("--json", Path::new("-")).unwrap();
        // The probe leaves nothing behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("new/sub"))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn links_fifos_devices_and_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &link).unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        for (path, kind) in [
            (link.as_path(), "a symbolic link"),
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/full"), "a device"),
            (dir.path(), "a folder"),
        ] {
            let err = check("--timeline", path).unwrap_err().to_string();
            assert!(err.starts_with("--timeline "), "{err}");
            assert!(err.contains(kind), "{err}");
        }
    }

    #[test]
    fn only_one_output_goes_to_stdout() {
        let err = check_all([("--json", Path::new("-")), ("--trace", Path::new("-"))])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--json already writes to standard output"),
            "{err}"
        );
    }
}
