//! The output folder is shared state: two runs writing into it at once
//! would each rewrite the manifest from their own view, and the last one
//! would drop the other's entries. A run therefore holds an advisory lock
//! (`flock`) on the file `.gutenpipe.lock` in the folder for as long as it
//! uses it; a second run waits until the first ends, told which process
//! holds the folder, and then reads the manifest the first one left.
//!
//! The lock file stays in the folder (removing it would let a third run
//! lock a new file while the second still holds the old one); it holds the
//! pid of the run that last took it. The kernel releases the lock when the
//! process ends, however it ends.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lock file's name in an output folder.
pub const LOCK_FILE: &str = ".gutenpipe.lock";

/// How often a waiting run tries the lock again.
const RETRY: Duration = Duration::from_millis(100);

/// Why a folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Creating or locking the lock file failed.
    #[error("could not lock {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Ctrl-C (or SIGTERM) came while waiting for the lock.
    #[error("interrupted while waiting for another gutenpipe run to finish with {}", dir.display())]
    Interrupted {
        /// The output folder.
        dir: PathBuf,
    },
}

/// A held lock on an output folder, released when dropped.
#[derive(Debug)]
pub struct FolderLock {
    // The lock lives as long as this descriptor.
    _file: File,
}

/// Tries `flock(operation | LOCK_NB)`; `Ok(false)` when another holds it.
fn try_flock(file: &File) -> io::Result<bool> {
    // SAFETY: flock on a descriptor this function borrows for the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EWOULDBLOCK) => Ok(false),
        Some(libc::EINTR) => try_flock(file),
        _ => Err(e),
    }
}

impl FolderLock {
    /// Locks `dir` (which must exist). When another run holds it, calls
    /// `waiting` once with that run's pid (if it wrote one) and waits until
    /// the lock is free, or until the run is interrupted (Ctrl-C).
    pub fn acquire(dir: &Path, waiting: impl FnOnce(Option<u32>)) -> Result<FolderLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io_error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o666)
            // Never through a symbolic link planted at the name.
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
            .map_err(io_error)?;
        if !try_flock(&file).map_err(io_error)? {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            waiting(text.trim().parse().ok());
            loop {
                if crate::interrupt::requested() {
                    return Err(LockError::Interrupted {
                        dir: dir.to_path_buf(),
                    });
                }
                std::thread::sleep(RETRY);
                if try_flock(&file).map_err(io_error)? {
                    break;
                }
            }
        }
        // Say who holds the folder, for the next run that finds it locked.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        Ok(FolderLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_second_holder_waits_for_the_first_and_is_told_its_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), |_| panic!("the folder was free")).unwrap();
        let (tx, rx) = mpsc::channel();
        let path = dir.path().to_path_buf();
        let second = std::thread::spawn(move || {
            let lock = FolderLock::acquire(&path, |pid| tx.send(pid).unwrap()).unwrap();
            drop(lock);
        });
        let pid = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(pid, Some(std::process::id()));
        assert!(!second.is_finished());
        drop(first);
        second.join().unwrap();
    }

    #[test]
    fn a_symlink_at_the_lock_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join(LOCK_FILE)).unwrap();
        assert!(FolderLock::acquire(&out, |_| {}).is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }
}
