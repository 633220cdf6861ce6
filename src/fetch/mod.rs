//! Downloading books: one shared `ureq` agent with keep-alive and timeouts,
//! Gutenberg's URL layouts tried in turn for an ebook id, transient failures
//! retried with backoff, per-host politeness, and checks on every body (its
//! length against `Content-Length`, its size against a cap on the decoded
//! bytes), so that no server can make a download hang forever, fill the
//! memory, or pass off half a book as a whole one.
//!
//! `error` sorts failures, `retry` says when to try again, and
//! `politeness` keeps each host's connections and request rate in bounds.

mod error;
mod politeness;
mod retry;

use std::io::Read;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::book::{BookId, BookRequest, Layout, Target};
use crate::rng::Rng;
pub use error::FetchError;
use error::classify;
pub use politeness::{HostLimits, Politeness, PolitenessConfig, host_of, is_gutenberg};
pub use retry::{RetryPolicy, parse_retry_after};

/// Most redirects followed for one request; more is taken for a loop.
pub const MAX_REDIRECTS: u32 = 5;

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
            agent: agent_config.into(),
            politeness: Politeness::new(config.politeness.clone()),
            config,
            base: base.map(|b| b.trim_end_matches('/').to_string()),
            preferred: AtomicUsize::new(0),
            jitter_seed,
            draws: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
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
                    std::thread::sleep(wait);
                }
                other => return other,
            }
        }
    }

    /// One attempt at `url` (no retry, no politeness wait), with the body
    /// read in full under the size limit and checked against its
    /// `Content-Length`.
    pub fn get(&self, url: &str, layout: Option<Layout>) -> Result<Fetched, FetchError> {
        let mut response = self
            .agent
            .get(url)
            .call()
            .map_err(|e| classify(url, e, MAX_REDIRECTS))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if status != 200 {
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
                retry_after: header("retry-after")
                    .and_then(|v| parse_retry_after(v, SystemTime::now())),
            });
        }
        // ureq inflates gzip itself and passes any other coding through
        // untouched, which would save compressed bytes as the book.
        if let Some(coding) = header("content-encoding")
            .filter(|c| *c != "gzip" && !c.eq_ignore_ascii_case("identity"))
        {
            return Err(FetchError::Encoding {
                url: url.to_string(),
                encoding: coding.to_string(),
            });
        }
        let body = response.body_mut();
        let charset = body.charset().map(str::to_string);
        let expected = body.content_length();
        let limit = self.config.max_bytes;
        let mut bytes = Vec::with_capacity(expected.unwrap_or(0).min(limit) as usize);
        body.with_config()
            .reader()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                let err = classify(url, ureq::Error::from(e), MAX_REDIRECTS);
                match (err, expected) {
                    (FetchError::Transport { .. }, Some(expected)) => FetchError::Truncated {
                        url: url.to_string(),
                        received: bytes.len() as u64,
                        expected,
                    },
                    (err, _) => err,
                }
            })?;
        if bytes.len() as u64 > limit {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        if let Some(expected) = expected.filter(|&e| e != bytes.len() as u64) {
            return Err(FetchError::Truncated {
                url: url.to_string(),
                received: bytes.len() as u64,
                expected,
            });
        }
        Ok(Fetched {
            url: url.to_string(),
            layout,
            bytes,
            charset,
            retries: 0,
        })
    }
}
