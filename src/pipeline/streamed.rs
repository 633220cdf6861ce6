//! Streamed mode: the stages connected by bounded channels, so they overlap —
//! a book is saved and tokenized while others are still downloading.
//!
//! ```text
//!  books ─► download pool ─► [save channel] ─► save pool ─► [cpu channel] ─► rayon pool ─┐
//!              ▲                                  ▲ └─ writes --emit files ◄─ [emit channel] ┤
//!              │  (a failed book skips ahead) ──────────────────────────────────────────────┤
//!              └──────────── permit back ◄── collector (calling thread) ◄── [done channel] ┘
//! ```
//!
//! A download worker takes a permit before it starts a book, and the permit
//! comes back when the book has left its last stage (or failed), so at most
//! `in_flight` books are between download and done at any moment: memory
//! stays bounded whatever the number of books. Every channel holds at most
//! `in_flight` books, so no send ever waits.
//!
//! With `--emit`, the rayon pool makes each book's files (`render`) and the
//! save pool writes them (`emit`): the save workers take books from both
//! the save and the emit channels. Because books flow from the save pool to
//! the rayon pool and back, the CPU channel is closed by the last save worker
//! to see the save channel closed, so that every thread ends.
//!
//! Shutdown: a refused write (a book or an `--emit` file) stops the run. The
//! stop signal is a channel that is closed, which wakes every worker waiting
//! for a permit; the save and CPU workers pass the remaining books straight
//! to the collector without work, downloads in progress finish (no new one
//! starts), and every thread ends.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender, bounded, never, select, unbounded};

use super::steps::{Slot, Steps};
use super::{Outcome, PipelineConfig, PipelineError, StageRun, WorkerPool};
use crate::stages::{AnyTotals, TokenizeTotals};

/// A book and its position in the input.
type Item = (usize, Slot);

/// A stop that every worker sees: a flag to check between books, and a
/// channel closed on stop to wake the workers that wait.
struct Stop {
    flag: AtomicBool,
    closer: Mutex<Option<Sender<()>>>,
    closed: Receiver<()>,
    /// The error that stopped the run (the first one).
    error: Mutex<Option<PipelineError>>,
}

impl Stop {
    fn new() -> Stop {
        let (tx, rx) = bounded(0);
        Stop {
            flag: AtomicBool::new(false),
            closer: Mutex::new(Some(tx)),
            closed: rx,
            error: Mutex::new(None),
        }
    }

    fn stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    fn stop(&self, error: PipelineError) {
        if let Ok(mut first) = self.error.lock() {
            first.get_or_insert(error);
        }
        self.flag.store(true, Ordering::SeqCst);
        if let Ok(mut closer) = self.closer.lock() {
            closer.take(); // closing the channel wakes every `select!` on it
        }
    }
}

/// Runs the stages of every book in `slots`, overlapping.
pub(super) fn run(
    steps: &Steps,
    cpu: &rayon::ThreadPool,
    config: &PipelineConfig,
    slots: Vec<Slot>,
) -> Result<Outcome, PipelineError> {
    let n = slots.len();
    let in_flight = config.in_flight.max(1);
    let download = WorkerPool::new("download", config.download_workers);
    let save = WorkerPool::new("save", config.save_workers);
    let cpu_workers = cpu.current_num_threads();
    let stop = Stop::new();

    let (todo_tx, todo_rx) = unbounded::<Item>();
    for item in slots.into_iter().enumerate() {
        let _ = todo_tx.send(item);
    }
    drop(todo_tx);
    let (permit_tx, permit_rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = permit_tx.try_send(());
    }
    let (save_tx, save_rx) = bounded::<Item>(in_flight);
    let (cpu_tx, cpu_rx) = bounded::<Item>(in_flight);
    let (emit_tx, emit_rx) = bounded::<Item>(in_flight);
    let (done_tx, done_rx) = unbounded::<Item>();
    let worker_totals: Mutex<Vec<(Vec<AnyTotals>, TokenizeTotals)>> = Mutex::new(Vec::new());
    // The save workers' way into the rayon pool, closed by the last of them
    // to finish saving (see the module's doc).
    // With no book there is no save worker to close it: closed from the start.
    let cpu_tx = Mutex::new((n > 0).then_some(cpu_tx));
    let saving = AtomicUsize::new(n.min(save.size()));
    let emit = &config.emit;

    let mut finished: Vec<Option<Slot>> = (0..n).map(|_| None).collect();
    std::thread::scope(|scope| {
        // Download: a permit, then the next book.
        {
            let (stop, save_tx, done_tx) = (&stop, save_tx, done_tx.clone());
            let (todo_rx, permit_rx, permit_tx) = (&todo_rx, &permit_rx, permit_tx.clone());
            download.spawn_scoped(scope, n, move |_| {
                loop {
                    select! {
                        recv(permit_rx) -> permit => if permit.is_err() { return },
                        recv(stop.closed) -> _ => return,
                    }
                    if stop.stopped() {
                        return;
                    }
                    let Ok((i, mut slot)) = todo_rx.try_recv() else {
                        let _ = permit_tx.try_send(()); // no book left: give it back
                        return;
                    };
                    steps.download("download", &mut slot);
                    forward((i, slot), &save_tx, &done_tx);
                }
            });
        }
        // Save: write each book, or stop the run if the disk refuses; and
        // write the --emit files the rayon pool made.
        {
            let (stop, done_tx, save_rx, emit_rx) = (&stop, done_tx.clone(), save_rx, emit_rx);
            let (cpu_tx, saving) = (&cpu_tx, &saving);
            save.spawn_scoped(scope, n, move |_| {
                let mut phase = SavePhase {
                    saving,
                    cpu_tx,
                    ended: false,
                };
                let (mut saves, mut emits) = (save_rx.clone(), emit_rx.clone());
                let (mut saves_open, mut emits_open) = (true, true);
                while saves_open || emits_open {
                    select! {
                        recv(saves) -> item => match item {
                            Ok((i, mut slot)) => {
                                if !stop.stopped() {
                                    if let Err(e) = steps.save("save", &mut slot) {
                                        stop.stop(PipelineError::Save(e));
                                    }
                                }
                                if stop.stopped() {
                                    let _ = done_tx.send((i, slot));
                                } else {
                                    forward_locked((i, slot), cpu_tx, &done_tx);
                                }
                            }
                            Err(_) => {
                                (saves, saves_open) = (never(), false);
                                phase.end();
                            }
                        },
                        recv(emits) -> item => match item {
                            Ok((i, mut slot)) => {
                                if !stop.stopped() {
                                    if let Err(e) = steps.emit("save", emit, &mut slot) {
                                        stop.stop(PipelineError::Emit(e));
                                    }
                                }
                                let _ = done_tx.send((i, slot));
                            }
                            Err(_) => (emits, emits_open) = (never(), false),
                        },
                    }
                }
            });
        }
        // Decode and process on the rayon pool: one long-lived task per
        // thread, each with its own totals, merged at the end.
        {
            let (stop, done_tx, cpu_rx, worker_totals) = (&stop, done_tx, cpu_rx, &worker_totals);
            scope.spawn(move || {
                cpu.scope(|s| {
                    for _ in 0..cpu_workers {
                        let (done_tx, cpu_rx, emit_tx) =
                            (done_tx.clone(), cpu_rx.clone(), emit_tx.clone());
                        s.spawn(move |_| {
                            let mut totals: Vec<AnyTotals> =
                                config.stages.iter().map(|st| st.new_totals()).collect();
                            let mut counts = TokenizeTotals::default();
                            for (i, mut slot) in cpu_rx.iter() {
                                // Interrupted: saved books skip processing.
                                let stopping = stop.stopped() || crate::interrupt::requested();
                                if !stopping {
                                    steps.decode("rayon", &mut slot);
                                    for (stage, t) in config.stages.iter().zip(&mut totals) {
                                        steps.process("rayon", stage.as_ref(), &mut slot, t);
                                    }
                                    if !emit.is_empty() {
                                        steps.render("rayon", emit, &mut slot, &mut counts);
                                    }
                                }
                                slot.drop_text();
                                if slot.outputs.is_empty() || stopping {
                                    let _ = done_tx.send((i, slot));
                                } else {
                                    forward((i, slot), &emit_tx, &done_tx);
                                }
                            }
                            if let Ok(mut all) = worker_totals.lock() {
                                all.push((totals, counts));
                            }
                        });
                    }
                });
                drop(emit_tx);
            });
        }
        // Collect finished books on this thread, giving their permits back.
        for (i, slot) in done_rx.iter() {
            let _ = permit_tx.try_send(());
            finished[i] = Some(slot);
        }
    });

    if let Some(e) = stop.error.into_inner().ok().flatten() {
        return Err(e);
    }
    let slots: Vec<Slot> = finished.into_iter().flatten().collect();
    debug_assert_eq!(slots.len(), n, "every book reaches the collector");
    let mut totals: Vec<AnyTotals> = config.stages.iter().map(|s| s.new_totals()).collect();
    let mut counts = TokenizeTotals::default();
    for (worker, worker_counts) in worker_totals.into_inner().unwrap_or_default() {
        for ((stage, total), other) in config.stages.iter().zip(&mut totals).zip(worker) {
            stage.merge(total, other);
        }
        counts.absorb(worker_counts);
    }
    Ok(Outcome {
        slots,
        stages: stage_runs(config, download.size(), save.size(), cpu_workers),
        totals,
        counts: (!emit.is_empty()).then_some(counts),
    })
}

/// The stages of a streamed run, on their pools; their wall times come from
/// their spans, since they overlap.
fn stage_runs(config: &PipelineConfig, download: usize, save: usize, cpu: usize) -> Vec<StageRun> {
    let run = |name: &str, pool: &'static str, workers: usize| StageRun {
        name: name.to_string(),
        pool,
        workers,
        wall: None,
    };
    let mut stages = vec![
        run("download", "download", download),
        run("save", "save", save),
        run("decode", "rayon", cpu),
    ];
    stages.extend(config.stages.iter().map(|s| run(s.name(), "rayon", cpu)));
    if !config.emit.is_empty() {
        stages.push(run("render", "rayon", cpu));
        stages.push(run("emit", "save", save));
    }
    stages
}

/// Ends the save phase of one save worker when dropped — also when it
/// panics — and closes the rayon pool's channel after the last one, so that
/// no CPU worker is left waiting.
struct SavePhase<'a> {
    saving: &'a AtomicUsize,
    cpu_tx: &'a Mutex<Option<Sender<Item>>>,
    ended: bool,
}

impl SavePhase<'_> {
    fn end(&mut self) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        if self.saving.fetch_sub(1, Ordering::SeqCst) == 1 {
            if let Ok(mut tx) = self.cpu_tx.lock() {
                tx.take(); // no more books for the rayon pool
            }
        }
    }
}

impl Drop for SavePhase<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

/// Sends a live book on to the rayon pool, through the channel the save
/// workers share.
fn forward_locked(item: Item, next: &Mutex<Option<Sender<Item>>>, done: &Sender<Item>) {
    match next.lock() {
        Ok(guard) => match guard.as_ref() {
            Some(tx) => forward(item, tx, done),
            None => {
                let _ = done.send(item);
            }
        },
        Err(_) => {
            let _ = done.send(item);
        }
    }
}

/// Sends a live book on to the next stage and a failed one to the collector.
fn forward(item: Item, next: &Sender<Item>, done: &Sender<Item>) {
    if !item.1.alive() {
        let _ = done.send(item);
        return;
    }
    if let Err(returned) = next.send(item) {
        // The next stage's workers are gone (they can only have panicked):
        // the book still reaches the collector, so nothing waits for it.
        let _ = done.send(returned.into_inner());
    }
}
