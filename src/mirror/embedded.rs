//! The embedded source: a synthetic corpus (generated once into the cache
//! folder, or the folder `--corpus` names) served by the embedded mirror on
//! 127.0.0.1, started when the experiment asks for its source. The command
//! line hands it to the experiment as a [`SourceStarter`]: this is how the
//! test world (mirror, corpus) reaches a run, which sees only its URL.

use std::path::PathBuf;
use std::sync::OnceLock;

use super::{FaultPlan, Mirror, MirrorConfig, MirrorLayout};
use crate::book::BookId;
use crate::corpus::{CATALOG_FILE, CatalogEntry, CorpusConfig, default_dir, open_or_generate};
use crate::experiment::source::Offered;
use crate::experiment::{ExperimentError, Listener, Source, SourceStarter};
use crate::latency::LatencyModel;
use crate::record::{RunReport, SourceSettings};
use crate::units;

/// The embedded mirror on a corpus, to be started.
pub struct Embedded {
    /// `--corpus`, else the cached synthetic corpus of `shape`.
    pub corpus: Option<PathBuf>,
    /// The synthetic corpus to generate (once) when there is no `--corpus`.
    pub shape: CorpusConfig,
    /// How the mirror delays and paces its answers.
    pub latency: LatencyModel,
    /// The faults it injects.
    pub faults: FaultPlan,
    /// The URL layouts the mirror serves (`--mirror-layout`).
    pub layout: MirrorLayout,
    /// The ebook ids of the corpus served, once started.
    served: OnceLock<Vec<BookId>>,
}

/// At most this many ids are named in the hint on books not in the corpus.
const HINT_IDS: usize = 5;

impl Embedded {
    /// The embedded mirror on `corpus` (else the cached corpus of `shape`),
    /// serving `layout`.
    pub fn new(
        corpus: Option<PathBuf>,
        shape: CorpusConfig,
        latency: LatencyModel,
        faults: FaultPlan,
        layout: MirrorLayout,
    ) -> Embedded {
        Embedded {
            corpus,
            shape,
            latency,
            faults,
            layout,
            served: OnceLock::new(),
        }
    }

    /// What to tell the user when books that failed to download from the
    /// started mirror are not in its corpus — a 404 by construction: which
    /// ids the corpus has, and how to fetch real books.
    pub fn not_found_hint(&self, run: &RunReport, base_url: &str) -> Option<String> {
        let served = self.served.get()?;
        let missing: Vec<String> = run
            .failures()
            .filter(|b| b.failed_stage.as_deref() == Some("download"))
            .filter(|b| b.url.as_deref().is_none_or(|u| u.starts_with(base_url)))
            .filter(|b| served.binary_search(&b.id).is_err())
            .map(|b| b.id.to_string())
            .collect();
        let (first, last) = (served.first()?, served.last()?);
        if missing.is_empty() {
            return None;
        }
        let mut named = missing[..missing.len().min(HINT_IDS)].join(", ");
        if missing.len() > HINT_IDS {
            named.push_str(", …");
        }
        Some(format!(
            "hint: {} {named} {} not in the embedded mirror's corpus, whose {} {}; \
             --source gutenberg (or a mirror's URL, such as https://gutenberg.pglaf.org) \
             fetches real Gutenberg books",
            if missing.len() == 1 {
                "ebook"
            } else {
                "ebooks"
            },
            if missing.len() == 1 { "is" } else { "are" },
            units::count(served.len() as u64, "book", "books"),
            if first == last {
                format!("is ebook {first}")
            } else {
                format!("have ids from {first} to {last}")
            },
        ))
    }

    /// The corpus folder and its catalog: `--corpus` when given (it must
    /// exist), else the cached synthetic corpus, generated the first time.
    pub fn corpus(
        &self,
        listener: &dyn Listener,
    ) -> Result<(PathBuf, Vec<CatalogEntry>), ExperimentError> {
        let dir = self
            .corpus
            .clone()
            .unwrap_or_else(|| default_dir(&self.shape));
        if self.corpus.is_some() && !dir.is_dir() {
            return Err(ExperimentError::Usage(format!(
                "--corpus {} {}; create a corpus with `gutenpipe corpus --out {0}`",
                dir.display(),
                if dir.exists() {
                    "is not a folder"
                } else {
                    "does not exist"
                }
            )));
        }
        if !dir.join(CATALOG_FILE).exists() {
            listener.note(&format!(
                "generating a synthetic corpus of {} in {} (once)",
                units::count(self.shape.books as u64, "book", "books"),
                dir.display()
            ));
        }
        let (catalog, _) = open_or_generate(&dir, &self.shape).map_err(ExperimentError::fatal)?;
        Ok((dir, catalog))
    }
}

impl SourceStarter for Embedded {
    fn start(&self, listener: &dyn Listener) -> Result<Source, ExperimentError> {
        let (dir, catalog) = self.corpus(listener)?;
        let mut ids: Vec<BookId> = catalog.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        let _ = self.served.set(ids);
        let mirror = Mirror::start(
            MirrorConfig {
                corpus: dir.clone(),
                latency: self.latency,
                faults: self.faults.clone(),
                layout: self.layout,
                log: None,
                // In the measured process: its memory stays the run's own.
                keep_bytes: 0,
            },
            "127.0.0.1:0",
        )
        .map_err(ExperimentError::fatal)?;
        let base = mirror.base_url();
        let m = &self.latency;
        listener.note(&format!(
            "embedded mirror at {base} serving {} from {} in the {} layout (latency {}, jitter {}, bandwidth {})",
            units::count(mirror.books() as u64, "book", "books"),
            dir.display(),
            self.layout.name(),
            units::format_duration(m.latency),
            m.jitter,
            m.bandwidth.map_or("unlimited".to_string(), |b| format!(
                "{}/s",
                units::format_bytes(b)
            ))
        ));
        if !self.faults.is_empty() {
            listener.note(&format!(
                "injecting faults: {} (seed {})",
                self.faults, self.faults.seed
            ));
        }
        // Each book's URL where a download by its number finds it first.
        let offered = catalog
            .iter()
            .map(|e| Offered {
                id: e.id,
                url: mirror.book_path(e.id).map(|path| format!("{base}{path}")),
            })
            .collect();
        let mut source = Source::served("embedded", base.clone(), mirror);
        source.offered = Some(offered);
        source.settings = SourceSettings {
            latency_seconds: Some(m.latency.as_secs_f64()),
            jitter: Some(m.jitter),
            bandwidth_bytes_per_second: m.bandwidth,
            faults: Some(self.faults.to_string()),
            fault_seed: Some(self.faults.seed),
        };
        source.model = Some(self.latency);
        source.folder = Some(dir);
        Ok(source)
    }
}
