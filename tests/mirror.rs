//! The embedded mirror: Gutenberg's URL layouts, 404 for anything else, and a
//! latency model under which concurrent downloads overlap.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use gutenpipe::book::{BookId, Layout};
use gutenpipe::fetch::{FetchConfig, FetchError, Fetcher};
use gutenpipe::latency::LatencyModel;
use gutenpipe::mirror::MirrorLayout;

fn fetcher(base: &str) -> Fetcher {
    Fetcher::new(FetchConfig::default(), Some(base))
}

#[test]
fn a_partial_mirror_serves_the_cache_layout_for_utf8_books_only() {
    let corpus = TestCorpus::new(30, 4);
    let mirror = mirror_in(corpus.path(), MirrorLayout::Partial);
    let f = fetcher(&mirror.base_url());
    let mut seen_layouts = std::collections::HashSet::new();
    for entry in &corpus.catalog {
        let direct = match entry.encoding.as_str() {
            "UTF-8" => Layout::FilesUtf8,
            "ISO-8859-1" => Layout::FilesEightBit,
            _ => Layout::FilesAscii,
        };
        let url = format!("{}{}", mirror.base_url(), direct.path(entry.id));
        assert_eq!(f.get(&url, None).unwrap().bytes, corpus.bytes(entry));
        seen_layouts.insert(direct);
        let cache = format!("{}{}", mirror.base_url(), Layout::Cache.path(entry.id));
        match (direct, f.get(&cache, None)) {
            (Layout::FilesUtf8, Ok(got)) => assert_eq!(got.bytes, corpus.bytes(entry)),
            (Layout::FilesUtf8, Err(e)) => panic!("cache layout of a UTF-8 book: {e}"),
            (_, Err(FetchError::Status { status: 404, .. })) => {}
            (_, other) => panic!("an 8-bit or ASCII book has no cache copy: {other:?}"),
        }
    }
    assert_eq!(seen_layouts.len(), 3, "the corpus has all three encodings");
}

#[test]
fn anything_else_is_404() {
    let corpus = TestCorpus::new(1, 1);
    let mirror = mirror(corpus.path());
    let f = fetcher(&mirror.base_url());
    let id = corpus.catalog[0].id;
    for path in [
        "/".to_string(),
        "/catalog.tsv".to_string(),
        format!("/files/{id}/../../catalog.tsv"),
        "/files/1/1-0.txt".to_string(),
        format!("/files/{id}/{id}-9.txt"),
    ] {
        let url = format!("{}{path}", mirror.base_url());
        assert!(
            matches!(
                f.get(&url, None),
                Err(FetchError::Status { status: 404, .. })
            ),
            "{path}"
        );
    }
}

#[test]
fn fetch_by_id_finds_the_layout_that_exists() {
    let corpus = TestCorpus::new(30, 4);
    let mirror = mirror_in(corpus.path(), MirrorLayout::Partial);
    let f = fetcher(&mirror.base_url());
    for (request, entry) in corpus.requests().iter().zip(&corpus.catalog) {
        assert_eq!(f.fetch(request).unwrap().bytes, corpus.bytes(entry));
    }
    let missing = gutenpipe::book::BookRequest {
        index: 0,
        id: BookId(5),
        target: gutenpipe::book::Target::Mirror,
    };
    match f.fetch(&missing) {
        // Only the layouts of the family that answered are tried.
        Err(FetchError::NotFound { tried }) => assert_eq!(tried.len(), 4, "{tried:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn answers_of_404_leave_the_connection_to_the_next_request() {
    let corpus = TestCorpus::new(30, 4);
    let mirror = mirror_in(corpus.path(), MirrorLayout::Partial);
    let f = fetcher(&mirror.base_url());
    // Books of three layouts: many are first asked for at a layout they do
    // not have, and answered 404.
    for (request, entry) in corpus.requests().iter().zip(&corpus.catalog) {
        assert_eq!(f.fetch(request).unwrap().bytes, corpus.bytes(entry));
    }
    let stats = mirror.stats();
    let requests = stats.requests.load(Ordering::Relaxed);
    assert!(
        requests > 30,
        "some layouts were missing: {requests} requests"
    );
    assert_eq!(
        stats.connections.load(Ordering::Relaxed),
        1,
        "one connection served all {requests} requests, 404s included"
    );
}

#[test]
fn concurrent_requests_overlap_under_latency() {
    let corpus = TestCorpus::new(16, 8);
    let latency = Duration::from_millis(300);
    let mirror = mirror_with(
        corpus.path(),
        LatencyModel {
            latency,
            ..LatencyModel::default()
        },
    );
    let f = fetcher(&mirror.base_url());
    let start = Instant::now();
    std::thread::scope(|s| {
        for entry in &corpus.catalog {
            let f = &f;
            let url = format!("{}/files/{}/{}", mirror.base_url(), entry.id, entry.file);
            s.spawn(move || f.get(&url, None).unwrap());
        }
    });
    let elapsed = start.elapsed();
    assert_eq!(mirror.stats().served.load(Ordering::Relaxed), 16);
    // One after another, 16 requests would take 4.8 s; overlapping, about one latency.
    assert!(elapsed >= latency, "{elapsed:?}");
    assert!(
        elapsed < latency * 8,
        "requests did not overlap: {elapsed:?}"
    );
}

#[test]
fn bandwidth_limits_each_connection() {
    let corpus = TestCorpus::new(3, 2);
    let entry = corpus.catalog.iter().max_by_key(|e| e.bytes).unwrap();
    let rate = 100_000;
    let mirror = mirror_with(
        corpus.path(),
        LatencyModel {
            bandwidth: Some(rate),
            ..LatencyModel::default()
        },
    );
    let f = fetcher(&mirror.base_url());
    let start = Instant::now();
    let url = format!("{}/files/{}/{}", mirror.base_url(), entry.id, entry.file);
    assert_eq!(f.get(&url, None).unwrap().bytes.len() as u64, entry.bytes);
    let least = Duration::from_secs_f64(entry.bytes as f64 / rate as f64 * 0.9);
    assert!(
        start.elapsed() >= least,
        "{:?} < {least:?}",
        start.elapsed()
    );
}

#[test]
fn a_body_over_the_limit_is_refused() {
    let corpus = TestCorpus::new(1, 1);
    let mirror = mirror(corpus.path());
    let entry = &corpus.catalog[0];
    let f = Fetcher::new(
        FetchConfig {
            max_bytes: 1000,
            ..FetchConfig::default()
        },
        Some(&mirror.base_url()),
    );
    let url = format!("{}/files/{}/{}", mirror.base_url(), entry.id, entry.file);
    let err = f.get(&url, None).unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 1000, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("--max-bytes"));
}
