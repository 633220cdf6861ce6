//! Warnings on figures that should not be read as they stand, in the manner
//! of hyperfine's: a stage too short to measure well (under 50 ms of both
//! wall and CPU time, where the clocks' resolution, waking the workers and
//! the one book that finishes last weigh as much as the work), and wall
//! times that vary much between repeated runs (σ over a fifth of the mean,
//! a sign that something else was using the machine). The run tables and
//! the sweep's table print them under their figures.

use crate::record::stats::Summary;

/// Below this many seconds of both wall and CPU time, a stage is too short
/// to measure well.
pub const TOO_SHORT_SECONDS: f64 = 0.05;
/// A standard deviation above this share of the mean is a warning.
pub const NOISY_SPREAD: f64 = 0.2;

/// Whether a stage of `wall` and `cpu` seconds is too short to measure well.
pub fn too_short(wall: f64, cpu: f64) -> bool {
    wall.max(cpu) < TOO_SHORT_SECONDS
}

/// σ ÷ mean of `summary`, when it has a σ and a mean above zero.
pub fn spread(summary: &Summary) -> Option<f64> {
    summary
        .stddev
        .filter(|_| summary.mean > 0.0)
        .map(|sd| sd / summary.mean)
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// One stage's figures, as a table shows them.
#[derive(Debug, Clone)]
pub struct Figures<'a> {
    /// The stage's name.
    pub name: &'a str,
    /// Its wall time, over the timed runs.
    pub wall: Summary,
    /// Its CPU time, over the timed runs.
    pub cpu: Summary,
}

/// The warnings on a run's table: stages too short to measure, and wall
/// times that varied much over its `runs` timed runs.
pub fn for_run(stages: &[Figures<'_>], runs: usize) -> Vec<String> {
    let mut out = Vec::new();
    let short: Vec<String> = stages
        .iter()
        .filter(|f| too_short(f.wall.mean, f.cpu.mean))
        .map(|f| f.name.to_string())
        .collect();
    if !short.is_empty() {
        out.push(format!(
            "warning: {} took under {:.0} ms: too short to measure well, so {} cpu/wall and \
             speed-ups say little; more or larger books measure {} better (synthetic ones: \
             --books, --size-scale)",
            and_list(&short),
            TOO_SHORT_SECONDS * 1e3,
            if short.len() == 1 { "its" } else { "their" },
            if short.len() == 1 { "it" } else { "them" },
        ));
    }
    let noisy: Vec<(String, f64)> = stages
        .iter()
        .filter(|f| !too_short(f.wall.mean, f.cpu.mean))
        .filter_map(|f| spread(&f.wall).map(|s| (f.name.to_string(), s)))
        .filter(|(_, s)| *s > NOISY_SPREAD)
        .collect();
    if !noisy.is_empty() {
        out.push(noisy_warning(&noisy, runs));
    }
    out
}

/// The warning on wall times that varied by more than [`NOISY_SPREAD`].
fn noisy_warning(noisy: &[(String, f64)], runs: usize) -> String {
    let names: Vec<String> = noisy.iter().map(|(n, _)| n.clone()).collect();
    let worst = noisy.iter().map(|(_, s)| *s).fold(0.0, f64::max);
    format!(
        "warning: the wall time{} of {} varied by {}{:.0} % of {} mean over {runs} runs (σ): \
         something else was likely using the machine (the cpu column varies less); a quiet \
         machine or more --runs narrows it",
        if noisy.len() == 1 { "" } else { "s" },
        and_list(&names),
        if noisy.len() == 1 { "" } else { "up to " },
        worst * 100.0,
        if noisy.len() == 1 { "its" } else { "their" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(values: &[f64]) -> Summary {
        Summary::of(values).unwrap()
    }

    #[test]
    fn short_and_noisy_stages_are_named() {
        let stages = [
            Figures {
                name: "download",
                wall: summary(&[1.0, 1.5, 0.6]),
                cpu: summary(&[0.01, 0.01, 0.01]),
            },
            Figures {
                name: "decode",
                wall: summary(&[0.02, 0.03, 0.01]),
                cpu: summary(&[0.02, 0.03, 0.01]),
            },
            Figures {
                name: "stats",
                wall: summary(&[0.40, 0.41, 0.42]),
                cpu: summary(&[0.8, 0.8, 0.8]),
            },
        ];
        let w = for_run(&stages, 3);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("warning: decode took under 50 ms"),
            "{w:?}"
        );
        assert!(
            w[1].starts_with(
                "warning: the wall time of download varied by 44 % of its mean over 3 runs"
            ),
            "{w:?}"
        );
        assert!(
            !w[1].contains("stats"),
            "a steady stage is not named: {w:?}"
        );
        assert!(for_run(&stages[2..], 3).is_empty());
    }

    #[test]
    fn lists_read_as_english() {
        let s = |v: &[&str]| and_list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["a"]), "a");
        assert_eq!(s(&["a", "b"]), "a and b");
        assert_eq!(s(&["a", "b", "c"]), "a, b and c");
    }
}
