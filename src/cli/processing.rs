//! The `gutenpipe run` flags that shape the processing stages and the files
//! written for researchers: `--keep-case`, `--top`, `--emit`.

use clap::Args;
use gutenpipe::emit::{Emit, EmitKind};
use gutenpipe::stages::StageOptions;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Processing stages and outputs")]
pub struct ProcessingArgs {
    /// Keep the case of words (`The` and `the` apart) in tokenize, wordfreq,
    /// stats and the emitted tokens and counts.
    #[arg(long)]
    pub keep_case: bool,
    /// How many of the most frequent words `wordfreq` lists, per book and
    /// for the corpus.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub top: u32,
    /// Also write, under --out, each book's text, tokens and/or counts in the
    /// Standardized Project Gutenberg Corpus layout (text/PG84_text.txt …),
    /// the corpus counts and results.jsonl (e.g. --emit text,tokens,counts).
    #[arg(long, value_delimiter = ',', value_name = "KINDS", value_parser = super::named(&EmitKind::ALL, |k| k.name()))]
    pub emit: Vec<EmitKind>,
}

impl ProcessingArgs {
    pub fn options(&self) -> StageOptions {
        StageOptions {
            keep_case: self.keep_case,
            top: self.top as usize,
        }
    }

    /// The options as the report records them.
    pub fn recorded(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        [
            ("keep_case".to_string(), self.keep_case.into()),
            ("top".to_string(), self.top.into()),
        ]
        .into()
    }

    /// What to emit; `sync` as for the books.
    pub fn emit(&self, sync: bool) -> Emit {
        let mut kinds = Vec::new();
        for kind in &self.emit {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
        Emit {
            kinds,
            keep_case: self.keep_case,
            sync,
        }
    }
}
