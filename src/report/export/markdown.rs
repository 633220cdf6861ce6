//! The stage tables as a Markdown table (`--export-markdown`), for a README
//! or an issue: one row per stage of each mode and one for its total, times
//! in one unit (milliseconds when any mean is under a second, else
//! seconds), `mean ± σ` when a mode was repeated, busy time and CPU ÷ busy,
//! and the speed against the first mode with what it compares (`wall`, or
//! `busy` for stages that overlap others).

use super::{ExportError, Exporter, Row};
use crate::record::stats::Summary;

/// Writes Markdown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Markdown;

/// The unit of every time in the table: its name and how many of it make
/// a second.
fn unit(rows: &[Row]) -> (&'static str, f64) {
    let smallest = rows
        .iter()
        .map(|r| r.wall.mean)
        .fold(f64::INFINITY, f64::min);
    if smallest < 1.0 {
        ("ms", 1e3)
    } else {
        ("s", 1.0)
    }
}

/// A cell's text with the characters Markdown would take as table syntax
/// escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|")
}

fn time(x: f64, scale: f64) -> String {
    format!("{:.1}", x * scale)
}

/// A share as a percentage, with a decimal under 10 % (`0.4 %`), where
/// waiting stages' shares of CPU lie.
fn fine_percent(x: f64) -> String {
    if x < 0.0995 {
        format!("{:.1} %", x * 100.0)
    } else {
        format!("{:.0} %", x * 100.0)
    }
}

fn mean_sd(s: &Summary, scale: f64) -> String {
    match s.stddev {
        Some(sd) => format!("{} ± {}", time(s.mean, scale), time(sd, scale)),
        None => time(s.mean, scale),
    }
}

/// The cells of one row, in the order of the header.
fn cells(r: &Row, scale: f64, baseline: &str) -> Vec<String> {
    let speed = match &r.speedup {
        Some(s) => match s.stddev {
            Some(sd) => format!("{:.2} ± {:.2}", s.factor, sd),
            None => format!("{:.2}", s.factor),
        },
        None if r.mode == baseline => "1.00".into(),
        None => String::new(),
    };
    vec![
        escape(&r.mode),
        escape(&r.stage),
        escape(&r.pool),
        r.workers.map_or(String::new(), |w| w.to_string()),
        if r.failed > 0 {
            format!("{} (+{} failed)", r.books, r.failed)
        } else {
            r.books.to_string()
        },
        mean_sd(&r.wall, scale),
        time(r.wall.min, scale),
        time(r.wall.max, scale),
        time(r.cpu, scale),
        format!("{:.0} %", r.cpu_per_wall * 100.0),
        r.busy.map_or(String::new(), |b| time(b, scale)),
        r.cpu_per_busy.map_or(String::new(), fine_percent),
        r.mb_per_second.map_or(String::new(), |m| format!("{m:.1}")),
        speed,
        r.compared_on.unwrap_or_default().to_string(),
    ]
}

impl Exporter for Markdown {
    fn name(&self) -> &'static str {
        "Markdown"
    }

    fn serialize(&self, rows: &[Row]) -> Result<Vec<u8>, ExportError> {
        let (unit, scale) = unit(rows);
        let baseline = rows.first().map_or("", |r| r.mode.as_str());
        let head = [
            "Mode".to_string(),
            "Stage".into(),
            "Pool".into(),
            "Workers".into(),
            "Books".into(),
            format!("Wall [{unit}]"),
            format!("Min [{unit}]"),
            format!("Max [{unit}]"),
            format!("CPU [{unit}]"),
            "CPU/wall".into(),
            format!("Busy [{unit}]"),
            "CPU/busy".into(),
            "MB/s".into(),
            format!("× vs {}", escape(baseline)),
            "On".into(),
        ];
        let mut out = format!("| {} |\n", head.join(" | "));
        out.push_str(
            "|:---|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n",
        );
        for r in rows {
            out.push_str(&format!("| {} |\n", cells(r, scale, baseline).join(" | ")));
        }
        Ok(out.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::stats::Speedup;

    fn row(mode: &str, stage: &str, walls: &[f64]) -> Row {
        Row {
            mode: mode.into(),
            stage: stage.into(),
            pool: "rayon".into(),
            workers: Some(2),
            books: 60,
            failed: 0,
            bytes: Some(1),
            runs: walls.len(),
            wall: Summary::of(walls).unwrap(),
            cpu: 0.5,
            cpu_per_wall: 1.9,
            busy: Some(0.26),
            cpu_per_busy: Some(0.96),
            mb_per_second: Some(57.4),
            speedup: None,
            compared_on: None,
        }
    }

    #[test]
    fn a_table_with_one_unit_and_the_speed_against_the_first_mode() {
        let mut staged = row("staged", "stats", &[0.4, 0.5]);
        staged.speedup = Some(Speedup {
            baseline: "sequential".into(),
            factor: 1.9,
            stddev: Some(0.37),
        });
        staged.compared_on = Some("wall");
        let rows = [row("sequential", "stats", &[0.8, 0.9]), staged];
        let text = String::from_utf8(Markdown.serialize(&rows).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("| Mode | Stage | Pool | Workers | Books | Wall [ms] |"));
        assert!(lines[0].ends_with("| × vs sequential | On |"));
        assert_eq!(
            lines[3],
            "| staged | stats | rayon | 2 | 60 | 450.0 ± 70.7 | 400.0 | 500.0 | 500.0 | 190 % | 260.0 | 96 % | 57.4 | 1.90 ± 0.37 | wall |"
        );
        assert!(lines.iter().all(|l| l.matches('|').count() == 16));
    }

    #[test]
    fn pipes_in_cells_are_escaped() {
        assert_eq!(escape("a|b"), "a\\|b");
    }
}
