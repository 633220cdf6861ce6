//! When to try a download again: exponential backoff with jitter, and the
//! server's own `Retry-After` honoured up to a cap.

use std::time::{Duration, SystemTime};

use crate::clock;
use crate::rng::Rng;

/// How failed attempts are repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts after the first one, per URL.
    pub retries: u32,
    /// Wait before the first retry; it doubles with every retry.
    pub base_delay: Duration,
    /// Longest wait the backoff reaches.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; a server asking more gets this.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first): half the
    /// exponential backoff plus a random part of the other half ("equal
    /// jitter", so clients that failed together do not retry together), or
    /// the server's `Retry-After` (capped) when that is longer.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, rng: &mut Rng) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_delay);
        let half = exponential / 2;
        let backoff = half + half.mul_f64(rng.unit());
        match retry_after {
            Some(asked) => backoff.max(asked.min(self.retry_after_cap)),
            None => backoff,
        }
    }
}

/// A `Retry-After` value: delay-seconds (`120`) or an HTTP date, as a wait
/// from `now`. A date in the past means no wait.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = clock::parse_http_date(v)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert, proptest};

    proptest! {
        #[test]
        fn any_retry_after_value_is_parsed_without_panic(value in "\\PC{0,40}", digits in "[0-9]{1,30}") {
            let now = SystemTime::now();
            let mut rng = Rng::new(3);
            for v in [value.clone(), digits.clone(), format!("Wed, 21 Oct {digits} 07:28:00 GMT")] {
                let wait = parse_retry_after(&v, now);
                let d = RetryPolicy::default().delay(2, wait, &mut rng);
                prop_assert!(d <= RetryPolicy::default().retry_after_cap.max(RetryPolicy::default().max_delay));
            }
        }
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_the_cap() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        let mut rng = Rng::new(1);
        for (retry, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (30, 1000),
        ] {
            for _ in 0..20 {
                let d = p.delay(retry, None, &mut rng).as_millis();
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d} ms");
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(10),
            retry_after_cap: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let mut rng = Rng::new(2);
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2)), &mut rng),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3600)), &mut rng),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn retry_after_values() {
        let now = clock::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        // Absurd values are refused or capped, never a panic.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 300000000000 07:28:00 GMT", now),
            None
        );
        let huge = parse_retry_after("18446744073709551615", now);
        assert_eq!(huge, Some(Duration::from_secs(u64::MAX)));
        let p = RetryPolicy::default();
        assert_eq!(p.delay(3, huge, &mut Rng::new(1)), p.retry_after_cap);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
