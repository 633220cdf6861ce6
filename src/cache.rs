//! gutenpipe's cache folder, where what can be made again is kept between
//! runs: downloaded catalogs (`catalogs/`) and generated synthetic corpora
//! (`corpus-books…`). It is `$GUTENPIPE_CACHE`, else
//! `$XDG_CACHE_HOME/gutenpipe`, else `~/.cache/gutenpipe`, else a folder in
//! the system's temporary folder.
//!
//! [`entries`] lists what it holds, with sizes; [`clear`] removes what
//! gutenpipe put there (corpora and catalogs) and leaves anything else, and
//! never follows a symbolic link.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The folder of downloaded catalogs, in the cache folder.
pub const CATALOGS: &str = "catalogs";
/// How the folder of a generated corpus begins its name.
pub const CORPUS_PREFIX: &str = "corpus-";

/// The cache folder (not created here).
pub fn root() -> PathBuf {
    std::env::var_os("GUTENPIPE_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("gutenpipe")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gutenpipe")))
        .unwrap_or_else(|| std::env::temp_dir().join("gutenpipe"))
}

/// What an entry of the cache folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A generated synthetic corpus (a folder).
    Corpus,
    /// A downloaded catalog (a file of `catalogs/`).
    Catalog,
    /// Something gutenpipe did not put there (left alone).
    Other,
}

impl Kind {
    /// The kind in a word.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Corpus => "corpus",
            Kind::Catalog => "catalog",
            Kind::Other => "other",
        }
    }
}

/// One thing kept in the cache folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it is.
    pub path: PathBuf,
    /// What it is.
    pub kind: Kind,
    /// Bytes of its files (the folder's, for a corpus).
    pub bytes: u64,
    /// When it was last changed, when known.
    pub modified: Option<SystemTime>,
}

/// The bytes of the files under `path`, symbolic links not followed.
fn size_of(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| size_of(&e.path()))
            .sum()
    })
}

/// The entry at `path`, of `kind` when it is what that kind should be (a
/// real folder for a corpus, a regular file for a catalog), else `Other`.
fn entry(path: PathBuf, kind: Kind) -> Option<Entry> {
    let meta = std::fs::symlink_metadata(&path).ok()?;
    let fits = match kind {
        Kind::Corpus => meta.is_dir(),
        Kind::Catalog => meta.is_file(),
        Kind::Other => true,
    };
    Some(Entry {
        bytes: size_of(&path),
        modified: meta.modified().ok(),
        kind: if fits { kind } else { Kind::Other },
        path,
    })
}

/// What the cache folder `root` holds: its corpora, the catalogs in its
/// `catalogs/` folder, and anything else, sorted by kind then name. A
/// folder that does not exist holds nothing.
pub fn entries(root: &Path) -> io::Result<Vec<Entry>> {
    let names = match std::fs::read_dir(root) {
        Ok(names) => names,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for name in names {
        let path = name?.path();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if file_name == CATALOGS && is_dir {
            for catalog in std::fs::read_dir(&path)? {
                out.extend(entry(catalog?.path(), Kind::Catalog));
            }
        } else if file_name.starts_with(CORPUS_PREFIX) {
            out.extend(entry(path, Kind::Corpus));
        } else {
            out.extend(entry(path, Kind::Other));
        }
    }
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.path.cmp(&b.path)));
    Ok(out)
}

/// A failure to remove an entry of the cache.
#[derive(Debug, thiserror::Error)]
#[error("could not remove {} from the cache: {source}", path.display())]
pub struct ClearError {
    /// The entry that could not be removed.
    pub path: PathBuf,
    /// What the system said.
    pub source: io::Error,
}

/// Removes the corpora and catalogs among `entries` (never an `Other`);
/// returns how many bytes that freed.
pub fn clear(entries: &[Entry]) -> Result<u64, ClearError> {
    let mut freed = 0;
    for e in entries {
        let removed = match e.kind {
            Kind::Corpus => std::fs::remove_dir_all(&e.path),
            Kind::Catalog => std::fs::remove_file(&e.path),
            Kind::Other => continue,
        };
        match removed {
            Ok(()) => freed += e.bytes,
            // Gone already (another process cleared it): nothing to do.
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(ClearError {
                    path: e.path.clone(),
                    source,
                });
            }
        }
    }
    Ok(freed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_corpora_and_catalogs_and_clears_only_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert!(entries(&root.join("absent")).unwrap().is_empty());
        let corpus = root.join("corpus-books2-seed1-scale1");
        std::fs::create_dir_all(&corpus).unwrap();
        std::fs::write(corpus.join("900001.txt"), vec![b'a'; 300]).unwrap();
        std::fs::write(corpus.join("catalog.tsv"), vec![b'b'; 20]).unwrap();
        std::fs::create_dir_all(root.join(CATALOGS)).unwrap();
        std::fs::write(
            root.join(CATALOGS).join("mirror_pg_catalog.csv"),
            [b'c'; 50],
        )
        .unwrap();
        std::fs::write(root.join("notes.txt"), b"mine").unwrap();
        let list = entries(root).unwrap();
        let kinds: Vec<(Kind, u64)> = list.iter().map(|e| (e.kind, e.bytes)).collect();
        assert_eq!(
            kinds,
            vec![(Kind::Corpus, 320), (Kind::Catalog, 50), (Kind::Other, 4)]
        );
        assert_eq!(clear(&list).unwrap(), 370);
        assert!(!corpus.exists());
        assert!(root.join("notes.txt").exists(), "what is not ours stays");
        let left: Vec<Kind> = entries(root).unwrap().iter().map(|e| e.kind).collect();
        assert_eq!(left, vec![Kind::Other]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join("keep.txt"), b"keep").unwrap();
        let link = dir.path().join("corpus-planted");
        std::os::unix::fs::symlink(elsewhere.path(), &link).unwrap();
        let list = entries(dir.path()).unwrap();
        assert_eq!(list[0].kind, Kind::Other);
        clear(&list).unwrap();
        assert!(elsewhere.path().join("keep.txt").exists());
    }
}
