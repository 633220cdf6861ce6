//! The files a mirror serves: a corpus folder (flat, or laid out as a
//! numbered tree or as the generated files, see [`crate::corpus::CorpusLayout`])
//! indexed by ebook id and file variant, and served under the URL layouts
//! its [`MirrorLayout`] names, so that a request path maps to a file without
//! ever touching a path the request made up.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, BufReader, Cursor, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::cache::FileCache;

use crate::book::{BookId, CATALOG_PATH, Family, Layout, Variant};
use crate::corpus::PG_CATALOG_FILE;

/// How deep a corpus folder is searched for books (the numbered tree of a
/// six-digit number is seven folders deep).
const MAX_DEPTH: usize = 8;

/// Which URL layouts a mirror serves its books under.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MirrorLayout {
    /// As www.gutenberg.org: every book at `/cache/epub/{id}/pg{id}.txt`
    /// (its `pg` file, else its UTF-8, 8-bit or ASCII file, else the text
    /// inside its zip), and each of its text files under `/files/{id}/`.
    #[default]
    Site,
    /// As a mirror of the main collection: each file, zips included, in the
    /// numbered tree (`/1/0/2/3/10234/10234-0.txt`), and nothing else.
    Numbered,
    /// As a partial mirror: `/cache/epub/` only for books with a `pg` or a
    /// UTF-8 file, `/files/{id}/` for every text file; a download by id
    /// then has to try several layouts for the others.
    Partial,
}

impl MirrorLayout {
    /// Every mirror layout.
    pub const ALL: [MirrorLayout; 3] = [
        MirrorLayout::Site,
        MirrorLayout::Numbered,
        MirrorLayout::Partial,
    ];

    /// The name `--layout` knows it by.
    pub fn name(self) -> &'static str {
        match self {
            MirrorLayout::Site => "site",
            MirrorLayout::Numbered => "numbered",
            MirrorLayout::Partial => "partial",
        }
    }

    /// The family of URL layouts it serves.
    fn family(self) -> Family {
        match self {
            MirrorLayout::Site | MirrorLayout::Partial => Family::Site,
            MirrorLayout::Numbered => Family::Numbered,
        }
    }
}

impl std::str::FromStr for MirrorLayout {
    type Err = String;

    fn from_str(text: &str) -> Result<MirrorLayout, String> {
        crate::names::parse(
            text,
            &MirrorLayout::ALL,
            MirrorLayout::name,
            "a mirror layout",
            "layouts",
        )
    }
}

/// A file a request resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub file: PathBuf,
    pub content_type: &'static str,
    /// Serve the one text file inside `file` (a zip), not `file` itself.
    pub unzip: bool,
}

/// The largest text the mirror inflates from a zip to serve it.
const MAX_UNZIPPED: u64 = 1 << 30;

/// The bytes of a response body: a file, a file's bytes kept in memory
/// ([`FileCache`]), or the text taken out of a zip.
pub enum Content {
    File(File),
    Kept(Cursor<Arc<[u8]>>),
    Memory(Cursor<Vec<u8>>),
}

impl Content {
    /// The bytes not read yet, when they are in memory.
    pub fn in_memory(&self) -> Option<&[u8]> {
        fn rest<T: AsRef<[u8]>>(c: &Cursor<T>) -> &[u8] {
            let all = c.get_ref().as_ref();
            &all[(c.position() as usize).min(all.len())..]
        }
        match self {
            Content::File(_) => None,
            Content::Kept(c) => Some(rest(c)),
            Content::Memory(c) => Some(rest(c)),
        }
    }
}

impl Read for Content {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Content::File(f) => f.read(buf),
            Content::Kept(k) => k.read(buf),
            Content::Memory(m) => m.read(buf),
        }
    }
}

/// A resolved file, opened: its content, length and what identifies its
/// version (`ETag`, modification time).
pub struct Opened {
    pub content: Content,
    pub length: u64,
    pub etag: String,
    pub modified: SystemTime,
}

impl Resolved {
    /// Opens the file (and takes the text out of it, for a zip served as
    /// text), its bytes from `cache` when it keeps them. Its ETag comes
    /// from the size and modification time of the file on disk, so it
    /// changes whenever the file is replaced.
    pub fn open(&self, cache: &FileCache) -> io::Result<Opened> {
        let mut file = File::open(&self.file)?;
        let meta = file.metadata()?;
        let etag = format!(
            "\"{:x}-{:x}.{:x}\"",
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec()
        );
        let modified = meta.modified()?;
        let (content, length) = if self.unzip {
            let (_, text) = crate::fetch::archive::text_member(BufReader::new(file), MAX_UNZIPPED)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let length = text.len() as u64;
            (Content::Memory(Cursor::new(text)), length)
        } else {
            match cache.bytes(&self.file, &mut file, &meta)? {
                Some(bytes) => {
                    let length = bytes.len() as u64;
                    (Content::Kept(Cursor::new(bytes)), length)
                }
                None => (Content::File(file), meta.len()),
            }
        };
        Ok(Opened {
            content,
            length,
            etag,
            modified,
        })
    }
}

/// One of a book's files: its variant and whether it is a zip.
type FileKey = (BookId, Variant, bool);

/// The corpus folder, indexed by ebook id and file variant.
#[derive(Debug, Default)]
pub struct Library {
    files: HashMap<FileKey, PathBuf>,
    ids: BTreeSet<BookId>,
    catalog: Option<PathBuf>,
    layout: MirrorLayout,
}

fn content_type(variant: Variant) -> &'static str {
    match variant {
        Variant::Generated | Variant::Utf8 => "text/plain; charset=utf-8",
        Variant::EightBit => "text/plain; charset=iso-8859-1",
        Variant::Ascii => "text/plain; charset=us-ascii",
    }
}

/// The id, variant and zipping a corpus file name stands for (`pg84.txt`,
/// `84-0.txt`, `84-8.txt`, `84.txt`, `84-0.zip`).
fn classify(name: &str) -> Option<FileKey> {
    let stem = name
        .strip_suffix(".txt")
        .or_else(|| name.strip_suffix(".zip"))?;
    let stem = stem.strip_prefix("pg").unwrap_or(stem);
    let digits = stem
        .strip_suffix("-0")
        .or_else(|| stem.strip_suffix("-8"))
        .unwrap_or(stem);
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (variant, zip) = Variant::of_file(name, digits)?;
    Some((BookId(digits.parse().ok()?), variant, zip))
}

impl Library {
    /// Indexes `dir` and the folders under it, for serving under `layout`.
    /// Files whose names are not Gutenberg names are ignored; symbolic
    /// links are not followed.
    pub fn scan(dir: &Path, layout: MirrorLayout) -> io::Result<Library> {
        let mut library = Library {
            layout,
            ..Library::default()
        };
        if dir.join(PG_CATALOG_FILE).is_file() {
            library.catalog = Some(dir.join(PG_CATALOG_FILE));
        }
        library.scan_folder(dir, 0)?;
        Ok(library)
    }

    fn scan_folder(&mut self, dir: &Path, depth: usize) -> io::Result<()> {
        let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        // Sorted, so that a file found twice is always the same one.
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let kind = entry.file_type()?;
            if kind.is_dir() && depth < MAX_DEPTH {
                self.scan_folder(&entry.path(), depth + 1)?;
                continue;
            }
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if let Some(key) = classify(&name).filter(|_| kind.is_file()) {
                self.ids.insert(key.0);
                self.files.entry(key).or_insert_with(|| entry.path());
            }
        }
        Ok(())
    }

    /// Number of distinct books.
    pub fn books(&self) -> usize {
        self.ids.len()
    }

    /// The file a URL path names, if any.
    pub fn resolve(&self, path: &str) -> Option<Resolved> {
        if path == CATALOG_PATH {
            return self.catalog.as_ref().map(|file| Resolved {
                file: file.clone(),
                content_type: "text/csv; charset=utf-8",
                unzip: false,
            });
        }
        let (id, layout) = Layout::parse_path(path)?;
        if layout.family() != self.layout.family() {
            return None;
        }
        let file = |variant, zip| {
            self.files.get(&(id, variant, zip)).map(|file| Resolved {
                file: file.clone(),
                content_type: if zip {
                    "application/zip"
                } else {
                    content_type(variant)
                },
                unzip: false,
            })
        };
        let variant = layout.variant();
        match (self.layout, layout) {
            (MirrorLayout::Site, Layout::Cache) => {
                let text = [
                    Variant::Generated,
                    Variant::Utf8,
                    Variant::EightBit,
                    Variant::Ascii,
                ];
                let first_text = text.iter().find_map(|&v| file(v, false));
                first_text.or_else(|| {
                    let zipped = [Variant::Utf8, Variant::EightBit, Variant::Ascii];
                    zipped.iter().find_map(|&v| {
                        file(v, true).map(|r| Resolved {
                            content_type: content_type(v),
                            unzip: true,
                            ..r
                        })
                    })
                })
            }
            (MirrorLayout::Partial, Layout::Cache) => {
                file(Variant::Generated, false).or_else(|| file(Variant::Utf8, false))
            }
            _ => file(variant, layout.is_zip()),
        }
    }

    /// The URL path at which a download of book `id` by its number finds
    /// it first, in this library's layout.
    pub fn book_path(&self, id: BookId) -> Option<String> {
        self.layout
            .family()
            .layouts()
            .iter()
            .map(|l| l.path(id))
            .find(|p| self.resolve(p).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_map_to_variants() {
        let key = |id, v, z| Some((BookId(id), v, z));
        assert_eq!(classify("pg84.txt"), key(84, Variant::Generated, false));
        assert_eq!(classify("84-0.txt"), key(84, Variant::Utf8, false));
        assert_eq!(classify("1661-8.txt"), key(1661, Variant::EightBit, false));
        assert_eq!(classify("2701.txt"), key(2701, Variant::Ascii, false));
        assert_eq!(classify("2701-8.zip"), key(2701, Variant::EightBit, true));
        assert_eq!(classify("pg84.zip"), None);
        assert_eq!(classify("frank10.txt"), None);
        assert_eq!(classify("catalog.tsv"), None);
        assert_eq!(classify("084.txt"), None);
        assert_eq!(classify("84-1.txt"), None);
    }

    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("84-0.txt"), "x").unwrap();
        fs::write(dir.path().join("1661-8.txt"), "x").unwrap();
        fs::create_dir_all(dir.path().join("2/7/0/2701")).unwrap();
        fs::write(dir.path().join("2/7/0/2701/2701.zip"), "x").unwrap();
        dir
    }

    #[test]
    fn the_site_layout_serves_every_book_in_the_cache() {
        let dir = folder();
        let lib = Library::scan(dir.path(), MirrorLayout::Site).unwrap();
        assert_eq!(lib.books(), 3);
        let cache = |id| lib.resolve(&Layout::Cache.path(BookId(id)));
        assert_eq!(cache(84).unwrap().file, dir.path().join("84-0.txt"));
        let eight = cache(1661).unwrap();
        assert_eq!(eight.file, dir.path().join("1661-8.txt"));
        assert!(eight.content_type.contains("8859-1") && !eight.unzip);
        let zipped = cache(2701).unwrap();
        assert!(zipped.unzip && zipped.content_type.contains("us-ascii"));
        assert!(lib.resolve("/files/1661/1661-8.txt").is_some());
        assert_eq!(lib.resolve("/files/84/../84-0.txt"), None);
        assert_eq!(lib.resolve(&Layout::NumberedUtf8.path(BookId(84))), None);
        for id in [84, 1661, 2701] {
            assert_eq!(
                lib.book_path(BookId(id)),
                Some(Layout::Cache.path(BookId(id)))
            );
        }
    }

    #[test]
    fn the_partial_layout_has_holes_in_the_cache() {
        let dir = folder();
        let lib = Library::scan(dir.path(), MirrorLayout::Partial).unwrap();
        assert!(lib.resolve("/cache/epub/84/pg84.txt").is_some());
        assert_eq!(lib.resolve("/cache/epub/1661/pg1661.txt"), None);
        assert_eq!(
            lib.book_path(BookId(1661)).as_deref(),
            Some("/files/1661/1661-8.txt")
        );
        assert_eq!(lib.book_path(BookId(2701)), None);
    }

    #[test]
    fn the_numbered_layout_serves_the_tree_and_its_zips_only() {
        let dir = folder();
        let lib = Library::scan(dir.path(), MirrorLayout::Numbered).unwrap();
        assert!(lib.resolve("/8/84/84-0.txt").is_some());
        assert!(lib.resolve("/1/6/6/1661/1661-8.txt").is_some());
        let zip = lib.resolve("/2/7/0/2701/2701.zip").unwrap();
        assert_eq!(zip.content_type, "application/zip");
        assert!(!zip.unzip);
        assert_eq!(lib.resolve("/cache/epub/84/pg84.txt"), None);
        assert_eq!(lib.resolve("/files/84/84-0.txt"), None);
        assert_eq!(
            lib.book_path(BookId(2701)).as_deref(),
            Some("/2/7/0/2701/2701.zip")
        );
        assert_eq!("numbered".parse(), Ok(MirrorLayout::Numbered));
        assert!("tree".parse::<MirrorLayout>().is_err());
    }
}
