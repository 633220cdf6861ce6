//! Parsing and printing of the quantities people type and read: durations
//! (`500ms`, `2s`), byte sizes (`64MiB`, `300KB`) and rates (`2MB/s`).
//!
//! Decimal prefixes (kB, MB, GB) mean powers of 1000 and binary ones (KiB,
//! MiB, GiB) powers of 1024, as everywhere else.

use std::time::Duration;

/// The longest duration any flag takes: 100 years. Longer ones are refused
/// as mistakes, and every clock can add this much without overflowing.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 86_400);

/// Parses a duration: a number followed by `us`, `ms`, `s`, `m`, `h` or `d`
/// (`500ms`, `1.5s`, `2m`, `7d`). A bare `0` is accepted; more than
/// [`MAX_DURATION`] is refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("`{text}` has no unit; write e.g. 500ms, 2s or 1m"))?;
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number; write e.g. 500ms"))?;
    let seconds = match unit.trim() {
        "us" | "µs" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        other => {
            return Err(format!(
                "unknown time unit `{other}` in `{text}`; use us, ms, s, m, h or d"
            ));
        }
    };
    let d = Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("`{text}` is not a valid duration"))?;
    if d > MAX_DURATION {
        return Err(format!(
            "`{text}` is longer than the limit of 100 years (36500d)"
        ));
    }
    Ok(d)
}

/// Parses a byte count as [`parse_bytes`] does, refusing more than `max`.
pub fn parse_bytes_at_most(text: &str, max: u64) -> Result<u64, String> {
    let bytes = parse_bytes(text)?;
    if bytes > max {
        return Err(format!(
            "`{text}` is more than the limit of {} ({max} bytes)",
            format_bytes(max)
        ));
    }
    Ok(bytes)
}

/// Parses a byte count: a number with an optional unit (`B`, `kB`/`KB`, `MB`,
/// `GB`, `KiB`, `MiB`, `GiB`), case-insensitive for the decimal ones.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 64MiB, 300KB or 1000"))?;
    let factor: f64 = match unit.trim() {
        "" | "B" | "b" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        u if u.eq_ignore_ascii_case("kb") || u.eq_ignore_ascii_case("k") => 1e3,
        u if u.eq_ignore_ascii_case("mb") || u.eq_ignore_ascii_case("m") => 1e6,
        u if u.eq_ignore_ascii_case("gb") || u.eq_ignore_ascii_case("g") => 1e9,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{text}`; use B, KB, MB, GB, KiB, MiB or GiB"
            ));
        }
    };
    let bytes = value * factor;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(bytes.round() as u64)
}

/// Parses a rate in bytes per second (`2MB/s`, `512KiB/s`); `0` or
/// `unlimited` mean no limit and give `None`.
pub fn parse_rate(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t == "0" || t.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    let size = t
        .strip_suffix("/s")
        .ok_or_else(|| format!("`{text}` is not a rate; write e.g. 2MB/s, or 0 for unlimited"))?;
    let bytes = parse_bytes(size)?;
    Ok((bytes > 0).then_some(bytes))
}

/// A byte count for people: `812 B`, `45.2 kB`, `3.10 MB`, `1.20 GB`.
pub fn format_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1e3 {
        format!("{bytes} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.2} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// A duration for people: `850 µs`, `42.1 ms`, `3.27 s`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// How old something is, for people: `40 s`, `12 min`, `5 h`, `3 days`.
pub fn format_age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        7200..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86400),
    }
}

/// `n` and the noun for it: `1 book`, `2 books`, `0 books`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count(1u32, "book", "books"), "1 book");
        assert_eq!(count(0u32, "book", "books"), "0 books");
        assert_eq!(count(2u64, "entry", "entries"), "2 entries");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("500").unwrap_err().contains("no unit"));
        assert_eq!(parse_duration("5h"), Ok(Duration::from_secs(5 * 3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert!(
            parse_duration("5y")
                .unwrap_err()
                .contains("unknown time unit")
        );
        assert!(parse_duration("ms").is_err());
    }

    #[test]
    fn absurd_durations_are_refused() {
        for absurd in [
            "200000000000000d",
            "36501d",
            "1e30s",
            "99999999999999999999999h",
        ] {
            assert!(parse_duration(absurd).is_err(), "{absurd}");
        }
        assert!(
            parse_duration("200000000000000d")
                .unwrap_err()
                .contains("100 years")
        );
        assert_eq!(parse_duration("36500d"), Ok(MAX_DURATION));
        // Every clock can take the longest duration accepted.
        assert!(
            std::time::Instant::now()
                .checked_add(MAX_DURATION)
                .is_some()
        );
        assert!(
            std::time::SystemTime::now()
                .checked_add(MAX_DURATION)
                .is_some()
        );
    }

    #[test]
    fn sizes_can_be_bounded() {
        assert_eq!(parse_bytes_at_most("64MiB", 1 << 30), Ok(64 << 20));
        let err = parse_bytes_at_most("18446744073709551615", 1_000_000_000_000).unwrap_err();
        assert!(err.contains("more than the limit of 1000.00 GB"), "{err}");
    }

    #[test]
    fn sizes_and_rates() {
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("300KB"), Ok(300_000));
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert_eq!(parse_rate("2MB/s"), Ok(Some(2_000_000)));
        assert_eq!(parse_rate("unlimited"), Ok(None));
        assert_eq!(parse_rate("0"), Ok(None));
        assert!(parse_rate("2MB").is_err());
        assert!(parse_bytes("3 parsecs").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_bytes(812), "812 B");
        assert_eq!(format_bytes(3_100_000), "3.10 MB");
        assert_eq!(format_duration(Duration::from_millis(42)), "42.0 ms");
        assert_eq!(format_duration(Duration::from_millis(3270)), "3.27 s");
        assert_eq!(format_age(Duration::from_secs(40)), "40 s");
        assert_eq!(format_age(Duration::from_secs(720)), "12 min");
        assert_eq!(format_age(Duration::from_secs(5 * 3600 + 10)), "5 h");
        assert_eq!(format_age(Duration::from_secs(3 * 86400)), "3 days");
    }
}
