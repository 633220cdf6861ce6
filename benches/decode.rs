//! Benchmarks of the decode step (a book's bytes to text): `encoding_rs`
//! as a plain program would call it beside gutenpipe's `decode` (borrowing
//! the bytes: one check, one copy) and `decode_owned` (taking them: one
//! check, no copy), in MB/s of input bytes, on the real Gutenberg files of
//! `GUTENPIPE_REAL_CORPUS` (UTF-8 and ASCII files apart from the ISO-8859-1
//! ones) and on the synthetic corpus's UTF-8 books. Before timing anything
//! it checks that every way gives the same text.
//!
//! `make bench` runs it; `docs/benchmarks.md` has the results and commands.
//! With `GUTENPIPE_BENCH_PASS=NAME`, `GUTENPIPE_BENCH_SET=NAME` and
//! `GUTENPIPE_BENCH_REPEAT=N` it runs one variant N times and prints the best
//! thread CPU time (`GUTENPIPE_BENCH_PASS=list` lists the names).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput};
use encoding_rs::{UTF_8, WINDOWS_1252};
use gutenpipe::corpus::{CorpusConfig, default_dir, open_or_generate};
use gutenpipe::decode::{decode, decode_owned, windows_1252_to_utf8};

/// A named set of raw files.
struct FileSet {
    name: &'static str,
    files: Vec<Vec<u8>>,
}

impl FileSet {
    fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.len() as u64).sum()
    }
}

fn sets() -> Vec<FileSet> {
    let mut sets = Vec::new();
    if let Some(dir) = std::env::var_os("GUTENPIPE_REAL_CORPUS").map(PathBuf::from) {
        let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv"))
            .unwrap_or_else(|e| panic!("{}/MANIFEST.tsv: {e}", dir.display()));
        let mut utf8 = FileSet {
            name: "real-utf8",
            files: Vec::new(),
        };
        let mut latin1 = FileSet {
            name: "real-latin1",
            files: Vec::new(),
        };
        for line in manifest.lines().skip(1) {
            let Some(file) = line.split('\t').next() else {
                continue;
            };
            let path = dir.join(file);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if std::str::from_utf8(&bytes).is_ok() {
                utf8.files.push(bytes);
            } else {
                latin1.files.push(bytes);
            }
        }
        sets.push(utf8);
        sets.push(latin1);
    } else {
        eprintln!("GUTENPIPE_REAL_CORPUS is not set: benchmarking the synthetic corpus only");
    }
    let config = CorpusConfig {
        books: 100,
        seed: 42,
        size_scale: 1.0,
    };
    let dir = std::env::var_os("GUTENPIPE_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| default_dir(&config));
    let (catalog, _) = open_or_generate(&dir, &config)
        .unwrap_or_else(|e| panic!("synthetic corpus in {}: {e}", dir.display()));
    let mut synthetic = FileSet {
        name: "synthetic-utf8",
        files: Vec::new(),
    };
    for e in catalog.iter().filter(|e| !e.file.ends_with("-8.txt")) {
        let path = dir.join(&e.file);
        synthetic
            .files
            .push(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    sets.push(synthetic);
    sets
}

/// `encoding_rs` as a program that knows the encoding calls it: UTF-8 with
/// the BOM removed, else Windows-1252; the text owned.
fn plain(bytes: &[u8]) -> String {
    if std::str::from_utf8(bytes).is_ok() {
        UTF_8.decode_with_bom_removal(bytes).0.into_owned()
    } else {
        WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    }
}

const VARIANTS: &[&str] = &[
    "encoding_rs",
    "gutenpipe decode",
    "gutenpipe decode_owned",
    "encoding_rs windows-1252 only",
    "gutenpipe windows_1252_to_utf8",
];

fn run(variant: &str, set: &FileSet) -> usize {
    match variant {
        "encoding_rs" => set.files.iter().map(|f| plain(black_box(f)).len()).sum(),
        "gutenpipe decode" => set
            .files
            .iter()
            .map(|f| decode(black_box(f), None).text.len())
            .sum(),
        // The conversion alone, without deciding the encoding.
        "encoding_rs windows-1252 only" => set
            .files
            .iter()
            .map(|f| {
                WINDOWS_1252
                    .decode_without_bom_handling(black_box(f))
                    .0
                    .into_owned()
                    .len()
            })
            .sum(),
        "gutenpipe windows_1252_to_utf8" => set
            .files
            .iter()
            .map(|f| windows_1252_to_utf8(black_box(f)).len())
            .sum(),
        // The copy the owned call needs here is made outside the timing in
        // the criterion run; in this one-pass mode it is timed apart.
        "gutenpipe decode_owned" => set
            .files
            .iter()
            .map(|f| decode_owned(black_box(f.clone()), None).text.len())
            .sum(),
        _ => panic!("no variant named {variant:?}; GUTENPIPE_BENCH_PASS=list lists them"),
    }
}

fn thread_cpu_seconds() -> f64 {
    // SAFETY: clock_gettime writes into the timespec it is given.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
        ts
    };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn one_pass(sets: &[FileSet], pass: &str) {
    if pass == "list" {
        for v in VARIANTS {
            println!("{v}");
        }
        return;
    }
    let set_name = std::env::var("GUTENPIPE_BENCH_SET").unwrap_or_else(|_| "synthetic-utf8".into());
    let Some(set) = sets.iter().find(|s| s.name == set_name) else {
        panic!("no file set named {set_name}");
    };
    let repeat: usize = std::env::var("GUTENPIPE_BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let mut best = f64::INFINITY;
    for _ in 0..repeat {
        let copies: Vec<Vec<u8>> = set.files.clone();
        let t = thread_cpu_seconds();
        let out: usize = if pass == "gutenpipe decode_owned" {
            copies
                .into_iter()
                .map(|f| decode_owned(black_box(f), None).text.len())
                .sum()
        } else {
            run(pass, set)
        };
        best = best.min(thread_cpu_seconds() - t);
        black_box(out);
    }
    println!(
        "{pass} on {set_name}: best of {repeat}: {:.2} ms CPU, {:.0} MB/s per CPU second",
        best * 1e3,
        set.bytes() as f64 / best / 1e6
    );
}

fn main() {
    let sets = sets();
    if let Ok(pass) = std::env::var("GUTENPIPE_BENCH_PASS") {
        one_pass(&sets, &pass);
        return;
    }
    for set in &sets {
        for f in &set.files {
            let expected = plain(f);
            assert_eq!(decode(f, None).text, expected, "{}", set.name);
            assert_eq!(decode_owned(f.clone(), None).text, expected, "{}", set.name);
        }
        eprintln!(
            "{}: {} files, {:.1} MB, every way gives the same text",
            set.name,
            set.files.len(),
            set.bytes() as f64 / 1e6
        );
    }
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for set in &sets {
        let mut g = c.benchmark_group(format!("decode/{}", set.name));
        g.throughput(Throughput::BytesDecimal(set.bytes()));
        for variant in &VARIANTS[..2] {
            g.bench_function(*variant, |b| b.iter(|| run(variant, set)));
        }
        if set.name == "real-latin1" {
            for variant in &VARIANTS[3..] {
                g.bench_function(*variant, |b| b.iter(|| run(variant, set)));
            }
        }
        g.bench_function(VARIANTS[2], |b| {
            b.iter_batched(
                || set.files.clone(),
                |files| {
                    files
                        .into_iter()
                        .map(|f| decode_owned(black_box(f), None).text.len())
                        .sum::<usize>()
                },
                BatchSize::LargeInput,
            )
        });
        g.finish();
    }
    c.final_summary();
}
