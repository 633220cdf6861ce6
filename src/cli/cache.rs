//! `gutenpipe cache`: shows what gutenpipe keeps in its cache folder
//! (generated corpora, downloaded catalogs) with sizes and ages, and with
//! `--clear` removes them; anything else in the folder is listed and left
//! alone.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::Args;
use gutenpipe::cache::{self, Entry, Kind};
use gutenpipe::report::table::{Align, render_aligned};
use gutenpipe::units::{self, format_age, format_bytes};

use super::{Failure, exit, fatal};

#[derive(Debug, Args)]
pub struct CacheCmd {
    /// Remove the corpora and catalogs kept there (they are made again when
    /// needed). A run or mirror using a corpus at that moment loses its files.
    #[arg(long)]
    pub clear: bool,
}

/// The entries as a table: kind, size, age, name (relative to the folder).
fn table(entries: &[Entry], root: &std::path::Path) -> String {
    let now = SystemTime::now();
    let mut rows = vec![
        ["kind", "size", "changed", "name"]
            .map(String::from)
            .to_vec(),
    ];
    for e in entries {
        let age = e
            .modified
            .and_then(|m| now.duration_since(m).ok())
            .map_or("?".to_string(), |d| format!("{} ago", format_age(d)));
        let name = e.path.strip_prefix(root).unwrap_or(&e.path);
        rows.push(vec![
            match e.kind {
                Kind::Other => "other (not gutenpipe's)".to_string(),
                k => k.name().to_string(),
            },
            format_bytes(e.bytes),
            age,
            name.display().to_string(),
        ]);
    }
    let ours: u64 = entries
        .iter()
        .filter(|e| e.kind != Kind::Other)
        .map(|e| e.bytes)
        .sum();
    rows.push(vec![
        "total".into(),
        format_bytes(ours),
        String::new(),
        String::new(),
    ]);
    render_aligned(
        &rows,
        &[Align::Left, Align::Right, Align::Right, Align::Left],
    )
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
