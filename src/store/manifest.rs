//! The manifest of an output folder: one JSON line per saved book (id, URL,
//! size, SHA-256, encoding, when it was saved, the source's validators, and
//! the metadata its header states once `clean` has read it), so that a rerun can tell a book already
//! saved whole from one missing or damaged without asking the server.
//!
//! The file is only ever replaced whole (written aside, synced, renamed), so
//! it is never torn. It is rewritten in batches — when the books saved since
//! the last write reach half of those listed (at least 64), when a few
//! seconds have passed, and at the end of a run — so a large run writes it
//! O(log n) times, not once per book, and a run killed loses at most the
//! last few seconds of entries. A run killed between two writes leaves
//! an older manifest that lacks its last books: those are fetched again, and
//! nothing is ever skipped on the manifest's word alone, since a book is
//! resumed only when its file's size and SHA-256 match its line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{StoreError, write_atomic_with};
use crate::book::BookId;
use crate::fetch::Validators;
use crate::gutenberg::Metadata;

/// The manifest's name in an output folder.
pub const MANIFEST_FILE: &str = "manifest.jsonl";
/// Fewest new entries that trigger a rewrite.
const BATCH_MIN: usize = 64;
/// Longest time new entries wait for a rewrite while books keep coming.
const BATCH_AGE: Duration = Duration::from_secs(5);

/// One saved book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The ebook number.
    pub id: BookId,
    /// Where it was downloaded from.
    pub url: String,
    /// Size of the saved file.
    pub bytes: u64,
    /// SHA-256 of the saved file, in lower-case hex.
    pub sha256: String,
    /// What its text decodes from (`UTF-8`, `windows-1252`, …); until the
    /// book is decoded, the charset the server declared (empty for none).
    pub encoding: String,
    /// When it was saved (RFC 3339, UTC).
    pub saved_at: String,
    /// What the book's header states (title, author, …), once the `clean`
    /// stage has read it; absent before, and in manifests of older runs.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Why the saved body may not be the book (an HTML page, a body cut
    /// short without Gutenberg's END marker). Such an entry is not verified:
    /// the book is fetched again by the next run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspect: Option<String>,
    /// What identified the file's version at its source (`etag`,
    /// `last_modified`), for `--refresh`; absent when the source sent
    /// neither, and in manifests of older runs.
    #[serde(default, flatten)]
    pub validators: Validators,
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[derive(Debug)]
struct State {
    entries: BTreeMap<BookId, Entry>,
    /// Entries added or dropped and not yet written: what makes a batch.
    pending: usize,
    /// Entries described anew and not yet written: written with the next
    /// batch (or flush), never a reason for one.
    described: usize,
    last_write: Instant,
}

/// The manifest of one output folder, shared by the save workers.
#[derive(Debug)]
pub struct Manifest {
    dir: PathBuf,
    sync: bool,
    state: Mutex<State>,
}

impl Manifest {
    /// Reads the manifest in `dir` (none yet is an empty one). Lines that do
    /// not parse are left out, and said so in the returned notes: their books
    /// are simply fetched again.
    pub fn load(dir: &Path, sync: bool) -> Result<(Manifest, Vec<String>), StoreError> {
        let path = dir.join(MANIFEST_FILE);
        let mut entries = BTreeMap::new();
        let mut notes = Vec::new();
        match fs::read(&path) {
            Ok(bytes) => {
                let mut bad = 0;
                // Line by line, as bytes: a line that is not UTF-8 is one
                // bad line, not a manifest that cannot be read.
                for line in bytes
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.trim_ascii().is_empty())
                {
                    match serde_json::from_slice::<Entry>(line) {
                        Ok(entry) => {
                            entries.insert(entry.id, entry);
                        }
                        Err(_) => bad += 1,
                    }
                }
                if bad > 0 {
                    notes.push(format!(
                        "note: {bad} line(s) of {} are not manifest entries; their books will be fetched again",
                        path.display()
                    ));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::new("read", &path, e)),
        }
        let manifest = Manifest {
            dir: dir.to_path_buf(),
            sync,
            state: Mutex::new(State {
                entries,
                pending: 0,
                described: 0,
                last_write: Instant::now(),
            }),
        };
        Ok((manifest, notes))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry of book `id`, if any.
    pub fn get(&self, id: BookId) -> Option<Entry> {
        self.state().entries.get(&id).cloned()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.state().entries.len()
    }

    /// Whether no book is listed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a book just saved; rewrites the file when a batch is due.
    pub fn record(&self, entry: Entry) -> Result<(), StoreError> {
        let mut state = self.state();
        state.entries.insert(entry.id, entry);
        state.pending += 1;
        let due = state.pending >= BATCH_MIN.max(state.entries.len() / 2)
            || state.last_write.elapsed() >= BATCH_AGE;
        if due {
            self.write(&mut state)?;
        }
        Ok(())
    }

    /// Records what book `id`'s text decoded from and what its header
    /// states; written with the next batch (or flush). Nothing happens for a
    /// book without an entry or when the entry already says the same.
    pub fn describe(&self, id: BookId, encoding: Option<&str>, metadata: &Metadata) {
        let mut state = self.state();
        if let Some(entry) = state.entries.get_mut(&id) {
            let mut changed = false;
            if let Some(e) = encoding.filter(|e| *e != entry.encoding) {
                entry.encoding = e.to_string();
                changed = true;
            }
            if !metadata.is_empty() && entry.metadata != *metadata {
                entry.metadata = metadata.clone();
                changed = true;
            }
            state.described += usize::from(changed);
        }
    }

    /// Records new validators for book `id`, whose saved copy its source
    /// has just confirmed; written with the next batch (or flush).
    pub fn revalidated(&self, id: BookId, validators: &Validators) {
        let mut state = self.state();
        if let Some(entry) = state.entries.get_mut(&id) {
            if !validators.is_empty() && entry.validators != *validators {
                entry.validators = validators.clone();
                state.pending += 1;
            }
        }
    }

    /// Drops the entry of a book whose file no longer matches it.
    pub fn forget(&self, id: BookId) {
        let mut state = self.state();
        if state.entries.remove(&id).is_some() {
            state.pending += 1;
        }
    }

    /// Writes what is not written yet.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.pending + state.described > 0 {
            self.write(&mut state)?;
        }
        Ok(())
    }

    fn write(&self, state: &mut State) -> Result<(), StoreError> {
        // Line by line into the file's buffer: a manifest of many books is
        // never made whole in memory.
        write_atomic_with(&self.dir, MANIFEST_FILE, self.sync, |out| {
            for entry in state.entries.values() {
                serde_json::to_writer(&mut *out, entry).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })?;
        state.pending = 0;
        state.described = 0;
        state.last_write = Instant::now();
        Ok(())
    }
}

impl Drop for Manifest {
    /// Writes what is not written yet, so that books saved are recorded
    /// even when a run ends by a panic unwinding or an early return.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The entry for `bytes` saved now as book `id`.
pub fn entry_for(id: BookId, url: &str, bytes: &[u8], encoding: &str) -> Entry {
    Entry {
        id,
        url: crate::fetch::without_userinfo(url),
        bytes: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        encoding: encoding.to_string(),
        saved_at: crate::clock::rfc3339(SystemTime::now()),
        metadata: Metadata::default(),
        suspect: None,
        validators: Validators::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_strings() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn entries_survive_a_reload_and_bad_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let (m, notes) = Manifest::load(dir.path(), false).unwrap();
        assert!(m.is_empty() && notes.is_empty());
        m.record(entry_for(BookId(84), "http://x/84", b"abc", "UTF-8"))
            .unwrap();
        m.record(entry_for(BookId(11), "http://x/11", b"", "windows-1252"))
            .unwrap();
        // Not yet due: nothing written until the flush.
        assert!(!dir.path().join(MANIFEST_FILE).exists());
        m.flush().unwrap();
        let text = fs::read_to_string(dir.path().join(MANIFEST_FILE)).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with("{\"id\":11,"), "sorted by id: {text}");
        fs::write(
            dir.path().join(MANIFEST_FILE),
            format!("{text}{{\"id\":12,\"url\":\n"),
        )
        .unwrap();
        let (again, notes) = Manifest::load(dir.path(), false).unwrap();
        assert_eq!(again.len(), 2);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let e = again.get(BookId(84)).unwrap();
        assert_eq!(e.bytes, 3);
        assert_eq!(e.sha256, sha256_hex(b"abc"));
        assert!(e.saved_at.ends_with('Z'));
    }

    #[test]
    fn metadata_is_recorded_once_described_and_old_lines_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        // A line as runs before metadata wrote it.
        fs::write(
            &path,
            "{\"id\":84,\"url\":\"u\",\"bytes\":3,\"sha256\":\"x\",\"encoding\":\"UTF-8\",\"saved_at\":\"t\"}\n",
        )
        .unwrap();
        let (m, notes) = Manifest::load(dir.path(), false).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let metadata = Metadata {
            title: Some("Frankenstein".into()),
            ebook: Some(84),
            ..Metadata::default()
        };
        m.describe(BookId(84), Some("windows-1252"), &metadata);
        m.describe(BookId(85), Some("UTF-8"), &metadata); // no entry: nothing to describe
        m.flush().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with(",\"metadata\":{\"title\":\"Frankenstein\",\"ebook\":84}}\n"),
            "{text}"
        );
        let (again, _) = Manifest::load(dir.path(), false).unwrap();
        let entry = again.get(BookId(84)).unwrap();
        assert_eq!(entry.metadata, metadata);
        assert_eq!(entry.encoding, "windows-1252");
        assert_eq!(again.len(), 1);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let (m, _) = Manifest::load(dir.path(), false).unwrap();
        m.record(entry_for(BookId(84), "http://x/84", b"abc", "UTF-8"))
            .unwrap();
        m.record(entry_for(BookId(85), "http://x/85", b"abd", "UTF-8"))
            .unwrap();
        m.flush().unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        let mut bytes = fs::read(&path).unwrap();
        bytes.splice(
            0..0,
            b"{\"id\":9,\"url\":\"\xff\"}\n\xfe\xfe\n".iter().copied(),
        );
        fs::write(&path, bytes).unwrap();
        let (again, notes) = Manifest::load(dir.path(), false).unwrap();
        assert_eq!(again.len(), 2);
        assert!(notes[0].starts_with("note: 2 line(s)"), "{notes:?}");
    }

    #[test]
    fn entries_not_yet_written_are_written_when_the_manifest_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (m, _) = Manifest::load(dir.path(), false).unwrap();
        m.record(entry_for(BookId(84), "http://x/84", b"abc", "UTF-8"))
            .unwrap();
        assert!(!dir.path().join(MANIFEST_FILE).exists());
        drop(m);
        let (again, _) = Manifest::load(dir.path(), false).unwrap();
        assert_eq!(again.len(), 1);
    }

    #[test]
    fn large_runs_write_in_batches() {
        let dir = tempfile::tempdir().unwrap();
        let (m, _) = Manifest::load(dir.path(), false).unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        let mut writes = 0;
        let mut last = None;
        for i in 1..=2000 {
            m.record(entry_for(BookId(i), "u", b"x", "UTF-8")).unwrap();
            let stamp = fs::metadata(&path).ok().map(|md| md.len());
            if stamp != last {
                writes += 1;
                last = stamp;
            }
        }
        assert!(
            (5..40).contains(&writes),
            "{writes} rewrites for 2000 books"
        );
        m.flush().unwrap();
        let (again, _) = Manifest::load(dir.path(), false).unwrap();
        assert_eq!(again.len(), 2000);
    }
}
