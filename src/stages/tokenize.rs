//! The `tokenize` stage: Unicode words (UAX #29: the words of
//! `unicode-segmentation`'s `unicode_words`, found by the faster
//! [`crate::tokenizer`]), lowercased, counted per book and across the
//! corpus. The counts are kept on the [`Document`] for the stages after
//! (`wordfreq`, `stats`, `--emit`).

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Document, KEEP_CASE, Stage, StageError, StageSpec};
pub use crate::tokenizer::WordCounts;
use crate::tokenizer::{self, Case};

/// How many of the most frequent words the corpus result lists.
pub const TOP_WORDS: usize = 20;

/// Splits text into words and counts them.
#[derive(Debug, Clone, Default)]
pub struct Tokenize {
    /// Count `The` and `the` apart.
    pub keep_case: bool,
}

/// One book's tokens.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BookTokens {
    /// Words in the book.
    pub tokens: u64,
    /// Distinct words in the book.
    pub distinct: u64,
    #[serde(skip)]
    counts: Arc<WordCounts>,
}

/// Word counts across the corpus.
#[derive(Debug, Default)]
pub struct TokenizeTotals {
    /// Words counted.
    pub tokens: u64,
    /// How often each word occurs.
    pub counts: WordCounts,
}

fn case(keep_case: bool) -> Case {
    if keep_case { Case::Keep } else { Case::Fold }
}

/// The words of `text` in order, as [`count_words`] counts them: the token
/// stream (`--emit tokens`). Words already in lowercase ASCII are borrowed.
pub fn words(text: &str, keep_case: bool) -> impl Iterator<Item = Cow<'_, str>> + '_ {
    tokenizer::words(text).map(move |word| {
        if keep_case || (word.is_ascii() && !word.bytes().any(|b| b.is_ascii_uppercase())) {
            Cow::Borrowed(word)
        } else {
            Cow::Owned(word.to_lowercase())
        }
    })
}

/// Counts the words of `text`: `unicode_words`, lowercased unless `keep_case`
/// (a book over [`tokenizer::PARALLEL_PIECE`] bytes is counted in pieces on
/// the rayon pool it runs on).
pub fn count_words(text: &str, keep_case: bool) -> WordCounts {
    tokenizer::count_parallel(text, case(keep_case), tokenizer::PARALLEL_PIECE)
}

/// [`count_words`] with the book whole, on the calling thread.
pub fn count_words_whole(text: &str, keep_case: bool) -> WordCounts {
    tokenizer::count(text, case(keep_case))
}

impl TokenizeTotals {
    /// The `n` most frequent words, most frequent first, ties alphabetical.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        self.counts.top(n)
    }

    /// The corpus result: `tokens`, `vocabulary` and the `n` most frequent
    /// words as `top: [{"word": …, "count": …}]`.
    pub fn summary(&self, n: usize) -> Value {
        let top: Vec<Value> = self
            .top(n)
            .into_iter()
            .map(|(word, count)| json!({ "word": word, "count": count }))
            .collect();
        json!({ "tokens": self.tokens, "vocabulary": self.counts.len(), "top": top })
    }

    /// Adds one book's counts (copying only the long words new to the totals).
    pub fn add(&mut self, counts: &WordCounts) {
        self.tokens += counts.tokens();
        self.counts.merge_from(counts);
    }

    /// Adds totals gathered on another thread.
    pub fn absorb(&mut self, other: TokenizeTotals) {
        self.tokens += other.tokens;
        self.counts.merge(other.counts);
    }
}

/// How `tokenize` is registered.
pub const SPEC: StageSpec = StageSpec {
    name: "tokenize",
    about: "counts its Unicode words, lowercased unless --keep-case",
    options: &[KEEP_CASE],
    build: |o| {
        Arc::new(Tokenize {
            keep_case: o.flag(KEEP_CASE.name),
        })
    },
};

impl Stage for Tokenize {
    type Output = BookTokens;
    type Totals = TokenizeTotals;

    fn name(&self) -> &'static str {
        "tokenize"
    }

    fn process(&self, doc: &mut Document) -> Result<BookTokens, StageError> {
        let counts = doc.word_counts(self.keep_case);
        Ok(BookTokens {
            tokens: counts.tokens(),
            distinct: counts.len() as u64,
            counts,
        })
    }

    fn accumulate(&self, totals: &mut TokenizeTotals, output: &BookTokens) {
        totals.add(&output.counts);
    }

    fn merge(&self, totals: &mut TokenizeTotals, other: TokenizeTotals) {
        totals.absorb(other);
    }

    fn summarize(&self, totals: TokenizeTotals) -> Value {
        totals.summary(TOP_WORDS)
    }

    /// `tokens: … vocabulary: …` and the most frequent words.
    fn headline(&self, corpus: &Value) -> Vec<String> {
        let mut lines = vec![format!(
            "tokens: {}   vocabulary: {} distinct words",
            corpus["tokens"], corpus["vocabulary"]
        )];
        if let Some(top) = corpus["top"].as_array().filter(|t| !t.is_empty()) {
            let words: Vec<String> = top
                .iter()
                .map(|w| format!("{} {}", w["word"].as_str().unwrap_or("?"), w["count"]))
                .collect();
            lines.push(format!("most frequent: {}", words.join(", ")));
        }
        lines
    }

    fn colour(&self) -> Option<&'static str> {
        Some("#e15759")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookId;

    fn doc(text: &str) -> Document {
        Document::new(BookId(1), text.into(), "UTF-8")
    }

    #[test]
    fn counts_lowercased_unicode_words() {
        let out = Tokenize::default()
            .process(&mut doc("The cat’s hat — the CAT's 3.5 hats. Café café"))
            .unwrap();
        assert_eq!(out.counts["the"], 2);
        assert_eq!(out.counts["cat’s"], 1);
        assert_eq!(out.counts["cat's"], 1);
        assert_eq!(out.counts["3.5"], 1);
        assert_eq!(out.counts["café"], 2);
        assert_eq!(out.tokens, 9);
        assert_eq!(out.distinct, 7);
    }

    #[test]
    fn keep_case_keeps_case() {
        let out = Tokenize { keep_case: true }
            .process(&mut doc("The the"))
            .unwrap();
        assert_eq!(out.distinct, 2);
    }

    #[test]
    fn totals_merge_and_rank() {
        let t = Tokenize::default();
        let mut a = TokenizeTotals::default();
        let mut b = TokenizeTotals::default();
        t.accumulate(&mut a, &t.process(&mut doc("b b a")).unwrap());
        t.accumulate(&mut b, &t.process(&mut doc("a c b")).unwrap());
        Stage::merge(&t, &mut a, b);
        assert_eq!(a.tokens, 6);
        assert_eq!(a.top(2), vec![("b".to_string(), 3), ("a".to_string(), 2)]);
    }

    #[test]
    fn the_token_stream_is_what_is_counted() {
        let text = "The cat’s hat — the CAT's 3.5 hats. Café _café_";
        for keep_case in [false, true] {
            let mut counted = std::collections::HashMap::new();
            for w in words(text, keep_case) {
                *counted.entry(w.into_owned()).or_default() += 1;
            }
            assert_eq!(counted, count_words(text, keep_case).to_hash_map());
        }
    }

    #[test]
    fn ranking_is_by_count_then_alphabetical() {
        let counts = count_words("b a c b a d b", false);
        assert_eq!(counts.ranked(3), vec![("b", 3), ("a", 2), ("c", 1)]);
        assert_eq!(counts.ranked(10).len(), 4);
        assert_eq!(counts.ranked(0), vec![]);
    }
}
