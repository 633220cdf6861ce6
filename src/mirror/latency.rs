//! The mirror's model of a distant server: a delay before the first byte of
//! every response (latency with jitter) and a cap on each connection's
//! bandwidth. Each connection sleeps on its own thread, so concurrent
//! downloads overlap as they would against a real server.

use std::io::{self, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use crate::rng::Rng;

/// How slow the simulated server is.
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

    /// Copies `body` to `out` no faster than the bandwidth allows.
    pub fn send(&self, body: &mut impl Read, out: &mut impl Write) -> io::Result<u64> {
        let chunk = match self.bandwidth {
            Some(rate) => (rate / 50).clamp(1024, 64 * 1024) as usize,
            None => 64 * 1024,
        };
        let mut buf = vec![0u8; chunk];
        let started = Instant::now();
        let mut sent = 0u64;
        loop {
            let n = body.read(&mut buf)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
            sent += n as u64;
            if let Some(rate) = self.bandwidth {
                let due = Duration::from_secs_f64(sent as f64 / rate as f64);
                let elapsed = started.elapsed();
                if due > elapsed {
                    out.flush()?;
                    thread::sleep(due - elapsed);
                }
            }
        }
        out.flush()?;
        Ok(sent)
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
    fn bandwidth_paces_the_body() {
        let m = LatencyModel {
            bandwidth: Some(200_000),
            ..LatencyModel::default()
        };
        let body = vec![7u8; 40_000];
        let mut out = Vec::new();
        let start = Instant::now();
        assert_eq!(m.send(&mut body.as_slice(), &mut out).unwrap(), 40_000);
        assert_eq!(out, body);
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }
}
