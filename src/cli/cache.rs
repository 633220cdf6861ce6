//! `gutenpipe cache`: shows what gutenpipe keeps in its cache folder
//! (generated corpora, downloaded catalogs) with sizes and ages, and with
//! `--clear` removes them; anything else in the folder is listed and left
//! alone.

use std::process::ExitCode;

use clap::Args;
use gutenpipe::cache::{self, Kind};
use gutenpipe::report::cache::table;
use gutenpipe::units::{self, format_bytes};

use super::{Failure, exit, fatal};

/// `gutenpipe cache`'s flags.
#[derive(Debug, Args)]
pub struct CacheCmd {
    /// Remove the corpora and catalogs kept there (they are made again when
    /// needed). A run or mirror using a corpus at that moment loses its files.
    #[arg(long)]
    pub clear: bool,
}

impl CacheCmd {
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let root = cache::root();
        let entries = cache::entries(&root).map_err(|e| {
            fatal(std::io::Error::new(
                e.kind(),
                format!("could not read the cache folder {}: {e}", root.display()),
            ))
        })?;
        println!("cache folder: {}", root.display());
        if entries.is_empty() {
            println!("it holds nothing");
            return Ok(ExitCode::from(exit::OK));
        }
        print!("{}", table(&entries, &root));
        if self.clear {
            let ours = entries.iter().filter(|e| e.kind != Kind::Other).count();
            let freed = cache::clear(&entries).map_err(fatal)?;
            println!(
                "cleared: removed {}, {} freed",
                units::count(ours as u64, "entry", "entries"),
                format_bytes(freed)
            );
        }
        Ok(ExitCode::from(exit::OK))
    }
}
