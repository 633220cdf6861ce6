//! The timeline picture of one run: a Gantt chart with one row per worker
//! thread, grouped by pool, one bar per task coloured by its stage — solid
//! for the share of the task spent on a CPU, pale for the rest — a time axis
//! in seconds, and beside each pool's name its busy and CPU fractions. In a
//! staged run the barriers between stages show as dashed lines and idle
//! pools; in a streamed run the stages overlap, and a panel under the rows
//! draws the books in flight and the books waiting between steps. A second
//! panel enlarges the processing (the steps after download and save) when it
//! is a small part of the run.

use std::collections::BTreeMap;

use super::occupancy::{self, Steps};
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
/// Where the first panel's rows start, under the title and the legend.
const TOP: f64 = 78.0;
const HEADER_H: f64 = 20.0;
/// The height of the panel of books in flight.
const OCCUPANCY_H: f64 = 76.0;
/// The colour of the books-in-flight line, and of the books-waiting one.
const IN_FLIGHT: &str = "#333333";
const WAITING: &str = "#d9534f";

/// One pool's rows.
struct PoolRows<'a> {
    pool: &'a str,
    threads: usize,
    workers: Vec<(&'a str, Vec<&'a Span>)>,
    /// Share of the threads' time (threads × the run's wall) in tasks.
    busy: f64,
    /// Share of the threads' time on a CPU.
    cpu: f64,
}

/// The height of a row and the gap under it.
#[derive(Clone, Copy)]
struct Rows {
    height: f64,
    gap: f64,
}

impl Rows {
    /// Rows for `count` worker threads: 12 px high, thinner when there are many.
    fn for_count(count: usize) -> Rows {
        let height = if count <= 24 {
            12.0
        } else {
            (300.0 / count as f64).clamp(4.0, 12.0)
        };
        Rows {
            height,
            gap: if height >= 8.0 { 2.0 } else { 1.0 },
        }
    }

    /// The height the rows of `groups` take, their headers included.
    fn total(&self, groups: &[&PoolRows<'_>]) -> f64 {
        groups
            .iter()
            .map(|g| HEADER_H + g.workers.len() as f64 * (self.height + self.gap))
            .sum()
    }
}

/// The stretch of the run a panel shows, from `t0` to `t1` seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Window {
    t0: f64,
    t1: f64,
}

impl Window {
    fn x(&self, t: f64) -> f64 {
        PLOT_LEFT + (t - self.t0) / (self.t1 - self.t0).max(1e-9) * (PLOT_RIGHT - PLOT_LEFT)
    }

    fn span(&self) -> f64 {
        self.t1 - self.t0
    }

    /// The times of the ticks: multiples of `step` inside the window.
    fn ticks(&self, step: f64) -> Vec<f64> {
        let mut t = (self.t0 / step).ceil() * step;
        let mut out = Vec::new();
        while t <= self.t1 + 1e-9 {
            out.push(t);
            t += step;
        }
        out
    }
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
            let spans = || by_worker.values().flatten();
            let busy: f64 = spans().map(|s| (s.end - s.start).max(0.0)).sum();
            let cpu: f64 = spans().map(|s| s.cpu.max(0.0)).sum();
            let capacity = threads as f64 * wall;
            PoolRows {
                pool,
                threads,
                busy: busy / capacity,
                cpu: cpu / capacity,
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

/// What follows the download: saving and the processing.
fn after_download(span: &Span) -> bool {
    span.stage != "download"
}

/// The stretch of the run the second panel enlarges: where the tasks after
/// the download ran, when that is at most half the run, else the quarter
/// of the run where they kept their threads busiest (`busiest`). `None`
/// when there are no such tasks, or the stretch would be most of the run.
fn zoom_window(run: &RunReport) -> Option<(Window, bool)> {
    let wall = run.wall_seconds.max(1e-9);
    let tasks: Vec<&Span> = run.spans.iter().filter(|s| after_download(s)).collect();
    let lo = tasks.iter().map(|s| s.start).reduce(f64::min)?;
    let hi = tasks.iter().map(|s| s.end).reduce(f64::max)?;
    let busiest = hi - lo > 0.5 * wall;
    let window = if !busiest {
        let pad = 0.03 * (hi - lo);
        Window {
            t0: (lo - pad).max(0.0),
            t1: (hi + pad).min(wall),
        }
    } else {
        let length = 0.25 * wall;
        let busy_in = |t0: f64| -> f64 {
            let t1 = t0 + length;
            tasks
                .iter()
                .map(|s| (s.end.min(t1) - s.start.max(t0)).max(0.0))
                .sum()
        };
        let starts = (0..=200).map(|i| (wall - length) * i as f64 / 200.0);
        let t0 = starts.max_by(|a, b| busy_in(*a).total_cmp(&busy_in(*b)))?;
        Window {
            t0,
            t1: t0 + length,
        }
    };
    (window.span() > 0.0 && window.span() < 0.9 * wall).then_some((window, busiest))
}

/// The timeline of `run` as an SVG document.
pub fn render(run: &RunReport) -> String {
    let groups = pools(run);
    let all: Vec<&PoolRows<'_>> = groups.iter().collect();
    let rows = Rows::for_count(groups.iter().map(|g| g.workers.len()).sum());
    let whole = Window {
        t0: 0.0,
        t1: run.wall_seconds.max(1e-6),
    };
    let zoom = zoom_window(run);
    let mut svg = Svg::new(WIDTH, 0.0);
    heading(&mut svg, run);
    svg.open_group("whole-run");
    let bottom = gantt(&mut svg, run, &all, whole, TOP, rows, true);
    let mut y = bottom;
    if run.mode == Mode::Streamed {
        y = in_flight_panel(&mut svg, run, whole, y + 6.0);
    }
    // The barriers are named in the second panel when it holds them all.
    let labels = zoom.is_none_or(|(_, busiest)| busiest);
    y = barriers(&mut svg, run, whole, (TOP, bottom), y, labels);
    y = axis(&mut svg, whole, y + 14.0);
    svg.close_group();
    if let Some((window, busiest)) = zoom {
        svg.open_group("processing-enlarged");
        y = processing_panel(&mut svg, run, &groups, (window, busiest), y + 24.0, rows);
        svg.close_group();
    }
    svg.set_height(y + 8.0);
    svg.finish()
}

/// The title, the legend of the stages and what the bars and figures mean.
fn heading(svg: &mut Svg, run: &RunReport) {
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
    let mut lx = LABEL_X;
    let mut legend: Vec<(&str, &str)> = run
        .stages
        .iter()
        .map(|s| (s.name.as_str(), stage_colour(&s.name, s.colour)))
        .collect();
    if run.spans.iter().any(|s| !s.ok) {
        legend.push(("failed", "#999999"));
    }
    for (name, colour) in legend {
        svg.rect(lx, 32.0, 12.0, 12.0, colour, None);
        svg.text(lx + 16.0, 42.0, "start", 11.0, name, "");
        lx += 24.0 + 7.0 * name.len() as f64;
    }
    svg.text(
        LABEL_X,
        62.0,
        "start",
        11.0,
        "Solid: the task's CPU time, as a share of its bar; pale: the rest (waiting). \
         busy and CPU: the share of the pool's threads' time (× the run's wall) spent in \
         tasks, and on a CPU.",
        r##"fill="#555""##,
    );
}

/// The rows of `groups` from `top` on, in `window`, with a header per
/// pool (its busy and CPU fractions when `figures`); returns their bottom.
fn gantt(
    svg: &mut Svg,
    run: &RunReport,
    groups: &[&PoolRows<'_>],
    window: Window,
    top: f64,
    rows: Rows,
    figures: bool,
) -> f64 {
    let bottom = top + rows.total(groups);
    for t in window.ticks(tick_step(window.span(), 10)) {
        svg.line((window.x(t), top), (window.x(t), bottom), "#eeeeee", None);
    }
    let mut y = top;
    for g in groups {
        let header = if figures {
            format!(
                "{} pool — {} thread{}, busy {:.0}%, CPU {:.0}%",
                g.pool,
                g.threads,
                if g.threads == 1 { "" } else { "s" },
                g.busy * 100.0,
                g.cpu * 100.0
            )
        } else {
            format!("{} pool", g.pool)
        };
        svg.text(
            LABEL_X,
            y + 14.0,
            "start",
            12.0,
            &header,
            r#"font-weight="bold""#,
        );
        y += HEADER_H;
        for (worker, spans) in &g.workers {
            worker_row(svg, run, worker, spans, window, y, rows);
            y += rows.height + rows.gap;
        }
    }
    bottom
}

/// One worker's row at `y`: its name and a bar per task inside `window`.
fn worker_row(
    svg: &mut Svg,
    run: &RunReport,
    worker: &str,
    spans: &[&Span],
    window: Window,
    y: f64,
    rows: Rows,
) {
    let h = rows.height;
    svg.rect(PLOT_LEFT, y, PLOT_RIGHT - PLOT_LEFT, h, "#f4f4f4", None);
    if h >= 8.0 {
        svg.text(PLOT_LEFT - 6.0, y + h - 2.0, "end", h - 2.0, worker, "");
    }
    for s in spans
        .iter()
        .filter(|s| s.end >= window.t0 && s.start <= window.t1)
    {
        let colour = if s.ok {
            stage_colour(&s.stage, run.stage(&s.stage).and_then(|st| st.colour))
        } else {
            "#999999"
        };
        let id = run.books.id(s.book).map_or("?".into(), |id| id.to_string());
        let length = s.end - s.start;
        let tip = format!(
            "{} · ebook {id} · {} ({:.3}–{:.3} s) · {} · cpu {}{}",
            s.stage,
            duration(length),
            s.start,
            s.end,
            format_bytes(s.bytes),
            duration(s.cpu),
            if s.ok { "" } else { " · failed" }
        );
        let (from, to) = (
            window.x(s.start.max(window.t0)),
            window.x(s.end.min(window.t1)),
        );
        let share = if length > 0.0 { s.cpu / length } else { 1.0 };
        svg.task_bar(from, y, (to - from).max(0.6), h, colour, share, &tip);
    }
}

/// The panel of books in flight and books waiting for their next step,
/// from `top` on; returns its bottom.
fn in_flight_panel(svg: &mut Svg, run: &RunReport, window: Window, top: f64) -> f64 {
    let (flight, waiting) = (occupancy::in_flight(run), occupancy::waiting(run));
    let peak = occupancy::peak(&flight).max(1);
    let (plot_top, plot_bottom) = (top + 22.0, top + OCCUPANCY_H - 4.0);
    let scale_top = plot_top + 6.0;
    svg.text(
        LABEL_X,
        top + 14.0,
        "start",
        12.0,
        "books",
        r#"font-weight="bold""#,
    );
    let mut lx = PLOT_LEFT;
    for (label, colour) in [
        (format!("in flight (at most {peak} at once)"), IN_FLIGHT),
        (
            "waiting for their next step (in a channel)".to_string(),
            WAITING,
        ),
    ] {
        svg.line((lx, top + 10.0), (lx + 18.0, top + 10.0), colour, None);
        svg.text(lx + 22.0, top + 14.0, "start", 11.0, &label, "");
        lx += 40.0 + 6.2 * label.chars().count() as f64;
    }
    svg.rect(
        PLOT_LEFT,
        plot_top,
        PLOT_RIGHT - PLOT_LEFT,
        plot_bottom - plot_top,
        "#f8f8f8",
        None,
    );
    let y = |n: usize| plot_bottom - n as f64 / peak as f64 * (plot_bottom - scale_top);
    for n in [0, peak] {
        svg.text(PLOT_LEFT - 6.0, y(n) + 4.0, "end", 10.0, &n.to_string(), "");
    }
    for (steps, colour, width) in [(&waiting, WAITING, 1.5), (&flight, IN_FLIGHT, 1.5)] {
        svg.polyline(&step_points(steps, window, &y), colour, width, None);
    }
    top + OCCUPANCY_H
}

/// The points of a step line through `steps`, from 0 at the window's
/// start to its end.
fn step_points(steps: &Steps, window: Window, y: &dyn Fn(usize) -> f64) -> Vec<(f64, f64)> {
    let mut points = vec![(window.x(window.t0), y(0))];
    let mut level = 0;
    for &(t, n) in steps {
        let x = window.x(t.clamp(window.t0, window.t1));
        points.push((x, y(level)));
        points.push((x, y(n)));
        level = n;
    }
    points.push((window.x(window.t1), y(level)));
    points
}

/// Where each stage ended, in modes that wait for it: a dashed line over
/// the rows (`rows` is their top and bottom), and, with `labels`, its name
/// on the first line under `below` where it does not overlap another.
/// Returns the bottom of the labels.
fn barriers(
    svg: &mut Svg,
    run: &RunReport,
    window: Window,
    rows: (f64, f64),
    below: f64,
    labels: bool,
) -> f64 {
    if run.mode == Mode::Streamed {
        return below;
    }
    let mut line_ends: Vec<f64> = Vec::new();
    for stage in &run.stages {
        let end = run
            .spans
            .iter()
            .filter(|s| s.stage == stage.name)
            .map(|s| s.end)
            .fold(f64::NEG_INFINITY, f64::max);
        if !end.is_finite() || end < window.t0 || end > window.t1 {
            continue;
        }
        let x = window.x(end);
        svg.line((x, rows.0 - 4.0), (x, rows.1), "#555", Some("4 3"));
        if !labels {
            continue;
        }
        let label = format!("{} done", stage.name);
        let width = 5.8 * label.chars().count() as f64;
        // Near the right edge the label goes to the left of its line.
        let (from, anchor) = if x + 2.0 + width > WIDTH - 4.0 {
            (x - 2.0 - width, "end")
        } else {
            (x + 2.0, "start")
        };
        let line = match line_ends.iter().position(|e| from > *e) {
            Some(i) => i,
            None => {
                line_ends.push(f64::NEG_INFINITY);
                line_ends.len() - 1
            }
        };
        line_ends[line] = from + width + 4.0;
        let tx = if anchor == "end" { x - 2.0 } else { from };
        let ty = below + 11.0 + 11.0 * line as f64;
        svg.text(tx, ty, anchor, 9.0, &label, r##"fill="#555""##);
    }
    below + 11.0 * line_ends.len() as f64
}

/// The time axis of `window` at `y`; returns the bottom of its labels.
fn axis(svg: &mut Svg, window: Window, y: f64) -> f64 {
    svg.line((PLOT_LEFT, y), (PLOT_RIGHT, y), "#333", None);
    let step = tick_step(window.span(), 10);
    for t in window.ticks(step) {
        let x = window.x(t);
        svg.line((x, y), (x, y + 4.0), "#333", None);
        let label = format!("{} s", tick_label(t, step));
        svg.text(x, y + 15.0, "middle", 10.0, &label, "");
    }
    y + 20.0
}

/// The processing enlarged: the rows of the pools that worked in `window`
/// (but the download pool's), their barriers and an axis of their own,
/// from `top` on; returns its bottom.
fn processing_panel(
    svg: &mut Svg,
    run: &RunReport,
    groups: &[PoolRows<'_>],
    (window, busiest): (Window, bool),
    top: f64,
    rows: Rows,
) -> f64 {
    let inside = |s: &&Span| after_download(s) && s.end >= window.t0 && s.start <= window.t1;
    let shown: Vec<&PoolRows<'_>> = groups
        .iter()
        .filter(|g| g.workers.iter().any(|(_, spans)| spans.iter().any(&inside)))
        .collect();
    svg.line(
        (LABEL_X, top - 12.0),
        (PLOT_RIGHT, top - 12.0),
        "#cccccc",
        None,
    );
    svg.text(
        LABEL_X,
        top + 6.0,
        "start",
        13.0,
        &format!(
            "Enlarged: {:.3}–{:.3} s ({:.0}% of the run), where {}",
            window.t0,
            window.t1,
            100.0 * window.span() / run.wall_seconds.max(1e-9),
            if busiest {
                "saving and processing kept their threads busiest"
            } else {
                "the steps after the download ran"
            }
        ),
        r#"font-weight="bold""#,
    );
    let first = top + 14.0;
    let bottom = gantt(svg, run, &shown, window, first, rows, false);
    let below = barriers(svg, run, window, (first, bottom), bottom, true);
    axis(svg, window, below + 14.0)
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
        let run = RunReport::for_tests(
            Mode::Staged,
            4.0,
            1,
            vec![
                StageReport::from_spans("download", "download", 2, 2.0, &spans),
                StageReport::from_spans("tokenize", "rayon", 1, 2.0, &spans),
            ],
            spans,
        );
        let g = pools(&run);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].workers[0].0, "download-0");
        assert!((g[0].busy - 3.0 / 8.0).abs() < 1e-9);
        assert!((g[1].busy - 0.5).abs() < 1e-9);
        let svg = render(&run);
        assert!(
            svg.contains("download pool — 2 threads, busy 38%, CPU 0%"),
            "{svg}"
        );
        assert!(svg.contains("rayon pool — 1 thread, busy 50%, CPU 0%"));
        let whole = &svg[..svg.find(r#"<g id="processing-enlarged">"#).unwrap()];
        assert_eq!(whole.matches("<title>").count(), 3, "a bar per task");
        assert!(svg.contains("download done"));
    }

    /// A staged run of two books: 4 s of downloading (no CPU), then 0.2 s
    /// of tokenizing each, half of it on a CPU.
    fn staged_run() -> RunReport {
        let mut spans = vec![
            span("download", "download", "download-0", 0.0, 4.0),
            span("download", "download", "download-1", 0.0, 3.0),
            span("tokenize", "rayon", "rayon-0", 4.0, 4.2),
            span("tokenize", "rayon", "rayon-0", 4.2, 4.4),
        ];
        spans[1].book = 1;
        spans[3].book = 1;
        spans[2].cpu = 0.1;
        spans[3].cpu = 0.1;
        RunReport::for_tests(
            Mode::Staged,
            4.4,
            2,
            vec![
                StageReport::from_spans("download", "download", 2, 4.0, &spans),
                StageReport::from_spans("tokenize", "rayon", 1, 0.4, &spans),
            ],
            spans,
        )
    }

    /// The widths of the solid rectangles of the bars whose tooltip starts
    /// with `stage` (0 for a bar without one).
    fn solid_widths(svg: &str, stage: &str) -> Vec<f64> {
        svg.lines()
            .filter(|l| l.starts_with(&format!("<g><title>{stage} ")))
            .map(|l| {
                let solid = l.split("<rect ").nth(2).unwrap_or("");
                let Some(i) = solid.find(" width=\"") else {
                    return 0.0;
                };
                let value = &solid[i + 8..];
                value[..value.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn bars_are_solid_for_their_cpu_time_and_pools_say_their_cpu_share() {
        let run = staged_run();
        let svg = render(&run);
        // 0.2 s of rayon CPU over 4.4 s of one thread: 5 %, busy 9 %.
        assert!(
            svg.contains("rayon pool — 1 thread, busy 9%, CPU 5%"),
            "{svg}"
        );
        assert!(svg.contains("download pool — 2 threads, busy 80%, CPU 0%"));
        let whole = &svg[..svg.find(r#"<g id="processing-enlarged">"#).unwrap()];
        assert_eq!(solid_widths(whole, "download"), [0.0, 0.0], "waiting: pale");
        let x = |t: f64| t / 4.4 * (PLOT_RIGHT - PLOT_LEFT);
        for w in solid_widths(whole, "tokenize") {
            assert!((w - x(0.1)).abs() < 0.02, "half the bar solid: {w}");
        }
    }

    #[test]
    fn a_short_processing_is_enlarged_in_a_second_panel() {
        let run = staged_run();
        let (window, busiest) = zoom_window(&run).expect("processing is 9% of the run");
        assert!(!busiest);
        assert!(
            window.t0 > 3.9 && window.t0 < 4.0 && window.t1 == 4.4,
            "{window:?}"
        );
        let svg = render(&run);
        let zoom = &svg[svg.find(r#"<g id="processing-enlarged">"#).unwrap()..];
        assert!(zoom.contains("Enlarged: 3.988–4.400 s"), "{zoom}");
        assert!(!zoom.contains("download pool"), "{zoom}");
        assert_eq!(zoom.matches("<title>tokenize").count(), 2);
        let full = 0.2 / window.span() * (PLOT_RIGHT - PLOT_LEFT);
        for w in solid_widths(zoom, "tokenize") {
            assert!((w - full / 2.0).abs() < 0.05, "{w} of {full}");
        }
        // Every barrier label inside the picture.
        for line in svg.lines().filter(|l| l.contains(" done</text>")) {
            let x: f64 = line
                .split("x=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let text = line.split('>').nth(1).unwrap().trim_end_matches("</text");
            let width = 5.8 * text.chars().count() as f64;
            let (from, to) = if line.contains("\"end\"") {
                (x - width, x)
            } else {
                (x, x + width)
            };
            assert!(from >= 0.0 && to <= WIDTH, "{line}");
        }
    }

    #[test]
    fn a_streamed_timeline_draws_the_books_in_flight() {
        let mut run = staged_run();
        run.mode = Mode::Streamed;
        let svg = render(&run);
        assert!(svg.contains("in flight (at most 2 at once)"), "{svg}");
        assert!(svg.contains("waiting for their next step"));
        assert!(!svg.contains(" done</text>"), "no barriers");
        let lines = svg.matches(&format!(r#"stroke="{IN_FLIGHT}""#)).count();
        assert!(lines >= 2, "the legend's line and the step line: {svg}");
    }
}
