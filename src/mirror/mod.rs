//! The embedded Gutenberg mirror: a real HTTP/1.1 server on loopback that
//! serves a corpus folder under Project Gutenberg's URL layouts (the site's,
//! by default, or the main collection's numbered tree: [`MirrorLayout`]), as
//! slowly as its latency model says, so the pipeline can be measured
//! offline. Every file is sent with an `ETag` and a `Last-Modified`, and a
//! conditional request for a file that has not changed is answered
//! `304 Not Modified`.
//!
//! One thread accepts connections and each connection gets a thread of its
//! own: a slow response delays nobody else, so 64 concurrent downloads really
//! overlap. [`Mirror::start`] runs it in-process (tests and
//! `run --source embedded`); `gutenpipe mirror` runs it from the command line.

mod cache;
pub mod embedded;
pub mod faults;
mod http;
mod inject;
pub mod latency;
mod library;
pub mod log;

use std::collections::HashMap;
use std::io::{self, BufReader, BufWriter, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crate::latency::LatencyModel;
use cache::FileCache;
pub use faults::{Fault, FaultPlan, Injector};
use inject::{After, Marker};
pub use library::{Library, MirrorLayout};
pub use log::{Answer, Logged, RequestLog};

/// Most connections served at once; beyond it a client gets 503.
const MAX_CONNECTIONS: usize = 1024;
/// An idle keep-alive connection is closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What a mirror serves, how slowly, and how badly.
#[derive(Debug, Clone, Default)]
pub struct MirrorConfig {
    /// The corpus folder (synthetic, or real Gutenberg files named as
    /// Gutenberg names them).
    pub corpus: PathBuf,
    /// How responses are delayed and paced.
    pub latency: LatencyModel,
    /// Faults to inject (none by default).
    pub faults: FaultPlan,
    /// The URL layouts the books are served under (the site's by default).
    pub layout: MirrorLayout,
    /// Where to log each request answered (nowhere by default).
    pub log: Option<RequestLog>,
    /// Bytes of the files served kept in memory after their first request,
    /// in all (0, the default: each response is read from its file). A
    /// mirror in the measured process keeps none, so that the process's
    /// memory is the client's.
    pub keep_bytes: u64,
}

/// A failure to start a mirror.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The corpus folder could not be listed.
    #[error("could not read the corpus folder {}: {source}", path.display())]
    Corpus {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The corpus folder holds no book files.
    #[error("the corpus folder {} holds no books (files named like 84-0.txt); create one with `gutenpipe corpus`", path.display())]
    Empty {
        /// The folder.
        path: PathBuf,
    },
    /// The address could not be listened on.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the system said.
        source: io::Error,
    },
}

/// Counters a running mirror keeps.
#[derive(Debug, Default)]
pub struct MirrorStats {
    /// Requests answered, whatever the status.
    pub requests: AtomicU64,
    /// Responses with status 200.
    pub served: AtomicU64,
    /// Body bytes written.
    pub bytes: AtomicU64,
    /// Conditional requests answered `304 Not Modified`.
    pub not_modified: AtomicU64,
    /// Connections accepted.
    pub connections: AtomicU64,
}

struct Shared {
    library: Library,
    /// The files' bytes, kept after their first request.
    cache: FileCache,
    config: MirrorConfig,
    stats: MirrorStats,
    injector: Injector,
    stop: AtomicBool,
    open: AtomicUsize,
    next_connection: AtomicU64,
    connections: Mutex<HashMap<u64, TcpStream>>,
}

/// A running mirror. Dropping it stops the server and closes its connections.
pub struct Mirror {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Mirror {
    /// Indexes the corpus and starts serving on `addr` (`127.0.0.1:0` picks a
    /// free port; [`Mirror::addr`] tells which).
    pub fn start(config: MirrorConfig, addr: &str) -> Result<Mirror, MirrorError> {
        let library =
            Library::scan(&config.corpus, config.layout).map_err(|source| MirrorError::Corpus {
                path: config.corpus.clone(),
                source,
            })?;
        if library.books() == 0 {
            return Err(MirrorError::Empty {
                path: config.corpus.clone(),
            });
        }
        let bind_err = |source| MirrorError::Bind {
            addr: addr.to_string(),
            source,
        };
        let socket = addr
            .to_socket_addrs()
            .map_err(bind_err)?
            .next()
            .ok_or_else(|| bind_err(io::Error::new(io::ErrorKind::InvalidInput, "no address")))?;
        let listener = TcpListener::bind(socket).map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        if config.faults.uses(Fault::GzipBomb) {
            inject::bomb_member(); // built now rather than while a client waits
        }
        let injector = Injector::new(config.faults.clone());
        let shared = Arc::new(Shared {
            library,
            cache: FileCache::new(config.keep_bytes, cache::MAX_FILE),
            config,
            stats: MirrorStats::default(),
            injector,
            stop: AtomicBool::new(false),
            open: AtomicUsize::new(0),
            next_connection: AtomicU64::new(0),
            connections: Mutex::new(HashMap::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("mirror-accept".into())
                .spawn(move || accept_loop(listener, shared))
                .map_err(bind_err)?
        };
        Ok(Mirror {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The address the mirror listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give `--source` (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Number of books the mirror serves.
    pub fn books(&self) -> usize {
        self.shared.library.books()
    }

    /// The URL path at which a download of book `id` by its number finds
    /// it first, in the mirror's layout (`/cache/epub/84/pg84.txt` in the
    /// site's).
    pub fn book_path(&self, id: crate::book::BookId) -> Option<String> {
        self.shared.library.book_path(id)
    }

    /// What the mirror has served so far.
    pub fn stats(&self) -> &MirrorStats {
        &self.shared.stats
    }

    /// The faults injected so far, by kind.
    pub fn faults(&self) -> &Injector {
        &self.shared.injector
    }

    /// Blocks until the process is killed (for `gutenpipe mirror`).
    pub fn wait(mut self) {
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor, then close every open connection.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
        if let Ok(connections) = self.shared.connections.lock() {
            for stream in connections.values() {
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        shared.stats.connections.fetch_add(1, Ordering::Relaxed);
        if shared.open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let mut s = stream;
            let _ = http::write_head(
                &mut s,
                503,
                &[
                    ("Content-Length", "0".into()),
                    ("Connection", "close".into()),
                ],
            );
            continue;
        }
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        if let (Ok(clone), Ok(mut connections)) = (stream.try_clone(), shared.connections.lock()) {
            connections.insert(id, clone);
        }
        shared.open.fetch_add(1, Ordering::SeqCst);
        let conn_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name(format!("mirror-conn-{id}"))
            .spawn(move || {
                let _ = serve_connection(stream, &conn_shared);
                conn_shared.open.fetch_sub(1, Ordering::SeqCst);
                if let Ok(mut connections) = conn_shared.connections.lock() {
                    connections.remove(&id);
                }
            });
        if spawned.is_err() {
            shared.open.fetch_sub(1, Ordering::SeqCst);
            if let Ok(mut connections) = shared.connections.lock() {
                connections.remove(&id);
            }
        }
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    let peer = stream.peer_addr().ok();
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::with_capacity(64 * 1024, stream);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let request = match http::read_request(&mut reader) {
            Ok(r) => r,
            Err(http::ReadError::Closed) | Err(http::ReadError::Io) => return Ok(()),
            Err(http::ReadError::Malformed(why)) => {
                let body = format!("{why}\n");
                http::write_head(
                    &mut writer,
                    400,
                    &[
                        ("Content-Type", "text/plain; charset=utf-8".into()),
                        ("Content-Length", body.len().to_string()),
                        ("Connection", "close".into()),
                    ],
                )?;
                writer.write_all(body.as_bytes())?;
                return writer.flush();
            }
        };
        let number = shared.stats.requests.fetch_add(1, Ordering::Relaxed);
        let (at, started) = (SystemTime::now(), Instant::now());
        let mut answer = Answer::Broken;
        let result = respond(&request, number, shared, &mut writer, &mut answer);
        if let Some(log) = &shared.config.log {
            (log.0)(&Logged {
                at,
                peer,
                method: request.method.clone(),
                target: if request.query.is_empty() {
                    request.path.clone()
                } else {
                    format!("{}?{}", request.path, request.query)
                },
                answer: if result.is_err() {
                    Answer::Broken
                } else {
                    answer
                },
                took: started.elapsed(),
            });
        }
        let after = result?;
        if after == After::Close || !request.keep_alive {
            return Ok(());
        }
    }
}

fn connection_header(request: &http::Request) -> (&'static str, String) {
    let value = if request.keep_alive {
        "keep-alive"
    } else {
        "close"
    };
    ("Connection", value.to_string())
}

/// Answers one request: waits out the latency, then sends the file (paced by
/// the bandwidth), a short error, or the fault the plan picks for it; says
/// which in `answer`.
fn respond(
    request: &http::Request,
    number: u64,
    shared: &Shared,
    out: &mut BufWriter<TcpStream>,
    answer: &mut Answer,
) -> io::Result<After> {
    let model = &shared.config.latency;
    thread::sleep(model.delay(number));
    let head_only = request.method == "HEAD";
    if request.method != "GET" && !head_only {
        return simple(out, request, 405, "only GET and HEAD are served\n", answer);
    }
    let fault = match inject::marker(&request.query) {
        Some(Marker::Loop(hop)) => {
            *answer = Answer::Fault(Fault::RedirectLoop);
            return inject::redirect_loop(out, request, hop + 1);
        }
        Some(Marker::Redirected) => None,
        None if head_only => None,
        None => shared.injector.next(&request.path),
    };
    let resolved = shared.library.resolve(&request.path);
    let opened = resolved
        .as_ref()
        .and_then(|r| r.open(&shared.cache).ok().map(|o| (r, o)));
    let fault = fault.filter(|(f, _)| !f.needs_body() || opened.is_some());
    if let Some((fault, rng)) = fault {
        shared.injector.count(fault);
        *answer = Answer::Fault(fault);
        let body = opened.map(|(r, o)| inject::Body {
            length: o.length,
            file: o.content,
            content_type: r.content_type,
        });
        let cx = inject::Context {
            request,
            model,
            stop: &shared.stop,
            retry_after: shared.config.faults.retry_after,
        };
        return inject::answer(fault, rng, &cx, body, out);
    }
    let Some((resolved, mut opened)) = opened else {
        let why = if resolved.is_some() {
            "the file has gone from the corpus folder\n"
        } else {
            "no such file on this mirror\n"
        };
        return simple(out, request, 404, why, answer);
    };
    let validators = [
        ("ETag", opened.etag.clone()),
        ("Last-Modified", crate::clock::http_date(opened.modified)),
    ];
    if not_modified(request, &opened.etag, opened.modified) {
        let mut head = validators.to_vec();
        head.push(connection_header(request));
        http::write_head(out, 304, &head)?;
        out.flush()?;
        shared.stats.not_modified.fetch_add(1, Ordering::Relaxed);
        *answer = Answer::Status {
            status: 304,
            bytes: 0,
        };
        return Ok(After::KeepAlive);
    }
    let sent = send_file(
        request,
        resolved.content_type,
        &mut opened,
        validators,
        shared,
        out,
    )?;
    *answer = Answer::Status {
        status: 200,
        bytes: sent,
    };
    Ok(After::KeepAlive)
}

/// Sends the `opened` file with status 200 and its `validators` (its head
/// alone for a HEAD request), paced by the latency model's bandwidth;
/// returns the body bytes sent.
fn send_file(
    request: &http::Request,
    content_type: &str,
    opened: &mut library::Opened,
    validators: [(&'static str, String); 2],
    shared: &Shared,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<u64> {
    let mut head = vec![
        ("Content-Type", content_type.to_string()),
        ("Content-Length", opened.length.to_string()),
        (
            "Server",
            concat!("gutenpipe-mirror/", env!("CARGO_PKG_VERSION")).to_string(),
        ),
    ];
    head.extend(validators);
    head.push(connection_header(request));
    http::write_head(out, 200, &head)?;
    shared.stats.served.fetch_add(1, Ordering::Relaxed);
    if request.method == "HEAD" {
        out.flush()?;
        return Ok(0);
    }
    let sent = match opened.content.in_memory() {
        // Nothing to pace: the whole body in one write.
        Some(body) if shared.config.latency.bandwidth.is_none() => {
            out.write_all(body)?;
            out.flush()?;
            body.len() as u64
        }
        _ => latency::send(&shared.config.latency, &mut opened.content, out)?,
    };
    shared.stats.bytes.fetch_add(sent, Ordering::Relaxed);
    Ok(sent)
}

/// Whether a conditional request may be answered `304 Not Modified`: its
/// `If-None-Match` names the file's ETag (or `*`), or, without one, its
/// `If-Modified-Since` is not before the file's modification time.
fn not_modified(request: &http::Request, etag: &str, modified: std::time::SystemTime) -> bool {
    if let Some(tags) = request.header("if-none-match") {
        return tags
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag);
    }
    let since = request
        .header("if-modified-since")
        .and_then(crate::clock::parse_http_date);
    let secs = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    since.is_some_and(|since| secs(modified) <= secs(since))
}

fn simple(
    out: &mut impl Write,
    request: &http::Request,
    status: u16,
    body: &str,
    answer: &mut Answer,
) -> io::Result<After> {
    http::write_head(
        out,
        status,
        &[
            ("Content-Type", "text/plain; charset=utf-8".into()),
            ("Content-Length", body.len().to_string()),
            connection_header(request),
        ],
    )?;
    let mut bytes = 0;
    if request.method != "HEAD" {
        out.write_all(body.as_bytes())?;
        bytes = body.len() as u64;
    }
    out.flush()?;
    *answer = Answer::Status { status, bytes };
    Ok(After::KeepAlive)
}
