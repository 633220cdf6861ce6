//! Real Project Gutenberg files, served through the embedded mirror and run
//! through the pipeline: every book saved byte for byte, every token counted
//! as `unicode_words` counts it. The files are not in the repository: the
//! tests read the folder named by `GUTENPIPE_REAL_CORPUS` and are ignored
//! unless asked for (`cargo test -- --include-ignored`, which `make test`
//! does when the variable is set), so a run without them says "ignored".

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use common::*;
use gutenpipe::decode::decode;
use unicode_segmentation::UnicodeSegmentation;

/// The folder of real files; a test asked for without it fails, saying so.
pub fn real_corpus() -> PathBuf {
    let dir = std::env::var_os("GUTENPIPE_REAL_CORPUS").map(PathBuf::from).expect(
        "GUTENPIPE_REAL_CORPUS must name the folder of real Gutenberg files (with its MANIFEST.tsv) for this test",
    );
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "GUTENPIPE_REAL_CORPUS={} holds no MANIFEST.tsv",
        dir.display()
    );
    dir
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
#[ignore = "needs GUTENPIPE_REAL_CORPUS"]
fn real_gutenberg_files_come_through_byte_for_byte() {
    let dir = real_corpus();
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
        "--stages",
        "tokenize",
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
#[ignore = "needs GUTENPIPE_REAL_CORPUS"]
fn latin1_files_decode_to_their_accented_letters() {
    let dir = real_corpus();
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
#[ignore = "needs GUTENPIPE_REAL_CORPUS"]
fn real_gutenberg_files_come_through_gzip_and_faults_byte_for_byte() {
    let dir = real_corpus();
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

/// What a real file cleans to, read off the file by eye: the kept text is
/// exactly `lines` of the file (1-based, inclusive; italics undone), from
/// the book's first line to its last; `gutenberg_lines` are the lines of the
/// book that still name Project Gutenberg (transcribers' notes of that
/// edition, not licence); `metadata` is what its header states.
struct Expected {
    file: &'static str,
    lines: (usize, usize),
    first: &'static str,
    last: &'static str,
    gutenberg_lines: &'static [&'static str],
    metadata: serde_json::Value,
}

fn expectations() -> Vec<Expected> {
    use serde_json::json;
    let e = |file, lines, first, last, gutenberg_lines, metadata| Expected {
        file,
        lines,
        first,
        last,
        gutenberg_lines,
        metadata,
    };
    vec![
        // 2016–18 style, BOM, CRLF, curly apostrophes in the markers.
        e(
            "11-0.txt",
            (32, 3370),
            "ALICE’S ADVENTURES IN WONDERLAND",
            "THE END",
            &[],
            json!({"title": "Alice’s Adventures in Wonderland", "author": "Lewis Carroll", "release_date": "March, 1994",
                 "language": "English", "ebook": 11, "charset": "UTF-8"}),
        ),
        e(
            "1342-0.txt",
            (32, 13061),
            "PRIDE AND PREJUDICE",
            "her into Derbyshire, had been the means of uniting them.",
            &[],
            json!({"title": "Pride and Prejudice", "author": "Jane Austen", "release_date": "June, 1998",
                 "language": "English", "ebook": 1342, "charset": "UTF-8"}),
        ),
        // No Release Date line (only Posting Date and First Posted): absent.
        e(
            "1661-8.txt",
            (35, 12682),
            "THE ADVENTURES OF SHERLOCK HOLMES",
            "Walsall, where I believe that she has met with considerable success.",
            &[],
            json!({"title": "The Adventures of Sherlock Holmes", "author": "Arthur Conan Doyle",
                 "language": "English", "ebook": 1661, "charset": "ISO-8859-1"}),
        ),
        // 2005–06 style: no spaces inside the asterisks.
        e(
            "17340-8.txt",
            (28, 6201),
            "Marianela",
            "Madrid.--Enero de 1878.",
            &[],
            json!({"title": "Marianela", "author": "Benito Pérez Galdós", "release_date": "December 17, 2005",
                 "language": "Spanish", "ebook": 17340, "charset": "ISO-8859-1"}),
        ),
        e(
            "22367-8.txt",
            (32, 1952),
            "DIE VERWANDLUNG",
            "Tochter als erste sich erhob und ihren jungen Körper dehnte.",
            &[],
            json!({"title": "Die Verwandlung", "author": "Franz Kafka", "release_date": "August 21, 2007",
                 "language": "German", "ebook": 22367, "charset": "ISO-8859-1"}),
        ),
        e(
            "2701.txt",
            (32, 21743),
            "MOBY DICK; OR THE WHALE",
            "orphan.",
            &["project at Virginia Tech and one from Project Gutenberg's archives. The"],
            json!({"title": "Moby Dick; or The Whale", "author": "Herman Melville", "release_date": "June, 2001",
                 "language": "English", "ebook": 2701, "charset": "ASCII"}),
        ),
        // An old etext title block, `***`, credits and two thank-you notes
        // follow the START line before the book's own title page.
        e(
            "4650-8.txt",
            (46, 3989),
            "OEUVRES",
            "FIN DE CANDIDE.",
            &[],
            json!({"title": "Candide", "author": "Voltaire", "release_date": "November, 2003",
                 "language": "French", "ebook": 4650, "charset": "ISO-8859-1"}),
        ),
        e(
            "7000-8.txt",
            (39, 23188),
            "Kalevala",
            "kansassa kasuavassa.",
            &["The FLF has also given Project Gutenberg permission to also post their"],
            json!({"title": "The Kalevala", "author": "Elias Lönnrot", "release_date": "November, 2004",
                 "language": "Finnish", "ebook": 7000, "charset": "ISO-8859-1"}),
        ),
        // The title wraps onto an indented line in the header.
        e(
            "84-0.txt",
            (33, 7452),
            "Frankenstein;",
            "lost in darkness and distance.",
            &[],
            json!({"title": "Frankenstein\nor The Modern Prometheus", "author": "Mary Wollstonecraft (Godwin) Shelley",
                 "release_date": "June 17, 2008", "language": "English", "ebook": 84, "charset": "UTF-8"}),
        ),
        e(
            "844.txt",
            (43, 3133),
            "The Importance of Being Earnest",
            "TABLEAU",
            &[],
            json!({"title": "The Importance of Being Earnest\nA Trivial Comedy for Serious People", "author": "Oscar Wilde",
                 "release_date": "August 29, 2006", "language": "English", "ebook": 844, "charset": "ISO-646-US (US-ASCII)"}),
        ),
        // 1993: the SMALL PRINT comes before the text and there are no
        // START/END lines; title and author only in the opening statement.
        e(
            "frank10.txt",
            (246, 7679),
            "Frankenstein, or the Modern Prometheus",
            "and lost in darkness and distance.",
            &[],
            json!({"title": "Frankenstein", "author": "Mary Shelley", "release_date": "October 31, 1993", "ebook": 84}),
        ),
        // 2004: a comma after EBOOK, and the old SMALL PRINT after the text.
        e(
            "kalev10.txt",
            (46, 23195),
            "Kalevala",
            "kansassa kasuavassa.",
            &["The FLF has also given Project Gutenberg permission to also post their"],
            json!({"title": "The Kalevala", "author": "Compiled and edited by Elias Lönnrot", "release_date": "November, 2004",
                 "language": "Finnish", "ebook": 7000, "charset": "Latin-4"}),
        ),
        // 2021 style, LF endings, no character set line.
        e(
            "pg2701.txt",
            (27, 21958),
            "MOBY-DICK;",
            "children, only found another orphan.",
            &["project at Virginia Tech and one from Project Gutenberg’s archives. The"],
            json!({"title": "Moby Dick; Or, The Whale", "author": "Herman Melville", "release_date": "July 1, 2001",
                 "language": "English", "ebook": 2701}),
        ),
    ]
}

/// Phrases of Gutenberg's headers, licences and footers; none may be left.
const LICENCE_PHRASES: [&str; 11] = [
    "project gutenberg license",
    "project gutenberg-tm",
    "small print",
    "start of the project gutenberg",
    "start of this project gutenberg",
    "end of the project gutenberg",
    "end of this project gutenberg",
    "end of project gutenberg",
    "start: full license",
    "this file should be named",
    "www.gutenberg",
];

/// Checks what every cleaned real file must satisfy; returns the problems.
fn generic_problems(file: &str, cleaned: &gutenpipe::gutenberg::Cleaned) -> Vec<String> {
    let mut problems = Vec::new();
    let text = &cleaned.text;
    if !cleaned.warnings.is_empty() {
        problems.push(format!("{file}: warnings {:?}", cleaned.warnings));
    }
    if cleaned.start_marker.is_none() || cleaned.end_marker.is_none() {
        problems.push(format!("{file}: a marker was not found"));
    }
    let lower = text.to_lowercase();
    for phrase in LICENCE_PHRASES {
        if lower.contains(phrase) {
            problems.push(format!("{file}: `{phrase}` left in the text"));
        }
    }
    if text.contains('\r') || text.contains('\u{FEFF}') {
        problems.push(format!("{file}: a CR or a BOM left in the text"));
    }
    if text.lines().next().is_none_or(|l| l.trim().is_empty()) {
        problems.push(format!("{file}: blank lines before the book"));
    }
    if text.ends_with(char::is_whitespace) {
        problems.push(format!("{file}: blank lines after the book"));
    }
    let italic =
        gutenpipe::stages::words(text, false).find(|w| w.starts_with('_') || w.ends_with('_'));
    if let Some(w) = italic {
        problems.push(format!("{file}: the word `{w}` carries italic markup"));
    }
    problems
}

#[test]
#[ignore = "needs GUTENPIPE_REAL_CORPUS"]
fn every_real_file_cleans_to_the_book_alone() {
    let dir = real_corpus();
    let expected = expectations();
    let mut problems = Vec::new();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .txt files in {}", dir.display());
    for file in &files {
        let raw = decode(&std::fs::read(dir.join(file)).unwrap(), None).text;
        let cleaned = gutenpipe::gutenberg::clean(&raw);
        problems.extend(generic_problems(file, &cleaned));
        let Some(exp) = expected.iter().find(|e| e.file == file) else {
            eprintln!("{file}: no line-by-line expectations; checked generically");
            continue;
        };
        let text = &cleaned.text;
        let first = text.lines().next().unwrap_or("");
        let last = text.lines().last().unwrap_or("");
        if first.trim() != exp.first || last.trim() != exp.last {
            problems.push(format!(
                "{file}: kept text runs from {first:?} to {last:?}, not {:?} to {:?}",
                exp.first, exp.last
            ));
        }
        let (from, to) = exp.lines;
        let book: Vec<&str> = raw
            .trim_start_matches('\u{FEFF}')
            .split('\n')
            .skip(from - 1)
            .take(to - from + 1)
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        let book = gutenpipe::gutenberg::markup::undo_italics(&book.join("\n")).into_owned();
        if *text != book {
            problems.push(format!(
                "{file}: kept text ({} lines) is not lines {from}–{to} of the file",
                text.lines().count()
            ));
        }
        let naming: Vec<&str> = text
            .lines()
            .filter(|l| l.to_lowercase().contains("gutenberg"))
            .collect();
        if naming != exp.gutenberg_lines {
            problems.push(format!("{file}: lines naming Gutenberg: {naming:?}"));
        }
        let metadata = serde_json::to_value(&cleaned.metadata).unwrap();
        if metadata != exp.metadata {
            problems.push(format!("{file}: metadata {metadata} ≠ {}", exp.metadata));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[ignore = "needs GUTENPIPE_REAL_CORPUS"]
fn real_files_through_the_pipeline_come_out_clean_with_their_metadata() {
    let dir = real_corpus();
    let served = first_served(&dir);
    let mirror = mirror(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t");
    let ids: Vec<String> = served.keys().map(u32::to_string).collect();
    let extra = [
        "--stages",
        "clean,tokenize,wordfreq,stats",
        "--emit",
        "text,counts",
        "--no-sync",
    ];
    let (o, report) = run_books(&mirror, &ids.join(","), &out, &extra);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let run = &report["runs"][0];
    for (book, (id, file)) in run["books"].as_array().unwrap().iter().zip(&served) {
        assert_eq!(book["id"], *id);
        let raw = decode(&std::fs::read(file).unwrap(), None).text;
        let cleaned = gutenpipe::gutenberg::clean(&raw);
        assert_eq!(
            book["metadata"],
            serde_json::to_value(&cleaned.metadata).unwrap(),
            "ebook {id}"
        );
        assert_eq!(book["metadata"]["ebook"], *id, "ebook {id}");
        assert!(book.get("warnings").is_none(), "ebook {id}: {book}");
        let tokens = cleaned.text.unicode_words().count() as u64;
        assert_eq!(book["results"]["tokenize"]["tokens"], tokens, "ebook {id}");
        assert_eq!(book["results"]["stats"]["tokens"], tokens, "ebook {id}");
        let emitted = std::fs::read_to_string(out.join(format!("text/PG{id}_text.txt"))).unwrap();
        assert_eq!(emitted, format!("{}\n", cleaned.text), "ebook {id}");
    }
    assert_eq!(run["corpus"]["clean"]["books_without_start_marker"], 0);
}
