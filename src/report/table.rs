//! The report as text for a terminal: a table of stages per run, a
//! comparison of modes stage by stage, the corpus results, and the failures,
//! with warnings on figures too short or too noisy to trust. Laid out for a
//! width when one is given ([`Layout`]): columns left out in a fixed order
//! (min … max first: `--verbose` keeps them), lists cut, prose wrapped.
//! When no book came through, no table of zeros is printed.

use std::fmt::Write as _;

pub use super::grid::{Align, Layout, render, render_aligned};
use super::grid::{Fitted, render_fitted};
use super::warnings::{self, Figures};
use crate::record::stats::{Speedup, Summary};
use crate::record::{Mode, RunReport};
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

/// The rows of a run's table, the titles first, and the index of its
/// `MB/s` column.
fn stage_rows(run: &RunReport, many: bool) -> (Vec<Vec<String>>, usize) {
    let mut head = vec!["stage", "pool", "workers", "books", "bytes"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    head.extend(wall_titles(many));
    head.extend(["cpu", "cpu/wall", "MB/s"].map(String::from));
    let rate_column = head.len() - 1;
    let mut rows = vec![head];
    for s in &run.stages {
        let Some((wall, cpu)) = figures(run, &s.name) else {
            continue;
        };
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
        row.extend([
            secs(cpu.mean),
            percent(ratio(cpu.mean, wall.mean)),
            format!("{:.1}", ratio(s.bytes as f64 / 1e6, wall.mean)),
        ]);
        rows.push(row);
    }
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
    (rows, rate_column)
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
    let (rows, rate) = stage_rows(run, many);
    // Left out when too wide, in this order: min … max, bytes, MB/s, pool.
    let mut optional = if many { vec![6] } else { Vec::new() };
    optional.extend([4, rate, 1]);
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

/// What the comparison says of a streamed stage: its wall time is a window
/// shared with the other stages, so a ratio to a stage run alone misleads.
const OVERLAPPED: &str = "(overlaps others)";

pub(crate) fn overlapped(run: &RunReport, stage: &str) -> bool {
    run.mode == Mode::Streamed && stage != "total"
}

/// The lines under a run's table: in streamed mode, that the stages
/// overlap (the reader must know it to read a stage's wall time); books
/// resumed, books refreshed and downloads retried; warnings on stages too
/// short to measure or too noisy.
fn notes(run: &RunReport, layout: Layout) -> String {
    let mut lines = Vec::new();
    if run.mode == Mode::Streamed {
        lines.push("(stages overlap: a stage's wall runs from its first task's start to its last task's end)".to_string());
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
/// repeated), CPU time, CPU ÷ wall, and speed relative to the first mode
/// (with its σ when repeated), with every column.
pub fn comparison(runs: &[RunReport]) -> String {
    comparison_in(runs, Layout::PLAIN).text
}

/// One stage's block of the comparison, its titles first.
fn comparison_rows(
    runs: &[RunReport],
    base: &RunReport,
    name: &str,
    many: bool,
) -> Vec<Vec<String>> {
    let Some((base_wall, _)) = figures(base, name) else {
        return Vec::new();
    };
    let mut head = vec![name.to_string()];
    head.extend(wall_titles(many));
    head.extend([
        "cpu".into(),
        "cpu/wall".into(),
        format!("vs {}", base.mode.name()),
    ]);
    let mut rows = vec![head];
    for run in runs {
        let Some((wall, cpu)) = figures(run, name) else {
            continue;
        };
        let speed = if std::ptr::eq(run, base) {
            "baseline".to_string()
        } else if overlapped(run, name) {
            OVERLAPPED.to_string()
        } else {
            Speedup::of(base.mode.name(), &base_wall, &wall)
                .map_or("-".into(), |s| speedup_text(&s))
        };
        let mut row = vec![format!("  {}", run.mode.name())];
        row.extend(wall_cells(&wall, many));
        row.extend([secs(cpu.mean), percent(ratio(cpu.mean, wall.mean)), speed]);
        rows.push(row);
    }
    rows
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
    for name in names {
        let rows = comparison_rows(runs, base, name, many);
        if rows.is_empty() {
            continue;
        }
        let optional: &[usize] = if many { &[2] } else { &[] };
        let block = render_fitted(&rows, &[Align::Left], optional, layout);
        fitted.text.push_str(&block.text);
        fitted.text.push('\n');
        fitted.left_out.extend(block.left_out);
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
