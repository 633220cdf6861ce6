//! Sequential and staged modes: one stage over every book, then the next —
//! a barrier between stages, so each stage's wall time stands on its own.
//! Sequential runs every step on the calling thread; staged runs downloads
//! on the download pool, saves on the save pool, decoding and processing on
//! the rayon pool, and with `--emit` the files are made on the rayon pool
//! and written on the save pool.

use rayon::prelude::*;

use super::steps::{Slot, Steps};
use super::{Outcome, PipelineConfig, PipelineError, StageRun, WorkerPool};
use crate::stages::{AnyTotals, TokenizeTotals};
use crate::store::StoreError;
use std::sync::Mutex;
use std::time::Instant;

/// Where each stage of a run executes.
pub(super) enum Pools {
    /// Everything on the calling thread.
    Inline,
    Dedicated {
        download: WorkerPool,
        save: WorkerPool,
        cpu: rayon::ThreadPool,
    },
}

#[derive(Clone, Copy)]
enum IoPool {
    Download,
    Save,
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

    /// Runs `write` on every live book on the save pool until a write is
    /// refused: every later one would be refused the same way, so the books
    /// not yet started are left alone and the first refusal is returned.
    fn write_each(
        &self,
        slots: &mut [Slot],
        write: impl Fn(&mut Slot) -> Result<(), StoreError> + Sync,
    ) -> Option<StoreError> {
        let refused = Mutex::new(None);
        self.io_each(IoPool::Save, slots, |slot| {
            if refused.lock().map_or(true, |e| e.is_some()) {
                return; // the run is stopping
            }
            if let Err(e) = write(slot) {
                if let Ok(mut first) = refused.lock() {
                    first.get_or_insert(e);
                }
            }
        });
        refused.into_inner().ok().flatten()
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

    fn workers(&self, n: usize) -> usize {
        match self {
            Pools::Inline => 1,
            Pools::Dedicated { .. } => n,
        }
    }
}

/// Runs every stage over every book of `slots`, one stage after another.
pub(super) fn run(
    steps: &Steps,
    pools: &Pools,
    config: &PipelineConfig,
    mut slots: Vec<Slot>,
) -> Result<Outcome, PipelineError> {
    let c = config;
    let mut stages = Vec::new();
    let mut timed = |name: &str, pool: &'static str, workers: usize, t: Instant| {
        stages.push(StageRun {
            name: name.to_string(),
            pool,
            workers: pools.workers(workers),
            wall: Some(t.elapsed().as_secs_f64()),
        });
    };

    let pool = pools.label("download");
    let t = Instant::now();
    pools.io_each(IoPool::Download, &mut slots, |slot| {
        steps.download(pool, slot)
    });
    timed("download", pool, c.download_workers, t);

    let pool = pools.label("save");
    let t = Instant::now();
    if let Some(e) = pools.write_each(&mut slots, |slot| steps.save(pool, slot)) {
        return Err(PipelineError::Save(e));
    }
    timed("save", pool, c.save_workers, t);
    // Interrupted: what was downloaded is saved; the rest waits for a rerun.
    if crate::interrupt::requested() {
        return Ok(Outcome {
            slots,
            stages,
            totals: Vec::new(),
            counts: None,
        });
    }

    let pool = pools.label("rayon");
    let t = Instant::now();
    pools.cpu_fold(
        &mut slots,
        || Box::new(()),
        |slot, _| steps.decode(pool, slot),
        |a, _| a,
    );
    timed("decode", pool, c.cpu_workers, t);

    let emit = &c.emit;
    let mut corpus = Vec::new();
    for (i, stage) in c.stages.iter().enumerate() {
        // The text is freed after the last step that reads it.
        let last = i + 1 == c.stages.len() && emit.is_empty();
        let t = Instant::now();
        let totals = pools.cpu_fold(
            &mut slots,
            || stage.new_totals(),
            |slot, totals| {
                steps.process(pool, stage.as_ref(), slot, totals);
                if last {
                    slot.drop_text();
                }
            },
            |mut a, b| {
                stage.merge(&mut a, b);
                a
            },
        );
        timed(stage.name(), pool, c.cpu_workers, t);
        corpus.push(totals);
    }

    let mut counts = None;
    if !emit.is_empty() {
        let t = Instant::now();
        let totals = pools.cpu_fold(
            &mut slots,
            || Box::new(TokenizeTotals::default()),
            |slot, totals| {
                if let Some(corpus) = totals.downcast_mut::<TokenizeTotals>() {
                    steps.render(pool, emit, slot, corpus);
                }
                slot.drop_text();
            },
            |mut a, b| {
                if let (Some(a), Ok(b)) = (
                    a.downcast_mut::<TokenizeTotals>(),
                    b.downcast::<TokenizeTotals>(),
                ) {
                    a.absorb(*b);
                }
                a
            },
        );
        timed("render", pool, c.cpu_workers, t);
        counts = Some(
            totals
                .downcast::<TokenizeTotals>()
                .map(|t| *t)
                .unwrap_or_default(),
        );

        let pool = pools.label("save");
        let t = Instant::now();
        if let Some(e) = pools.write_each(&mut slots, |slot| steps.emit(pool, emit, slot)) {
            return Err(PipelineError::Emit(e));
        }
        timed("emit", pool, c.save_workers, t);
    }
    Ok(Outcome {
        slots,
        stages,
        totals: corpus,
        counts,
    })
}
