//! Sequential and staged modes: one step over every book of a batch, then
//! the next — a barrier between steps, so each step's wall time stands on
//! its own (added up over the batches). Sequential runs every step on the
//! calling thread; staged runs each step on the pool the table of steps
//! gives it (downloads on the download pool, saves and `--emit` writes on
//! the save pool, decoding, processing and rendering on the rayon pool).
//!
//! Books wait between steps, so they wait on disk: the books of one batch
//! (`--batch`, default [`super::DEFAULT_BATCH`]) are all that is in memory,
//! their bytes are freed once saved and the decode step reads the saved
//! file back; each book's record goes to the run's spool when its batch is
//! done. Memory therefore depends on the batch, not on the number of books.

use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use super::outcome::Finished;
use super::steps::{Plan, Pool, Slot, Steps};
use super::{Outcome, PipelineConfig, PipelineError, StageRun, WorkerPool};
use crate::book::BookRequest;
use crate::stages::AnyTotals;

/// Where each step of a run executes.
pub(super) enum Pools {
    /// Everything on the calling thread.
    Inline,
    Dedicated {
        download: WorkerPool,
        save: WorkerPool,
        cpu: rayon::ThreadPool,
    },
}

impl Pools {
    fn label(&self, pool: Pool) -> &'static str {
        match self {
            Pools::Inline => "main",
            Pools::Dedicated { .. } => pool.name(),
        }
    }

    fn workers(&self, pool: Pool, config: &PipelineConfig) -> usize {
        match (self, pool) {
            (Pools::Inline, _) => 1,
            (_, Pool::Download) => config.download_workers,
            (_, Pool::Save) => config.save_workers,
            (_, Pool::Cpu) => config.cpu_workers,
        }
    }

    /// Runs step `k` of `plan` on every live book of `slots` on its pool,
    /// folding the totals each thread gathers into one. A refused write
    /// stops the step: every later one would be refused the same way, so
    /// the books not yet started are left alone and the first refusal is
    /// returned.
    fn run_step(
        &self,
        plan: &Plan,
        k: usize,
        ctx: &Steps,
        slots: &mut [Slot],
    ) -> Result<AnyTotals, PipelineError> {
        let step = &plan.steps[k];
        let label = self.label(step.info.pool);
        let refused: Mutex<Option<PipelineError>> = Mutex::new(None);
        let stopped = || refused.lock().map_or(true, |e| e.is_some());
        let work = |totals: &mut AnyTotals, slot: &mut Slot| {
            if stopped() {
                return;
            }
            if let Err(e) = plan.run_step(k, ctx, label, slot, totals) {
                if let Ok(mut first) = refused.lock() {
                    first.get_or_insert(e);
                }
            }
        };
        let merge = |mut a: AnyTotals, b: AnyTotals| {
            step.merge(&mut a, b);
            a
        };
        let live = slots.iter_mut().filter(|s| s.alive());
        let totals = match self {
            Pools::Inline => {
                let mut totals = step.new_totals();
                for slot in live {
                    work(&mut totals, slot);
                }
                totals
            }
            Pools::Dedicated {
                download,
                save,
                cpu,
            } => match step.info.pool {
                Pool::Download | Pool::Save => {
                    let pool = if step.info.pool == Pool::Download {
                        download
                    } else {
                        save
                    };
                    pool.fold(live, || step.new_totals(), work)
                        .into_iter()
                        .fold(step.new_totals(), merge)
                }
                Pool::Cpu => cpu.install(|| {
                    slots
                        .par_iter_mut()
                        .filter(|s| s.alive())
                        .fold(
                            || step.new_totals(),
                            |mut totals, slot| {
                                work(&mut totals, slot);
                                totals
                            },
                        )
                        .reduce(|| step.new_totals(), merge)
                }),
            },
        };
        match refused.into_inner().ok().flatten() {
            Some(e) => Err(e),
            None => Ok(totals),
        }
    }
}

/// Runs every step over every book of `requests`, batch after batch, one
/// step after another, each book going to `finished` when its batch is done.
pub(super) fn run(
    ctx: &Steps,
    pools: &Pools,
    plan: &Plan,
    config: &PipelineConfig,
    requests: &[BookRequest],
    finished: &mut Finished,
) -> Result<Outcome, PipelineError> {
    let mut walls: Vec<Option<f64>> = vec![None; plan.steps.len()];
    let mut totals = plan.new_totals();
    let size = config.batch.max(1);
    for (b, batch) in requests.chunks(size).enumerate() {
        let mut slots: Vec<Slot> = batch.iter().map(Slot::new).collect();
        for (k, step) in plan.steps.iter().enumerate() {
            // Interrupted: what was downloaded is saved; the rest waits for a rerun.
            if !plan.may_run(k) {
                break;
            }
            let t = Instant::now();
            let batch_totals = pools.run_step(plan, k, ctx, &mut slots)?;
            step.merge(&mut totals[k], batch_totals);
            *walls[k].get_or_insert(0.0) += t.elapsed().as_secs_f64();
        }
        for (j, slot) in slots.into_iter().enumerate() {
            finished.book(b * size + j, slot)?;
        }
    }
    let stages = plan
        .steps
        .iter()
        .zip(walls)
        .enumerate()
        .filter_map(|(k, (step, wall))| {
            Some(StageRun {
                step: k,
                pool: pools.label(step.info.pool),
                workers: pools.workers(step.info.pool, config),
                wall: Some(wall?),
            })
        })
        .collect();
    Ok(Outcome { stages, totals })
}
