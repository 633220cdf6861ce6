//! Reading the files a user names (`--ids-file`, `--catalog`): only regular
//! files and pipes (`<(…)`, `/dev/stdin` from a pipe) are read, and never
//! more than a cap, so that `/dev/zero`, a folder or a huge file is refused
//! with a message instead of filling the memory.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use crate::units::format_bytes;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Opening or reading the file failed.
    #[error("could not read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The path is a folder, a device or a socket.
    #[error("{} is {kind}, not a file gutenpipe can read to its end", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`a folder`).
        kind: &'static str,
    },
    /// The file holds more than the limit.
    #[error("{} is larger than the limit of {}", path.display(), format_bytes(*limit))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
}

/// The bytes of `path`, a regular file or a pipe of at most `limit` bytes.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let io_error = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let kind = std::fs::metadata(path).map_err(io_error)?.file_type();
    let refused = if kind.is_dir() {
        Some("a folder")
    } else if kind.is_char_device() || kind.is_block_device() {
        Some("a device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        None
    };
    if let Some(kind) = refused {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            kind,
        });
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(limit.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_oversized_files_are_refused() {
        let err = read_capped(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("is a device"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = read_capped(dir.path(), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("is a folder"), "{err}");
        let file = dir.path().join("ids.txt");
        std::fs::write(&file, b"84\n1342\n").unwrap();
        assert_eq!(read_capped(&file, 8).unwrap(), b"84\n1342\n");
        let err = read_capped(&file, 7).unwrap_err();
        assert!(
            err.to_string().contains("larger than the limit of 7 B"),
            "{err}"
        );
    }
}
