//! Real Project Gutenberg files, served through the embedded mirror and run
//! through the pipeline: every book saved byte for byte, every token counted
//! as `unicode_words` counts it. The files are not in the repository; the
//! test reads the folder named by `GUTENPIPE_REAL_CORPUS` (CI sets it) and
//! says plainly when it is skipped.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use common::*;
use gutenpipe::decode::decode;
use unicode_segmentation::UnicodeSegmentation;

/// The folder of real files, or `None` (with a message) when not configured.
pub fn real_corpus() -> Option<PathBuf> {
    match std::env::var_os("GUTENPIPE_REAL_CORPUS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join("MANIFEST.tsv").is_file(),
                "GUTENPIPE_REAL_CORPUS={} holds no MANIFEST.tsv",
                dir.display()
            );
            Some(dir)
        }
        None => {
            eprintln!(
                "SKIPPED: GUTENPIPE_REAL_CORPUS is not set, so the real-Gutenberg test did not run"
            );
            None
        }
    }
}

/// For each ebook id, the file the mirror serves first in layout order.
fn first_served(dir: &std::path::Path) -> BTreeMap<u32, PathBuf> {
    let mut by_id: BTreeMap<u32, Vec<(usize, PathBuf)>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".txt") else {
            continue;
        };
        let (digits, rank) = if let Some(d) = stem.strip_prefix("pg") {
            (d, 0)
        } else if let Some(d) = stem.strip_suffix("-0") {
            (d, 1)
        } else if let Some(d) = stem.strip_suffix("-8") {
            (d, 2)
        } else {
            (stem, 3)
        };
        if let Ok(id) = digits.parse::<u32>() {
            by_id.entry(id).or_default().push((rank, dir.join(&name)));
        }
    }
    by_id
        .into_iter()
        .map(|(id, mut files)| {
            files.sort();
            (id, files.remove(0).1)
        })
        .collect()
}

#[test]
fn real_gutenberg_files_come_through_byte_for_byte() {
    let Some(dir) = real_corpus() else { return };
    let expected = first_served(&dir);
    assert!(
        expected.len() >= 5,
        "too few Gutenberg-named files in {}",
        dir.display()
    );
    let mirror = mirror(&dir);
    let out = tempfile::tempdir().unwrap();
    let report_path = out.path().join("r.json");
    let ids: Vec<String> = expected.keys().map(u32::to_string).collect();
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--ids",
        &ids.join(","),
        "--out",
        out.path().join("t").to_str().unwrap(),
        "--json",
        report_path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let report = read_report(&report_path);
    let books = report["runs"][0]["books"].as_array().unwrap();
    for (book, (id, file)) in books.iter().zip(&expected) {
        assert_eq!(book["id"], *id);
        let original = std::fs::read(file).unwrap();
        let saved = std::fs::read(out.path().join("t").join(format!("{id}.txt"))).unwrap();
        assert!(
            saved == original,
            "ebook {id}: saved copy differs from {}",
            file.display()
        );
        let text = decode(&original, None).text;
        assert!(
            !text.starts_with('\u{FEFF}'),
            "ebook {id}: BOM left in the text"
        );
        let mut counts: HashMap<String, u64> = HashMap::new();
        for w in text.unicode_words() {
            *counts.entry(w.to_lowercase()).or_default() += 1;
        }
        let tokens: u64 = counts.values().sum();
        assert_eq!(book["results"]["tokenize"]["tokens"], tokens, "ebook {id}");
        assert_eq!(
            book["results"]["tokenize"]["distinct"],
            counts.len() as u64,
            "ebook {id}"
        );
        eprintln!(
            "ebook {id}: {} bytes, {tokens} tokens, {}",
            original.len(),
            book["encoding"]
        );
    }
}

#[test]
fn latin1_files_decode_to_their_accented_letters() {
    let Some(dir) = real_corpus() else { return };
    // Candide (4650-8.txt) is ISO-8859-1 French; Die Verwandlung (22367-8.txt) German.
    for (file, word) in [
        ("4650-8.txt", "Westphalie"),
        ("4650-8.txt", "été"),
        ("22367-8.txt", "Tür"),
    ] {
        let path = dir.join(file);
        if !path.exists() {
            continue;
        }
        let decoded = decode(&std::fs::read(&path).unwrap(), None);
        assert_eq!(decoded.encoding, "windows-1252", "{file}");
        assert!(decoded.text.contains(word), "{file} lacks `{word}`");
        assert!(
            !decoded.text.contains('\u{FFFD}'),
            "{file} has replacement characters"
        );
    }
}

#[test]
fn real_gutenberg_files_come_through_gzip_and_faults_byte_for_byte() {
    let Some(dir) = real_corpus() else { return };
    let expected = first_served(&dir);
    let ids: Vec<String> = expected.keys().map(u32::to_string).collect();
    for spec in ["gzip=1", "mixed=0.4"] {
        let mirror = faulty_mirror(&dir, spec, 11);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("t");
        let quick = [
            "--retries",
            "10",
            "--retry-delay",
            "5ms",
            "--retry-after-cap",
            "10ms",
            "--read-timeout",
            "500ms",
        ];
        let (o, _) = run_books(&mirror, &ids.join(","), &out, &quick);
        assert!(o.status.success(), "{spec}: {}\n{}", stdout(&o), stderr(&o));
        for (id, file) in &expected {
            let saved = std::fs::read(out.join(format!("{id}.txt"))).unwrap();
            assert!(
                saved == std::fs::read(file).unwrap(),
                "{spec}: ebook {id} differs from {}",
                file.display()
            );
        }
        assert_eq!(assert_manifest_matches_files(&out), expected.len());
        assert!(mirror.faults().total() > 0, "{spec}: no fault injected");
    }
}
