//! What a mode hands back, and how it becomes the record of the run: each
//! step's row from its spans, each book's line, the processing stages'
//! corpus results and the lines they show on a terminal, and with `--emit`
//! the corpus-level files.

use std::collections::BTreeMap;
use std::time::Instant;

use super::PipelineError;
use super::memory;
use super::steps::{Plan, Slot, Work};
use crate::emit::Emit;
use crate::record::{
    BookReport, Mode, RefreshCounts, Refreshed, RunReport, Span, StageReport, Status,
};
use crate::stages::{AnyTotals, TokenizeTotals};
use crate::store::Store;

/// What a mode hands back: every book, how each step ran, and each step's
/// totals (in the plan's order).
pub(super) struct Outcome {
    pub slots: Vec<Slot>,
    pub stages: Vec<StageRun>,
    pub totals: Vec<AnyTotals>,
}

/// One step of a run, as the mode ran it.
pub(super) struct StageRun {
    pub name: &'static str,
    pub pool: &'static str,
    pub workers: usize,
    /// Measured between barriers; `None` when the steps overlap, and the
    /// wall time is then the span from its first task's start to its last
    /// task's end.
    pub wall: Option<f64>,
}

/// The record of a run that took `wall` seconds and recorded `spans`.
pub(super) fn record(
    outcome: Outcome,
    plan: &Plan,
    store: &Store,
    emit: &Emit,
    mode: Mode,
    spans: Vec<Span>,
    wall: f64,
) -> Result<RunReport, PipelineError> {
    // What the decode step and the headers found goes into the manifest
    // too (written with the store's next flush).
    for slot in &outcome.slots {
        store
            .manifest()
            .describe(slot.request.id, slot.encoding.as_deref(), &slot.metadata);
    }
    let retries: u64 = outcome.slots.iter().map(|s| u64::from(s.retries)).sum();
    let books: Vec<BookReport> = outcome.slots.into_iter().map(Slot::into_report).collect();
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
                emit.write(store.dir(), &emit.corpus_files(&counts, &books))
                    .map_err(PipelineError::Emit)?;
                corpus_emit = t.elapsed().as_secs_f64();
            }
            _ => {}
        }
    }
    let stages = outcome
        .stages
        .iter()
        .zip(&plan.steps)
        .map(|(s, step)| {
            let mut wall = s.wall.unwrap_or_else(|| span_wall(&spans, s.name));
            if matches!(step.work, Work::Emit) {
                wall += corpus_emit;
            }
            let mut stage = StageReport::from_spans(s.name, s.pool, s.workers, wall, &spans);
            stage.colour = step.info.colour;
            if matches!(step.work, Work::Download) {
                stage.retries = Some(retries);
            }
            stage
        })
        .collect();
    let count = |status| books.iter().filter(|b| b.status == status).count();
    let refreshed = |r| books.iter().filter(|b| b.refreshed == Some(r)).count();
    let refresh = store.refreshes().then(|| RefreshCounts {
        unchanged: refreshed(Refreshed::Unchanged),
        updated: refreshed(Refreshed::Updated),
    });
    let (failed, suspect) = (count(Status::Failed), count(Status::Suspect));
    Ok(RunReport {
        mode,
        out: store.dir().display().to_string(),
        wall_seconds: wall,
        books_ok: books.len() - failed - suspect,
        books_suspect: suspect,
        books_failed: failed,
        stages,
        corpus,
        headlines,
        books,
        refresh,
        peak_rss_bytes: memory::peak_rss_bytes(),
        repeats: Vec::new(),
        statistics: None,
        spans,
    })
}

/// Seconds from the first start to the last end of `stage`'s spans.
fn span_wall(spans: &[Span], stage: &str) -> f64 {
    let mut mine = spans.iter().filter(|s| s.stage == stage).peekable();
    if mine.peek().is_none() {
        return 0.0;
    }
    let (start, end) = mine.fold((f64::INFINITY, 0.0f64), |(a, b), s| {
        (a.min(s.start), b.max(s.end))
    });
    (end - start).max(0.0)
}
