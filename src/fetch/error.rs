//! Why a download failed, sorted into what a user needs to know and into
//! what is worth another try (5xx, 408, 429, resets, truncation, timeouts)
//! and what is final (404 everywhere, other 4xx, too large, redirect loops).

use std::time::Duration;

/// Why one book could not be downloaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Every Gutenberg layout tried answered 404.
    #[error(
        "not found (HTTP 404) at any Gutenberg layout; tried {}",
        listed(tried)
    )]
    NotFound {
        /// The URLs tried.
        tried: Vec<String>,
    },
    /// No file of the book in a local folder, at any layout.
    #[error(
        "no file of this book in the folder at any Gutenberg layout; looked for {}",
        listed(tried)
    )]
    Missing {
        /// The paths looked for.
        tried: Vec<String>,
    },
    /// A local file that is there could not be read.
    #[error("could not read {url}: {detail}")]
    Read {
        /// The file, as a `file://` URL.
        url: String,
        /// What the system said.
        detail: String,
    },
    /// A zip file that did not give a book.
    #[error("{url}: {source}")]
    Archive {
        /// The zip file's URL.
        url: String,
        /// What is wrong with it.
        #[source]
        source: super::archive::ArchiveError,
    },
    /// The server answered with a status other than 200 (and 404 at a layout).
    #[error("HTTP {status} from {url}")]
    Status {
        /// The URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// How long the server asked us to wait (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// No connection: refused, unreachable, or the name not found.
    #[error("could not connect to {url}: {detail}")]
    Connect {
        /// The URL asked.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// A timeout passed (connecting, between two reads, or the whole request).
    #[error("timed out ({detail}) fetching {url}")]
    Timeout {
        /// The URL asked.
        url: String,
        /// Which timeout.
        detail: String,
    },
    /// The body grew past `--max-bytes`.
    #[error("{url} sent more than the limit of {limit} bytes (--max-bytes)")]
    TooLarge {
        /// The URL asked.
        url: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The connection ended before the length the server announced.
    #[error("{url} ended after {received} of {expected} bytes")]
    Truncated {
        /// The URL asked.
        url: String,
        /// Bytes received.
        received: u64,
        /// Bytes announced (`Content-Length`).
        expected: u64,
    },
    /// Redirected in a loop, or too many times.
    #[error("too many redirects from {url} (a redirect loop, or more than {limit})")]
    TooManyRedirects {
        /// The URL asked.
        url: String,
        /// Most redirects followed.
        limit: u32,
    },
    /// A `Content-Encoding` gutenpipe cannot decode, or cannot be sure of.
    #[error(
        "{url} sent its body in an encoding gutenpipe cannot decode (Content-Encoding: {encoding})"
    )]
    Encoding {
        /// The URL asked.
        url: String,
        /// The encodings the server named.
        encoding: String,
    },
    /// Anything else the HTTP exchange failed with (a malformed answer).
    #[error("{url}: {detail}")]
    Transport {
        /// The URL asked.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// A 200 with no body at all.
    #[error("{url} answered 200 with an empty body")]
    Empty {
        /// The URL asked.
        url: String,
    },
    /// The body did not fit in memory.
    #[error(
        "not enough memory to hold the {bytes} bytes {url} sent (--max-bytes to lower the limit)"
    )]
    OutOfMemory {
        /// The URL asked.
        url: String,
        /// Bytes the buffer was to hold.
        bytes: u64,
    },
    /// Ctrl-C or SIGTERM came during the download.
    #[error("download of {url} interrupted")]
    Interrupted {
        /// The URL asked.
        url: String,
    },
    /// The last error of a download that was retried.
    #[error("{}", retried_message(*retries, *exhausted, last))]
    Retried {
        /// Retries made.
        retries: u32,
        /// Whether the last error was worth another try but none was left.
        exhausted: bool,
        /// The last error.
        last: Box<FetchError>,
    },
}

/// The URLs tried, the first few of them when there are many.
fn listed(tried: &[String]) -> String {
    const SHOWN: usize = 4;
    if tried.len() <= SHOWN + 1 {
        return tried.join(", ");
    }
    format!(
        "{} and {} more",
        tried[..SHOWN].join(", "),
        tried.len() - SHOWN
    )
}

fn retried_message(retries: u32, exhausted: bool, last: &FetchError) -> String {
    let s = if retries == 1 { "y" } else { "ies" };
    if exhausted {
        format!(
            "gave up after {} attempts (--retries {retries}): {last}",
            retries + 1
        )
    } else {
        format!("{last} (after {retries} retr{s})")
    }
}

impl FetchError {
    /// Whether another attempt may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status >= 500 || matches!(status, 408 | 429),
            FetchError::Timeout { .. }
            | FetchError::Truncated { .. }
            | FetchError::Empty { .. }
            | FetchError::Transport { .. } => true,
            FetchError::NotFound { .. }
            | FetchError::Missing { .. }
            | FetchError::Read { .. }
            | FetchError::Archive { .. }
            | FetchError::Connect { .. }
            | FetchError::TooLarge { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::Encoding { .. }
            | FetchError::OutOfMemory { .. }
            | FetchError::Interrupted { .. }
            | FetchError::Retried { .. } => false,
        }
    }

    /// The URL the error happened at (the last one tried).
    pub fn url(&self) -> Option<&str> {
        match self {
            FetchError::NotFound { tried } | FetchError::Missing { tried } => {
                tried.last().map(String::as_str)
            }
            FetchError::Status { url, .. }
            | FetchError::Connect { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Truncated { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::Encoding { url, .. }
            | FetchError::Empty { url }
            | FetchError::OutOfMemory { url, .. }
            | FetchError::Interrupted { url }
            | FetchError::Read { url, .. }
            | FetchError::Archive { url, .. }
            | FetchError::Transport { url, .. } => Some(url),
            FetchError::Retried { last, .. } => last.url(),
        }
    }

    /// The error for the zip file at `url` that did not give a book: too
    /// large is [`FetchError::TooLarge`], as for any body.
    pub fn from_archive(url: &str, error: super::archive::ArchiveError) -> FetchError {
        match error {
            super::archive::ArchiveError::TooLarge { limit, .. } => FetchError::TooLarge {
                url: url.to_string(),
                limit,
            },
            source => FetchError::Archive {
                url: url.to_string(),
                source,
            },
        }
    }

    /// Attempts repeated before the download ended with this error.
    pub fn retries(&self) -> u32 {
        match self {
            FetchError::Retried { retries, .. } => *retries,
            _ => 0,
        }
    }

    /// The wait the server asked for, if it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Sorts a `ureq` error into what a user needs to know.
pub(super) fn classify(url: &str, err: ureq::Error, max_redirects: u32) -> FetchError {
    let url = url.to_string();
    match err {
        ureq::Error::Timeout(t) => FetchError::Timeout {
            url,
            detail: t.to_string(),
        },
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => FetchError::Connect {
            url,
            detail: err.to_string(),
        },
        ureq::Error::TooManyRedirects => FetchError::TooManyRedirects {
            url,
            limit: max_redirects,
        },
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            FetchError::Connect {
                url,
                detail: "connection refused".into(),
            }
        }
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            FetchError::Timeout {
                url,
                detail: "read".into(),
            }
        }
        // The system resolver's failure (no network, no such host): as
        // final as ureq's own `HostNotFound`.
        ureq::Error::Io(e) if e.to_string().starts_with("failed to lookup address") => {
            FetchError::Connect {
                url,
                detail: e.to_string(),
            }
        }
        ureq::Error::Io(e) => FetchError::Transport {
            url,
            detail: describe_io(&e),
        },
        other => FetchError::Transport {
            url,
            detail: other.to_string(),
        },
    }
}

/// An I/O error in words a user recognises.
fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionReset => "the connection was reset by the server".into(),
        ConnectionAborted => "the connection was aborted".into(),
        UnexpectedEof => "the server closed the connection early".into(),
        BrokenPipe => "the connection broke".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> FetchError {
        FetchError::Status {
            url: "u".into(),
            status: code,
            retry_after: None,
        }
    }

    #[test]
    fn transient_and_final() {
        for code in [500, 502, 503, 504, 408, 429] {
            assert!(status(code).is_transient(), "{code}");
        }
        for code in [400, 401, 403, 404, 410, 451] {
            assert!(!status(code).is_transient(), "{code}");
        }
        let too_large = FetchError::TooLarge {
            url: "u".into(),
            limit: 1,
        };
        assert!(!too_large.is_transient());
    }

    #[test]
    fn a_failed_name_lookup_is_final() {
        let lookup = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        let e = classify("https://x/", ureq::Error::Io(lookup), 5);
        assert!(matches!(e, FetchError::Connect { .. }), "{e:?}");
        assert!(!e.is_transient());
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(classify("https://x/", ureq::Error::Io(reset), 5).is_transient());
    }

    #[test]
    fn retried_errors_keep_their_url_and_say_how_often() {
        let e = FetchError::Retried {
            retries: 3,
            exhausted: true,
            last: Box::new(FetchError::Timeout {
                url: "http://x/1".into(),
                detail: "read".into(),
            }),
        };
        assert_eq!(e.url(), Some("http://x/1"));
        assert_eq!(e.retries(), 3);
        assert!(e.to_string().starts_with("gave up after 4 attempts"), "{e}");
        let e = FetchError::Retried {
            retries: 1,
            exhausted: false,
            last: Box::new(status(404)),
        };
        assert!(e.to_string().ends_with("(after 1 retry)"), "{e}");
    }
}
