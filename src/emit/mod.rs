//! `--emit raw,text,tokens,counts,metadata`: outputs a researcher can use,
//! in the layout of the Standardized Project Gutenberg Corpus (SPGC, Gerlach
//! & Font-Clos 2018), under the run's output folder:
//!
//! ```text
//! OUT/raw/PG84_raw.txt          the book as downloaded, decoded to UTF-8
//! OUT/text/PG84_text.txt        the book as the stages left it (cleaned by `clean`)
//! OUT/tokens/PG84_tokens.txt    its words in order, one per line
//! OUT/counts/PG84_counts.txt    word<TAB>count, most frequent first
//! OUT/corpus_counts.txt         the same for the whole corpus (with `counts`)
//! OUT/metadata/metadata.csv     one row per book: id, title, author … ([`metadata`])
//! OUT/results.jsonl             every book's record, one JSON object a line
//! ```
//!
//! Making the bytes ([`Emit::render`]) is CPU work and writing them
//! ([`Emit::write`]) is disk work; the pipeline runs them as two timed
//! stages, `render` on the rayon pool and `emit` on the save pool. Every file
//! is written atomically ([`write_atomic`]), and the same books give the
//! same bytes on every run: ties in counts are broken alphabetically, lines
//! follow the input order.

pub mod metadata;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use crate::book::BookId;
use crate::catalog::CatalogBook;
use crate::record::Books;
use crate::stages::{Document, TokenizeTotals, WordCounts, words};
use crate::store::manifest::Manifest;
use crate::store::{
    StoreError, real_subfolder, remove_leftovers_of, write_atomic, write_atomic_with,
};

/// One kind of output `--emit` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmitKind {
    /// `raw/PG{id}_raw.txt`: the book as downloaded, decoded to UTF-8.
    Raw,
    /// `text/PG{id}_text.txt`: the text.
    Text,
    /// `tokens/PG{id}_tokens.txt`: one word a line.
    Tokens,
    /// `counts/PG{id}_counts.txt` and `corpus_counts.txt`: `word<TAB>count`.
    Counts,
    /// `metadata/metadata.csv`: one row per book.
    Metadata,
}

impl EmitKind {
    /// Every kind, in the order `--emit` lists them.
    pub const ALL: [EmitKind; 5] = [
        EmitKind::Raw,
        EmitKind::Text,
        EmitKind::Tokens,
        EmitKind::Counts,
        EmitKind::Metadata,
    ];

    /// The name `--emit` knows it by (also its folder).
    pub fn name(self) -> &'static str {
        self.folder()
    }

    /// The folder (under the output folder) and the SPGC suffix.
    fn folder(self) -> &'static str {
        match self {
            EmitKind::Raw => "raw",
            EmitKind::Text => "text",
            EmitKind::Tokens => "tokens",
            EmitKind::Counts => "counts",
            EmitKind::Metadata => "metadata",
        }
    }

    /// Whether it is one file per book (`metadata` is one for the corpus).
    pub fn per_book(self) -> bool {
        self != EmitKind::Metadata
    }

    /// `PG{id}_{kind}.txt`, as the SPGC names it.
    pub fn file_name(self, id: BookId) -> String {
        format!("PG{id}_{}.txt", self.folder())
    }

    /// Where book `id`'s file of this kind goes under `out`.
    pub fn path(self, out: &Path, id: BookId) -> std::path::PathBuf {
        out.join(self.folder()).join(self.file_name(id))
    }
}

impl std::str::FromStr for EmitKind {
    type Err = String;

    fn from_str(text: &str) -> Result<EmitKind, String> {
        crate::names::parse(
            text,
            &EmitKind::ALL,
            EmitKind::name,
            "an output kind",
            "kinds",
        )
    }
}

/// The corpus-level counts file.
pub const CORPUS_COUNTS_FILE: &str = "corpus_counts.txt";
/// The per-book records, one JSON object a line.
pub const RESULTS_FILE: &str = "results.jsonl";

/// A file to write: a folder under the output folder (`""` for the output
/// folder itself), a name, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Folder under the output folder (`text`, `tokens`, `counts`).
    pub folder: &'static str,
    /// File name inside that folder.
    pub name: String,
    /// The file's content.
    pub bytes: Vec<u8>,
}

/// What `--emit` asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Emit {
    /// The kinds of output asked for, in the order given.
    pub kinds: Vec<EmitKind>,
    /// Tokens keep their case (`--keep-case`), as the stages count them.
    pub keep_case: bool,
    /// Sync each file to disk before renaming it into place.
    pub sync: bool,
    /// The catalog rows of the books, when they were chosen from a catalog:
    /// `metadata.csv` takes their title, author, language and date.
    pub catalog: Arc<BTreeMap<BookId, CatalogBook>>,
}

impl Emit {
    /// Whether anything is to be written.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Whether `kind` was asked for.
    pub fn wants(&self, kind: EmitKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// Creates the folders under `out` — real folders, never through a
    /// symbolic link — so that a wrong folder is reported before the first
    /// download, and removes the temporaries of `--emit` files killed runs
    /// left there and in `out`.
    pub fn prepare(&self, out: &Path) -> Result<(), StoreError> {
        remove_leftovers_of(out, is_emitted_name)?;
        for kind in &self.kinds {
            let dir = real_subfolder(out, kind.folder())?;
            remove_leftovers_of(&dir, is_emitted_name)?;
        }
        Ok(())
    }

    /// The files of one book (CPU work). With `counts`, adds the book's word
    /// counts to `corpus`.
    pub fn render(&self, doc: &mut Document, corpus: &mut TokenizeTotals) -> Vec<OutputFile> {
        let mut files = Vec::new();
        for &kind in self.kinds.iter().filter(|k| k.per_book()) {
            let bytes = match kind {
                EmitKind::Raw => {
                    let mut raw = doc.raw.take().unwrap_or_default();
                    if !raw.is_empty() && !raw.ends_with('\n') {
                        raw.push('\n');
                    }
                    raw.into_bytes()
                }
                EmitKind::Text => {
                    let mut text = doc.text.clone();
                    if !text.is_empty() && !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.into_bytes()
                }
                EmitKind::Tokens => {
                    let mut out = String::with_capacity(doc.text.len());
                    for word in words(&doc.text, self.keep_case) {
                        out.push_str(&word);
                        out.push('\n');
                    }
                    out.into_bytes()
                }
                EmitKind::Counts => {
                    let counts = doc.word_counts(self.keep_case);
                    corpus.add(&counts);
                    counts_file(&counts)
                }
                EmitKind::Metadata => continue,
            };
            files.push(OutputFile {
                folder: kind.folder(),
                name: kind.file_name(doc.id),
                bytes,
            });
        }
        files
    }

    /// The corpus-level files made in memory: the corpus counts (with
    /// `counts`). `results.jsonl` is written by [`Emit::write_corpus`].
    pub fn corpus_files(&self, corpus: &TokenizeTotals) -> Vec<OutputFile> {
        let mut files = Vec::new();
        if self.wants(EmitKind::Counts) {
            files.push(OutputFile {
                folder: "",
                name: CORPUS_COUNTS_FILE.into(),
                bytes: counts_file(&corpus.counts),
            });
        }
        files
    }

    /// Writes the corpus-level files under `out`: [`Emit::corpus_files`],
    /// every book's record as JSON Lines, in input order (`results.jsonl`,
    /// streamed from `books` as it is written), and with `metadata` the
    /// books' `metadata.csv` (SHA-256 from `manifest`).
    pub fn write_corpus(
        &self,
        out: &Path,
        corpus: &TokenizeTotals,
        books: &Books,
        manifest: &Manifest,
    ) -> Result<u64, StoreError> {
        let written = self.write(out, &self.corpus_files(corpus))?;
        let path = write_atomic_with(out, RESULTS_FILE, self.sync, |w| books.write_lines(w))?;
        let mut size = std::fs::metadata(&path).map_or(0, |m| m.len());
        if self.wants(EmitKind::Metadata) {
            let dir = out.join(EmitKind::Metadata.folder());
            let path = write_atomic_with(&dir, metadata::METADATA_FILE, self.sync, |w| {
                metadata::write(w, books, &self.catalog, manifest)
            })?;
            size += std::fs::metadata(&path).map_or(0, |m| m.len());
        }
        Ok(written + size)
    }

    /// Writes `files` under `out`, each atomically; returns the bytes written.
    pub fn write(&self, out: &Path, files: &[OutputFile]) -> Result<u64, StoreError> {
        let mut written = 0;
        for f in files {
            write_atomic(&out.join(f.folder), &f.name, &f.bytes, self.sync)?;
            written += f.bytes.len() as u64;
        }
        Ok(written)
    }
}

/// Whether `file` is a name `--emit` writes: `PG84_text.txt` and its kin,
/// [`RESULTS_FILE`], [`CORPUS_COUNTS_FILE`].
pub fn is_emitted_name(file: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let per_book = file.strip_prefix("PG").is_some_and(|rest| {
        EmitKind::ALL.iter().filter(|k| k.per_book()).any(|k| {
            rest.strip_suffix(&format!("_{}.txt", k.folder()))
                .is_some_and(digits)
        })
    });
    per_book
        || file == RESULTS_FILE
        || file == CORPUS_COUNTS_FILE
        || file == metadata::METADATA_FILE
}

/// `word<TAB>count` lines, most frequent first, ties alphabetical.
fn counts_file(counts: &WordCounts) -> Vec<u8> {
    let mut out = String::with_capacity(counts.len() * 12);
    for (word, count) in counts.ranked(counts.len()) {
        let _ = writeln!(out, "{word}\t{count}");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_book_renders_to_the_spgc_files() {
        let emit = Emit {
            kinds: vec![EmitKind::Text, EmitKind::Tokens, EmitKind::Counts],
            keep_case: false,
            sync: false,
            ..Emit::default()
        };
        let mut doc = Document::new(BookId(84), "The cat.\nThe hat, the end".into(), "UTF-8");
        let mut corpus = TokenizeTotals::default();
        let files = emit.render(&mut doc, &mut corpus);
        let file = |k: EmitKind| files.iter().find(|f| f.folder == k.folder()).unwrap();
        assert_eq!(file(EmitKind::Text).name, "PG84_text.txt");
        assert_eq!(file(EmitKind::Text).bytes, b"The cat.\nThe hat, the end\n");
        assert_eq!(file(EmitKind::Tokens).name, "PG84_tokens.txt");
        assert_eq!(
            file(EmitKind::Tokens).bytes,
            b"the\ncat\nthe\nhat\nthe\nend\n"
        );
        assert_eq!(file(EmitKind::Counts).name, "PG84_counts.txt");
        assert_eq!(
            file(EmitKind::Counts).bytes,
            b"the\t3\ncat\t1\nend\t1\nhat\t1\n"
        );
        assert_eq!(corpus.tokens, 6);
        let corpus_files = emit.corpus_files(&corpus);
        assert_eq!(corpus_files[0].name, CORPUS_COUNTS_FILE);
        assert_eq!(corpus_files[0].bytes, file(EmitKind::Counts).bytes);
        let dir = tempfile::tempdir().unwrap();
        let (manifest, _) = Manifest::load(dir.path(), false).unwrap();
        emit.write_corpus(dir.path(), &corpus, &Books::default(), &manifest)
            .unwrap();
        assert_eq!(std::fs::read(dir.path().join(RESULTS_FILE)).unwrap(), b"");
    }

    #[test]
    fn temporaries_of_emitted_files_left_by_dead_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("text");
        std::fs::create_dir(&text).unwrap();
        // pid 0 is never a run; pid 1 (init) is always alive.
        let dead = [
            dir.path().join(".results.jsonl.0.Qx7.part"),
            dir.path().join(".corpus_counts.txt.0.3.part"),
            text.join(".PG31_text.txt.0.Ab3.part"),
        ];
        let kept = [
            text.join(".PG31_text.txt.1.0.part"),
            dir.path().join(".84.txt.0.3.part"), // the store's
            text.join(".PGx_text.txt.0.0.part"),
            dir.path().join(".notes.md.0.0.part"),
        ];
        for p in dead.iter().chain(&kept) {
            std::fs::write(p, b"partial").unwrap();
        }
        let emit = Emit {
            kinds: vec![EmitKind::Text],
            ..Emit::default()
        };
        emit.prepare(dir.path()).unwrap();
        assert!(dead.iter().all(|p| !p.exists()));
        assert!(kept.iter().all(|p| p.exists()));
    }

    #[test]
    fn only_the_kinds_asked_for() {
        let emit = Emit {
            kinds: vec![EmitKind::Tokens],
            keep_case: true,
            sync: false,
            ..Emit::default()
        };
        let mut doc = Document::new(BookId(1), "The the".into(), "UTF-8");
        let mut corpus = TokenizeTotals::default();
        let files = emit.render(&mut doc, &mut corpus);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].bytes, b"The\nthe\n");
        assert_eq!(corpus.tokens, 0);
        assert!(emit.corpus_files(&corpus).is_empty(), "no corpus counts");
    }
}
