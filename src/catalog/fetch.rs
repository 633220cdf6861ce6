//! Getting the catalog: from a local file, or from a mirror over HTTP through
//! the [`Fetcher`], kept in a local cache so that a mirror is asked for its
//! catalog (about 15 MB for real Gutenberg) at most once per `max_age`.
//!
//! A cached copy younger than `max_age` is used without asking the mirror;
//! an older one is refreshed, and kept in use, with a warning, when the
//! refresh fails. The cache is written atomically and is only ever a copy
//! of a catalog that parsed.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{Catalog, CatalogError, parse};
use crate::book::CATALOG_PATH;
use crate::fetch::Fetcher;
use crate::store::write_atomic;
use crate::units::format_age;

/// The largest catalog accepted (the real one is about 15 MB).
pub const MAX_CATALOG_BYTES: u64 = 512 << 20;

/// The catalog URL of the mirror at `base`.
pub fn catalog_url(base: &str) -> String {
    format!("{}{CATALOG_PATH}", base.trim_end_matches('/'))
}

/// Where downloaded catalogs are kept, and for how long they are trusted.
#[derive(Debug, Clone)]
pub struct CatalogCache {
    pub dir: PathBuf,
    /// A copy older than this is downloaded again.
    pub max_age: Duration,
}

impl CatalogCache {
    /// The cache in gutenpipe's cache folder ([`crate::cache::root`]).
    pub fn in_default_dir(max_age: Duration) -> CatalogCache {
        CatalogCache {
            dir: crate::cache::root().join(crate::cache::CATALOGS),
            max_age,
        }
    }

    /// The file name the catalog at `url` is cached under: the URL without
    /// its scheme, every character but letters, digits, `.` and `-` made `_`
    /// (and a leading `.` too, so the name is never `..` or hidden).
    pub fn file_name(url: &str) -> String {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        rest.chars()
            .enumerate()
            .map(|(i, c)| {
                if c.is_ascii_alphanumeric() || c == '-' || (c == '.' && i > 0) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    fn path(&self, url: &str) -> PathBuf {
        self.dir.join(Self::file_name(url))
    }
}

/// Where a loaded catalog came from, as told to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file given by the user; `age` from its modification time.
    File {
        path: PathBuf,
        age: Option<Duration>,
    },
    /// A cached copy young enough to use as it is.
    Cached {
        url: String,
        path: PathBuf,
        age: Duration,
    },
    /// Downloaded just now; `cached` says where the copy went, `cache_error`
    /// why there is none when there is a cache.
    Downloaded {
        url: String,
        cached: Option<PathBuf>,
        cache_error: Option<String>,
    },
    /// The download failed and an older cached copy is used instead.
    Stale {
        url: String,
        path: PathBuf,
        age: Duration,
        error: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, age } => {
                write!(f, "{}", path.display())?;
                if let Some(age) = age {
                    write!(f, " (modified {} ago)", format_age(*age))?;
                }
                Ok(())
            }
            Origin::Cached { url, path, age } => write!(
                f,
                "{url}, cached {} ago in {}",
                format_age(*age),
                path.display()
            ),
            Origin::Downloaded {
                url,
                cached: Some(path),
                ..
            } => write!(f, "{url}, downloaded now, cached in {}", path.display()),
            Origin::Downloaded { url, .. } => write!(f, "{url}, downloaded now"),
            Origin::Stale { url, age, .. } => write!(
                f,
                "{url}, a cached copy {} old (could not refresh it)",
                format_age(*age)
            ),
        }
    }
}

/// A catalog and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub catalog: Catalog,
    pub origin: Origin,
}

fn age_of(path: &Path) -> Option<Duration> {
    let modified = fs::metadata(path).and_then(|m| m.modified()).ok()?;
    Some(
        SystemTime::now()
            .duration_since(modified)
            .unwrap_or(Duration::ZERO),
    )
}

/// Reads a catalog file.
pub fn from_file(path: &Path) -> Result<Loaded, CatalogError> {
    let bytes = crate::input::read_capped(path, MAX_CATALOG_BYTES).map_err(|e| match e {
        crate::input::InputError::Io { source, .. } => CatalogError::Io {
            action: "read the catalog",
            path: path.to_path_buf(),
            source,
        },
        other => CatalogError::NotACatalog {
            origin: path.display().to_string(),
            problem: other.to_string(),
        },
    })?;
    Ok(Loaded {
        catalog: parse(&bytes, &path.display().to_string())?,
        origin: Origin::File {
            path: path.to_path_buf(),
            age: age_of(path),
        },
    })
}

/// A cached copy of the catalog at `url`, with its age, if one is there and
/// parses.
fn cached(cache: &CatalogCache, url: &str) -> Option<(Catalog, PathBuf, Duration)> {
    let path = cache.path(url);
    let age = age_of(&path)?;
    let bytes = fs::read(&path).ok()?;
    let catalog = parse(&bytes, &path.display().to_string()).ok()?;
    Some((catalog, path, age))
}

/// The catalog at `url`: the cached copy when it is younger than the cache's
/// `max_age`, else downloaded with `fetcher` (and cached), else an older
/// cached copy when the download fails.
pub fn from_url(
    url: &str,
    fetcher: &Fetcher,
    cache: Option<&CatalogCache>,
) -> Result<Loaded, CatalogError> {
    let copy = match cache.and_then(|c| cached(c, url).map(|copy| (copy, c.max_age))) {
        Some(((catalog, path, age), max_age)) if age <= max_age => {
            return Ok(Loaded {
                catalog,
                origin: Origin::Cached {
                    url: url.to_string(),
                    path,
                    age,
                },
            });
        }
        other => other.map(|(copy, _)| copy),
    };
    let fetched = match fetcher.fetch_url(url) {
        Ok(fetched) => fetched,
        Err(error) => {
            return match copy {
                Some((catalog, path, age)) => Ok(Loaded {
                    catalog,
                    origin: Origin::Stale {
                        url: url.to_string(),
                        path,
                        age,
                        error: error.to_string(),
                    },
                }),
                None => Err(CatalogError::Download { source: error }),
            };
        }
    };
    let catalog = parse(&fetched.bytes, url)?;
    let (cached, cache_error) = match cache {
        None => (None, None),
        Some(c) => match fs::create_dir_all(&c.dir)
            .map_err(|e| format!("could not create {}: {e}", c.dir.display()))
            .and_then(|()| {
                write_atomic(&c.dir, &CatalogCache::file_name(url), &fetched.bytes, true)
                    .map_err(|e| e.to_string())
            }) {
            Ok(path) => (Some(path), None),
            Err(e) => (None, Some(e)),
        },
    };
    Ok(Loaded {
        catalog,
        origin: Origin::Downloaded {
            url: url.to_string(),
            cached,
            cache_error,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_come_from_the_url() {
        assert_eq!(
            CatalogCache::file_name("https://www.gutenberg.org/cache/epub/feeds/pg_catalog.csv"),
            "www.gutenberg.org_cache_epub_feeds_pg_catalog.csv"
        );
        assert_eq!(
            CatalogCache::file_name("http://127.0.0.1:8080/../x"),
            "127.0.0.1_8080_.._x"
        );
        assert!(!CatalogCache::file_name("http://a/../../etc").contains('/'));
        assert_eq!(CatalogCache::file_name("http://.."), "_.");
    }

    #[test]
    fn catalog_urls() {
        assert_eq!(
            catalog_url("https://gutenberg.pglaf.org/"),
            "https://gutenberg.pglaf.org/cache/epub/feeds/pg_catalog.csv"
        );
    }

    #[test]
    fn origins_say_where_and_how_old() {
        let o = Origin::Cached {
            url: "https://m/c.csv".into(),
            path: PathBuf::from("/c/m_c.csv"),
            age: Duration::from_secs(3 * 3600),
        };
        assert_eq!(
            o.to_string(),
            "https://m/c.csv, cached 3 h ago in /c/m_c.csv"
        );
        let o = Origin::Stale {
            url: "https://m/c.csv".into(),
            path: PathBuf::from("/c/m_c.csv"),
            age: Duration::from_secs(9 * 86400),
            error: "offline".into(),
        };
        assert!(o.to_string().contains("9 days old"));
    }
}
