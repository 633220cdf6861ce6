//! The embedded source: a synthetic corpus (generated once into the cache
//! folder, or the folder `--corpus` names) served by the embedded mirror on
//! 127.0.0.1, started when the experiment asks for its source. This is the
//! one place where the command line brings the test world (mirror, corpus)
//! to the experiment, which sees only its URL.

use std::path::PathBuf;

use gutenpipe::corpus::{CATALOG_FILE, CatalogEntry, open_or_generate};
use gutenpipe::experiment::source::Offered;
use gutenpipe::experiment::{ExperimentError, Listener, Source, SourceStarter};
use gutenpipe::latency::LatencyModel;
use gutenpipe::mirror::{FaultPlan, Mirror, MirrorConfig, MirrorLayout};
use gutenpipe::record::SourceSettings;
use gutenpipe::units;

use super::CorpusShape;

/// The embedded mirror on a corpus, to be started.
pub struct Embedded {
    /// `--corpus`, else the cached synthetic corpus of `shape`.
    pub corpus: Option<PathBuf>,
    pub shape: CorpusShape,
    pub latency: LatencyModel,
    pub faults: FaultPlan,
    /// The URL layouts the mirror serves (`--mirror-layout`).
    pub layout: MirrorLayout,
}

impl Embedded {
    /// The corpus folder and its catalog: `--corpus` when given (it must
    /// exist), else the cached synthetic corpus, generated the first time.
    pub fn corpus(
        &self,
        listener: &dyn Listener,
    ) -> Result<(PathBuf, Vec<CatalogEntry>), ExperimentError> {
        let dir = self.shape.dir(&self.corpus);
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
                "generating a synthetic corpus of {} books in {} (once)",
                self.shape.books,
                dir.display()
            ));
        }
        let (catalog, _) =
            open_or_generate(&dir, &self.shape.config()).map_err(ExperimentError::fatal)?;
        Ok((dir, catalog))
    }
}

impl SourceStarter for Embedded {
    fn start(&self, listener: &dyn Listener) -> Result<Source, ExperimentError> {
        let (dir, catalog) = self.corpus(listener)?;
        let mirror = Mirror::start(
            MirrorConfig {
                corpus: dir.clone(),
                latency: self.latency,
                faults: self.faults.clone(),
                layout: self.layout,
            },
            "127.0.0.1:0",
        )
        .map_err(ExperimentError::fatal)?;
        let base = mirror.base_url();
        let m = &self.latency;
        listener.note(&format!(
            "embedded mirror at {base} serving {} books from {} in the {} layout (latency {}, jitter {}, bandwidth {})",
            mirror.books(),
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
