//! The flags of `gutenpipe run` that shape how books are downloaded and
//! saved beyond the basic timeouts: retries and backoff, per-host
//! politeness and rate limit, and `--force` and `--refresh` against resume.

use std::time::Duration;

use clap::Args;
use gutenpipe::fetch::{PolitenessConfig, RetryPolicy};
use gutenpipe::units;

use super::Bandwidth;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Retries, politeness, rate and resume")]
pub struct DownloadArgs {
    /// Attempts after the first, per URL, on a transient failure (5xx, 408,
    /// 429, reset, truncated body, timeout); other failures are final.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: u32,
    /// Wait before the first retry; it doubles with each retry, with jitter.
    #[arg(long, default_value = "1s", value_parser = units::parse_duration)]
    pub retry_delay: Duration,
    /// Longest wait between retries that the doubling reaches.
    #[arg(long, default_value = "30s", value_parser = units::parse_duration)]
    pub max_retry_delay: Duration,
    /// Longest `Retry-After` honoured; a server asking more gets this.
    #[arg(long, default_value = "2m", value_parser = units::parse_duration)]
    pub retry_after_cap: Duration,
    /// Most connections open at once to one host (default: no limit beyond
    /// --download-workers; 1 for www.gutenberg.org).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub per_host_connections: Option<u16>,
    /// Least time between the starts of two requests to one host (default:
    /// 0; 2s for www.gutenberg.org).
    #[arg(long, value_name = "D", value_parser = units::parse_duration)]
    pub min_interval: Option<Duration>,
    /// Most bytes a second downloaded from one host, all connections to it
    /// together, as wget's --limit-rate (e.g. 500KB/s, 2MiB/s; 0: no
    /// limit). For any source; the embedded mirror's --bandwidth is the
    /// server's own pace per connection.
    #[arg(long, value_name = "RATE", value_parser = super::parse_bandwidth)]
    pub limit_rate: Option<Bandwidth>,
    /// Fetch every book again, even those already saved and matching the
    /// manifest of the output folder.
    #[arg(long, conflicts_with = "refresh")]
    pub force: bool,
    /// Ask the source whether each book already saved has changed (a
    /// conditional request with its ETag or Last-Modified; for a local
    /// folder, its size and time) and replace those that have.
    #[arg(long)]
    pub refresh: bool,
}

impl DownloadArgs {
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            retries: self.retries,
            base_delay: self.retry_delay,
            max_delay: self.max_retry_delay.max(self.retry_delay),
            retry_after_cap: self.retry_after_cap,
        }
    }

    pub fn politeness(&self) -> PolitenessConfig {
        PolitenessConfig {
            connections: self.per_host_connections.map(usize::from),
            interval: self.min_interval,
            rate: self.limit_rate.and_then(|b| b.0),
        }
    }
}
