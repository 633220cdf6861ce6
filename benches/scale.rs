//! `make scale`: gutenpipe on 1,000 to 75,000 synthetic books, and on
//! 10,000 books at full size, each run a `gutenpipe run` process of its own
//! (so that each peak of resident memory is that run's), repeated; the
//! medians go into the table of `docs/scale.md`, between its markers, with
//! the command, the machine and its load. Then the catalog: selections over
//! the 75,000-book corpus's `pg_catalog.csv`, timed.
//!
//! Every figure comes from the program's own report (`--json`: wall time,
//! peak resident memory, books) and from the operating system (the CPU time
//! of each child process). Nothing is asserted: the targets are checked and
//! said in the table.
//!
//! Arguments (after `cargo bench --bench scale --`): `--runs N` (default 3),
//! `--quick` (1,000 and 5,000 books only, one run: to try the bench),
//! `--print` (print the section instead of writing it into docs/scale.md).
//! The output folders go under `target/scale-runs` and are removed at the
//! end, not between runs: on ext4, creating files soon after deleting tens of
//! thousands costs far more than creating them on a quiet disk, and would be
//! measured instead of gutenpipe. For the same reason, and for the other
//! programs of a shared machine, each run waits (at most three minutes) until
//! the machine is quiet: its CPU mostly idle, and a file quick to create.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gutenpipe::corpus::{CorpusConfig, PG_CATALOG_FILE, default_dir, open_or_generate};
use serde_json::Value;

/// The seed of every corpus here.
const SEED: u64 = 5;
/// The longest wait for a quiet machine before a run.
const QUIET_WAIT: Duration = Duration::from_secs(180);
/// Runs at full size at most (4.3 GB of books each, kept until the end).
const FULL_SIZE_RUNS: usize = 2;
const BEGIN: &str = "<!-- make scale: begin -->";
const END: &str = "<!-- make scale: end -->";

/// One kind of run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Setting {
    books: usize,
    scale: f64,
    mode: &'static str,
}

/// What one run measured.
#[derive(Debug, Clone, Copy)]
struct Measured {
    /// Whether the machine was quiet when the run started.
    quiet: bool,
    wall: f64,
    cpu: f64,
    peak: f64,
    bytes: f64,
    books_ok: u64,
}

struct Options {
    runs: usize,
    quick: bool,
    print: bool,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    Options {
        runs,
        quick: args.iter().any(|a| a == "--quick"),
        print: args.iter().any(|a| a == "--print"),
    }
}

fn settings(quick: bool) -> Vec<Setting> {
    let small: &[usize] = if quick {
        &[1_000, 5_000]
    } else {
        &[1_000, 5_000, 10_000, 75_000]
    };
    let mut all = Vec::new();
    for &books in small {
        for mode in ["staged", "streamed"] {
            all.push(Setting {
                books,
                scale: 0.02,
                mode,
            });
        }
    }
    if !quick {
        // 4.3 GB of books a run: staged only, and at most
        // FULL_SIZE_RUNS times, to keep the disk the runs fill (they are
        // removed at the end) within reason.
        all.push(Setting {
            books: 10_000,
            scale: 1.0,
            mode: "staged",
        });
    }
    all
}

fn main() {
    let options = options();
    let settings = settings(options.quick);
    let runs = if options.quick {
        1
    } else {
        options.runs.max(1)
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let folder = root.join("target/scale-runs");
    let _ = std::fs::remove_dir_all(&folder);
    let _cleanup = Cleanup(folder.clone());
    for s in &settings {
        corpus(s.books, s.scale);
    }
    let load_before = load_average();
    let started = Instant::now();
    let mut results: Vec<(Setting, Vec<Measured>)> =
        settings.iter().map(|s| (*s, Vec::new())).collect();
    for k in 0..runs {
        for (s, measured) in &mut results {
            if s.scale >= 1.0 && k >= FULL_SIZE_RUNS {
                continue;
            }
            let (quiet, idle) = wait_for_quiet(&folder.join("probes"));
            let m = run(
                s,
                &folder.join(format!("{}-{}-{}-{k}", s.mode, s.books, s.scale)),
            );
            eprintln!(
                "run {} of {runs} ({:.0}% idle before): {} books × {} {}: {:.2} s, {:.0} MB",
                k + 1,
                idle * 100.0,
                s.books,
                s.scale,
                s.mode,
                m.wall,
                m.peak / 1e6
            );
            measured.push(Measured { quiet, ..m });
        }
    }
    let catalog = if options.quick {
        None
    } else {
        catalog_timing()
    };
    let load_after = load_average();
    let section = render(
        &results,
        runs,
        catalog,
        (load_before, load_after),
        started.elapsed(),
    );
    if options.print {
        print!("{section}");
    } else {
        write_section(&root.join("docs/scale.md"), &section);
    }
}

/// Removes the runs' folders when the bench ends, however it ends.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        eprintln!("removing the runs' folders ({})", self.0.display());
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The corpus of `books` books at `scale`, generated into the cache folder
/// the first time (as `gutenpipe run` would).
fn corpus(books: usize, scale: f64) -> PathBuf {
    let config = CorpusConfig {
        books,
        seed: SEED,
        size_scale: scale,
    };
    let dir = default_dir(&config);
    if let Err(e) = open_or_generate(&dir, &config) {
        panic!("could not generate the corpus in {}: {e}", dir.display());
    }
    dir
}

/// The share of the machine's CPU time that was idle over `window`, from
/// `/proc/stat` (1.0 when it cannot be read).
fn idle_over(window: Duration) -> f64 {
    let read = || -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
        Some((idle, fields.iter().sum()))
    };
    let Some((idle0, total0)) = read() else {
        return 1.0;
    };
    std::thread::sleep(window);
    let Some((idle1, total1)) = read() else {
        return 1.0;
    };
    let total = total1.saturating_sub(total0).max(1);
    idle1.saturating_sub(idle0) as f64 / total as f64
}

/// CPU seconds of creating an empty file in `dir`, over 200 files (kept:
/// deleting them would slow the next creations down, see the module docs).
fn create_cost(dir: &Path) -> f64 {
    if std::fs::create_dir_all(dir).is_err() {
        return 0.0;
    }
    let cpu0 = gutenpipe::pipeline::thread_cpu_time();
    for i in 0..200 {
        let _ = std::fs::File::create_new(dir.join(i.to_string()));
    }
    (gutenpipe::pipeline::thread_cpu_time() - cpu0).as_secs_f64() / 200.0
}

/// Waits until the machine is quiet — other programs use less than a fifth
/// of its CPU over two seconds, and creating a file takes less than 0.2 ms
/// of CPU (not just after many deletions) — at most [`QUIET_WAIT`]; returns
/// whether it was quiet, and the idle share seen last. On a machine others
/// use, this keeps their bursts out of the runs' starts, not out of the runs.
fn wait_for_quiet(probes: &Path) -> (bool, f64) {
    let started = Instant::now();
    let mut k = 0;
    loop {
        let idle = idle_over(Duration::from_secs(2));
        let create = create_cost(&probes.join(format!("probe-{k}")));
        let quiet = idle >= 0.8 && create < 0.2e-3;
        if quiet || started.elapsed() >= QUIET_WAIT {
            return (quiet, idle);
        }
        k += 1;
    }
}

/// CPU seconds (user + system) of the child processes waited for so far.
fn children_cpu() -> f64 {
    // SAFETY: getrusage only writes the struct passed to it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// The arguments of one run, as a user would type them.
fn arguments(s: &Setting, out: &Path, json: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        "--books",
        &s.books.to_string(),
        "--seed",
        &SEED.to_string(),
        "--size-scale",
        &s.scale.to_string(),
        "--mode",
        s.mode,
        "--latency",
        "0",
        "--bandwidth",
        "0",
        "--no-sync",
        "--quiet",
        // Named, not left to `run`'s default (which also has `stats`): the
        // figures are for these two.
        "--stages",
        "clean,tokenize",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(["--json".into(), json.display().to_string()]);
    args
}

/// Runs `gutenpipe run` once for `s` into `out`, and reads its report.
fn run(s: &Setting, out: &Path) -> Measured {
    let json = out.with_extension("json");
    let cpu0 = children_cpu();
    let status = Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
        .args(arguments(s, out, &json))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("gutenpipe starts");
    let cpu = children_cpu() - cpu0;
    assert!(status.success(), "gutenpipe run failed for {s:?}");
    let text = std::fs::read_to_string(&json).expect("the run wrote its report");
    let report: Value = serde_json::from_str(&text).expect("the report is JSON");
    let run = &report["runs"][0];
    let number = |v: &Value| v.as_f64().unwrap_or(0.0);
    let bytes = run["stages"]
        .as_array()
        .and_then(|stages| stages.iter().find(|st| st["name"] == "download"))
        .map_or(0.0, |st| number(&st["bytes"]));
    Measured {
        quiet: true,
        wall: number(&run["wall_seconds"]),
        cpu,
        peak: number(&run["peak_rss_bytes"]),
        bytes,
        books_ok: run["books_ok"].as_u64().unwrap_or(0),
    }
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The medians of `runs`: wall, CPU, peak, and the smallest and largest wall.
struct Medians {
    wall: f64,
    wall_min: f64,
    wall_max: f64,
    cpu: f64,
    peak: f64,
    bytes: f64,
}

fn medians(runs: &[Measured]) -> Medians {
    let pick = |f: fn(&Measured) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let walls = pick(|m| m.wall);
    Medians {
        wall: median(&walls),
        wall_min: walls.iter().copied().fold(f64::INFINITY, f64::min),
        wall_max: walls.iter().copied().fold(0.0, f64::max),
        cpu: median(&pick(|m| m.cpu)),
        peak: median(&pick(|m| m.peak)),
        bytes: median(&pick(|m| m.bytes)),
    }
}

/// Median wall seconds of `gutenpipe books` selections over the 75,000-book
/// corpus's catalog, with its row count: `(rows, [(selection, seconds)])`.
fn catalog_timing() -> Option<(usize, Vec<(String, f64)>)> {
    let catalog = corpus(75_000, 0.02).join(PG_CATALOG_FILE);
    let rows = std::fs::read_to_string(&catalog).ok()?.lines().count() - 1;
    let selections: [&[&str]; 3] = [
        &["--language", "en"],
        &["--subject", "poetry", "--random", "100"],
        &["--author", "synthetic", "--title", "novel", "--limit", "10"],
    ];
    let mut timed = Vec::new();
    for selection in selections {
        let mut walls = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
                .arg("books")
                .arg("--catalog")
                .arg(&catalog)
                .args(selection)
                .args(["--format", "ids"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .expect("gutenpipe starts");
            if !status.success() {
                eprintln!("gutenpipe books {} failed", selection.join(" "));
                return None;
            }
            walls.push(t.elapsed().as_secs_f64());
        }
        timed.push((selection.join(" "), median(&walls)));
    }
    Some((rows, timed))
}

/// The 1-, 5- and 15-minute load averages, as the kernel says them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The machine, in one line: CPU model, cores, memory, kernel.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("unknown memory".into(), |kib| {
            format!("{:.0} GiB", kib / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{model}, {cores} cores, {memory}, Linux {}", kernel.trim())
}

fn megabytes(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.2} GB", bytes / 1e9)
    } else {
        format!("{:.0} MB", bytes / 1e6)
    }
}

/// The table's row of one setting, with its cost per book against the
/// 5,000-book run of its mode (at the same size).
fn row(s: &Setting, m: &Medians, base: Option<&Medians>, books_ok: u64) -> String {
    let per_book = |wall: f64| wall / s.books as f64 * 1e3;
    let against = base.map_or("".into(), |b| {
        format!(
            "{:.2}× ({:.2}×)",
            per_book(m.wall) / (b.wall / 5_000.0 * 1e3),
            per_book(m.wall_min) / (b.wall_min / 5_000.0 * 1e3)
        )
    });
    format!(
        "| {} | {} | {} | {} | {:.2} s | {:.2}–{:.2} s | {:.3} ms | {:.3} ms | {} | {against} |{}\n",
        thousands(s.books),
        s.scale,
        megabytes(m.bytes),
        s.mode,
        m.wall,
        m.wall_min,
        m.wall_max,
        per_book(m.wall),
        m.cpu / s.books as f64 * 1e3,
        megabytes(m.peak),
        if books_ok as usize == s.books {
            ""
        } else {
            " (books failed)"
        }
    )
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

type Results = [(Setting, Vec<Measured>)];

fn find<'a>(results: &'a Results, books: usize, scale: f64, mode: &str) -> Option<&'a [Measured]> {
    results
        .iter()
        .find(|(s, _)| s.books == books && s.scale == scale && s.mode == mode)
        .map(|(_, m)| m.as_slice())
}

/// The targets, each with its measured figure and whether it is met.
fn targets(results: &Results) -> String {
    let mut out = String::new();
    let mut check = |what: String, ok: bool| {
        out.push_str(&format!(
            "- {what}: **{}**\n",
            if ok { "met" } else { "NOT met" }
        ));
    };
    let at = |books, scale, mode| find(results, books, scale, mode).map(medians);
    for mode in ["staged", "streamed"] {
        if let (Some(big), Some(base)) = (at(75_000, 0.02, mode), at(5_000, 0.02, mode)) {
            check(
                format!(
                    "75,000 books, {mode}: peak RSS {} ≤ 400 MB",
                    megabytes(big.peak)
                ),
                big.peak <= 400e6,
            );
            let ratio = (big.wall / 75_000.0) / (base.wall / 5_000.0);
            let best = (big.wall_min / 75_000.0) / (base.wall_min / 5_000.0);
            check(
                format!(
                    "75,000 books, {mode}: cost per book {ratio:.2}× the 5,000-book run's ≤ 1.15× \
                     (best runs: {best:.2}×; CPU per book {:.2}×)",
                    (big.cpu / 75_000.0) / (base.cpu / 5_000.0)
                ),
                ratio <= 1.15,
            );
        }
    }
    if let (Some(staged), Some(streamed)) =
        (at(75_000, 0.02, "staged"), at(75_000, 0.02, "streamed"))
    {
        let ratio = streamed.wall / staged.wall;
        check(
            format!(
                "75,000 books: streamed wall {ratio:.2}× staged wall ≤ 1.1× (best runs: {:.2}×)",
                streamed.wall_min / staged.wall_min
            ),
            ratio <= 1.1,
        );
    }
    if let Some(full) = at(10_000, 1.0, "staged") {
        check(
            format!(
                "10,000 full-size books, staged: peak RSS {} ≤ 1 GB",
                megabytes(full.peak)
            ),
            full.peak <= 1e9,
        );
    }
    out
}

fn render(
    results: &Results,
    runs: usize,
    catalog: Option<(usize, Vec<(String, f64)>)>,
    load: (String, String),
    took: Duration,
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Measured by `make scale` on {}; load average (1, 5, 15 min) {} before, {} after; \
         {runs} run{} of each setting ({} at full size; medians, the range is the wall time's), {:.0} minutes in all.\n\n",
        machine(),
        load.0,
        load.1,
        if runs == 1 { "" } else { "s" },
        runs.min(FULL_SIZE_RUNS),
        took.as_secs_f64() / 60.0
    ));
    let all: Vec<&Measured> = results.iter().flat_map(|(_, m)| m).collect();
    let busy = all.iter().filter(|m| !m.quiet).count();
    out.push_str(&format!(
        "Each run started once the machine had been at least 80 % idle for 2 s and creating a file took under 0.2 ms \
         (waiting at most {} min): {} of {} runs started so{}.\n\n",
        QUIET_WAIT.as_secs() / 60,
        all.len() - busy,
        all.len(),
        if busy > 0 {
            "; the others after the wait, on a busy machine"
        } else {
            ""
        }
    ));
    out.push_str("Each run: `gutenpipe run --books N --seed 5 --size-scale S --mode M --latency 0 --bandwidth 0 --no-sync --quiet --stages clean,tokenize --out DIR --json FILE` (16 download, 4 save and one CPU worker per core, `--in-flight 32`, `--batch 250`).\n\n");
    out.push_str("| books | size scale | text | mode | wall | range | per book | CPU per book | peak RSS | per book vs 5,000 (best runs) |\n");
    out.push_str("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (s, measured) in results {
        let m = medians(measured);
        let base = (s.scale == 0.02)
            .then(|| find(results, 5_000, 0.02, s.mode).map(medians))
            .flatten();
        let ok = measured.iter().map(|m| m.books_ok).min().unwrap_or(0);
        out.push_str(&row(s, &m, base.as_ref(), ok));
    }
    out.push_str("\n*wall*: the run from its first download to its last book (`wall_seconds`); *CPU per book*: the process's user + system time (the embedded mirror and the start included) over the books; *peak RSS*: the process's high-water mark during the run (`peak_rss_bytes`); *per book vs 5,000*: the cost per book (wall) against the 5,000-book run of the same mode, of the medians and, in brackets, of the fastest runs. The targets are judged on the medians.\n\n");
    out.push_str(&targets(results));
    if let Some((rows, timed)) = catalog {
        out.push_str(&format!(
            "\nChoosing books from the 75,000-book corpus's `pg_catalog.csv` ({} rows), the whole `gutenpipe books --catalog FILE … --format ids` command, median of 5:\n\n",
            thousands(rows)
        ));
        out.push_str("| selection | wall |\n|---|---:|\n");
        for (selection, wall) in timed {
            out.push_str(&format!("| `{selection}` | {:.0} ms |\n", wall * 1e3));
        }
    }
    out
}

/// Replaces what is between the markers of `path` by `section`.
fn write_section(path: &Path, section: &str) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("could not read {}: {e}", path.display()));
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        panic!("{} lacks the markers {BEGIN} and {END}", path.display());
    };
    let updated = format!("{}{BEGIN}\n{section}{}", &text[..begin], &text[end..]);
    std::fs::write(path, updated)
        .unwrap_or_else(|e| panic!("could not write {}: {e}", path.display()));
    eprintln!("written: {}", path.display());
}
