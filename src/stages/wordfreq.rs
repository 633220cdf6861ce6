//! The `wordfreq` stage: word frequencies, per book and across the corpus.
//! Each book's record lists its `--top` most frequent words; the corpus
//! result lists the corpus's, with its vocabulary and hapax count. The words
//! are the book's [`Document::word_counts`]: counted by `tokenize` when it
//! ran before, else here, the same way.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::tokenize::{TokenizeTotals, WordCounts};
use super::{
    Document, KEEP_CASE, OptionKind, Options, Stage, StageError, StageOption, StageSpec,
};

/// Counts word frequencies.
#[derive(Debug, Clone)]
pub struct WordFreq {
    /// Count words as written, not lowercased.
    pub keep_case: bool,
    /// How many words to list, per book and for the corpus.
    pub top: usize,
}

/// `--top N`: how many words `wordfreq` lists.
pub const TOP: StageOption = StageOption {
    name: "top",
    help: "How many of the most frequent words wordfreq lists, per book and for the corpus",
    default: "10",
    kind: OptionKind::Count,
};

/// How `wordfreq` is registered.
pub const SPEC: StageSpec = StageSpec {
    name: "wordfreq",
    about: "its --top most frequent words; the corpus's",
    options: &[KEEP_CASE, TOP],
    build: |o| Arc::new(WordFreq::new(o)),
};

impl WordFreq {
    /// The stage with `--keep-case` and `--top` as `options` set them.
    pub fn new(options: &Options) -> WordFreq {
        WordFreq {
            keep_case: options.flag(KEEP_CASE.name),
            top: options.count(TOP.name, 10),
        }
    }
}

/// A word and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordCount {
    pub word: String,
    pub count: u64,
}

/// One book's most frequent words.
#[derive(Debug, Clone, Serialize)]
pub struct BookFreq {
    pub top: Vec<WordCount>,
    #[serde(skip)]
    counts: Arc<WordCounts>,
}

impl Stage for WordFreq {
    type Output = BookFreq;
    type Totals = TokenizeTotals;

    fn name(&self) -> &'static str {
        "wordfreq"
    }

    fn colour(&self) -> Option<&'static str> {
        Some("#76b7b2")
    }

    fn process(&self, doc: &mut Document) -> Result<BookFreq, StageError> {
        let counts = doc.word_counts(self.keep_case);
        let top = counts
            .ranked(self.top)
            .into_iter()
            .map(|(word, count)| WordCount {
                word: word.to_string(),
                count,
            })
            .collect();
        Ok(BookFreq { top, counts })
    }

    fn accumulate(&self, totals: &mut TokenizeTotals, output: &BookFreq) {
        totals.add(&output.counts);
    }

    fn merge(&self, totals: &mut TokenizeTotals, other: TokenizeTotals) {
        totals.absorb(other);
    }

    fn summarize(&self, totals: TokenizeTotals) -> Value {
        let mut result = totals.summary(self.top);
        result["hapax"] = totals.counts.iter().filter(|&(_, c)| c == 1).count().into();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookId;
    use serde_json::json;

    #[test]
    fn per_book_and_corpus_frequencies() {
        let wf = WordFreq {
            keep_case: false,
            top: 2,
        };
        let mut totals = TokenizeTotals::default();
        let mut other = TokenizeTotals::default();
        let mut a = Document::new(BookId(1), "The cat and the hat. The end".into(), "UTF-8");
        let mut b = Document::new(BookId(2), "A cat, a cat!".into(), "UTF-8");
        let out = wf.process(&mut a).unwrap();
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            json!({ "top": [{ "word": "the", "count": 3 }, { "word": "and", "count": 1 }] })
        );
        wf.accumulate(&mut totals, &out);
        wf.accumulate(&mut other, &wf.process(&mut b).unwrap());
        wf.merge(&mut totals, other);
        let corpus = wf.summarize(totals);
        assert_eq!(corpus["tokens"], 11);
        assert_eq!(corpus["vocabulary"], 6);
        assert_eq!(corpus["hapax"], 3); // and, hat, end
        assert_eq!(
            corpus["top"],
            json!([{ "word": "cat", "count": 3 }, { "word": "the", "count": 3 }])
        );
    }
}
