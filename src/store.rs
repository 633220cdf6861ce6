//! Saving books to disk without ever leaving half a file under a final name:
//! each file is written to a temporary name in the same folder, synced, and
//! renamed into place.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::book::BookId;

/// A failure to save, naming the file and what the system said.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {}: {source}", path.display())]
pub struct StoreError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl StoreError {
    fn new(action: &'static str, path: &Path, source: io::Error) -> Self {
        StoreError {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Suffix of temporary files; anything ending in it is never a finished file.
pub const TEMP_SUFFIX: &str = ".part";

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `dir/name` atomically: readers see the old file or the
/// whole new one, never a part. With `sync`, the data reaches the disk before
/// the rename, so a power cut cannot leave an empty file under the final name.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    sync: bool,
) -> Result<PathBuf, StoreError> {
    let target = dir.join(name);
    let temp = dir.join(format!(
        ".{name}.{}.{}{TEMP_SUFFIX}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&temp).map_err(|e| StoreError::new("create", &temp, e))?;
        file.write_all(bytes)
            .map_err(|e| StoreError::new("write", &temp, e))?;
        if sync {
            file.sync_all()
                .map_err(|e| StoreError::new("sync", &temp, e))?;
        }
        drop(file);
        fs::rename(&temp, &target).map_err(|e| StoreError::new("rename into", &target, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map(|()| target)
}

/// The folder books are saved in.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    sync: bool,
}

impl Store {
    /// Opens (creating if need be) the output folder and proves it writable,
    /// so that a wrong `--out` is reported before any download starts.
    pub fn open(dir: &Path, sync: bool) -> Result<Store, StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError::new("create the folder", dir, e))?;
        let probe = dir.join(format!(
            ".gutenpipe-probe.{}{TEMP_SUFFIX}",
            std::process::id()
        ));
        File::create(&probe).map_err(|e| StoreError::new("write in", dir, e))?;
        let _ = fs::remove_file(&probe);
        Ok(Store {
            dir: dir.to_path_buf(),
            sync,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path book `id` is saved at.
    pub fn path_of(&self, id: BookId) -> PathBuf {
        self.dir.join(id.file_name())
    }

    /// Saves one book's bytes under its id's file name.
    pub fn save(&self, id: BookId, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        write_atomic(&self.dir, &id.file_name(), bytes, self.sync)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("gutenpipe-store-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn saves_replace_whole_files_and_leave_no_temporaries() {
        let dir = temp_dir("replace");
        let store = Store::open(&dir, true).unwrap();
        store.save(BookId(84), b"first version").unwrap();
        let path = store.save(BookId(84), b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["84.txt".to_string()]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unusable_folder_is_named_in_the_error() {
        let dir = temp_dir("file");
        fs::create_dir_all(dir.parent().unwrap()).unwrap();
        fs::write(&dir, b"a file, not a folder").unwrap();
        let err = Store::open(&dir, false).unwrap_err().to_string();
        assert!(err.contains(&dir.display().to_string()), "{err}");
        fs::remove_file(&dir).unwrap();
    }
}
