//! Benchmarks of tokenizing and counting: the plain `unicode_words` +
//! `to_lowercase` + `HashMap` baseline beside gutenpipe's tokenizer, in MB/s
//! of decoded text, on the synthetic corpus of `make run` and, when
//! `GUTENPIPE_REAL_CORPUS` is set, on the real Gutenberg files (English and
//! the others apart). Before timing anything it checks that both give the
//! same tokens and counts, and it prints the heap each way needs.
//!
//! `make bench` runs it; `docs/benchmarks.md` has the results and commands.
//! Environment:
//! - `GUTENPIPE_BENCH_CORPUS`: the synthetic corpus folder (default: the
//!   100 books of seed 42 in gutenpipe's cache folder, generated if missing);
//! - `GUTENPIPE_REAL_CORPUS`: a folder of real Gutenberg files with a `MANIFEST.tsv`;
//! - `GUTENPIPE_BENCH_PASS=NAME` (and `GUTENPIPE_BENCH_SET=NAME`): run one
//!   pass of one variant and exit, for `valgrind --tool=callgrind`
//!   (`GUTENPIPE_BENCH_PASS=list` lists the names); with
//!   `GUTENPIPE_BENCH_REPEAT=N` it runs the pass N times and prints the best
//!   thread CPU time, a figure that waiting for a busy core does not inflate.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use criterion::{Criterion, Throughput};
use gutenpipe::corpus::{CorpusConfig, default_dir, open_or_generate};
use gutenpipe::decode::decode;
use gutenpipe::stages::{Stage, Tokenize, TokenizeTotals, WordCounts};
use gutenpipe::tokenizer::{self, Case, Simd, lowercase, with_simd, words};
use rayon::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

// ---------------------------------------------------------------- the heap

/// The system allocator, counting live bytes, their peak and allocations
/// while `COUNTING` is on.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(live, Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            let live = LIVE.fetch_add(new_size, Relaxed) + new_size;
            PEAK.fetch_max(live, Relaxed);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Runs `f` and returns its result with the peak heap it added (bytes) and
/// its number of allocations. Heap freed during `f` that it did not
/// allocate can make `LIVE` wrap; `f` here only frees its own.
fn measure_heap<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    ALLOCATIONS.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let out = f();
    COUNTING.store(false, Relaxed);
    (out, PEAK.load(Relaxed), ALLOCATIONS.load(Relaxed))
}

// ---------------------------------------------------------------- the texts

/// A named set of decoded texts.
struct TextSet {
    name: &'static str,
    texts: Vec<String>,
}

impl TextSet {
    fn bytes(&self) -> u64 {
        self.texts.iter().map(|t| t.len() as u64).sum()
    }
}

fn synthetic_corpus() -> TextSet {
    let config = CorpusConfig {
        books: 100,
        seed: 42,
        size_scale: 1.0,
    };
    let dir = std::env::var_os("GUTENPIPE_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| default_dir(&config));
    let (catalog, generated) = open_or_generate(&dir, &config)
        .unwrap_or_else(|e| panic!("synthetic corpus in {}: {e}", dir.display()));
    if generated {
        eprintln!("generated the synthetic corpus in {}", dir.display());
    }
    let texts = catalog
        .iter()
        .map(|e| {
            let path = dir.join(&e.file);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            decode(&bytes, None).text
        })
        .collect();
    TextSet {
        name: "synthetic",
        texts,
    }
}

/// The real files, English ones and the others, from `MANIFEST.tsv`.
fn real_corpus() -> Vec<TextSet> {
    let Some(dir) = std::env::var_os("GUTENPIPE_REAL_CORPUS").map(PathBuf::from) else {
        eprintln!("GUTENPIPE_REAL_CORPUS is not set: benchmarking the synthetic corpus only");
        return Vec::new();
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .unwrap_or_else(|e| panic!("{}/MANIFEST.tsv: {e}", dir.display()));
    let mut english = TextSet {
        name: "real-english",
        texts: Vec::new(),
    };
    let mut others = TextSet {
        name: "real-other-languages",
        texts: Vec::new(),
    };
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(language)) = (cols.first(), cols.get(3)) else {
            continue;
        };
        let path = dir.join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = decode(&bytes, None).text;
        if *language == "English" {
            english.texts.push(text);
        } else {
            others.texts.push(text);
        }
    }
    vec![english, others]
}

// ---------------------------------------------------------------- the variants

type Baseline = HashMap<String, u64>;

/// What the stage did before: `unicode_words`, `to_lowercase`, a `HashMap` with SipHash.
fn baseline_count(text: &str) -> Baseline {
    let mut counts = Baseline::new();
    for w in text.unicode_words() {
        *counts.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
}

/// Tokenizing only (each returns the number of tokens).
/// A named way to process one text (the result keeps the work from being optimised away).
type Variant = (&'static str, fn(&str) -> usize);

const TOKENIZERS: &[Variant] = &[
    ("unicode_words", |t| t.unicode_words().count()),
    ("unicode_words per line", |t| {
        split_lines(t).map(|l| l.unicode_words().count()).sum()
    }),
    ("ascii scanner, unicode_words on non-ASCII lines", |t| {
        split_lines(t)
            .map(|l| {
                if l.is_ascii() {
                    words(l).count()
                } else {
                    l.unicode_words().count()
                }
            })
            .sum()
    }),
    ("gutenpipe words", |t| words(t).count()),
    ("gutenpipe words, SSE2 forced", |t| {
        with_simd(Simd::Baseline, || words(t).count())
    }),
];

/// Tokenizing, lowercasing and counting (each returns the distinct words).
const COUNTERS: &[Variant] = &[
    ("unicode_words + to_lowercase + HashMap", |t| {
        baseline_count(t).len()
    }),
    ("gutenpipe words + to_lowercase + HashMap", |t| {
        let mut counts = Baseline::new();
        for w in words(t) {
            *counts.entry(w.to_lowercase()).or_insert(0) += 1;
        }
        counts.len()
    }),
    ("gutenpipe words + lowercase + foldhash map by &str", |t| {
        let mut counts: HashMap<Box<str>, u64, foldhash::fast::RandomState> = HashMap::default();
        let mut buf = String::new();
        for w in words(t) {
            let w = lowercase(w, &mut buf);
            match counts.get_mut(w) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(w.into(), 1);
                }
            }
        }
        counts.len()
    }),
    ("gutenpipe count", |t| tokenizer::count(t, Case::Fold).len()),
    ("gutenpipe count, SSE2 forced", |t| {
        with_simd(Simd::Baseline, || tokenizer::count(t, Case::Fold).len())
    }),
];

/// The tokenize stage over a whole set on a rayon pool, per-thread totals
/// merged with `reduce`, as the pipeline runs it (returns the vocabulary).
fn stage_baseline(texts: &[String]) -> usize {
    texts
        .par_iter()
        .fold(Baseline::new, |mut totals, text| {
            for (w, n) in baseline_count(text) {
                *totals.entry(w).or_insert(0) += n;
            }
            totals
        })
        .reduce(Baseline::new, |mut a, b| {
            for (w, n) in b {
                *a.entry(w).or_insert(0) += n;
            }
            a
        })
        .len()
}

// ---------------------------------------------------------------- checks and reports

fn check_same(set: &TextSet) {
    for simd in [Simd::Avx2, Simd::Baseline] {
        if simd.is_available() {
            with_simd(simd, || check_same_with(set));
        }
    }
    eprintln!(
        "{}: {} texts, {:.1} MB, tokens and counts identical to unicode_words ({:?} and SSE2)",
        set.name,
        set.texts.len(),
        set.bytes() as f64 / 1e6,
        tokenizer::simd()
    );
}

fn check_same_with(set: &TextSet) {
    for (i, text) in set.texts.iter().enumerate() {
        let ours: Vec<&str> = words(text).collect();
        let theirs: Vec<&str> = text.unicode_words().collect();
        assert!(ours == theirs, "{} text {i}: tokens differ", set.name);
        let counts = tokenizer::count(text, Case::Fold);
        let base = baseline_count(text);
        assert_eq!(counts.len(), base.len(), "{} text {i}", set.name);
        for (w, n) in &base {
            assert_eq!(counts.get(w), Some(*n), "{} text {i}: {w:?}", set.name);
        }
    }
}

fn memory_report(set: &TextSet) {
    let tokens: usize = set.texts.iter().map(|t| words(t).count()).sum();
    let mb = |b: usize| b as f64 / 1e6;
    println!(
        "\nheap for {} ({} texts, {:.1} MB of text held before counting, {} tokens):",
        set.name,
        set.texts.len(),
        set.bytes() as f64 / 1e6,
        tokens
    );
    println!(
        "  {:<44} {:>14} {:>14} {:>16}",
        "", "peak, 1 book", "peak, corpus", "allocs / token"
    );
    let per_book: [Variant; 2] = [
        ("unicode_words + to_lowercase + HashMap", |t| {
            baseline_count(t).len()
        }),
        ("gutenpipe count", |t| tokenizer::count(t, Case::Fold).len()),
    ];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a rayon pool");
    for (i, (name, f)) in per_book.iter().enumerate() {
        let mut one_book = 0;
        for text in &set.texts {
            let (_, peak, _) = measure_heap(|| black_box(f(text)));
            one_book = one_book.max(peak);
        }
        let (_, corpus_peak, allocs) = measure_heap(|| {
            pool.install(|| {
                if i == 0 {
                    stage_baseline(&set.texts)
                } else {
                    stage_gutenpipe(&set.texts)
                }
            })
        });
        println!(
            "  {:<44} {:>11.1} MB {:>11.1} MB {:>16.4}",
            name,
            mb(one_book),
            mb(corpus_peak),
            allocs as f64 / tokens as f64
        );
    }
    // SAFETY: getrusage writes into the struct it is given.
    let max_rss_kb = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage.ru_maxrss
    };
    println!(
        "  process peak resident memory so far: {:.1} MB (the texts, both maps, the bench itself)\n",
        max_rss_kb as f64 / 1e3
    );
}

/// The tokenize stage's work over the set (what `Tokenize::process`,
/// `accumulate` and `merge` do), each book counted in place as in the
/// pipeline, where the document already holds the text.
fn stage_gutenpipe(texts: &[String]) -> usize {
    let stage = Tokenize::default();
    texts
        .par_iter()
        .fold(TokenizeTotals::default, |mut totals, text| {
            let counts = tokenizer::count_parallel(text, Case::Fold, tokenizer::PARALLEL_PIECE);
            totals.tokens += counts.tokens();
            totals.counts.merge_from(&counts);
            totals
        })
        .reduce(TokenizeTotals::default, |mut a, b| {
            stage.merge(&mut a, b);
            a
        })
        .counts
        .len()
}

// ---------------------------------------------------------------- main

fn one_pass(sets: &[TextSet]) {
    let pass = std::env::var("GUTENPIPE_BENCH_PASS").unwrap_or_default();
    let all: Vec<Variant> = TOKENIZERS.iter().chain(COUNTERS).copied().collect();
    if pass == "list" {
        println!("load (reading the texts only)");
        println!("gutenpipe stage, 1 thread");
        for (name, _) in &all {
            println!("{name}");
        }
        return;
    }
    let set_name = std::env::var("GUTENPIPE_BENCH_SET").unwrap_or_else(|_| "synthetic".into());
    let Some(set) = sets.iter().find(|s| s.name == set_name) else {
        panic!("no text set named {set_name}");
    };
    if pass == "load" {
        return;
    }
    if pass == "gutenpipe stage, 1 thread" {
        // The tokenize stage over the set, books' counts merged into the totals.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a rayon pool");
        let repeat = repeat_count();
        let mut best = f64::INFINITY;
        for _ in 0..repeat {
            let t = thread_cpu_seconds();
            pool.install(|| {
                let t = thread_cpu_seconds();
                black_box(stage_gutenpipe(&set.texts));
                best = best.min(thread_cpu_seconds() - t);
            });
            black_box(t);
        }
        println!(
            "{pass} on {set_name}: best of {repeat}: {:.1} ms CPU, {:.0} MB/s per CPU second",
            best * 1e3,
            set.bytes() as f64 / best / 1e6
        );
        return;
    }
    let Some((_, f)) = all.iter().find(|(name, _)| *name == pass) else {
        panic!("no variant named {pass:?}; GUTENPIPE_BENCH_PASS=list lists them");
    };
    let repeat = repeat_count();
    let mut best = f64::INFINITY;
    let mut out = 0;
    for _ in 0..repeat {
        let t = thread_cpu_seconds();
        out = set.texts.iter().map(|t| f(black_box(t))).sum::<usize>();
        best = best.min(thread_cpu_seconds() - t);
    }
    println!(
        "{pass} on {set_name}: {out}; best of {repeat}: {:.1} ms CPU, {:.0} MB/s per CPU second",
        best * 1e3,
        set.bytes() as f64 / best / 1e6
    );
}

/// `GUTENPIPE_BENCH_REPEAT`, 1 if unset.
fn repeat_count() -> usize {
    std::env::var("GUTENPIPE_BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1)
}

/// CPU time of the calling thread (unaffected by waiting for a core).
fn thread_cpu_seconds() -> f64 {
    // SAFETY: clock_gettime writes into the timespec it is given.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
        ts
    };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn main() {
    // The allocator as the `gutenpipe` command sets it up, so that the
    // stage is measured with the memory it gets in a run.
    gutenpipe::malloc::tune();
    let mut sets = vec![synthetic_corpus()];
    sets.extend(real_corpus());
    if std::env::var_os("GUTENPIPE_BENCH_PASS").is_some() {
        one_pass(&sets);
        return;
    }
    for set in &sets {
        check_same(set);
    }
    memory_report(&sets[0]);

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();

    for set in &sets {
        for (group, variants) in [("tokenize", TOKENIZERS), ("tokenize+count", COUNTERS)] {
            let mut g = c.benchmark_group(format!("{group}/{}", set.name));
            g.throughput(Throughput::BytesDecimal(set.bytes()));
            for (name, f) in variants {
                g.bench_function(*name, |b| {
                    b.iter(|| set.texts.iter().map(|t| f(black_box(t))).sum::<usize>())
                });
            }
            g.finish();
        }

        // Lowercasing alone, over the set's words.
        let ws: Vec<&str> = set.texts.iter().flat_map(|t| words(t)).collect();
        let mut g = c.benchmark_group(format!("lowercase/{}", set.name));
        g.throughput(Throughput::BytesDecimal(set.bytes()));
        g.bench_function("to_lowercase", |b| {
            b.iter(|| {
                ws.iter()
                    .map(|w| black_box(w.to_lowercase()).len())
                    .sum::<usize>()
            })
        });
        g.bench_function("gutenpipe lowercase", |b| {
            let mut buf = String::new();
            b.iter(|| {
                ws.iter()
                    .map(|w| black_box(lowercase(w, &mut buf)).len())
                    .sum::<usize>()
            })
        });
        g.finish();
    }

    // Merging each text's counts into corpus totals, as a CPU worker does
    // after counting each book (`Tokenize::accumulate`), in words merged a
    // second (each text's distinct words, summed).
    for set in &sets {
        let counted: Vec<WordCounts> = set
            .texts
            .iter()
            .map(|t| tokenizer::count(t, Case::Fold))
            .collect();
        let entries: usize = counted.iter().map(WordCounts::len).sum();
        let mut g = c.benchmark_group(format!("merge/{}", set.name));
        g.throughput(Throughput::Elements(entries as u64));
        g.bench_function("gutenpipe, into empty totals", |b| {
            b.iter(|| {
                let mut totals = TokenizeTotals::default();
                for counts in &counted {
                    totals.add(black_box(counts));
                }
                totals.counts.len()
            })
        });
        g.finish();
    }

    // The stage as the pipeline runs it, on 1 and 2 rayon threads.
    let synthetic = &sets[0];
    let mut g = c.benchmark_group("stage/synthetic");
    g.throughput(Throughput::BytesDecimal(synthetic.bytes()));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool");
        g.bench_function(format!("baseline stage, {threads} threads"), |b| {
            b.iter(|| pool.install(|| stage_baseline(&synthetic.texts)))
        });
        g.bench_function(format!("gutenpipe stage, {threads} threads"), |b| {
            b.iter(|| pool.install(|| stage_gutenpipe(&synthetic.texts)))
        });
    }
    g.finish();

    // The largest book alone: one thread, or cut into pieces on two.
    let largest = synthetic
        .texts
        .iter()
        .max_by_key(|t| t.len())
        .expect("a book");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a rayon pool");
    let mut g = c.benchmark_group("largest-book/synthetic");
    g.throughput(Throughput::BytesDecimal(largest.len() as u64));
    g.bench_function("gutenpipe count, 1 thread", |b| {
        b.iter(|| tokenizer::count(largest, Case::Fold).len())
    });
    for piece in [256 << 10, 1 << 20] {
        g.bench_function(
            format!(
                "gutenpipe count_parallel, 2 threads, {} KiB pieces",
                piece >> 10
            ),
            |b| {
                b.iter(|| {
                    pool.install(|| tokenizer::count_parallel(largest, Case::Fold, piece).len())
                })
            },
        );
    }
    g.finish();

    c.final_summary();
}
