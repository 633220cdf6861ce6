//! The timeline picture of one run: a Gantt chart with one row per worker
//! thread, grouped by pool, one bar per task coloured by its stage, a time
//! axis in seconds, and each pool's busy fraction beside its name. In a
//! staged run the barriers between stages show as dashed lines and idle
//! pools; in a streamed run the stages overlap.

use std::collections::BTreeMap;

use super::svg::{Svg, stage_colour, tick_label, tick_step};
use crate::record::RunReport;
use std::path::{Path, PathBuf};

use super::write_file;
use crate::record::{Mode, Span};
use crate::store::StoreError;
use crate::units::format_bytes;

const WIDTH: f64 = 1000.0;
const LABEL_X: f64 = 10.0;
const PLOT_LEFT: f64 = 120.0;
const PLOT_RIGHT: f64 = 975.0;

/// One pool's rows.
struct PoolRows<'a> {
    pool: &'a str,
    threads: usize,
    workers: Vec<(&'a str, Vec<&'a Span>)>,
    busy: f64,
}

/// The numeric suffix of a worker name (`download-12` → 12), for ordering.
pub(crate) fn worker_number(name: &str) -> usize {
    name.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The pools a run used, in the order of its stages.
pub(crate) fn pools_of(run: &RunReport) -> Vec<&str> {
    let mut order: Vec<&str> = Vec::new();
    let names = run.stages.iter().map(|s| s.pool.as_str());
    for pool in names.chain(run.spans.iter().map(|s| s.pool)) {
        if !order.contains(&pool) {
            order.push(pool);
        }
    }
    order
}

/// The threads of `pool` in `run` (its size, as the stages report it).
pub(crate) fn pool_threads(run: &RunReport, pool: &str) -> usize {
    run.stages
        .iter()
        .filter(|s| s.pool == pool)
        .map(|s| s.workers)
        .max()
        .unwrap_or(1)
}

fn pools(run: &RunReport) -> Vec<PoolRows<'_>> {
    let wall = run.wall_seconds.max(1e-9);
    pools_of(run)
        .into_iter()
        .map(|pool| {
            let mut by_worker: BTreeMap<(usize, &str), Vec<&Span>> = BTreeMap::new();
            for s in run.spans.iter().filter(|s| s.pool == pool) {
                by_worker
                    .entry((worker_number(&s.worker), &s.worker))
                    .or_default()
                    .push(s);
            }
            let threads = pool_threads(run, pool).max(by_worker.len());
            let busy: f64 = by_worker
                .values()
                .flatten()
                .map(|s| (s.end - s.start).max(0.0))
                .sum();
            PoolRows {
                pool,
                threads,
                busy: busy / (threads as f64 * wall),
                workers: by_worker.into_iter().map(|((_, w), s)| (w, s)).collect(),
            }
        })
        .collect()
}

fn duration(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1e3)
    } else {
        format!("{seconds:.2} s")
    }
}

/// The timeline of `run` as an SVG document.
pub fn render(run: &RunReport) -> String {
    let wall = run.wall_seconds.max(1e-6);
    let groups = pools(run);
    let rows: usize = groups.iter().map(|g| g.workers.len()).sum();
    let row_h = if rows <= 24 {
        12.0
    } else {
        (300.0 / rows as f64).clamp(4.0, 12.0)
    };
    let gap = if row_h >= 8.0 { 2.0 } else { 1.0 };
    let header_h = 20.0;
    let top = 62.0;
    let plot_h: f64 = groups
        .iter()
        .map(|g| header_h + g.workers.len() as f64 * (row_h + gap))
        .sum();
    let barrier_lines = if run.mode == Mode::Streamed {
        0.0
    } else {
        run.stages.len() as f64
    };
    let height = top + plot_h + 52.0 + 10.0 * barrier_lines;
    let x = |t: f64| PLOT_LEFT + t / wall * (PLOT_RIGHT - PLOT_LEFT);
    let mut svg = Svg::new(WIDTH, height);

    svg.text(
        LABEL_X,
        20.0,
        "start",
        15.0,
        &format!(
            "{} run: {} in {} — one row per worker thread, one bar per task",
            run.mode.name(),
            crate::units::count(run.books.len() as u64, "book", "books"),
            duration(run.wall_seconds)
        ),
        r#"font-weight="bold""#,
    );
    // Legend: the stages in the order run.
    let mut lx = LABEL_X;
    let failed = run.spans.iter().any(|s| !s.ok);
    let mut legend: Vec<(&str, &str)> = run
        .stages
        .iter()
        .map(|s| (s.name.as_str(), stage_colour(&s.name, s.colour)))
        .collect();
    if failed {
        legend.push(("failed", "#999999"));
    }
    for (name, colour) in legend {
        svg.rect(lx, 32.0, 12.0, 12.0, colour, None);
        svg.text(lx + 16.0, 42.0, "start", 11.0, name, "");
        lx += 24.0 + 7.0 * name.len() as f64;
    }
    svg.text(
        PLOT_RIGHT,
        42.0,
        "end",
        11.0,
        "busy: share of the run's wall time the pool's threads spent in tasks",
        r##"fill="#555""##,
    );

    // Time grid behind the rows.
    let step = tick_step(wall, 10);
    let bottom = top + plot_h;
    let mut t = 0.0;
    while t <= wall + 1e-9 {
        svg.line((x(t), top), (x(t), bottom), "#eeeeee", None);
        t += step;
    }

    let mut y = top;
    for g in &groups {
        svg.text(
            LABEL_X,
            y + 14.0,
            "start",
            12.0,
            &format!(
                "{} pool — {} thread{}, busy {:.0}%",
                g.pool,
                g.threads,
                if g.threads == 1 { "" } else { "s" },
                g.busy * 100.0
            ),
            r#"font-weight="bold""#,
        );
        y += header_h;
        for (worker, spans) in &g.workers {
            svg.rect(PLOT_LEFT, y, PLOT_RIGHT - PLOT_LEFT, row_h, "#f4f4f4", None);
            if row_h >= 8.0 {
                svg.text(
                    PLOT_LEFT - 6.0,
                    y + row_h - 2.0,
                    "end",
                    row_h - 2.0,
                    worker,
                    "",
                );
            }
            for s in spans {
                let colour = if s.ok {
                    stage_colour(&s.stage, run.stage(&s.stage).and_then(|st| st.colour))
                } else {
                    "#999999"
                };
                let id = run.books.id(s.book).map_or("?".into(), |id| id.to_string());
                let tip = format!(
                    "{} · ebook {id} · {} ({:.2}–{:.2} s) · {} · cpu {}{}",
                    s.stage,
                    duration(s.end - s.start),
                    s.start,
                    s.end,
                    format_bytes(s.bytes),
                    duration(s.cpu),
                    if s.ok { "" } else { " · failed" }
                );
                let w = (x(s.end) - x(s.start)).max(0.6);
                svg.rect(x(s.start), y, w, row_h, colour, Some(&tip));
            }
            y += row_h + gap;
        }
    }

    // Barriers: where each stage ended, in modes that wait for it. Labels
    // go on the first line below the rows where they do not overlap.
    if run.mode != Mode::Streamed {
        let mut line_ends: Vec<f64> = Vec::new();
        for stage in &run.stages {
            let end = run
                .spans
                .iter()
                .filter(|s| s.stage == stage.name)
                .map(|s| s.end)
                .fold(f64::NEG_INFINITY, f64::max);
            if !end.is_finite() {
                continue;
            }
            svg.line((x(end), top - 4.0), (x(end), bottom), "#555", Some("4 3"));
            let label = format!("{} done", stage.name);
            let width = 5.2 * label.chars().count() as f64;
            // Near the right edge the label goes to the left of its line.
            let (from, anchor) = if x(end) + 2.0 + width > WIDTH {
                (x(end) - 2.0 - width, "end")
            } else {
                (x(end) + 2.0, "start")
            };
            let line = match line_ends.iter().position(|e| from > *e) {
                Some(i) => i,
                None => {
                    line_ends.push(f64::NEG_INFINITY);
                    line_ends.len() - 1
                }
            };
            line_ends[line] = from + width + 4.0;
            let tx = if anchor == "end" { x(end) - 2.0 } else { from };
            svg.text(
                tx,
                bottom + 11.0 + 10.0 * line as f64,
                anchor,
                9.0,
                &label,
                r##"fill="#555""##,
            );
        }
    }

    // Time axis.
    let axis_y = bottom + 28.0 + 10.0 * barrier_lines;
    svg.line((PLOT_LEFT, axis_y), (PLOT_RIGHT, axis_y), "#333", None);
    let mut t = 0.0;
    while t <= wall + 1e-9 {
        svg.line((x(t), axis_y), (x(t), axis_y + 4.0), "#333", None);
        svg.text(
            x(t),
            axis_y + 15.0,
            "middle",
            10.0,
            &format!("{} s", tick_label(t, step)),
            "",
        );
        t += step;
    }
    svg.finish()
}

/// `FILE` for a single mode, `FILE-<mode>.ext` beside it for several.
pub fn timeline_path(path: &Path, mode: Mode, several: bool) -> PathBuf {
    if !several {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or("timeline".into(), |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", mode.name(), ext.to_string_lossy()),
        None => format!("{stem}-{}", mode.name()),
    };
    path.with_file_name(name)
}

/// Draws each run of `runs` as a timeline in `path` (one run) or beside
/// it (`path-<mode>.svg` for several); returns the files written.
pub fn write(runs: &[RunReport], path: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut written = Vec::new();
    for run in runs {
        let file = timeline_path(path, run.mode, runs.len() > 1);
        write_file(&file, render(run).as_bytes())?;
        written.push(file);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_modes_get_one_timeline_each() {
        let p = Path::new("results/timeline.svg");
        assert_eq!(timeline_path(p, Mode::Staged, false), p);
        assert_eq!(
            timeline_path(p, Mode::Streamed, true),
            Path::new("results/timeline-streamed.svg")
        );
    }
    use crate::record::StageReport;

    fn span(stage: &str, pool: &'static str, worker: &str, start: f64, end: f64) -> Span {
        Span {
            stage: stage.into(),
            pool,
            worker: worker.into(),
            book: 0,
            start,
            end,
            cpu: 0.0,
            bytes: 10,
            ok: true,
        }
    }

    #[test]
    fn rows_per_worker_and_busy_fraction_per_pool() {
        let spans = vec![
            span("download", "download", "download-1", 0.0, 1.0),
            span("download", "download", "download-0", 0.0, 2.0),
            span("tokenize", "rayon", "rayon-0", 2.0, 4.0),
        ];
        let run = RunReport {
            mode: Mode::Staged,
            out: "x".into(),
            wall_seconds: 4.0,
            books_ok: 1,
            books_suspect: 0,
            books_failed: 0,
            stages: vec![
                StageReport::from_spans("download", "download", 2, 2.0, &spans),
                StageReport::from_spans("tokenize", "rayon", 1, 2.0, &spans),
            ],
            corpus: BTreeMap::new(),
            headlines: Vec::new(),
            books: Default::default(),
            refresh: None,
            peak_rss_bytes: None,
            repeats: Vec::new(),
            statistics: None,
            spans,
        };
        let g = pools(&run);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].workers[0].0, "download-0");
        assert!((g[0].busy - 3.0 / 8.0).abs() < 1e-9);
        assert!((g[1].busy - 0.5).abs() < 1e-9);
        let svg = render(&run);
        assert!(svg.contains("download pool — 2 threads, busy 38%"), "{svg}");
        assert!(svg.contains("rayon pool — 1 thread, busy 50%"));
        assert_eq!(svg.matches("<title>").count(), 3);
        assert!(svg.contains("download done"));
    }
}
