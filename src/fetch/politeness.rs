//! Being a good guest: per host, at most so many connections at once, a
//! minimum interval between the starts of requests, and, when asked
//! (`--limit-rate`), at most so many bytes a second over all connections to
//! it, as wget's `--limit-rate` does for its one connection. Against
//! `www.gutenberg.org` itself, whose robot policy asks bulk downloaders to
//! use a mirror and to wait between requests, the defaults are conservative.
//!
//! The rate is kept by a [`RateSchedule`] per host: each read's bytes
//! occupy the host's link for `bytes ÷ rate` seconds after the bytes before
//! them, and the reader waits until then before reading more (no credit is
//! saved up while the link is idle, so there are no bursts).

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Hosts that are Project Gutenberg itself rather than a mirror.
pub const GUTENBERG_HOSTS: [&str; 2] = ["www.gutenberg.org", "gutenberg.org"];
/// Connections at once to Project Gutenberg itself, unless told otherwise.
pub const GUTENBERG_CONNECTIONS: usize = 1;
/// Interval between requests to Project Gutenberg itself, unless told otherwise.
pub const GUTENBERG_INTERVAL: Duration = Duration::from_secs(2);

/// The limits the user chose; `None` means the default for the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolitenessConfig {
    /// Most connections open at once to one host.
    pub connections: Option<usize>,
    /// Least time between the starts of two requests to one host.
    pub interval: Option<Duration>,
    /// Most bytes a second from one host, over all its connections
    /// (`None`: no limit).
    pub rate: Option<u64>,
}

/// The limits in force for one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostLimits {
    /// `None` for no limit beyond the number of download workers.
    pub connections: Option<usize>,
    /// Least time between the starts of two requests.
    pub interval: Duration,
}

/// The host (with port) of a URL, lower-cased: `www.gutenberg.org`.
pub fn host_of(url: &str) -> String {
    let after = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    host.to_ascii_lowercase()
}

/// Whether `host` (as [`host_of`] gives it) is Project Gutenberg itself.
pub fn is_gutenberg(host: &str) -> bool {
    let name = host.split(':').next().unwrap_or(host);
    GUTENBERG_HOSTS.contains(&name)
}

impl PolitenessConfig {
    /// The limits for `host`: the user's, else conservative ones for
    /// Project Gutenberg itself, else none.
    pub fn limits_for(&self, host: &str) -> HostLimits {
        let gutenberg = is_gutenberg(host);
        HostLimits {
            connections: self
                .connections
                .or(gutenberg.then_some(GUTENBERG_CONNECTIONS)),
            interval: self.interval.unwrap_or(if gutenberg {
                GUTENBERG_INTERVAL
            } else {
                Duration::ZERO
            }),
        }
    }

    /// What to tell the user before downloading from `url`, if anything.
    pub fn note_for(&self, url: &str) -> Option<String> {
        let host = host_of(url);
        if !is_gutenberg(&host) {
            return None;
        }
        let limits = self.limits_for(&host);
        Some(format!(
            "note: {host} is Project Gutenberg itself, whose robot policy \
             (https://www.gutenberg.org/policy/robot_access.html) asks bulk downloads to use a \
             mirror (https://www.gutenberg.org/MIRRORS.ALL) and to wait between requests; \
             gutenpipe opens at most {} connection(s) to it and waits {} between requests \
             (--per-host-connections, --min-interval to change)",
            limits
                .connections
                .map_or("any".to_string(), |n| n.to_string()),
            crate::units::format_duration(limits.interval),
        ))
    }
}

#[derive(Debug, Default)]
struct HostState {
    active: usize,
    next_start: Option<Instant>,
    bytes: RateSchedule,
}

/// When one host's link is free again, had every byte received from it so
/// far come at the rate: the schedule `--limit-rate` keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateSchedule {
    free_at: Option<Instant>,
}

impl RateSchedule {
    /// Records `bytes` received at `now`, at most `rate` bytes a second
    /// allowed; returns how long the reader waits before reading more.
    /// The bytes follow those before them, or start at `now` if the link
    /// was idle.
    pub fn take(&mut self, bytes: u64, rate: u64, now: Instant) -> Duration {
        let start = self.free_at.map_or(now, |t| t.max(now));
        let busy = Duration::from_secs_f64(bytes as f64 / rate.max(1) as f64);
        let free = start
            .checked_add(busy)
            .or_else(|| start.checked_add(crate::units::MAX_DURATION))
            .unwrap_or(start);
        self.free_at = Some(free);
        free.saturating_duration_since(now)
    }
}

/// A body read within its host's `--limit-rate`: each read waits until the
/// host's schedule allows the bytes it got, and asks for no more than a
/// tenth of a second's worth at a time, so the pace is smooth.
pub struct Throttled<'a, R> {
    inner: R,
    gate: &'a Politeness,
    host: &'a str,
}

impl<R: std::io::Read> std::io::Read for Throttled<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(rate) = self.gate.config.rate else {
            return self.inner.read(buf);
        };
        let most = usize::try_from(rate / 10)
            .unwrap_or(usize::MAX)
            .max(1024)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..most])?;
        if n > 0 {
            super::sleep_unless_interrupted(self.gate.schedule(self.host, n as u64, rate));
        }
        Ok(n)
    }
}

/// The gates of all hosts, shared by the download workers.
#[derive(Debug, Default)]
pub struct Politeness {
    config: PolitenessConfig,
    hosts: Mutex<HashMap<String, HostState>>,
    changed: Condvar,
}

/// A request's place at a host; dropping it frees the place.
pub struct Permit<'a> {
    gate: &'a Politeness,
    host: String,
}

impl Politeness {
    /// The gates for the limits of `config`.
    pub fn new(config: PolitenessConfig) -> Politeness {
        Politeness {
            config,
            ..Politeness::default()
        }
    }

    /// `body`, read within `host`'s `--limit-rate` (as it is when there is
    /// none).
    pub fn throttled<'a, R>(&'a self, host: &'a str, body: R) -> Throttled<'a, R> {
        Throttled {
            inner: body,
            gate: self,
            host,
        }
    }

    /// Records `bytes` received from `host` now; returns how long to wait
    /// before reading more to stay within `rate`.
    fn schedule(&self, host: &str, bytes: u64, rate: u64) -> Duration {
        let Ok(mut hosts) = self.hosts.lock() else {
            return Duration::ZERO;
        };
        let state = hosts.entry(host.to_string()).or_default();
        state.bytes.take(bytes, rate, Instant::now())
    }

    /// Waits until a request to `host` is allowed, and takes a place.
    pub fn acquire(&self, host: &str) -> Permit<'_> {
        let limits = self.config.limits_for(host);
        let permit = Permit {
            gate: self,
            host: host.to_string(),
        };
        let Ok(mut hosts) = self.hosts.lock() else {
            return permit;
        };
        loop {
            let state = hosts.entry(host.to_string()).or_default();
            let now = Instant::now();
            let full = limits.connections.is_some_and(|max| state.active >= max);
            let wait = state.next_start.map_or(Duration::ZERO, |t| t - now.min(t));
            if !full && wait.is_zero() {
                state.active += 1;
                // Saturating: no interval, however long, can overflow the clock.
                state.next_start = now
                    .checked_add(limits.interval)
                    .or_else(|| now.checked_add(crate::units::MAX_DURATION));
                return permit;
            }
            let timeout = if full { Duration::from_secs(1) } else { wait };
            hosts = match self.changed.wait_timeout(hosts, timeout) {
                Ok((guard, _)) => guard,
                Err(_) => return permit,
            };
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Ok(mut hosts) = self.gate.hosts.lock() {
            if let Some(state) = hosts.get_mut(&self.host) {
                state.active = state.active.saturating_sub(1);
            }
        }
        self.gate.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn hosts_are_found_in_urls() {
        assert_eq!(
            host_of("https://WWW.Gutenberg.org/files/84/84-0.txt"),
            "www.gutenberg.org"
        );
        assert_eq!(host_of("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
        assert_eq!(host_of("http://u:p@example.org?x"), "example.org");
    }

    #[test]
    fn gutenberg_gets_conservative_defaults_and_a_note() {
        let c = PolitenessConfig::default();
        let g = c.limits_for("www.gutenberg.org");
        assert_eq!(g.connections, Some(GUTENBERG_CONNECTIONS));
        assert_eq!(g.interval, GUTENBERG_INTERVAL);
        let m = c.limits_for("mirror.example.org");
        assert_eq!(m.connections, None);
        assert_eq!(m.interval, Duration::ZERO);
        assert!(
            c.note_for("https://www.gutenberg.org/cache/epub/84/pg84.txt")
                .unwrap()
                .contains("robot policy")
        );
        assert_eq!(c.note_for("http://127.0.0.1:9/x"), None);
        let chosen = PolitenessConfig {
            connections: Some(4),
            interval: Some(Duration::from_millis(500)),
            rate: None,
        };
        assert_eq!(chosen.limits_for("gutenberg.org").connections, Some(4));
    }

    #[test]
    fn connections_per_host_are_capped() {
        let gate = Politeness::new(PolitenessConfig {
            connections: Some(2),
            interval: None,
            rate: None,
        });
        let active = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    let _permit = gate.acquire("h");
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn an_absurd_interval_does_not_overflow_the_clock() {
        let gate = Politeness::new(PolitenessConfig {
            connections: None,
            interval: Some(Duration::MAX),
            rate: None,
        });
        drop(gate.acquire("h")); // the first request never waits
    }

    #[test]
    fn the_rate_schedule_spaces_bytes_without_bursts() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut host = RateSchedule::default();
        // 1000 bytes a second: 500 bytes keep the link busy half a second.
        assert_eq!(host.take(500, 1000, t0), ms(500));
        // More bytes at once, from another connection: after those.
        assert_eq!(host.take(250, 1000, t0), ms(750));
        // Read later, when the link is free again: no wait carried over …
        assert_eq!(host.take(100, 1000, t0 + ms(750)), ms(100));
        // … and an idle link saves up no credit for a burst.
        assert_eq!(host.take(1000, 1000, t0 + ms(5000)), ms(1000));
        // Over a whole body, the bytes take bytes ÷ rate in all.
        let mut other = RateSchedule::default();
        let mut now = t0;
        for _ in 0..10 {
            now += other.take(2_000, 10_000, now);
        }
        assert_eq!(now - t0, ms(2000));
    }

    #[test]
    fn without_a_rate_reads_pass_through() {
        use std::io::Read;
        let gate = Politeness::new(PolitenessConfig::default());
        let mut out = Vec::new();
        gate.throttled("h", &b"abc"[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"abc");
    }

    #[test]
    fn requests_to_a_host_are_spaced() {
        let gate = Politeness::new(PolitenessConfig {
            connections: None,
            interval: Some(Duration::from_millis(30)),
            rate: None,
        });
        let start = Instant::now();
        for _ in 0..4 {
            drop(gate.acquire("h"));
        }
        // Three intervals must pass between four starts.
        assert!(start.elapsed() >= Duration::from_millis(90));
    }
}
