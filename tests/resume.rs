//! Saves that never lose a byte: the manifest, resume without a request,
//! `--force`, damaged and missing files fetched again, temporaries of killed
//! runs cleaned up, and runs killed with SIGKILL at several points completed
//! by a rerun.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use gutenpipe::latency::LatencyModel;
use serde_json::Value;

fn resumed(report: &Value) -> usize {
    report["runs"][0]["books"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["resumed"] == true)
        .count()
}

/// Every book file in `dir` is whole (equal to its corpus file), no
/// temporary file is left when `no_temporaries`, and the manifest matches.
fn assert_only_whole_books(corpus: &TestCorpus, dir: &Path, no_temporaries: bool) -> usize {
    let mut books = 0;
    for name in files_in(dir) {
        let name = name.to_str().unwrap().to_string();
        if name.ends_with(".part") {
            assert!(!no_temporaries, "temporary file left: {name}");
            continue;
        }
        if name == "manifest.jsonl" {
            continue;
        }
        let id: u32 = name.trim_end_matches(".txt").parse().unwrap();
        let entry = corpus.catalog.iter().find(|e| e.id.0 == id).unwrap();
        let saved = std::fs::read(dir.join(&name)).unwrap();
        assert!(saved == corpus.bytes(entry), "{name} is not whole");
        books += 1;
    }
    assert_manifest_matches_files(dir);
    books
}

#[test]
fn a_rerun_resumes_refetches_what_is_damaged_and_force_fetches_all() {
    let corpus = TestCorpus::new(20, 31);
    let mirror = mirror(corpus.path());
    let ids = id_list(&corpus.catalog);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let (o, first) = run_books(&mirror, &ids, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(assert_manifest_matches_files(&out), 20);
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    let line: Value = serde_json::from_str(manifest.lines().next().unwrap()).unwrap();
    for key in ["id", "url", "bytes", "sha256", "encoding", "saved_at"] {
        assert!(!line[key].is_null(), "manifest lacks {key}: {line}");
    }

    // Everything saved: no request at all, and the same results.
    let before = mirror.stats().requests.load(Ordering::Relaxed);
    let (o, second) = run_books(&mirror, &ids, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mirror.stats().requests.load(Ordering::Relaxed), before);
    assert_eq!(resumed(&second), 20);
    assert!(stdout(&o).contains("resumed: 20 books"), "{}", stdout(&o));
    assert_eq!(first["runs"][0]["corpus"], second["runs"][0]["corpus"]);

    // A damaged file, a missing one and a dead run's temporary.
    let damaged = &corpus.catalog[3];
    let missing = &corpus.catalog[7];
    let mut bytes = corpus.bytes(damaged);
    bytes[100] ^= 0x20;
    std::fs::write(out.join(format!("{}.txt", damaged.id)), &bytes).unwrap();
    std::fs::remove_file(out.join(format!("{}.txt", missing.id))).unwrap();
    let leftover = out.join(format!(".{}.txt.0.12.part", damaged.id));
    std::fs::write(&leftover, b"half a bo").unwrap();
    let before_served = mirror.stats().served.load(Ordering::Relaxed);
    let (o, third) = run_books(&mirror, &ids, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        mirror.stats().served.load(Ordering::Relaxed) - before_served,
        2,
        "only the damaged and the missing book are fetched"
    );
    assert_eq!(resumed(&third), 18);
    assert!(!leftover.exists(), "the leftover temporary was not removed");
    assert!(
        stderr(&o).contains("removed 1 temporary file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(assert_only_whole_books(&corpus, &out, true), 20);
    assert_eq!(assert_manifest_matches_files(&out), 20);

    // --force fetches every book again.
    let before_served = mirror.stats().served.load(Ordering::Relaxed);
    let (o, forced) = run_books(&mirror, &ids, &out, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(resumed(&forced), 0);
    assert_eq!(
        mirror.stats().served.load(Ordering::Relaxed) - before_served,
        20
    );
    assert_eq!(assert_only_whole_books(&corpus, &out, true), 20);
}

#[test]
fn runs_killed_at_several_points_are_completed_by_a_rerun() {
    let corpus = TestCorpus::new(150, 32);
    let mirror = mirror_with(
        corpus.path(),
        LatencyModel {
            latency: Duration::from_millis(4),
            ..LatencyModel::default()
        },
    );
    let ids = id_list(&corpus.catalog);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let spawn = |mode: &str| {
        Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
            .args([
                "run",
                "--source",
                &mirror.base_url(),
                "--ids",
                &ids,
                "--out",
                out.to_str().unwrap(),
                "--mode",
                mode,
                "--download-workers",
                "4",
                "--save-workers",
                "1",
                "--quiet",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let count_books = |dir: &Path| -> usize {
        std::fs::read_dir(dir).map_or(0, |d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".txt"))
                .count()
        })
    };
    // Kill while downloading, as soon as saving starts, with some books
    // saved, and with the manifest on disk.
    type Point<'a> = Box<dyn Fn() -> bool + 'a>;
    let served = &mirror.stats().served;
    let points: Vec<(&str, &str, Point)> = vec![
        ("mid-download", "staged", {
            let from = served.load(Ordering::Relaxed);
            Box::new(move || served.load(Ordering::Relaxed) >= from + 40)
        }),
        ("first save", "sequential", {
            let out = out.clone();
            Box::new(move || count_books(&out) >= 1)
        }),
        ("some saves", "staged", {
            let out = out.clone();
            Box::new(move || count_books(&out) >= 60)
        }),
        ("manifest written", "staged", {
            let out = out.clone();
            Box::new(move || out.join("manifest.jsonl").exists())
        }),
    ];
    let mut killed = 0;
    for (name, mode, reached) in &points {
        let mut child = spawn(mode);
        let start = Instant::now();
        loop {
            if reached() {
                child.kill().unwrap(); // SIGKILL
                let _ = child.wait();
                killed += 1;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                eprintln!("{name}: the run finished before the kill point");
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "{name}: stuck");
            std::thread::sleep(Duration::from_micros(500));
        }
        let whole = assert_only_whole_books(&corpus, &out, false);
        eprintln!("{name}: {whole} whole books on disk after the kill");
    }
    assert!(killed >= 2, "only {killed} of the kill points were reached");

    let (o, report) = run_books(&mirror, &ids, &out, &["--mode", "staged"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(report["runs"][0]["books_ok"], 150);
    assert_eq!(assert_only_whole_books(&corpus, &out, true), 150);
    assert_eq!(assert_manifest_matches_files(&out), 150);
}
