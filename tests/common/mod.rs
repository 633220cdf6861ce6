//! Helpers shared by the integration tests: small synthetic corpora, an
//! in-process mirror on 127.0.0.1, and running the `gutenpipe` binary.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gutenpipe::book::{BookRequest, Target};
use gutenpipe::corpus::{CatalogEntry, CorpusConfig, write_corpus};
use gutenpipe::latency::LatencyModel;
use gutenpipe::mirror::{FaultPlan, Mirror, MirrorConfig, MirrorLayout};
use tempfile::TempDir;

/// A small synthetic corpus in a temporary folder.
pub struct TestCorpus {
    pub dir: TempDir,
    pub catalog: Vec<CatalogEntry>,
}

impl TestCorpus {
    pub fn new(books: usize, seed: u64) -> TestCorpus {
        TestCorpus::scaled(books, seed, 0.03)
    }

    /// A corpus whose books are `size_scale` times Gutenberg's sizes.
    pub fn scaled(books: usize, seed: u64, size_scale: f64) -> TestCorpus {
        let dir = tempfile::tempdir().expect("temporary folder");
        let catalog = write_corpus(
            dir.path(),
            &CorpusConfig {
                books,
                seed,
                size_scale,
            },
        )
        .expect("corpus written");
        TestCorpus { dir, catalog }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A request for every book of the corpus, in catalog order, each to be
    /// looked for at the source's Gutenberg layouts.
    pub fn requests(&self) -> Vec<BookRequest> {
        self.catalog
            .iter()
            .enumerate()
            .map(|(index, e)| BookRequest {
                index,
                id: e.id,
                target: Target::Mirror,
            })
            .collect()
    }

    /// The bytes of the corpus file of book `entry`.
    pub fn bytes(&self, entry: &CatalogEntry) -> Vec<u8> {
        std::fs::read(self.path().join(&entry.file)).expect("corpus file")
    }
}

/// A mirror with no latency serving `dir` on 127.0.0.1.
pub fn mirror(dir: &Path) -> Mirror {
    mirror_with(dir, LatencyModel::default())
}

pub fn mirror_with(dir: &Path, latency: LatencyModel) -> Mirror {
    Mirror::start(
        MirrorConfig {
            corpus: dir.to_path_buf(),
            latency,
            ..MirrorConfig::default()
        },
        "127.0.0.1:0",
    )
    .expect("mirror started")
}

/// A mirror with no latency serving `dir` in `layout`.
#[allow(dead_code)]
pub fn mirror_in(dir: &Path, layout: MirrorLayout) -> Mirror {
    Mirror::start(
        MirrorConfig {
            corpus: dir.to_path_buf(),
            layout,
            ..MirrorConfig::default()
        },
        "127.0.0.1:0",
    )
    .expect("mirror started")
}

/// A mirror with no latency injecting the faults of `spec` with `seed`.
pub fn faulty_mirror(dir: &Path, spec: &str, seed: u64) -> Mirror {
    Mirror::start(
        MirrorConfig {
            corpus: dir.to_path_buf(),
            faults: FaultPlan::parse(spec, seed).expect("fault spec"),
            ..MirrorConfig::default()
        },
        "127.0.0.1:0",
    )
    .expect("mirror started")
}

/// Runs the `gutenpipe` binary with `args`, its output laid out as for a
/// file (no `COLUMNS`, whatever the environment of the tests).
pub fn gutenpipe(args: &[&str]) -> Output {
    gutenpipe_with(args, &[])
}

/// Runs the `gutenpipe` binary with `args` and the environment variables
/// `env` (`COLUMNS` unset unless given).
pub fn gutenpipe_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gutenpipe"));
    command.args(args).env_remove("COLUMNS").env(
        "GUTENPIPE_CACHE",
        std::env::temp_dir().join("gutenpipe-test-cache"),
    );
    command.envs(env.iter().copied());
    command.output().expect("gutenpipe runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `gutenpipe run --source MIRROR --ids IDS --out OUT` with `extra`
/// flags, the report going to `OUT.json` (so `out` should be a folder inside
/// a temporary one); returns the output and the report (`Null` if none).
pub fn run_books(
    mirror: &Mirror,
    ids: &str,
    out: &Path,
    extra: &[&str],
) -> (Output, serde_json::Value) {
    let report = out.with_extension("json");
    let base = mirror.base_url();
    let mut args = vec![
        "run",
        "--source",
        &base,
        "--ids",
        ids,
        "--out",
        out.to_str().expect("UTF-8 path"),
        "--json",
        report.to_str().expect("UTF-8 path"),
    ];
    args.extend_from_slice(extra);
    let o = gutenpipe(&args);
    let value = if report.exists() {
        read_report(&report)
    } else {
        serde_json::Value::Null
    };
    (o, value)
}

/// Reads a JSON report.
pub fn read_report(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("report written");
    serde_json::from_str(&text).expect("report is JSON")
}

/// Comma-separated ids of a catalog.
pub fn id_list(catalog: &[CatalogEntry]) -> String {
    catalog
        .iter()
        .map(|e| e.id.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Every file under `dir` but the folder's lock file, relative names, sorted.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| PathBuf::from(e.expect("entry").file_name()))
        .filter(|n| n.as_os_str() != gutenpipe::lock::LOCK_FILE)
        .collect();
    names.sort();
    names
}

/// Checks that every line of the manifest in `dir` describes its file there
/// exactly (size and SHA-256); returns the number of entries.
pub fn assert_manifest_matches_files(dir: &Path) -> usize {
    let path = dir.join("manifest.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return 0;
    };
    let mut n = 0;
    for line in text.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).expect("manifest line is JSON");
        let file = dir.join(format!("{}.txt", entry["id"]));
        let bytes = std::fs::read(&file).unwrap_or_else(|e| {
            panic!("manifest lists {} but: {e}", file.display());
        });
        assert_eq!(entry["bytes"], bytes.len() as u64, "{}", file.display());
        assert_eq!(
            entry["sha256"].as_str().unwrap(),
            gutenpipe::store::sha256_hex(&bytes),
            "{}",
            file.display()
        );
        n += 1;
    }
    n
}

/// The stage `name` of a run in a JSON report.
pub fn stage<'a>(run: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    run["stages"]
        .as_array()
        .expect("stages array")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {}", run["stages"]))
}

/// Every file under `dir`, relative path → bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.ends_with(gutenpipe::lock::LOCK_FILE) {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}
