//! The latency model: what one response costs on a modelled connection — a
//! delay before the first byte (latency with jitter) and a cap on the
//! bandwidth. The embedded mirror sleeps as the model says; the sweep plots
//! what it predicts beside what was measured.

use std::time::Duration;

use crate::rng::Rng;

/// How slow a modelled server is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyModel {
    /// Time to the first byte of a response.
    pub latency: Duration,
    /// Relative spread of the latency: 0.2 draws it uniformly from ±20 %.
    pub jitter: f64,
    /// Bytes per second on one connection; `None` for no limit.
    pub bandwidth: Option<u64>,
    /// Seed of the jitter; request n of a run always gets the same delay.
    pub seed: u64,
}

impl Default for LatencyModel {
    fn default() -> Self {
        LatencyModel {
            latency: Duration::ZERO,
            jitter: 0.0,
            bandwidth: None,
            seed: 0,
        }
    }
}

impl LatencyModel {
    /// The delay before the response to the `request`-th request.
    pub fn delay(&self, request: u64) -> Duration {
        if self.latency.is_zero() || self.jitter <= 0.0 {
            return self.latency;
        }
        let u = Rng::derive(self.seed, request).unit();
        let factor = (1.0 + self.jitter * (2.0 * u - 1.0)).max(0.0);
        self.latency.mul_f64(factor)
    }

    /// The time the model says one response of `bytes` takes, without jitter:
    /// what a perfectly parallel client could not beat.
    pub fn ideal_time(&self, bytes: u64) -> Duration {
        let transfer = match self.bandwidth {
            Some(rate) => Duration::from_secs_f64(bytes as f64 / rate as f64),
            None => Duration::ZERO,
        };
        self.latency + transfer
    }
    /// The time the model predicts for downloading books of `sizes` bytes
    /// on `workers` threads: each worker takes the next book in input order
    /// when it is free, and each book takes [`LatencyModel::ideal_time`].
    /// With books of one size this is ⌈N ÷ W⌉ × (latency + size ÷
    /// bandwidth); with real sizes the largest book bounds it from below
    /// however many workers there are.
    pub fn ideal_batch_seconds(&self, sizes: &[u64], workers: usize) -> f64 {
        let mut free_at = vec![0.0f64; workers.max(1).min(sizes.len().max(1))];
        for &size in sizes {
            let (i, start) = free_at
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            free_at[i] = start + self.ideal_time(size).as_secs_f64();
        }
        free_at.into_iter().fold(0.0, f64::max)
    }
}

/// A latency's jitter: a fraction between 0 and 1.
pub fn parse_jitter(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "`{text}` is not a jitter between 0 and 1 (e.g. 0.2)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_its_band_and_repeats() {
        let m = LatencyModel {
            latency: Duration::from_millis(100),
            jitter: 0.2,
            ..LatencyModel::default()
        };
        for r in 0..200 {
            let d = m.delay(r);
            assert!(
                d >= Duration::from_millis(80) && d <= Duration::from_millis(120),
                "{d:?}"
            );
            assert_eq!(d, m.delay(r));
        }
        assert_ne!(m.delay(1), m.delay(2));
    }

    #[test]
    fn ideal_is_ceil_n_over_w_for_equal_books_and_bounded_by_the_largest() {
        let model = LatencyModel {
            latency: Duration::from_millis(100),
            bandwidth: Some(1_000_000),
            ..LatencyModel::default()
        };
        let sizes = vec![100_000; 10]; // 0.1 s + 0.1 s each
        for (w, expected) in [(1, 2.0), (2, 1.0), (3, 0.8), (4, 0.6), (10, 0.2), (64, 0.2)] {
            let got = model.ideal_batch_seconds(&sizes, w);
            assert!((got - expected).abs() < 1e-9, "{w} workers: {got}");
        }
        let mut mixed = vec![0; 9];
        mixed.push(2_000_000); // 2.1 s on its own
        assert!((model.ideal_batch_seconds(&mixed, 64) - 2.1).abs() < 1e-9);
    }
}
