//! The `sentences` stage: how many sentences each book has, and its longest
//! sentence in words; for the corpus, the total and the longest of all.

use gutenpipe::stages::{Document, Stage, StageError};
use serde::Serialize;
use serde_json::{Value, json};
use unicode_segmentation::UnicodeSegmentation;

/// Splits books into sentences (Unicode sentence boundaries, UAX #29).
pub struct Sentences;

/// One book's result; it appears under the book in the JSON report.
#[derive(Default, Serialize)]
pub struct BookSentences {
    pub sentences: u64,
    pub longest: u64,
}

/// The corpus so far: sentences, and the longest sentence's length.
#[derive(Default)]
pub struct Totals {
    sentences: u64,
    longest: u64,
}

impl Stage for Sentences {
    type Output = BookSentences;
    type Totals = Totals;

    fn name(&self) -> &'static str {
        "sentences"
    }

    fn process(&self, doc: &mut Document) -> Result<BookSentences, StageError> {
        let mut result = BookSentences::default();
        // Gutenberg wraps lines inside sentences: join each paragraph first.
        for paragraph in doc.text.split("\n\n") {
            let paragraph = paragraph.replace('\n', " ");
            for sentence in paragraph.unicode_sentences() {
                result.sentences += 1;
                result.longest = result.longest.max(sentence.unicode_words().count() as u64);
            }
        }
        Ok(result)
    }

    fn accumulate(&self, totals: &mut Totals, book: &BookSentences) {
        totals.sentences += book.sentences;
        totals.longest = totals.longest.max(book.longest);
    }

    fn merge(&self, totals: &mut Totals, other: Totals) {
        totals.sentences += other.sentences;
        totals.longest = totals.longest.max(other.longest);
    }

    fn summarize(&self, totals: Totals) -> Value {
        json!({ "sentences": totals.sentences, "longest": totals.longest })
    }
}
