//! The books of a run, kept so that memory does not grow with them: each
//! book's record ([`BookReport`]) is written as one JSON line to a spool file
//! (an unnamed temporary file, gone when the run's record is dropped) as
//! soon as the book is done, and read back, in input order, when the JSON
//! report or `results.jsonl` is written. In memory stay only what the
//! terminal needs — the counts ([`BookTally`]) and a [`BookNote`] for each
//! book with something to say (failed, suspect, warnings) — and, per book,
//! where its line is (16 bytes).
//!
//! A record made by hand (tests, other programs) may hold its books in
//! memory instead ([`Books::from`] a `Vec`); both read the same.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};

use super::{BookReport, Refreshed, Status};
use crate::book::BookId;

/// What the books of a run add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BookTally {
    /// Books recorded.
    pub books: usize,
    /// Saved and processed.
    pub ok: usize,
    /// Saved and processed, but their bodies may not be the book.
    pub suspect: usize,
    /// Failed at some step.
    pub failed: usize,
    /// Already saved and matching the manifest: neither downloaded nor saved.
    pub resumed: usize,
    /// Downloaded and saved by this run, failed later or not.
    pub saved: usize,
    /// Download attempts repeated, over all books.
    pub retries: u64,
    /// Books whose download was repeated at least once.
    pub retried: usize,
    /// Books already saved that `--refresh` found unchanged at the source.
    pub unchanged: usize,
    /// Books already saved that `--refresh` replaced with the source's
    /// newer version.
    pub updated: usize,
}

impl BookTally {
    fn add(&mut self, book: &BookReport) {
        self.books += 1;
        match book.status {
            Status::Ok => self.ok += 1,
            Status::Suspect => self.suspect += 1,
            Status::Failed => self.failed += 1,
        }
        self.resumed += usize::from(book.resumed);
        self.saved +=
            usize::from(book.status != Status::Failed && !book.resumed && book.path.is_some());
        self.retries += u64::from(book.retries);
        self.retried += usize::from(book.retries > 0);
        self.unchanged += usize::from(book.refreshed == Some(Refreshed::Unchanged));
        self.updated += usize::from(book.refreshed == Some(Refreshed::Updated));
    }
}

/// What the terminal says of one book that failed, is suspect or has
/// warnings: the fields of its record it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookNote {
    /// Position in the input.
    pub index: usize,
    /// The ebook number.
    pub id: BookId,
    /// How the book ended.
    pub status: Status,
    /// The step it failed at, when it failed.
    pub failed_stage: Option<String>,
    /// The error, when it failed.
    pub error: Option<String>,
    /// Why it is suspect, when it is.
    pub suspect: Option<String>,
    /// Warnings on the book (decoding, markers).
    pub warnings: Vec<String>,
    /// The URL the book was fetched from, when one was tried.
    pub url: Option<String>,
}

impl BookNote {
    /// The note of `book`, when it has something to say.
    fn of(book: &BookReport) -> Option<BookNote> {
        (book.status != Status::Ok || !book.warnings.is_empty()).then(|| BookNote {
            index: book.index,
            id: book.id,
            status: book.status,
            failed_stage: book.failed_stage.clone(),
            error: book.error.clone(),
            suspect: book.suspect.clone(),
            warnings: book.warnings.clone(),
            url: book.url.clone(),
        })
    }
}

/// Where one book's line is in the spool.
#[derive(Debug, Clone, Copy)]
struct Line {
    offset: u64,
    /// 0: not recorded.
    len: u32,
    id: BookId,
}

const MISSING: Line = Line {
    offset: 0,
    len: 0,
    id: BookId(0),
};

/// Where the records are.
#[derive(Debug, Clone)]
enum Records {
    Memory(Vec<BookReport>),
    Spool {
        file: Arc<File>,
        lines: Arc<Vec<Line>>,
    },
}

/// Every book of a run, in input order (see the module docs). Serialises as
/// the JSON array of their records.
#[derive(Debug, Clone)]
pub struct Books {
    tally: BookTally,
    notes: Vec<BookNote>,
    records: Records,
}

impl Default for Books {
    fn default() -> Books {
        Books::from(Vec::new())
    }
}

impl From<Vec<BookReport>> for Books {
    /// Books held in memory (already in input order).
    fn from(books: Vec<BookReport>) -> Books {
        let mut tally = BookTally::default();
        let mut notes = Vec::new();
        for book in &books {
            tally.add(book);
            notes.extend(BookNote::of(book));
        }
        Books {
            tally,
            notes,
            records: Records::Memory(books),
        }
    }
}

impl Books {
    /// Number of books recorded.
    pub fn len(&self) -> usize {
        self.tally.books
    }

    /// Whether no book was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the books add up to.
    pub fn tally(&self) -> &BookTally {
        &self.tally
    }

    /// The books that failed, are suspect or have warnings, in input order.
    pub fn notes(&self) -> &[BookNote] {
        &self.notes
    }

    /// The ebook id of the book at input position `index`.
    pub fn id(&self, index: usize) -> Option<BookId> {
        match &self.records {
            Records::Memory(books) => books
                .get(index)
                .filter(|b| b.index == index)
                .or_else(|| books.iter().find(|b| b.index == index))
                .map(|b| b.id),
            Records::Spool { lines, .. } => lines.get(index).filter(|l| l.len > 0).map(|l| l.id),
        }
    }

    /// Every book's record, in input order, read back from the spool when
    /// they are there (an error only when the spool cannot be read).
    pub fn iter(&self) -> impl Iterator<Item = io::Result<BookReport>> + '_ {
        let (memory, spool) = match &self.records {
            Records::Memory(books) => (Some(books.iter().cloned().map(Ok)), None),
            Records::Spool { file, lines } => {
                let read = lines
                    .iter()
                    .filter(|l| l.len > 0)
                    .map(move |l| read_line(file, l).and_then(|b| parse(&b)));
                (None, Some(read))
            }
        };
        memory
            .into_iter()
            .flatten()
            .chain(spool.into_iter().flatten())
    }

    /// Every book's record in memory, in input order.
    pub fn to_vec(&self) -> io::Result<Vec<BookReport>> {
        self.iter().collect()
    }

    /// Writes every book's record as one JSON line (`results.jsonl`), in
    /// input order.
    pub fn write_lines(&self, out: &mut dyn Write) -> io::Result<()> {
        match &self.records {
            Records::Memory(books) => {
                for book in books {
                    serde_json::to_writer(&mut *out, book)?;
                    out.write_all(b"\n")?;
                }
            }
            Records::Spool { file, lines } => {
                for line in lines.iter().filter(|l| l.len > 0) {
                    out.write_all(&read_line(file, line)?)?;
                }
            }
        }
        Ok(())
    }
}

fn read_line(file: &File, line: &Line) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; line.len as usize];
    file.read_exact_at(&mut bytes, line.offset)?;
    Ok(bytes)
}

fn parse(line: &[u8]) -> io::Result<BookReport> {
    serde_json::from_slice(line).map_err(io::Error::other)
}

impl Serialize for Books {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for book in self.iter() {
            let book = book.map_err(|e| {
                S::Error::custom(format!("could not read back the books' records: {e}"))
            })?;
            seq.serialize_element(&book)?;
        }
        seq.end()
    }
}

/// Takes the books of a run as they finish, in any order, and makes their
/// [`Books`]: each record goes to the spool file at once.
pub struct BookSpool {
    out: BufWriter<File>,
    written: u64,
    tally: BookTally,
    notes: Vec<BookNote>,
    lines: Vec<Line>,
}

impl BookSpool {
    /// A spool writing to `file` (a new, empty file; an unnamed temporary
    /// one is best) for `books` books.
    pub fn new(file: File, books: usize) -> BookSpool {
        BookSpool {
            out: BufWriter::with_capacity(256 << 10, file),
            written: 0,
            tally: BookTally::default(),
            notes: Vec::new(),
            lines: vec![MISSING; books],
        }
    }

    /// Records the book at input position `position`; a position already
    /// recorded, or outside the input, is ignored.
    pub fn add(&mut self, position: usize, book: &BookReport) -> io::Result<()> {
        let Some(line) = self.lines.get_mut(position).filter(|l| l.len == 0) else {
            return Ok(());
        };
        let mut bytes = serde_json::to_vec(book).map_err(io::Error::other)?;
        bytes.push(b'\n');
        let len = u32::try_from(bytes.len())
            .map_err(|_| io::Error::other("a book's record is larger than 4 GB"))?;
        self.out.write_all(&bytes)?;
        *line = Line {
            offset: self.written,
            len,
            id: book.id,
        };
        self.written += u64::from(len);
        self.tally.add(book);
        if let Some(note) = BookNote::of(book) {
            self.notes.push(note);
        }
        Ok(())
    }

    /// Number of books recorded so far.
    pub fn recorded(&self) -> usize {
        self.tally.books
    }

    /// The books recorded.
    pub fn finish(self) -> io::Result<Books> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        let mut notes = self.notes;
        notes.sort_by_key(|n| n.index);
        Ok(Books {
            tally: self.tally,
            notes,
            records: Records::Spool {
                file: Arc::new(file),
                lines: Arc::new(self.lines),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn book(index: usize, status: Status) -> BookReport {
        BookReport {
            index,
            id: BookId(100 + index as u32),
            status,
            url: Some(format!("http://m/files/{index}.txt")),
            path: (status != Status::Failed).then(|| format!("out/{index}.txt")),
            bytes: Some(index as u64 * 10),
            encoding: Some("UTF-8".into()),
            metadata: Default::default(),
            failed_stage: (status == Status::Failed).then(|| "download".into()),
            error: (status == Status::Failed).then(|| "not found".into()),
            suspect: (status == Status::Suspect).then(|| "an HTML page".into()),
            retries: (index % 3) as u32,
            resumed: false,
            refreshed: None,
            results: BTreeMap::from([(
                "stats".to_string(),
                serde_json::json!({ "mean": 0.1 + index as f64 / 7.0, "top": ["a", "b"] }),
            )]),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn books_finished_in_any_order_read_back_in_input_order_as_in_memory() {
        let statuses = [
            Status::Ok,
            Status::Failed,
            Status::Ok,
            Status::Suspect,
            Status::Ok,
        ];
        let all: Vec<BookReport> = statuses
            .iter()
            .enumerate()
            .map(|(i, s)| book(i, *s))
            .collect();
        let mut spool = BookSpool::new(tempfile::tempfile().unwrap(), all.len());
        for i in [3, 0, 4, 1, 2, 3] {
            spool.add(i, &all[i]).unwrap();
        }
        let spooled = spool.finish().unwrap();
        let memory = Books::from(all.clone());
        for books in [&spooled, &memory] {
            assert_eq!(books.len(), 5);
            assert_eq!(books.tally().failed, 1);
            assert_eq!(books.tally().suspect, 1);
            assert_eq!(books.tally().saved, 4);
            assert_eq!(books.tally().retries, 4, "0 + 1 + 2 + 0 + 1");
            assert_eq!(books.tally().retried, 3);
            let notes: Vec<usize> = books.notes().iter().map(|n| n.index).collect();
            assert_eq!(notes, [1, 3]);
            assert_eq!(books.id(4), Some(BookId(104)));
            let read = books.to_vec().unwrap();
            let json = |b: &[BookReport]| serde_json::to_string_pretty(b).unwrap();
            assert_eq!(
                json(&read),
                json(&all),
                "exactly the records, floats and all"
            );
            assert_eq!(
                serde_json::to_string_pretty(books).unwrap(),
                json(&all),
                "serialised as the array of records"
            );
            let mut lines = Vec::new();
            books.write_lines(&mut lines).unwrap();
            let expected: String = all
                .iter()
                .map(|b| serde_json::to_string(b).unwrap() + "\n")
                .collect();
            assert_eq!(String::from_utf8(lines).unwrap(), expected);
        }
    }
}
