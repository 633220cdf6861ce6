//! The files a mirror serves: a corpus folder indexed under Gutenberg's URL
//! layouts, so that a request path maps to a file without ever touching a
//! path the request made up.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::book::{BookId, CATALOG_PATH, Layout};
use crate::corpus::PG_CATALOG_FILE;

/// A file a request resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub file: PathBuf,
    pub content_type: &'static str,
}

/// The corpus folder, indexed by ebook id and layout.
#[derive(Debug, Default)]
pub struct Library {
    files: HashMap<(BookId, Layout), Resolved>,
    catalog: Option<PathBuf>,
}

fn content_type(layout: Layout) -> &'static str {
    match layout {
        Layout::Cache | Layout::FilesUtf8 => "text/plain; charset=utf-8",
        Layout::FilesEightBit => "text/plain; charset=iso-8859-1",
        Layout::FilesAscii => "text/plain; charset=us-ascii",
    }
}

/// The layout a corpus file name stands for (`pg84.txt`, `84-0.txt`,
/// `84-8.txt`, `84.txt`), with its id.
fn classify(name: &str) -> Option<(BookId, Layout)> {
    let stem = name.strip_suffix(".txt")?;
    let (digits, layout) = if let Some(id) = stem.strip_prefix("pg") {
        (id, Layout::Cache)
    } else if let Some(id) = stem.strip_suffix("-0") {
        (id, Layout::FilesUtf8)
    } else if let Some(id) = stem.strip_suffix("-8") {
        (id, Layout::FilesEightBit)
    } else {
        (stem, Layout::FilesAscii)
    };
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((BookId(digits.parse().ok()?), layout))
}

impl Library {
    /// Indexes `dir`. Files whose names are not Gutenberg names are ignored.
    pub fn scan(dir: &Path) -> io::Result<Library> {
        let mut library = Library::default();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if !entry.file_type()?.is_file() {
                continue;
            }
            if name == PG_CATALOG_FILE {
                library.catalog = Some(entry.path());
            } else if let Some((id, layout)) = classify(&name) {
                let resolved = Resolved {
                    file: entry.path(),
                    content_type: content_type(layout),
                };
                library.files.insert((id, layout), resolved);
            }
        }
        // Like Gutenberg's cache, serve the UTF-8 file where no pg file exists.
        let utf8: Vec<_> = library
            .files
            .iter()
            .filter(|((_, l), _)| *l == Layout::FilesUtf8)
            .map(|((id, _), r)| (*id, r.clone()))
            .collect();
        for (id, resolved) in utf8 {
            library.files.entry((id, Layout::Cache)).or_insert(resolved);
        }
        Ok(library)
    }

    /// Number of distinct books.
    pub fn books(&self) -> usize {
        let mut ids: Vec<BookId> = self.files.keys().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// The file a URL path names, if any.
    pub fn resolve(&self, path: &str) -> Option<Resolved> {
        if path == CATALOG_PATH {
            return self.catalog.as_ref().map(|file| Resolved {
                file: file.clone(),
                content_type: "text/csv; charset=utf-8",
            });
        }
        let (id, layout) = Layout::parse_path(path)?;
        self.files.get(&(id, layout)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_map_to_layouts() {
        assert_eq!(classify("pg84.txt"), Some((BookId(84), Layout::Cache)));
        assert_eq!(classify("84-0.txt"), Some((BookId(84), Layout::FilesUtf8)));
        assert_eq!(
            classify("1661-8.txt"),
            Some((BookId(1661), Layout::FilesEightBit))
        );
        assert_eq!(
            classify("2701.txt"),
            Some((BookId(2701), Layout::FilesAscii))
        );
        assert_eq!(classify("frank10.txt"), None);
        assert_eq!(classify("catalog.tsv"), None);
        assert_eq!(classify("084.txt"), None);
    }

    #[test]
    fn cache_layout_falls_back_to_the_utf8_file() {
        let dir = std::env::temp_dir().join(format!("gutenpipe-library-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("84-0.txt"), "x").unwrap();
        fs::write(dir.join("1661-8.txt"), "x").unwrap();
        let lib = Library::scan(&dir).unwrap();
        assert_eq!(lib.books(), 2);
        assert_eq!(
            lib.resolve("/cache/epub/84/pg84.txt").unwrap().file,
            dir.join("84-0.txt")
        );
        assert_eq!(lib.resolve("/cache/epub/1661/pg1661.txt"), None);
        assert!(
            lib.resolve("/files/1661/1661-8.txt")
                .unwrap()
                .content_type
                .contains("8859-1")
        );
        assert_eq!(lib.resolve("/files/84/../84-0.txt"), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
