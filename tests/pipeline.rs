//! End to end through the embedded mirror: what `gutenpipe run` saves and
//! counts, in every mode, with and without failing books.

mod common;

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use common::*;
use gutenpipe::decode::decode;
use serde_json::Value;
use unicode_segmentation::UnicodeSegmentation;

/// Token count and distinct words of `bytes`, counted directly.
fn direct_count(bytes: &[u8]) -> (u64, u64) {
    let text = decode(bytes, None).text;
    let mut counts: HashMap<String, u64> = HashMap::new();
    for w in text.unicode_words() {
        *counts.entry(w.to_lowercase()).or_default() += 1;
    }
    (counts.values().sum(), counts.len() as u64)
}

fn books(run: &Value) -> &Vec<Value> {
    run["books"].as_array().expect("books array")
}

#[test]
fn every_mode_saves_every_book_byte_for_byte_and_counts_its_tokens() {
    let corpus = TestCorpus::new(24, 7);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.json");
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--ids",
        &id_list(&corpus.catalog),
        "--mode",
        "sequential,staged,streamed",
        "--in-flight",
        "3",
        "--out",
        out.path().join("texts").to_str().unwrap(),
        "--download-workers",
        "5",
        "--cpu-workers",
        "2",
        "--json",
        report.to_str().unwrap(),
        "--no-sync",
        // The raw files, licence and all, so that the counts can be checked
        // against a direct count of the saved bytes.
        "--stages",
        "tokenize",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_report(&report);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["mode"], "sequential");
    assert_eq!(runs[1]["mode"], "staged");
    assert_eq!(runs[2]["mode"], "streamed");

    for run in runs {
        let dir = out.path().join("texts").join(run["mode"].as_str().unwrap());
        assert_eq!(run["books_ok"], 24);
        for (entry, book) in corpus.catalog.iter().zip(books(run)) {
            assert_eq!(book["id"], entry.id.0);
            assert_eq!(book["status"], "ok");
            let saved = std::fs::read(dir.join(format!("{}.txt", entry.id))).unwrap();
            assert_eq!(saved, corpus.bytes(entry), "ebook {} differs", entry.id);
            let (tokens, distinct) = direct_count(&saved);
            assert_eq!(
                book["results"]["tokenize"]["tokens"], tokens,
                "ebook {}",
                entry.id
            );
            assert_eq!(
                book["results"]["tokenize"]["distinct"], distinct,
                "ebook {}",
                entry.id
            );
        }
        let names = files_in(&dir);
        assert_eq!(
            names.len(),
            25,
            "only the books and the manifest, no temporary files: {names:?}"
        );
        for stage in ["download", "save", "decode", "tokenize"] {
            let s = run["stages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == stage)
                .unwrap();
            assert_eq!(s["items"], 24, "{stage}");
            assert!(s["wall_seconds"].as_f64().unwrap() > 0.0);
        }
    }
    // The modes agree on everything they computed.
    for other in &runs[1..] {
        assert_eq!(runs[0]["corpus"], other["corpus"], "{}", other["mode"]);
        for (a, b) in books(&runs[0]).iter().zip(books(other)) {
            assert_eq!(a["results"], b["results"], "{}", other["mode"]);
            assert_eq!(a["encoding"], b["encoding"], "{}", other["mode"]);
            assert_eq!(a["bytes"], b["bytes"], "{}", other["mode"]);
        }
    }
    let total: u64 = corpus
        .catalog
        .iter()
        .map(|e| direct_count(&corpus.bytes(e)).0)
        .sum();
    assert_eq!(runs[1]["corpus"]["tokenize"]["tokens"], total);
    assert_eq!(
        runs[1]["corpus"]["tokenize"]["top"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    // The staged and streamed runs used their pools.
    for run in &runs[1..] {
        let download = &run["stages"][0];
        assert_eq!(download["pool"], "download");
        assert_eq!(download["workers"], 5);
        assert_eq!(run["stages"][3]["pool"], "rayon");
    }
}

#[test]
fn a_missing_book_is_reported_while_the_others_succeed() {
    let corpus = TestCorpus::new(5, 3);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r.json");
    let ids = format!(
        "{},123456789,{}",
        corpus.catalog[0].id, corpus.catalog[1].id
    );
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--ids",
        &ids,
        "--out",
        out.path().join("t").to_str().unwrap(),
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("1 of 3 books failed"), "{text}");
    assert!(
        text.contains("ebook 123456789 (download): not found (HTTP 404)"),
        "{text}"
    );
    let report = read_report(&report);
    let run = &report["runs"][0];
    assert_eq!(run["books_ok"], 2);
    assert_eq!(run["books_failed"], 1);
    let missing = &run["books"][1];
    assert_eq!(missing["status"], "failed");
    assert_eq!(missing["failed_stage"], "download");
    assert!(missing["url"].as_str().unwrap().contains("123456789"));
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("/cache/epub/123456789/pg123456789.txt")
    );
    assert_eq!(run["books"][2]["status"], "ok");
    assert!(
        out.path()
            .join("t")
            .join(format!("{}.txt", corpus.catalog[1].id))
            .exists()
    );
    assert!(!out.path().join("t/123456789.txt").exists());
}

#[test]
fn a_refused_connection_fails_each_book_with_its_reason() {
    // Bind and drop a listener to find a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tempfile::tempdir().unwrap();
    let o = gutenpipe(&[
        "run",
        "--source",
        &format!("http://127.0.0.1:{port}"),
        "--ids",
        "84,1342",
        "--out",
        out.path().to_str().unwrap(),
        "--connect-timeout",
        "2s",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    assert!(text.contains("2 of 2 books failed"), "{text}");
    assert!(text.contains("could not connect"), "{text}");
}

#[test]
fn urls_are_saved_under_the_id_they_name() {
    let corpus = TestCorpus::new(3, 5);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let entry = &corpus.catalog[2];
    let url = format!("{}/files/{}/{}", mirror.base_url(), entry.id, entry.file);
    let o = gutenpipe(&[
        "run",
        "--urls",
        &url,
        "--source",
        &mirror.base_url(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let saved = std::fs::read(out.path().join(format!("{}.txt", entry.id))).unwrap();
    assert_eq!(saved, corpus.bytes(entry));
    assert_eq!(mirror.stats().requests.load(Ordering::Relaxed), 1);
}

#[test]
fn embedded_source_serves_the_whole_synthetic_corpus() {
    let corpus_dir = tempfile::tempdir().unwrap();
    let corpus = corpus_dir.path().join("c");
    let out = tempfile::tempdir().unwrap();
    let o = gutenpipe(&[
        "run",
        "--source",
        "embedded",
        "--corpus",
        corpus.to_str().unwrap(),
        "--books",
        "6",
        "--size-scale",
        "0.02",
        "--latency",
        "0",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    // A missing --corpus folder is refused, not silently created …
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    // … while an empty one is filled with a generated corpus.
    std::fs::create_dir_all(&corpus).unwrap();
    let o = gutenpipe(&[
        "run",
        "--corpus",
        corpus.to_str().unwrap(),
        "--books",
        "6",
        "--size-scale",
        "0.02",
        "--latency",
        "0",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("generating a synthetic corpus of 6 books"));
    assert_eq!(files_in(out.path()).len(), 7, "6 books and the manifest");
    assert!(stdout(&o).contains("6 ok"), "{}", stdout(&o));
}
