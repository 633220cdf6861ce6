//! Fault injection for the embedded mirror: with chosen probabilities a
//! request is answered the way a real server on a real network sometimes
//! answers — 500, 503, 429 with `Retry-After`, a connection reset before the
//! head or inside the body, a body shorter than its `Content-Length`, a stall,
//! a slow drip, a wrong or missing charset, a gzipped body, a redirect, a
//! redirect loop, an endless body, a gzip bomb — and the answers of a
//! hostile or broken server: a `Retry-After` date hundreds of millions of
//! years away, a `Content-Length` of a terabyte over a small body, two
//! `Content-Encoding` headers, the text in UTF-16, an empty 200.
//!
//! The choice is deterministic: it depends only on the seed, the request's
//! path and how many times that path was requested before, never on thread
//! scheduling, so a run against a faulty mirror can be repeated exactly.
//!
//! A spec is a comma-separated list of `KIND=P` (P a probability such as
//! `0.05` or `5%`), `KIND@ID=P` (for the files of ebook ID, instead of the
//! general probabilities),
//! `mixed=P` (P spread evenly over the network and server faults a correct
//! client recovers from, [`Fault::in_mixed`]), and `retry-after=SECONDS` (sent with 429):
//! `--faults 500=2%,reset-body=0.01,gzip=10%`, `--faults mixed=0.2`,
//! `--faults oversize@84=1`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::book::{BookId, Layout};
use crate::rng::Rng;

/// One way of answering badly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `500 Internal Server Error`.
    Status500,
    /// `503 Service Unavailable`.
    Status503,
    /// `429 Too Many Requests` with `Retry-After`.
    TooManyRequests,
    /// The connection is reset (RST) before any byte of the response.
    ResetHead,
    /// The head and part of the body are sent, then the connection is reset.
    ResetBody,
    /// Part of the body is sent and the connection closed cleanly, short of
    /// the `Content-Length` the head announced.
    Truncate,
    /// The head and part of the body are sent, then nothing until the client
    /// gives up (longer than any sensible read timeout).
    Stall,
    /// The whole body, in small pieces with pauses between them.
    Drip,
    /// The `Content-Type` names the wrong charset, or none.
    Charset,
    /// The body is gzipped (`Content-Encoding: gzip`).
    Gzip,
    /// A `302` to the same file under another URL.
    Redirect,
    /// A `302` to a URL that redirects again, forever.
    RedirectLoop,
    /// The book followed by filler without end (no `Content-Length`).
    Oversize,
    /// A gzipped body that inflates without end.
    GzipBomb,
    /// `503` with a `Retry-After` date in the year 300000000000.
    RetryAfterAbsurd,
    /// The book with `Content-Length: 1000000000000`, then the connection
    /// closed.
    ContentLengthAbsurd,
    /// The book gzipped, with two headers: `Content-Encoding: identity`
    /// then `Content-Encoding: gzip`.
    EncodingTwoHeaders,
    /// The book's text in UTF-16 (little-endian, with a BOM), served as
    /// `text/plain; charset=utf-16`.
    Utf16,
    /// `200` with an empty body.
    Empty200,
}

impl Fault {
    /// Every kind, in the order probabilities are laid out.
    pub const ALL: [Fault; KINDS] = [
        Fault::Status500,
        Fault::Status503,
        Fault::TooManyRequests,
        Fault::ResetHead,
        Fault::ResetBody,
        Fault::Truncate,
        Fault::Stall,
        Fault::Drip,
        Fault::Charset,
        Fault::Gzip,
        Fault::Redirect,
        Fault::RedirectLoop,
        Fault::Oversize,
        Fault::GzipBomb,
        Fault::RetryAfterAbsurd,
        Fault::ContentLengthAbsurd,
        Fault::EncodingTwoHeaders,
        Fault::Utf16,
        Fault::Empty200,
    ];

    /// The name used in a spec.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Status500 => "500",
            Fault::Status503 => "503",
            Fault::TooManyRequests => "429",
            Fault::ResetHead => "reset-head",
            Fault::ResetBody => "reset-body",
            Fault::Truncate => "truncate",
            Fault::Stall => "stall",
            Fault::Drip => "drip",
            Fault::Charset => "charset",
            Fault::Gzip => "gzip",
            Fault::Redirect => "redirect",
            Fault::RedirectLoop => "redirect-loop",
            Fault::Oversize => "oversize",
            Fault::GzipBomb => "gzip-bomb",
            Fault::RetryAfterAbsurd => "retry-after-absurd",
            Fault::ContentLengthAbsurd => "content-length-absurd",
            Fault::EncodingTwoHeaders => "encoding-two-headers",
            Fault::Utf16 => "utf16",
            Fault::Empty200 => "empty-200",
        }
    }

    /// What the kind does, in a few words (for `--help`; at most 45
    /// characters, so its list fits 80 columns).
    pub fn about(self) -> &'static str {
        match self {
            Fault::Status500 => "500 Internal Server Error",
            Fault::Status503 => "503 Service Unavailable",
            Fault::TooManyRequests => "429 Too Many Requests with Retry-After",
            Fault::ResetHead => "the connection reset before the response",
            Fault::ResetBody => "the connection reset inside the body",
            Fault::Truncate => "the body cut short of its Content-Length",
            Fault::Stall => "part of the body, then silence",
            Fault::Drip => "the whole body in small pieces with pauses",
            Fault::Charset => "the wrong charset in Content-Type, or none",
            Fault::Gzip => "the body gzipped (Content-Encoding: gzip)",
            Fault::Redirect => "a 302 to the same file under another URL",
            Fault::RedirectLoop => "a 302 that redirects again, forever",
            Fault::Oversize => "the book followed by filler without end",
            Fault::GzipBomb => "a gzipped body that inflates without end",
            Fault::RetryAfterAbsurd => "503 with a Retry-After date absurdly far away",
            Fault::ContentLengthAbsurd => "Content-Length of a terabyte over the book",
            Fault::EncodingTwoHeaders => "Content-Encoding identity, then gzip",
            Fault::Utf16 => "the text in UTF-16 with a BOM",
            Fault::Empty200 => "200 with an empty body",
        }
    }

    fn index(self) -> usize {
        Fault::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }

    /// Whether a correct client still gets the book byte for byte, by
    /// retrying or by reading the response right. Of the others, a redirect
    /// loop, an endless body and a gzip bomb must end in a clear error, and
    /// `utf16` sends the same text in other bytes.
    pub fn recoverable(self) -> bool {
        !matches!(
            self,
            Fault::RedirectLoop | Fault::Oversize | Fault::GzipBomb | Fault::Utf16
        )
    }

    /// Whether `mixed=P` includes the kind: the faults of networks and busy
    /// servers a correct client recovers from, not the hostile answers.
    pub fn in_mixed(self) -> bool {
        self.recoverable()
            && !matches!(
                self,
                Fault::RetryAfterAbsurd
                    | Fault::ContentLengthAbsurd
                    | Fault::EncodingTwoHeaders
                    | Fault::Empty200
            )
    }

    /// Whether the attempt it hits fails, so that a client must retry (or,
    /// for the unrecoverable kinds, give up).
    pub fn fails_attempt(self) -> bool {
        !matches!(
            self,
            Fault::Drip
                | Fault::Charset
                | Fault::Gzip
                | Fault::Redirect
                | Fault::EncodingTwoHeaders
                | Fault::Utf16
        )
    }

    /// Whether the fault needs a file to answer with; on a path that names
    /// no file the mirror answers its usual 404 instead.
    pub fn needs_body(self) -> bool {
        !matches!(
            self,
            Fault::Status500
                | Fault::Status503
                | Fault::TooManyRequests
                | Fault::ResetHead
                | Fault::Redirect
                | Fault::RedirectLoop
                | Fault::RetryAfterAbsurd
        )
    }
}

/// Number of fault kinds.
pub const KINDS: usize = 19;

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which faults to inject, how often, with which seed.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    /// Probability of each kind, indexed like [`Fault::ALL`].
    probabilities: [f64; KINDS],
    /// Probabilities for the files of one ebook, instead of the general ones.
    targeted: BTreeMap<BookId, [f64; KINDS]>,
    /// Seed of the decisions.
    pub seed: u64,
    /// Seconds sent in `Retry-After` with a 429.
    pub retry_after: u32,
    /// The spec as given, items separated by commas without spaces.
    spec: String,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan {
            probabilities: [0.0; KINDS],
            targeted: BTreeMap::new(),
            seed: 0,
            retry_after: 1,
            spec: String::new(),
        }
    }
}

impl FaultPlan {
    /// No faults at all.
    pub fn none() -> FaultPlan {
        FaultPlan::default()
    }

    /// Parses a spec (see the module docs); `seed` seeds the decisions.
    pub fn parse(spec: &str, seed: u64) -> Result<FaultPlan, String> {
        let mut plan = FaultPlan {
            seed,
            ..FaultPlan::default()
        };
        let items: Vec<&str> = spec
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty() && *i != "none")
            .collect();
        plan.spec = items.join(",");
        for item in items {
            let (key, value) = item.split_once('=').ok_or_else(|| {
                format!("`{item}` is not KIND=PROBABILITY (e.g. 500=0.05 or mixed=20%)")
            })?;
            let key = key.trim();
            if key == "retry-after" {
                plan.retry_after = value.trim().trim_end_matches('s').parse().map_err(|_| {
                    format!("retry-after=`{value}` is not a whole number of seconds")
                })?;
                continue;
            }
            let p = parse_probability(value)?;
            let (key, target) = match key.split_once('@') {
                Some((kind, id)) => {
                    let id: BookId = id.parse().map_err(|e| format!("`{item}`: {e}"))?;
                    (kind.trim(), Some(id))
                }
                None => (key, None),
            };
            let probabilities = match target {
                Some(id) => plan.targeted.entry(id).or_insert([0.0; KINDS]),
                None => &mut plan.probabilities,
            };
            if key == "mixed" {
                let kinds: Vec<Fault> = Fault::ALL.into_iter().filter(|f| f.in_mixed()).collect();
                for f in &kinds {
                    probabilities[f.index()] += p / kinds.len() as f64;
                }
                continue;
            }
            let fault = Fault::ALL
                .into_iter()
                .find(|f| f.name() == key)
                .ok_or_else(|| {
                    format!(
                        "unknown fault `{key}`; the faults are: {}, and mixed",
                        Fault::ALL.map(Fault::name).join(", ")
                    )
                })?;
            probabilities[fault.index()] += p;
        }
        let most = std::iter::once(None)
            .chain(plan.targeted.keys().map(|&id| Some(id)))
            .map(|id| plan.for_book(id).iter().sum::<f64>())
            .fold(0.0, f64::max);
        if most > 1.0 + 1e-9 {
            return Err(format!(
                "the fault probabilities add up to {most:.3}, more than 1"
            ));
        }
        Ok(plan)
    }

    /// The probabilities for the files of ebook `id` (`None`: other paths):
    /// its own when the spec targets it, else the general ones.
    fn for_book(&self, id: Option<BookId>) -> [f64; KINDS] {
        id.and_then(|id| self.targeted.get(&id))
            .copied()
            .unwrap_or(self.probabilities)
    }

    /// The probability that a request for a file of no targeted ebook is
    /// answered with a fault.
    pub fn total(&self) -> f64 {
        self.probabilities.iter().sum()
    }

    /// Whether no fault is ever injected.
    pub fn is_empty(&self) -> bool {
        self.total() <= 0.0 && self.targeted.values().all(|p| p.iter().sum::<f64>() <= 0.0)
    }

    /// Whether the plan may inject `fault` anywhere.
    pub fn uses(&self, fault: Fault) -> bool {
        self.probability(fault) > 0.0 || self.targeted.values().any(|p| p[fault.index()] > 0.0)
    }

    /// The probability of one kind.
    pub fn probability(&self, fault: Fault) -> f64 {
        self.probabilities[fault.index()]
    }

    /// The fault for the `nth` request (counting from 0) of `path`, with a
    /// generator for the details (where to cut a body, which charset to
    /// claim), both determined by the seed, the path and `nth` alone.
    pub fn decide(&self, path: &str, nth: u64) -> Option<(Fault, Rng)> {
        if self.is_empty() {
            return None;
        }
        let mut rng = Rng::derive(self.seed ^ fnv1a(path.as_bytes()), nth);
        let u = rng.unit();
        let mut cumulative = 0.0;
        let book = Layout::parse_path(path).map(|(id, _)| id);
        for (fault, p) in Fault::ALL.into_iter().zip(self.for_book(book)) {
            cumulative += p;
            if u < cumulative {
                return Some((fault, rng));
            }
        }
        None
    }
}

impl fmt::Display for FaultPlan {
    /// The spec the plan was parsed from (`none` for no faults).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.spec.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&self.spec)
        }
    }
}

fn parse_probability(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(pct) => pct.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    };
    match value {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "`{text}` is not a probability between 0 and 1 (e.g. 0.05 or 5%)"
        )),
    }
}

/// FNV-1a: a stable hash of a path (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A plan in action: how often each path was requested, and how many faults
/// of each kind were injected.
#[derive(Debug, Default)]
pub struct Injector {
    plan: FaultPlan,
    seen: Mutex<HashMap<String, u64>>,
    injected: [AtomicU64; KINDS],
}

impl Injector {
    /// Injects the faults of `plan`.
    pub fn new(plan: FaultPlan) -> Injector {
        Injector {
            plan,
            ..Injector::default()
        }
    }

    /// The plan it follows.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Decides the fault for the next request of `path` and counts it.
    pub fn next(&self, path: &str) -> Option<(Fault, Rng)> {
        if self.plan.is_empty() {
            return None;
        }
        let nth = match self.seen.lock() {
            Ok(mut seen) => {
                let n = seen.entry(path.to_string()).or_insert(0);
                *n += 1;
                *n - 1
            }
            Err(_) => return None,
        };
        self.plan.decide(path, nth)
    }

    /// Records that `fault` was really injected.
    pub fn count(&self, fault: Fault) {
        self.injected[fault.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// How many faults of a kind were injected.
    pub fn injected(&self, fault: Fault) -> u64 {
        self.injected[fault.index()].load(Ordering::Relaxed)
    }

    /// How many injected faults made their attempt fail.
    pub fn failed_attempts(&self) -> u64 {
        Fault::ALL
            .into_iter()
            .filter(|f| f.fails_attempt())
            .map(|f| self.injected(f))
            .sum()
    }

    /// How many faults were injected in all.
    pub fn total(&self) -> u64 {
        Fault::ALL.into_iter().map(|f| self.injected(f)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_described_briefly() {
        for f in Fault::ALL {
            assert!(
                !f.about().is_empty() && f.about().chars().count() <= 45,
                "{f}"
            );
        }
    }

    #[test]
    fn specs_parse_and_print_back() {
        let plan = FaultPlan::parse("500=0.05, 429=2%,gzip=0.1,retry-after=3", 7).unwrap();
        assert_eq!(plan.probability(Fault::Status500), 0.05);
        assert_eq!(plan.probability(Fault::TooManyRequests), 0.02);
        assert_eq!(plan.retry_after, 3);
        assert!((plan.total() - 0.17).abs() < 1e-12);
        assert_eq!(FaultPlan::parse(&plan.to_string(), 7).unwrap(), plan);
        assert!(FaultPlan::parse("none", 0).unwrap().is_empty());
    }

    #[test]
    fn targeted_faults_hit_one_book_only() {
        let plan = FaultPlan::parse("oversize@84=1,500=0.1", 3).unwrap();
        for n in 0..20 {
            assert_eq!(
                plan.decide("/files/84/84-0.txt", n).map(|d| d.0),
                Some(Fault::Oversize)
            );
            assert_ne!(
                plan.decide("/files/85/85-0.txt", n).map(|d| d.0),
                Some(Fault::Oversize)
            );
        }
        assert_eq!(FaultPlan::parse(&plan.to_string(), 3).unwrap(), plan);
        assert!(FaultPlan::parse("stall@x=1", 0).is_err());
        assert!(FaultPlan::parse("stall@5=0.6,500=0.5", 0).is_ok());
        assert!(
            FaultPlan::parse("stall@5=0.6,500@5=0.5", 0)
                .unwrap_err()
                .contains("more than 1")
        );
    }

    #[test]
    fn mixed_spreads_over_the_recoverable_kinds() {
        let plan = FaultPlan::parse("mixed=0.22", 0).unwrap();
        assert!((plan.total() - 0.22).abs() < 1e-12);
        assert_eq!(plan.probability(Fault::RedirectLoop), 0.0);
        assert_eq!(plan.probability(Fault::Oversize), 0.0);
        assert!((plan.probability(Fault::Stall) - 0.02).abs() < 1e-12);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let err = FaultPlan::parse("501=0.1", 0).unwrap_err();
        assert!(err.contains("unknown fault `501`") && err.contains("reset-body"));
        assert!(FaultPlan::parse("500", 0).unwrap_err().contains("KIND="));
        assert!(
            FaultPlan::parse("500=1.5", 0)
                .unwrap_err()
                .contains("probability")
        );
        assert!(
            FaultPlan::parse("500=0.6,503=0.6", 0)
                .unwrap_err()
                .contains("more than 1")
        );
        assert!(FaultPlan::parse("retry-after=x", 0).is_err());
    }

    #[test]
    fn decisions_depend_on_seed_path_and_count_only() {
        let plan = FaultPlan::parse("mixed=0.5", 42).unwrap();
        let a: Vec<_> = (0..200)
            .map(|n| plan.decide("/files/1/1-0.txt", n).map(|d| d.0))
            .collect();
        let b: Vec<_> = (0..200)
            .map(|n| plan.decide("/files/1/1-0.txt", n).map(|d| d.0))
            .collect();
        assert_eq!(a, b);
        let hits = a.iter().filter(|d| d.is_some()).count();
        assert!((60..140).contains(&hits), "{hits} of 200 at p=0.5");
        let other = FaultPlan::parse("mixed=0.5", 43).unwrap();
        let c: Vec<_> = (0..200)
            .map(|n| other.decide("/files/1/1-0.txt", n).map(|d| d.0))
            .collect();
        assert_ne!(a, c);
    }

    #[test]
    fn the_injector_counts_requests_per_path() {
        let plan = FaultPlan::parse("500=0.5", 1).unwrap();
        let expected: Vec<_> = (0..20).map(|n| plan.decide("/a", n).map(|d| d.0)).collect();
        let injector = Injector::new(plan);
        let got: Vec<_> = (0..20)
            .map(|_| {
                let d = injector.next("/a").map(|d| d.0);
                injector.next("/b");
                d
            })
            .collect();
        assert_eq!(got, expected);
    }
}
