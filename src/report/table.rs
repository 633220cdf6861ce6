//! The report as text for a terminal: a table of stages per run, a
//! comparison of modes stage by stage, the corpus results, and the failures,
//! with warnings on figures too short or too noisy to trust. Laid out for a
//! width when one is given ([`Layout`]): columns left out in a fixed order
//! (min … max first: `--verbose` keeps them), lists cut, prose wrapped.
//! When no book came through, no table of zeros is printed.

use std::fmt::Write as _;

pub use super::grid::{Align, Layout, render, render_aligned};
use super::grid::{Fitted, render_fitted, render_without};
use super::warnings::{self, Figures};
use crate::record::stats::{Speedup, Summary};
use crate::record::{Mode, RunReport, StageReport};
use crate::units::{count, format_bytes};

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A percentage with a decimal under 10 % (`0.4%`), where waiting stages'
/// shares of CPU lie.
fn fine_percent(x: f64) -> String {
    if x < 0.0995 {
        format!("{:.1}%", x * 100.0)
    } else {
        percent(x)
    }
}

/// Whether `run` stands for several timed runs.
fn repeated(run: &RunReport) -> bool {
    run.statistics.as_ref().is_some_and(|s| s.runs > 1)
}

/// `mean ± σ` in one unit (`43.77 ± 0.20 s`, `152.3 ± 4.1 ms`).
fn mean_sd(s: &Summary) -> String {
    let (scale, unit, decimals) = if s.mean < 1.0 {
        (1e3, "ms", 1)
    } else {
        (1.0, "s", 2)
    };
    match s.stddev {
        Some(sd) => format!(
            "{:.decimals$} ± {:.decimals$} {unit}",
            s.mean * scale,
            sd * scale
        ),
        None => secs(s.mean),
    }
}

/// `min … max`.
fn range(s: &Summary) -> String {
    format!("{} … {}", secs(s.min), secs(s.max))
}

/// `7.12 ± 0.30× faster` (or slower, when below 1).
pub fn speedup_text(s: &Speedup) -> String {
    let sd = |x: f64| {
        s.stddev
            .map_or(String::new(), |sd| format!(" ± {:.2}", sd * x))
    };
    if s.factor >= 1.0 {
        format!("{:.2}{}× faster", s.factor, sd(1.0))
    } else {
        // 1/f, its σ propagated: σ/f².
        format!(
            "{:.2}{}× slower",
            1.0 / s.factor,
            sd(1.0 / (s.factor * s.factor))
        )
    }
}

/// Wall and CPU time of stage `name` (or of the whole run, `total`) in
/// `run`: over its timed runs when it was repeated, else of its one run.
pub(crate) fn figures(run: &RunReport, name: &str) -> Option<(Summary, Summary)> {
    if let Some(stats) = run.statistics.as_ref() {
        let f = if name == "total" {
            Some(&stats.total)
        } else {
            stats.stages.iter().find(|f| f.name == name)
        };
        return f.map(|f| (f.wall, f.cpu));
    }
    let (wall, cpu) = if name == "total" {
        (run.wall_seconds, run.cpu_seconds())
    } else {
        run.stage(name).map(|s| (s.wall_seconds, s.cpu_seconds))?
    };
    Some((Summary::of(&[wall])?, Summary::of(&[cpu])?))
}

/// The wall-time columns' titles: one run's wall, or mean ± σ and min … max.
fn wall_titles(repeated: bool) -> Vec<String> {
    if repeated {
        vec!["wall (mean ± σ)".into(), "min … max".into()]
    } else {
        vec!["wall".into()]
    }
}

/// The wall-time cells matching [`wall_titles`].
fn wall_cells(wall: &Summary, repeated: bool) -> Vec<String> {
    if repeated {
        vec![mean_sd(wall), range(wall)]
    } else {
        vec![secs(wall.mean)]
    }
}

fn ratio(x: f64, wall: f64) -> f64 {
    if wall > 0.0 { x / wall } else { 0.0 }
}

/// Whether any book of `run` came through (saved and processed, perhaps
/// suspect): without one, its figures are zeros and are not shown.
fn came_through(run: &RunReport) -> bool {
    run.books_ok + run.books_suspect > 0
}

/// The stage table of one run, or of a mode run several times (mean ± σ
/// and min … max of the wall times, mean CPU time), with every column.
pub fn run_table(run: &RunReport) -> String {
    run_table_in(run, Layout::PLAIN).text
}

/// The line above a run's table.
fn title(run: &RunReport, many: bool) -> String {
    match run.statistics.as_ref().filter(|_| many) {
        Some(stats) => format!(
            "{} mode, {} runs{}, the last saved to {}",
            run.mode.name(),
            stats.runs,
            if stats.warmup > 0 {
                format!(" (+{} warmup)", stats.warmup)
            } else {
                String::new()
            },
            run.out
        ),
        None => format!("{} run, saved to {}", run.mode.name(), run.out),
    }
}

/// A stage's busy time (its tasks' wall times added up, over its
/// workers) and the share of it spent on a CPU: figures that tell waiting
/// from computing whatever the schedule, where the stage's wall time is a
/// window shared with the others (streamed mode).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Busy {
    /// Seconds per worker: over the timed runs when repeated.
    pub per_worker: Summary,
    /// CPU time ÷ the tasks' wall time added up: 1.0 is computing all along.
    pub cpu_per_busy: f64,
}

/// The busy time of stage `name` in `run` (`None` for `total` and for a
/// stage without tasks).
pub(crate) fn busy(run: &RunReport, name: &str) -> Option<Busy> {
    let stage = run.stage(name)?;
    let workers = stage.workers.max(1) as f64;
    let (sum, cpu) = match run.statistics.as_ref() {
        Some(stats) => {
            let f = stats.stages.iter().find(|f| f.name == name)?;
            (f.busy?, f.cpu.mean)
        }
        None => (Summary::of(&[stage.busy_seconds])?, stage.cpu_seconds),
    };
    let per = |x: f64| x / workers;
    Some(Busy {
        per_worker: Summary {
            mean: per(sum.mean),
            stddev: sum.stddev.map(per),
            min: per(sum.min),
            max: per(sum.max),
        },
        cpu_per_busy: ratio(cpu, sum.mean),
    })
}

/// The titles of the columns a run's table has, and the columns it may
/// leave out to fit, in the order they go.
fn stage_titles(run: &RunReport, many: bool) -> (Vec<String>, Vec<usize>) {
    let mut head: Vec<String> = ["stage", "pool", "workers", "books", "bytes"]
        .map(String::from)
        .to_vec();
    head.extend(wall_titles(many));
    head.extend(["cpu", "cpu/wall"].map(String::from));
    if run.mode == Mode::Streamed {
        head.extend(["busy", "cpu/busy"].map(String::from));
    }
    head.push("MB/s".into());
    let column = |title: &str| head.iter().position(|h| h == title);
    // Left out when too wide, in this order: min … max, bytes, (in streamed
    // mode, where busy and cpu/busy say it better) cpu/wall, MB/s, pool.
    let mut order = vec!["min … max", "bytes"];
    if run.mode == Mode::Streamed {
        order.push("cpu/wall");
    }
    order.extend(["MB/s", "pool"]);
    let optional = order.into_iter().filter_map(column).collect();
    (head, optional)
}

/// The cells of stage `s`'s row.
fn stage_row(run: &RunReport, s: &StageReport, many: bool) -> Option<Vec<String>> {
    let (wall, cpu) = figures(run, &s.name)?;
    let mut row = vec![
        s.name.clone(),
        s.pool.clone(),
        s.workers.to_string(),
        if s.failed > 0 {
            format!("{} (+{} failed)", s.items, s.failed)
        } else {
            s.items.to_string()
        },
        format_bytes(s.bytes),
    ];
    row.extend(wall_cells(&wall, many));
    row.extend([secs(cpu.mean), percent(ratio(cpu.mean, wall.mean))]);
    if run.mode == Mode::Streamed {
        match busy(run, &s.name) {
            Some(b) => row.extend([secs(b.per_worker.mean), fine_percent(b.cpu_per_busy)]),
            None => row.extend([String::new(), String::new()]),
        }
    }
    row.push(format!("{:.1}", ratio(s.bytes as f64 / 1e6, wall.mean)));
    Some(row)
}

/// The rows of a run's table, the titles first, and the columns it may
/// leave out to fit.
fn stage_rows(run: &RunReport, many: bool) -> (Vec<Vec<String>>, Vec<usize>) {
    let (head, optional) = stage_titles(run, many);
    let mut rows = vec![head];
    rows.extend(run.stages.iter().filter_map(|s| stage_row(run, s, many)));
    let mut total = vec![
        "total".into(),
        String::new(),
        String::new(),
        if run.books_suspect > 0 {
            format!("{} ok, {} suspect", run.books_ok, run.books_suspect)
        } else {
            format!("{} ok", run.books_ok)
        },
        String::new(),
    ];
    if let Some((wall, _)) = figures(run, "total") {
        total.extend(wall_cells(&wall, many));
    }
    rows.push(total);
    (rows, optional)
}

/// The stage table of a run laid out for `layout`, with the columns left
/// out to fit. A run where no book came through gets one line instead.
fn run_table_in(run: &RunReport, layout: Layout) -> Fitted {
    if !came_through(run) {
        return Fitted {
            text: layout.wrap(
                &format!(
                    "{} run: no book came through ({} failed), so there is nothing to measure\n",
                    run.mode.name(),
                    run.books_failed
                ),
                4,
            ),
            left_out: Vec::new(),
        };
    }
    let many = repeated(run);
    let (rows, optional) = stage_rows(run, many);
    let table = render_fitted(&rows, &[Align::Left], &optional, layout);
    let mut out = layout.wrap(&title(run, many), 4);
    out.push('\n');
    out.push_str(&table.text);
    out.push_str(&notes(run, layout));
    Fitted {
        text: out,
        left_out: table.left_out,
    }
}

/// Whether stage `stage` of `run` overlaps the others, so that its wall
/// time is a window shared with them (streamed mode).
pub(crate) fn overlapped(run: &RunReport, stage: &str) -> bool {
    run.mode == Mode::Streamed && stage != "total"
}

/// What two modes' figures of a stage are compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basis {
    /// Wall time: the stage ran alone.
    Wall,
    /// Busy time: the stage overlapped others in one of the modes.
    Busy,
}

impl Basis {
    /// Its name in the exports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Basis::Wall => "wall",
            Basis::Busy => "busy",
        }
    }
}

/// How many times faster stage `name` ran in `run` than in `base`: on wall
/// time, or on busy time when either run's stages overlap (a window shared
/// with other stages says nothing of the stage's own speed).
pub(crate) fn stage_speedup(
    base: &RunReport,
    run: &RunReport,
    name: &str,
) -> Option<(Speedup, Basis)> {
    let baseline = base.mode.name();
    if overlapped(run, name) || overlapped(base, name) {
        let (b, t) = (busy(base, name)?, busy(run, name)?);
        let s = Speedup::of(baseline, &b.per_worker, &t.per_worker)?;
        return Some((s, Basis::Busy));
    }
    let ((b, _), (t, _)) = (figures(base, name)?, figures(run, name)?);
    Some((Speedup::of(baseline, &b, &t)?, Basis::Wall))
}

/// The mark on a speed measured on busy time, and the line explaining it.
const ON_BUSY: &str = "*";
const ON_BUSY_NOTE: &str = "* streamed stages overlap, so they are compared on busy time \
    (their tasks' wall times added up, ÷ workers) rather than on wall time";

/// The lines under a run's table: in streamed mode, that the stages
/// overlap (the reader must know it to read a stage's wall time); books
/// resumed, books refreshed and downloads retried; warnings on stages too
/// short to measure or too noisy.
fn notes(run: &RunReport, layout: Layout) -> String {
    let mut lines = Vec::new();
    if run.mode == Mode::Streamed {
        lines.push(
            "(stages overlap: a stage's wall runs from its first task's start to its last \
             task's end; busy is its tasks' wall times added up ÷ workers, and cpu/busy the \
             share of that spent on a CPU: near 100% computing, near 0% waiting)"
                .to_string(),
        );
    }
    let resumed = run.resumed();
    if resumed > 0 {
        lines.push(format!(
            "resumed: {} already saved and matching the manifest, not fetched again (--force fetches them)",
            count(resumed as u64, "book", "books")
        ));
    }
    if let Some(r) = run.refresh {
        lines.push(format!(
            "refresh: {} already saved checked with the source: {} unchanged, {} updated",
            count((r.unchanged + r.updated) as u64, "book", "books"),
            r.unchanged,
            r.updated
        ));
    }
    let retries = run.retries();
    if retries > 0 {
        let books = run.books.tally().retried;
        lines.push(format!(
            "retries: {} repeated after transient failures, for {}",
            count(retries, "download attempt", "download attempts"),
            count(books as u64, "book", "books")
        ));
    }
    lines.extend(run_warnings(run));
    let mut out = String::new();
    for line in lines {
        out.push_str(&layout.wrap(&line, 4));
        out.push('\n');
    }
    out
}

/// The warnings on a run's figures ([`warnings::for_run`]).
fn run_warnings(run: &RunReport) -> Vec<String> {
    let stages: Vec<Figures<'_>> = run
        .stages
        .iter()
        .filter(|s| s.items > 0)
        .filter_map(|s| {
            figures(run, &s.name).map(|(wall, cpu)| Figures {
                name: &s.name,
                wall,
                cpu,
            })
        })
        .collect();
    let runs = run.statistics.as_ref().map_or(1, |s| s.runs);
    warnings::for_run(&stages, runs)
}

/// The modes' total wall times against the first, in hyperfine's manner:
/// `staged: 7.12 ± 0.30× faster than sequential`.
pub fn speed_summary(runs: &[RunReport]) -> String {
    let mut lines = Vec::new();
    for run in runs.iter().skip(1) {
        if let Some(s) = run
            .statistics
            .as_ref()
            .and_then(|s| s.total.speedup.as_ref())
        {
            lines.push(format!(
                "  {}: {} than {}",
                run.mode.name(),
                speedup_text(s),
                s.baseline
            ));
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    let runs_each = runs
        .first()
        .and_then(|r| r.statistics.as_ref())
        .map_or(1, |s| s.runs);
    let mut out = if runs_each > 1 {
        format!("Total wall time, mean ± σ of {runs_each} runs each:\n")
    } else {
        "Total wall time:\n".to_string()
    };
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Stage by stage, each mode's wall time (mean ± σ and min … max when
/// repeated), CPU time, CPU ÷ wall (and, when a mode overlaps its stages,
/// busy time and CPU ÷ busy), and speed relative to the first mode (with
/// its σ when repeated), with every column.
pub fn comparison(runs: &[RunReport]) -> String {
    comparison_in(runs, Layout::PLAIN).text
}

/// The titles of one stage's block of the comparison, and the columns it
/// may leave out to fit, in the order they go.
fn comparison_titles(
    base: &RunReport,
    name: &str,
    many: bool,
    with_busy: bool,
) -> (Vec<String>, Vec<usize>) {
    let mut head = vec![name.to_string()];
    head.extend(wall_titles(many));
    head.extend(["cpu".into(), "cpu/wall".into()]);
    if with_busy {
        head.extend(["busy".into(), "cpu/busy".into()]);
    }
    head.push(format!("vs {}", base.mode.name()));
    let optional = ["min … max", "cpu/wall", "cpu"]
        .into_iter()
        .filter(|t| with_busy || *t == "min … max")
        .filter_map(|t| head.iter().position(|h| h == t))
        .collect();
    (head, optional)
}

/// One stage's block of the comparison, its titles first, and the columns
/// it may leave out.
fn comparison_rows(
    runs: &[RunReport],
    base: &RunReport,
    name: &str,
    many: bool,
) -> (Vec<Vec<String>>, Vec<usize>) {
    if figures(base, name).is_none() {
        return (Vec::new(), Vec::new());
    }
    let with_busy = name != "total" && runs.iter().any(|r| overlapped(r, name));
    let (head, optional) = comparison_titles(base, name, many, with_busy);
    let mut rows = vec![head];
    for run in runs {
        let Some((wall, cpu)) = figures(run, name) else {
            continue;
        };
        let speed = if std::ptr::eq(run, base) {
            "baseline".to_string()
        } else {
            match stage_speedup(base, run, name) {
                Some((s, Basis::Wall)) => speedup_text(&s),
                Some((s, Basis::Busy)) => format!("{}{ON_BUSY}", speedup_text(&s)),
                None => "-".into(),
            }
        };
        let mut row = vec![format!("  {}", run.mode.name())];
        row.extend(wall_cells(&wall, many));
        row.extend([secs(cpu.mean), percent(ratio(cpu.mean, wall.mean))]);
        if with_busy {
            match busy(run, name) {
                Some(b) => row.extend([secs(b.per_worker.mean), fine_percent(b.cpu_per_busy)]),
                None => row.extend([String::new(), String::new()]),
            }
        }
        row.push(speed);
        rows.push(row);
    }
    (rows, optional)
}

/// The comparison laid out for `layout`, with the columns left out to fit.
fn comparison_in(runs: &[RunReport], layout: Layout) -> Fitted {
    let mut fitted = Fitted {
        text: String::new(),
        left_out: Vec::new(),
    };
    let Some(base) = runs.first() else {
        return fitted;
    };
    let many = runs.iter().any(repeated);
    let mut names: Vec<&str> = base.stages.iter().map(|s| s.name.as_str()).collect();
    names.push("total");
    let blocks: Vec<_> = names
        .into_iter()
        .map(|name| comparison_rows(runs, base, name, many))
        .filter(|(rows, _)| !rows.is_empty())
        .collect();
    // Every block leaves out the columns the widest block with the same
    // columns must, so that they all show the same figures.
    let same = |a: &[Vec<String>], b: &[Vec<String>]| a[0][1..] == b[0][1..];
    let fitted_blocks: Vec<Fitted> = blocks
        .iter()
        .map(|(rows, optional)| render_fitted(rows, &[Align::Left], optional, layout))
        .collect();
    let mut on_busy = false;
    for (rows, _) in &blocks {
        on_busy |= rows
            .iter()
            .any(|r| r.last().is_some_and(|c| c.ends_with(ON_BUSY)));
        let mut gone_titles: Vec<&String> = Vec::new();
        for ((other, _), f) in blocks.iter().zip(&fitted_blocks) {
            for title in f.left_out.iter().filter(|_| same(rows, other)) {
                if !gone_titles.contains(&title) {
                    gone_titles.push(title);
                }
            }
        }
        let gone: Vec<usize> = gone_titles
            .iter()
            .filter_map(|t| rows[0].iter().position(|h| h == *t))
            .collect();
        let block = render_without(rows, &[Align::Left], &gone);
        fitted.text.push_str(&block.text);
        fitted.text.push('\n');
        for title in block.left_out {
            if !fitted.left_out.contains(&title) {
                fitted.left_out.push(title);
            }
        }
    }
    if on_busy {
        fitted.text.push_str(&layout.wrap(ON_BUSY_NOTE, 2));
        fitted.text.push_str("\n\n");
    }
    fitted
}

/// The corpus results and the failures of a run, without control
/// characters (errors and warnings may quote what a server sent).
pub fn summary(run: &RunReport) -> String {
    summary_in(run, Layout::PLAIN)
}

/// [`summary`] laid out for `layout`: lists cut, the rest wrapped.
fn summary_in(run: &RunReport, layout: Layout) -> String {
    crate::terminal::clean(&raw_summary(run, layout)).into_owned()
}

/// `{n} of {total} books`, the noun agreeing with the total.
fn of_books(n: usize, total: usize) -> String {
    format!("{n} of {}", count(total as u64, "book", "books"))
}

/// The headlines of the stages, when any book came through (else they
/// would only say that nothing was counted).
fn headlines(run: &RunReport, layout: Layout) -> String {
    let mut out = String::new();
    if came_through(run) && !run.headlines.is_empty() {
        for line in &run.headlines {
            let _ = writeln!(out, "{}", layout.list_line(line));
        }
        out.push('\n');
    }
    out
}

fn raw_summary(run: &RunReport, layout: Layout) -> String {
    let mut out = headlines(run, layout);
    let total = run.books.len();
    let mut section = |head: String, lines: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "{}", layout.wrap(&head, 4));
        for line in lines {
            let _ = writeln!(out, "{}", layout.wrap(&line, 4));
        }
    };
    let warned: Vec<_> = run
        .books
        .notes()
        .iter()
        .filter(|b| !b.warnings.is_empty())
        .collect();
    section(
        format!("{} with warnings:", of_books(warned.len(), total)),
        warned
            .iter()
            .flat_map(|b| {
                b.warnings
                    .iter()
                    .map(move |w| format!("  ebook {}: {w}", b.id))
            })
            .collect(),
    );
    let suspects: Vec<_> = run.suspects().collect();
    section(
        format!(
            "{} {} suspect (saved, not recorded as verified: the next run fetches {} again):",
            of_books(suspects.len(), total),
            if total == 1 { "is" } else { "are" },
            if suspects.len() == 1 { "it" } else { "them" },
        ),
        suspects
            .iter()
            .map(|b| format!("  ebook {}: {}", b.id, b.suspect.as_deref().unwrap_or("?")))
            .collect(),
    );
    let failures: Vec<_> = run.failures().collect();
    section(
        format!("{} failed:", of_books(failures.len(), total)),
        failures
            .iter()
            .map(|b| {
                format!(
                    "  ebook {} ({}): {}",
                    b.id,
                    b.failed_stage.as_deref().unwrap_or("?"),
                    b.error.as_deref().unwrap_or("?")
                )
            })
            .collect(),
    );
    out
}

/// The runs of a report for a terminal: a table each, the comparison of
/// the modes, and the last run's corpus results and failures, with every
/// column (for a file or a pipe).
pub fn render_runs(runs: &[RunReport]) -> String {
    render_runs_in(runs, Layout::PLAIN)
}

/// [`render_runs`] laid out for `layout`: columns left out to fit its
/// width (and said so under the tables), lists cut, prose wrapped.
pub fn render_runs_in(runs: &[RunReport], layout: Layout) -> String {
    let mut out = String::new();
    let mut left_out: Vec<String> = Vec::new();
    let mut note = |names: Vec<String>| {
        for name in names {
            if !left_out.contains(&name) {
                left_out.push(name);
            }
        }
    };
    for run in runs {
        let table = run_table_in(run, layout);
        out.push_str(&table.text);
        out.push('\n');
        note(table.left_out);
    }
    if runs.len() > 1 && runs.iter().all(came_through) {
        out.push_str("Comparison, stage by stage:\n\n");
        let comparison = comparison_in(runs, layout);
        out.push_str(&comparison.text);
        note(comparison.left_out);
        out.push_str(&speed_summary(runs));
    }
    if let (false, Some(width)) = (left_out.is_empty(), layout.width) {
        let line = format!(
            "({} left out to fit {width} columns; --verbose shows every column)",
            warnings::and_list(&left_out)
        );
        out.push_str(&layout.wrap(&line, 1));
        out.push_str("\n\n");
    }
    if let Some(last) = runs.last() {
        out.push_str(&summary_in(last, layout));
    }
    out
}
