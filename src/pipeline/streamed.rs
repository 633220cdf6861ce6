//! Streamed mode: the steps connected by bounded channels, so they overlap —
//! a book is saved and tokenized while others are still downloading.
//!
//! ```text
//!  books ─► download pool ─┬─► [save channel] ─► save pool ─┬─► [cpu channel] ─► rayon pool ─┐
//!              ▲           │        ▲                       │        ▲                       │
//!              │           │        └─── a book whose next step is on the save pool ◄────────┤
//!              │           └── a failed or finished book ───┴──────────────┬─────────────────┘
//!              └── permit back ◄── collector (calling thread) ◄── [done channel]
//! ```
//!
//! Each book carries the index of its next step in the table of steps. A
//! worker runs a book's steps for as long as they are its pool's, then
//! sends the book to the channel of the pool of its next step, or to the
//! collector when it has none left (or failed). So the same scheduler runs
//! any table: a stage on the save pool, `--emit`'s render and emit steps,
//! no processing stage at all.
//!
//! A download worker takes a permit before it starts a book, and the permit
//! comes back when the book reaches the collector, so at most `in_flight`
//! books are between download and done at any moment. A book is made (its
//! [`Slot`]) when its download starts, and the collector hands it to
//! [`Finished`] — its record to the run's spool file — as it arrives, so
//! nothing of a book stays in memory once it is done: memory stays bounded
//! whatever the number of books. Every channel holds at most `in_flight`
//! books, so no send ever waits.
//!
//! Shutdown: the collector counts the books that reach it, and when all
//! have, it closes a shutdown channel that every worker listens to. A
//! refused write stops the run: workers pass the books they receive
//! straight to the collector, and download workers pass the books not yet
//! started, so that every book still reaches it. A worker that panics
//! closes the shutdown channel as it unwinds, so nothing waits forever.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender, bounded, select, unbounded};

use super::outcome::Finished;
use super::steps::{Plan, Pool, Slot, Steps};
use super::{Outcome, PipelineConfig, PipelineError, StageRun, WorkerPool};
use crate::book::BookRequest;
use crate::stages::AnyTotals;

/// A book, its position in the input, and the index of its next step.
type Item = (usize, usize, Slot);

/// The first error that stopped the run, and a flag every worker checks.
#[derive(Default)]
struct Stop {
    flag: AtomicBool,
    error: Mutex<Option<PipelineError>>,
}

impl Stop {
    fn stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    fn stop(&self, error: PipelineError) {
        if let Ok(mut first) = self.error.lock() {
            first.get_or_insert(error);
        }
        self.flag.store(true, Ordering::SeqCst);
    }
}

/// A channel closed to tell every worker that the run is over.
struct Shutdown {
    closer: Mutex<Option<Sender<()>>>,
    closed: Receiver<()>,
}

impl Shutdown {
    fn new() -> Shutdown {
        let (tx, rx) = bounded(0);
        Shutdown {
            closer: Mutex::new(Some(tx)),
            closed: rx,
        }
    }

    fn close(&self) {
        if let Ok(mut closer) = self.closer.lock() {
            closer.take(); // closing the channel wakes every `select!` on it
        }
    }
}

/// Closes the shutdown channel when the worker holding it panics.
struct OnPanic<'a>(&'a Shutdown);

impl Drop for OnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.close();
        }
    }
}

/// Where books go between pools.
struct Flow<'a> {
    plan: &'a Plan,
    ctx: &'a Steps<'a>,
    stop: &'a Stop,
    save: Sender<Item>,
    cpu: Sender<Item>,
    done: Sender<Item>,
    /// Every worker's totals, one per step, merged at the end.
    totals: Mutex<Vec<Vec<AnyTotals>>>,
}

impl Flow<'_> {
    /// Runs the book's steps while they are `pool`'s, then sends it on.
    fn work(&self, pool: Pool, (i, mut k, mut slot): Item, totals: &mut [AnyTotals]) {
        let steps = &self.plan.steps;
        while k < steps.len()
            && steps[k].info.pool == pool
            && slot.alive()
            && !self.stop.stopped()
            && self.plan.may_run(k)
        {
            if let Err(e) = self
                .plan
                .run_step(k, self.ctx, pool.name(), &mut slot, &mut totals[k])
            {
                self.stop.stop(e);
            }
            k += 1;
        }
        self.send_on((i, k, slot));
    }

    /// Sends a book to the pool of its next step, or to the collector.
    fn send_on(&self, item: Item) {
        let (_, k, slot) = &item;
        let next = match self.plan.steps.get(*k) {
            Some(step) if slot.alive() && !self.stop.stopped() && self.plan.may_run(*k) => {
                match step.info.pool {
                    Pool::Cpu => &self.cpu,
                    Pool::Save | Pool::Download => &self.save,
                }
            }
            _ => &self.done,
        };
        if let Err(returned) = next.send(item) {
            let _ = self.done.send(returned.into_inner());
        }
    }

    /// Keeps a worker's totals for the end of the run.
    fn keep(&self, totals: Vec<AnyTotals>) {
        if let Ok(mut all) = self.totals.lock() {
            all.push(totals);
        }
    }
}

/// A pool worker's loop: books from `input` until the run is over.
fn serve(flow: &Flow, shutdown: &Shutdown, pool: Pool, input: &Receiver<Item>) {
    let _guard = OnPanic(shutdown);
    let mut totals = flow.plan.new_totals();
    loop {
        select! {
            recv(input) -> item => match item {
                Ok(item) => flow.work(pool, item, &mut totals),
                Err(_) => break,
            },
            recv(shutdown.closed) -> _ => break,
        }
    }
    flow.keep(totals);
}

/// The books not started yet, taken one at a time.
struct Todo<'a> {
    requests: &'a [BookRequest],
    next: AtomicUsize,
}

impl Todo<'_> {
    /// The next book's position in the input, and the book, made now.
    fn take(&self) -> Option<(usize, Slot)> {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        self.requests.get(i).map(|r| (i, Slot::new(r)))
    }
}

/// A download worker's loop: a permit, then the next book; once the run has
/// stopped, the books not started go straight to the collector.
fn fetch_books(
    flow: &Flow,
    shutdown: &Shutdown,
    stop: &Stop,
    todo: &Todo,
    permits: &Receiver<()>,
    permits_back: &Sender<()>,
) {
    let _guard = OnPanic(shutdown);
    let mut totals = flow.plan.new_totals();
    loop {
        select! {
            recv(permits) -> permit => if permit.is_err() { break },
            recv(shutdown.closed) -> _ => break,
        }
        if stop.stopped() {
            while let Some((i, mut slot)) = todo.take() {
                slot.not_started();
                let _ = flow.done.send((i, 0, slot));
            }
            break;
        }
        let Some((i, slot)) = todo.take() else {
            let _ = permits_back.try_send(()); // no book left: give it back
            break;
        };
        flow.work(Pool::Download, (i, 0, slot), &mut totals);
    }
    flow.keep(totals);
}

/// Takes finished books until all `books` have come (or the run is shut
/// down), recording each as it comes and giving its permit back; returns
/// how many came. A book that cannot be recorded stops the run.
fn collect(
    done: &Receiver<Item>,
    permits_back: &Sender<()>,
    shutdown: &Shutdown,
    stop: &Stop,
    books: usize,
    finished: &mut Finished,
) -> usize {
    let mut arrived = vec![false; books];
    let mut count = 0;
    while count < books {
        select! {
            recv(done) -> item => match item {
                Ok((i, _, slot)) => {
                    let _ = permits_back.try_send(());
                    if let Some(seen) = arrived.get_mut(i).filter(|seen| !**seen) {
                        *seen = true;
                        count += 1;
                        if let Err(e) = finished.book(i, slot) {
                            if !stop.stopped() {
                                stop.stop(e);
                            }
                        }
                    }
                }
                Err(_) => break,
            },
            recv(shutdown.closed) -> _ => break,
        }
    }
    count
}

/// Every worker's totals merged, step by step.
fn merge_totals(plan: &Plan, workers: Vec<Vec<AnyTotals>>) -> Vec<AnyTotals> {
    let mut totals = plan.new_totals();
    for worker in workers {
        for ((step, total), other) in plan.steps.iter().zip(&mut totals).zip(worker) {
            step.merge(total, other);
        }
    }
    totals
}

/// Runs every step of every book of `requests`, overlapping, each book
/// going to `finished` as it is done.
pub(super) fn run(
    ctx: &Steps,
    cpu: &rayon::ThreadPool,
    plan: &Plan,
    config: &PipelineConfig,
    requests: &[BookRequest],
    finished: &mut Finished,
) -> Result<Outcome, PipelineError> {
    let n = requests.len();
    let in_flight = config.in_flight.max(1);
    let download = WorkerPool::new("download", config.download_workers);
    let save = WorkerPool::new("save", config.save_workers);
    let cpu_workers = cpu.current_num_threads();
    let stop = Stop::default();
    let shutdown = Shutdown::new();
    let todo = Todo {
        requests,
        next: AtomicUsize::new(0),
    };
    let (permit_tx, permit_rx) = permits(in_flight);
    let (save_tx, save_rx) = bounded::<Item>(in_flight);
    let (cpu_tx, cpu_rx) = bounded::<Item>(in_flight);
    let (done_tx, done_rx) = unbounded::<Item>();
    let flow = Flow {
        plan,
        ctx,
        stop: &stop,
        save: save_tx,
        cpu: cpu_tx,
        done: done_tx,
        totals: Mutex::new(Vec::new()),
    };

    let mut arrived = 0;
    std::thread::scope(|scope| {
        let (flow, shutdown, stop) = (&flow, &shutdown, &stop);
        // The pools that take books are started before the downloads: once
        // the download threads run, starting another thread waits its turn
        // among them for the processors, and the first books would wait
        // (10 to 20 ms on two cores and a server on the same machine).
        // The rayon pool: one long-lived task per thread.
        let cpu_rx = &cpu_rx;
        scope.spawn(move || {
            cpu.scope(|s| {
                for _ in 0..cpu_workers {
                    s.spawn(move |_| serve(flow, shutdown, Pool::Cpu, cpu_rx));
                }
            });
        });
        let save_rx = &save_rx;
        save.spawn_scoped(scope, save.size(), move |_| {
            serve(flow, shutdown, Pool::Save, save_rx);
        });
        // Download: a permit, then the next book; once stopped, the books
        // not started go straight to the collector.
        let (todo, permit_rx, permit_tx) = (&todo, &permit_rx, &permit_tx);
        download.spawn_scoped(scope, n, move |_| {
            fetch_books(flow, shutdown, stop, todo, permit_rx, permit_tx);
        });
        // Record finished books on this thread, giving their permits back.
        arrived = collect(&done_rx, permit_tx, shutdown, stop, n, finished);
        shutdown.close();
    });

    let Flow {
        totals: worker_totals,
        ..
    } = flow;
    if let Some(e) = stop.error.into_inner().ok().flatten() {
        return Err(e);
    }
    if arrived < n {
        return Err(PipelineError::Lost {
            missing: n - arrived,
        });
    }
    let totals = merge_totals(plan, worker_totals.into_inner().unwrap_or_default());
    let stages = stage_runs(plan, [download.size(), save.size(), cpu_workers]);
    Ok(Outcome { stages, totals })
}

/// A channel holding `in_flight` permits to start a book.
fn permits(in_flight: usize) -> (Sender<()>, Receiver<()>) {
    let (tx, rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = tx.try_send(());
    }
    (tx, rx)
}

/// Each step with its pool and that pool's workers (`workers`: download,
/// save, CPU), as the record shows them; overlapping, no step has a wall
/// time of its own.
fn stage_runs(plan: &Plan, workers: [usize; 3]) -> Vec<StageRun> {
    plan.steps
        .iter()
        .enumerate()
        .map(|(k, step)| StageRun {
            step: k,
            pool: step.info.pool.name(),
            workers: match step.info.pool {
                Pool::Download => workers[0],
                Pool::Save => workers[1],
                Pool::Cpu => workers[2],
            },
            wall: None,
        })
        .collect()
}
