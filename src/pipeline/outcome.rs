//! What a mode hands back, and how it becomes the record of the run: each
//! book's line as the book finishes ([`Finished`]: written to the run's
//! spool file, its encoding and metadata given to the manifest), each
//! step's row from its tally, the processing stages' corpus results and the
//! lines they show on a terminal, and with `--emit` the corpus-level files.

use std::collections::BTreeMap;
use std::time::Instant;

use super::PipelineError;
use super::memory;
use super::steps::{Plan, Slot, Work};
use crate::emit::Emit;
use crate::record::{BookSpool, Books, Mode, RefreshCounts, RunReport, Span, StageReport, Tally};
use crate::stages::{AnyTotals, TokenizeTotals};
use crate::store::Store;

/// What a mode hands back: how each step ran, and each step's totals (in
/// the plan's order). The books went to [`Finished`] as they finished.
pub(super) struct Outcome {
    pub stages: Vec<StageRun>,
    pub totals: Vec<AnyTotals>,
}

/// One step of a run, as the mode ran it.
pub(super) struct StageRun {
    /// The step's position in the plan.
    pub step: usize,
    pub pool: &'static str,
    pub workers: usize,
    /// Measured between barriers (added up over the batches); `None` when
    /// the steps overlap, and the wall time is then the window from its
    /// first task's start to its last task's end.
    pub wall: Option<f64>,
}

/// Where books go when they are done: each book's record is written to the
/// spool at once, and what the decode step and the header found is given
/// to the manifest (written with the store's next flush).
pub(super) struct Finished<'a> {
    store: &'a Store,
    spool: BookSpool,
}

impl<'a> Finished<'a> {
    /// Books of a run of `books` books, spooled in `store`'s folder (an
    /// unnamed temporary file, never seen in the folder).
    pub fn new(store: &'a Store, books: usize) -> Result<Finished<'a>, PipelineError> {
        let file = tempfile::tempfile_in(store.dir()).map_err(PipelineError::Record)?;
        Ok(Finished {
            store,
            spool: BookSpool::new(file, books),
        })
    }

    /// Records the book at input position `position`, done (finished,
    /// failed or never started).
    pub fn book(&mut self, position: usize, slot: Slot) -> Result<(), PipelineError> {
        self.store
            .manifest()
            .describe(slot.request.id, slot.encoding.as_deref(), &slot.metadata);
        self.spool
            .add(position, &slot.into_report())
            .map_err(PipelineError::Record)
    }

    fn finish(self) -> Result<Books, PipelineError> {
        self.spool.finish().map_err(PipelineError::Record)
    }
}

/// How the tasks of a run went: each step's tally, and every task's span
/// when they were kept.
pub(super) struct Timing {
    pub tallies: Vec<(String, Tally)>,
    pub spans: Vec<Span>,
    pub wall: f64,
}

/// The record of a run: what `mode` handed back, its books and its timing.
pub(super) fn record(
    outcome: Outcome,
    plan: &Plan,
    finished: Finished,
    emit: &Emit,
    mode: Mode,
    timing: Timing,
) -> Result<RunReport, PipelineError> {
    let store = finished.store;
    let books = finished.finish()?;
    let mut corpus = BTreeMap::new();
    let mut headlines = Vec::new();
    let mut corpus_emit = 0.0;
    for (step, totals) in plan.steps.iter().zip(outcome.totals) {
        match &step.work {
            Work::Stage(stage) => {
                let result = stage.summarize(totals);
                headlines.extend(stage.headline(&result));
                corpus.insert(stage.name().to_string(), result);
            }
            // The corpus-level --emit files, counted in the emit step's
            // time (not after Ctrl-C: the books were not all rendered).
            Work::Render if !crate::interrupt::requested() => {
                let counts = totals
                    .downcast::<TokenizeTotals>()
                    .map(|t| *t)
                    .unwrap_or_default();
                let t = Instant::now();
                emit.write_corpus(store.dir(), &counts, &books, store.manifest())
                    .map_err(PipelineError::Emit)?;
                corpus_emit = t.elapsed().as_secs_f64();
            }
            _ => {}
        }
    }
    let stages = stage_reports(&outcome.stages, plan, &timing.tallies, corpus_emit, &books);
    let tally = *books.tally();
    let refresh = store.refreshes().then_some(RefreshCounts {
        unchanged: tally.unchanged,
        updated: tally.updated,
    });
    Ok(RunReport {
        mode,
        out: store.dir().display().to_string(),
        wall_seconds: timing.wall,
        books_ok: tally.ok,
        books_suspect: tally.suspect,
        books_failed: tally.failed,
        stages,
        corpus,
        headlines,
        books,
        refresh,
        peak_rss_bytes: memory::peak_rss_bytes(),
        repeats: Vec::new(),
        statistics: None,
        spans: timing.spans,
    })
}

/// Each step's figures: its tally, its wall time (the batches' added up, or
/// its tasks' window when the steps overlap; the emit step's with the
/// corpus files written at the end), its retries for the download.
fn stage_reports(
    runs: &[StageRun],
    plan: &Plan,
    tallies: &[(String, Tally)],
    corpus_emit: f64,
    books: &Books,
) -> Vec<StageReport> {
    runs.iter()
        .map(|s| {
            let step = &plan.steps[s.step];
            let name = step.info.name;
            let tally = tallies
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| *t)
                .unwrap_or_default();
            let mut wall = s.wall.unwrap_or_else(|| tally.window());
            if matches!(step.work, Work::Emit) {
                wall += corpus_emit;
            }
            let mut stage = StageReport::from_tally(name, s.pool, s.workers, wall, &tally);
            stage.colour = step.info.colour;
            if matches!(step.work, Work::Download) {
                stage.retries = Some(books.tally().retries);
            }
            stage
        })
        .collect()
}
