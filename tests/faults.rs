//! Downloads through a hostile mirror: with faults injected on 127.0.0.1,
//! every book that can be had arrives byte for byte, every retry is counted,
//! and every book that cannot be had is reported with its reason.

mod common;

use std::time::{Duration, Instant};

use common::*;
use gutenpipe::book::{BookId, BookRequest, Target};
use gutenpipe::fetch::{FetchConfig, FetchError, Fetcher, RetryPolicy};
use gutenpipe::mirror::{Fault, FaultPlan};
use serde_json::Value;

fn find_stage<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
}

/// Client settings that make a faulty run quick: short waits, a read
/// timeout far below the stall, and enough retries.
const QUICK: &[&str] = &[
    "--retries",
    "8",
    "--retry-delay",
    "5ms",
    "--max-retry-delay",
    "50ms",
    "--retry-after-cap",
    "50ms",
    "--read-timeout",
    "1s",
    "--timeout",
    "30s",
    "--no-sync",
    "--quiet",
];

#[test]
fn five_hundred_books_at_a_20_percent_fault_rate_arrive_byte_for_byte() {
    let corpus = TestCorpus::scaled(500, 20, 0.01);
    let mirror = faulty_mirror(corpus.path(), "mixed=0.2", 7);
    let dir = tempfile::tempdir().unwrap();
    let texts = dir.path().join("texts");
    let mut args = vec!["--download-workers", "16"];
    args.extend_from_slice(QUICK);
    let (o, report) = run_books(&mirror, &id_list(&corpus.catalog), &texts, &args);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));

    for entry in &corpus.catalog {
        let saved = std::fs::read(texts.join(format!("{}.txt", entry.id))).unwrap();
        assert!(
            saved == corpus.bytes(entry),
            "ebook {} is not byte-identical",
            entry.id
        );
    }
    let names = files_in(&texts);
    assert_eq!(names.len(), 501, "500 books and the manifest, nothing else");
    assert_eq!(assert_manifest_matches_files(&texts), 500);

    // Every kind `mixed` spreads over was injected, and every injected
    // fault that failed an attempt cost exactly one retry.
    let faults = mirror.faults();
    for kind in Fault::ALL.into_iter().filter(|f| f.in_mixed()) {
        assert!(faults.injected(kind) > 0, "no {kind} fault was injected");
    }
    let run = &report["runs"][0];
    let retries = find_stage(run, "download")["retries"].as_u64().unwrap();
    assert!(retries > 50, "{retries} retries at a 20 % fault rate");
    assert_eq!(retries, faults.failed_attempts());
    let per_book: u64 = run["books"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["retries"].as_u64().unwrap())
        .sum();
    assert_eq!(per_book, retries);
    assert!(
        stdout(&o).contains(&format!("retries: {retries} download attempts repeated")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn permanent_failures_are_each_explained_while_the_others_succeed() {
    let corpus = TestCorpus::new(8, 21);
    let ids: Vec<BookId> = corpus.catalog.iter().map(|e| e.id).collect();
    let spec = format!(
        "oversize@{}=1,gzip-bomb@{}=1,redirect-loop@{}=1,stall@{}=1",
        ids[0], ids[1], ids[2], ids[3]
    );
    let mirror = faulty_mirror(corpus.path(), &spec, 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let list = format!("{},123456789", id_list(&corpus.catalog));
    let flags = [
        "--max-bytes",
        "2MiB",
        "--retries",
        "2",
        "--retry-delay",
        "5ms",
        "--read-timeout",
        "500ms",
        "--download-workers",
        "4",
    ];
    let (o, report) = run_books(&mirror, &list, &out, &flags);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("5 of 9 books failed"), "{text}");
    let books = report["runs"][0]["books"].as_array().unwrap();
    let error = |i: usize| books[i]["error"].as_str().unwrap_or("").to_string();
    assert!(
        error(0).contains("more than the limit of 2097152 bytes (--max-bytes)"),
        "{}",
        error(0)
    );
    assert!(
        error(1).contains("(--max-bytes)"),
        "gzip bomb: {}",
        error(1)
    );
    assert!(
        error(2).contains("too many redirects") && error(2).contains("redirect loop"),
        "{}",
        error(2)
    );
    assert!(
        error(3).starts_with("gave up after 3 attempts (--retries 2): timed out"),
        "{}",
        error(3)
    );
    assert_eq!(books[3]["retries"], 2);
    assert!(
        error(8).contains("not found (HTTP 404) at any Gutenberg layout"),
        "{}",
        error(8)
    );
    // The final failures were not retried; the others arrived whole.
    for i in [0, 1, 2, 8] {
        assert_eq!(books[i]["retries"], 0, "book {i}: {}", error(i));
        assert_eq!(books[i]["failed_stage"], "download");
    }
    for (i, entry) in corpus.catalog.iter().enumerate().skip(4) {
        assert_eq!(books[i]["status"], "ok");
        let saved = std::fs::read(out.join(format!("{}.txt", entry.id))).unwrap();
        assert_eq!(saved, corpus.bytes(entry));
    }
    for i in [0, 1, 2, 3] {
        let path = out.join(format!("{}.txt", ids[i]));
        assert!(
            !path.exists(),
            "a failed book was saved: {}",
            path.display()
        );
    }
    assert_eq!(assert_manifest_matches_files(&out), 4);
}

/// A seed under which the first request of `path` gets `fault` and the
/// second none, so one retry must succeed.
fn seed_for(spec: &str, path: &str, fault: Fault) -> FaultPlan {
    (0..10_000)
        .map(|seed| FaultPlan::parse(spec, seed).unwrap())
        .find(|plan| {
            plan.decide(path, 0).map(|d| d.0) == Some(fault) && plan.decide(path, 1).is_none()
        })
        .expect("some seed does it")
}

#[test]
fn retry_after_is_honoured() {
    let corpus = TestCorpus::new(1, 22);
    let entry = &corpus.catalog[0];
    let path = format!("/files/{}/{}", entry.id, entry.file);
    let plan = seed_for("429=0.5,retry-after=1", &path, Fault::TooManyRequests);
    let mirror = faulty_mirror(corpus.path(), &plan.to_string(), plan.seed);
    let fetcher = Fetcher::new(
        FetchConfig {
            retry: RetryPolicy {
                base_delay: Duration::from_millis(1),
                ..RetryPolicy::default()
            },
            ..FetchConfig::default()
        },
        None,
    );
    let request = BookRequest {
        index: 0,
        id: entry.id,
        target: Target::Url(format!("{}{path}", mirror.base_url())),
    };
    let start = Instant::now();
    let fetched = fetcher.fetch(&request).unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "the retry came before the server's Retry-After: {:?}",
        start.elapsed()
    );
    assert_eq!(fetched.retries, 1);
    assert_eq!(fetched.bytes, corpus.bytes(entry));
    assert_eq!(mirror.faults().injected(Fault::TooManyRequests), 1);
}

#[test]
fn each_transient_fault_costs_one_retry_and_no_byte() {
    let corpus = TestCorpus::new(1, 23);
    let entry = &corpus.catalog[0];
    let path = format!("/files/{}/{}", entry.id, entry.file);
    let fetcher = Fetcher::new(
        FetchConfig {
            read_timeout: Duration::from_secs(1),
            retry: RetryPolicy {
                base_delay: Duration::from_millis(1),
                retry_after_cap: Duration::from_millis(1),
                ..RetryPolicy::default()
            },
            ..FetchConfig::default()
        },
        None,
    );
    for fault in Fault::ALL.into_iter().filter(|f| f.recoverable()) {
        let plan = seed_for(&format!("{fault}=0.5"), &path, fault);
        let mirror = faulty_mirror(corpus.path(), &plan.to_string(), plan.seed);
        let request = BookRequest {
            index: 0,
            id: entry.id,
            target: Target::Url(format!("{}{path}", mirror.base_url())),
        };
        let fetched = fetcher
            .fetch(&request)
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert!(
            fetched.bytes == corpus.bytes(entry),
            "{fault}: bytes differ"
        );
        let expected = u32::from(fault.fails_attempt());
        assert_eq!(fetched.retries, expected, "{fault}");
        assert_eq!(mirror.faults().injected(fault), 1, "{fault}");
    }
}

#[test]
fn a_truncated_body_is_never_taken_for_a_book() {
    let corpus = TestCorpus::new(1, 24);
    let entry = &corpus.catalog[0];
    let mirror = faulty_mirror(corpus.path(), "truncate=1", 1);
    let fetcher = Fetcher::new(FetchConfig::default(), None);
    let url = format!("{}/files/{}/{}", mirror.base_url(), entry.id, entry.file);
    match fetcher.get(&url, None) {
        Err(FetchError::Truncated {
            received, expected, ..
        }) => {
            assert!(received < expected);
            assert_eq!(expected, entry.bytes);
        }
        other => panic!("expected a truncation, got {other:?}"),
    }
}

#[test]
fn the_mirror_command_and_run_accept_fault_flags() {
    let o = gutenpipe(&["mirror", "--faults", "reset=0.1", "--latency", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown fault `reset`"),
        "{}",
        stderr(&o)
    );
    let o = gutenpipe(&[
        "run",
        "--source",
        "http://127.0.0.1:9",
        "--ids",
        "1",
        "--faults",
        "500=0.1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--faults needs --source embedded"));

    // The embedded source with faults: every book still arrives.
    let corpus_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut args = vec![
        "run",
        "--corpus",
        corpus_dir.path().to_str().unwrap(),
        "--books",
        "30",
        "--size-scale",
        "0.02",
        "--latency",
        "0",
        "--faults",
        "mixed=0.3",
        "--fault-seed",
        "5",
        "--out",
        out.path().to_str().unwrap(),
    ];
    args.extend_from_slice(QUICK);
    let o = gutenpipe(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("30 ok"), "{}", stdout(&o));
    assert!(stdout(&o).contains("retries: "), "{}", stdout(&o));
}
