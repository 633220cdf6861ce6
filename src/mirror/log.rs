//! The mirror's request log: one [`Logged`] line per request answered —
//! when, from whom, what was asked, and the answer (status and bytes, or the
//! fault injected) and how long it took — handed to the [`RequestLog`] its
//! config names (`gutenpipe mirror` prints them; tests may count them).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::Fault;

/// How a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A status and the body bytes sent.
    Status {
        /// The response's status code.
        status: u16,
        /// Body bytes sent.
        bytes: u64,
    },
    /// A fault was injected instead.
    Fault(Fault),
    /// The connection failed while answering (the client went away).
    Broken,
}

/// One request, as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// When the request was read.
    pub at: SystemTime,
    /// The client's address, when known.
    pub peer: Option<SocketAddr>,
    /// `GET`, `HEAD` …
    pub method: String,
    /// The path, with its query string when it has one.
    pub target: String,
    /// How it was answered.
    pub answer: Answer,
    /// From reading the request to the end of the answer (the latency
    /// model's delay included).
    pub took: Duration,
}

impl fmt::Display for Logged {
    /// `2024-05-01T12:00:00Z 127.0.0.1:40112 "GET /files/84/84-0.txt" 200 58.6 kB in 212.0 ms`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} \"{} {}\" ",
            crate::clock::rfc3339(self.at),
            self.peer.map_or("-".to_string(), |p| p.to_string()),
            self.method,
            self.target
        )?;
        match self.answer {
            Answer::Status { status, bytes } => {
                write!(f, "{status} {}", crate::units::format_bytes(bytes))?
            }
            Answer::Fault(fault) => write!(f, "fault {}", fault.name())?,
            Answer::Broken => write!(f, "connection lost")?,
        }
        write!(f, " in {}", crate::units::format_duration(self.took))
    }
}

/// Where the mirror sends its log lines.
#[derive(Clone)]
pub struct RequestLog(pub Arc<dyn Fn(&Logged) + Send + Sync>);

impl RequestLog {
    /// A log that calls `f` with each request.
    pub fn new(f: impl Fn(&Logged) + Send + Sync + 'static) -> RequestLog {
        RequestLog(Arc::new(f))
    }
}

impl fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestLog")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_request() {
        let line = Logged {
            at: SystemTime::UNIX_EPOCH + Duration::from_secs(86_400),
            peer: "127.0.0.1:40112".parse().ok(),
            method: "GET".into(),
            target: "/files/84/84-0.txt".into(),
            answer: Answer::Status {
                status: 200,
                bytes: 58_600,
            },
            took: Duration::from_millis(212),
        };
        assert_eq!(
            line.to_string(),
            "1970-01-02T00:00:00Z 127.0.0.1:40112 \"GET /files/84/84-0.txt\" 200 58.6 kB in 212.0 ms"
        );
        let fault = Logged {
            answer: Answer::Fault(Fault::ResetBody),
            ..line
        };
        assert!(fault.to_string().contains("\" fault reset-body in "));
    }
}
