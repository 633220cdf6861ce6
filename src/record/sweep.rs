//! The record of a sweep: for each download pool size, the download stage's
//! time beside what the source's latency model predicts; for each CPU pool
//! size, the processing stages' time.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::Summary;

/// One setting of the pools, measured `runs` times.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    /// Download workers.
    pub download_workers: usize,
    /// CPU workers.
    pub cpu_workers: usize,
    /// Runs measured at this setting.
    pub runs: usize,
    /// Wall time of the download stage.
    pub download_seconds: Summary,
    /// Wall time of the processing stages (decode excluded), added up.
    pub process_seconds: Summary,
    /// CPU time of the processing stages, added up.
    pub process_cpu_seconds: Summary,
    /// Wall time of the whole run.
    pub total_seconds: Summary,
    /// What the latency model predicts for the download stage with this
    /// many workers (see [`crate::latency::LatencyModel::ideal_batch_seconds`]).
    pub ideal_download_seconds: f64,
}

/// A whole sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    /// The version of gutenpipe that wrote the report.
    pub gutenpipe: &'static str,
    /// The settings: books, latency model, the lists swept.
    pub config: SweepSettings,
    /// Cores of the machine it ran on.
    pub cores: usize,
    /// The processing stages whose time `process_seconds` adds up.
    pub process_stages: Vec<String>,
    /// The most books that failed in any one run (0 when all came through).
    pub failed_books: usize,
    /// The steps' own colours in the pictures, by name.
    #[serde(skip)]
    pub colours: BTreeMap<String, &'static str>,
    /// Download workers varied, CPU workers at the largest value asked for.
    pub download: Vec<SweepPoint>,
    /// CPU workers varied, download workers at the largest value asked for.
    pub cpu: Vec<SweepPoint>,
}

/// The settings of a sweep, as its report records them.
#[derive(Debug, Clone, Serialize)]
pub struct SweepSettings {
    /// The corpus folder the source serves, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corpus: Option<String>,
    /// Books in each run.
    pub books: usize,
    /// Always `staged`: each stage's time stands on its own.
    pub mode: super::Mode,
    /// Download workers tried.
    pub download_workers: Vec<usize>,
    /// CPU workers tried.
    pub cpu_workers: Vec<usize>,
    /// Save workers (not swept).
    pub save_workers: usize,
    /// The processing stages run.
    pub stages: Vec<String>,
    /// Runs measured at each setting.
    pub runs: u32,
    /// The embedded mirror's latency per request, when it sets one.
    pub latency_seconds: Option<f64>,
    /// The latency's jitter (a fraction of it), when set.
    pub jitter: Option<f64>,
    /// The embedded mirror's bandwidth per connection, when limited.
    pub bandwidth_bytes_per_second: Option<u64>,
}
