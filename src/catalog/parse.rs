//! Reading `pg_catalog.csv`: RFC 4180 CSV (fields quoted when they hold a
//! comma, a quote or a line break) with a header naming the columns. Columns
//! are found by name, so an added or reordered column does no harm; a row
//! that cannot be read is skipped and counted, never fatal.

use std::collections::HashSet;

use super::{Catalog, CatalogBook, CatalogError, SkippedRow};
use crate::book::BookId;

/// The columns gutenpipe needs; any others are ignored.
const REQUIRED: [&str; 5] = ["Text#", "Type", "Title", "Language", "Authors"];
/// Columns read when present, left empty when not.
const OPTIONAL: [&str; 4] = ["Issued", "Subjects", "LoCC", "Bookshelves"];

/// Where the columns are in the header, and how many there are.
struct Columns {
    /// `Text#`, `Type`, `Title`, `Language`, `Authors`.
    required: [usize; REQUIRED.len()],
    /// `Issued`, `Subjects`, `LoCC`, `Bookshelves`, when present.
    optional: [Option<usize>; OPTIONAL.len()],
    /// Fields in the header.
    width: usize,
}

impl Columns {
    /// The columns of `header`, or what is wrong with it.
    fn find(header: &[String]) -> Result<Columns, String> {
        if header.iter().all(String::is_empty) {
            return Err("it is empty".into());
        }
        let column = |name: &str| header.iter().position(|h| h == name);
        let mut required = [0usize; REQUIRED.len()];
        for (slot, name) in required.iter_mut().zip(REQUIRED) {
            *slot = column(name).ok_or_else(|| {
                let first: String = header.join(",").chars().take(80).collect();
                format!(
                    "its header has no `{name}` column (expected `Text#,Type,Issued,Title,Language,Authors,…`, found `{first}`)"
                )
            })?;
        }
        Ok(Columns {
            required,
            optional: OPTIONAL.map(column),
            width: header.len(),
        })
    }

    /// The book a row describes, or why it is skipped.
    fn book(&self, record: &csv::ByteRecord) -> Result<CatalogBook, String> {
        if record.len() != self.width {
            return Err(format!("{} fields instead of {}", record.len(), self.width));
        }
        let fields: Vec<&str> = record
            .iter()
            .map(std::str::from_utf8)
            .collect::<Result<_, _>>()
            .map_err(|_| "not valid UTF-8".to_string())?;
        let [id_col, type_col, title_col, language_col, authors_col] = self.required;
        let [issued_col, subjects_col, locc_col, shelves_col] = self.optional;
        let get = |col: Option<usize>| col.map_or(String::new(), |c| fields[c].trim().to_string());
        Ok(CatalogBook {
            id: fields[id_col].parse()?,
            kind: get(Some(type_col)),
            issued: get(issued_col),
            title: get(Some(title_col)),
            language: get(Some(language_col)),
            authors: get(Some(authors_col)),
            subjects: get(subjects_col),
            locc: get(locc_col),
            bookshelves: get(shelves_col),
        })
    }
}

/// Parses a whole catalog. `origin` (a path or URL) names it in errors.
///
/// Fails only when the input is not a catalog at all (no header with the
/// columns `Text#`, `Type`, `Title`, `Language`, `Authors`); bad rows land in
/// [`Catalog::skipped`].
pub fn parse(bytes: &[u8], origin: &str) -> Result<Catalog, CatalogError> {
    let not_a_catalog = |problem: String| CatalogError::NotACatalog {
        origin: origin.to_string(),
        problem,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(|e| not_a_catalog(e.to_string()))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let columns = Columns::find(&header).map_err(not_a_catalog)?;
    let mut catalog = Catalog::default();
    let mut seen: HashSet<BookId> = HashSet::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Only I/O can fail here, and the input is in memory.
            Err(e) => return Err(not_a_catalog(format!("unreadable at line {line}: {e}"))),
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
            continue; // a blank line
        }
        let problem = match columns.book(&record) {
            Ok(book) if seen.insert(book.id) => {
                catalog.books.push(book);
                continue;
            }
            Ok(book) => format!("ebook {} is listed a second time", book.id),
            Err(problem) => problem,
        };
        catalog.skipped.push(SkippedRow { line, problem });
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n";

    fn parsed(rows: &str) -> Catalog {
        parse(format!("{HEADER}{rows}").as_bytes(), "test.csv").expect("a catalog")
    }

    #[test]
    fn quoted_fields_keep_their_commas_quotes_and_line_breaks() {
        let c = parsed(concat!(
            "1,Text,1971-12-01,The Declaration of Independence of the United States of America,en,",
            "\"Jefferson, Thomas, 1743-1826\",",
            "\"United States -- History -- Revolution, 1775-1783 -- Sources; United States. Declaration of Independence\",",
            "E201; JK,Politics; American Revolutionary War; United States Law\n",
            "2,Text,1972-12-01,\"The United States Bill of Rights\r\nThe Ten Original Amendments to the Constitution of the United States\",",
            "en,United States,\"Civil rights -- United States -- Sources\",JK; KF,Politics\r\n",
            "3,Text,1973-11-01,\"A \"\"quoted\"\" word, and a comma\",fr,\"Verne, Jules, 1828-1905\",,PQ,\n",
        ));
        assert_eq!(c.skipped, vec![]);
        assert_eq!(c.books.len(), 3);
        assert_eq!(c.books[0].authors, "Jefferson, Thomas, 1743-1826");
        assert_eq!(
            c.books[0].subjects,
            "United States -- History -- Revolution, 1775-1783 -- Sources; United States. Declaration of Independence"
        );
        assert_eq!(
            c.books[1].title,
            "The United States Bill of Rights\r\nThe Ten Original Amendments to the Constitution of the United States"
        );
        assert_eq!(c.books[1].bookshelves, "Politics");
        assert_eq!(c.books[2].title, "A \"quoted\" word, and a comma");
        assert_eq!(c.books[2].id, BookId(3));
        assert_eq!(c.books[2].kind, "Text");
        assert_eq!(c.books[2].issued, "1973-11-01");
        assert_eq!(c.books[2].subjects, "");
        assert_eq!(c.books[2].locc, "PQ");
    }

    #[test]
    fn bad_rows_are_skipped_and_counted_with_their_line() {
        let c = parsed(concat!(
            "84,Text,1993-10-01,Frankenstein,en,\"Shelley, Mary\",Horror,PR,Gothic\n",
            "abc,Text,1993-10-01,No number,en,Nobody,,,\n",
            "85,Text,1993-10-01,Too few fields,en\n",
            "86,Text,1993-10-01,\"Spans\ntwo lines\",en,Somebody,,,,extra\n",
            "84,Text,1993-10-01,Frankenstein again,en,Nobody,,,\n",
            "0,Text,1993-10-01,Zero,en,Nobody,,,\n",
            "\n",
            "1342,Text,1998-06-01,Pride and Prejudice,en,\"Austen, Jane, 1775-1817\",,PR,\n",
        ));
        let ids: Vec<u32> = c.books.iter().map(|b| b.id.0).collect();
        assert_eq!(ids, vec![84, 1342]);
        let lines: Vec<u64> = c.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 7, 8]);
        assert!(c.skipped[0].problem.contains("`abc` is not an ebook id"));
        assert_eq!(c.skipped[1].problem, "5 fields instead of 9");
        assert_eq!(c.skipped[2].problem, "10 fields instead of 9");
        assert!(c.skipped[3].problem.contains("listed a second time"));
        let warning = c.skipped_warning().unwrap();
        assert!(
            warning.starts_with("skipped 5 malformed catalog rows (line 3: "),
            "{warning}"
        );
        assert!(warning.ends_with("; 2 more)"), "{warning}");
    }

    #[test]
    fn invalid_utf8_in_one_row_skips_only_that_row() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"5,Text,2000-01-01,Caf\xe9,fr,Someone,,,\n");
        bytes.extend_from_slice(b"6,Text,2000-01-01,Cafe,fr,Someone,,,\n");
        let c = parse(&bytes, "latin1.csv").unwrap();
        assert_eq!(c.books.len(), 1);
        assert_eq!(c.skipped[0].problem, "not valid UTF-8");
    }

    #[test]
    fn columns_are_found_by_name_and_a_bom_is_ignored() {
        let text = "\u{feff}Title,Text#,Language,Authors,Type,Downloads\n\"Emma\",158,en,\"Austen, Jane\",Text,9000\n";
        let c = parse(text.as_bytes(), "reordered.csv").unwrap();
        assert_eq!(c.books[0].id, BookId(158));
        assert_eq!(c.books[0].title, "Emma");
        assert_eq!(c.books[0].subjects, "");
    }

    #[test]
    fn something_else_is_not_a_catalog() {
        for (input, expect) in [
            ("", "it is empty"),
            ("<!DOCTYPE html><html>…", "no `Text#` column"),
            ("Text#,Title\n1,A\n", "no `Type` column"),
        ] {
            let err = parse(input.as_bytes(), "https://example.org/x.csv")
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("https://example.org/x.csv is not a Project Gutenberg catalog"),
                "{err}"
            );
            assert!(err.contains(expect), "{input:?}: {err}");
        }
    }

    #[test]
    fn a_header_alone_is_an_empty_catalog() {
        let c = parsed("");
        assert!(c.books.is_empty() && c.skipped.is_empty());
        assert_eq!(c.skipped_warning(), None);
    }
}
