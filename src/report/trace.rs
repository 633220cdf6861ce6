//! The spans of one or more runs in Chrome's trace-event format, which
//! Perfetto (ui.perfetto.dev) and `chrome://tracing` open: one process per
//! pool of each run ("staged · download pool"), one track per worker thread,
//! one complete event per task with its thread (CPU) time as `tts`/`tdur`
//! and the book, bytes and CPU time in its args; and, per run, counter
//! tracks of the books in flight, the books waiting between steps and the
//! download rate. Every run starts at time 0, so runs can be compared one
//! above the other.

use std::path::Path;

use serde_json::{Value, json};

use super::occupancy::{self, Steps};
use super::timeline::{pool_threads, pools_of, worker_number};
use super::write_file;
use crate::record::{RunReport, Span};
use crate::store::StoreError;

/// Slices of the run the download rate is counted in.
const RATE_BINS: usize = 100;

/// The trace of `runs` as a JSON document.
pub fn render(runs: &[RunReport]) -> Value {
    let mut events = Vec::new();
    let mut pid = 0u64;
    for run in runs {
        for pool in pools_of(run) {
            if !run.spans.iter().any(|s| s.pool == pool) {
                continue;
            }
            pid += 1;
            pool_events(run, pool, pid, &mut events);
        }
        if !run.spans.is_empty() {
            pid += 1;
            counter_events(run, pid, &mut events);
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": { "gutenpipe": env!("CARGO_PKG_VERSION") },
    })
}

/// The metadata naming process `pid` and placing it.
fn process(pid: u64, name: String, events: &mut Vec<Value>) {
    events.push(json!({
        "name": "process_name", "ph": "M", "pid": pid, "args": { "name": name }
    }));
    events.push(json!({
        "name": "process_sort_index", "ph": "M", "pid": pid,
        "args": { "sort_index": pid }
    }));
}

/// The process of `pool` in `run`: its threads and a complete event per
/// task.
fn pool_events(run: &RunReport, pool: &str, pid: u64, events: &mut Vec<Value>) {
    let threads = pool_threads(run, pool);
    let name = format!(
        "{} · {pool} pool ({})",
        run.mode.name(),
        crate::units::count(threads as u64, "thread", "threads")
    );
    process(pid, name, events);
    let mut workers: Vec<&str> = run
        .spans
        .iter()
        .filter(|s| s.pool == pool)
        .map(|s| s.worker.as_str())
        .collect();
    workers.sort_by_key(|w| (worker_number(w), w.to_string()));
    workers.dedup();
    for (tid, worker) in workers.iter().enumerate() {
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
            "args": { "name": worker }
        }));
        events.push(json!({
            "name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid,
            "args": { "sort_index": tid }
        }));
        let mut spans: Vec<&Span> = run.spans.iter().filter(|s| s.worker == *worker).collect();
        spans.sort_by(|a, b| a.start.total_cmp(&b.start));
        // The thread's CPU clock, counted from its first task: the CPU
        // time of its tasks before this one.
        let mut thread_time = 0.0;
        for s in spans.into_iter().filter(|s| s.pool == pool) {
            events.push(task_event(run, s, pid, tid, thread_time));
            thread_time += s.cpu.max(0.0);
        }
    }
}

/// One task as a complete event, with its thread time.
fn task_event(run: &RunReport, s: &Span, pid: u64, tid: usize, thread_time: f64) -> Value {
    let id = run.books.id(s.book).map(|id| id.0);
    json!({
        "name": s.stage, "cat": s.stage, "ph": "X",
        "ts": micros(s.start), "dur": micros(s.end - s.start),
        "tts": micros(thread_time), "tdur": micros(s.cpu),
        "pid": pid, "tid": tid,
        "args": {
            "ebook": id, "book_index": s.book, "bytes": s.bytes,
            "cpu_ms": (s.cpu * 1e6).round() / 1e3, "ok": s.ok,
        }
    })
}

/// The counters of `run`, in a process of their own: books in flight,
/// books waiting between steps, and the download rate.
fn counter_events(run: &RunReport, pid: u64, events: &mut Vec<Value>) {
    process(
        pid,
        format!("{} · books and bytes", run.mode.name()),
        events,
    );
    let counter = |name: &str, key: &str, t: f64, value: Value| json!({ "name": name, "ph": "C", "pid": pid, "ts": micros(t), "args": { key: value } });
    let steps = |name: &str, steps: Steps, events: &mut Vec<Value>| {
        events.push(counter(name, "books", 0.0, json!(0)));
        for (t, n) in steps {
            events.push(counter(name, "books", t, json!(n)));
        }
    };
    steps("books in flight", occupancy::in_flight(run), events);
    steps("books waiting", occupancy::waiting(run), events);
    for (t, rate) in occupancy::download_rate(run, RATE_BINS) {
        events.push(counter("download rate", "bytes/s", t, json!(rate.round())));
    }
    events.push(counter(
        "download rate",
        "bytes/s",
        run.wall_seconds,
        json!(0),
    ));
}

/// Writes the trace of `runs` to `path`.
pub fn write(runs: &[RunReport], path: &Path) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(&render(runs)).expect("a trace always serialises");
    write_file(path, &bytes)
}

fn micros(seconds: f64) -> f64 {
    (seconds.max(0.0) * 1e7).round() / 10.0
}
