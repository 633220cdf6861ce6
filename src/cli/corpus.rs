//! `gutenpipe corpus`: writes a synthetic corpus and says what is in it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gutenpipe::corpus::write_corpus;
use gutenpipe::units::{self, format_bytes};

use super::{CorpusShape, Failure, fatal};

#[derive(Debug, Args)]
pub struct CorpusCmd {
    /// Folder to write the corpus into (created; must be empty or hold an earlier corpus).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub shape: CorpusShape,
}

impl CorpusCmd {
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let catalog = write_corpus(&self.out, &self.shape.config()).map_err(fatal)?;
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
