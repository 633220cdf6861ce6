//! A shared output folder where someone planted symbolic links: at the names
//! gutenpipe's temporaries used to have (`.{file}.{pid}.{n}.part`, easy to
//! guess) and at the final names of books, the manifest and `--emit` files.
//! Nothing is ever written through a link: every target stays untouched.
//! Report paths that are links, FIFOs or devices are refused before any
//! download.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use common::*;
use gutenpipe::emit::{Emit, EmitKind};
use gutenpipe::fetch::{FetchConfig, Fetcher};
use gutenpipe::pipeline::{Pipeline, PipelineConfig};
use gutenpipe::record::Mode;
use gutenpipe::stages;
use gutenpipe::store::Store;

/// A file outside the output folder that links point at.
fn victim(dir: &Path, name: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, b"precious, not gutenpipe's").unwrap();
    p
}

#[test]
fn links_planted_at_temporary_and_final_names_are_never_followed() {
    let corpus = TestCorpus::new(4, 41);
    let mirror = mirror(corpus.path());
    let outside = tempfile::tempdir().unwrap();
    let out_parent = tempfile::tempdir().unwrap();
    let out = out_parent.path().join("shared");
    fs::create_dir(&out).unwrap();
    let pid = std::process::id();
    let mut targets = Vec::new();
    // The old, predictable temporaries of this process: books, manifest,
    // and --emit files in their folders.
    let mut names: Vec<(String, String)> = corpus
        .catalog
        .iter()
        .flat_map(|e| {
            [
                (String::new(), e.id.file_name()),
                ("text".to_string(), EmitKind::Text.file_name(e.id)),
            ]
        })
        .collect();
    names.push((String::new(), "manifest.jsonl".into()));
    names.push((String::new(), "results.jsonl".into()));
    fs::create_dir(out.join("text")).unwrap();
    for (folder, name) in &names {
        for n in 0..40 {
            let t = victim(outside.path(), &format!("t-{folder}-{name}-{n}"));
            symlink(&t, out.join(folder).join(format!(".{name}.{pid}.{n}.part"))).unwrap();
            targets.push(t);
        }
    }
    // A final name: that book fails, the others are saved.
    let first = &corpus.catalog[0];
    let final_target = victim(outside.path(), "final");
    symlink(&final_target, out.join(first.id.file_name())).unwrap();
    targets.push(final_target.clone());
    // A folder of --emit files that is a link to elsewhere is refused.
    let tokens_elsewhere = tempfile::tempdir().unwrap();
    symlink(tokens_elsewhere.path(), out.join("tokens")).unwrap();
    let emit_tokens = Emit {
        kinds: vec![EmitKind::Tokens],
        keep_case: false,
        sync: false,
        ..Emit::default()
    };
    let err = emit_tokens.prepare(&out).unwrap_err().to_string();
    assert!(err.contains("not a folder gutenpipe made"), "{err}");

    let emit = Emit {
        kinds: vec![EmitKind::Text],
        keep_case: false,
        sync: false,
        ..Emit::default()
    };
    emit.prepare(&out).unwrap();
    let store = Store::open(&out, false).unwrap();
    let config = PipelineConfig {
        download_workers: 2,
        save_workers: 2,
        cpu_workers: 2,
        stages: stages::select(&["clean".to_string(), "tokenize".to_string()]).unwrap(),
        emit,
        in_flight: 4,
        batch: 4,
        keep_spans: false,
    };
    let fetcher = Fetcher::new(FetchConfig::default(), Some(&mirror.base_url()));
    let requests = corpus.requests();
    let pipeline = Pipeline {
        fetcher: &fetcher,
        store: &store,
        config: &config,
    };
    for mode in [Mode::Sequential, Mode::Staged, Mode::Streamed] {
        let run = pipeline.run(mode, &requests).unwrap();
        store.flush().unwrap();
        assert_eq!(run.books_failed, 1, "{mode:?}");
        let err = run.books.to_vec().unwrap()[0].error.clone().unwrap();
        assert!(err.contains("it is a symbolic link"), "{err}");
        for t in &targets {
            assert_eq!(
                fs::read(t).unwrap(),
                b"precious, not gutenpipe's",
                "{}",
                t.display()
            );
        }
        for e in &corpus.catalog[1..] {
            assert!(fs::read(out.join(e.id.file_name())).unwrap() == corpus.bytes(e));
        }
        assert!(
            fs::symlink_metadata(out.join(first.id.file_name()))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    assert_eq!(assert_manifest_matches_files(&out), 3);
    assert_eq!(fs::read_dir(tokens_elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn report_paths_that_are_not_regular_files_are_refused_before_any_download() {
    let outside = tempfile::tempdir().unwrap();
    let target = victim(outside.path(), "victim");
    let link = outside.path().join("timeline.svg");
    symlink(&target, &link).unwrap();
    let fifo = outside.path().join("report.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = outside.path().join("texts");
    for (flag, path, says) in [
        ("--timeline", link.to_str().unwrap(), "a symbolic link"),
        ("--json", fifo.to_str().unwrap(), "a FIFO"),
        ("--trace", "/dev/full", "a device"),
        (
            "--json",
            "/proc/no/such/folder/r.json",
            "could not create its folder",
        ),
    ] {
        // A source that does not answer: the refusal must come first.
        let o = gutenpipe(&[
            "run",
            "--source",
            "http://127.0.0.1:9",
            "--ids",
            "1",
            "--out",
            out.to_str().unwrap(),
            flag,
            path,
        ]);
        assert_eq!(o.status.code(), Some(1), "{flag} {path}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{flag} {path}: ")),
            "{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
    assert_eq!(fs::read(&target).unwrap(), b"precious, not gutenpipe's");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device_like()
    );
}

trait CharDevice {
    fn is_char_device_like(&self) -> bool;
}

impl CharDevice for fs::FileType {
    fn is_char_device_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_char_device()
    }
}

#[test]
fn a_report_can_go_to_standard_output() {
    let corpus = TestCorpus::new(3, 42);
    let mirror = mirror(corpus.path());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("texts");
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--ids",
        &id_list(&corpus.catalog),
        "--out",
        out.to_str().unwrap(),
        "--json",
        "-",
        "--no-sync",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("stdout is the JSON report alone");
    assert_eq!(report["runs"][0]["books_ok"], 3);
    assert!(
        stderr(&o).contains("3 ok"),
        "the table goes to standard error: {}",
        stderr(&o)
    );
    assert!(!out.join("-").exists() && !Path::new("-").exists());
    let o = gutenpipe(&["run", "--ids", "1", "--json", "-", "--trace", "-"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("already writes to standard output"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn leftover_temporaries_of_emit_files_and_reports_are_removed_by_the_next_run() {
    let corpus = TestCorpus::new(2, 43);
    let mirror = mirror(corpus.path());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("texts");
    fs::create_dir_all(out.join("text")).unwrap();
    // What a run killed with SIGKILL leaves (pid 0 is never a live run).
    let leftovers = [
        out.join("text/.PG31_text.txt.0.3.part"),
        out.join(".results.jsonl.0.1.part"),
        out.join(".corpus_counts.txt.0.aB3dE5fG7hJ9.part"),
        out.join(".84.txt.0.kQ2mN4pR6sT8.part"),
        dir.path().join(".r.json.0.7.part"),
    ];
    for l in &leftovers {
        fs::write(l, b"partial").unwrap();
    }
    let report = dir.path().join("r.json");
    let o = gutenpipe(&[
        "run",
        "--source",
        &mirror.base_url(),
        "--ids",
        &id_list(&corpus.catalog),
        "--out",
        out.to_str().unwrap(),
        "--emit",
        "text,counts",
        "--json",
        report.to_str().unwrap(),
        "--no-sync",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for l in &leftovers {
        assert!(!l.exists(), "{} left", l.display());
    }
}
