//! Downloading books: one shared `ureq` agent with keep-alive and timeouts,
//! Gutenberg's URL layouts tried in turn for an ebook id, and a cap on the
//! size of any body, so that no server can make a download hang forever or
//! fill the memory.

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::book::{BookId, BookRequest, Layout, Target};

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

/// Why one book could not be downloaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not found (HTTP 404) at any Gutenberg layout; tried {}", tried.join(", "))]
    NotFound { tried: Vec<String> },
    #[error("HTTP {status} from {url}")]
    Status { url: String, status: u16 },
    #[error("could not connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("timed out ({detail}) fetching {url}")]
    Timeout { url: String, detail: String },
    #[error("{url} sent more than the limit of {limit} bytes (--max-bytes)")]
    TooLarge { url: String, limit: u64 },
    #[error("{url} ended after {received} of {expected} bytes")]
    Truncated {
        url: String,
        received: u64,
        expected: u64,
    },
    #[error("{url}: {detail}")]
    Transport { url: String, detail: String },
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
}

/// Downloads books from one source. Shared by all download workers.
pub struct Fetcher {
    agent: ureq::Agent,
    config: FetchConfig,
    /// Base URL of the mirror, without a trailing slash.
    base: Option<String>,
    /// Index in [`Layout::ALL`] of the layout that last answered, tried first.
    preferred: AtomicUsize,
}

impl Fetcher {
    /// A fetcher for books on the mirror at `base` (for [`Target::Mirror`]
    /// requests) or only for explicit URLs when `base` is `None`.
    pub fn new(config: FetchConfig, base: Option<&str>) -> Fetcher {
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .timeout_per_call(Some(config.request_timeout))
            .max_redirects(5)
            .max_idle_connections(config.idle_connections.max(1) * 2)
            .max_idle_connections_per_host(config.idle_connections.max(1))
            .user_agent(config.user_agent.as_str())
            .build();
        Fetcher {
            agent: agent_config.into(),
            config,
            base: base.map(|b| b.trim_end_matches('/').to_string()),
            preferred: AtomicUsize::new(0),
        }
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Downloads one book: its URL, or for an ebook id the layouts in turn,
    /// moving on only when a layout answers 404.
    pub fn fetch(&self, request: &BookRequest) -> Result<Fetched, FetchError> {
        match &request.target {
            Target::Url(url) => self.get(url, None),
            Target::Mirror => self.fetch_by_id(request.id),
        }
    }

    fn fetch_by_id(&self, id: BookId) -> Result<Fetched, FetchError> {
        let base = self.base.as_deref().unwrap_or("");
        let first = self.preferred.load(Ordering::Relaxed);
        let order = std::iter::once(first).chain((0..Layout::ALL.len()).filter(|&i| i != first));
        let mut tried = Vec::new();
        for i in order {
            let layout = Layout::ALL[i];
            let url = format!("{base}{}", layout.path(id));
            match self.get(&url, Some(layout)) {
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

    /// One GET of `url`, with the body read in full under the size limit.
    pub fn get(&self, url: &str, layout: Option<Layout>) -> Result<Fetched, FetchError> {
        let mut response = self.agent.get(url).call().map_err(|e| classify(url, e))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
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
                let err = classify(url, ureq::Error::from(e));
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
        })
    }
}

/// Sorts a `ureq` error into what a user needs to know.
fn classify(url: &str, err: ureq::Error) -> FetchError {
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
        other => FetchError::Transport {
            url,
            detail: other.to_string(),
        },
    }
}
