//! The pipeline: download → save → decode → processing stages, each stage on
//! the pool that suits its work, every task timed.
//!
//! - [`Mode::Sequential`]: one thread does everything, stage after stage.
//! - [`Mode::Staged`]: downloads on the download pool, saves on the save
//!   pool, decoding and processing on a rayon pool; a stage starts when the
//!   previous one has finished, so each stage's time stands on its own.
//!
//! Both modes run the same stage functions on the same books, so they save
//! the same files and find the same tokens. A book that fails carries its
//! error to the report; the others go on. With `--emit`, two more stages
//! make and write the researcher's files (`outputs.rs`, [`crate::emit`]).

mod outputs;
mod pool;
mod timing;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::book::BookRequest;
use crate::decode::decode;
use crate::emit::{Emit, OutputFile};
use crate::fetch::{Fetched, Fetcher};
use crate::report::{BookReport, RunReport, StageReport, Status};
use crate::stages::{AnyTotals, Document, SharedStage};
use crate::store::{Store, StoreError};
pub use pool::WorkerPool;
pub use timing::{Recorder, Span, thread_cpu_time};

/// How the stages are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One thread, stage after stage: the baseline.
    Sequential,
    /// Each stage on its own pool, a barrier between stages.
    Staged,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Staged => "staged",
        }
    }
}

/// Pool sizes and processing stages.
#[derive(Clone)]
pub struct PipelineConfig {
    pub download_workers: usize,
    pub save_workers: usize,
    pub cpu_workers: usize,
    pub stages: Vec<SharedStage>,
    /// The files `--emit` writes (none by default).
    pub emit: Emit,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("could not start the rayon pool of {workers} threads: {detail}")]
    Pool { workers: usize, detail: String },
    /// Saving failed: the disk is full, the folder unwritable… Every later
    /// book would fail the same way, so the run stops; books saved before
    /// stay whole under their names.
    #[error("run stopped: {0}")]
    Save(#[source] StoreError),
    /// Writing an `--emit` file failed; like a failed save, it stops the run.
    #[error("run stopped writing the --emit files: {0}")]
    Emit(#[source] StoreError),
}

/// A book on its way through the stages.
struct Slot {
    request: BookRequest,
    url: Option<String>,
    fetched: Option<Fetched>,
    path: Option<PathBuf>,
    bytes: Option<u64>,
    doc: Option<Document>,
    encoding: Option<String>,
    results: BTreeMap<String, Value>,
    /// The `--emit` files, between rendering and writing.
    outputs: Vec<OutputFile>,
    failure: Option<(String, String)>,
    /// Download attempts repeated for this book.
    retries: u32,
    /// Already saved and matching the manifest: not downloaded nor saved again.
    resumed: bool,
}

impl Slot {
    fn alive(&self) -> bool {
        self.failure.is_none()
    }

    fn fail(&mut self, stage: &str, error: impl ToString) {
        self.failure = Some((stage.to_string(), error.to_string()));
        self.fetched = None;
        self.doc = None;
    }
}

/// Where each stage of a run executes.
enum Pools {
    /// Everything on the calling thread.
    Inline,
    Dedicated {
        download: WorkerPool,
        save: WorkerPool,
        cpu: rayon::ThreadPool,
    },
}

impl Pools {
    fn io_each<'a>(
        &self,
        which: IoPool,
        slots: &'a mut [Slot],
        work: impl Fn(&'a mut Slot) + Sync,
    ) {
        let alive = slots.iter_mut().filter(|s| s.alive());
        match self {
            Pools::Inline => alive.for_each(work),
            Pools::Dedicated { download, save, .. } => match which {
                IoPool::Download => download.for_each(alive, work),
                IoPool::Save => save.for_each(alive, work),
            },
        }
    }

    /// Runs `work` on every live book on the CPU pool, folding per-thread
    /// totals into one.
    fn cpu_fold(
        &self,
        slots: &mut [Slot],
        new_totals: impl Fn() -> AnyTotals + Sync + Send,
        work: impl Fn(&mut Slot, &mut AnyTotals) + Sync + Send,
        merge: impl Fn(AnyTotals, AnyTotals) -> AnyTotals + Sync + Send,
    ) -> AnyTotals {
        match self {
            Pools::Inline => {
                let mut totals = new_totals();
                for slot in slots.iter_mut().filter(|s| s.alive()) {
                    work(slot, &mut totals);
                }
                totals
            }
            Pools::Dedicated { cpu, .. } => cpu.install(|| {
                slots
                    .par_iter_mut()
                    .filter(|s| s.alive())
                    .fold(&new_totals, |mut totals, slot| {
                        work(slot, &mut totals);
                        totals
                    })
                    .reduce(&new_totals, &merge)
            }),
        }
    }

    fn label(&self, stage_pool: &'static str) -> &'static str {
        match self {
            Pools::Inline => "main",
            Pools::Dedicated { .. } => stage_pool,
        }
    }
}

#[derive(Clone, Copy)]
enum IoPool {
    Download,
    Save,
}

/// The pipeline for one source and one output folder.
pub struct Pipeline<'a> {
    pub fetcher: &'a Fetcher,
    pub store: &'a Store,
    pub config: &'a PipelineConfig,
}

impl Pipeline<'_> {
    /// Runs every stage for `requests` in `mode`.
    pub fn run(&self, mode: Mode, requests: &[BookRequest]) -> Result<RunReport, PipelineError> {
        let c = self.config;
        let pools = match mode {
            Mode::Sequential => Pools::Inline,
            Mode::Staged => Pools::Dedicated {
                download: WorkerPool::new("download", c.download_workers),
                save: WorkerPool::new("save", c.save_workers),
                cpu: rayon::ThreadPoolBuilder::new()
                    .num_threads(c.cpu_workers.max(1))
                    .thread_name(|i| format!("rayon-{i}"))
                    .build()
                    .map_err(|e| PipelineError::Pool {
                        workers: c.cpu_workers,
                        detail: e.to_string(),
                    })?,
            },
        };
        let workers = |n: usize| if matches!(pools, Pools::Inline) { 1 } else { n };
        let recorder = Recorder::new();
        let mut slots: Vec<Slot> = requests
            .iter()
            .map(|r| Slot {
                request: r.clone(),
                url: None,
                fetched: None,
                path: None,
                bytes: None,
                doc: None,
                encoding: None,
                results: BTreeMap::new(),
                outputs: Vec::new(),
                failure: None,
                retries: 0,
                resumed: false,
            })
            .collect();
        let mut walls: Vec<(String, &'static str, usize, f64)> = Vec::new();
        let mut corpus = BTreeMap::new();
        let rec = &recorder;

        // Download.
        let pool = pools.label("download");
        let t = Instant::now();
        pools.io_each(IoPool::Download, &mut slots, |slot| {
            if let Some(resumed) = self.store.resume(slot.request.id) {
                slot.resumed = true;
                slot.url = Some(resumed.entry.url.clone());
                slot.path = Some(resumed.path.clone());
                slot.bytes = Some(resumed.entry.bytes);
                slot.fetched = Some(resumed.into_fetched());
                return;
            }
            let index = slot.request.index;
            let result = rec.task("download", pool, index, || {
                let r = self.fetcher.fetch(&slot.request);
                let n = r.as_ref().map_or(0, |f| f.bytes.len() as u64);
                (r, n)
            });
            match result {
                Ok(fetched) => {
                    slot.url = Some(fetched.url.clone());
                    slot.retries = fetched.retries;
                    slot.fetched = Some(fetched);
                }
                Err(e) => {
                    slot.url = e.url().map(str::to_string);
                    slot.retries = e.retries();
                    slot.fail("download", e);
                }
            }
        });
        walls.push((
            "download".into(),
            pool,
            workers(c.download_workers),
            t.elapsed().as_secs_f64(),
        ));

        // Save.
        let pool = pools.label("save");
        let t = Instant::now();
        let save_error: Mutex<Option<StoreError>> = Mutex::new(None);
        pools.io_each(IoPool::Save, &mut slots, |slot| {
            let Some(fetched) = slot.fetched.as_ref().filter(|_| !slot.resumed) else {
                return;
            };
            if save_error.lock().map_or(true, |e| e.is_some()) {
                return; // the run is stopping
            }
            let size = fetched.bytes.len() as u64;
            let result = rec.task("save", pool, slot.request.index, || {
                (self.store.save_book(slot.request.id, fetched), size)
            });
            match result {
                Ok(path) => {
                    slot.bytes = Some(size);
                    slot.path = Some(path);
                }
                Err(e) => {
                    slot.fail("save", &e);
                    if let Ok(mut first) = save_error.lock() {
                        first.get_or_insert(e);
                    }
                }
            }
        });
        if let Some(e) = save_error.into_inner().ok().flatten() {
            return Err(PipelineError::Save(e));
        }
        walls.push((
            "save".into(),
            pool,
            workers(c.save_workers),
            t.elapsed().as_secs_f64(),
        ));

        // Decode.
        let pool = pools.label("rayon");
        let t = Instant::now();
        pools.cpu_fold(
            &mut slots,
            || Box::new(()),
            |slot, _| {
                let Some(fetched) = slot.fetched.take() else {
                    return;
                };
                let doc = rec.task("decode", pool, slot.request.index, || {
                    let d = decode(&fetched.bytes, fetched.charset.as_deref());
                    let mut doc = Document::new(slot.request.id, d.text, d.encoding);
                    doc.warnings = d.warnings;
                    (Ok::<_, ()>(doc), fetched.bytes.len() as u64)
                });
                if let Ok(doc) = doc {
                    slot.encoding = Some(doc.encoding.to_string());
                    slot.doc = Some(doc);
                }
            },
            |a, _| a,
        );
        walls.push((
            "decode".into(),
            pool,
            workers(c.cpu_workers),
            t.elapsed().as_secs_f64(),
        ));

        // Processing stages.
        for stage in &c.stages {
            let name = stage.name();
            let t = Instant::now();
            let totals = pools.cpu_fold(
                &mut slots,
                || stage.new_totals(),
                |slot, totals| {
                    let Some(doc) = slot.doc.as_mut() else { return };
                    let bytes = doc.text.len() as u64;
                    match rec.task(name, pool, slot.request.index, || {
                        (stage.run(doc, totals), bytes)
                    }) {
                        Ok(value) => {
                            slot.results.insert(name.to_string(), value);
                        }
                        Err(e) => slot.fail(name, e),
                    }
                },
                |mut a, b| {
                    stage.merge(&mut a, b);
                    a
                },
            );
            walls.push((
                name.into(),
                pool,
                workers(c.cpu_workers),
                t.elapsed().as_secs_f64(),
            ));
            corpus.insert(name.to_string(), stage.summarize(totals));
        }

        // What the headers state goes into the manifest too (written with
        // the store's next flush).
        for slot in &slots {
            if let Some(doc) = slot.doc.as_ref().filter(|d| !d.metadata.is_empty()) {
                self.store
                    .manifest()
                    .describe(slot.request.id, &doc.metadata);
            }
        }

        // Outputs (--emit): made on the rayon pool, written on the save pool.
        let mut emitted = None;
        if !c.emit.is_empty() {
            let (counts, wall) = self.render_outputs(&pools, rec, &mut slots);
            walls.push(("render".into(), pool, workers(c.cpu_workers), wall));
            let wall = self.emit_books(&pools, rec, &mut slots)?;
            emitted = Some((counts, wall));
        }
        let retries: u64 = slots.iter().map(|s| u64::from(s.retries)).sum();
        let books: Vec<BookReport> = slots.into_iter().map(book_report).collect();
        if let Some((counts, wall)) = emitted {
            let wall = wall + self.emit_corpus(&counts, &books)?;
            let pool = pools.label("save");
            walls.push(("emit".into(), pool, workers(c.save_workers), wall));
        }

        let wall = recorder.origin().elapsed().as_secs_f64();
        let spans = recorder.into_spans();
        let stages = walls
            .iter()
            .map(|(name, pool, workers, wall)| {
                let mut stage = StageReport::from_spans(name, pool, *workers, *wall, &spans);
                if name == "download" {
                    stage.retries = Some(retries);
                }
                stage
            })
            .collect();
        let failed = books.iter().filter(|b| b.status == Status::Failed).count();
        Ok(RunReport {
            mode,
            out: self.store.dir().display().to_string(),
            wall_seconds: wall,
            books_ok: books.len() - failed,
            books_failed: failed,
            stages,
            corpus,
            books,
            spans,
        })
    }
}

fn book_report(slot: Slot) -> BookReport {
    let (failed_stage, error) = match slot.failure {
        Some((stage, error)) => (Some(stage), Some(error)),
        None => (None, None),
    };
    BookReport {
        index: slot.request.index,
        id: slot.request.id,
        status: if error.is_some() {
            Status::Failed
        } else {
            Status::Ok
        },
        url: slot.url,
        path: slot.path.map(|p| p.display().to_string()),
        bytes: slot.bytes,
        encoding: slot.encoding,
        failed_stage,
        error,
        retries: slot.retries,
        resumed: slot.resumed,
        results: slot.results,
        metadata: slot
            .doc
            .as_ref()
            .map(|d| d.metadata.clone())
            .unwrap_or_default(),
        warnings: slot.doc.map(|d| d.warnings).unwrap_or_default(),
    }
}
