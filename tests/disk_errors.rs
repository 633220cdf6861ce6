//! A disk that refuses a write ends the run with a message naming the file
//! and the cause, exit code 3, no temporary file left, and every book saved
//! before it whole under its name.
//!
//! The refusal is real: the child process runs with a file-size limit
//! (RLIMIT_FSIZE) and SIGXFSZ ignored, so writing past the limit fails with
//! EFBIG ("File too large"), as a full disk fails with ENOSPC.

mod common;

use std::os::unix::process::CommandExt;
use std::process::Command;

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
    cmd.output().expect("gutenpipe runs")
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
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    for mode in ["sequential", "staged"] {
        let dir = out.path().join(mode);
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
