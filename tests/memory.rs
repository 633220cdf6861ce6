//! What a run holds in memory, counted by the allocator of this test
//! binary: staged mode keeps only one batch of books (their bytes freed once
//! saved, read back by decode), streamed mode at most `in_flight` books, and
//! once a run is over nothing of its books stays but a small record each.
//! The figures are bytes allocated and not yet freed, so they do not depend
//! on the machine's speed or load.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use gutenpipe::emit::Emit;
use gutenpipe::fetch::{FetchConfig, Fetcher};
use gutenpipe::pipeline::{Pipeline, PipelineConfig};
use gutenpipe::record::{Mode, RunReport};
use gutenpipe::stages;
use gutenpipe::store::Store;

/// Counts the bytes live on the heap and their highest mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::SeqCst) + by;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is passed on to the system allocator unchanged; only
// counters are updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the counters are the whole process's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MB: usize = 1 << 20;

/// What one run held: its highest heap beyond what was live before it, and
/// what stayed live after it (the report kept, the store dropped).
struct Held {
    peak: usize,
    kept: usize,
    report: RunReport,
}

fn run(corpus: &TestCorpus, base: &str, mode: Mode, config: &PipelineConfig) -> Held {
    let requests = corpus.requests();
    let out = tempfile::tempdir().unwrap();
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let report = {
        let fetcher = Fetcher::new(FetchConfig::default(), Some(base));
        let store = Store::open(out.path(), false).unwrap();
        let pipeline = Pipeline {
            fetcher: &fetcher,
            store: &store,
            config,
        };
        let report = pipeline.run(mode, &requests).unwrap();
        store.flush().unwrap();
        report
    };
    let peak = PEAK.load(Ordering::SeqCst).saturating_sub(before);
    let kept = LIVE.load(Ordering::SeqCst).saturating_sub(before);
    assert_eq!(report.books_ok, corpus.catalog.len(), "{}", mode.name());
    Held { peak, kept, report }
}

fn config(batch: usize, in_flight: usize) -> PipelineConfig {
    PipelineConfig {
        download_workers: 4,
        save_workers: 2,
        cpu_workers: 2,
        stages: stages::select(&["clean".to_string(), "tokenize".to_string()]).unwrap(),
        emit: Emit::default(),
        in_flight,
        batch,
        keep_spans: false,
    }
}

/// The sizes of the corpus's books, largest first.
fn sizes(corpus: &TestCorpus) -> Vec<usize> {
    let mut sizes: Vec<usize> = corpus.catalog.iter().map(|e| e.bytes as usize).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

#[test]
fn staged_mode_keeps_one_batch_of_books_and_streamed_mode_its_books_in_flight() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let corpus = TestCorpus::scaled(500, 31, 0.25);
    let mirror = mirror(corpus.path());
    let sizes = sizes(&corpus);
    let total: usize = sizes.iter().sum();
    // What a handful of the largest books take as bytes, text and word
    // counts (each at most the size of the book), with room for the
    // connections, the pools and the totals.
    let room = |books: usize| 3 * sizes.iter().take(books).sum::<usize>() + 4 * MB;

    let staged = run(&corpus, &mirror.base_url(), Mode::Staged, &config(8, 4));
    // The batch, and the books the download workers are reading for it.
    let bound = room(8 + 4);
    assert!(bound < total, "the test means something: {bound} < {total}");
    assert!(
        staged.peak < bound,
        "staged mode held {} MB at its peak for {} MB of books; one batch needs at most {} MB",
        staged.peak / MB,
        total / MB,
        bound / MB
    );

    let streamed = run(&corpus, &mirror.base_url(), Mode::Streamed, &config(8, 3));
    let bound = room(3 + 4);
    assert!(
        streamed.peak < bound,
        "streamed mode held {} MB at its peak; 3 books in flight need at most {} MB",
        streamed.peak / MB,
        bound / MB
    );

    // And when every book is in one batch, it is all there at once: the
    // bound above is what separates keeping a batch from keeping them all.
    let everything = run(&corpus, &mirror.base_url(), Mode::Staged, &config(500, 4));
    assert!(
        everything.peak > total,
        "one batch of every book holds them all ({} MB for {} MB)",
        everything.peak / MB,
        total / MB
    );
}

#[test]
fn after_a_run_each_book_leaves_a_small_record_and_its_line_on_disk() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let corpus = TestCorpus::scaled(400, 12, 0.02);
    let mirror = mirror(corpus.path());
    for mode in [Mode::Staged, Mode::Streamed] {
        let held = run(&corpus, &mirror.base_url(), mode, &config(50, 8));
        // The report keeps where each book's line is in the spool (16
        // bytes), the tables and the corpus results (the vocabulary).
        let vocabulary = 2 * MB;
        assert!(
            held.kept < 400 * 64 + vocabulary,
            "{}: {} bytes kept after the run for 400 books",
            mode.name(),
            held.kept
        );
        // Every record is still there, read back from disk.
        let books = held.report.books.to_vec().unwrap();
        assert_eq!(books.len(), 400);
        assert!(books.iter().all(|b| b.results.contains_key("tokenize")));
        assert!(held.report.spans.is_empty(), "no span kept unless asked");
    }
}
