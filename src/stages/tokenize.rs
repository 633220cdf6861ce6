//! The `tokenize` stage: Unicode words (UAX #29, via `unicode-segmentation`),
//! lowercased, counted per book and across the corpus.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};
use unicode_segmentation::UnicodeSegmentation;

use super::{Document, Stage, StageError};

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
    counts: HashMap<String, u64>,
}

/// Word counts across the corpus.
#[derive(Debug, Default)]
pub struct TokenizeTotals {
    pub tokens: u64,
    pub counts: HashMap<String, u64>,
}

/// Counts the words of `text`: `unicode_words`, lowercased unless `keep_case`.
pub fn count_words(text: &str, keep_case: bool) -> HashMap<String, u64> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for word in text.unicode_words() {
        let word = if keep_case {
            word.to_string()
        } else {
            word.to_lowercase()
        };
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

impl TokenizeTotals {
    /// The `n` most frequent words, most frequent first, ties alphabetical.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(&String, &u64)> = self.counts.iter().collect();
        all.sort_unstable_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        all.into_iter()
            .take(n)
            .map(|(w, c)| (w.clone(), *c))
            .collect()
    }
}

impl Stage for Tokenize {
    type Output = BookTokens;
    type Totals = TokenizeTotals;

    fn name(&self) -> &'static str {
        "tokenize"
    }

    fn process(&self, doc: &mut Document) -> Result<BookTokens, StageError> {
        let counts = count_words(&doc.text, self.keep_case);
        Ok(BookTokens {
            tokens: counts.values().sum(),
            distinct: counts.len() as u64,
            counts,
        })
    }

    fn accumulate(&self, totals: &mut TokenizeTotals, output: &BookTokens) {
        totals.tokens += output.tokens;
        for (word, n) in &output.counts {
            match totals.counts.get_mut(word) {
                Some(c) => *c += n,
                None => {
                    totals.counts.insert(word.clone(), *n);
                }
            }
        }
    }

    fn merge(&self, totals: &mut TokenizeTotals, other: TokenizeTotals) {
        totals.tokens += other.tokens;
        if totals.counts.len() < other.counts.len() {
            let mine = std::mem::replace(&mut totals.counts, other.counts);
            for (word, n) in mine {
                *totals.counts.entry(word).or_insert(0) += n;
            }
        } else {
            for (word, n) in other.counts {
                *totals.counts.entry(word).or_insert(0) += n;
            }
        }
    }

    fn summarize(&self, totals: TokenizeTotals) -> Value {
        let top: Vec<Value> = totals
            .top(TOP_WORDS)
            .into_iter()
            .map(|(word, count)| json!({ "word": word, "count": count }))
            .collect();
        json!({
            "tokens": totals.tokens,
            "vocabulary": totals.counts.len(),
            "top": top,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookId;

    fn doc(text: &str) -> Document {
        Document {
            id: BookId(1),
            text: text.into(),
            encoding: "UTF-8",
            warnings: vec![],
        }
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
}
