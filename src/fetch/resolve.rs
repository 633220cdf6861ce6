//! Name resolution, once per host and not once per request: `ureq`
//! resolves the host of every request before it looks for a pooled
//! connection, and with a timeout set it does so on a thread of its own —
//! a thread started per book, and on a real mirror a DNS lookup per book.
//! This resolver keeps what a host resolved to for a minute (as a cache
//! would honour a short DNS time-to-live) and asks `ureq`'s own resolver,
//! with its timeout, only when it has no fresh answer. Failures are not
//! kept: the next request asks again.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long an answer is used before the host is resolved again.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// `ureq`'s resolver behind a cache of recent answers, by scheme and host.
#[derive(Default)]
pub struct CachedResolver {
    inner: DefaultResolver,
    answers: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl fmt::Debug for CachedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedResolver").finish_non_exhaustive()
    }
}

impl Resolver for CachedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |a| a.as_str())
        );
        let fresh = |answers: &HashMap<String, (Instant, ResolvedSocketAddrs)>| {
            answers
                .get(&key)
                .filter(|(when, _)| when.elapsed() < FRESH_FOR)
                .map(|(_, addrs)| addrs.clone())
        };
        if let Some(addrs) = self.answers.lock().ok().as_deref().and_then(fresh) {
            return Ok(addrs);
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(key, (Instant::now(), addrs.clone()));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_resolved_once_and_its_answer_reused() {
        let resolver = CachedResolver::default();
        let config = Config::default();
        let uri: Uri = "http://127.0.0.1:8080/files/84/84-0.txt".parse().unwrap();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Resolve,
            ..NextTimeout::default()
        };
        let first = resolver.resolve(&uri, &config, timeout).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0], "127.0.0.1:8080".parse().unwrap());
        assert_eq!(resolver.answers.lock().unwrap().len(), 1);
        let other: Uri = "http://127.0.0.1:8080/cache/epub/84/pg84.txt"
            .parse()
            .unwrap();
        let again = resolver.resolve(&other, &config, timeout).unwrap();
        assert_eq!(again[0], first[0]);
        assert_eq!(
            resolver.answers.lock().unwrap().len(),
            1,
            "one host, one answer"
        );
        let port: Uri = "http://127.0.0.1:8081/x".parse().unwrap();
        assert_eq!(
            resolver.resolve(&port, &config, timeout).unwrap()[0].port(),
            8081
        );
    }
}
