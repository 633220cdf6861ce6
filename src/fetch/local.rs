//! A local folder as the source of books: an rsync copy of the main
//! collection (the numbered tree) or of the generated files (`ID/pgID.txt`),
//! read on the download pool like a download, with the same layouts, the
//! same size limit and the same zip handling, and no network.
//!
//! A folder is named by a `file://` URL (`file:///data/gutenberg`); which
//! family of layouts it holds is found by [`detect`], and every book is
//! looked for in that family first, then in the others.

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{FetchError, Fetched, Validators, archive};
use crate::book::{BookId, Family, Layout};

/// Whether `text` is a `file:` URL (`file:///data/gutenberg`), in any case.
pub fn is_file_url(text: &str) -> bool {
    text.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("file://"))
}

/// The `file://` URL of the absolute path `path`, with `%`, spaces, `#`,
/// `?` and control characters percent-encoded so that [`path_of_url`]
/// gives the path back.
pub fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut url = String::with_capacity(text.len() + 7);
    url.push_str("file://");
    for c in text.chars() {
        if matches!(c, '%' | ' ' | '#' | '?') || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                url.push_str(&format!("%{b:02X}"));
            }
        } else {
            url.push(c);
        }
    }
    url
}

/// The path a `file://` URL names (`file:///x`, `file://localhost/x`),
/// percent-decoded.
pub fn path_of_url(url: &str) -> PathBuf {
    let rest = url.get(7..).unwrap_or("");
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

/// Which family of layouts the folder `root` holds: the numbered tree
/// (`1/0/2/3/10234/…`, one-digit numbers under `0/`), the generated files
/// (`84/pg84.txt`), or the site's own (`cache/epub/…`, `files/…`). `None`
/// when it holds none of them.
pub fn detect(root: &Path) -> Option<Family> {
    if root.join("cache/epub").is_dir() || root.join("files").is_dir() {
        return Some(Family::Site);
    }
    let mut names: Vec<String> = fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    // One-digit folders first: they tell the two numbered layouts apart.
    names.sort_by_key(|n| (n.len(), n.clone()));
    for name in names {
        let dir = root.join(&name);
        if dir.join(format!("pg{name}.txt")).is_file() {
            return Some(Family::Epub);
        }
        if name.len() == 1 && has_numbered_subfolder(&dir) {
            return Some(Family::Numbered);
        }
    }
    None
}

/// Whether `dir` holds a folder named by digits (`8/84`, `1/0`).
fn has_numbered_subfolder(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(|e| e.ok()).any(|e| {
        e.file_type().is_ok_and(|t| t.is_dir())
            && e.file_name()
                .to_str()
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// A validator for a local file, as an ETag would be for a download: its
/// size and modification time, which rsync keeps and changes together with
/// the content.
pub fn validators(meta: &fs::Metadata) -> Validators {
    Validators {
        etag: Some(format!(
            "local:{}:{}.{:09}",
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec()
        )),
        last_modified: None,
    }
}

/// A book's file found in the folder.
#[derive(Debug)]
pub struct Found {
    /// The layout it was found in.
    pub layout: Layout,
    /// The file.
    pub path: PathBuf,
    /// Its size and modification time.
    pub meta: fs::Metadata,
}

/// The local folder a fetcher reads books from.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    /// The folder a `file://` URL names.
    pub fn from_url(url: &str) -> LocalFolder {
        LocalFolder {
            root: path_of_url(url),
        }
    }

    /// The family of layouts it holds, if it holds one.
    pub fn family(&self) -> Option<Family> {
        detect(&self.root)
    }

    /// The first of `order`'s files of book `id` that is in the folder;
    /// `Err` with the URLs looked at when none is.
    pub fn find(&self, id: BookId, order: &[Layout]) -> Result<Found, FetchError> {
        let mut tried = Vec::new();
        for &layout in order {
            let path = self.root.join(&layout.path(id)[1..]);
            match fs::metadata(&path) {
                Ok(meta) if meta.is_file() => return Ok(Found { layout, path, meta }),
                Ok(_) => tried.push(file_url(&path)),
                Err(e) if is_missing(&e) => tried.push(file_url(&path)),
                Err(e) => {
                    return Err(FetchError::Read {
                        url: file_url(&path),
                        detail: e.to_string(),
                    });
                }
            }
        }
        Err(FetchError::Missing { tried })
    }

    /// Reads the book in `found`: the file, or the text inside the zip, at
    /// most `limit` bytes.
    pub fn read(&self, found: &Found, limit: u64) -> Result<Fetched, FetchError> {
        let url = file_url(&found.path);
        if crate::interrupt::requested() {
            return Err(FetchError::Interrupted { url });
        }
        let io_error = |e: io::Error| FetchError::Read {
            url: url.clone(),
            detail: e.to_string(),
        };
        let file = File::open(&found.path).map_err(io_error)?;
        let bytes = if found.layout.is_zip() {
            archive::text_member(BufReader::new(file), limit)
                .map_err(|e| FetchError::from_archive(&url, e))?
                .1
        } else {
            if found.meta.len() > limit {
                return Err(FetchError::TooLarge { url, limit });
            }
            let mut bytes = Vec::with_capacity(found.meta.len() as usize);
            file.take(limit.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(io_error)?;
            if bytes.len() as u64 > limit {
                return Err(FetchError::TooLarge { url, limit });
            }
            bytes
        };
        if bytes.is_empty() {
            return Err(FetchError::Empty { url });
        }
        let suspect = super::body::suspicion(&bytes, None, super::body::Framing::Length(0));
        Ok(Fetched {
            url,
            layout: Some(found.layout),
            bytes,
            charset: None,
            retries: 0,
            suspect,
            validators: validators(&found.meta),
        })
    }
}

/// Whether an error says the path is not there (or a part of it is a file).
fn is_missing(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_round_trip() {
        for path in ["/data/gutenberg", "/home/me/My Books/100%", "/a#b?c"] {
            let url = file_url(Path::new(path));
            assert!(url.starts_with("file:///"), "{url}");
            assert!(!url.contains(' '), "{url}");
            assert_eq!(path_of_url(&url), PathBuf::from(path), "{url}");
        }
        assert_eq!(path_of_url("file://localhost/x/y"), PathBuf::from("/x/y"));
        assert!(is_file_url("FILE:///x"));
        assert!(!is_file_url("http://x"));
    }

    #[test]
    fn the_layout_of_a_folder_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(detect(root), None);
        fs::create_dir_all(root.join("84")).unwrap();
        fs::write(root.join("84/pg84.txt"), "x").unwrap();
        assert_eq!(detect(root), Some(Family::Epub));

        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("8/84")).unwrap();
        fs::write(root.join("8/84/84-0.txt"), "x").unwrap();
        assert_eq!(detect(root), Some(Family::Numbered));
        // The generated file of a one-digit book beside the tree is not
        // taken for the numbered tree.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("5")).unwrap();
        fs::write(root.join("5/pg5.txt"), "x").unwrap();
        assert_eq!(detect(root), Some(Family::Epub));

        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("cache/epub/84")).unwrap();
        assert_eq!(detect(dir.path()), Some(Family::Site));
    }

    #[test]
    fn a_book_is_found_in_the_order_given_and_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let folder = LocalFolder::from_url(&file_url(dir.path()));
        fs::create_dir_all(dir.path().join("8/84")).unwrap();
        fs::write(dir.path().join("8/84/84-8.txt"), b"Caf\xe9").unwrap();
        let found = folder.find(BookId(84), Family::Numbered.layouts()).unwrap();
        assert_eq!(found.layout, Layout::NumberedEightBit);
        let book = folder.read(&found, 100).unwrap();
        assert_eq!(book.bytes, b"Caf\xe9");
        assert!(book.url.ends_with("/8/84/84-8.txt"), "{}", book.url);
        assert!(
            book.validators
                .etag
                .as_deref()
                .unwrap()
                .starts_with("local:4:")
        );
        let err = folder.read(&found, 3).unwrap_err();
        assert!(
            matches!(err, FetchError::TooLarge { limit: 3, .. }),
            "{err}"
        );
        let missing = folder.find(BookId(85), Family::Epub.layouts()).unwrap_err();
        assert!(missing.to_string().contains("/85/pg85.txt"), "{missing}");
    }
}
