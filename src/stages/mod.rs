//! Processing stages: the work done to each book once it is downloaded and
//! decoded. A stage is a type implementing [`Stage`], registered with a
//! [`StageSpec`] (its name, a line of help, the options it takes and how
//! to build it from their values); the pipeline runs it on the pool it
//! asks for (the rayon pool unless it says otherwise) and times it like the
//! built-in steps.
//!
//! Adding a stage — with options of its own — is one new file in this
//! folder holding the type and its `SPEC`, and one line in the `stages!`
//! list below; `docs/extending.md` walks through it with the example in
//! `examples/stage/sentences.rs`.
//!
//! | stage | what it does to a book |
//! |---|---|
//! | `clean` | removes Gutenberg's header, licence and footer; reads the metadata |
//! | `tokenize` | counts its Unicode words, lowercased unless `--keep-case` |
//! | `wordfreq` | its `--top` most frequent words; the corpus's |
//! | `stats` | sentences, mean word length, type/token ratio, hapax legomena |

pub mod options;

use std::any::Any;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::book::BookId;
use crate::gutenberg::Metadata;
pub use options::{OptionKind, OptionValue, Options, StageOption};

/// Declares the stage modules of this folder and lists their specs, in the
/// order `--stages` lists them. One line per stage.
macro_rules! stages {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every stage `--stages` can name, in the order listed.
        pub fn registry() -> Vec<StageSpec> {
            vec![$($module::SPEC),*]
        }
    };
}

stages! {
    clean,
    tokenize,
    wordfreq,
    stats,
}

pub use clean::{Clean, CleanReport};
pub use stats::{BookStats, Stats, count_sentences};
pub use tokenize::{
    BookTokens, TOP_WORDS, Tokenize, TokenizeTotals, WordCounts, count_words, count_words_whole,
    words,
};
pub use wordfreq::WordFreq;

/// `--keep-case`, which every stage that counts words takes.
pub const KEEP_CASE: StageOption = StageOption {
    name: "keep-case",
    help: "Count words keeping their case (`The` and `the` apart), in the stages and the emitted tokens and counts",
    default: "",
    kind: OptionKind::Flag,
};

/// A book's text on its way through the processing stages. Stages may
/// change it (a cleaning stage removes the licence) for the stages after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The ebook number.
    pub id: BookId,
    /// The text. A stage that changes it uses [`Document::set_text`], so
    /// that word counts made from the old text are not reused.
    pub text: String,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// What the book's header says (filled in by `clean`).
    pub metadata: Metadata,
    /// The text as decoded, before any stage changed it: kept only for
    /// `--emit raw`, which takes it.
    pub raw: Option<String>,
    /// Things a stage noticed that did not stop it.
    pub warnings: Vec<String>,
    /// Whether counting the words of a long book may cut it into pieces
    /// counted in parallel on the rayon pool the stage runs on (the
    /// default). The streamed mode sets it false: each of its CPU workers
    /// serves books of its own, so no worker would be free to take a piece,
    /// and the pieces would only cost a merge more.
    pub count_in_pieces: bool,
    /// The words of `text`, lowercased (`[0]`) and as written (`[1]`),
    /// each counted once by the first stage that needs it.
    words: [Option<Arc<WordCounts>>; 2],
}

impl Document {
    /// A document for book `id` with its decoded `text`, read as `encoding`.
    pub fn new(id: BookId, text: String, encoding: &'static str) -> Document {
        Document {
            id,
            text,
            encoding,
            metadata: Metadata::default(),
            raw: None,
            warnings: Vec::new(),
            count_in_pieces: true,
            words: [None, None],
        }
    }

    /// Replaces the text, forgetting the word counts of the old one.
    pub fn set_text(&mut self, text: String) {
        self.text = text;
        self.words = [None, None];
    }

    /// The book's word counts ([`count_words`]), lowercased unless
    /// `keep_case`: those a stage before counted the same way, else counted
    /// now and kept for the stages after. Stages asking for different cases
    /// get different counts, whatever their order.
    pub fn word_counts(&mut self, keep_case: bool) -> Arc<WordCounts> {
        let text = &self.text;
        let count = if self.count_in_pieces {
            count_words
        } else {
            count_words_whole
        };
        Arc::clone(
            self.words[usize::from(keep_case)]
                .get_or_insert_with(|| Arc::new(count(text, keep_case))),
        )
    }
}

/// Why a stage could not process one book. The book is reported as failed
/// at that stage; the other books go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StageError(pub String);

/// Which pool a stage runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagePool {
    /// The rayon pool: work that computes (the default).
    Cpu,
    /// The save pool: work that waits on a disk or a server.
    Io,
}

/// One processing stage.
///
/// `process` turns one book into a per-book result (which appears under the
/// book in the JSON report); `accumulate` and `merge` fold those results into
/// corpus totals (books are processed in parallel, so totals from different
/// threads are merged); `summarize` turns the totals into the corpus result,
/// and `headline` says what of it the terminal shows.
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

    /// Lines the terminal shows under the tables, made from the corpus
    /// result (none by default).
    fn headline(&self, _corpus: &Value) -> Vec<String> {
        Vec::new()
    }

    /// The pool the stage runs on.
    fn pool(&self) -> StagePool {
        StagePool::Cpu
    }

    /// The colour of the stage in the pictures (`#rrggbb`); by default one
    /// is chosen from its name.
    fn colour(&self) -> Option<&'static str> {
        None
    }
}

/// Totals of any stage, type-erased.
pub type AnyTotals = Box<dyn Any + Send>;

/// A [`Stage`] with its types erased, as the pipeline holds stages.
pub trait DynStage: Send + Sync {
    /// The stage's name ([`Stage::name`]).
    fn name(&self) -> &'static str;
    /// Empty totals for one worker.
    fn new_totals(&self) -> AnyTotals;
    /// Processes one book, adds its result to `totals`, and returns the
    /// result as JSON.
    fn run(&self, doc: &mut Document, totals: &mut AnyTotals) -> Result<Value, StageError>;
    /// Adds `other`'s totals into `totals`.
    fn merge(&self, totals: &mut AnyTotals, other: AnyTotals);
    /// The totals as the JSON report's corpus entry.
    fn summarize(&self, totals: AnyTotals) -> Value;
    /// The lines the terminal prints under the tables.
    fn headline(&self, corpus: &Value) -> Vec<String>;
    /// The pool the stage runs on.
    fn pool(&self) -> StagePool;
    /// The stage's colour in the pictures, if it has one.
    fn colour(&self) -> Option<&'static str>;
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

    fn headline(&self, corpus: &Value) -> Vec<String> {
        Stage::headline(self, corpus)
    }

    fn pool(&self) -> StagePool {
        Stage::pool(self)
    }

    fn colour(&self) -> Option<&'static str> {
        Stage::colour(self)
    }
}

/// A stage as the pipeline shares it between threads.
pub type SharedStage = Arc<dyn DynStage>;

/// How a stage is registered: its name, a line of help, its options, and
/// how to build it from their values.
#[derive(Clone, Copy)]
pub struct StageSpec {
    /// The name `--stages` knows it by (the same as [`Stage::name`]).
    pub name: &'static str,
    /// One line on what it does to a book.
    pub about: &'static str,
    /// The options it takes (`--keep-case`, `--top` …).
    pub options: &'static [StageOption],
    /// Builds the stage from the options' values.
    pub build: fn(&Options) -> SharedStage,
}

/// The options `specs` declare, each once (the first declaration of a name
/// wins), in order.
pub fn declared_options(specs: &[StageSpec]) -> Vec<StageOption> {
    let mut seen: Vec<StageOption> = Vec::new();
    for o in specs.iter().flat_map(|s| s.options) {
        if !seen.iter().any(|x| x.name == o.name) {
            seen.push(*o);
        }
    }
    seen
}

/// `--stages`' value that runs no processing stage (download, save and
/// decode only).
pub const NO_STAGES: &str = "none";

/// The stages of `specs` named in `names`, in that order, built with
/// `options`; an unknown name is an error listing the ones there are.
/// `none` alone chooses no stage.
pub fn select_from(
    specs: &[StageSpec],
    names: &[String],
    options: &Options,
) -> Result<Vec<SharedStage>, String> {
    let known = || {
        specs
            .iter()
            .map(|s| s.name)
            .collect::<Vec<&str>>()
            .join(", ")
    };
    let names: Vec<&str> = names.iter().map(|n| n.trim()).collect();
    if names == [NO_STAGES] {
        return Ok(Vec::new());
    }
    let mut chosen: Vec<SharedStage> = Vec::new();
    for name in names {
        match specs.iter().find(|s| s.name == name) {
            Some(spec) if chosen.iter().any(|c| c.name() == name) => {
                return Err(format!("stage `{}` is named twice", spec.name));
            }
            Some(spec) => chosen.push((spec.build)(options)),
            None => {
                return Err(format!(
                    "unknown stage `{name}`; the stages are: {} (or `{NO_STAGES}`)",
                    known()
                ));
            }
        }
    }
    if chosen.is_empty() {
        return Err(format!(
            "no stages chosen; the stages are: {} (or `{NO_STAGES}`)",
            known()
        ));
    }
    Ok(chosen)
}

/// The registered stages named in `names`, built with `options`.
pub fn select_with(names: &[String], options: &Options) -> Result<Vec<SharedStage>, String> {
    select_from(&registry(), names, options)
}

/// The registered stages named in `names`, with their options' defaults.
pub fn select(names: &[String]) -> Result<Vec<SharedStage>, String> {
    let specs = registry();
    let defaults = Options::defaults(declared_options(&specs).iter());
    select_from(&specs, names, &defaults)
}

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
    fn a_long_book_counts_the_same_whole_or_in_pieces() {
        // Over PARALLEL_PIECE bytes, in a pool of two: cut into pieces
        // unless the document says whole.
        let text = "Call me Ishmael. Some years ago, never mind how long.\n".repeat(25_000);
        assert!(text.len() > crate::tokenizer::PARALLEL_PIECE);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let counts = |pieces: bool| {
            let mut doc = Document::new(BookId(2701), text.clone(), "UTF-8");
            doc.count_in_pieces = pieces;
            pool.install(|| doc.word_counts(false))
        };
        let (whole, pieces) = (counts(false), counts(true));
        assert_eq!(whole.tokens(), 10 * 25_000);
        assert_eq!(whole, pieces);
        assert_eq!(whole["ishmael"], 25_000);
    }

    #[test]
    fn word_counts_are_made_once_per_case_and_forgotten_with_the_text() {
        let mut doc = Document::new(BookId(1), "The the cat".into(), "UTF-8");
        let folded = doc.word_counts(false);
        assert_eq!(folded["the"], 2);
        assert!(Arc::ptr_eq(&folded, &doc.word_counts(false)));
        // A stage keeping case after one folding it gets its own counts.
        let kept = doc.word_counts(true);
        assert_eq!((kept["The"], kept["the"]), (1, 1));
        assert_eq!(doc.word_counts(false)["the"], 2);
        doc.set_text("dog".into());
        assert_eq!(doc.word_counts(false).get("the"), None);
        assert_eq!(doc.word_counts(true).get("The"), None);
    }

    #[test]
    fn none_chooses_no_stage_and_options_reach_the_stages() {
        assert!(select(&["none".into()]).unwrap().is_empty());
        let specs = registry();
        let declared = declared_options(&specs);
        let names: Vec<&str> = declared.iter().map(|o| o.name).collect();
        assert_eq!(names, ["keep-case", "top"], "keep-case is declared once");
        let mut options = Options::defaults(declared.iter());
        options.set("top", OptionValue::Count(2));
        let stage = &select_with(&["wordfreq".into()], &options).unwrap()[0];
        let mut doc = Document::new(BookId(1), "a a b b c d".into(), "UTF-8");
        let mut totals = stage.new_totals();
        let result = stage.run(&mut doc, &mut totals).unwrap();
        assert_eq!(result["top"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn the_example_stage_registers_with_its_option() {
        let mut specs = registry();
        specs.push(sentences::SPEC); // what the one line in `stages!` does
        let declared = declared_options(&specs);
        assert!(declared.iter().any(|o| o.name == "long-sentence"));
        let mut options = Options::defaults(declared.iter());
        options.set("long-sentence", OptionValue::Count(2));
        let chosen = select_from(&specs, &["clean".into(), "sentences".into()], &options).unwrap();
        let stage = &chosen[1];
        assert_eq!(stage.name(), "sentences");
        let mut doc = Document::new(BookId(1), "One. Two and\nthree.\n\nFour".into(), "UTF-8");
        let mut totals = stage.new_totals();
        let result = stage.run(&mut doc, &mut totals).unwrap();
        let expected = serde_json::json!({ "sentences": 3, "longest": 3, "long": 1 });
        assert_eq!(result, expected);
        let corpus = stage.summarize(totals);
        assert_eq!(corpus, expected);
        assert_eq!(
            stage.headline(&corpus),
            ["sentences: 3, 1 of them longer than 2 words"]
        );
    }
}
