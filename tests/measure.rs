//! Repeated runs, the trace, the timeline pictures and the sweep, as a user
//! gets them from the command line: fresh folders per run, statistics in the
//! report, files that open in Perfetto and in a browser, and output without
//! terminal escape codes when it is not a terminal.

mod common;

use common::*;
use serde_json::Value;

fn events<'a>(trace: &'a Value, ph: &str) -> Vec<&'a Value> {
    trace["traceEvents"]
        .as_array()
        .expect("traceEvents")
        .iter()
        .filter(|e| e["ph"] == ph)
        .collect()
}

#[test]
fn repeated_runs_pictures_and_trace() {
    let corpus = TestCorpus::new(8, 17);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let texts = out.path().join("texts");
    let trace = out.path().join("trace.json");
    let timeline = out.path().join("pictures/timeline.svg");
    let (o, report) = run_books(
        &mirror,
        &id_list(&corpus.catalog),
        &texts,
        &[
            "--mode",
            "staged,streamed",
            "--runs",
            "2",
            "--warmup",
            "1",
            "--trace",
            trace.to_str().unwrap(),
            "--timeline",
            timeline.to_str().unwrap(),
            "--no-sync",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (text, err) = (stdout(&o), stderr(&o));
    assert!(
        !text.contains('\x1b') && !err.contains('\x1b'),
        "no escape codes when not on a terminal:\n{err}"
    );
    assert!(text.contains("wall (mean ± σ)"), "{text}");
    assert!(text.contains("than staged"), "{text}");

    // Every timed run on a fresh folder of its own; the warmup's books gone.
    for mode in ["staged", "streamed"] {
        for run in ["run-1", "run-2"] {
            let dir = texts.join(mode).join(run);
            assert_eq!(
                files_in(&dir).len(),
                9,
                "8 books and the manifest in {}",
                dir.display()
            );
        }
        assert!(!texts.join(mode).join("warmup-1").exists());
    }

    assert_eq!(report["config"]["runs"], 2);
    assert_eq!(report["config"]["warmup"], 1);
    let runs = report["runs"].as_array().unwrap();
    for run in runs {
        let repeats = run["repeats"].as_array().unwrap();
        assert_eq!(repeats.len(), 2);
        assert!(repeats[0]["out"].as_str().unwrap().ends_with("run-1"));
        assert_eq!(run["out"], repeats[1]["out"], "the run shown is the last");
        let stats = &run["statistics"];
        assert_eq!(stats["runs"], 2);
        assert_eq!(stats["warmup"], 1);
        let walls: Vec<f64> = repeats
            .iter()
            .map(|r| r["wall_seconds"].as_f64().unwrap())
            .collect();
        let mean = stats["total"]["wall"]["mean"].as_f64().unwrap();
        assert!((mean - (walls[0] + walls[1]) / 2.0).abs() < 1e-9);
        let min = stats["total"]["wall"]["min"].as_f64().unwrap();
        assert_eq!(min, walls[0].min(walls[1]));
        assert!(stats["total"]["wall"]["stddev"].as_f64().unwrap() >= 0.0);
        let names: Vec<&str> = stats["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["download", "save", "decode", "clean", "tokenize", "stats"]
        );
    }
    assert!(runs[0]["statistics"]["total"].get("speedup").is_none());
    let speedup = &runs[1]["statistics"]["total"]["speedup"];
    assert_eq!(speedup["baseline"], "staged");
    let expected = runs[0]["statistics"]["total"]["wall"]["mean"]
        .as_f64()
        .unwrap()
        / runs[1]["statistics"]["total"]["wall"]["mean"]
            .as_f64()
            .unwrap();
    assert!((speedup["factor"].as_f64().unwrap() - expected).abs() < 1e-9);

    // The trace: one complete event per task, on named worker tracks.
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let tasks = events(&trace, "X");
    assert_eq!(
        tasks.len(),
        2 * 8 * 6,
        "two modes × eight books × six stages"
    );
    for e in &tasks {
        assert!(e["ts"].as_f64().unwrap() >= 0.0 && e["dur"].as_f64().unwrap() >= 0.0);
        assert!(e["pid"].is_u64() && e["tid"].is_u64());
        assert!(e["args"]["ebook"].is_u64());
        // Thread time, which Perfetto shows as the slice's CPU.
        let tdur = e["tdur"].as_f64().expect("tdur on every task");
        assert!(e["tts"].as_f64().expect("tts on every task") >= 0.0);
        assert!((tdur - e["args"]["cpu_ms"].as_f64().unwrap() * 1e3).abs() < 1.0);
    }
    // A thread's clock runs on: each task starts its thread time where the
    // one before it on that thread ended.
    let mut by_thread: std::collections::BTreeMap<(u64, u64), Vec<&Value>> = Default::default();
    for e in &tasks {
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        by_thread.entry(key).or_default().push(e);
    }
    for list in by_thread.values_mut() {
        list.sort_by(|a, b| {
            a["ts"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["ts"].as_f64().unwrap())
        });
        for w in list.windows(2) {
            let end = w[0]["tts"].as_f64().unwrap() + w[0]["tdur"].as_f64().unwrap();
            assert!((w[1]["tts"].as_f64().unwrap() - end).abs() < 0.5, "{w:?}");
        }
    }
    // Counter tracks: books in flight (never above the 8 books), books
    // waiting between steps, and the download rate, whose bytes add up
    // to the books'.
    let counters = events(&trace, "C");
    for (pid, run) in counters
        .iter()
        .map(|e| e["pid"].as_u64().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .zip(runs)
    {
        let series = |name: &str, key: &str| -> Vec<(f64, f64)> {
            counters
                .iter()
                .filter(|e| e["pid"] == pid && e["name"] == name)
                .map(|e| (e["ts"].as_f64().unwrap(), e["args"][key].as_f64().unwrap()))
                .collect()
        };
        let flight = series("books in flight", "books");
        let most = flight.iter().map(|p| p.1).fold(0.0, f64::max);
        assert!((1.0..=8.0).contains(&most), "{flight:?}");
        assert_eq!(flight.last().unwrap().1, 0.0, "none in flight at the end");
        assert!(!series("books waiting", "books").is_empty());
        let rate = series("download rate", "bytes/s");
        let bytes: f64 = rate
            .windows(2)
            .map(|w| w[0].1 * (w[1].0 - w[0].0) / 1e6)
            .sum();
        let downloaded = stage(run, "download")["bytes"].as_f64().unwrap();
        assert!(
            (bytes - downloaded).abs() < 0.01 * downloaded,
            "{bytes} of {downloaded}"
        );
    }
    let threads: Vec<&str> = events(&trace, "M")
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert!(threads.contains(&"download-0") && threads.contains(&"rayon-0"));
    let processes: Vec<&str> = events(&trace, "M")
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert!(
        processes
            .iter()
            .any(|p| p.starts_with("streamed · save pool"))
    );

    // One timeline per mode, a bar per task, pools named with their load.
    for mode in ["staged", "streamed"] {
        let path = out.path().join(format!("pictures/timeline-{mode}.svg"));
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        // A bar per task over the whole run (the processing may be
        // enlarged in a second panel, with bars of its own).
        let whole = svg.split(r#"<g id="processing-enlarged">"#).next().unwrap();
        assert_eq!(whole.matches("<title>").count(), 8 * 6, "{mode}");
        assert!(svg.contains("download pool — 16 threads, busy"), "{mode}");
        assert_eq!(
            svg.contains("books in flight") || svg.contains("in flight (at most"),
            mode == "streamed"
        );
        assert_eq!(svg.contains("download done"), mode == "staged");
    }
}

#[test]
fn sweep_measures_each_setting_beside_the_model() {
    let corpus = TestCorpus::new(6, 4);
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("sweep.json");
    let svg = out.path().join("sweep.svg");
    let books = out.path().join("books");
    let o = gutenpipe(&[
        "sweep",
        "--out",
        books.to_str().unwrap(),
        "--corpus",
        corpus.path().to_str().unwrap(),
        "--download-workers",
        "3,1",
        "--cpu-workers",
        "1,2",
        "--latency",
        "30ms",
        "--jitter",
        "0",
        "--bandwidth",
        "0",
        "--json",
        json.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("download workers"), "{}", stdout(&o));
    let report = read_report(&json);
    let download = report["download"].as_array().unwrap();
    let workers: Vec<u64> = download
        .iter()
        .map(|p| p["download_workers"].as_u64().unwrap())
        .collect();
    assert_eq!(workers, [1, 3]);
    // Six books of 30 ms each, no bandwidth limit: ⌈6/W⌉ × 30 ms.
    for (p, ideal) in download.iter().zip([0.18, 0.06]) {
        assert!((p["ideal_download_seconds"].as_f64().unwrap() - ideal).abs() < 1e-9);
        assert_eq!(p["cpu_workers"], 2);
        // Every response really waits its latency, so nothing beats the model.
        assert!(p["download_seconds"]["mean"].as_f64().unwrap() >= ideal);
    }
    let cpu = report["cpu"].as_array().unwrap();
    assert_eq!(cpu.len(), 2);
    assert!(cpu.iter().all(|p| p["download_workers"] == 3));
    assert!(
        cpu.iter()
            .all(|p| p["process_seconds"]["mean"].as_f64().unwrap() > 0.0)
    );
    let plot = std::fs::read_to_string(&svg).unwrap();
    assert!(plot.starts_with("<svg") && plot.trim_end().ends_with("</svg>"));
    assert!(plot.contains("Download stage: time") && plot.contains("latency model ideal"));
    // The books each run saved are deleted after it.
    assert!(files_in(&books).is_empty(), "{:?}", files_in(&books));
}

/// In streamed mode every stage's wall time is the window they share, so
/// the report tells waiting from computing by busy time and CPU ÷ busy:
/// the downloads (each waiting 40 ms for the server) near 0, `stats` (the
/// heavy CPU stage, on one worker) high — and compares the modes' stages
/// on busy time.
#[test]
fn streamed_runs_tell_waiting_from_computing_by_busy_time() {
    use gutenpipe::latency::LatencyModel;
    use std::time::Duration;

    let corpus = TestCorpus::scaled(6, 23, 0.2);
    let mirror = mirror_with(
        corpus.path(),
        LatencyModel {
            latency: Duration::from_millis(40),
            ..LatencyModel::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let csv_path = out.path().join("t.csv");
    let (o, report) = run_books(
        &mirror,
        &id_list(&corpus.catalog),
        &out.path().join("t"),
        &[
            "--mode",
            "sequential,streamed",
            "--stages",
            "stats",
            "--cpu-workers",
            "1",
            "--download-workers",
            "2",
            "--no-sync",
            "--export-csv",
            csv_path.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let streamed = &report["runs"][1];
    assert_eq!(streamed["mode"], "streamed");
    let figure =
        |stage_name: &str, field: &str| stage(streamed, stage_name)[field].as_f64().unwrap();
    for name in ["download", "save", "decode", "stats"] {
        let s = stage(streamed, name);
        let workers = s["workers"].as_f64().unwrap();
        let (busy, cpu) = (figure(name, "busy_seconds"), figure(name, "cpu_seconds"));
        assert!((figure(name, "busy_per_worker_seconds") - busy / workers).abs() < 1e-9);
        assert!(
            (figure(name, "cpu_per_busy") - cpu / busy).abs() < 1e-9,
            "{name}"
        );
    }
    let (download, stats) = (
        figure("download", "cpu_per_busy"),
        figure("stats", "cpu_per_busy"),
    );
    assert!(download < 0.2, "downloads wait: cpu/busy {download}");
    assert!(stats > 0.3, "stats computes: cpu/busy {stats}");
    assert!(stats > 4.0 * download, "{stats} against {download}");
    // Its wall is the shared window, so cpu/wall alone would call it waiting.
    assert!(figure("stats", "cpu_utilisation") < stats);
    let busy = streamed["statistics"]["stages"][0]["busy"]["mean"].as_f64();
    assert_eq!(busy, Some(figure("download", "busy_seconds")));

    let text = stdout(&o);
    let table = &text[text.find("streamed run").expect("the streamed table")..];
    let head = table.lines().nth(1).unwrap();
    assert!(head.contains("busy") && head.contains("cpu/busy"), "{text}");
    let comparison = &text[text.find("Comparison").expect("a comparison")..];
    for name in ["download", "save", "decode", "stats"] {
        let block = &comparison[comparison.find(&format!("\n{name} ")).unwrap()..];
        let streamed_row = block.lines().find(|l| l.starts_with("  streamed")).unwrap();
        assert!(
            streamed_row.ends_with("faster*") || streamed_row.ends_with("slower*"),
            "{text}"
        );
    }
    assert!(comparison.contains("* streamed stages overlap, so they are compared on busy time"));
    let total = &comparison[comparison.find("\ntotal ").unwrap()..];
    assert!(
        !total.lines().nth(2).unwrap().ends_with('*'),
        "totals on wall time: {text}"
    );

    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mode, name, on, ratio) = (
        column("mode"),
        column("stage"),
        column("speedup_on"),
        column("cpu_per_busy"),
    );
    for record in reader.records().map(Result::unwrap) {
        let expected = match (&record[mode], &record[name]) {
            ("sequential", _) => "",
            (_, "total") => "wall",
            _ => "busy",
        };
        assert_eq!(&record[on], expected, "{record:?}");
        assert_eq!(
            record[ratio].is_empty(),
            &record[name] == "total",
            "{record:?}"
        );
    }
}
