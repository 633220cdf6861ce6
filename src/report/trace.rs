//! The spans of one or more runs in Chrome's trace-event format, which
//! Perfetto (ui.perfetto.dev) and `chrome://tracing` open: one process per
//! pool of each run ("staged · download pool"), one track per worker thread,
//! one complete event per task with the book, bytes and CPU time in its args.
//! Every run starts at time 0, so runs can be compared one above the other.

use std::path::Path;

use serde_json::{Value, json};

use super::timeline::{pool_threads, pools_of, worker_number};
use super::write_file;
use crate::record::RunReport;
use crate::store::StoreError;

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
            let threads = pool_threads(run, pool);
            events.push(json!({
                "name": "process_name", "ph": "M", "pid": pid,
                "args": { "name": format!(
                    "{} · {pool} pool ({})",
                    run.mode.name(),
                    crate::units::count(threads as u64, "thread", "threads")
                ) }
            }));
            events.push(json!({
                "name": "process_sort_index", "ph": "M", "pid": pid,
                "args": { "sort_index": pid }
            }));
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
            }
            for s in run.spans.iter().filter(|s| s.pool == pool) {
                let tid = workers.iter().position(|w| *w == s.worker).unwrap_or(0);
                let id = run.books.id(s.book).map(|id| id.0);
                events.push(json!({
                    "name": s.stage, "cat": s.stage, "ph": "X",
                    "ts": micros(s.start), "dur": micros(s.end - s.start),
                    "pid": pid, "tid": tid,
                    "args": {
                        "ebook": id, "book_index": s.book, "bytes": s.bytes,
                        "cpu_ms": (s.cpu * 1e6).round() / 1e3, "ok": s.ok,
                    }
                }));
            }
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": { "gutenpipe": env!("CARGO_PKG_VERSION") },
    })
}

/// Writes the trace of `runs` to `path`.
pub fn write(runs: &[RunReport], path: &Path) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(&render(runs)).expect("a trace always serialises");
    write_file(path, &bytes)
}

fn micros(seconds: f64) -> f64 {
    (seconds.max(0.0) * 1e7).round() / 10.0
}
