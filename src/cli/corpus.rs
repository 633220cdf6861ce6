//! `gutenpipe corpus`: writes a synthetic corpus and says what is in it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gutenpipe::corpus::{CorpusLayout, write_corpus_as};
use gutenpipe::units::{self, format_bytes};

use super::{CorpusShape, Failure, fatal};

#[derive(Debug, Args)]
pub struct CorpusCmd {
    /// Folder to write the corpus into (created; must be empty or hold an earlier corpus).
    #[arg(long)]
    pub out: PathBuf,
    /// How to arrange the files: `flat` (all in the folder, as `gutenpipe
    /// mirror` serves them), `numbered` (as an rsync copy of the main
    /// collection: 9/0/0/0/0/900001/900001-0.txt with its .zip, every tenth
    /// book only the .zip) or `epub` (as an rsync copy of the generated
    /// files: 900001/pg900001.txt).
    #[arg(long, default_value = "flat", value_parser = super::named(&CorpusLayout::ALL, |l| l.name()))]
    pub layout: CorpusLayout,
    #[command(flatten)]
    pub shape: CorpusShape,
}

impl CorpusCmd {
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let catalog =
            write_corpus_as(&self.out, &self.shape.config(), self.layout).map_err(fatal)?;
        let total: u64 = catalog.iter().map(|e| e.bytes).sum();
        let mut languages: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &catalog {
            *languages.entry(e.language.as_str()).or_default() += 1;
        }
        let mut sizes: Vec<u64> = catalog.iter().map(|e| e.bytes).collect();
        sizes.sort_unstable();
        let langs: Vec<String> = languages.iter().map(|(l, n)| format!("{l} {n}")).collect();
        println!(
            "wrote {} ({}, median {}, largest {}) to {}",
            units::count(catalog.len() as u64, "book", "books"),
            format_bytes(total),
            format_bytes(sizes[sizes.len() / 2]),
            format_bytes(*sizes.last().unwrap_or(&0)),
            self.out.display()
        );
        println!("languages: {}", langs.join(", "));
        Ok(ExitCode::SUCCESS)
    }
}
