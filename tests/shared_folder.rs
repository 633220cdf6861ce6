//! The output folder is shared state: two runs into one folder never lose
//! each other's manifest entries, and a damaged manifest line never keeps a
//! run from starting.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use gutenpipe::latency::LatencyModel;

#[test]
fn two_runs_into_one_folder_keep_every_entry() {
    let corpus = TestCorpus::new(30, 51);
    let mirror = mirror_with(
        corpus.path(),
        LatencyModel {
            latency: Duration::from_millis(40),
            ..LatencyModel::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("texts");
    let (a, b) = corpus.catalog.split_at(15);
    let start = |ids: &str| {
        Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
            .args([
                "run",
                "--source",
                &mirror.base_url(),
                "--ids",
                ids,
                "--out",
                out.to_str().unwrap(),
                "--download-workers",
                "2",
                "--no-sync",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = start(&id_list(a));
    // The first run has taken the folder before the second starts.
    let lock = out.join(gutenpipe::lock::LOCK_FILE);
    for _ in 0..200 {
        if std::fs::read_to_string(&lock).is_ok_and(|t| t.trim() == first.id().to_string()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = start(&id_list(b));
    let first = first.wait_with_output().unwrap();
    let second = second.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("warning: another gutenpipe run (pid "),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        assert_manifest_matches_files(&out),
        30,
        "every book of both runs is listed"
    );
}

#[test]
fn a_manifest_line_that_is_not_utf8_is_skipped_with_a_note() {
    let corpus = TestCorpus::new(3, 52);
    let mirror = mirror(corpus.path());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("texts");
    let (o, _) = run_books(
        &mirror,
        &id_list(&corpus.catalog),
        &out,
        &["--no-sync", "--quiet"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let manifest = out.join("manifest.jsonl");
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes.extend_from_slice(b"{\"id\": 7, \"url\": \"\xff\"}\n");
    std::fs::write(&manifest, bytes).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let (o, report) = run_books(&mirror, &id_list(&corpus.catalog), &out, extra);
        assert_eq!(o.status.code(), Some(0), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("1 line(s)"), "{}", stderr(&o));
        assert_eq!(report["runs"][0]["books_ok"], 3);
    }
}
