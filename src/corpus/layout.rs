//! How a corpus folder arranges its books: flat (what `gutenpipe mirror`
//! serves), or as a local copy of Gutenberg would — the main collection's
//! numbered tree with its `.zip` files, or the generated files alone — so
//! that a local-folder source can be tried offline.

use std::fs;
use std::path::{Path, PathBuf};

use crate::book::{BookId, Family, Layout, Variant};
use crate::store::{StoreError, write_atomic};

/// How a corpus folder arranges its books.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CorpusLayout {
    /// Every file in the folder itself, named as Gutenberg names them
    /// (`900001-0.txt`).
    #[default]
    Flat,
    /// As an rsync copy of the main collection: `9/0/0/0/0/900001/`
    /// holding the text file and its `.zip`; every tenth book (the fourth,
    /// the fourteenth …) only the `.zip`, as some older books have.
    Numbered,
    /// As an rsync copy of the generated files: `900001/pg900001.txt`.
    Epub,
}

impl CorpusLayout {
    /// Every corpus layout.
    pub const ALL: [CorpusLayout; 3] = [
        CorpusLayout::Flat,
        CorpusLayout::Numbered,
        CorpusLayout::Epub,
    ];

    /// The name `--layout` knows it by.
    pub fn name(self) -> &'static str {
        match self {
            CorpusLayout::Flat => "flat",
            CorpusLayout::Numbered => "numbered",
            CorpusLayout::Epub => "epub",
        }
    }

    /// Whether book number `index` of the corpus exists only as a zip.
    pub fn zip_only(self, index: usize) -> bool {
        self == CorpusLayout::Numbered && index % 10 == 3
    }

    /// Writes the file `name` (`900001-0.txt`) of book `id` into `dir` in
    /// this layout, with its zip where the layout has one; returns its path
    /// relative to `dir` (the zip's, for a book that exists only zipped).
    pub fn write(
        self,
        dir: &Path,
        id: BookId,
        name: &str,
        bytes: &[u8],
        zip_only: bool,
    ) -> Result<String, StoreError> {
        let Some((variant, _)) = Variant::of_file(name, &id.to_string()) else {
            return write_atomic(dir, name, bytes, false).map(|_| name.to_string());
        };
        let (layout, file_name) = match self {
            CorpusLayout::Flat => {
                return write_atomic(dir, name, bytes, false).map(|_| name.to_string());
            }
            CorpusLayout::Epub => (Layout::Epub, Layout::Epub.file_name(id)),
            CorpusLayout::Numbered => {
                let layout =
                    Layout::find(Family::Numbered, variant, false).unwrap_or(Layout::NumberedUtf8);
                (layout, layout.file_name(id))
            }
        };
        let folder = layout.folder(id);
        let target = dir.join(&folder);
        fs::create_dir_all(&target).map_err(|source| StoreError {
            action: "create the folder",
            path: target.clone(),
            source,
        })?;
        if self == CorpusLayout::Numbered {
            let zipped =
                Layout::find(Family::Numbered, variant, true).unwrap_or(Layout::NumberedUtf8Zip);
            let zip =
                crate::fetch::archive::zip_bytes(&[(&file_name, bytes)]).map_err(|source| {
                    StoreError {
                        action: "zip",
                        path: target.join(&file_name),
                        source,
                    }
                })?;
            write_atomic(&target, &zipped.file_name(id), &zip, false)?;
            if zip_only {
                return Ok(format!("{folder}/{}", zipped.file_name(id)));
            }
        }
        write_atomic(&target, &file_name, bytes, false)?;
        Ok(format!("{folder}/{file_name}"))
    }
}

impl std::str::FromStr for CorpusLayout {
    type Err = String;

    fn from_str(text: &str) -> Result<CorpusLayout, String> {
        crate::names::parse(
            text,
            &CorpusLayout::ALL,
            CorpusLayout::name,
            "a corpus layout",
            "layouts",
        )
    }
}

/// Removes the file `relative` of an earlier corpus in `dir`, the zip and
/// text beside it, and the folders the removal leaves empty up to `dir`.
pub fn remove_book(dir: &Path, relative: &str) {
    let path = dir.join(relative);
    let stem = relative
        .strip_suffix(".txt")
        .or_else(|| relative.strip_suffix(".zip"))
        .unwrap_or(relative);
    for sibling in [format!("{stem}.txt"), format!("{stem}.zip")] {
        let _ = fs::remove_file(dir.join(sibling));
    }
    let mut folder: Option<PathBuf> = path.parent().map(Path::to_path_buf);
    while let Some(f) = folder.filter(|f| f.starts_with(dir) && f != dir) {
        if fs::remove_dir(&f).is_err() {
            break;
        }
        folder = f.parent().map(Path::to_path_buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layout_puts_a_book_where_gutenberg_would() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let id = BookId(900_004);
        let at =
            |l: CorpusLayout, zip_only| l.write(d, id, "900004-8.txt", b"x", zip_only).unwrap();
        assert_eq!(at(CorpusLayout::Flat, false), "900004-8.txt");
        assert_eq!(at(CorpusLayout::Epub, false), "900004/pg900004.txt");
        assert_eq!(
            at(CorpusLayout::Numbered, false),
            "9/0/0/0/0/900004/900004-8.txt"
        );
        assert!(d.join("9/0/0/0/0/900004/900004-8.zip").is_file());
        remove_book(d, "9/0/0/0/0/900004/900004-8.txt");
        assert!(!d.join("9").exists(), "empty folders removed");
        assert_eq!(
            at(CorpusLayout::Numbered, true),
            "9/0/0/0/0/900004/900004-8.zip"
        );
        assert!(!d.join("9/0/0/0/0/900004/900004-8.txt").exists());
        assert_eq!("epub".parse(), Ok(CorpusLayout::Epub));
    }
}
