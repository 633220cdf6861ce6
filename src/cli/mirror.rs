//! `gutenpipe mirror`: serves a corpus folder until interrupted, logging
//! each request on standard error (not with `--quiet`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gutenpipe::corpus::open_or_generate;
use gutenpipe::mirror::{Mirror, MirrorConfig, MirrorLayout, RequestLog};

use super::faults::FaultArgs;
use super::{CorpusShape, Failure, LatencyArgs, fatal, usage};

#[derive(Debug, Args)]
pub struct MirrorCmd {
    /// Corpus folder to serve (files named as Gutenberg names them: 84-0.txt,
    /// 1661-8.txt, 2701.txt, pg84.txt, 84-0.zip, in the folder or in folders
    /// under it). Without it, a synthetic corpus is generated once and cached.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// URL layouts to serve the books under: `site` (as www.gutenberg.org:
    /// every book at /cache/epub/ID/pgID.txt, its files under /files/ID/),
    /// `numbered` (as a mirror of the main collection: /1/0/2/3/10234/10234-0.txt
    /// and its .zip) or `partial` (the cache only for UTF-8 books).
    #[arg(long, default_value = "site", value_parser = super::named(&MirrorLayout::ALL, |l| l.name()))]
    pub layout: MirrorLayout,
    /// Address to listen on; port 0 picks a free port, which is printed.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
    /// Log nothing: without it, each request answered is logged on
    /// standard error, one line each (time, client, request, status or
    /// fault, bytes, time taken).
    #[arg(long, short)]
    pub quiet: bool,
    /// Megabytes of the files served kept in memory after their first
    /// request, so that later requests for them are answered without
    /// reading the file again (files up to 32 MB; 0 reads every time).
    #[arg(long, default_value_t = 256, value_name = "MB")]
    pub cache_mb: u64,
    #[command(flatten)]
    pub latency: LatencyArgs,
    #[command(flatten)]
    pub faults: FaultArgs,
    #[command(flatten)]
    pub shape: CorpusShape,
}

impl MirrorCmd {
    pub fn execute(self) -> Result<ExitCode, Failure> {
        let dir = self.shape.dir(&self.corpus);
        if self.corpus.is_none() {
            open_or_generate(&dir, &self.shape.config()).map_err(fatal)?;
        } else if !dir.is_dir() {
            return Err(usage(format!(
                "--corpus {} is not a folder; create a corpus with `gutenpipe corpus --out {0}`",
                dir.display()
            )));
        }
        let config = MirrorConfig {
            corpus: dir.clone(),
            latency: self.latency.model(self.shape.seed),
            faults: self.faults.plan(),
            layout: self.layout,
            log: (!self.quiet).then(|| {
                RequestLog::new(|line| {
                    eprintln!("{}", gutenpipe::terminal::clean(&line.to_string()))
                })
            }),
            keep_bytes: self.cache_mb.saturating_mul(1 << 20),
        };
        let mirror = Mirror::start(config, &self.addr).map_err(usage)?;
        println!(
            "serving {} from {} in the {} layout at {}",
            gutenpipe::units::count(mirror.books() as u64, "book", "books"),
            dir.display(),
            self.layout.name(),
            mirror.base_url()
        );
        if self.faults.any() {
            println!(
                "injecting faults: {} (seed {})",
                self.faults.plan(),
                self.faults.fault_seed
            );
        }
        let _ = std::io::stdout().flush();
        mirror.wait();
        Ok(ExitCode::SUCCESS)
    }
}
