//! A disk that refuses a write ends the run with a message naming the file
//! and the cause, exit code 3, no temporary file left, and every book saved
//! before it whole under its name.
//!
//! The refusal is real: the child process runs with a file-size limit
//! (RLIMIT_FSIZE) and SIGXFSZ ignored, so writing past the limit fails with
//! EFBIG ("File too large"), as a full disk fails with ENOSPC.
//!
//! In streamed mode the refusal comes while other books are downloading and
//! download workers wait for room in the pipeline: the run must still end
//! (a hang fails the test after a generous deadline) with the same message.

mod common;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;

fn run_with_file_size_limit(args: &[&str], limit: u64) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gutenpipe"));
    cmd.args(args);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let rl = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("gutenpipe runs");
    // Read the pipes on threads so a full pipe cannot stall the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    // Not a speed limit: a run that has not ended by then is stuck.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gutenpipe {args:?} did not end: a worker or channel is blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

#[test]
fn a_refused_write_stops_the_run_and_damages_nothing() {
    let corpus = TestCorpus::new(20, 12);
    let limit = 20_000;
    assert!(
        corpus.catalog.iter().any(|e| e.bytes > limit),
        "some book must exceed the limit"
    );
    assert!(
        corpus.catalog.iter().any(|e| e.bytes <= limit),
        "some book must fit"
    );
    // A little latency, so that streamed mode has downloads under way (and
    // workers waiting for room) when the write is refused.
    let mirror = mirror_with(
        corpus.path(),
        gutenpipe::latency::LatencyModel {
            latency: Duration::from_millis(20),
            ..Default::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let (workers, in_flight) = (4, 2);
    let first_refused = corpus.catalog.iter().position(|e| e.bytes > limit).unwrap();
    for mode in ["sequential", "staged", "streamed"] {
        let dir = out.path().join(mode);
        let served_before = mirror.stats().served.load(Ordering::Relaxed) as usize;
        let o = run_with_file_size_limit(
            &[
                "run",
                "--source",
                &mirror.base_url(),
                "--ids",
                &id_list(&corpus.catalog),
                "--mode",
                mode,
                "--out",
                dir.to_str().unwrap(),
                "--download-workers",
                &workers.to_string(),
                "--in-flight",
                &in_flight.to_string(),
            ],
            limit,
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(3), "{mode}: {err}");
        assert!(
            err.contains("could not write") && err.contains("File too large"),
            "{mode}: {err}"
        );
        assert!(
            err.contains(dir.to_str().unwrap()),
            "the message names the file: {err}"
        );
        assert_eq!(
            err.lines().count(),
            err.lines().filter(|l| !l.trim().is_empty()).count()
        );
        if mode == "streamed" {
            // The stop is real: downloads end soon after the refusal instead
            // of fetching every remaining book.
            let served = mirror.stats().served.load(Ordering::Relaxed) as usize - served_before;
            let bound = first_refused + 1 + in_flight + workers;
            assert!(bound < corpus.catalog.len(), "the corpus must show a stop");
            assert!(
                served <= bound,
                "{served} downloads after a stop (at most {bound})"
            );
        }
        for name in files_in(&dir) {
            let name = name.to_str().unwrap().to_string();
            assert!(
                !name.ends_with(".part"),
                "{mode}: temporary file left: {name}"
            );
            if name == "manifest.jsonl" {
                assert_manifest_matches_files(&dir);
                continue;
            }
            let id: u32 = name.trim_end_matches(".txt").parse().unwrap();
            let entry = corpus.catalog.iter().find(|e| e.id.0 == id).unwrap();
            let saved = std::fs::read(dir.join(&name)).unwrap();
            assert_eq!(saved, corpus.bytes(entry), "{mode}: {name} is not whole");
        }
    }
}
