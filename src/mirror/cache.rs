//! The mirror's memory of the files it serves: a file's bytes are read once,
//! on its first request, and kept, so that later requests for it are
//! answered from memory in one write, as a real server answers from its
//! cache, rather than read from the file again each time. The mirror
//! shares its machine's processors with the client it is measured with, so
//! the less work a response costs the mirror, the less the client's figures
//! carry of it.
//!
//! A file whose size or modification time has changed since it was kept is
//! read again. Only files up to [`MAX_FILE`] are kept, and no more bytes in
//! all than the mirror's budget (`gutenpipe mirror --cache-mb`): past it,
//! files are served from disk.

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The largest file kept in memory.
pub const MAX_FILE: u64 = 32 << 20;

/// Files' bytes by path, with the size and modification time they were
/// read at.
#[derive(Debug)]
pub struct FileCache {
    budget: u64,
    max_file: u64,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    bytes: u64,
    files: HashMap<PathBuf, Entry>,
}

#[derive(Debug)]
struct Entry {
    len: u64,
    modified: Option<SystemTime>,
    bytes: Arc<[u8]>,
}

impl FileCache {
    /// A cache that keeps files of up to `max_file` bytes, `budget` bytes
    /// in all.
    pub fn new(budget: u64, max_file: u64) -> FileCache {
        FileCache {
            budget,
            max_file,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// The bytes of the file at `path` (opened as `file`, described by
    /// `meta`): kept ones if the file has the same size and modification
    /// time as when they were read, else read now from `file` and kept if
    /// they fit. `None` when the file is not kept (too large, or the
    /// budget is spent): serve it from `file`, which has not been read.
    pub fn bytes(
        &self,
        path: &Path,
        file: &mut File,
        meta: &Metadata,
    ) -> io::Result<Option<Arc<[u8]>>> {
        let (len, modified) = (meta.len(), meta.modified().ok());
        if len > self.max_file || len > self.budget {
            return Ok(None);
        }
        {
            let Ok(kept) = self.kept.lock() else {
                return Ok(None);
            };
            match kept.files.get(path) {
                Some(e) if e.len == len && e.modified == modified => {
                    return Ok(Some(e.bytes.clone()));
                }
                // Replaced on disk: read again below (its old bytes are
                // given back to the budget then).
                Some(_) => {}
                None if kept.bytes + len > self.budget => return Ok(None),
                None => {}
            }
        }
        let mut read = Vec::with_capacity(len as usize);
        // One byte more than the file had: a file that grew since its
        // metadata was read is not kept under the old size.
        file.take(len + 1).read_to_end(&mut read)?;
        let bytes: Arc<[u8]> = read.into();
        if bytes.len() as u64 != len {
            return Ok(Some(bytes));
        }
        if let Ok(mut kept) = self.kept.lock() {
            // The bytes of an older version leave the budget either way.
            if let Some(old) = kept.files.remove(path) {
                kept.bytes -= old.len;
            }
            if kept.bytes + len <= self.budget {
                kept.bytes += len;
                let entry = Entry {
                    len,
                    modified,
                    bytes: bytes.clone(),
                };
                kept.files.insert(path.to_path_buf(), entry);
            }
        }
        Ok(Some(bytes))
    }

    /// The bytes kept in memory.
    #[cfg(test)]
    fn kept_bytes(&self) -> u64 {
        self.kept.lock().map(|k| k.bytes).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::Duration;

    fn read(cache: &FileCache, path: &Path) -> Option<Arc<[u8]>> {
        let mut file = File::open(path).unwrap();
        let meta = file.metadata().unwrap();
        cache.bytes(path, &mut file, &meta).unwrap()
    }

    #[test]
    fn kept_bytes_are_served_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1.txt");
        fs::write(&path, b"first version").unwrap();
        let cache = FileCache::new(1 << 20, 1 << 20);
        let first = read(&cache, &path).unwrap();
        assert_eq!(&*first, b"first version");
        let again = read(&cache, &path).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second request is served from memory"
        );
        assert_eq!(cache.kept_bytes(), 13);

        // Replaced with other bytes (another size, a later time): read again.
        fs::write(&path, b"second, longer version").unwrap();
        let f = File::options().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::now() + Duration::from_secs(5))
            .unwrap();
        let changed = read(&cache, &path).unwrap();
        assert_eq!(&*changed, b"second, longer version");
        assert_eq!(cache.kept_bytes(), 22, "the old bytes left the budget");

        // Replaced by a version the budget cannot hold beside the other
        // files kept: served, and the older version no longer held.
        let small = FileCache::new(16, 1 << 20);
        let other = dir.path().join("2.txt");
        fs::write(&other, b"ten bytes!").unwrap();
        fs::write(&path, b"short").unwrap();
        read(&small, &other).unwrap();
        read(&small, &path).unwrap();
        assert_eq!(small.kept_bytes(), 15);
        fs::write(&path, b"seven b").unwrap();
        let f = File::options().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::now() + Duration::from_secs(9))
            .unwrap();
        assert_eq!(&*read(&small, &path).unwrap(), b"seven b");
        assert_eq!(small.kept_bytes(), 10, "only the other file is kept");
    }

    #[test]
    fn files_over_the_limits_are_served_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, big) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("big"),
        );
        fs::write(&a, [1u8; 60]).unwrap();
        fs::write(&b, [2u8; 60]).unwrap();
        fs::write(&big, [3u8; 200]).unwrap();
        let cache = FileCache::new(100, 100);
        assert!(read(&cache, &big).is_none(), "larger than a file may be");
        assert_eq!(read(&cache, &a).unwrap().len(), 60);
        assert!(read(&cache, &b).is_none(), "past the budget");
        assert_eq!(cache.kept_bytes(), 60);
    }
}
