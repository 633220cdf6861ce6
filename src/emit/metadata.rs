//! `--emit metadata`: `metadata/metadata.csv`, one row per book saved, as
//! the Standardized Project Gutenberg Corpus keeps it: ebook id, title,
//! author, language, release date, the URL it came from, the SHA-256 and
//! size of the saved file, and its word count. Title, author, language and
//! release date come from the catalog row when the books were chosen from a
//! catalog, else from the book's header (read by the `clean` stage).

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::book::BookId;
use crate::catalog::CatalogBook;
use crate::record::{BookReport, Books, Status};
use crate::store::manifest::Manifest;

/// The file's name, in the `metadata/` folder.
pub const METADATA_FILE: &str = "metadata.csv";

/// The columns, in order.
pub const COLUMNS: [&str; 9] = [
    "id",
    "title",
    "author",
    "language",
    "release_date",
    "source_url",
    "sha256",
    "bytes",
    "tokens",
];

/// Writes the header and one row per book of `books` that was saved, in
/// input order, properly quoted (the `csv` crate). `catalog` holds the rows
/// of the catalog the books were chosen from (empty when none was used);
/// `manifest` gives each saved file's SHA-256.
pub fn write(
    out: &mut dyn Write,
    books: &Books,
    catalog: &BTreeMap<BookId, CatalogBook>,
    manifest: &Manifest,
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(COLUMNS).map_err(io::Error::other)?;
    for book in books.iter() {
        let book = book?;
        if book.status == Status::Failed || book.path.is_none() {
            continue;
        }
        let sha256 = manifest.get(book.id).map(|e| e.sha256).unwrap_or_default();
        let row = row(&book, catalog.get(&book.id), sha256);
        csv.write_record(&row).map_err(io::Error::other)?;
    }
    csv.flush()
}

/// One book's row.
fn row(book: &BookReport, catalog: Option<&CatalogBook>, sha256: String) -> [String; 9] {
    let header = &book.metadata;
    let pick = |from_catalog: Option<&str>, from_header: &Option<String>| {
        from_catalog
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(one_line)
            .or_else(|| from_header.as_deref().map(one_line))
            .unwrap_or_default()
    };
    let tokens = book
        .results
        .get("tokenize")
        .and_then(|r| r.get("tokens"))
        .and_then(|t| t.as_u64())
        .map_or(String::new(), |t| t.to_string());
    [
        book.id.to_string(),
        pick(catalog.map(|c| c.title.as_str()), &header.title),
        pick(catalog.map(|c| c.authors.as_str()), &header.author),
        pick(catalog.map(|c| c.language.as_str()), &header.language),
        pick(catalog.map(|c| c.issued.as_str()), &header.release_date),
        book.url.clone().unwrap_or_default(),
        sha256,
        book.bytes.map_or(String::new(), |b| b.to_string()),
        tokens,
    ]
}

/// A value on one line: line breaks (a catalog title's subtitle line)
/// become spaces.
fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gutenberg::Metadata;

    fn book(id: u32, status: Status) -> BookReport {
        BookReport {
            index: 0,
            id: BookId(id),
            status,
            url: Some(format!("http://m/cache/epub/{id}/pg{id}.txt")),
            path: Some(format!("out/{id}.txt")),
            bytes: Some(1234),
            encoding: Some("UTF-8".into()),
            metadata: Metadata {
                title: Some("Faust: Der Tragödie erster Teil".into()),
                author: Some("Goethe".into()),
                language: Some("German".into()),
                release_date: Some("June, 1995".into()),
                ..Metadata::default()
            },
            failed_stage: None,
            error: None,
            suspect: None,
            retries: 0,
            resumed: false,
            refreshed: None,
            results: BTreeMap::from([(
                "tokenize".to_string(),
                serde_json::json!({ "tokens": 42, "vocabulary": 7 }),
            )]),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn rows_come_from_the_header_or_the_catalog_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let (manifest, _) = Manifest::load(dir.path(), false).unwrap();
        let mut failed = book(3, Status::Failed);
        failed.path = None;
        let books = Books::from(vec![book(2229, Status::Ok), failed, book(84, Status::Ok)]);
        let catalog = BTreeMap::from([(
            BookId(84),
            CatalogBook {
                id: BookId(84),
                kind: "Text".into(),
                issued: "1993-10-01".into(),
                title: "Frankenstein; Or, The Modern Prometheus".into(),
                language: "en".into(),
                authors: "Shelley, Mary Wollstonecraft, 1797-1851".into(),
                subjects: String::new(),
                locc: String::new(),
                bookshelves: String::new(),
            },
        )]);
        let mut out = Vec::new();
        write(&mut out, &books, &catalog, &manifest).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "id,title,author,language,release_date,source_url,sha256,bytes,tokens",
                "2229,Faust: Der Tragödie erster Teil,Goethe,German,\"June, 1995\",http://m/cache/epub/2229/pg2229.txt,,1234,42",
                "84,\"Frankenstein; Or, The Modern Prometheus\",\"Shelley, Mary Wollstonecraft, 1797-1851\",en,1993-10-01,http://m/cache/epub/84/pg84.txt,,1234,42",
            ]
        );
        // What a CSV reader reads back is what was meant.
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(&rows[1][2], "Shelley, Mary Wollstonecraft, 1797-1851");
    }
}
