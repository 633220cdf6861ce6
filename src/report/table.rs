//! The report as text for a terminal: a table of stages per run, a
//! comparison of modes stage by stage, the corpus results, and the failures.

use std::fmt::Write as _;

use crate::record::stats::{Speedup, Summary};
use crate::record::{Mode, RunReport};
use crate::units::format_bytes;

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

/// Which side a column's cells are padded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Pads every column of `rows` to its widest cell; the first column is
/// left-aligned, the others right-aligned.
pub fn render(rows: &[Vec<String>]) -> String {
    render_aligned(rows, &[Align::Left])
}

/// Pads every column of `rows` to its widest cell, column `c` aligned as
/// `align[c]` says (right-aligned beyond the end of `align`). Control
/// characters in cells are replaced ([`crate::terminal::clean`]).
pub fn render_aligned(rows: &[Vec<String>], align: &[Align]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::terminal::clean(c).into_owned())
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c > 0 {
                line.push_str("  ");
            }
            if align.get(c) == Some(&Align::Left) {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
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
fn figures(run: &RunReport, name: &str) -> Option<(Summary, Summary)> {
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

/// The stage table of one run, or of a mode run several times (mean ± σ
/// and min … max of the wall times, mean CPU time).
pub fn run_table(run: &RunReport) -> String {
    let many = repeated(run);
    let mut head = vec!["stage", "pool", "workers", "books", "bytes"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    head.extend(wall_titles(many));
    head.extend(["cpu", "cpu/wall", "MB/s"].map(String::from));
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
    let mut out = match run.statistics.as_ref().filter(|_| many) {
        Some(stats) => format!(
            "{} mode, {} runs{}, the last saved to {}\n",
            run.mode.name(),
            stats.runs,
            if stats.warmup > 0 {
                format!(" (+{} warmup)", stats.warmup)
            } else {
                String::new()
            },
            run.out
        ),
        None => format!("{} run, saved to {}\n", run.mode.name(), run.out),
    };
    out.push_str(&render(&rows));
    out.push_str(&notes(run));
    out
}

/// What the comparison says of a streamed stage: its wall time is a window
/// shared with the other stages, so a ratio to a stage run alone misleads.
const OVERLAPPED: &str = "(overlaps others)";

fn overlapped(run: &RunReport, stage: &str) -> bool {
    run.mode == Mode::Streamed && stage != "total"
}

/// The lines under a run's table: in streamed mode, that the stages
/// overlap (the reader must know it to read a stage's wall time); books
/// resumed, books refreshed and downloads retried.
fn notes(run: &RunReport) -> String {
    let mut out = String::new();
    if run.mode == Mode::Streamed {
        out.push_str("(stages overlap: a stage's wall runs from its first task's start to its last task's end)\n");
    }
    let resumed = run.resumed();
    if resumed > 0 {
        let _ = writeln!(
            out,
            "resumed: {resumed} books already saved and matching the manifest, not fetched again (--force fetches them)"
        );
    }
    if let Some(r) = run.refresh {
        let _ = writeln!(
            out,
            "refresh: {} books already saved checked with the source: {} unchanged, {} updated",
            r.unchanged + r.updated,
            r.unchanged,
            r.updated
        );
    }
    let retries = run.retries();
    if retries > 0 {
        let books = run.books.iter().filter(|b| b.retries > 0).count();
        let _ = writeln!(
            out,
            "retries: {retries} download attempts repeated after transient failures, for {books} books"
        );
    }
    out
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
/// (with its σ when repeated).
pub fn comparison(runs: &[RunReport]) -> String {
    let Some(base) = runs.first() else {
        return String::new();
    };
    let many = runs.iter().any(repeated);
    let mut out = String::new();
    let mut names: Vec<&str> = base.stages.iter().map(|s| s.name.as_str()).collect();
    names.push("total");
    for name in names {
        let Some((base_wall, _)) = figures(base, name) else {
            continue;
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
        out.push_str(&render(&rows));
        out.push('\n');
    }
    out
}

/// The corpus results and the failures of a run, without control
/// characters (errors and warnings may quote what a server sent).
pub fn summary(run: &RunReport) -> String {
    crate::terminal::clean(&raw_summary(run)).into_owned()
}

fn raw_summary(run: &RunReport) -> String {
    let mut out = String::new();
    if !run.headlines.is_empty() {
        for line in &run.headlines {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    let warned: Vec<_> = run
        .books
        .iter()
        .filter(|b| !b.warnings.is_empty())
        .collect();
    if !warned.is_empty() {
        let _ = writeln!(
            out,
            "{} of {} books with warnings:",
            warned.len(),
            run.books.len()
        );
        for b in warned {
            for w in &b.warnings {
                let _ = writeln!(out, "  ebook {}: {w}", b.id);
            }
        }
    }
    let suspects: Vec<_> = run.suspects().collect();
    if !suspects.is_empty() {
        let _ = writeln!(
            out,
            "{} of {} books are suspect (saved, not recorded as verified: the next run fetches them again):",
            suspects.len(),
            run.books.len()
        );
        for b in suspects {
            let _ = writeln!(
                out,
                "  ebook {}: {}",
                b.id,
                b.suspect.as_deref().unwrap_or("?")
            );
        }
    }
    let failures: Vec<_> = run.failures().collect();
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "{} of {} books failed:",
            failures.len(),
            run.books.len()
        );
        for b in failures {
            let _ = writeln!(
                out,
                "  ebook {} ({}): {}",
                b.id,
                b.failed_stage.as_deref().unwrap_or("?"),
                b.error.as_deref().unwrap_or("?")
            );
        }
    }
    out
}

/// The runs of a report for a terminal: a table each, the comparison of
/// the modes, and the last run's corpus results and failures.
pub fn render_runs(runs: &[RunReport]) -> String {
    let mut out = String::new();
    for run in runs {
        out.push_str(&run_table(run));
        out.push('\n');
    }
    if runs.len() > 1 {
        out.push_str("Comparison, stage by stage:\n\n");
        out.push_str(&comparison(runs));
        out.push_str(&speed_summary(runs));
    }
    if let Some(last) = runs.last() {
        out.push_str(&summary(last));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let t = render(&[
            vec!["a".into(), "1".into()],
            vec!["long".into(), "100".into()],
        ]);
        assert_eq!(t, "a       1\nlong  100\n");
    }
}
