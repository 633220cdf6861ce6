//! Measuring work: one span per task (which stage, which book, which worker
//! thread, when, how many bytes, how much CPU time), from which the per-stage
//! figures are summed. CPU time is the thread's own clock (user + system),
//! read before and after each task, so it is right whatever else runs.
//! An optional [`TaskObserver`] hears of every task as it ends (progress bars).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::record::Span;

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

/// Collects the spans of one run.
pub struct Recorder<'a> {
    origin: Instant,
    spans: Mutex<Vec<Span>>,
    observer: Option<&'a dyn TaskObserver>,
}

impl Recorder<'static> {
    pub fn new() -> Recorder<'static> {
        Recorder::observed(None)
    }
}

impl<'a> Recorder<'a> {
    /// A recorder that also tells `observer` of every task.
    pub fn observed(observer: Option<&'a dyn TaskObserver>) -> Recorder<'a> {
        Recorder {
            origin: Instant::now(),
            spans: Mutex::new(Vec::new()),
            observer,
        }
    }

    /// When the run started.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Runs `task` for book `book`, recording a span. The task returns its
    /// result and the bytes it handled; the result's `Ok`-ness marks the span.
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
        let cpu = thread_cpu_time().saturating_sub(cpu0);
        let worker = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        let span = Span {
            stage: stage.to_string(),
            pool,
            worker,
            book,
            start: start.as_secs_f64(),
            end: end.as_secs_f64(),
            cpu: cpu.as_secs_f64(),
            bytes,
            ok: result.is_ok(),
        };
        if let Some(observer) = self.observer {
            observer.task_done(&span);
        }
        if let Ok(mut spans) = self.spans.lock() {
            spans.push(span);
        }
        result
    }

    /// The spans recorded, ordered by start.
    pub fn into_spans(self) -> Vec<Span> {
        let mut spans = self.spans.into_inner().unwrap_or_else(|e| e.into_inner());
        spans.sort_by(|a, b| a.start.total_cmp(&b.start));
        spans
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
        let spans = r.into_spans();
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
        let r = Recorder::observed(Some(&count));
        let _: Result<(), ()> = r.task("download", "test", 0, || (Ok(()), 7));
        let _: Result<(), ()> = r.task("save", "test", 0, || (Err(()), 0));
        assert_eq!(r.into_spans().len(), 2);
        assert_eq!(
            count.0.into_inner().unwrap(),
            vec![("download".into(), 7, true), ("save".into(), 0, false)]
        );
    }
}
