//! The command line refuses wrong input with a one-line message saying what
//! is wrong, exit code 1, and no request sent.

mod common;

use std::sync::atomic::Ordering;

use common::*;

/// Runs `run` against a live mirror and checks it was refused before any request.
fn refused(extra: &[&str], expect: &str) {
    let corpus = TestCorpus::new(1, 1);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let base = mirror.base_url();
    let out_arg = out.path().join("t");
    let mut args = vec!["run", "--source", &base, "--out", out_arg.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = gutenpipe(&args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(
        err.contains(expect),
        "{args:?}: expected `{expect}` in: {err}"
    );
    assert_eq!(
        mirror.stats().requests.load(Ordering::Relaxed),
        0,
        "{args:?} sent a request"
    );
}

#[test]
fn an_id_that_is_not_a_number() {
    refused(&["--ids", "84,moby"], "`moby` is not an ebook id");
}

#[test]
fn an_empty_id_list() {
    refused(&["--ids", ""], "empty");
    refused(&[], "no books chosen");
}

#[test]
fn an_unknown_mode() {
    refused(
        &["--ids", "84", "--mode", "parallel"],
        "invalid value 'parallel' for '--mode",
    );
}

#[test]
fn an_unknown_stage_lists_the_known_ones() {
    refused(
        &["--ids", "84", "--stages", "tokenise"],
        "unknown stage `tokenise`; the stages are: clean, tokenize, wordfreq, stats",
    );
}

#[test]
fn a_stage_named_twice_or_an_unknown_output() {
    refused(
        &["--ids", "84", "--stages", "clean,tokenize,clean"],
        "--stages: stage `clean` is named twice",
    );
    refused(
        &["--ids", "84", "--emit", "txt"],
        "invalid value 'txt' for '--emit",
    );
    refused(&["--ids", "84", "--top", "0"], "--top");
}

#[test]
fn zero_workers() {
    refused(
        &["--ids", "84", "--download-workers", "0"],
        "--download-workers",
    );
}

#[test]
fn a_bad_duration_or_size() {
    refused(&["--ids", "84", "--read-timeout", "30"], "no unit");
    refused(&["--ids", "84", "--max-bytes", "lots"], "not a size");
}

#[test]
fn a_url_without_an_id() {
    refused(
        &["--urls", "http://127.0.0.1:1/books/frankenstein.txt"],
        "no ebook id in",
    );
    refused(
        &["--urls", "ftp://example.org/84.txt"],
        "not an http:// or https:// URL",
    );
}

#[test]
fn an_ids_file_with_a_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ids.txt");
    std::fs::write(&file, "84\n# comment\n1342 x\n").unwrap();
    refused(
        &["--ids-file", file.to_str().unwrap()],
        "line 3: `x` is not an ebook id",
    );
    refused(
        &["--ids-file", "/no/such/file"],
        "could not read --ids-file",
    );
}

#[test]
fn an_unwritable_out_folder() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let corpus = TestCorpus::new(1, 1);
    let mirror = mirror(corpus.path());
    let out = blocker.join("texts");
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--ids",
        "84",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("--out: could not create the folder") && err.contains("a-file"),
        "{err}"
    );
    assert_eq!(mirror.stats().requests.load(Ordering::Relaxed), 0);
}

#[test]
fn a_bad_source() {
    let o = gutenpipe(&["run", "--source", "gutenberg.org", "--ids", "84"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "neither `embedded`, `gutenberg`, an http:// or https:// URL, nor a folder that exists"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_and_version_succeed() {
    let o = gutenpipe(&["run", "--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("--download-workers"));
    let o = gutenpipe(&["--version"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("gutenpipe "));
}

#[test]
fn corpus_command_is_reproducible() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [&a, &b] {
        let o = gutenpipe(&[
            "corpus",
            "--out",
            dir.path().to_str().unwrap(),
            "--books",
            "5",
            "--seed",
            "9",
            "--size-scale",
            "0.05",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("wrote 5 books"));
    }
    let names = files_in(a.path());
    assert_eq!(names.len(), 7, "5 books and 2 catalogs: {names:?}");
    assert_eq!(names, files_in(b.path()));
    for name in names {
        assert_eq!(
            std::fs::read(a.path().join(&name)).unwrap(),
            std::fs::read(b.path().join(&name)).unwrap(),
            "{name:?}"
        );
    }
    // A folder holding other things is not overwritten.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("thesis.tex"), "precious").unwrap();
    let o = gutenpipe(&[
        "corpus",
        "--out",
        other.path().to_str().unwrap(),
        "--books",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("is not empty and holds no corpus"));
    assert_eq!(
        std::fs::read_to_string(other.path().join("thesis.tex")).unwrap(),
        "precious"
    );
}

#[test]
fn mirror_command_prints_its_address_and_serves() {
    use std::io::{BufRead, BufReader, Read, Write};
    let corpus = TestCorpus::new(2, 2);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
        .args([
            "mirror",
            "--corpus",
            corpus.path().to_str().unwrap(),
            "--latency",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(
        line.starts_with("serving 2 books") && url.starts_with("http://127.0.0.1:"),
        "{line}"
    );
    let entry = &corpus.catalog[0];
    let mut s = std::net::TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    write!(
        s,
        "GET /files/{}/{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        entry.id, entry.file
    )
    .unwrap();
    let mut response = Vec::new();
    s.read_to_end(&mut response).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(response.ends_with(&corpus.bytes(entry)));
}

#[test]
fn wrong_selection_flags_are_refused_before_any_request() {
    refused(&["--language", "French"], "`French` is not a language code");
    refused(&["--author", " "], "the value is empty");
    refused(&["--limit", "0"], "--limit");
    refused(&["--limit", "2", "--random", "2"], "cannot be used with");
    refused(
        &["--catalog", "/no/such/catalog.csv", "--language", "en"],
        "--catalog: could not read the catalog /no/such/catalog.csv",
    );
    refused(
        &["--ids", "84,x", "--language", "en"],
        "`x` is not an ebook id",
    );
    refused(
        &["--catalog", "/no/such/catalog.csv"],
        "no books chosen: pass --ids 84,1342, --ids-file FILE or --urls URL, or choose from the catalog",
    );
}

#[test]
fn a_huge_selection_from_a_live_server_needs_a_limit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let mut csv =
        String::from("Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n");
    for id in 1..=1001 {
        csv.push_str(&format!(
            "{id},Text,2000-01-01,Book {id},en,\"Writer, A.\",,,\n"
        ));
    }
    std::fs::write(&file, csv).unwrap();
    refused(
        &["--catalog", file.to_str().unwrap(), "--language", "en"],
        "1001 books match language en, type Text: too many to download from a live server without saying so; add --limit N or --random N",
    );
    refused(
        &["--catalog", file.to_str().unwrap(), "--language", "de"],
        "no book in the catalog (1001 entries) matches language de",
    );
}
