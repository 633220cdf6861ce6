//! The `sentences` stage: how many sentences each book has, its longest
//! sentence in words, and how many sentences are longer than
//! `--long-sentence` words; for the corpus, the totals.

use std::sync::Arc;

use gutenpipe::stages::{Document, OptionKind, Stage, StageError, StageOption, StageSpec};
use serde::Serialize;
use serde_json::{Value, json};
use unicode_segmentation::UnicodeSegmentation;

/// `--long-sentence N`: the stage's own option, a flag of `gutenpipe run`.
pub const LONG_SENTENCE: StageOption = StageOption {
    name: "long-sentence",
    help: "A sentence of more words than this counts as long (sentences stage)",
    default: "40",
    kind: OptionKind::Count,
};

/// How the stage is registered: its name, what it does, its options, and
/// how to build it from their values.
pub const SPEC: StageSpec = StageSpec {
    name: "sentences",
    about: "sentences per book, the longest, the long ones",
    options: &[LONG_SENTENCE],
    build: |options| {
        Arc::new(Sentences {
            long: options.count(LONG_SENTENCE.name, 40) as u64,
        })
    },
};

/// Splits books into sentences (Unicode sentence boundaries, UAX #29).
pub struct Sentences {
    /// Words above which a sentence is long.
    pub long: u64,
}

/// One book's result; it appears under the book in the JSON report.
#[derive(Default, Serialize)]
pub struct BookSentences {
    pub sentences: u64,
    pub longest: u64,
    pub long: u64,
}

impl Stage for Sentences {
    type Output = BookSentences;
    /// The corpus so far, added up the same way.
    type Totals = BookSentences;

    fn name(&self) -> &'static str {
        "sentences"
    }

    fn process(&self, doc: &mut Document) -> Result<BookSentences, StageError> {
        let mut result = BookSentences::default();
        // Gutenberg wraps lines inside sentences: join each paragraph first.
        for paragraph in doc.text.split("\n\n") {
            let paragraph = paragraph.replace('\n', " ");
            for sentence in paragraph.unicode_sentences() {
                let words = sentence.unicode_words().count() as u64;
                result.sentences += 1;
                result.longest = result.longest.max(words);
                result.long += u64::from(words > self.long);
            }
        }
        Ok(result)
    }

    fn accumulate(&self, totals: &mut BookSentences, book: &BookSentences) {
        totals.sentences += book.sentences;
        totals.longest = totals.longest.max(book.longest);
        totals.long += book.long;
    }

    fn merge(&self, totals: &mut BookSentences, other: BookSentences) {
        self.accumulate(totals, &other);
    }

    fn summarize(&self, totals: BookSentences) -> Value {
        json!({ "sentences": totals.sentences, "longest": totals.longest, "long": totals.long })
    }

    /// The line the terminal shows under the tables.
    fn headline(&self, corpus: &Value) -> Vec<String> {
        vec![format!(
            "sentences: {}, {} of them longer than {} words",
            corpus["sentences"], corpus["long"], self.long
        )]
    }
}
