//! Processing stages: the CPU-bound work done to each book once it is
//! downloaded and decoded. A stage is a type implementing [`Stage`]; the
//! pipeline runs it on the rayon pool and times it like the built-in stages.
//!
//! Adding a stage is one new file in this folder plus one line in
//! [`registry`].

mod tokenize;

use std::any::Any;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::book::BookId;
pub use tokenize::{Tokenize, TokenizeTotals, count_words};

/// A book's text on its way through the processing stages. Stages may
/// change it (a cleaning stage removes the licence) for the stages after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: BookId,
    pub text: String,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// Things a stage noticed that did not stop it.
    pub warnings: Vec<String>,
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
pub fn registry() -> Vec<SharedStage> {
    vec![Arc::new(Tokenize::default())]
}

/// The stages named in `names`, in that order; an unknown name is an error
/// listing the ones there are.
pub fn select(names: &[String]) -> Result<Vec<SharedStage>, String> {
    let all = registry();
    let mut chosen = Vec::new();
    for name in names {
        match all.iter().find(|s| s.name() == name.trim()) {
            Some(stage) => chosen.push(Arc::clone(stage)),
            None => {
                let known: Vec<&str> = all.iter().map(|s| s.name()).collect();
                return Err(format!(
                    "unknown stage `{name}`; the stages are: {}",
                    known.join(", ")
                ));
            }
        }
    }
    if chosen.is_empty() {
        return Err("no stages chosen; the stages are: tokenize".into());
    }
    Ok(chosen)
}

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
        assert_eq!(select(&["tokenize".into()]).unwrap()[0].name(), "tokenize");
    }
}
