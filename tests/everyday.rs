//! A newcomer's first commands and everyday use: the hint on a book the
//! embedded corpus does not have, output that fits 80 columns (and stays
//! whole when piped), the report and the exports on files and on standard
//! output, `--limit-rate`, `gutenpipe cache`, the mirror's request log, and
//! the defaults `make run` shares with the binary.

mod common;

use common::*;
use gutenpipe::terminal::fit::width;

/// Every line of `text` fits `columns`.
fn assert_fits(text: &str, columns: usize) {
    for line in text.lines() {
        assert!(
            width(line) <= columns,
            "{} columns: {line:?}\nin:\n{text}",
            width(line)
        );
    }
}

/// `run --source MIRROR --ids IDS --out DIR` with `extra` flags and `env`.
fn run_on(
    mirror: &gutenpipe::mirror::Mirror,
    ids: &str,
    dir: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let base = mirror.base_url();
    let mut args = vec![
        "run",
        "--source",
        &base,
        "--ids",
        ids,
        "--out",
        dir.to_str().unwrap(),
        "--no-sync",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    gutenpipe_with(&args, env)
}

#[test]
fn an_id_outside_the_embedded_corpus_gets_a_hint_and_no_table_of_zeros() {
    let out = tempfile::tempdir().unwrap();
    let o = gutenpipe(&[
        "run",
        "--ids",
        "84",
        "--books",
        "3",
        "--seed",
        "1515",
        "--size-scale",
        "0.03",
        "--latency",
        "0",
        "--out",
        out.path().join("t").to_str().unwrap(),
        "--quiet",
    ]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{text}{}", stderr(&o));
    assert!(
        text.contains(
            "hint: ebook 84 is not in the embedded mirror's corpus, whose 3 books have ids from 900001 to 900003; --source gutenberg"
        ),
        "{text}"
    );
    assert!(text.contains("1 of 1 book failed:"), "{text}");
    assert!(
        text.contains("staged run: no book came through (1 failed)"),
        "{text}"
    );
    assert!(!text.contains("cpu/wall"), "no table of zeros: {text}");
    assert!(!text.contains("tokens:"), "no empty headline: {text}");
    assert!(!text.contains("most frequent"), "{text}");
}

#[test]
fn a_book_in_the_corpus_gets_no_hint() {
    let corpus = TestCorpus::new(2, 1516);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let o = run_on(&mirror, "84", &out.path().join("t"), &[], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stdout(&o).contains("hint:"), "not the embedded mirror");
}

#[test]
fn tables_fit_80_columns_and_piped_output_stays_whole() {
    let corpus = TestCorpus::new(4, 1517);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    // A book that fails, for its long error line.
    let ids = format!("{},99999", id_list(&corpus.catalog));
    let flags = ["--runs", "2", "--mode", "sequential,staged,streamed"];
    let narrow = run_on(
        &mirror,
        &ids,
        &out.path().join("a"),
        &flags,
        &[("COLUMNS", "80")],
    );
    let text = stdout(&narrow);
    assert_eq!(narrow.status.code(), Some(2), "{text}{}", stderr(&narrow));
    assert_fits(&text, 80);
    assert!(text.contains("wall (mean ± σ)"), "{text}");
    assert_eq!(
        text.matches("min … max").count(),
        1,
        "no such column, only the note that says so: {text}"
    );
    assert!(
        text.contains("left out to fit 80 columns; --verbose"),
        "{text}"
    );
    assert!(text.contains("ebook 99999 (download): not found"), "{text}");
    assert!(text.contains("most frequent: "), "{text}");

    let verbose = run_on(
        &mirror,
        &ids,
        &out.path().join("b"),
        &[&flags[..], &["--verbose"]].concat(),
        &[("COLUMNS", "80")],
    );
    assert!(
        stdout(&verbose).contains("min … max"),
        "--verbose keeps every column"
    );

    let piped = run_on(&mirror, &ids, &out.path().join("c"), &flags, &[]);
    let plain = stdout(&piped);
    assert!(plain.contains("min … max"), "{plain}");
    assert!(!plain.contains("left out"), "{plain}");
    assert!(
        plain.lines().any(|l| width(l) > 80),
        "a pipe gets the whole table: {plain}"
    );
}

#[test]
fn the_books_table_fits_80_columns_by_cutting_titles() {
    let corpus = TestCorpus::new(12, 1518);
    let catalog = corpus.path().join("pg_catalog.csv");
    let args = [
        "books",
        "--catalog",
        catalog.to_str().unwrap(),
        "--type",
        "any",
    ];
    let plain = gutenpipe(&args);
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert!(
        stdout(&plain).lines().any(|l| width(l) > 80),
        "the synthetic titles and authors are long: {}",
        stdout(&plain)
    );
    let narrow = gutenpipe_with(&args, &[("COLUMNS", "80")]);
    let text = stdout(&narrow);
    assert_fits(&text, 80);
    assert!(text.lines().count() > 12, "every book: {text}");
    assert!(text.contains('…'), "{text}");
}

#[test]
fn the_report_on_standard_output_parses_and_the_tables_go_to_standard_error() {
    let corpus = TestCorpus::new(3, 1519);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let o = run_on(
        &mirror,
        &id_list(&corpus.catalog),
        &out.path().join("t"),
        &["--json", "-"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(report["runs"][0]["books_ok"], 3);
    assert!(stderr(&o).contains("cpu/wall"), "{}", stderr(&o));
}

#[test]
fn markdown_and_csv_exports_hold_every_stage_of_every_mode() {
    let corpus = TestCorpus::new(3, 1520);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let (md, csv) = (out.path().join("t.md"), out.path().join("t.csv"));
    let o = run_on(
        &mirror,
        &id_list(&corpus.catalog),
        &out.path().join("t"),
        &[
            "--mode",
            "sequential,staged",
            "--export-markdown",
            md.to_str().unwrap(),
            "--export-csv",
            csv.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let stages = [
        "download", "save", "decode", "clean", "tokenize", "stats", "total",
    ];
    let mut expected = Vec::new();
    for mode in ["sequential", "staged"] {
        for stage in stages {
            expected.push((mode.to_string(), stage.to_string()));
        }
    }

    let mut reader = csv::Reader::from_path(&csv).expect("CSV written");
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mode, stage, wall, books) = (
        column("mode"),
        column("stage"),
        column("wall_mean_s"),
        column("books"),
    );
    let mut found = Vec::new();
    for record in reader.records() {
        let record = record.expect("a CSV record");
        let seconds: f64 = record[wall].parse().expect("seconds");
        assert!(seconds >= 0.0);
        let n: u64 = record[books].parse().expect("books");
        assert_eq!(n, 3, "{record:?}");
        found.push((record[mode].to_string(), record[stage].to_string()));
    }
    assert_eq!(found, expected);
    let speedup = column("speedup");
    let staged_total = csv::Reader::from_path(&csv)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .find(|r| &r[mode] == "staged" && &r[stage] == "total")
        .unwrap();
    assert!(staged_total[speedup].parse::<f64>().unwrap() > 0.0);

    let text = std::fs::read_to_string(&md).expect("Markdown written");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            assert!(l.starts_with('|') && l.ends_with('|'), "a table row: {l:?}");
            l[1..l.len() - 1].split('|').map(str::trim).collect()
        })
        .collect();
    assert_eq!(rows[0][..2], ["Mode", "Stage"]);
    assert!(rows[1].iter().all(|c| c.contains("---")), "{text}");
    let found: Vec<(String, String)> = rows[2..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), rows[0].len(), "{text}");
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    assert_eq!(found, expected, "{text}");
}

#[test]
fn only_one_output_may_be_standard_output() {
    let corpus = TestCorpus::new(1, 1521);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let o = run_on(
        &mirror,
        &id_list(&corpus.catalog),
        &out.path().join("t"),
        &["--json", "-", "--export-csv", "-"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--export-csv -: --json already writes to standard output"),
        "{}",
        stderr(&o)
    );
    let requests = mirror
        .stats()
        .requests
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(requests, 0, "refused before any request");
}

#[test]
fn limit_rate_caps_the_bytes_per_second_from_a_host() {
    // No bandwidth limit on the mirror: without --limit-rate these books
    // arrive in milliseconds.
    let corpus = TestCorpus::scaled(4, 1522, 0.2);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("t");
    let rate = 100_000.0; // 100KB/s, for the four connections together
    let (o, report) = run_books(
        &mirror,
        &id_list(&corpus.catalog),
        &dir,
        &[
            "--limit-rate",
            "100KB/s",
            "--download-workers",
            "4",
            "--no-sync",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let download = stage(&report["runs"][0], "download");
    let bytes = download["bytes"].as_f64().unwrap();
    let wall = download["wall_seconds"].as_f64().unwrap();
    assert!(bytes > 100_000.0, "enough bytes to measure: {bytes}");
    // A lower bound on the time only: a slow machine cannot make it fail.
    assert!(
        wall >= 0.9 * bytes / rate,
        "{bytes} bytes in {wall:.2} s: {:.0} B/s, over the limit of {rate} B/s",
        bytes / wall
    );
}

#[test]
fn the_cache_command_lists_and_clears_what_gutenpipe_keeps() {
    let cache = tempfile::tempdir().unwrap();
    let env = [("GUTENPIPE_CACHE", cache.path().to_str().unwrap())];
    let empty = gutenpipe_with(&["cache"], &env);
    assert!(empty.status.success());
    assert!(
        stdout(&empty).contains("it holds nothing"),
        "{}",
        stdout(&empty)
    );
    let made = gutenpipe_with(
        &[
            "books",
            "--books",
            "2",
            "--seed",
            "3",
            "--size-scale",
            "0.03",
            "-q",
        ],
        &env,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    std::fs::write(cache.path().join("mine.txt"), b"not gutenpipe's").unwrap();
    let listed = gutenpipe_with(&["cache"], &env);
    let text = stdout(&listed);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let corpus_line = text
        .lines()
        .find(|l| l.contains("corpus-books2-seed3-scale0.03"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(corpus_line.starts_with("corpus "), "{text}");
    assert!(corpus_line.contains(" kB"), "with its size: {text}");
    assert!(text.contains("mine.txt"), "{text}");
    let cleared = gutenpipe_with(&["cache", "--clear"], &env);
    assert!(cleared.status.success(), "{}", stderr(&cleared));
    assert!(
        stdout(&cleared).contains("cleared: removed 1 entry"),
        "{}",
        stdout(&cleared)
    );
    assert!(!cache.path().join("corpus-books2-seed3-scale0.03").exists());
    assert!(cache.path().join("mine.txt").exists(), "left alone");
}

/// Starts `gutenpipe mirror` on `corpus` with `extra` flags, GETs each of
/// `paths`, stops it, and returns what it printed on standard error.
fn mirror_log(corpus: &TestCorpus, extra: &[&str], paths: &[String]) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut args = vec![
        "mirror",
        "--corpus",
        corpus.path().to_str().unwrap(),
        "--latency",
        "0",
    ];
    args.extend_from_slice(extra);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    for path in paths {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        s.read_to_end(&mut response).unwrap();
    }
    // The log line is written when the answer is done; give it a moment.
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let _ = child.wait();
    log
}

#[test]
fn the_mirror_logs_each_request_on_one_line_unless_quiet() {
    let corpus = TestCorpus::new(1, 1523);
    let entry = &corpus.catalog[0];
    let paths = [
        format!("/files/{}/{}", entry.id, entry.file),
        "/no/such/file".to_string(),
    ];
    let log = mirror_log(&corpus, &[], &paths);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    let size = corpus.bytes(entry).len() as u64;
    assert!(
        lines[0].contains(&format!(
            "\"GET {}\" 200 {}",
            paths[0],
            gutenpipe::units::format_bytes(size)
        )),
        "{log}"
    );
    assert!(lines[1].contains("\"GET /no/such/file\" 404"), "{log}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(" 127.0.0.1:") && l.contains(" in "))
    );
    assert_eq!(mirror_log(&corpus, &["--quiet"], &paths), "");
}

/// The value of `NAME ?= value` in the Makefile.
fn make_default(makefile: &str, name: &str) -> String {
    makefile
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once("?=")?;
            (n.trim() == name).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {name} ?= in the Makefile"))
}

#[test]
fn make_run_starts_from_the_binarys_defaults() {
    use gutenpipe::experiment::defaults;
    let makefile =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Makefile")).unwrap();
    let get = |name| make_default(&makefile, name);
    assert_eq!(get("BOOKS"), defaults::BOOKS.to_string());
    assert_eq!(get("SEED"), defaults::SEED.to_string());
    assert_eq!(get("SCALE").parse::<f64>().unwrap(), defaults::SIZE_SCALE);
    assert_eq!(get("LATENCY"), defaults::LATENCY);
    assert_eq!(get("JITTER").parse::<f64>().unwrap(), defaults::JITTER);
    assert_eq!(get("BANDWIDTH"), defaults::BANDWIDTH);
    assert_eq!(
        get("DOWNLOAD_WORKERS"),
        defaults::DOWNLOAD_WORKERS.to_string()
    );
    assert_eq!(get("SAVE_WORKERS"), defaults::SAVE_WORKERS.to_string());
    assert_eq!(get("STAGES"), defaults::STAGES);
    assert_eq!(get("SWEEP_DOWNLOAD"), defaults::SWEEP_DOWNLOAD_WORKERS);
    assert_eq!(
        get("IN_FLIGHT"),
        gutenpipe::pipeline::DEFAULT_IN_FLIGHT.to_string()
    );
}
