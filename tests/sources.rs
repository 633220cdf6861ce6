//! Every kind of source gives the same books, byte for byte: a mirror in the
//! site's layout, a mirror of the main collection's numbered tree (8-bit,
//! ASCII and zip-only books included), a local copy in the numbered tree and
//! one of the generated files; `--refresh` asks the source about books
//! already saved and counts them unchanged or updated.

mod common;

use std::path::Path;
use std::sync::atomic::Ordering;

use common::*;
use gutenpipe::corpus::{CatalogEntry, CorpusConfig, CorpusLayout, write_corpus_as};
use gutenpipe::mirror::{Mirror, MirrorConfig, MirrorLayout};

const BOOKS: usize = 20;
const SEED: u64 = 12;

fn config() -> CorpusConfig {
    CorpusConfig {
        books: BOOKS,
        seed: SEED,
        size_scale: 0.02,
    }
}

/// The corpus of [`config`] written in `layout` into a temporary folder.
fn corpus_in(layout: CorpusLayout) -> (tempfile::TempDir, Vec<CatalogEntry>) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_corpus_as(dir.path(), &config(), layout).unwrap();
    (dir, catalog)
}

/// `gutenpipe run --source SOURCE --ids IDS --out OUT --json OUT.json`
/// with `extra`; the output and the report.
fn run_from(source: &str, ids: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let report = out.with_extension("json");
    let mut args = vec![
        "run",
        "--source",
        source,
        "--ids",
        ids,
        "--out",
        out.to_str().unwrap(),
        "--json",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = gutenpipe(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    read_report(&report)
}

/// Every book of `reference` saved in `out` with the reference's bytes.
fn assert_same_books(out: &Path, reference: &TestCorpus, source: &str) {
    for entry in &reference.catalog {
        let saved = std::fs::read(out.join(format!("{}.txt", entry.id)))
            .unwrap_or_else(|e| panic!("{source}: book {} not saved: {e}", entry.id));
        assert!(
            saved == reference.bytes(entry),
            "{source}: book {} ({}) differs from the corpus file",
            entry.id,
            entry.encoding
        );
    }
}

#[test]
fn the_same_books_come_out_byte_identical_from_every_source() {
    let reference = TestCorpus::scaled(BOOKS, SEED, 0.02);
    let encodings: std::collections::BTreeSet<&str> = reference
        .catalog
        .iter()
        .map(|e| e.encoding.as_str())
        .collect();
    assert_eq!(encodings.len(), 3, "UTF-8, 8-bit and ASCII books");
    let ids = id_list(&reference.catalog);
    let (numbered, numbered_catalog) = corpus_in(CorpusLayout::Numbered);
    let zips = numbered_catalog
        .iter()
        .filter(|e| e.file.ends_with(".zip"))
        .count();
    assert!(zips >= 2, "some books exist only zipped");
    let (epub, _) = corpus_in(CorpusLayout::Epub);
    let work = tempfile::tempdir().unwrap();

    // The embedded mirror's default layout is the site's.
    let site = mirror(reference.path());
    let tree = mirror_in(numbered.path(), MirrorLayout::Numbered);
    let numbered_dir = numbered.path().to_str().unwrap().to_string();
    let epub_url = format!("file://{}", epub.path().display());
    let sources = [
        ("site-mirror", site.base_url()),
        ("numbered-mirror", tree.base_url()),
        ("numbered-folder", numbered_dir),
        ("epub-folder", epub_url),
    ];
    for (name, source) in &sources {
        let out = work.path().join(name);
        let report = run_from(source, &ids, &out, &["--mode", "staged"]);
        assert_eq!(report["runs"][0]["books_ok"], BOOKS, "{name}");
        assert_same_books(&out, &reference, name);
    }
    // The default mirror answered every book at its first layout; the
    // numbered one found the zip-only books after their text files' 404s.
    assert_eq!(
        site.stats().requests.load(Ordering::Relaxed),
        BOOKS as u64,
        "no probe misses on a mirror in the site's layout"
    );
    let tree_requests = tree.stats().requests.load(Ordering::Relaxed);
    assert!(
        tree_requests > BOOKS as u64,
        "zip-only books cost extra requests: {tree_requests}"
    );
}

#[test]
fn a_folder_in_no_known_layout_is_refused_with_what_it_should_hold() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = gutenpipe(&[
        "run",
        "--source",
        empty.path().to_str().unwrap(),
        "--ids",
        "84",
        "--out",
        out.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("holds no Gutenberg books"),
        "{}",
        stderr(&o)
    );
}

/// Rewrites the corpus file of `entry` (in `dir`) with other words, so that
/// its size, time and ETag change.
fn update_book(dir: &Path, entry: &CatalogEntry) -> Vec<u8> {
    let path = dir.join(&entry.file);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 2;
    bytes.splice(at..at, b"An erratum corrected upstream. ".iter().copied());
    std::fs::write(&path, &bytes).unwrap();
    bytes
}

#[test]
fn refresh_asks_a_mirror_with_conditional_requests() {
    let corpus = TestCorpus::scaled(6, SEED, 0.02);
    // A mirror that keeps the files it served in memory: the book updated
    // on disk below must still be served with its new bytes.
    let mirror = Mirror::start(
        MirrorConfig {
            corpus: corpus.path().to_path_buf(),
            layout: MirrorLayout::Site,
            keep_bytes: 64 << 20,
            ..MirrorConfig::default()
        },
        "127.0.0.1:0",
    )
    .expect("mirror started");
    let ids = id_list(&corpus.catalog);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    run_from(&mirror.base_url(), &ids, &out, &[]);
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    assert!(manifest.contains("\"etag\""), "{manifest}");

    let changed = &corpus.catalog[2];
    let new_bytes = update_book(corpus.path(), changed);
    let before = mirror.stats().requests.load(Ordering::Relaxed);
    let report = run_from(&mirror.base_url(), &ids, &out, &["--refresh"]);
    let run = &report["runs"][0];
    assert_eq!(run["refresh"]["unchanged"], 5, "{run}");
    assert_eq!(run["refresh"]["updated"], 1, "{run}");
    assert_eq!(mirror.stats().not_modified.load(Ordering::Relaxed), 5);
    assert_eq!(
        mirror.stats().requests.load(Ordering::Relaxed) - before,
        6,
        "one conditional request a book"
    );
    assert_eq!(
        std::fs::read(out.join(format!("{}.txt", changed.id))).unwrap(),
        new_bytes
    );
    let book = run["books"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == changed.id.0)
        .unwrap();
    assert_eq!(book["refreshed"], "updated");

    // Without --refresh the saved books are trusted: nothing is asked.
    let before = mirror.stats().requests.load(Ordering::Relaxed);
    let report = run_from(&mirror.base_url(), &ids, &out, &[]);
    assert!(report["runs"][0]["refresh"].is_null());
    assert_eq!(mirror.stats().requests.load(Ordering::Relaxed), before);
}

#[test]
fn refresh_compares_size_and_time_in_a_local_folder() {
    let (numbered, catalog) = corpus_in(CorpusLayout::Numbered);
    let ids = catalog
        .iter()
        .take(5)
        .map(|e| e.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let source = numbered.path().to_str().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    run_from(source, &ids, &out, &[]);
    let changed = catalog
        .iter()
        .take(5)
        .find(|e| e.file.ends_with(".txt"))
        .unwrap();
    let new_bytes = update_book(numbered.path(), changed);
    let report = run_from(source, &ids, &out, &["--refresh"]);
    let run = &report["runs"][0];
    assert_eq!(run["refresh"]["unchanged"], 4, "{run}");
    assert_eq!(run["refresh"]["updated"], 1, "{run}");
    assert_eq!(
        std::fs::read(out.join(format!("{}.txt", changed.id))).unwrap(),
        new_bytes
    );
}

#[test]
#[ignore = "needs GUTENPIPE_REAL_CORPUS"]
fn real_gutenberg_files_in_a_numbered_tree_are_read_back_byte_identical() {
    let dir = std::env::var_os("GUTENPIPE_REAL_CORPUS")
        .expect("GUTENPIPE_REAL_CORPUS must name the folder of real Gutenberg files for this test");
    let dir = Path::new(&dir);
    let tree = tempfile::tempdir().unwrap();
    let mut books = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Files named as the main collection names them: 84-0.txt, 2701.txt.
        let Some(stem) = name.strip_suffix(".txt") else {
            continue;
        };
        let id = stem.trim_end_matches("-0").trim_end_matches("-8");
        let Ok(number) = id.parse::<u32>() else {
            continue;
        };
        let book = gutenpipe::book::BookId(number);
        let folder = tree
            .path()
            .join(gutenpipe::book::numbered_tree(book))
            .join(id);
        std::fs::create_dir_all(&folder).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        // Every other book only as a zip, as some older books are.
        if books.len() % 2 == 1 {
            let zip = gutenpipe::fetch::archive::zip_bytes(&[(&name, &bytes)]).unwrap();
            std::fs::write(folder.join(format!("{stem}.zip")), zip).unwrap();
        } else {
            std::fs::write(folder.join(&name), &bytes).unwrap();
        }
        books.push((book, bytes));
    }
    assert!(books.len() >= 8, "too few books in {}", dir.display());
    let ids = books
        .iter()
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let report = run_from(tree.path().to_str().unwrap(), &ids, &out, &[]);
    assert_eq!(report["runs"][0]["books_failed"], 0, "{report}");
    for (id, bytes) in &books {
        let saved = std::fs::read(out.join(format!("{id}.txt"))).unwrap();
        assert!(saved == *bytes, "book {id} differs from the real file");
    }
}
