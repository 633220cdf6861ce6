//! The processing stages end to end on the synthetic corpus: by default
//! books are cleaned before they are tokenized, so the licence is not
//! counted; each book's record carries its header's metadata; `wordfreq`
//! and `stats` add their results; every stage is timed in the table and the
//! report like the built-in ones.

mod common;

use std::collections::HashMap;

use common::*;
use gutenpipe::decode::decode;
use serde_json::Value;
use unicode_segmentation::UnicodeSegmentation;

/// The book between the synthetic file's START and END lines, found by
/// plain string search: blank lines around it dropped, CRLF and italic
/// underscores undone (the synthetic prose only has `_word_` italics).
fn body_between_markers(bytes: &[u8]) -> String {
    let text = decode(bytes, None).text.replace("\r\n", "\n");
    let start = text
        .find("*** START OF THE PROJECT GUTENBERG EBOOK")
        .unwrap();
    let start = start + text[start..].find('\n').unwrap() + 1;
    let end = text.find("*** END OF THE PROJECT GUTENBERG EBOOK").unwrap();
    text[start..end].trim_matches('\n').replace('_', "")
}

fn lowercase_counts(text: &str) -> HashMap<String, u64> {
    let mut counts = HashMap::new();
    for w in text.unicode_words() {
        *counts.entry(w.to_lowercase()).or_default() += 1;
    }
    counts
}

#[test]
fn by_default_books_are_cleaned_tokenized_and_measured_with_their_metadata() {
    let corpus = TestCorpus::new(12, 21);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("t");
    let (o, report) = run_books(&mirror, &id_list(&corpus.catalog), &dir, &["--no-sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.contains("\nclean "), "{table}");
    assert_eq!(
        report["config"]["stages"],
        serde_json::json!(["clean", "tokenize", "stats"])
    );
    let run = &report["runs"][0];
    for name in ["clean", "tokenize", "stats"] {
        assert_eq!(stage(run, name)["items"], 12, "{name}");
        assert_eq!(stage(run, name)["pool"], "rayon", "{name}");
    }
    let mut total = 0;
    for (entry, book) in corpus.catalog.iter().zip(run["books"].as_array().unwrap()) {
        let raw = corpus.bytes(entry);
        let body = body_between_markers(&raw);
        let counts = lowercase_counts(&body);
        let tokens: u64 = counts.values().sum();
        total += tokens;
        assert_eq!(
            book["results"]["tokenize"]["tokens"], tokens,
            "ebook {}",
            entry.id
        );
        assert_eq!(
            book["results"]["tokenize"]["distinct"],
            counts.len() as u64,
            "ebook {}",
            entry.id
        );
        assert!(
            tokens < lowercase_counts(&decode(&raw, None).text).values().sum(),
            "the licence is no longer counted"
        );
        assert!(!counts.contains_key("license"), "ebook {}", entry.id);
        let clean = &book["results"]["clean"];
        assert_eq!(clean["kept_bytes"], body.len() as u64, "ebook {}", entry.id);
        assert!(
            clean["start_marker"]
                .as_str()
                .unwrap()
                .starts_with("*** START OF THE PROJECT GUTENBERG EBOOK")
        );
        let m = &book["metadata"];
        assert_eq!(m["title"], entry.title.as_str());
        assert_eq!(m["author"], entry.author.as_str());
        assert_eq!(m["ebook"], entry.id.0);
        assert_eq!(m["charset"], entry.encoding.as_str());
        assert!(m["release_date"].as_str().unwrap().contains(", "));
        assert!(m.get("translator").is_none(), "not stated, so absent");
        assert!(book.get("warnings").is_none(), "{book}");
    }
    assert_eq!(run["corpus"]["tokenize"]["tokens"], total);
    assert_eq!(run["corpus"]["clean"]["books"], 12);
    // The manifest's line of each book carries the same metadata.
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
    let mut described = 0;
    for line in manifest.lines() {
        let entry: Value = serde_json::from_str(line).unwrap();
        let book = run["books"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == entry["id"])
            .unwrap();
        assert_eq!(entry["metadata"], book["metadata"], "{line}");
        described += 1;
    }
    assert_eq!(described, 12);
}

#[test]
fn wordfreq_and_stats_report_per_book_and_for_the_corpus_in_both_modes() {
    let corpus = TestCorpus::new(8, 5);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let extra = [
        "--mode",
        "sequential,staged",
        "--stages",
        "clean,wordfreq,stats",
        "--top",
        "5",
        "--keep-case",
        "--no-sync",
    ];
    let ids = id_list(&corpus.catalog);
    let (o, report) = run_books(&mirror, &ids, &out.path().join("t"), &extra);
    assert!(o.status.success(), "{}", stderr(&o));
    let runs = report["runs"].as_array().unwrap();
    for run in runs {
        let names: Vec<&str> = run["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["download", "save", "decode", "clean", "wordfreq", "stats"]
        );
        let mut corpus_counts: HashMap<String, u64> = HashMap::new();
        for (entry, book) in corpus.catalog.iter().zip(run["books"].as_array().unwrap()) {
            let body = body_between_markers(&corpus.bytes(entry));
            // --keep-case: words as written.
            let mut counts: HashMap<String, u64> = HashMap::new();
            for w in body.unicode_words() {
                *counts.entry(w.to_string()).or_default() += 1;
                *corpus_counts.entry(w.to_string()).or_default() += 1;
            }
            let mut ranked: Vec<(&String, &u64)> = counts.iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let top: Vec<Value> = ranked
                .iter()
                .take(5)
                .map(|(w, c)| serde_json::json!({ "word": w, "count": c }))
                .collect();
            assert_eq!(book["results"]["wordfreq"]["top"], Value::from(top));
            let stats = &book["results"]["stats"];
            let tokens: u64 = counts.values().sum();
            assert_eq!(stats["tokens"], tokens);
            assert_eq!(
                stats["hapax"],
                counts.values().filter(|&&c| c == 1).count() as u64
            );
            let chars: u64 = counts
                .iter()
                .map(|(w, c)| c * w.chars().count() as u64)
                .sum();
            let mean = stats["mean_word_length"].as_f64().unwrap();
            assert!((mean - chars as f64 / tokens as f64).abs() < 1e-9);
            let ttr = stats["type_token_ratio"].as_f64().unwrap();
            assert!((ttr - counts.len() as f64 / tokens as f64).abs() < 1e-9);
            // Every synthetic paragraph holds at least one sentence.
            let paragraphs = body.split("\n\n").filter(|p| !p.trim().is_empty()).count();
            assert!(stats["sentences"].as_u64().unwrap() >= paragraphs as u64);
        }
        let wordfreq = &run["corpus"]["wordfreq"];
        assert_eq!(wordfreq["vocabulary"], corpus_counts.len() as u64);
        assert_eq!(wordfreq["top"].as_array().unwrap().len(), 5);
        assert_eq!(
            wordfreq["hapax"],
            corpus_counts.values().filter(|&&c| c == 1).count() as u64
        );
        assert!(
            corpus_counts
                .keys()
                .any(|w| w.starts_with(char::is_uppercase))
        );
    }
    // The modes agree on every result, corpus figures included.
    assert_eq!(runs[0]["corpus"], runs[1]["corpus"]);
    for (a, b) in runs[0]["books"]
        .as_array()
        .unwrap()
        .iter()
        .zip(runs[1]["books"].as_array().unwrap())
    {
        assert_eq!(a["results"], b["results"]);
        assert_eq!(a["metadata"], b["metadata"]);
    }
}

#[test]
fn a_book_without_markers_is_kept_whole_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = "A short text with no Gutenberg header.\r\nIt is kept, _all_ of it.\r\n";
    std::fs::write(dir.path().join("123.txt"), text).unwrap();
    let mirror = mirror(dir.path());
    let out = tempfile::tempdir().unwrap();
    let (o, report) = run_books(&mirror, "123", &out.path().join("t"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 of 1 book with warnings:\n  ebook 123: no Gutenberg START marker"),
        "{}",
        stdout(&o)
    );
    let book = &report["runs"][0]["books"][0];
    assert_eq!(book["status"], "ok");
    assert_eq!(book["warnings"].as_array().unwrap().len(), 2);
    assert!(
        book.get("metadata").is_none(),
        "nothing stated, nothing guessed"
    );
    assert_eq!(book["results"]["tokenize"]["tokens"], 13);
    let kept = "A short text with no Gutenberg header.\nIt is kept, all of it.";
    assert_eq!(book["results"]["clean"]["kept_bytes"], kept.len() as u64);
    assert_eq!(
        report["runs"][0]["corpus"]["clean"]["books_without_start_marker"],
        1
    );
}

#[test]
fn stages_none_downloads_and_saves_without_processing() {
    let corpus = TestCorpus::new(5, 23);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("t");
    for mode in ["sequential", "staged", "streamed"] {
        let dir = dir.join(mode);
        let (o, report) = run_books(
            &mirror,
            &id_list(&corpus.catalog),
            &dir,
            &["--stages", "none", "--mode", mode, "--no-sync"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let run = &report["runs"][0];
        let names: Vec<&str> = run["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["download", "save", "decode"], "{mode}");
        assert_eq!(run["corpus"], serde_json::json!({}), "{mode}");
        assert_eq!(assert_manifest_matches_files(&dir), 5, "{mode}");
        assert!(!stdout(&o).contains("most frequent"), "{mode}");
    }
}

/// A stage that panics on one book.
struct Fragile;

impl gutenpipe::stages::Stage for Fragile {
    type Output = u64;
    type Totals = ();

    fn name(&self) -> &'static str {
        "fragile"
    }

    fn process(
        &self,
        doc: &mut gutenpipe::stages::Document,
    ) -> Result<u64, gutenpipe::stages::StageError> {
        if doc.id.0 % 2 == 0 {
            panic!("cannot read ebook {}", doc.id);
        }
        Ok(doc.text.len() as u64)
    }
}

#[test]
fn a_stage_that_panics_fails_its_book_in_every_mode() {
    use gutenpipe::fetch::{FetchConfig, Fetcher};
    use gutenpipe::pipeline::{Pipeline, PipelineConfig};
    use gutenpipe::record::{Mode, Status};
    use gutenpipe::store::Store;

    let corpus = TestCorpus::new(6, 29);
    let mirror = mirror(corpus.path());
    let base = mirror.base_url();
    let requests = corpus.requests();
    let config = PipelineConfig {
        download_workers: 3,
        save_workers: 2,
        cpu_workers: 2,
        stages: vec![std::sync::Arc::new(Fragile)],
        emit: Default::default(),
        in_flight: 4,
        batch: 4,
        keep_spans: false,
    };
    for mode in Mode::ALL {
        let out = tempfile::tempdir().unwrap();
        let fetcher = Fetcher::new(FetchConfig::default(), Some(&base));
        let store = Store::open(out.path(), false).unwrap();
        let pipeline = Pipeline {
            fetcher: &fetcher,
            store: &store,
            config: &config,
        };
        let run = pipeline.run(mode, &requests).unwrap();
        assert_eq!(run.books.len(), 6, "{mode:?}");
        for book in run.books.to_vec().unwrap() {
            if book.id.0 % 2 == 0 {
                assert_eq!(book.status, Status::Failed, "{mode:?}");
                assert_eq!(book.failed_stage.as_deref(), Some("fragile"));
                let error = book.error.as_deref().unwrap();
                assert!(
                    error.contains("the stage panicked: cannot read ebook"),
                    "{error}"
                );
            } else {
                assert_eq!(book.status, Status::Ok, "{mode:?}");
            }
        }
    }
}
