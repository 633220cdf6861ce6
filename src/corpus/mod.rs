//! The synthetic corpus: books in Project Gutenberg's plain-text format,
//! generated from a seed, so that the whole pipeline runs offline on input
//! that looks and weighs like Gutenberg's.
//!
//! A corpus folder holds one file per book, named as Gutenberg names them
//! (`{id}-0.txt` UTF-8, `{id}-8.txt` ISO-8859-1, `{id}.txt` ASCII), plus
//! `catalog.tsv` (id, file, title, author, language, encoding, bytes) and a
//! `pg_catalog.csv` in the format of Gutenberg's own catalog, which also
//! lists an audio book (type `Sound`, no text file) for every tenth book.
//! Ebook ids start at [`FIRST_ID`], far above any real Gutenberg number.
//! The files can also be laid out as a local copy of Gutenberg would hold
//! them ([`CorpusLayout`]): the numbered tree with `.zip` files, or the
//! generated files alone.

pub(crate) mod format;
mod layout;
mod prose;
mod vocab;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::book::BookId;
use crate::rng::Rng;
use crate::store::{StoreError, write_atomic};
pub use layout::CorpusLayout;
pub use vocab::LANGUAGES;
use vocab::{Language, Vocabulary, capitalize};

/// The first synthetic ebook id; real Gutenberg numbers are far below it.
pub const FIRST_ID: u32 = 900_001;
/// The catalog gutenpipe reads back (tab-separated, one book a line).
pub const CATALOG_FILE: &str = "catalog.tsv";
/// The catalog in Project Gutenberg's `pg_catalog.csv` format.
pub const PG_CATALOG_FILE: &str = "pg_catalog.csv";
const CATALOG_HEADER: &str = "id\tfile\ttitle\tauthor\tlanguage\tencoding\tbytes";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusConfig {
    /// How many books.
    pub books: usize,
    /// The seed: the same seed gives the same bytes.
    pub seed: u64,
    /// Multiplies every book's size (1.0 gives Gutenberg's spread: median
    /// about 300 kB, from about 20 kB to 4 MB).
    pub size_scale: f64,
}

/// One book of a corpus, as its catalog lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CatalogEntry {
    /// The ebook number.
    pub id: BookId,
    /// File name inside the corpus folder.
    pub file: String,
    /// The book's title.
    pub title: String,
    /// The book's author.
    pub author: String,
    /// ISO 639-1 code.
    pub language: String,
    /// `UTF-8`, `ISO-8859-1` or `US-ASCII`.
    pub encoding: String,
    /// Size of the file, in bytes.
    pub bytes: u64,
}

/// A failure to write or read a corpus.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// Writing a book failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading or writing a file of the corpus failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read the corpus catalog`).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The folder holds files but no corpus catalog: not ours to write into.
    #[error(
        "{} is not empty and holds no corpus ({CATALOG_FILE} is missing); choose an empty or new folder",
        path.display()
    )]
    NotACorpus {
        /// The folder.
        path: PathBuf,
    },
    /// The corpus's catalog has a line gutenpipe cannot read.
    #[error("{}:{line}: {problem}", path.display())]
    BadCatalog {
        /// The catalog file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
}

/// Sizes of Gutenberg plain-text books: (quantile in millionths, bytes).
const SIZE_QUANTILES: [(u64, u64); 9] = [
    (0, 15_000),
    (100_000, 45_000),
    (250_000, 110_000),
    (500_000, 280_000),
    (750_000, 520_000),
    (900_000, 900_000),
    (970_000, 1_600_000),
    (990_000, 2_600_000),
    (1_000_000, 4_000_000),
];

fn body_size(rng: &mut Rng, scale: f64) -> usize {
    let u = rng.below(1_000_000);
    let i = SIZE_QUANTILES
        .partition_point(|&(q, _)| q <= u)
        .clamp(1, SIZE_QUANTILES.len() - 1);
    let (q0, b0) = SIZE_QUANTILES[i - 1];
    let (q1, b1) = SIZE_QUANTILES[i];
    let bytes = b0 + (b1 - b0) * (u - q0) / (q1 - q0);
    ((bytes as f64 * scale) as usize).max(2_000)
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Utf8 { bom: bool },
    Latin1,
    Ascii,
}

impl Encoding {
    fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 { .. } => "UTF-8",
            Encoding::Latin1 => "ISO-8859-1",
            Encoding::Ascii => "US-ASCII",
        }
    }
    fn file_name(self, id: BookId) -> String {
        match self {
            Encoding::Utf8 { .. } => format!("{id}-0.txt"),
            Encoding::Latin1 => format!("{id}-8.txt"),
            Encoding::Ascii => format!("{id}.txt"),
        }
    }
    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 { bom } => {
                let mut bytes = Vec::with_capacity(text.len() + 3);
                if bom {
                    bytes.extend_from_slice("\u{FEFF}".as_bytes());
                }
                bytes.extend_from_slice(text.as_bytes());
                bytes
            }
            Encoding::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            Encoding::Ascii => {
                let mut out = Vec::with_capacity(text.len());
                for c in text.chars() {
                    if c.is_ascii() {
                        out.push(c as u8);
                    } else {
                        out.extend_from_slice(ascii_stand_in(c).as_bytes());
                    }
                }
                out
            }
        }
    }
}

/// The ASCII letters an accented letter is written with in an ASCII file.
fn ascii_stand_in(c: char) -> &'static str {
    match c {
        'é' | 'è' | 'ê' | 'ë' => "e",
        'à' | 'á' | 'â' | 'ä' => "a",
        'ï' | 'î' | 'í' => "i",
        'ô' | 'ó' | 'ö' | 'ò' => "o",
        'ü' | 'ù' | 'ú' => "u",
        'ç' => "c",
        'ñ' => "n",
        'ß' => "ss",
        _ => "?",
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SUBJECTS: [&str; 6] = [
    "Synthetic fiction",
    "Adventure stories -- Synthetic",
    "Love stories -- Synthetic",
    "Sea stories -- Synthetic",
    "Detective and mystery stories -- Synthetic",
    "Poetry -- Synthetic",
];
/// The bookshelf of the audio books the catalog lists.
const AUDIO_BOOKSHELF: &str = "Synthetic Audio Books";
const BOOKSHELVES: [&str; 4] = [
    "Synthetic Adventure",
    "Synthetic Romance",
    "Synthetic Mystery",
    "Synthetic Poetry",
];

/// A generated book: its catalog entry, the bytes of its file, and the
/// fields only Gutenberg's CSV catalog carries.
struct GeneratedBook {
    entry: CatalogEntry,
    bytes: Vec<u8>,
    issued: String,
    catalog_author: String,
    subjects: String,
    bookshelf: String,
}

fn pick_language(rng: &mut Rng) -> Language {
    // English 70 %, French 9 %, German 8 %, Spanish 5 %, Finnish 4 %, Italian 4 %.
    let roll = rng.below(100);
    let index = match roll {
        0..70 => 0,
        70..79 => 1,
        79..87 => 2,
        87..92 => 3,
        92..96 => 4,
        _ => 5,
    };
    LANGUAGES[index]
}

fn generate_book(
    config: &CorpusConfig,
    index: usize,
    vocabularies: &[Vocabulary],
) -> GeneratedBook {
    let mut rng = Rng::derive(config.seed, index as u64);
    let id = BookId(FIRST_ID + index as u32);
    let language = pick_language(&mut rng);
    let vocab = vocabularies
        .iter()
        .find(|v| v.language == language)
        .expect("a vocabulary for every language");
    let encoding = match (language.code, rng.below(10)) {
        ("en", 0..4) => Encoding::Utf8 { bom: true },
        ("en", 4..8) => Encoding::Utf8 { bom: false },
        ("en", _) => Encoding::Ascii,
        (_, 0..6) => Encoding::Utf8 {
            bom: rng.chance(0.5),
        },
        _ => Encoding::Latin1,
    };
    let newline = if rng.chance(0.85) { "\r\n" } else { "\n" };

    let first = capitalize(vocab.rare(&mut rng));
    let last = capitalize(vocab.rare(&mut rng));
    let author = format!("{first} {last} (synthetic author)");
    let catalog_author = format!("{last}, {first}, synthetic author");
    let title_words = format!(
        "{} {} {}",
        capitalize(vocab.rare(&mut rng)),
        language.conjunction,
        capitalize(vocab.rare(&mut rng))
    );
    let title = format!("{title_words}, a synthetic novel");
    let year = rng.between(1994, 2024);
    let month = rng.below(12) as usize;
    let day = rng.between(1, 28);
    let release_date = format!("{} {day}, {year}", MONTHS[month]);
    let issued = format!("{year}-{:02}-{day:02}", month + 1);
    let subjects = format!("{}; {}", rng.pick(&SUBJECTS), rng.pick(&SUBJECTS));
    let bookshelf = rng.pick(&BOOKSHELVES).to_string();

    let target = body_size(&mut rng, config.size_scale);
    let typographic = matches!(encoding, Encoding::Utf8 { .. });
    let mut writer = prose::ProseWriter::new(vocab, Rng::derive(rng.next_u64(), 1), typographic);
    let fields = format::HeaderFields {
        id: id.0,
        title: &title,
        author: &author,
        language: language.name,
        release_date: &release_date,
        charset: encoding.label(),
    };
    let mut text = format::header(&fields, newline);
    text.push_str(&writer.body(target, newline));
    text.push_str(&format::footer(&title, newline));
    let bytes = encoding.encode(&text);

    GeneratedBook {
        entry: CatalogEntry {
            id,
            file: encoding.file_name(id),
            title,
            author,
            language: language.code.to_string(),
            encoding: encoding.label().to_string(),
            bytes: bytes.len() as u64,
        },
        bytes,
        issued,
        catalog_author,
        subjects,
        bookshelf,
    }
}

/// Writes a corpus into `dir`, every file in the folder itself, and returns
/// its catalog. The same config gives the same bytes on every machine. A
/// folder holding an earlier corpus is replaced; any other non-empty folder
/// is refused.
pub fn write_corpus(dir: &Path, config: &CorpusConfig) -> Result<Vec<CatalogEntry>, CorpusError> {
    write_corpus_as(dir, config, CorpusLayout::Flat)
}

/// Writes a corpus into `dir` as [`write_corpus`] does, its files arranged
/// as `layout` says; each catalog entry's `file` is the path of the book's
/// file relative to `dir` (its zip's, for a book that exists only zipped).
pub fn write_corpus_as(
    dir: &Path,
    config: &CorpusConfig,
    layout: CorpusLayout,
) -> Result<Vec<CatalogEntry>, CorpusError> {
    let io = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| CorpusError::Io {
            action,
            path,
            source,
        }
    };
    fs::create_dir_all(dir).map_err(io("create", dir))?;
    if dir.join(CATALOG_FILE).exists() {
        for old in read_catalog(dir)? {
            layout::remove_book(dir, &old.file);
        }
    } else if fs::read_dir(dir).map_err(io("read", dir))?.next().is_some() {
        return Err(CorpusError::NotACorpus {
            path: dir.to_path_buf(),
        });
    }

    let vocabularies: Vec<Vocabulary> = LANGUAGES.iter().map(|&l| Vocabulary::new(l)).collect();
    let books: Vec<GeneratedBook> = (0..config.books)
        .into_par_iter()
        .map(|index| {
            let mut book = generate_book(config, index, &vocabularies);
            let e = &book.entry;
            let zip_only = layout.zip_only(index);
            book.entry.file = layout.write(dir, e.id, &e.file, &book.bytes, zip_only)?;
            book.bytes = Vec::new();
            Ok(book)
        })
        .collect::<Result<_, CorpusError>>()?;

    let mut tsv = String::from(CATALOG_HEADER);
    tsv.push('\n');
    let mut csv =
        String::from("Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n");
    let mut csv_row = |id: BookId, kind: &str, b: &GeneratedBook, bookshelf: &str| {
        let e = &b.entry;
        let fields = [
            &id.to_string(),
            kind,
            &b.issued,
            &e.title,
            &e.language,
            &b.catalog_author,
            &b.subjects,
            "PZ",
            bookshelf,
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    };
    for b in &books {
        let e = &b.entry;
        let _ = writeln!(
            tsv,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            e.id, e.file, e.title, e.author, e.language, e.encoding, e.bytes
        );
        csv_row(e.id, "Text", b, &b.bookshelf);
    }
    // Like Gutenberg's, the catalog also lists audio books, which have no
    // text file: one for every tenth book, numbered after the last book.
    let audio_books = books.iter().enumerate().filter(|(i, _)| i % 10 == 4);
    for (k, (_, b)) in audio_books.enumerate() {
        let id = BookId(FIRST_ID + (books.len() + k) as u32);
        csv_row(id, "Sound", b, AUDIO_BOOKSHELF);
    }
    write_atomic(dir, PG_CATALOG_FILE, csv.as_bytes(), false)?;
    write_atomic(dir, CATALOG_FILE, tsv.as_bytes(), false)?;
    Ok(books.into_iter().map(|b| b.entry).collect())
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Reads the catalog of the corpus in `dir`.
pub fn read_catalog(dir: &Path) -> Result<Vec<CatalogEntry>, CorpusError> {
    let path = dir.join(CATALOG_FILE);
    let text = fs::read_to_string(&path).map_err(|source| CorpusError::Io {
        action: "read the corpus catalog",
        path: path.clone(),
        source,
    })?;
    let bad = |line: usize, problem: String| CorpusError::BadCatalog {
        path: path.clone(),
        line,
        problem,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header == CATALOG_HEADER => {}
        _ => return Err(bad(1, format!("the first line must be `{CATALOG_HEADER}`"))),
    }
    lines
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, line)| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 7 {
                return Err(bad(
                    n + 1,
                    format!("expected 7 tab-separated fields, found {}", f.len()),
                ));
            }
            Ok(CatalogEntry {
                id: f[0].parse().map_err(|e| bad(n + 1, e))?,
                file: f[1].to_string(),
                title: f[2].to_string(),
                author: f[3].to_string(),
                language: f[4].to_string(),
                encoding: f[5].to_string(),
                bytes: f[6]
                    .parse()
                    .map_err(|_| bad(n + 1, format!("`{}` is not a byte count", f[6])))?,
            })
        })
        .collect()
}

/// Where a corpus generated for `config` is cached when no folder is given:
/// a folder named after the config in gutenpipe's cache folder
/// ([`crate::cache::root`]).
pub fn default_dir(config: &CorpusConfig) -> PathBuf {
    crate::cache::root().join(format!(
        "{}books{}-seed{}-scale{}",
        crate::cache::CORPUS_PREFIX,
        config.books,
        config.seed,
        config.size_scale
    ))
}

/// The catalog of the corpus in `dir`, generating the corpus first when the
/// folder holds none. The flag says whether it was generated.
pub fn open_or_generate(
    dir: &Path,
    config: &CorpusConfig,
) -> Result<(Vec<CatalogEntry>, bool), CorpusError> {
    if dir.join(CATALOG_FILE).is_file() {
        Ok((read_catalog(dir)?, false))
    } else {
        Ok((write_corpus(dir, config)?, true))
    }
}

/// A corpus's `--size-scale`: a number above 0, at most 100.
pub fn parse_size_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 100.0 => Ok(x),
        _ => Err(format!(
            "`{text}` is not a scale between 0 and 100 (e.g. 0.5)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_spread_like_gutenberg() {
        let mut rng = Rng::new(11);
        let mut sizes: Vec<usize> = (0..2000).map(|_| body_size(&mut rng, 1.0)).collect();
        sizes.sort_unstable();
        let median = sizes[1000];
        assert!((200_000..400_000).contains(&median), "median {median}");
        assert!(sizes[0] >= 15_000 && sizes[1999] <= 4_000_000);
        assert!(sizes[1990] > 2_000_000, "a long tail of big books");
    }

    #[test]
    fn books_are_reproducible_and_well_formed() {
        let config = CorpusConfig {
            books: 12,
            seed: 99,
            size_scale: 0.05,
        };
        let vocabularies: Vec<Vocabulary> = LANGUAGES.iter().map(|&l| Vocabulary::new(l)).collect();
        for index in 0..config.books {
            let a = generate_book(&config, index, &vocabularies);
            let b = generate_book(&config, index, &vocabularies);
            assert_eq!(a.bytes, b.bytes);
            let text = match a.entry.encoding.as_str() {
                "ISO-8859-1" => a.bytes.iter().map(|&b| b as char).collect(),
                _ => String::from_utf8(a.bytes.clone()).expect("UTF-8 or ASCII"),
            };
            if a.entry.encoding == "US-ASCII" {
                assert!(a.bytes.is_ascii());
            }
            assert!(text.contains(&format!("[eBook #{}]", a.entry.id)));
            assert!(text.contains("*** START OF THE PROJECT GUTENBERG EBOOK "));
            assert!(text.contains("*** END OF THE PROJECT GUTENBERG EBOOK "));
            assert!(a.entry.title.contains("synthetic") && a.entry.author.contains("synthetic"));
            assert!(a.entry.id.0 >= FIRST_ID);
        }
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
