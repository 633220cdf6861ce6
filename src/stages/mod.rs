//! Processing stages: the CPU-bound work done to each book once it is
//! downloaded and decoded. A stage is a type implementing [`Stage`]; the
//! pipeline runs it on the rayon pool and times it like the built-in stages.
//!
//! Adding a stage is one new file in this folder plus one line in
//! [`registry`] (and the `mod` line that declares the file);
//! `docs/extending.md` walks through it.
//!
//! | stage | what it does to a book |
//! |---|---|
//! | `clean` | removes Gutenberg's header, licence and footer; reads the metadata |
//! | `tokenize` | counts its Unicode words, lowercased unless `--keep-case` |
//! | `wordfreq` | its most frequent words; the corpus's |
//! | `stats` | sentences, mean word length, type/token ratio, hapax legomena |

mod clean;
mod stats;
mod tokenize;
mod wordfreq;

use std::any::Any;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::book::BookId;
use crate::gutenberg::Metadata;
pub use clean::{Clean, CleanReport};
pub use stats::{BookStats, Stats, count_sentences};
pub use tokenize::{
    BookTokens, TOP_WORDS, Tokenize, TokenizeTotals, WordCounts, count_words, words,
};
pub use wordfreq::WordFreq;

/// A book's text on its way through the processing stages. Stages may
/// change it (a cleaning stage removes the licence) for the stages after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: BookId,
    /// The text. A stage that changes it uses [`Document::set_text`], so
    /// that word counts made from the old text are not reused.
    pub text: String,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// What the book's header says (filled in by `clean`).
    pub metadata: Metadata,
    /// Things a stage noticed that did not stop it.
    pub warnings: Vec<String>,
    /// The words of `text`, counted once by the first stage that needs them.
    words: Option<Arc<WordCounts>>,
}

impl Document {
    pub fn new(id: BookId, text: String, encoding: &'static str) -> Document {
        Document {
            id,
            text,
            encoding,
            metadata: Metadata::default(),
            warnings: Vec::new(),
            words: None,
        }
    }

    /// Replaces the text, forgetting the word counts of the old one.
    pub fn set_text(&mut self, text: String) {
        self.text = text;
        self.words = None;
    }

    /// The book's word counts ([`count_words`]): those a stage before
    /// counted (`tokenize` does), else counted now and kept for the stages
    /// after. `keep_case` is the run's `--keep-case`.
    pub fn word_counts(&mut self, keep_case: bool) -> Arc<WordCounts> {
        let text = &self.text;
        Arc::clone(
            self.words
                .get_or_insert_with(|| Arc::new(count_words(text, keep_case))),
        )
    }
}

/// Settings of the run that stages read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOptions {
    /// Count `The` and `the` apart (`--keep-case`).
    pub keep_case: bool,
    /// How many words `wordfreq` lists per book and for the corpus (`--top`).
    pub top: usize,
}

impl Default for StageOptions {
    fn default() -> Self {
        StageOptions {
            keep_case: false,
            top: 10,
        }
    }
}

/// Why a stage could not process one book. The book is reported as failed
/// at that stage; the other books go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StageError(pub String);

/// One processing stage.
///
/// `process` turns one book into a per-book result (which appears under the
/// book in the JSON report); `accumulate` and `merge` fold those results into
/// corpus totals (books are processed in parallel, so totals from different
/// threads are merged); `summarize` turns the totals into the corpus result.
pub trait Stage: Send + Sync + 'static {
    /// The per-book result.
    type Output: Serialize + Send;
    /// What the corpus result is accumulated in.
    type Totals: Default + Send + 'static;

    /// The name `--stages` knows the stage by.
    fn name(&self) -> &'static str;

    /// Processes one book.
    fn process(&self, doc: &mut Document) -> Result<Self::Output, StageError>;

    /// Adds one book's result to the totals.
    fn accumulate(&self, _totals: &mut Self::Totals, _output: &Self::Output) {}

    /// Adds totals gathered on another thread.
    fn merge(&self, _totals: &mut Self::Totals, _other: Self::Totals) {}

    /// The corpus result, for the report.
    fn summarize(&self, _totals: Self::Totals) -> Value {
        Value::Null
    }
}

/// Totals of any stage, type-erased.
pub type AnyTotals = Box<dyn Any + Send>;

/// A [`Stage`] with its types erased, as the pipeline holds stages.
pub trait DynStage: Send + Sync {
    fn name(&self) -> &'static str;
    fn new_totals(&self) -> AnyTotals;
    /// Processes one book, adds its result to `totals`, and returns the
    /// result as JSON.
    fn run(&self, doc: &mut Document, totals: &mut AnyTotals) -> Result<Value, StageError>;
    fn merge(&self, totals: &mut AnyTotals, other: AnyTotals);
    fn summarize(&self, totals: AnyTotals) -> Value;
}

impl<S: Stage> DynStage for S {
    fn name(&self) -> &'static str {
        Stage::name(self)
    }

    fn new_totals(&self) -> AnyTotals {
        Box::new(S::Totals::default())
    }

    fn run(&self, doc: &mut Document, totals: &mut AnyTotals) -> Result<Value, StageError> {
        let output = self.process(doc)?;
        if let Some(t) = totals.downcast_mut::<S::Totals>() {
            self.accumulate(t, &output);
        }
        serde_json::to_value(&output)
            .map_err(|e| StageError(format!("result not serialisable: {e}")))
    }

    fn merge(&self, totals: &mut AnyTotals, other: AnyTotals) {
        if let (Some(t), Ok(o)) = (
            totals.downcast_mut::<S::Totals>(),
            other.downcast::<S::Totals>(),
        ) {
            Stage::merge(self, t, *o);
        }
    }

    fn summarize(&self, totals: AnyTotals) -> Value {
        match totals.downcast::<S::Totals>() {
            Ok(t) => Stage::summarize(self, *t),
            Err(_) => Value::Null,
        }
    }
}

/// A stage as the pipeline shares it between threads.
pub type SharedStage = Arc<dyn DynStage>;

/// Every stage `--stages` can name, in the order they are listed.
pub fn registry(options: &StageOptions) -> Vec<SharedStage> {
    vec![
        Arc::new(Clean),
        Arc::new(Tokenize {
            keep_case: options.keep_case,
        }),
        Arc::new(WordFreq::new(options)),
        Arc::new(Stats {
            keep_case: options.keep_case,
        }),
    ]
}

/// The stages named in `names`, in that order, with the default options.
pub fn select(names: &[String]) -> Result<Vec<SharedStage>, String> {
    select_with(names, &StageOptions::default())
}

/// The stages named in `names`, in that order; an unknown name is an error
/// listing the ones there are.
pub fn select_with(names: &[String], options: &StageOptions) -> Result<Vec<SharedStage>, String> {
    let all = registry(options);
    let known = || {
        all.iter()
            .map(|s| s.name())
            .collect::<Vec<&str>>()
            .join(", ")
    };
    let mut chosen: Vec<SharedStage> = Vec::new();
    for name in names.iter().map(|n| n.trim()) {
        match all.iter().find(|s| s.name() == name) {
            Some(stage) if chosen.iter().any(|c| c.name() == name) => {
                return Err(format!("stage `{}` is named twice", stage.name()));
            }
            Some(stage) => chosen.push(Arc::clone(stage)),
            None => {
                return Err(format!(
                    "unknown stage `{name}`; the stages are: {}",
                    known()
                ));
            }
        }
    }
    if chosen.is_empty() {
        return Err(format!("no stages chosen; the stages are: {}", known()));
    }
    Ok(chosen)
}

/// The example stage of `docs/extending.md`, compiled inside the crate as a user adds it
/// to `src/stages/` (its `use gutenpipe::…` lines work here too).
#[cfg(test)]
#[path = "../../examples/stage/sentences.rs"]
mod sentences;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_stages_list_the_known_ones() {
        let err = select(&["tokenise".into()]).err().unwrap();
        assert!(
            err.contains("unknown stage `tokenise`") && err.contains("tokenize"),
            "{err}"
        );
        assert!(err.contains("clean, tokenize, wordfreq, stats"), "{err}");
        assert_eq!(select(&["tokenize".into()]).unwrap()[0].name(), "tokenize");
        let err = select(&[]).err().unwrap();
        assert!(err.contains("no stages chosen"), "{err}");
        let err = select(&["clean".into(), "clean".into()]).err().unwrap();
        assert!(err.contains("named twice"), "{err}");
    }

    #[test]
    fn stages_run_in_the_order_named() {
        let names: Vec<String> = ["stats", "clean"].map(String::from).to_vec();
        let chosen = select(&names).unwrap();
        assert_eq!(chosen.iter().map(|s| s.name()).collect::<Vec<_>>(), names);
    }

    #[test]
    fn word_counts_are_made_once_and_forgotten_with_the_text() {
        let mut doc = Document::new(BookId(1), "The the cat".into(), "UTF-8");
        let first = doc.word_counts(false);
        assert_eq!(first["the"], 2);
        assert!(Arc::ptr_eq(&first, &doc.word_counts(true)));
        doc.set_text("dog".into());
        assert_eq!(doc.word_counts(false).get("the"), None);
    }

    #[test]
    fn the_readme_example_stage_registers_in_one_line() {
        let mut stages = registry(&StageOptions::default());
        stages.push(Arc::new(sentences::Sentences)); // the doc's line
        let stage = stages.last().unwrap();
        assert_eq!(stage.name(), "sentences");
        let mut doc = Document::new(BookId(1), "One. Two and\nthree.\n\nFour".into(), "UTF-8");
        let mut totals = stage.new_totals();
        let result = stage.run(&mut doc, &mut totals).unwrap();
        assert_eq!(result, serde_json::json!({ "sentences": 3, "longest": 3 }));
        assert_eq!(
            stage.summarize(totals),
            serde_json::json!({ "sentences": 3, "longest": 3 })
        );
    }
}
