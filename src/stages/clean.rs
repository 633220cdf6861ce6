//! The `clean` stage: keeps the book and drops what Project Gutenberg put
//! around it (header, licence, footer, producers' credits), normalises line
//! endings, drops the BOM, undoes `_italic_` markup, and records the
//! header's metadata on the book. See [`crate::gutenberg`] for the rules.
//! It never fails: a book without markers is kept whole, with a warning.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Document, Stage, StageError, StageSpec};
use crate::gutenberg;

/// Removes Gutenberg's header, licence and footer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clean;

/// What cleaning did to one book.
#[derive(Debug, Clone, Serialize)]
pub struct CleanReport {
    /// Bytes of text kept.
    pub kept_bytes: u64,
    /// Bytes removed (header, licence, footer, carriage returns, markup).
    pub removed_bytes: u64,
    /// The line the header ended at, as found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_marker: Option<String>,
    /// The line the footer began at, as found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_marker: Option<String>,
}

/// Corpus totals of cleaning.
#[derive(Debug, Default)]
pub struct CleanTotals {
    books: u64,
    kept_bytes: u64,
    removed_bytes: u64,
    without_start: u64,
    without_end: u64,
}

/// How `clean` is registered.
pub const SPEC: StageSpec = StageSpec {
    name: "clean",
    about: "removes Gutenberg's header, licence and footer; reads the metadata",
    options: &[],
    build: |_| Arc::new(Clean),
};

impl Stage for Clean {
    type Output = CleanReport;
    type Totals = CleanTotals;

    fn name(&self) -> &'static str {
        "clean"
    }

    fn colour(&self) -> Option<&'static str> {
        Some("#b07aa1")
    }

    fn process(&self, doc: &mut Document) -> Result<CleanReport, StageError> {
        let before = doc.text.len() as u64;
        let cleaned = gutenberg::clean(&doc.text);
        let kept = cleaned.text.len() as u64;
        doc.set_text(cleaned.text);
        doc.metadata = cleaned.metadata;
        doc.warnings.extend(cleaned.warnings);
        Ok(CleanReport {
            kept_bytes: kept,
            removed_bytes: before.saturating_sub(kept),
            start_marker: cleaned.start_marker,
            end_marker: cleaned.end_marker,
        })
    }

    fn accumulate(&self, t: &mut CleanTotals, out: &CleanReport) {
        t.books += 1;
        t.kept_bytes += out.kept_bytes;
        t.removed_bytes += out.removed_bytes;
        t.without_start += u64::from(out.start_marker.is_none());
        t.without_end += u64::from(out.end_marker.is_none());
    }

    fn merge(&self, t: &mut CleanTotals, o: CleanTotals) {
        t.books += o.books;
        t.kept_bytes += o.kept_bytes;
        t.removed_bytes += o.removed_bytes;
        t.without_start += o.without_start;
        t.without_end += o.without_end;
    }

    fn summarize(&self, t: CleanTotals) -> Value {
        json!({
            "books": t.books,
            "kept_bytes": t.kept_bytes,
            "removed_bytes": t.removed_bytes,
            "books_without_start_marker": t.without_start,
            "books_without_end_marker": t.without_end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookId;

    #[test]
    fn cleaning_replaces_the_text_and_records_metadata_and_warnings() {
        let raw = "Title: X\r\nLanguage: German\r\n\r\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\r\n\r\n_Der_ Text.\r\n\r\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\r\nLicence.\r\n";
        let mut doc = Document::new(BookId(7), raw.into(), "UTF-8");
        assert_eq!(doc.word_counts(false)["licence"], 1);
        let out = Clean.process(&mut doc).unwrap();
        assert_eq!(doc.text, "Der Text.");
        assert_eq!(doc.word_counts(false).get("licence"), None);
        assert_eq!(doc.metadata.title.as_deref(), Some("X"));
        assert_eq!(doc.metadata.language.as_deref(), Some("German"));
        assert!(doc.warnings.is_empty());
        assert_eq!(out.kept_bytes, 9);
        assert_eq!(out.removed_bytes, raw.len() as u64 - 9);

        let mut bare = Document::new(BookId(8), "no markers".into(), "UTF-8");
        let out = Clean.process(&mut bare).unwrap();
        assert_eq!(bare.text, "no markers");
        assert_eq!(bare.warnings.len(), 2);
        let mut totals = CleanTotals::default();
        Clean.accumulate(&mut totals, &out);
        assert_eq!(Clean.summarize(totals)["books_without_start_marker"], 1);
    }
}
