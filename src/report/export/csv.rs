//! The stage tables as CSV (`--export-csv`), one line per stage of each
//! mode and one for its total, times in seconds, written with the `csv`
//! crate (quoted where a field needs it). Empty fields are figures that do
//! not apply (a total's pool and busy time, the first mode's speed-up).

use serde::Serialize;

use super::{ExportError, Exporter, Row};

/// Writes CSV.
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

/// One line of the file; the field names are the header.
#[derive(Serialize)]
struct Line<'a> {
    mode: &'a str,
    stage: &'a str,
    pool: &'a str,
    workers: Option<usize>,
    books: u64,
    failed: u64,
    bytes: Option<u64>,
    runs: usize,
    wall_mean_s: f64,
    wall_stddev_s: Option<f64>,
    wall_min_s: f64,
    wall_max_s: f64,
    cpu_mean_s: f64,
    cpu_per_wall: f64,
    busy_mean_s: Option<f64>,
    cpu_per_busy: Option<f64>,
    mb_per_s: Option<f64>,
    speedup: Option<f64>,
    speedup_stddev: Option<f64>,
    speedup_on: Option<&'static str>,
}

impl<'a> From<&'a Row> for Line<'a> {
    fn from(r: &'a Row) -> Line<'a> {
        Line {
            mode: &r.mode,
            stage: &r.stage,
            pool: &r.pool,
            workers: r.workers,
            books: r.books,
            failed: r.failed,
            bytes: r.bytes,
            runs: r.runs,
            wall_mean_s: r.wall.mean,
            wall_stddev_s: r.wall.stddev,
            wall_min_s: r.wall.min,
            wall_max_s: r.wall.max,
            cpu_mean_s: r.cpu,
            cpu_per_wall: r.cpu_per_wall,
            busy_mean_s: r.busy,
            cpu_per_busy: r.cpu_per_busy,
            mb_per_s: r.mb_per_second,
            speedup: r.speedup.as_ref().map(|s| s.factor),
            speedup_stddev: r.speedup.as_ref().and_then(|s| s.stddev),
            speedup_on: r.compared_on,
        }
    }
}

impl Exporter for Csv {
    fn name(&self) -> &'static str {
        "CSV"
    }

    fn serialize(&self, rows: &[Row]) -> Result<Vec<u8>, ExportError> {
        let failed = |e: &dyn std::fmt::Display| ExportError::Format {
            format: "CSV",
            message: e.to_string(),
        };
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        for row in rows {
            writer.serialize(Line::from(row)).map_err(|e| failed(&e))?;
        }
        writer.into_inner().map_err(|e| failed(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::stats::Summary;

    #[test]
    fn a_header_and_one_line_per_row() {
        let row = Row {
            mode: "staged".into(),
            stage: "download".into(),
            pool: "download".into(),
            workers: Some(16),
            books: 60,
            failed: 0,
            bytes: Some(25_730_000),
            runs: 1,
            wall: Summary::of(&[1.25]).unwrap(),
            cpu: 0.07,
            cpu_per_wall: 0.056,
            busy: Some(1.1),
            cpu_per_busy: Some(0.004),
            mb_per_second: Some(20.6),
            speedup: None,
            compared_on: None,
        };
        let text = String::from_utf8(Csv.serialize(&[row]).unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "mode,stage,pool,workers,books,failed,bytes,runs,wall_mean_s,wall_stddev_s,wall_min_s,wall_max_s,cpu_mean_s,cpu_per_wall,busy_mean_s,cpu_per_busy,mb_per_s,speedup,speedup_stddev,speedup_on"
            )
        );
        assert_eq!(
            lines.next(),
            Some(
                "staged,download,download,16,60,0,25730000,1,1.25,,1.25,1.25,0.07,0.056,1.1,0.004,20.6,,,"
            )
        );
        assert_eq!(lines.next(), None);
    }
}
