//! The `stats` stage: per book, sentences (Unicode sentence boundaries,
//! UAX #29), mean word length, type/token ratio and hapax legomena (words
//! used once); for the corpus, the totals and means. Words are the book's
//! [`Document::word_counts`], counted as `tokenize` counts them.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use unicode_segmentation::UnicodeSegmentation;

use super::{Document, KEEP_CASE, Stage, StageError, StageSpec};

/// Counts sentences and measures words.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Count words as written, not lowercased.
    pub keep_case: bool,
}

/// One book's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookStats {
    /// Sentences in the book.
    pub sentences: u64,
    /// Words in the book.
    pub tokens: u64,
    /// Characters per word, over every word of the book.
    pub mean_word_length: f64,
    /// Distinct words ÷ words.
    pub type_token_ratio: f64,
    /// Words that occur exactly once.
    pub hapax: u64,
    #[serde(skip)]
    characters: u64,
}

/// Corpus sums (integers, so that the result does not depend on the order
/// in which books were added up).
#[derive(Debug, Default)]
pub struct StatsTotals {
    books: u64,
    sentences: u64,
    tokens: u64,
    characters: u64,
}

/// Sentences in `text`. Gutenberg texts break lines inside sentences, and a
/// line break ends a sentence in UAX #29, so the lines of each paragraph
/// (paragraphs are separated by blank lines) are joined before splitting.
pub fn count_sentences(text: &str) -> u64 {
    let mut count = 0;
    let mut paragraph = String::new();
    let mut flush = |paragraph: &mut String| {
        count += paragraph.unicode_sentences().count() as u64;
        paragraph.clear();
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            flush(&mut paragraph);
        } else {
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(line);
        }
    }
    flush(&mut paragraph);
    count
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// How `stats` is registered.
pub const SPEC: StageSpec = StageSpec {
    name: "stats",
    about: "sentences, mean word length, type/token ratio, hapax legomena",
    options: &[KEEP_CASE],
    build: |o| {
        Arc::new(Stats {
            keep_case: o.flag(KEEP_CASE.name),
        })
    },
};

impl Stage for Stats {
    type Output = BookStats;
    type Totals = StatsTotals;

    fn name(&self) -> &'static str {
        "stats"
    }

    fn colour(&self) -> Option<&'static str> {
        Some("#edc948")
    }

    fn process(&self, doc: &mut Document) -> Result<BookStats, StageError> {
        let counts = doc.word_counts(self.keep_case);
        let (mut tokens, mut characters, mut hapax) = (0, 0, 0);
        for (word, n) in counts.iter() {
            tokens += n;
            characters += n * word.chars().count() as u64;
            hapax += u64::from(n == 1);
        }
        Ok(BookStats {
            sentences: count_sentences(&doc.text),
            tokens,
            mean_word_length: ratio(characters, tokens),
            type_token_ratio: ratio(counts.len() as u64, tokens),
            hapax,
            characters,
        })
    }

    fn accumulate(&self, t: &mut StatsTotals, b: &BookStats) {
        t.books += 1;
        t.sentences += b.sentences;
        t.tokens += b.tokens;
        t.characters += b.characters;
    }

    fn merge(&self, t: &mut StatsTotals, o: StatsTotals) {
        t.books += o.books;
        t.sentences += o.sentences;
        t.tokens += o.tokens;
        t.characters += o.characters;
    }

    fn summarize(&self, t: StatsTotals) -> Value {
        json!({
            "books": t.books,
            "sentences": t.sentences,
            "tokens": t.tokens,
            "mean_word_length": ratio(t.characters, t.tokens),
            "mean_sentence_length": ratio(t.tokens, t.sentences),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookId;

    #[test]
    fn sentences_run_across_wrapped_lines() {
        assert_eq!(count_sentences("It was late. He\nwent home.\n\nThe end"), 3);
        // UAX #29: a question mark ends a sentence even before a lowercase word.
        assert_eq!(count_sentences("“Who?” she asked.\nNobody knew!"), 3);
        assert_eq!(count_sentences("It was 3.5 miles, i.e. far."), 1);
        assert_eq!(count_sentences("\n\n***\n\n"), 0);
    }

    #[test]
    fn figures_of_a_book() {
        let mut doc = Document::new(BookId(1), "The cat sat. The\ncat ran.".into(), "UTF-8");
        let s = Stats::default().process(&mut doc).unwrap();
        assert_eq!(s.sentences, 2);
        assert_eq!(s.tokens, 6);
        assert_eq!(s.hapax, 2); // sat, ran
        assert!((s.mean_word_length - 3.0).abs() < 1e-12);
        assert!((s.type_token_ratio - 4.0 / 6.0).abs() < 1e-12);
        let mut t = StatsTotals::default();
        Stats::default().accumulate(&mut t, &s);
        let corpus = Stats::default().summarize(t);
        assert_eq!(corpus["mean_sentence_length"], 3.0);
        let empty = Stats::default()
            .process(&mut Document::new(BookId(2), String::new(), "UTF-8"))
            .unwrap();
        assert_eq!((empty.tokens, empty.type_token_ratio), (0, 0.0));
    }
}
