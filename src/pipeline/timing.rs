//! Measuring work: every task is timed (its wall time, and the thread's own
//! CPU time, user + system, read before and after, so it is right whatever
//! else runs) and added at once to its step's [`Tally`]: books done and
//! failed, bytes, CPU seconds, busy seconds, first start and last end. The
//! per-stage figures of the report are made from the tallies, so a run's
//! record of its tasks does not grow with the books.
//!
//! One [`Span`] per task (which step, which book, which worker thread, when)
//! is kept only when asked for (`--trace`, `--timeline`, or a caller that
//! reads them), and an optional [`TaskObserver`] hears of every task as it
//! ends (progress bars).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::record::{Span, Tally};

/// CPU time (user + system) the calling thread has used so far.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Told of every task as it ends, on the worker that ran it.
pub trait TaskObserver: Sync {
    /// A task has ended; `span` says which, when, and how it went.
    fn task_done(&self, span: &Span);
}

/// The tallies of a run, by step name in the order first seen, and its
/// spans when they were kept.
#[derive(Debug, Default)]
struct Tallies {
    steps: Vec<(String, Tally)>,
    spans: Vec<Span>,
}

impl Tallies {
    fn of(&mut self, stage: &str) -> &mut Tally {
        let i = match self.steps.iter().position(|(name, _)| name == stage) {
            Some(i) => i,
            None => {
                self.steps.push((stage.to_string(), Tally::default()));
                self.steps.len() - 1
            }
        };
        &mut self.steps[i].1
    }
}

/// Times the tasks of one run.
pub struct Recorder<'a> {
    origin: Instant,
    keep_spans: bool,
    tallies: Mutex<Tallies>,
    observer: Option<&'a dyn TaskObserver>,
}

impl Recorder<'static> {
    /// A recorder that keeps every span.
    pub fn new() -> Recorder<'static> {
        Recorder::observed(None, true)
    }
}

impl<'a> Recorder<'a> {
    /// A recorder that tells `observer` of every task, keeping each task's
    /// span when `keep_spans`.
    pub fn observed(observer: Option<&'a dyn TaskObserver>, keep_spans: bool) -> Recorder<'a> {
        Recorder {
            origin: Instant::now(),
            keep_spans,
            tallies: Mutex::new(Tallies::default()),
            observer,
        }
    }

    /// When the run started.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Runs `task` for book `book`, adding it to `stage`'s tally. The task
    /// returns its result and the bytes it handled; the result's `Ok`-ness
    /// says whether the task succeeded.
    pub fn task<T, E>(
        &self,
        stage: &str,
        pool: &'static str,
        book: usize,
        task: impl FnOnce() -> (Result<T, E>, u64),
    ) -> Result<T, E> {
        let cpu0 = thread_cpu_time();
        let start = self.origin.elapsed();
        let (result, bytes) = task();
        let end = self.origin.elapsed();
        let cpu = thread_cpu_time().saturating_sub(cpu0).as_secs_f64();
        let (start, end, ok) = (start.as_secs_f64(), end.as_secs_f64(), result.is_ok());
        let span = (self.keep_spans || self.observer.is_some()).then(|| Span {
            stage: stage.to_string(),
            pool,
            worker: std::thread::current()
                .name()
                .unwrap_or("unnamed")
                .to_string(),
            book,
            start,
            end,
            cpu,
            bytes,
            ok,
        });
        if let (Some(observer), Some(span)) = (self.observer, &span) {
            observer.task_done(span);
        }
        let mut tallies = self.tallies.lock().unwrap_or_else(|e| e.into_inner());
        tallies.of(stage).add(ok, bytes, start, end, cpu);
        if let Some(span) = span.filter(|_| self.keep_spans) {
            tallies.spans.push(span);
        }
        result
    }

    /// The tally of each step that ran a task, and the spans (ordered by
    /// start; empty unless kept).
    pub fn finish(self) -> (Vec<(String, Tally)>, Vec<Span>) {
        let mut tallies = self.tallies.into_inner().unwrap_or_else(|e| e.into_inner());
        tallies.spans.sort_by(|a, b| a.start.total_cmp(&b.start));
        (tallies.steps, tallies.spans)
    }
}

impl Default for Recorder<'static> {
    fn default() -> Self {
        Recorder::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_clock_counts_work_not_sleep() {
        let r = Recorder::new();
        let _: Result<(), ()> = r.task("sleep", "test", 0, || {
            std::thread::sleep(Duration::from_millis(50));
            (Ok(()), 0)
        });
        let _: Result<u64, ()> = r.task("spin", "test", 1, || {
            // Spin until this thread has used 50 ms of CPU, however loaded the machine is.
            let cpu0 = thread_cpu_time();
            let mut x = 0u64;
            while thread_cpu_time() - cpu0 < Duration::from_millis(50) {
                x = x.wrapping_add(std::hint::black_box(1));
            }
            (Ok(x), 10)
        });
        let (tallies, spans) = r.finish();
        assert_eq!(spans.len(), 2);
        let sleep = &spans[0];
        let spin = &spans[1];
        assert!(sleep.end - sleep.start >= 0.05);
        assert!(sleep.cpu < 0.025, "sleeping uses little CPU: {}", sleep.cpu);
        assert!(spin.cpu >= 0.05, "spinning uses CPU: {}", spin.cpu);
        assert!(
            spin.end - spin.start >= spin.cpu * 0.99,
            "CPU time never exceeds wall time on one thread"
        );
        assert_eq!(spin.bytes, 10);
        assert_eq!(spin.worker, sleep.worker);
        // The tallies say the same as the spans.
        for (name, tally) in &tallies {
            assert_eq!(*tally, Tally::of_spans(&spans, name), "{name}");
        }
    }

    #[test]
    fn tallies_add_every_task_and_spans_are_kept_only_when_asked() {
        let r = Recorder::observed(None, false);
        for book in 0..1000 {
            let _: Result<(), ()> = r.task("save", "test", book, || {
                (if book % 10 == 0 { Err(()) } else { Ok(()) }, 3)
            });
        }
        let _: Result<(), ()> = r.task("decode", "test", 0, || (Ok(()), 5));
        let (tallies, spans) = r.finish();
        assert!(spans.is_empty(), "no span kept");
        let names: Vec<&str> = tallies.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["save", "decode"], "in the order first seen");
        let save = tallies[0].1;
        assert_eq!((save.items, save.failed, save.bytes), (900, 100, 2700));
        assert!(save.busy >= 0.0 && save.busy <= save.window() + 1e-9);
        assert!(save.first_start <= save.last_end);
        assert_eq!(tallies[1].1.bytes, 5);
    }

    #[test]
    fn the_observer_hears_of_every_task() {
        struct Count(Mutex<Vec<(String, u64, bool)>>);
        impl TaskObserver for Count {
            fn task_done(&self, span: &Span) {
                let mut seen = self.0.lock().unwrap();
                seen.push((span.stage.clone(), span.bytes, span.ok));
            }
        }
        let count = Count(Mutex::new(Vec::new()));
        let r = Recorder::observed(Some(&count), false);
        let _: Result<(), ()> = r.task("download", "test", 0, || (Ok(()), 7));
        let _: Result<(), ()> = r.task("save", "test", 0, || (Err(()), 0));
        assert_eq!(r.finish().1.len(), 0, "heard, not kept");
        assert_eq!(
            count.0.into_inner().unwrap(),
            vec![("download".into(), 7, true), ("save".into(), 0, false)]
        );
    }
}
