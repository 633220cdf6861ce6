//! The mirror's pacing of a response body as its [`LatencyModel`] says.
//! Each connection sleeps on its own thread, so concurrent downloads overlap
//! as they would against a real server.

use std::io::{self, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use crate::latency::LatencyModel;

/// Copies `body` to `out` no faster than `model`'s bandwidth allows.
pub fn send(model: &LatencyModel, body: &mut impl Read, out: &mut impl Write) -> io::Result<u64> {
    let chunk = match model.bandwidth {
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
        if let Some(rate) = model.bandwidth {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_paces_the_body() {
        let m = LatencyModel {
            bandwidth: Some(200_000),
            ..LatencyModel::default()
        };
        let body = vec![7u8; 40_000];
        let mut out = Vec::new();
        let start = Instant::now();
        assert_eq!(send(&m, &mut body.as_slice(), &mut out).unwrap(), 40_000);
        assert_eq!(out, body);
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }
}
