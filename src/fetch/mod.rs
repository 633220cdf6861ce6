//! Downloading books: one shared `ureq` agent with keep-alive and timeouts,
//! Gutenberg's URL layouts tried in turn for an ebook id, transient failures
//! retried with backoff, per-host politeness, and checks on every body (its
//! length against `Content-Length`, its size against a cap on the decoded
//! bytes), so that no server can make a download hang forever, fill the
//! memory, or pass off half a book as a whole one.
//!
//! `error` sorts failures, `retry` says when to try again,
//! `politeness` keeps each host's connections and request rate in bounds,
//! and `body` reads a body whatever the server claims about it.

pub mod body;
mod error;
mod politeness;
mod resolve;
mod retry;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::book::{BookId, BookRequest, Layout, Target};
use crate::rng::Rng;
pub use error::FetchError;
use error::classify;
pub use politeness::{
    HostLimits, Politeness, PolitenessConfig, RateSchedule, Throttled, host_of, is_gutenberg,
};
pub use retry::{RetryPolicy, parse_retry_after};

/// Most redirects followed for one request; more is taken for a loop.
pub const MAX_REDIRECTS: u32 = 5;

/// The largest `--max-bytes` accepted: 1000 GB. Bodies are held in memory,
/// so more is a mistake (and a larger one would risk overflows).
pub const MAX_BYTES_LIMIT: u64 = 1_000_000_000_000;

/// Parses `--max-bytes`: a size up to [`MAX_BYTES_LIMIT`].
pub fn parse_max_bytes(text: &str) -> Result<u64, String> {
    crate::units::parse_bytes_at_most(text, MAX_BYTES_LIMIT)
}

/// Whether `url` starts with `http://` or `https://`, in any case.
pub fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `url` with its scheme in lower case (`HTTP://x` becomes `http://x`), as
/// the scheme is case-insensitive.
pub fn normalize_scheme(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{}://{rest}", scheme.to_ascii_lowercase()),
        None => url.to_string(),
    }
}

/// `url` without the `user:password@` part of its authority, if any: what
/// is recorded and printed, so that no credential lands in a manifest, a
/// report or a terminal.
pub fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{tail}"),
        None => url.to_string(),
    }
}

/// How downloads behave.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Limit on establishing a connection.
    pub connect_timeout: Duration,
    /// Limit on any single wait for bytes from the server.
    pub read_timeout: Duration,
    /// Limit on one whole request, from connecting to the last byte.
    pub request_timeout: Duration,
    /// Largest body accepted, after any transfer decoding.
    pub max_bytes: u64,
    pub user_agent: String,
    /// Connections kept open for reuse, per host (one per download worker).
    pub idle_connections: usize,
    /// When and how often failed attempts are repeated.
    pub retry: RetryPolicy,
    /// Per-host limits on connections and request rate.
    pub politeness: PolitenessConfig,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(300),
            max_bytes: 64 << 20,
            user_agent: default_user_agent(),
            idle_connections: 16,
            retry: RetryPolicy::default(),
            politeness: PolitenessConfig::default(),
        }
    }
}

/// `gutenpipe/VERSION (+https://github.com/…)`-style agent naming this tool.
pub fn default_user_agent() -> String {
    concat!(
        "gutenpipe/",
        env!("CARGO_PKG_VERSION"),
        " (Project Gutenberg downloader)"
    )
    .to_string()
}

/// A downloaded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL that answered.
    pub url: String,
    /// The layout that answered, when fetched by ebook id.
    pub layout: Option<Layout>,
    pub bytes: Vec<u8>,
    /// The `charset` parameter of the response's `Content-Type`.
    pub charset: Option<String>,
    /// Attempts repeated before this one succeeded (over all layouts tried).
    pub retries: u32,
    /// Why the body may not be the book (an HTML page, a body that ended
    /// with the connection without Gutenberg's END marker), if it may not.
    pub suspect: Option<String>,
}

/// The largest error body read to its end so that its connection serves
/// the next request.
const DRAINED_ERROR_BODY: u64 = 64 << 10;

/// Reads the body of an error response (a 404 when a layout is missing) to
/// its end when it announces a small size, so that the connection goes
/// back to the pool for the next request (the next layout, the next book)
/// instead of being closed: a body dropped unread closes it.
fn drain_small_body(response: &mut ureq::http::Response<ureq::Body>) {
    let body = response.body_mut();
    if body
        .content_length()
        .is_some_and(|n| n <= DRAINED_ERROR_BODY)
    {
        let _ = body.with_config().limit(DRAINED_ERROR_BODY).read_to_vec();
    }
}

/// Downloads books from one source. Shared by all download workers.
pub struct Fetcher {
    agent: ureq::Agent,
    config: FetchConfig,
    /// Base URL of the mirror, without a trailing slash.
    base: Option<String>,
    /// Index in [`Layout::ALL`] of the layout that last answered, tried first.
    preferred: AtomicUsize,
    politeness: Politeness,
    /// Seed of the backoff jitter, and how many draws were taken from it.
    jitter_seed: u64,
    draws: AtomicU64,
}

impl Fetcher {
    /// A fetcher for books on the mirror at `base` (for [`Target::Mirror`]
    /// requests) or only for explicit URLs when `base` is `None`.
    pub fn new(config: FetchConfig, base: Option<&str>) -> Fetcher {
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .timeout_global(Some(config.request_timeout))
            .max_redirects(MAX_REDIRECTS)
            .max_idle_connections(config.idle_connections.max(1) * 2)
            .max_idle_connections_per_host(config.idle_connections.max(1))
            .user_agent(config.user_agent.as_str())
            .build();
        let jitter_seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id());
        Fetcher {
            agent: ureq::Agent::with_parts(
                agent_config,
                ureq::unversioned::transport::DefaultConnector::new(),
                resolve::CachedResolver::default(),
            ),
            politeness: Politeness::new(config.politeness.clone()),
            config,
            base: base.map(|b| b.trim_end_matches('/').to_string()),
            preferred: AtomicUsize::new(0),
            jitter_seed,
            draws: AtomicU64::new(0),
        }
    }

    /// Downloads one book: its URL, or for an ebook id the layouts in turn,
    /// moving on only when a layout answers 404. Transient failures are
    /// retried; an error after retries says how many there were.
    pub fn fetch(&self, request: &BookRequest) -> Result<Fetched, FetchError> {
        self.counting_retries(|retries| match &request.target {
            Target::Url(url) => self.get_retrying(url, None, retries),
            Target::Mirror => self.fetch_by_id(request.id, retries),
        })
    }

    /// Downloads one exact URL that is not a book (the catalog, say), as
    /// [`Fetcher::fetch`] would: retried, within the host's politeness limits.
    pub fn fetch_url(&self, url: &str) -> Result<Fetched, FetchError> {
        self.counting_retries(|retries| self.get_retrying(url, None, retries))
    }

    /// Runs `attempts` and records on the outcome how many retries it took.
    fn counting_retries(
        &self,
        attempts: impl FnOnce(&mut u32) -> Result<Fetched, FetchError>,
    ) -> Result<Fetched, FetchError> {
        let mut retries = 0;
        let result = attempts(&mut retries);
        match result {
            Ok(mut fetched) => {
                fetched.retries = retries;
                Ok(fetched)
            }
            Err(last) if retries > 0 => Err(FetchError::Retried {
                retries,
                exhausted: last.is_transient(),
                last: Box::new(last),
            }),
            Err(last) => Err(last),
        }
    }

    fn fetch_by_id(&self, id: BookId, retries: &mut u32) -> Result<Fetched, FetchError> {
        let base = self.base.as_deref().unwrap_or("");
        let first = self.preferred.load(Ordering::Relaxed);
        let order = std::iter::once(first).chain((0..Layout::ALL.len()).filter(|&i| i != first));
        let mut tried = Vec::new();
        for i in order {
            let layout = Layout::ALL[i];
            let url = format!("{base}{}", layout.path(id));
            match self.get_retrying(&url, Some(layout), retries) {
                Err(FetchError::Status { status: 404, .. }) => tried.push(url),
                Ok(fetched) => {
                    self.preferred.store(i, Ordering::Relaxed);
                    return Ok(fetched);
                }
                Err(other) => return Err(other),
            }
        }
        Err(FetchError::NotFound { tried })
    }

    /// GETs `url`, repeating transient failures as the retry policy says,
    /// each attempt within the host's politeness limits.
    fn get_retrying(
        &self,
        url: &str,
        layout: Option<Layout>,
        retries: &mut u32,
    ) -> Result<Fetched, FetchError> {
        let host = host_of(url);
        let policy = &self.config.retry;
        let mut attempt = 0;
        loop {
            if crate::interrupt::requested() {
                return Err(FetchError::Interrupted {
                    url: without_userinfo(url),
                });
            }
            let result = {
                let _permit = self.politeness.acquire(&host);
                self.get(url, layout)
            };
            match result {
                Err(e) if e.is_transient() && attempt < policy.retries => {
                    let draw = self.draws.fetch_add(1, Ordering::Relaxed);
                    let mut rng = Rng::derive(self.jitter_seed, draw);
                    let wait = policy.delay(attempt, e.retry_after(), &mut rng);
                    attempt += 1;
                    *retries += 1;
                    sleep_unless_interrupted(wait);
                }
                other => return other,
            }
        }
    }

    /// One attempt at `url` (no retry, no politeness wait before it), with
    /// the body read in full under the size limit and within its host's
    /// `--limit-rate`, decoded from its content coding, and checked against
    /// its `Content-Length`.
    pub fn get(&self, url: &str, layout: Option<Layout>) -> Result<Fetched, FetchError> {
        let shown = without_userinfo(url);
        let mut response = self
            .agent
            .get(url)
            .header("Accept-Encoding", "gzip")
            .call()
            .map_err(|e| classify(&shown, e, MAX_REDIRECTS))?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if status != 200 {
            let retry_after =
                header("retry-after").and_then(|v| parse_retry_after(v, SystemTime::now()));
            drain_small_body(&mut response);
            return Err(FetchError::Status {
                url: shown,
                status,
                retry_after,
            });
        }
        // Every Content-Encoding header, not just the first: gutenpipe
        // decodes the body itself, so it knows exactly what it saves.
        let coding = body::coding(
            headers
                .get_all("content-encoding")
                .iter()
                .map(|v| v.as_bytes()),
        )
        .map_err(|encoding| FetchError::Encoding {
            url: shown.clone(),
            encoding,
        })?;
        let chunked = headers.get_all("transfer-encoding").iter().any(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .to_ascii_lowercase()
                .contains("chunked")
        });
        let body = response.body_mut();
        let charset = body.charset().map(str::to_string);
        let mime = body.mime_type().map(str::to_string);
        let expected = body.content_length();
        let framing = match expected {
            Some(n) => body::Framing::Length(n),
            None if chunked => body::Framing::Chunked,
            None => body::Framing::Close,
        };
        let limit = self.config.max_bytes;
        let host = host_of(url);
        let wire = self
            .politeness
            .throttled(&host, body.with_config().reader());
        let (read, received) = body::read(wire, coding, limit, expected);
        let truncated = |received| FetchError::Truncated {
            url: shown.clone(),
            received,
            expected: expected.unwrap_or(0),
        };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(body::ReadFailure::TooLarge) => {
                return Err(FetchError::TooLarge { url: shown, limit });
            }
            Err(body::ReadFailure::OutOfMemory(bytes)) => {
                return Err(FetchError::OutOfMemory { url: shown, bytes });
            }
            Err(body::ReadFailure::Interrupted) => {
                return Err(FetchError::Interrupted { url: shown });
            }
            Err(body::ReadFailure::Io(e)) => {
                return Err(
                    match classify(&shown, ureq::Error::from(e), MAX_REDIRECTS) {
                        FetchError::Transport { .. } if expected.is_some() => truncated(received),
                        err => err,
                    },
                );
            }
        };
        if expected.is_some_and(|e| e != received) {
            return Err(truncated(received));
        }
        if bytes.is_empty() {
            return Err(FetchError::Empty { url: shown });
        }
        let suspect = body::suspicion(&bytes, mime.as_deref(), framing);
        Ok(Fetched {
            url: shown,
            layout,
            bytes,
            charset,
            retries: 0,
            suspect,
        })
    }
}

/// Sleeps for `wait`, waking early when the run is interrupted.
fn sleep_unless_interrupted(wait: Duration) {
    let until = std::time::Instant::now().checked_add(wait);
    loop {
        if crate::interrupt::requested() {
            return;
        }
        let left = until.map_or(Duration::from_millis(50), |t| {
            t.saturating_duration_since(std::time::Instant::now())
        });
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_case_insensitive() {
        assert!(is_http_url("HTTP://x/1"));
        assert!(is_http_url("Https://x/1"));
        assert!(!is_http_url("ftp://x/1"));
        assert!(!is_http_url("http:/x"));
        assert!(!is_http_url("é"));
        assert_eq!(normalize_scheme("HTTP://Host/A"), "http://Host/A");
    }

    #[test]
    fn userinfo_is_never_recorded() {
        assert_eq!(
            without_userinfo("https://user:pw@example.org/files/84/84-0.txt"),
            "https://example.org/files/84/84-0.txt"
        );
        assert_eq!(
            without_userinfo("http://a@b:pw@h:8080?x=@y"),
            "http://h:8080?x=@y"
        );
        assert_eq!(without_userinfo("http://h/p@q"), "http://h/p@q");
    }
}
