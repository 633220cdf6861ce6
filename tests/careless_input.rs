//! What a careless user (or a hostile catalog) feeds gutenpipe: an id list
//! saved with a byte-order mark, `/dev/zero` for a file, `HTTP://` in capitals,
//! credentials in a URL, escape sequences in catalog fields.

mod common;

use common::*;

#[test]
fn an_id_list_with_a_byte_order_mark_is_read() {
    let corpus = TestCorpus::new(2, 61);
    let mirror = mirror(corpus.path());
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.txt");
    let list: String = corpus
        .catalog
        .iter()
        .map(|e| format!("{}\r\n", e.id))
        .collect();
    std::fs::write(&ids, format!("\u{FEFF}{list}")).unwrap();
    let out = dir.path().join("texts");
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--ids-file",
        ids.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-sync",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 ok"), "{}", stdout(&o));
}

#[test]
fn files_that_never_end_are_refused_at_once() {
    for (flag, extra) in [
        ("--ids-file", &[][..]),
        ("--catalog", &["--language", "en"][..]),
    ] {
        let mut args = vec![
            "run",
            "--source",
            "http://127.0.0.1:9",
            flag,
            "/dev/zero",
            "--out",
            "/nonexistent/x",
        ];
        args.extend_from_slice(extra);
        let o = gutenpipe(&args);
        assert_eq!(o.status.code(), Some(1), "{flag}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("/dev/zero is a device"),
            "{flag}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn schemes_in_capitals_work_and_credentials_are_never_recorded() {
    let corpus = TestCorpus::new(2, 62);
    let mirror = mirror(corpus.path());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("texts");
    let report = dir.path().join("r.json");
    let [a, b] = [&corpus.catalog[0], &corpus.catalog[1]];
    let host = mirror.base_url().replacen("http://", "", 1);
    let urls = format!(
        "HTTP://{host}/files/{}/{},http://reader:s3cret@{host}/files/{}/{}",
        a.id, a.file, b.id, b.file
    );
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url().replacen("http", "HTTP", 1),
        "--urls",
        &urls,
        "--out",
        out.to_str().unwrap(),
        "--json",
        report.to_str().unwrap(),
        "--no-sync",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for entry in [a, b] {
        assert!(
            std::fs::read(out.join(format!("{}.txt", entry.id))).unwrap() == corpus.bytes(entry)
        );
    }
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    let json = std::fs::read_to_string(&report).unwrap();
    for text in [&manifest, &json, &stdout(&o), &stderr(&o)] {
        assert!(!text.contains("s3cret"), "{text}");
    }
    assert!(
        manifest.contains(&format!("\"http://{host}/files/{}/{}\"", b.id, b.file)),
        "{manifest}"
    );
}

#[test]
fn catalog_fields_cannot_send_escape_sequences_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("pg_catalog.csv");
    std::fs::write(
        &catalog,
        "Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n\
         84,Text,1993-10-01,\"Frankenstein\u{1b}]0;owned\u{7}\u{1b}[2J\",en,\"Shelley, Mary\u{9b}31m\",Horror,PR,Gothic\n",
    )
    .unwrap();
    let o = gutenpipe(&[
        "books",
        "--catalog",
        catalog.to_str().unwrap(),
        "--language",
        "en",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Frankenstein"), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
}
