//! Saving books to disk without ever leaving half a file under a final name:
//! each file is written to a temporary name in the same folder, synced, and
//! renamed into place; the folder's [`manifest`] records what was saved, so
//! that a rerun skips books already saved whole (resume) and fetches missing
//! or damaged ones again. Temporary files a killed run left behind are
//! removed when the folder is opened.
//!
//! Every temporary is created with `O_CREAT|O_EXCL` under a name no one can
//! guess (the `tempfile` crate), so a symlink planted in a shared folder is
//! never followed; a final name is only ever replaced by a rename, and only
//! when what is there is a regular file.

pub mod manifest;

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::book::BookId;
use crate::fetch::Fetched;
pub use manifest::{Entry, MANIFEST_FILE, Manifest, sha256_hex};

/// A failure to save, naming the file and what the system said.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {}: {source}", path.display())]
pub struct StoreError {
    /// What was being done (`write`, `rename into`).
    pub action: &'static str,
    /// The file or folder.
    pub path: PathBuf,
    /// What the system said.
    #[source]
    pub source: io::Error,
}

impl StoreError {
    /// Whether the write was refused because something other than a
    /// regular file (a symbolic link, a FIFO …) holds the final name: a
    /// fault of that one name, not of the disk.
    pub fn is_refused_name(&self) -> bool {
        self.action == "replace"
    }

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

/// What kind of thing is at `path`, in words, when it is there and is not a
/// regular file (a symbolic link, a FIFO, a device, a folder).
pub fn not_regular(path: &Path) -> Option<&'static str> {
    let kind = fs::symlink_metadata(path).ok()?.file_type();
    Some(if kind.is_file() {
        return None;
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    })
}

/// A new temporary file in `dir` for `name`: `.{name}.{pid}.{random}.part`,
/// created with `O_EXCL` (never through a symlink) and removed when dropped
/// unless persisted. The pid tells later runs whether its writer is alive.
pub fn temporary(dir: &Path, name: &str) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(".{name}.{}.", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .rand_bytes(12)
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
}

/// Writes `bytes` to `dir/name` atomically: readers see the old file or the
/// whole new one, never a part. With `sync`, the data reaches the disk before
/// the rename, so a power cut cannot leave an empty file under the final name.
/// What is at `dir/name` is only replaced when it is a regular file.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    sync: bool,
) -> Result<PathBuf, StoreError> {
    write_temporary(dir, name, sync, |file| file.write_all(bytes))
}

/// Writes what `write` writes to `dir/name` atomically, as [`write_atomic`]
/// does, through a buffer: for files too large to be made in memory first.
pub fn write_atomic_with(
    dir: &Path,
    name: &str,
    sync: bool,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<PathBuf, StoreError> {
    write_temporary(dir, name, sync, |file| {
        let mut out = io::BufWriter::with_capacity(256 << 10, file);
        write(&mut out)?;
        out.flush()
    })
}

/// Writes a temporary file for `dir/name` with `write`, syncs it (with
/// `sync`) and renames it into place.
fn write_temporary(
    dir: &Path,
    name: &str,
    sync: bool,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> Result<PathBuf, StoreError> {
    let target = dir.join(name);
    refuse_non_regular(&target)?;
    let mut temp =
        temporary(dir, name).map_err(|e| StoreError::new("create a temporary file in", dir, e))?;
    write(temp.as_file_mut()).map_err(|e| StoreError::new("write", temp.path(), e))?;
    if sync {
        temp.as_file()
            .sync_all()
            .map_err(|e| StoreError::new("sync", temp.path(), e))?;
    }
    // A failed rename drops (and so removes) the temporary.
    temp.persist(&target)
        .map_err(|e| StoreError::new("rename into", &target, e.error))?;
    Ok(target)
}

/// An error when `path` holds something other than a regular file.
fn refuse_non_regular(path: &Path) -> Result<(), StoreError> {
    match not_regular(path) {
        None => Ok(()),
        Some(kind) => Err(StoreError::new(
            "replace",
            path,
            io::Error::other(format!(
                "it is {kind}; gutenpipe replaces only regular files"
            )),
        )),
    }
}

/// Whether `file` is a name the store writes in an output folder: a book
/// (`84.txt`), the manifest or the probe of a folder. (`--emit` recognises
/// its own files.)
fn is_output_name(file: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    file == MANIFEST_FILE
        || file == "gutenpipe-probe"
        || file.strip_suffix(".txt").is_some_and(digits)
}

/// Whether `name` is a temporary file gutenpipe wrote for a file `ours`
/// accepts (`.{file}.{pid}.{random}.part`, or `.{file}.{pid}.{n}.part` as
/// older versions named them), and if so the process that wrote it.
fn temporary_owner(name: &str, ours: impl Fn(&str) -> bool) -> Option<i32> {
    let inner = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let mut fields = inner.rsplitn(3, '.');
    let random = fields.next()?;
    let pid = fields.next()?;
    let file = fields.next()?;
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let alphanumeric = !random.is_empty() && random.bytes().all(|b| b.is_ascii_alphanumeric());
    (ours(file) && alphanumeric && numeric(pid))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether process `pid` is running (it may be writing its temporaries).
fn process_alive(pid: i32) -> bool {
    if pid <= 0 || pid == std::process::id() as i32 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Removes the temporary files of gutenpipe's own output files (books, the
/// manifest, `--emit` files) that runs no longer alive left in `dir`;
/// returns how many.
pub fn remove_leftovers(dir: &Path) -> Result<usize, StoreError> {
    remove_leftovers_of(dir, is_output_name)
}

/// Removes the temporaries of `name` (a report file) that runs no longer
/// alive left in `dir`; returns how many.
pub fn remove_leftovers_named(dir: &Path, name: &str) -> Result<usize, StoreError> {
    remove_leftovers_of(dir, |file| file == name)
}

/// Removes the temporaries of the files `ours` accepts that runs no longer
/// alive left in `dir`; returns how many.
pub fn remove_leftovers_of(dir: &Path, ours: impl Fn(&str) -> bool) -> Result<usize, StoreError> {
    let mut removed = 0;
    let entries = fs::read_dir(dir).map_err(|e| StoreError::new("list", dir, e))?;
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let removable = entry
            .file_type()
            .is_ok_and(|t| t.is_file() || t.is_symlink());
        if let Some(pid) = temporary_owner(&name, &ours).filter(|_| removable) {
            if !process_alive(pid) {
                let path = entry.path();
                fs::remove_file(&path)
                    .map_err(|e| StoreError::new("remove the leftover", &path, e))?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Creates `parent/name` (if need be) as a real folder inside `parent`;
/// a symbolic link or anything else but a folder there is refused, so that
/// nothing gutenpipe writes under `parent` ends up elsewhere.
pub fn real_subfolder(parent: &Path, name: &str) -> Result<PathBuf, StoreError> {
    let dir = parent.join(name);
    fs::create_dir_all(parent).map_err(|e| StoreError::new("create the folder", parent, e))?;
    match fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(StoreError::new("create the folder", &dir, e)),
    }
    match fs::symlink_metadata(&dir) {
        Ok(m) if m.file_type().is_dir() => Ok(dir),
        Ok(_) => Err(StoreError::new(
            "create the folder",
            &dir,
            io::Error::other(format!(
                "it is {}, not a folder gutenpipe made; remove it or choose another --out",
                not_regular(&dir).unwrap_or("a file")
            )),
        )),
        Err(e) => Err(StoreError::new("create the folder", &dir, e)),
    }
}

/// A book found already saved and matching the manifest: no request needed.
#[derive(Debug, Clone)]
pub struct Resumed {
    /// Where it is saved.
    pub path: PathBuf,
    /// Its bytes, read back.
    pub bytes: Vec<u8>,
    /// Its manifest entry.
    pub entry: Entry,
}

impl Resumed {
    /// The book as if just downloaded, for the stages after saving.
    pub fn into_fetched(self) -> Fetched {
        Fetched {
            url: self.entry.url,
            layout: None,
            bytes: self.bytes,
            charset: (!self.entry.encoding.is_empty()).then_some(self.entry.encoding),
            retries: 0,
            suspect: None,
            validators: self.entry.validators,
        }
    }
}

/// The folder books are saved in.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    sync: bool,
    /// Fetch every book, even one already saved (`--force`).
    force: bool,
    /// Ask the source whether each book already saved has changed
    /// (`--refresh`).
    refresh: bool,
    manifest: Arc<Manifest>,
    notes: Vec<String>,
    /// The folder's lock, when opened with [`Store::open_locked`].
    lock: Option<Arc<crate::lock::FolderLock>>,
}

impl Store {
    /// Opens (creating if need be) the output folder and proves it writable,
    /// so that a wrong `--out` is reported before any download starts; reads
    /// its manifest and removes temporary files left by killed runs.
    pub fn open(dir: &Path, sync: bool) -> Result<Store, StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError::new("create the folder", dir, e))?;
        // Proves the folder writable; removed when dropped.
        temporary(dir, "gutenpipe-probe").map_err(|e| StoreError::new("write in", dir, e))?;
        let mut notes = Vec::new();
        let removed = remove_leftovers(dir)?;
        if removed > 0 {
            notes.push(format!(
                "removed {removed} temporary file(s) an interrupted run left in {}",
                dir.display()
            ));
        }
        let (manifest, manifest_notes) = Manifest::load(dir, sync)?;
        notes.extend(manifest_notes);
        Ok(Store {
            dir: dir.to_path_buf(),
            sync,
            force: false,
            refresh: false,
            manifest: Arc::new(manifest),
            notes,
            lock: None,
        })
    }

    /// Opens the folder as [`Store::open`] does, after taking its lock
    /// ([`crate::lock`]) so that no other run writes into it meanwhile; when
    /// another run holds it, `waiting` is told its pid and this one waits.
    /// The lock is held as long as the store (or a clone) lives.
    pub fn open_locked(
        dir: &Path,
        sync: bool,
        waiting: impl FnOnce(Option<u32>),
    ) -> Result<Store, StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError::new("create the folder", dir, e))?;
        let lock = crate::lock::FolderLock::acquire(dir, waiting).map_err(|e| {
            let source = match e {
                crate::lock::LockError::Io { source, .. } => source,
                other => io::Error::new(io::ErrorKind::Interrupted, other.to_string()),
            };
            StoreError::new("lock", dir, source)
        })?;
        let mut store = Store::open(dir, sync)?;
        store.lock = Some(Arc::new(lock));
        Ok(store)
    }

    /// With `force`, [`Store::resume`] never skips a book.
    pub fn with_force(mut self, force: bool) -> Store {
        self.force = force;
        self
    }

    /// With `refresh`, a book already saved is not simply resumed: the
    /// download step asks its source whether it has changed.
    pub fn with_refresh(mut self, refresh: bool) -> Store {
        self.refresh = refresh;
        self
    }

    /// Whether books already saved are to be checked with their source.
    pub fn refreshes(&self) -> bool {
        self.refresh
    }

    /// What opening the folder found worth telling (leftovers removed,
    /// manifest lines ignored).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The manifest of the folder.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Book `id` as already saved, when its file is there and matches its
    /// manifest entry byte for byte (size and SHA-256); `None` when it must
    /// be fetched (never saved, missing, damaged, or `--force`). An entry
    /// whose file does not match is dropped.
    pub fn resume(&self, id: BookId) -> Option<Resumed> {
        if self.force {
            return None;
        }
        // A suspect entry is not verified: fetch the book again.
        let entry = self.manifest.get(id).filter(|e| e.suspect.is_none())?;
        let path = self.path_of(id);
        let matches = fs::metadata(&path)
            .ok()
            .filter(|m| m.len() == entry.bytes)
            .and_then(|_| fs::read(&path).ok())
            .filter(|b| b.len() as u64 == entry.bytes && sha256_hex(b) == entry.sha256);
        match matches {
            Some(bytes) => Some(Resumed { path, bytes, entry }),
            None => {
                self.manifest.forget(id);
                None
            }
        }
    }

    /// Saves a downloaded book under its id's file name and records it in
    /// the manifest.
    pub fn save_book(&self, id: BookId, fetched: &Fetched) -> Result<PathBuf, StoreError> {
        let path = self.save(id, &fetched.bytes)?;
        // What the server declared, until the decode step says what the
        // text really decoded from (`Manifest::describe`).
        let encoding = fetched.charset.as_deref().unwrap_or("");
        let mut entry = manifest::entry_for(id, &fetched.url, &fetched.bytes, encoding);
        entry.suspect = fetched.suspect.clone();
        entry.validators = fetched.validators.clone();
        self.manifest.record(entry)?;
        Ok(path)
    }

    /// Writes the manifest entries not written yet; call at the end of a run.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.manifest.flush()
    }

    /// The output folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates (if need be) the folder `name` inside this output folder, as
    /// a real folder: one that is a symbolic link or not a folder is
    /// refused, so that nothing is written outside the output folder.
    pub fn subfolder(&self, name: &str) -> Result<PathBuf, StoreError> {
        real_subfolder(&self.dir, name)
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
    fn temporaries_are_recognised() {
        let owner = |name: &str| temporary_owner(name, is_output_name);
        assert_eq!(owner(".84.txt.4242.7.part"), Some(4242));
        assert_eq!(owner(".84.txt.4242.aZ09bQ3xYt1k.part"), Some(4242));
        assert_eq!(owner(".manifest.jsonl.1.0.part"), Some(1));
        assert_eq!(owner(".gutenpipe-probe.9.0.part"), Some(9));
        assert_eq!(owner(".thesis.tex.1.0.part"), None);
        assert_eq!(
            owner(".PG31_text.txt.77.3.part"),
            None,
            "emit's, not the store's"
        );
        assert_eq!(owner("84.txt"), None);
        assert_eq!(owner(".84.txt.x.7.part"), None);
        assert_eq!(owner(".84.txt.7.a-b.part"), None);
        // A temporary made now is recognised as this process's.
        let dir = tempfile::tempdir().unwrap();
        let t = temporary(dir.path(), "84.txt").unwrap();
        let name = t.path().file_name().unwrap().to_str().unwrap();
        assert_eq!(owner(name), Some(std::process::id() as i32));
    }

    #[test]
    fn symlinks_and_special_files_are_never_replaced_or_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join("84.txt")).unwrap();
        let err = write_atomic(&out, "84.txt", b"book", false).unwrap_err();
        assert!(err.to_string().contains("it is a symbolic link"), "{err}");
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(
            fs::symlink_metadata(out.join("84.txt"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // The names temporaries had before: a planted link is never followed.
        for n in 0..4 {
            let planted = out.join(format!(".85.txt.{}.{n}.part", std::process::id()));
            std::os::unix::fs::symlink(&victim, planted).unwrap();
        }
        write_atomic(&out, "85.txt", b"book", false).unwrap();
        assert_eq!(fs::read(out.join("85.txt")).unwrap(), b"book");
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
    }

    #[test]
    fn leftovers_of_dead_runs_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        // pid 0 is never a run; this process is alive but cannot be writing yet.
        let dead = dir.path().join(".84.txt.0.3.part");
        let dead_emit = dir.path().join(".results.jsonl.0.Qx7.part");
        let own = dir
            .path()
            .join(format!(".85.txt.{}.0.part", std::process::id()));
        let alive = dir.path().join(".86.txt.1.0.part"); // pid 1 (init) is always alive
        let foreign = dir.path().join(".notes.md.0.0.part");
        for p in [&dead, &own, &alive, &foreign, &dead_emit] {
            fs::write(p, b"partial").unwrap();
        }
        let store = Store::open(dir.path(), false).unwrap();
        assert!(!dead.exists() && !own.exists());
        assert!(alive.exists() && foreign.exists());
        assert!(store.notes()[0].contains("removed 2 temporary file(s)"));
        // --emit's own temporaries are --emit's to remove.
        assert!(dead_emit.exists());
    }

    #[test]
    fn a_saved_book_resumes_until_it_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let fetched = Fetched {
            url: "http://m/files/84/84-8.txt".into(),
            layout: None,
            bytes: b"Caf\xe9 au lait".to_vec(),
            charset: None,
            retries: 0,
            suspect: None,
            validators: crate::fetch::Validators {
                etag: Some("\"e1\"".into()),
                last_modified: None,
            },
        };
        let store = Store::open(dir.path(), false).unwrap();
        assert!(store.resume(BookId(84)).is_none());
        store.save_book(BookId(84), &fetched).unwrap();
        store.flush().unwrap();
        let store = Store::open(dir.path(), false).unwrap();
        let resumed = store.resume(BookId(84)).unwrap();
        assert_eq!(resumed.bytes, fetched.bytes);
        // No charset declared: the entry says what the text decodes from
        // once the decode step has described it, nothing before.
        assert_eq!(resumed.entry.encoding, "");
        assert_eq!(resumed.clone().into_fetched().charset, None);
        assert_eq!(resumed.entry.url, fetched.url);
        assert_eq!(
            resumed.entry.validators, fetched.validators,
            "kept for --refresh"
        );
        assert!(store.clone().with_force(true).resume(BookId(84)).is_none());
        fs::write(dir.path().join("84.txt"), b"Caf\xe9 au laiT").unwrap();
        assert!(store.resume(BookId(84)).is_none(), "same size, other bytes");
        assert!(store.manifest().get(BookId(84)).is_none());
        fs::remove_file(dir.path().join("84.txt")).unwrap();
        assert!(store.resume(BookId(84)).is_none());
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
