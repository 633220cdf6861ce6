//! The table `gutenpipe books` prints: the books a selection matched (id,
//! title, author, language), titles and authors cut to fit the terminal.

use super::table::{Align, render_aligned};
use crate::catalog::CatalogBook;
use crate::terminal::fit;

/// `text` on one line (its lines joined with `: `).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// The widest the title and author columns are, whatever the width.
const TITLE_MOST: usize = 60;
const AUTHOR_MOST: usize = 40;
/// The narrowest they are cut to, however narrow the terminal.
const TITLE_LEAST: usize = 10;
const AUTHOR_LEAST: usize = 6;

/// How wide the title and author columns may be for the table of `books`
/// to fit `width` columns: as wide as the longest cell, at most 60 and 40,
/// and when that is too wide, the room left beside the id and language
/// shared between them (the title getting three fifths).
fn title_author_widths(books: &[CatalogBook], width: Option<usize>) -> (usize, usize) {
    let widest = |f: fn(&CatalogBook) -> &str, most: usize| {
        books
            .iter()
            .map(|b| fit::width(&one_line(f(b))))
            .max()
            .unwrap_or(0)
            .clamp(6, most)
    };
    let title = widest(|b| &b.title, TITLE_MOST);
    let author = widest(|b| &b.authors, AUTHOR_MOST);
    let Some(width) = width else {
        return (title, author);
    };
    let id = books
        .iter()
        .map(|b| b.id.to_string().len())
        .max()
        .unwrap_or(0)
        .max(2);
    let language = books
        .iter()
        .map(|b| fit::width(&b.language))
        .max()
        .unwrap_or(0)
        .max(8);
    let room = width.saturating_sub(id + language + 3 * 2);
    if title + author <= room {
        return (title, author);
    }
    let t = (room * 3 / 5).clamp(TITLE_LEAST.min(title), title);
    let a = room
        .saturating_sub(t)
        .clamp(AUTHOR_LEAST.min(author), author);
    (t, a)
}

/// The books as a table, titles and authors cut to fit `width` columns
/// (to 60 and 40 characters without a width).
pub fn table(books: &[CatalogBook], width: Option<usize>) -> String {
    let (title, author) = title_author_widths(books, width);
    let mut rows = vec![
        ["id", "title", "author", "language"]
            .map(String::from)
            .to_vec(),
    ];
    rows.extend(books.iter().map(|b| {
        vec![
            b.id.to_string(),
            fit::cut(&one_line(&b.title), title).into_owned(),
            fit::cut(&one_line(&b.authors), author).into_owned(),
            b.language.clone(),
        ]
    }));
    render_aligned(
        &rows,
        &[Align::Right, Align::Left, Align::Left, Align::Left],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookId;

    fn book(id: u32, title: &str, authors: &str) -> CatalogBook {
        CatalogBook {
            id: BookId(id),
            kind: "Text".into(),
            issued: String::new(),
            title: title.into(),
            language: "en".into(),
            authors: authors.into(),
            subjects: String::new(),
            locc: String::new(),
            bookshelves: String::new(),
        }
    }

    #[test]
    fn titles_are_one_line() {
        assert_eq!(
            one_line("The Bill of Rights\r\nThe Ten Original Amendments"),
            "The Bill of Rights: The Ten Original Amendments"
        );
    }

    #[test]
    fn the_table_fits_the_width_by_cutting_titles_and_authors() {
        let books = [
            book(
                84,
                "Frankenstein; Or, The Modern Prometheus, a very long title that goes on and on",
                "Shelley, Mary Wollstonecraft, 1797-1851",
            ),
            book(1342, "Pride and Prejudice", "Austen, Jane, 1775-1817"),
        ];
        for width in [40, 60, 80, 100] {
            let text = table(&books, Some(width));
            for line in text.lines() {
                assert!(fit::width(line) <= width, "{width}: {line:?}\n{text}");
            }
            assert!(text.contains("1342  Pride and"), "{text}");
        }
        let plain = table(&books, None);
        assert!(plain.contains("Pride and Prejudice"));
        assert!(plain.lines().any(|l| l.contains("…")), "cut at 60: {plain}");
        let wide = table(&books[1..], Some(80));
        assert!(wide.contains("Pride and Prejudice  Austen, Jane, 1775-1817  en"));
    }
}
