//! Choosing books from Gutenberg's catalog: the synthetic corpus's
//! `pg_catalog.csv` read back, every filter, `--limit` and `--random`, bad
//! rows, the local cache, and selection through to downloaded books, all
//! against mirrors on 127.0.0.1.

mod common;

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::Ordering;

use common::*;
use gutenpipe::book::BookId;
use gutenpipe::catalog::fetch::catalog_url;
use gutenpipe::catalog::{Catalog, CatalogCache, Filters, Pick, Selection, parse};
use gutenpipe::corpus::{CatalogEntry, PG_CATALOG_FILE};

/// 40 books, 7 of them French (seed 7), and 4 audio books.
fn corpus() -> TestCorpus {
    TestCorpus::new(40, 7)
}

fn read_catalog(corpus: &TestCorpus) -> Catalog {
    let bytes = std::fs::read(corpus.path().join(PG_CATALOG_FILE)).unwrap();
    parse(&bytes, "synthetic").unwrap()
}

/// Runs `gutenpipe` with its cache folder in `cache`.
fn gutenpipe_cached(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
        .args(args)
        .env("GUTENPIPE_CACHE", cache)
        .output()
        .expect("gutenpipe runs")
}

fn ids_of(entries: &[&CatalogEntry]) -> Vec<u32> {
    entries.iter().map(|e| e.id.0).collect()
}

fn select(catalog: &Catalog, filters: Filters, pick: Pick) -> Vec<u32> {
    Selection { filters, pick }
        .apply(catalog)
        .books
        .iter()
        .map(|b| b.id.0)
        .collect()
}

fn texts() -> Filters {
    Filters {
        kind: Some("Text".into()),
        ..Filters::default()
    }
}

/// The saved books in `dir` (not the manifest beside them).
fn books_in(dir: &Path) -> Vec<std::path::PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "txt"))
        .collect()
}

/// The ids a `--format ids` listing printed.
fn listed(o: &Output) -> Vec<u32> {
    stdout(o)
        .lines()
        .map(|l| l.trim().parse().expect("an id a line"))
        .collect()
}

#[test]
fn the_synthetic_catalog_lists_every_book_and_some_audio_books() {
    let corpus = corpus();
    let catalog = read_catalog(&corpus);
    assert!(catalog.skipped.is_empty(), "{:?}", catalog.skipped);
    let text: Vec<_> = catalog.books.iter().filter(|b| b.kind == "Text").collect();
    assert_eq!(text.len(), corpus.catalog.len());
    for (row, entry) in text.iter().zip(&corpus.catalog) {
        assert_eq!(row.id, entry.id);
        assert_eq!(
            row.title, entry.title,
            "titles hold commas, so they are quoted"
        );
        assert_eq!(row.language, entry.language);
        // `First Last (synthetic author)` is catalogued `Last, First, synthetic author`.
        let name: Vec<&str> = entry.author.split_whitespace().take(2).collect();
        assert!(
            row.authors
                .starts_with(&format!("{}, {}, ", name[1], name[0])),
            "{} vs {}",
            row.authors,
            entry.author
        );
        assert_eq!(row.issued.len(), 10, "{}", row.issued);
        assert!(row.subjects.contains("Synthetic"), "{}", row.subjects);
    }
    let audio: Vec<_> = catalog.books.iter().filter(|b| b.kind == "Sound").collect();
    assert_eq!(audio.len(), 4, "one for every tenth book");
    for a in audio {
        assert!(a.id.0 > corpus.catalog.last().unwrap().id.0);
        assert!(corpus.catalog.iter().any(|e| e.title == a.title));
        let files = files_in(corpus.path());
        assert!(
            !files
                .iter()
                .any(|f| f.to_string_lossy().starts_with(&a.id.to_string())),
            "an audio book has no text file"
        );
    }
}

#[test]
fn each_filter_chooses_what_the_corpus_says() {
    let corpus = corpus();
    let catalog = read_catalog(&corpus);
    let entries: Vec<&CatalogEntry> = corpus.catalog.iter().collect();

    // Languages, against the corpus's own list of books.
    for code in ["en", "fr", "de", "es", "fi", "it"] {
        let expected: Vec<&CatalogEntry> = entries
            .iter()
            .copied()
            .filter(|e| e.language == code)
            .collect();
        let f = Filters {
            languages: vec![code.into()],
            ..texts()
        };
        assert_eq!(select(&catalog, f, Pick::All), ids_of(&expected), "{code}");
    }

    // An author, by the words of the name in another order and case.
    let someone = entries[5];
    let words: Vec<&str> = someone.author.split_whitespace().take(2).collect();
    let query = format!("{} {}", words[1].to_uppercase(), words[0]);
    let f = Filters {
        author: Some(query.clone()),
        ..texts()
    };
    let expected: Vec<&CatalogEntry> = entries
        .iter()
        .copied()
        .filter(|e| e.author.contains(words[0]) && e.author.contains(words[1]))
        .collect();
    assert!(ids_of(&expected).contains(&someone.id.0));
    assert_eq!(select(&catalog, f, Pick::All), ids_of(&expected), "{query}");

    // A title word; the audio book of the same title is left out by type.
    let word = someone
        .title
        .split_whitespace()
        .next()
        .unwrap()
        .to_lowercase();
    let expected: Vec<&CatalogEntry> = entries
        .iter()
        .copied()
        .filter(|e| e.title.to_lowercase().contains(&word))
        .collect();
    let f = Filters {
        title: Some(word.clone()),
        ..texts()
    };
    assert_eq!(select(&catalog, f, Pick::All), ids_of(&expected), "{word}");

    // Subjects and bookshelves: only books holding the words, and all of them.
    let holding = |field: fn(&gutenpipe::catalog::CatalogBook) -> &str, words: &str| {
        catalog
            .books
            .iter()
            .filter(|b| b.kind == "Text" && field(b).to_lowercase().contains(words))
            .map(|b| b.id.0)
            .collect::<Vec<_>>()
    };
    let sea = holding(|b| &b.subjects, "sea stories");
    assert!(!sea.is_empty() && sea.len() < entries.len());
    let f = Filters {
        subject: Some("Sea Stories".into()),
        ..texts()
    };
    assert_eq!(select(&catalog, f, Pick::All), sea);
    let mystery = holding(|b| &b.bookshelves, "synthetic mystery");
    assert!(!mystery.is_empty() && mystery.len() < entries.len());
    let f = Filters {
        bookshelf: Some("mystery".into()),
        ..texts()
    };
    assert_eq!(select(&catalog, f, Pick::All), mystery);

    // Types.
    let sound = Filters {
        kind: Some("sound".into()),
        ..Filters::default()
    };
    assert_eq!(select(&catalog, sound, Pick::All).len(), 4);
    assert_eq!(select(&catalog, Filters::default(), Pick::All).len(), 44);
    assert_eq!(
        select(&catalog, texts(), Pick::All),
        ids_of(&entries),
        "Text is every book"
    );

    // Filters combine: English sea stories are the English books among the sea stories.
    let english: HashSet<u32> = entries
        .iter()
        .filter(|e| e.language == "en")
        .map(|e| e.id.0)
        .collect();
    let f = Filters {
        languages: vec!["en".into()],
        subject: Some("sea stories".into()),
        ..texts()
    };
    let both: Vec<u32> = sea
        .iter()
        .copied()
        .filter(|id| english.contains(id))
        .collect();
    assert!(!both.is_empty() && both.len() < sea.len());
    assert_eq!(select(&catalog, f, Pick::All), both);
}

#[test]
fn limit_takes_the_first_and_random_draws_from_the_seed() {
    let corpus = corpus();
    let catalog = read_catalog(&corpus);
    let french = Filters {
        languages: vec!["fr".into()],
        ..texts()
    };
    let all = select(&catalog, french.clone(), Pick::All);
    assert_eq!(all.len(), 7);
    assert_eq!(select(&catalog, french.clone(), Pick::First(3)), all[..3]);
    let draw = |seed| select(&catalog, french.clone(), Pick::Random { count: 3, seed });
    let a = draw(1);
    assert_eq!(a.len(), 3);
    assert_eq!(a, draw(1));
    assert!(a.iter().all(|id| all.contains(id)));
    let draws: HashSet<Vec<u32>> = (0..10).map(draw).collect();
    assert!(draws.len() > 3, "different seeds draw different books");
}

#[test]
fn books_lists_the_first_french_books_without_downloading_any() {
    let corpus = corpus();
    let cache = tempfile::tempdir().unwrap();
    let dir = corpus.path().to_str().unwrap();
    let o = gutenpipe_cached(
        cache.path(),
        &["books", "--corpus", dir, "--language", "fr", "--limit", "5"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let french: Vec<&CatalogEntry> = corpus
        .catalog
        .iter()
        .filter(|e| e.language == "fr")
        .take(5)
        .collect();
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "a header and five books:\n{out}");
    assert!(lines[0].contains("id") && lines[0].contains("title") && lines[0].contains("author"));
    for (line, entry) in lines[1..].iter().zip(&french) {
        assert!(
            line.trim_start().starts_with(&entry.id.to_string()),
            "{line}"
        );
        let title: String = entry.title.chars().take(40).collect();
        assert!(line.contains(&title), "{line}");
        assert!(line.trim_end().ends_with("fr"), "{line}");
    }
    let err = stderr(&o);
    assert!(err.contains("catalog: 44 entries from"), "{err}");
    assert!(err.contains("5 of 7 matching entries"), "{err}");

    // --format ids and json, and --random with a seed.
    let ids = |extra: &[&str]| {
        let mut args = vec![
            "books",
            "--corpus",
            dir,
            "--language",
            "fr",
            "--format",
            "ids",
            "-q",
        ];
        args.extend_from_slice(extra);
        let o = gutenpipe_cached(cache.path(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stderr(&o), "", "--quiet");
        listed(&o)
    };
    let all = ids(&[]);
    assert_eq!(all.len(), 7);
    let a = ids(&["--random", "3", "--seed", "1"]);
    assert_eq!(a.len(), 3);
    assert_eq!(a, ids(&["--random", "3", "--seed", "1"]));
    assert_ne!(a, ids(&["--random", "3", "--seed", "4"]));
    assert!(a.iter().all(|id| all.contains(id)));
    let o = gutenpipe_cached(
        cache.path(),
        &[
            "books", "--corpus", dir, "--type", "sound", "--format", "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["type"], "Sound");
    assert!(rows[0]["title"].as_str().unwrap().contains("synthetic"));
}

#[test]
fn malformed_rows_are_skipped_with_a_counted_warning() {
    let corpus = corpus();
    let text = std::fs::read_to_string(corpus.path().join(PG_CATALOG_FILE)).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, "not-a-number,Text,2001-01-01,Broken,en,Nobody,,,");
    lines.insert(7, "900999,Text,2001-01-01,\"Too short\",en");
    lines.insert(12, "");
    lines.push("900998,Text,2001-01-01,\"Unclosed quote,en,Nobody,,,");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("pg_catalog.csv");
    std::fs::write(&bad, lines.join("\n")).unwrap();

    let o = gutenpipe_cached(
        dir.path(),
        &[
            "books",
            "--catalog",
            bad.to_str().unwrap(),
            "--format",
            "ids",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        listed(&o),
        ids_of(&corpus.catalog.iter().collect::<Vec<_>>())
    );
    let err = stderr(&o);
    assert!(
        err.contains(
            "warning: skipped 3 malformed catalog rows (line 4: `not-a-number` is not an ebook id"
        ),
        "{err}"
    );
    assert!(
        err.contains("; line 8: 5 fields instead of 9; line 49: 4 fields instead of 9)"),
        "{err}"
    );
}

#[test]
fn run_downloads_the_books_an_author_selection_chooses() {
    let corpus = corpus();
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let texts_dir = out.path().join("texts");
    let report = out.path().join("report.json");
    let someone = &corpus.catalog[12];
    let surname = someone.author.split_whitespace().nth(1).unwrap();
    let o = gutenpipe_cached(
        cache.path(),
        &[
            "run",
            "--corpus",
            corpus.path().to_str().unwrap(),
            "--latency",
            "0ms",
            "--author",
            &format!("{surname} synthetic"),
            "--limit",
            "3",
            "--out",
            texts_dir.to_str().unwrap(),
            "--json",
            report.to_str().unwrap(),
            "--no-sync",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let expected: Vec<&CatalogEntry> = corpus
        .catalog
        .iter()
        .filter(|e| e.author.to_lowercase().contains(&surname.to_lowercase()))
        .take(3)
        .collect();
    assert!(expected.iter().any(|e| e.id == someone.id));
    let saved = books_in(&texts_dir);
    assert_eq!(saved.len(), expected.len(), "{saved:?}");
    for e in &expected {
        let bytes = std::fs::read(texts_dir.join(e.id.file_name())).expect("saved");
        assert_eq!(bytes, corpus.bytes(e), "ebook {}", e.id);
    }
    let report = read_report(&report);
    let selection = &report["config"]["selection"];
    assert_eq!(selection["chosen"], expected.len());
    assert_eq!(selection["catalog_entries"], 44);
    assert!(selection["filters"].as_str().unwrap().contains(surname));
    assert_eq!(report["config"]["books"], expected.len());
}

#[test]
fn selections_add_to_ids_without_repeats() {
    let corpus = corpus();
    let mirror = mirror(corpus.path());
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.json");
    let french: Vec<BookId> = corpus
        .catalog
        .iter()
        .filter(|e| e.language == "fr")
        .map(|e| e.id)
        .collect();
    let german = corpus
        .catalog
        .iter()
        .find(|e| e.language == "de")
        .unwrap()
        .id;
    let ids = format!("{german},{}", french[1]);
    let o = gutenpipe_cached(
        cache.path(),
        &[
            "run",
            "--source",
            &mirror.base_url(),
            "--ids",
            &ids,
            "--language",
            "fr",
            "--limit",
            "2",
            "--out",
            out.path().join("t").to_str().unwrap(),
            "--json",
            report.to_str().unwrap(),
            "--no-sync",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_report(&report);
    let got: Vec<u64> = report["runs"][0]["books"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_u64().unwrap())
        .collect();
    let want: Vec<u64> = [german, french[1], french[0]]
        .iter()
        .map(|id| u64::from(id.0))
        .collect();
    assert_eq!(got, want, "ids first, then the selection, each book once");
}

#[test]
fn a_live_mirror_catalog_is_cached_and_refreshed_when_old() {
    let corpus = corpus();
    let cache = tempfile::tempdir().unwrap();
    let live = mirror(corpus.path());
    let base = live.base_url();
    let books = |extra: &[&str]| {
        let mut args = vec![
            "books",
            "--source",
            &base,
            "--language",
            "fr",
            "--format",
            "ids",
        ];
        args.extend_from_slice(extra);
        gutenpipe_cached(cache.path(), &args)
    };
    let requests = || live.stats().requests.load(Ordering::Relaxed);

    let o = books(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(listed(&o).len(), 7);
    assert!(
        stderr(&o).contains("downloaded now, cached in"),
        "{}",
        stderr(&o)
    );
    assert_eq!(requests(), 1);
    let cached = cache
        .path()
        .join("catalogs")
        .join(CatalogCache::file_name(&catalog_url(&base)));
    assert_eq!(
        std::fs::read(&cached).unwrap(),
        std::fs::read(corpus.path().join(PG_CATALOG_FILE)).unwrap()
    );

    let o = books(&[]);
    let err = stderr(&o);
    assert!(
        err.contains(", cached ") && err.contains(" s ago in "),
        "{err}"
    );
    assert_eq!(requests(), 1, "a young copy is used without asking");

    let o = books(&["--catalog-max-age", "0"]);
    assert!(stderr(&o).contains("downloaded now"), "{}", stderr(&o));
    assert_eq!(requests(), 2, "an old copy is downloaded again");

    // The mirror goes away: the old copy serves, with a warning.
    drop(live);
    let o = books(&["--catalog-max-age", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(listed(&o).len(), 7);
    let err = stderr(&o);
    assert!(
        err.contains("warning: could not refresh the catalog (could not connect to"),
        "{err}"
    );
    assert!(
        err.contains("a cached copy ") && err.contains(" s old"),
        "{err}"
    );

    // Downloads through a live mirror, chosen from its catalog.
    let live = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let o = gutenpipe_cached(
        cache.path(),
        &[
            "run",
            "--source",
            &live.base_url(),
            "--language",
            "fr",
            "--random",
            "2",
            "--seed",
            "5",
            "--download-workers",
            "2",
            "--out",
            out.path().to_str().unwrap(),
            "--no-sync",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "live source {}: at most 2 connections at once, no pause between requests",
            live.base_url()
        )),
        "{err}"
    );
    let saved = books_in(out.path());
    assert_eq!(saved.len(), 2);
    for name in saved {
        let entry = corpus
            .catalog
            .iter()
            .find(|e| e.id.file_name() == name.to_string_lossy())
            .expect("a corpus book");
        assert_eq!(entry.language, "fr");
        assert_eq!(
            std::fs::read(out.path().join(&name)).unwrap(),
            corpus.bytes(entry)
        );
    }
}

#[test]
fn a_mirror_without_a_catalog_falls_back_to_the_main_sites() {
    let corpus = TestCorpus::new(3, 1);
    std::fs::remove_file(corpus.path().join(PG_CATALOG_FILE)).unwrap();
    let live = mirror(corpus.path());
    // The main site's catalog is already in the cache and young, so nothing
    // leaves this machine.
    let cache = tempfile::tempdir().unwrap();
    let catalogs = cache.path().join("catalogs");
    std::fs::create_dir_all(&catalogs).unwrap();
    let main = catalog_url("https://www.gutenberg.org");
    std::fs::write(
        catalogs.join(CatalogCache::file_name(&main)),
        "Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n\
         1342,Text,1998-06-01,Pride and Prejudice,en,\"Austen, Jane, 1775-1817\",Love stories,PR,\n",
    )
    .unwrap();
    let o = gutenpipe_cached(
        cache.path(),
        &[
            "books",
            "--source",
            &live.base_url(),
            "--author",
            "austen",
            "--catalog-max-age",
            "1000d",
            "--format",
            "ids",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(listed(&o), vec![1342]);
    let err = stderr(&o);
    assert!(err.contains("has no catalog at"), "{err}");
    assert!(err.contains(&format!("{main}, cached")), "{err}");
    assert_eq!(live.stats().requests.load(Ordering::Relaxed), 1);

    // The embedded mirror on the same folder has no such fallback.
    let o = gutenpipe_cached(
        cache.path(),
        &[
            "books",
            "--corpus",
            corpus.path().to_str().unwrap(),
            "--author",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("pg_catalog.csv. The source has no catalog: pass --catalog FILE"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_unreachable_source_says_so_and_fails() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let cache = tempfile::tempdir().unwrap();
    let out = cache.path().join("texts");
    let source = format!("http://127.0.0.1:{port}");
    for command in [&["run", "--out", out.to_str().unwrap()][..], &["books"]] {
        let mut args = command.to_vec();
        args.extend(["--source", &source, "--language", "en", "--random", "3"]);
        let o = gutenpipe_cached(cache.path(), &args);
        assert_eq!(o.status.code(), Some(3), "{command:?}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("could not download the catalog: could not connect to {source}/cache/epub/feeds/pg_catalog.csv")),
            "{err}"
        );
        assert!(err.contains("Is there a network?"), "{err}");
    }
}
