//! Books as they enter the pipeline: ebook ids, Project Gutenberg's URL
//! layouts ([`layout`]), and the request that says where one book is to be
//! fetched from.

pub mod layout;

use std::fmt;
use std::str::FromStr;

pub use layout::{Family, Layout, Variant, numbered_tree};

/// A Project Gutenberg ebook number (`84` is *Frankenstein*).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct BookId(pub u32);

impl fmt::Display for BookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for BookId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("an ebook id is empty (two commas in a row?)".into());
        }
        match t.parse::<u32>() {
            Ok(0) => Err("`0` is not an ebook id; Gutenberg numbers start at 1".into()),
            Ok(n) => Ok(BookId(n)),
            Err(_) => Err(format!(
                "`{t}` is not an ebook id; ids are whole numbers such as 84 or 1342"
            )),
        }
    }
}

impl BookId {
    /// The file name a saved copy of this book has: derived from the id
    /// alone, so nothing a server sends can choose where a file goes.
    pub fn file_name(self) -> String {
        format!("{}.txt", self.0)
    }
}

/// Where Gutenberg serves its catalog (`pg_catalog.csv`), relative to a
/// mirror's root.
pub const CATALOG_PATH: &str = "/cache/epub/feeds/pg_catalog.csv";

/// Where one book comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Try the Gutenberg layouts under the source's base URL.
    Mirror,
    /// This exact URL, given by the user.
    Url(String),
}

/// A book the user asked for: its place in the input, its id, and where to
/// fetch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookRequest {
    /// Position in the input; reports list books in this order.
    pub index: usize,
    /// The ebook number.
    pub id: BookId,
    /// Where to fetch it.
    pub target: Target,
}

/// Finds the ebook id in a Gutenberg-style URL (`…/files/84/84-0.txt`,
/// `…/cache/epub/84/pg84.txt`, `…/ebooks/84.txt.utf-8`): the last path segment
/// that is a number, or the number a file name starts with.
pub fn id_from_url(url: &str) -> Option<BookId> {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let path = match without_query.find("://") {
        Some(i) => {
            let after = &without_query[i + 3..];
            after.find('/').map_or("", |j| &after[j..])
        }
        None => without_query,
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let numeric = |s: &str| -> Option<BookId> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<BookId>().ok()
        } else {
            None
        }
    };
    if let Some(id) = segments.iter().rev().find_map(|s| numeric(s)) {
        return Some(id);
    }
    let file = segments.last()?;
    let stem = file.strip_prefix("pg").unwrap_or(file);
    let digits: String = stem.chars().take_while(|c| c.is_ascii_digit()).collect();
    numeric(&digits)
}

/// The most bytes an id list file may hold (a few million ids).
pub const MAX_ID_LIST_BYTES: u64 = 64 << 20;

/// Reads a list of ebook ids: separated by commas, spaces or line breaks,
/// with `#` starting a comment; a leading byte-order mark is ignored. An
/// error names the line.
pub fn parse_id_list(text: &str) -> Result<Vec<BookId>, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        for token in line
            .split([',', ' ', '\t'])
            .filter(|t| !t.trim().is_empty())
        {
            ids.push(token.parse().map_err(|e| format!("line {}: {e}", n + 1))?);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_with_clear_errors() {
        assert_eq!("84".parse::<BookId>(), Ok(BookId(84)));
        assert_eq!(" 1342 ".parse::<BookId>(), Ok(BookId(1342)));
        assert!(
            "abc"
                .parse::<BookId>()
                .unwrap_err()
                .contains("`abc` is not an ebook id")
        );
        assert!("0".parse::<BookId>().is_err());
        assert!("".parse::<BookId>().unwrap_err().contains("empty"));
        assert!("-3".parse::<BookId>().is_err());
    }

    #[test]
    fn ids_from_urls() {
        let id = |u: &str| id_from_url(u).map(|b| b.0);
        assert_eq!(id("https://www.gutenberg.org/files/84/84-0.txt"), Some(84));
        assert_eq!(
            id("http://127.0.0.1:9/cache/epub/1342/pg1342.txt"),
            Some(1342)
        );
        assert_eq!(id("https://example.org/ebooks/pg2701.txt?x=1"), Some(2701));
        assert_eq!(id("https://example.org/1/2/3/1234/1234-0.txt"), Some(1234));
        assert_eq!(id("https://example.org/books/frankenstein.txt"), None);
    }

    #[test]
    fn id_lists() {
        assert_eq!(
            parse_id_list("84, 1342\n# a comment\n2701 # Moby Dick\n\n11").unwrap(),
            vec![BookId(84), BookId(1342), BookId(2701), BookId(11)]
        );
        assert!(
            parse_id_list("84\nmoby")
                .unwrap_err()
                .starts_with("line 2:")
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_an_id() {
        assert_eq!(
            parse_id_list("\u{FEFF}84\r\n1342\r\n").unwrap(),
            vec![BookId(84), BookId(1342)]
        );
    }

    #[test]
    fn file_names_come_from_the_id() {
        assert_eq!(BookId(84).file_name(), "84.txt");
    }
}
