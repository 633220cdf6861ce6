//! What the spans of a run say of it over time, for the pictures and the
//! trace: how many books were in flight (from a book's first task starting
//! to its last task ending), how many of them were waiting between two
//! steps (in a channel or a batch, for the next pool), and the rate at
//! which the download step received bytes.

use crate::record::{RunReport, Span};

/// A count that changes at instants: `(t, n)` means `n` from `t` on, in
/// time order, starting at 0 before the first instant.
pub type Steps = Vec<(f64, usize)>;

/// The number of `intervals` open at each instant, as [`Steps`]. An
/// interval ending when another starts is not counted twice.
fn count_open(intervals: impl Iterator<Item = (f64, f64)>) -> Steps {
    let mut edges: Vec<(f64, i64)> = Vec::new();
    for (start, end) in intervals.filter(|(s, e)| e > s) {
        edges.push((start, 1));
        edges.push((end, -1));
    }
    // Ends before starts at the same instant.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut steps: Steps = Vec::new();
    let mut open = 0i64;
    for (t, delta) in edges {
        open += delta;
        let n = open.max(0) as usize;
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = n,
            _ => steps.push((t, n)),
        }
    }
    steps
}

/// Each book's spans, in the order they started.
fn by_book(run: &RunReport) -> Vec<Vec<&Span>> {
    let books = run.spans.iter().map(|s| s.book + 1).max().unwrap_or(0);
    let mut spans: Vec<Vec<&Span>> = vec![Vec::new(); books];
    for s in &run.spans {
        spans[s.book].push(s);
    }
    for list in &mut spans {
        list.sort_by(|a, b| a.start.total_cmp(&b.start));
    }
    spans
}

/// Books in flight: each from its first task's start to its last task's end.
pub fn in_flight(run: &RunReport) -> Steps {
    let books = by_book(run);
    count_open(books.iter().filter_map(|spans| {
        let start = spans.iter().map(|s| s.start).reduce(f64::min)?;
        let end = spans.iter().map(|s| s.end).reduce(f64::max)?;
        Some((start, end))
    }))
}

/// Books waiting for their next step: between one task's end and the
/// next task's start of the same book.
pub fn waiting(run: &RunReport) -> Steps {
    let books = by_book(run);
    count_open(
        books
            .iter()
            .flat_map(|spans| spans.windows(2).map(|w| (w[0].end, w[1].start))),
    )
}

/// The largest count of `steps`.
pub fn peak(steps: &Steps) -> usize {
    steps.iter().map(|s| s.1).max().unwrap_or(0)
}

/// Bytes a second the download step received, in `bins` equal slices of
/// the run: `(slice start, bytes/s)`, each task's bytes spread evenly over
/// its time.
pub fn download_rate(run: &RunReport, bins: usize) -> Vec<(f64, f64)> {
    let bins = bins.max(1);
    let width = run.wall_seconds.max(1e-9) / bins as f64;
    let mut bytes = vec![0.0f64; bins];
    for s in run.spans.iter().filter(|s| s.stage == "download" && s.ok) {
        let length = (s.end - s.start).max(1e-9);
        let first = ((s.start / width).floor().max(0.0) as usize).min(bins - 1);
        let last = ((s.end / width).floor().max(0.0) as usize).min(bins - 1);
        for (bin, slot) in bytes.iter_mut().enumerate().take(last + 1).skip(first) {
            let (lo, hi) = (bin as f64 * width, (bin + 1) as f64 * width);
            let overlap = (s.end.min(hi) - s.start.max(lo)).max(0.0);
            *slot += s.bytes as f64 * overlap / length;
        }
    }
    bytes
        .into_iter()
        .enumerate()
        .map(|(bin, b)| (bin as f64 * width, b / width))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(book: usize, start: f64, end: f64) -> Span {
        Span {
            stage: "download".into(),
            pool: "download",
            worker: "download-0".into(),
            book,
            start,
            end,
            cpu: 0.0,
            bytes: 100,
            ok: true,
        }
    }

    fn run(spans: Vec<Span>, wall: f64) -> RunReport {
        RunReport::for_tests(crate::record::Mode::Streamed, wall, 0, Vec::new(), spans)
    }

    #[test]
    fn books_in_flight_and_waiting_between_steps() {
        // Book 0: 0–1, then 2–3 (waits 1–2); book 1: 1–4 in one task.
        let r = run(
            vec![span(0, 0.0, 1.0), span(0, 2.0, 3.0), span(1, 1.0, 4.0)],
            4.0,
        );
        assert_eq!(in_flight(&r), vec![(0.0, 1), (1.0, 2), (3.0, 1), (4.0, 0)]);
        assert_eq!(waiting(&r), vec![(1.0, 1), (2.0, 0)]);
        assert_eq!(peak(&in_flight(&r)), 2);
        // Touching intervals are not counted twice.
        assert_eq!(
            count_open([(0.0, 1.0), (1.0, 2.0)].into_iter()),
            vec![(0.0, 1), (1.0, 1), (2.0, 0)]
        );
    }

    #[test]
    fn the_download_rate_spreads_each_task_over_its_time() {
        let r = run(vec![span(0, 0.0, 2.0), span(1, 1.0, 2.0)], 4.0);
        let rate = download_rate(&r, 4);
        assert_eq!(rate.len(), 4);
        assert_eq!(rate[0], (0.0, 50.0));
        assert_eq!(rate[1], (1.0, 150.0));
        assert_eq!(rate[2].1, 0.0);
        let total: f64 = rate.iter().map(|(_, r)| r * 1.0).sum();
        assert!((total - 200.0).abs() < 1e-9, "every byte counted once");
    }
}
