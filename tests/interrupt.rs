//! Ctrl-C and SIGTERM against a real `gutenpipe run` (a child process)
//! downloading from the embedded mirror with latency: every book already
//! downloaded is saved and in the manifest, the exit code is 130, a short
//! summary says what was kept, and a rerun resumes those books. A second
//! Ctrl-C ends the process at once without a half-written file.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use gutenpipe::latency::LatencyModel;
use gutenpipe::mirror::Mirror;

const BOOKS: usize = 40;

fn slow_mirror(corpus: &TestCorpus) -> Mirror {
    mirror_with(
        corpus.path(),
        LatencyModel {
            latency: Duration::from_millis(120),
            ..LatencyModel::default()
        },
    )
}

fn start(mirror: &Mirror, ids: &str, out: &std::path::Path, mode: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_gutenpipe"))
        .args([
            "run",
            "--source",
            &mirror.base_url(),
            "--ids",
            ids,
            "--out",
            out.to_str().unwrap(),
            "--mode",
            mode,
            "--download-workers",
            "2",
            "--no-sync",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the mirror has served `n` books.
fn wait_for_downloads(mirror: &Mirror, n: u64) {
    let start = Instant::now();
    while mirror.stats().served.load(Ordering::SeqCst) < n {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no download started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: sends a signal to our own child process.
    let rc = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(rc, 0);
}

/// Waits for `child` to end, at most `limit`.
fn finish(mut child: Child, limit: Duration) -> (std::process::Output, Duration) {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return (child.wait_with_output().unwrap(), start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the run did not end {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_interrupted_run_keeps_every_book_it_downloaded_and_the_rerun_resumes_them() {
    let corpus = TestCorpus::new(BOOKS, 71);
    let ids = id_list(&corpus.catalog);
    let dir = tempfile::tempdir().unwrap();
    for (mode, sig) in [
        ("staged", libc::SIGINT),
        ("streamed", libc::SIGTERM),
        ("sequential", libc::SIGINT),
    ] {
        let mirror = slow_mirror(&corpus);
        let out = dir.path().join(mode);
        let child = start(&mirror, &ids, &out, mode);
        // Six books served: at most two (one per download worker) can be
        // cut by the signal before their last bytes are read.
        wait_for_downloads(&mirror, 6);
        signal(&child, sig);
        let (o, took) = finish(child, Duration::from_secs(15));
        assert_eq!(o.status.code(), Some(130), "{mode}: {}", stderr(&o));
        let served = mirror.stats().served.load(Ordering::SeqCst) as usize;
        let saved: Vec<_> = corpus
            .catalog
            .iter()
            .filter(|e| out.join(e.id.file_name()).exists())
            .collect();
        for e in &saved {
            assert!(
                std::fs::read(out.join(e.id.file_name())).unwrap() == corpus.bytes(e),
                "{mode}: ebook {}",
                e.id
            );
        }
        // Four were served; the two downloads under way when the signal
        // came may be cut before their last bytes were read.
        assert!(
            saved.len() >= 2,
            "{mode}: {} saved of {served} served",
            saved.len()
        );
        assert!(saved.len() < BOOKS, "{mode}: the run was not interrupted");
        // Every body that arrived whole was saved (a download cut by the
        // signal may have been served but not read to its end).
        assert!(
            saved.len() + 2 >= served,
            "{mode}: {} saved of {served} served",
            saved.len()
        );
        assert_eq!(assert_manifest_matches_files(&out), saved.len(), "{mode}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "interrupted: {} of {BOOKS} books are saved in",
                saved.len()
            )),
            "{mode}: {err}"
        );
        assert!(
            err.contains("Run the same command again to resume"),
            "{mode}: {err}"
        );
        assert!(
            took < Duration::from_secs(5),
            "{mode}: {took:?} after the signal"
        );

        // The rerun resumes what was saved and fetches the rest.
        let report = dir.path().join(format!("{mode}.json"));
        let o = gutenpipe(&[
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
            "8",
            "--no-sync",
            "--quiet",
            "--json",
            report.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{mode}: {}", stderr(&o));
        let resumed = read_report(&report)["runs"][0]["books"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["resumed"] == true)
            .count();
        assert_eq!(resumed, saved.len(), "{mode}");
        assert_eq!(assert_manifest_matches_files(&out), BOOKS, "{mode}");
    }
}

#[test]
fn a_second_ctrl_c_ends_the_run_at_once_leaving_nothing_half_written() {
    let corpus = TestCorpus::new(BOOKS, 72);
    let ids = id_list(&corpus.catalog);
    let mirror = mirror_with(
        corpus.path(),
        LatencyModel {
            latency: Duration::from_millis(50),
            bandwidth: Some(200_000),
            ..LatencyModel::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("texts");
    let child = start(&mirror, &ids, &out, "streamed");
    wait_for_downloads(&mirror, 3);
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(20));
    signal(&child, libc::SIGINT);
    let (o, _) = finish(child, Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    for e in &corpus.catalog {
        if let Ok(bytes) = std::fs::read(out.join(e.id.file_name())) {
            assert!(bytes == corpus.bytes(e), "ebook {} is half-written", e.id);
        }
    }
    // Whatever the manifest lists is whole; the next run finishes the job.
    assert_manifest_matches_files(&out);
    let (o, _) = run_books(&mirror, &ids, &out, &["--no-sync", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(assert_manifest_matches_files(&out), BOOKS);
    assert!(
        files_in(&out)
            .iter()
            .all(|f| !f.to_string_lossy().ends_with(".part"))
    );
}
