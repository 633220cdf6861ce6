//! Repeated runs, summed up as hyperfine does: for each stage and for the
//! whole run, the mean ± standard deviation, min … max of the wall times,
//! and how many times faster each mode is than the first (the ratio of the
//! means, its σ propagated from both modes' relative σ).

use serde::Serialize;

use super::RunReport;

/// Mean, standard deviation (of the sample, n − 1; `None` for one value),
/// smallest and largest of some measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// Standard deviation; `None` with fewer than two values.
    pub stddev: Option<f64>,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// The summary of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let stddev = (values.len() > 1).then(|| {
            let ss: f64 = values.iter().map(|x| (x - mean).powi(2)).sum();
            (ss / (n - 1.0)).sqrt()
        });
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Summary {
            mean,
            stddev,
            min,
            max,
        })
    }
}

/// How many times faster than the baseline (below 1: slower).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Speedup {
    /// The mode compared with.
    pub baseline: String,
    /// Baseline's mean wall time ÷ this one's.
    pub factor: f64,
    /// σ of the factor, from both means' relative σ; `None` with single runs.
    pub stddev: Option<f64>,
}

impl Speedup {
    /// `baseline`'s mean over `this` one's, as hyperfine computes it.
    pub fn of(baseline_name: &str, baseline: &Summary, this: &Summary) -> Option<Speedup> {
        if this.mean <= 0.0 || baseline.mean <= 0.0 {
            return None;
        }
        let factor = baseline.mean / this.mean;
        let stddev = match (baseline.stddev, this.stddev) {
            (Some(a), Some(b)) => {
                Some(factor * ((a / baseline.mean).powi(2) + (b / this.mean).powi(2)).sqrt())
            }
            _ => None,
        };
        Some(Speedup {
            baseline: baseline_name.to_string(),
            factor,
            stddev,
        })
    }
}

/// Wall and CPU time of one stage (or of the whole run) over the runs.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// `total` for the whole run, else the stage's name.
    pub name: String,
    /// Wall time, in seconds.
    pub wall: Summary,
    /// CPU time, in seconds.
    pub cpu: Summary,
    /// A stage's `busy_seconds` (its tasks' wall times added up); absent
    /// for the total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy: Option<Summary>,
    /// Against the first mode run; absent for that mode itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<Speedup>,
}

/// What repeated runs of one mode measured.
#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    /// Timed runs.
    pub runs: usize,
    /// Runs before them whose figures were thrown away.
    pub warmup: usize,
    /// The whole run (wall from start to end; CPU summed over the stages).
    pub total: Figures,
    /// Each stage, in the order run.
    pub stages: Vec<Figures>,
}

/// One timed run's figures (the last one's full report is the run itself).
#[derive(Debug, Clone, Serialize)]
pub struct Repeat {
    /// Folder the run wrote to.
    pub out: String,
    /// Wall time of the run, in seconds.
    pub wall_seconds: f64,
    /// CPU time of the run, in seconds.
    pub cpu_seconds: f64,
    /// Books saved and processed.
    pub books_ok: usize,
    /// Books saved but suspect.
    pub books_suspect: usize,
    /// Books that failed.
    pub books_failed: usize,
    /// Peak resident memory during the run, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// Each stage's figures, in the order run.
    pub stages: Vec<RepeatStage>,
}

/// One stage of one timed run.
#[derive(Debug, Clone, Serialize)]
pub struct RepeatStage {
    /// The stage's name.
    pub name: String,
    /// Its wall time, in seconds.
    pub wall_seconds: f64,
    /// Its CPU time, in seconds.
    pub cpu_seconds: f64,
    /// Its tasks' wall times added up.
    pub busy_seconds: f64,
}

impl Repeat {
    fn of(run: &RunReport) -> Repeat {
        Repeat {
            out: run.out.clone(),
            wall_seconds: run.wall_seconds,
            cpu_seconds: run.cpu_seconds(),
            books_ok: run.books_ok,
            books_suspect: run.books_suspect,
            books_failed: run.books_failed,
            peak_rss_bytes: run.peak_rss_bytes,
            stages: run
                .stages
                .iter()
                .map(|s| RepeatStage {
                    name: s.name.clone(),
                    wall_seconds: s.wall_seconds,
                    cpu_seconds: s.cpu_seconds,
                    busy_seconds: s.busy_seconds,
                })
                .collect(),
        }
    }
}

/// Wall, CPU and (for a stage) busy seconds of one timed run.
type Picked = (f64, f64, Option<f64>);

/// The timed runs of one mode as one report: the last run, carrying every
/// run's figures (`repeats`) and their statistics. `None` for no runs.
pub fn combine(runs: Vec<RunReport>, warmup: usize) -> Option<RunReport> {
    let repeats: Vec<Repeat> = runs.iter().map(Repeat::of).collect();
    let mut last = runs.into_iter().last()?;
    let figures = |name: &str, pick: &dyn Fn(&Repeat) -> Option<Picked>| {
        let picked: Vec<_> = repeats.iter().filter_map(pick).collect();
        let walls: Vec<f64> = picked.iter().map(|p| p.0).collect();
        let cpus: Vec<f64> = picked.iter().map(|p| p.1).collect();
        let busy: Option<Vec<f64>> = picked.iter().map(|p| p.2).collect();
        Some(Figures {
            name: name.to_string(),
            wall: Summary::of(&walls)?,
            cpu: Summary::of(&cpus)?,
            busy: busy.as_deref().and_then(Summary::of),
            speedup: None,
        })
    };
    let total = figures("total", &|r| Some((r.wall_seconds, r.cpu_seconds, None)))?;
    let stages = last
        .stages
        .iter()
        .filter_map(|s| {
            figures(&s.name, &|r| {
                let st = r.stages.iter().find(|x| x.name == s.name)?;
                Some((st.wall_seconds, st.cpu_seconds, Some(st.busy_seconds)))
            })
        })
        .collect();
    last.statistics = Some(Statistics {
        runs: repeats.len(),
        warmup,
        total,
        stages,
    });
    last.repeats = repeats;
    Some(last)
}

/// Fills in every mode's speedup against the first mode, stage by stage and
/// in total.
pub fn compare(runs: &mut [RunReport]) {
    let Some((base, others)) = runs.split_first_mut() else {
        return;
    };
    let Some(base_stats) = base.statistics.as_ref() else {
        return;
    };
    let base_name = base.mode.name();
    for run in others {
        let Some(stats) = run.statistics.as_mut() else {
            continue;
        };
        stats.total.speedup = Speedup::of(base_name, &base_stats.total.wall, &stats.total.wall);
        for stage in &mut stats.stages {
            if let Some(b) = base_stats.stages.iter().find(|b| b.name == stage.name) {
                stage.speedup = Speedup::of(base_name, &b.wall, &stage.wall);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.mean, 5.0);
        assert!((s.stddev.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (2.0, 9.0));
        let one = Summary::of(&[3.0]).unwrap();
        assert_eq!(one.stddev, None);
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn speedup_propagates_relative_errors_like_hyperfine() {
        let slow = Summary::of(&[9.0, 10.0, 11.0]).unwrap(); // mean 10, σ 1
        let fast = Summary::of(&[1.9, 2.0, 2.1]).unwrap(); // mean 2, σ 0.1
        let s = Speedup::of("sequential", &slow, &fast).unwrap();
        assert!((s.factor - 5.0).abs() < 1e-9);
        let expected = 5.0 * (0.1f64.powi(2) + 0.05f64.powi(2)).sqrt();
        assert!((s.stddev.unwrap() - expected).abs() < 1e-9);
        let single = Summary::of(&[4.0]).unwrap();
        assert_eq!(Speedup::of("x", &single, &single).unwrap().stddev, None);
    }
}
