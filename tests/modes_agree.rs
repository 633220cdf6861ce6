//! Every mode finds the same at a few hundred books, with batches and books
//! in flight far fewer than the books: the same saved files, the same
//! manifest, the same `--emit` files and the same records in the report,
//! whichever order the books finished in and whether their bytes waited in
//! memory or on disk.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

/// A record without what differs between modes by design: where it was
/// saved (each mode has its folder).
fn without_path(mut record: Value) -> Value {
    if let Some(object) = record.as_object_mut() {
        object.remove("path");
    }
    record
}

/// The manifest's lines by id, without when each book was saved.
fn manifest(dir: &std::path::Path) -> BTreeMap<u64, Value> {
    std::fs::read_to_string(dir.join("manifest.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            let mut entry: Value = serde_json::from_str(line).unwrap();
            entry.as_object_mut().unwrap().remove("saved_at");
            (entry["id"].as_u64().unwrap(), entry)
        })
        .collect()
}

#[test]
fn every_mode_finds_the_same_over_many_batches() {
    let corpus = TestCorpus::scaled(300, 44, 0.02);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let texts = out.path().join("texts");
    let (o, report) = run_books(
        &mirror,
        &id_list(&corpus.catalog),
        &texts,
        &[
            "--mode",
            "sequential,staged,streamed",
            "--batch",
            "64",
            "--in-flight",
            "8",
            "--download-workers",
            "6",
            "--cpu-workers",
            "2",
            "--stages",
            "clean,tokenize,wordfreq,stats",
            "--emit",
            "text,tokens,counts",
            "--no-sync",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let mut trees = Vec::new();
    for run in runs {
        let mode = run["mode"].as_str().unwrap();
        let dir = texts.join(mode);
        assert_eq!(run["books_ok"], 300, "{mode}");
        let books = run["books"].as_array().unwrap();
        assert_eq!(books.len(), 300, "{mode}");
        for (entry, book) in corpus.catalog.iter().zip(books) {
            assert_eq!(book["id"], entry.id.0, "{mode}: books in input order");
            let saved = std::fs::read(dir.join(format!("{}.txt", entry.id))).unwrap();
            assert_eq!(saved, corpus.bytes(entry), "{mode}: ebook {}", entry.id);
        }
        // Every step saw every book, in every batch.
        for stage in run["stages"].as_array().unwrap() {
            assert_eq!(stage["items"], 300, "{mode}: {}", stage["name"]);
            assert!(stage["busy_seconds"].as_f64().unwrap() > 0.0);
        }
        // results.jsonl holds the report's records, line for line.
        let lines = std::fs::read_to_string(dir.join("results.jsonl")).unwrap();
        let records: Vec<Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            &records, books,
            "{mode}: results.jsonl is the report's books"
        );
        let mut tree = tree(&dir);
        tree.remove("results.jsonl");
        tree.remove("manifest.jsonl");
        trees.push((mode, tree, manifest(&dir)));
    }
    let (first, rest) = runs.split_first().unwrap();
    for other in rest {
        let mode = &other["mode"];
        assert_eq!(first["corpus"], other["corpus"], "{mode}");
        for (a, b) in first["books"]
            .as_array()
            .unwrap()
            .iter()
            .zip(other["books"].as_array().unwrap())
        {
            assert_eq!(without_path(a.clone()), without_path(b.clone()), "{mode}");
        }
    }
    let (_, first_tree, first_manifest) = &trees[0];
    assert_eq!(first_manifest.len(), 300);
    for (mode, tree, manifest) in &trees[1..] {
        assert!(tree == first_tree, "{mode}: the same files, byte for byte");
        assert_eq!(manifest, first_manifest, "{mode}: the same manifest");
    }
}
