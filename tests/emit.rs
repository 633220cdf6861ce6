//! `--emit text,tokens,counts`: the Standardized Project Gutenberg Corpus
//! layout under the output folder, the corpus counts and `results.jsonl`,
//! the same bytes in every mode, written as stages of their own, and a
//! refused write that stops the run without leaving half a file.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;
use gutenpipe::decode::decode;
use gutenpipe::gutenberg::clean;
use serde_json::Value;
use unicode_segmentation::UnicodeSegmentation;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `word<TAB>count` lines, checked to be most frequent first, ties in
/// alphabetical order.
fn parse_counts(text: &str) -> HashMap<String, u64> {
    let mut counts = HashMap::new();
    let mut previous: Option<(String, u64)> = None;
    for line in text.lines() {
        let (word, count) = line.split_once('\t').expect("word<TAB>count");
        let count: u64 = count.parse().unwrap();
        if let Some((pw, pc)) = &previous {
            assert!(
                *pc > count || (*pc == count && pw.as_str() < word),
                "`{pw} {pc}` before `{word} {count}`"
            );
        }
        previous = Some((word.to_string(), count));
        assert!(
            counts.insert(word.to_string(), count).is_none(),
            "{word} twice"
        );
    }
    counts
}

#[test]
fn emit_writes_text_tokens_and_counts_in_the_spgc_layout() {
    let corpus = TestCorpus::new(10, 33);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let texts = out.path().join("t");
    let extra = [
        "--mode",
        "sequential,staged,streamed",
        "--in-flight",
        "3",
        "--emit",
        "text,tokens,counts",
        "--cpu-workers",
        "2",
        "--no-sync",
    ];
    let (o, report) = run_books(&mirror, &id_list(&corpus.catalog), &texts, &extra);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        report["config"]["emit"],
        serde_json::json!(["text", "tokens", "counts"])
    );
    for run in report["runs"].as_array().unwrap() {
        let mode = run["mode"].as_str().unwrap();
        let dir = texts.join(mode);
        // Making the files is CPU work, writing them disk work: two stages.
        let render = stage(run, "render");
        let emit = stage(run, "emit");
        assert_eq!(render["items"], 10);
        assert_eq!(emit["items"], 10);
        if mode != "sequential" {
            assert_eq!(render["pool"], "rayon");
            assert_eq!(emit["pool"], "save");
        }
        let mut corpus_counts: HashMap<String, u64> = HashMap::new();
        let mut written = 0;
        for entry in &corpus.catalog {
            let id = entry.id;
            let cleaned = clean(&decode(&corpus.bytes(entry), None).text).text;
            let text = read(&dir.join(format!("text/PG{id}_text.txt")));
            assert_eq!(text, format!("{cleaned}\n"), "ebook {id}");
            let tokens = read(&dir.join(format!("tokens/PG{id}_tokens.txt")));
            let expected: Vec<String> = cleaned.unicode_words().map(str::to_lowercase).collect();
            assert_eq!(tokens.lines().collect::<Vec<_>>(), expected, "ebook {id}");
            let counts_text = read(&dir.join(format!("counts/PG{id}_counts.txt")));
            let counts = parse_counts(&counts_text);
            let mut direct: HashMap<String, u64> = HashMap::new();
            for w in &expected {
                *direct.entry(w.clone()).or_default() += 1;
                *corpus_counts.entry(w.clone()).or_default() += 1;
            }
            assert_eq!(counts, direct, "ebook {id}");
            written += text.len() + tokens.len() + counts_text.len();
        }
        assert_eq!(emit["bytes"], written as u64);
        let corpus_file = read(&dir.join("corpus_counts.txt"));
        assert_eq!(parse_counts(&corpus_file), corpus_counts);
        // results.jsonl: the book records of the report, one a line.
        let lines: Vec<Value> = read(&dir.join("results.jsonl"))
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(&Value::from(lines), &run["books"]);
        let files = tree(&dir);
        // The books, three files each, the corpus counts, results and manifest.
        assert_eq!(files.len(), 10 + 3 * 10 + 3, "{:?}", files.keys());
        assert!(files.keys().all(|f| !f.ends_with(".part")));
    }
    // The same bytes whichever the mode: nothing depends on thread timing.
    let seq = tree(&texts.join("sequential"));
    for mode in ["staged", "streamed"] {
        let other = tree(&texts.join(mode));
        assert_eq!(
            seq.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &seq {
            // The records name the mode's folder and the time of saving.
            if name != "results.jsonl" && name != "manifest.jsonl" {
                assert!(bytes == &other[name], "{name} differs in {mode}");
            }
        }
    }
}

#[test]
fn a_refused_emit_write_stops_the_run_and_leaves_no_part_file() {
    let corpus = TestCorpus::new(4, 8);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    // A folder where one book's token file should go: renaming onto it fails.
    let victim = corpus.catalog[2].id;
    for mode in ["sequential", "streamed"] {
        let dir = out.path().join(mode);
        let blocker = dir.join(format!("tokens/PG{victim}_tokens.txt"));
        std::fs::create_dir_all(blocker.join("occupied")).unwrap();
        let extra = ["--mode", mode, "--emit", "tokens", "--in-flight", "1"];
        let (o, _) = run_books(&mirror, &id_list(&corpus.catalog), &dir, &extra);
        assert_eq!(o.status.code(), Some(3), "{mode}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("run stopped writing the --emit files")
                && err.contains(&format!("PG{victim}_tokens.txt")),
            "{mode}: {err}"
        );
        // The books were saved before (in streamed mode, those downloaded
        // before the stop); no temporary file is left anywhere.
        for entry in &corpus.catalog {
            let saved = std::fs::read(dir.join(format!("{}.txt", entry.id)));
            if mode == "sequential" || entry.id <= victim {
                assert_eq!(saved.unwrap(), corpus.bytes(entry), "{mode}");
            } else if let Ok(saved) = saved {
                assert_eq!(saved, corpus.bytes(entry), "{mode}");
            }
        }
        assert!(tree(&dir).keys().all(|f| !f.ends_with(".part")));
    }
}

#[test]
fn an_unusable_emit_folder_is_refused_before_any_download() {
    let corpus = TestCorpus::new(1, 2);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("t");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("counts"), "a file, not a folder").unwrap();
    let (o, _) = run_books(
        &mirror,
        &id_list(&corpus.catalog),
        &dir,
        &["--emit", "counts"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--emit: could not create the folder"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        mirror
            .stats()
            .requests
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

/// The charset the mirror declares for a corpus book of `encoding`.
fn declared(encoding: &str) -> &'static str {
    match encoding {
        "ISO-8859-1" => "iso-8859-1",
        "US-ASCII" => "us-ascii",
        _ => "utf-8",
    }
}

#[test]
fn emit_raw_and_metadata_complete_the_spgc_layout() {
    let corpus = TestCorpus::new(8, 41);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("o");
    let extra = ["--emit", "raw,text,metadata", "--no-sync"];
    let (o, report) = run_books(&mirror, &id_list(&corpus.catalog), &dir, &extra);
    assert!(o.status.success(), "{}", stderr(&o));
    let books = report["runs"][0]["books"].as_array().unwrap();
    let mut reader = csv::Reader::from_path(dir.join("metadata/metadata.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "id",
            "title",
            "author",
            "language",
            "release_date",
            "source_url",
            "sha256",
            "bytes",
            "tokens"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), corpus.catalog.len());
    for (entry, row) in corpus.catalog.iter().zip(&rows) {
        let bytes = corpus.bytes(entry);
        // raw/: the book as downloaded, decoded, licence and all.
        let mut raw = decode(&bytes, Some(declared(&entry.encoding))).text;
        if !raw.ends_with('\n') {
            raw.push('\n');
        }
        let raw_file = read(&dir.join(format!("raw/PG{}_raw.txt", entry.id)));
        assert!(raw_file == raw, "raw text of {}", entry.id);
        assert!(raw_file.contains("*** START OF"), "the header is kept");
        // metadata.csv: the header's fields, the saved file's hash and size.
        let book = books.iter().find(|b| b["id"] == entry.id.0).unwrap();
        assert_eq!(&row[0], entry.id.to_string());
        assert_eq!(&row[1], entry.title, "title of {}", entry.id);
        assert_eq!(&row[2], entry.author, "author of {}", entry.id);
        assert_eq!(Some(&row[3]), book["metadata"]["language"].as_str());
        assert_eq!(Some(&row[4]), book["metadata"]["release_date"].as_str());
        assert_eq!(Some(&row[5]), book["url"].as_str());
        assert_eq!(&row[6], gutenpipe::store::sha256_hex(&bytes));
        assert_eq!(&row[7], bytes.len().to_string());
        assert_eq!(
            row[8].parse::<u64>().ok(),
            book["results"]["tokenize"]["tokens"].as_u64()
        );
    }
}

#[test]
fn metadata_of_books_chosen_from_a_catalog_comes_from_its_rows() {
    let corpus = TestCorpus::new(6, 43);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    // A catalog whose rows say something the books' headers do not: the
    // title, the author, the language and the release date are the row's.
    let chosen = &corpus.catalog[..3];
    let mut catalog =
        String::from("Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n");
    for (k, e) in chosen.iter().enumerate() {
        catalog.push_str(&format!(
            "{},Text,2001-0{}-15,\"Row title {k}, with a comma\",xx,\"Row, Author {k}\",,,\n",
            e.id,
            k + 1
        ));
    }
    let catalog_file = out.path().join("pg_catalog.csv");
    std::fs::write(&catalog_file, catalog).unwrap();
    let dir = out.path().join("o");
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--catalog",
        catalog_file.to_str().unwrap(),
        "--language",
        "xx",
        "--emit",
        "metadata",
        "--out",
        dir.to_str().unwrap(),
        "--no-sync",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(dir.join("metadata/metadata.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), chosen.len());
    for (k, (entry, row)) in chosen.iter().zip(&rows).enumerate() {
        assert_eq!(&row[0], entry.id.to_string());
        assert_eq!(&row[1], format!("Row title {k}, with a comma"));
        assert_ne!(&row[1], entry.title, "not the header's title");
        assert_eq!(&row[2], format!("Row, Author {k}"));
        assert_eq!(&row[3], "xx");
        assert_eq!(&row[4], format!("2001-0{}-15", k + 1));
        assert_eq!(&row[6], gutenpipe::store::sha256_hex(&corpus.bytes(entry)));
    }
}
