//! Streamed mode through the library: the in-flight limit holds, books that
//! fail (at download or in a processing stage) never block the others, and
//! every mode finds the same results even when some books fail.

mod common;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use gutenpipe::book::{BookId, BookRequest, Target};
use gutenpipe::emit::Emit;
use gutenpipe::fetch::{FetchConfig, Fetcher};
use gutenpipe::latency::LatencyModel;
use gutenpipe::pipeline::{Pipeline, PipelineConfig};
use gutenpipe::record::Mode;
use gutenpipe::record::{BookReport, RunReport, Status};
use gutenpipe::stages::{Document, SharedStage, Stage, StageError, Tokenize};
use gutenpipe::store::Store;

/// Fails every book whose ebook id is even; counts the others' characters.
struct FailEven;

impl Stage for FailEven {
    type Output = u64;
    type Totals = u64;

    fn name(&self) -> &'static str {
        "fail-even"
    }

    fn process(&self, doc: &mut Document) -> Result<u64, StageError> {
        if doc.id.0 % 2 == 0 {
            return Err(StageError(format!("ebook {} is even", doc.id)));
        }
        Ok(doc.text.chars().count() as u64)
    }

    fn accumulate(&self, totals: &mut u64, output: &u64) {
        *totals += output;
    }

    fn merge(&self, totals: &mut u64, other: u64) {
        *totals += other;
    }

    fn summarize(&self, totals: u64) -> serde_json::Value {
        totals.into()
    }
}

fn requests(ids: impl IntoIterator<Item = u32>) -> Vec<BookRequest> {
    ids.into_iter()
        .enumerate()
        .map(|(index, id)| BookRequest {
            index,
            id: BookId(id),
            target: Target::Mirror,
        })
        .collect()
}

/// Runs the pipeline on a thread and fails the test if it has not ended
/// after a generous deadline (a blocked worker or channel), rather than
/// hanging the test suite.
fn run(
    base: String,
    out: std::path::PathBuf,
    mode: Mode,
    config: PipelineConfig,
    requests: Vec<BookRequest>,
) -> RunReport {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let fetcher = Fetcher::new(FetchConfig::default(), Some(&base));
        let store = Store::open(&out, false).unwrap();
        let pipeline = Pipeline {
            fetcher: &fetcher,
            store: &store,
            config: &config,
        };
        let _ = tx.send(pipeline.run(mode, &requests).unwrap());
    });
    rx.recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("{} run did not end: something is blocked", mode.name()))
}

fn config(stages: Vec<SharedStage>, in_flight: usize) -> PipelineConfig {
    PipelineConfig {
        download_workers: 6,
        save_workers: 2,
        cpu_workers: 2,
        stages,
        emit: Emit::default(),
        in_flight,
        batch: 5,
        keep_spans: true,
    }
}

#[test]
fn no_more_books_in_flight_than_the_limit() {
    let corpus = TestCorpus::new(24, 21);
    let mirror = mirror_with(
        corpus.path(),
        LatencyModel {
            latency: Duration::from_millis(15),
            ..LatencyModel::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let ids = corpus.catalog.iter().map(|e| e.id.0);
    for in_flight in [1, 3] {
        let report = run(
            mirror.base_url(),
            out.path().join(in_flight.to_string()),
            Mode::Streamed,
            config(vec![Arc::new(Tokenize::default())], in_flight),
            requests(ids.clone()),
        );
        assert_eq!(report.books_ok, 24);
        // A book is in flight from its download's start to its last task's end.
        let mut events = Vec::new();
        for book in 0..24 {
            let mine: Vec<_> = report.spans.iter().filter(|s| s.book == book).collect();
            let start = mine.iter().map(|s| s.start).fold(f64::INFINITY, f64::min);
            let end = mine.iter().map(|s| s.end).fold(0.0, f64::max);
            assert_eq!(mine.len(), 4, "download, save, decode, tokenize");
            events.push((start, 1i32));
            events.push((end, -1));
        }
        // Ends before starts at the same instant: a permit comes back
        // before the next book can take it.
        events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (mut now, mut most) = (0, 0);
        for (_, delta) in events {
            now += delta;
            most = most.max(now);
        }
        assert!(
            most <= in_flight as i32,
            "{most} books in flight, limit {in_flight}"
        );
        if in_flight == 3 {
            assert!(most > 1, "the stages overlapped");
        }
    }
}

#[test]
fn failing_books_block_nothing_and_every_mode_agrees() {
    let corpus = TestCorpus::new(10, 8);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    // Two ids the mirror does not have, among the real ones.
    let mut ids: Vec<u32> = corpus.catalog.iter().map(|e| e.id.0).collect();
    ids.insert(3, 123_456_789);
    ids.push(123_456_790);
    let stages: Vec<SharedStage> = vec![Arc::new(Tokenize::default()), Arc::new(FailEven)];
    let mut reports = Vec::new();
    for mode in [Mode::Sequential, Mode::Staged, Mode::Streamed] {
        // One book in flight: every failure must give its place back.
        reports.push(run(
            mirror.base_url(),
            out.path().join(mode.name()),
            mode,
            config(stages.clone(), 1),
            requests(ids.clone()),
        ));
    }
    let even = corpus.catalog.iter().filter(|e| e.id.0 % 2 == 0).count();
    let books: Vec<Vec<BookReport>> = reports.iter().map(|r| r.books.to_vec().unwrap()).collect();
    for (r, books) in reports.iter().zip(&books) {
        assert_eq!(books.len(), 12, "{}", r.mode.name());
        assert_eq!(r.books_failed, 2 + even, "{}", r.mode.name());
        for (book, id) in books.iter().zip(&ids) {
            assert_eq!(book.id.0, *id);
            let expected = if *id >= 123_456_789 {
                Some("download")
            } else if id % 2 == 0 {
                Some("fail-even")
            } else {
                None
            };
            assert_eq!(book.failed_stage.as_deref(), expected, "ebook {id}");
            assert_eq!(book.status == Status::Ok, expected.is_none());
            // Saved before the stage failed it.
            assert_eq!(book.path.is_some(), *id < 123_456_789, "ebook {id}");
        }
    }
    for (r, mine) in reports.iter().zip(&books).skip(1) {
        assert_eq!(r.corpus, reports[0].corpus, "{}", r.mode.name());
        for (a, b) in mine.iter().zip(&books[0]) {
            assert_eq!(a.results, b.results, "{} ebook {}", r.mode.name(), a.id);
            // Which layouts a missing book was looked for at depends on
            // whether another book had already shown the source's family,
            // which the modes' order of downloads decides: the error up to
            // the list of URLs tried must agree.
            let what = |e: &Option<String>| {
                e.as_deref()
                    .map(|e| e.split("; tried").next().unwrap_or(e).to_string())
            };
            assert_eq!(what(&a.error), what(&b.error));
        }
    }
    assert!(reports[0].corpus["fail-even"].as_u64().unwrap() > 0);
}
