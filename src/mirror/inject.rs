//! How each injected fault is put on the wire: the mirror writes heads and
//! bodies itself, so it can stop in the middle of a body, reset the
//! connection (SO_LINGER 0, so the kernel sends RST rather than FIN), stall,
//! drip, or send more than it announced.

use std::io::{self, BufWriter, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::faults::Fault;
use super::http::{self, Request};
use crate::latency::LatencyModel;
use crate::rng::Rng;

/// What happens to the connection after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum After {
    /// Read the next request if the client keeps the connection alive.
    KeepAlive,
    /// Close it (it was reset, cut short, or its length was never announced).
    Close,
}

/// The query a redirect fault sends the client to; its follow-up request is
/// answered without a new fault (or, in a loop, with the next redirect).
pub(super) const MARKER: &str = "gutenpipe-fault=";

/// What a request marked by an earlier redirect fault asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    /// The target of a plain redirect: serve the file.
    Redirected,
    /// Hop `n` of a redirect loop: redirect again.
    Loop(u64),
}

pub(super) fn marker(query: &str) -> Option<Marker> {
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(MARKER))?;
    if value == "redirected" {
        return Some(Marker::Redirected);
    }
    value.strip_prefix("loop-")?.parse().ok().map(Marker::Loop)
}

/// The file a faulty response is about.
pub(super) struct Body {
    pub file: super::library::Content,
    pub length: u64,
    pub content_type: &'static str,
}

/// Everything a fault needs besides the body.
pub(super) struct Context<'a> {
    pub request: &'a Request,
    pub model: &'a LatencyModel,
    pub stop: &'a AtomicBool,
    pub retry_after: u32,
}

/// Longest a stall lasts when the client never gives up.
const MAX_STALL: Duration = Duration::from_secs(300);
/// Pause between the pieces of a drip; far below any sensible read timeout.
const DRIP_PAUSE: Duration = Duration::from_millis(5);
/// Most bytes an endless body sends before the mirror gives up on it.
const ENDLESS_CAP: u64 = 64 << 30;

fn server() -> (&'static str, String) {
    (
        "Server",
        concat!("gutenpipe-mirror/", env!("CARGO_PKG_VERSION")).to_string(),
    )
}

fn connection(request: &Request) -> (&'static str, String) {
    let value = if request.keep_alive {
        "keep-alive"
    } else {
        "close"
    };
    ("Connection", value.to_string())
}

/// Answers `request` with `fault`. `body` is the file the path names; faults
/// that need one are only chosen when there is one (without it, a 500).
pub(super) fn answer(
    fault: Fault,
    rng: Rng,
    cx: &Context<'_>,
    body: Option<Body>,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<After> {
    match body {
        Some(b) if fault.needs_body() => with_body(fault, rng, cx, b, out),
        _ => without_body(fault, cx, out),
    }
}

/// The faults answered without the file: error statuses, resets, redirects.
fn without_body(
    fault: Fault,
    cx: &Context<'_>,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<After> {
    let request = cx.request;
    match fault {
        Fault::Status503 => status(out, request, 503, &[]),
        Fault::TooManyRequests => status(
            out,
            request,
            429,
            &[("Retry-After", cx.retry_after.to_string())],
        ),
        Fault::RetryAfterAbsurd => status(
            out,
            request,
            503,
            &[(
                "Retry-After",
                "Wed, 21 Oct 300000000000 07:28:00 GMT".to_string(),
            )],
        ),
        Fault::ResetHead => {
            reset(out)?;
            Ok(After::Close)
        }
        Fault::Redirect => redirect(
            out,
            request,
            &format!("{}?{MARKER}redirected", request.path),
        ),
        Fault::RedirectLoop => redirect_loop(out, request, 1),
        // Status500, and a fault that needs a file where there is none.
        _ => status(out, request, 500, &[]),
    }
}

/// The faults that send (some of) the file.
fn with_body(
    fault: Fault,
    rng: Rng,
    cx: &Context<'_>,
    b: Body,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<After> {
    match fault {
        Fault::ResetBody | Fault::Truncate | Fault::Stall => cut_short(fault, rng, cx, b, out),
        Fault::Drip => drip(cx.request, b, out),
        Fault::Charset => wrong_charset(rng, cx, b, out),
        Fault::Gzip | Fault::EncodingTwoHeaders => gzipped(fault, cx, b, out),
        Fault::ContentLengthAbsurd => {
            // Far more announced than sent: the body ends with the connection.
            let mut b = b;
            head_with(
                out,
                b.content_type,
                &[
                    ("Content-Length", "1000000000000".into()),
                    ("Connection", "close".into()),
                ],
            )?;
            super::latency::send(cx.model, &mut b.file, out)?;
            Ok(After::Close)
        }
        Fault::Utf16 => utf16(cx, b, out),
        Fault::Empty200 => {
            head(out, cx.request, b.content_type, Some(0), &[])?;
            out.flush()?;
            Ok(After::KeepAlive)
        }
        Fault::Oversize | Fault::GzipBomb => endless(fault, cx, b, out),
        _ => without_body(fault, cx, out),
    }
}

/// A body cut short: reset after part of it (`ResetBody`), closed before
/// the length announced (`Truncate`), or stalled (`Stall`).
fn cut_short(
    fault: Fault,
    mut rng: Rng,
    cx: &Context<'_>,
    mut b: Body,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<After> {
    let announced = match fault {
        Fault::Truncate => b.length.max(1),
        _ => b.length,
    };
    let mut cut = cut(&mut rng, announced);
    if fault == Fault::Truncate {
        cut = cut.min(announced - 1);
    }
    head(out, cx.request, b.content_type, Some(announced), &[])?;
    super::latency::send(cx.model, &mut (&mut b.file).take(cut), out)?;
    match fault {
        Fault::ResetBody => {
            // Let the bytes reach the client before the RST discards them.
            thread::sleep(Duration::from_millis(20));
            reset(out)?;
        }
        Fault::Stall => stall(out.get_ref(), cx.stop)?,
        _ => {}
    }
    Ok(After::Close)
}

/// The body in small pieces with pauses between them.
fn drip(request: &Request, mut b: Body, out: &mut BufWriter<TcpStream>) -> io::Result<After> {
    head(out, request, b.content_type, Some(b.length), &[])?;
    let piece = (b.length / 100).max(256) as usize;
    let mut buf = vec![0u8; piece];
    loop {
        let n = b.file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.write_all(&buf[..n])?;
        out.flush()?;
        thread::sleep(DRIP_PAUSE);
    }
    Ok(After::KeepAlive)
}

/// The body under a charset that is not its own, or none.
fn wrong_charset(
    mut rng: Rng,
    cx: &Context<'_>,
    mut b: Body,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<After> {
    let claimed = match (b.content_type.contains("utf-8"), rng.chance(0.5)) {
        (_, false) => "text/plain",
        (true, true) => "text/plain; charset=iso-8859-1",
        (false, true) => "text/plain; charset=utf-8",
    };
    head(out, cx.request, claimed, Some(b.length), &[])?;
    super::latency::send(cx.model, &mut b.file, out)?;
    Ok(After::KeepAlive)
}

/// The body gzipped on the fly, as servers do, so its length is not known
/// before it is sent: chunked transfer coding. `EncodingTwoHeaders` says
/// `Content-Encoding: identity` before `Content-Encoding: gzip`.
fn gzipped(
    fault: Fault,
    cx: &Context<'_>,
    mut b: Body,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<After> {
    let mut headers = vec![("Transfer-Encoding", "chunked".to_string())];
    if fault == Fault::EncodingTwoHeaders {
        headers.push(("Content-Encoding", "identity".into()));
    }
    headers.push(("Content-Encoding", "gzip".into()));
    headers.push(connection(cx.request));
    head_with(out, b.content_type, &headers)?;
    let mut gz = GzEncoder::new(http::Chunked::new(&mut *out), Compression::fast());
    super::latency::send(cx.model, &mut b.file, &mut gz)?;
    gz.finish()?.finish()?;
    Ok(After::KeepAlive)
}

/// The book's text as UTF-16 LE with a BOM and `charset=utf-16`.
fn utf16(cx: &Context<'_>, mut b: Body, out: &mut BufWriter<TcpStream>) -> io::Result<After> {
    let mut bytes = Vec::new();
    b.file.read_to_end(&mut bytes)?;
    let text = crate::decode::decode(&bytes, None).text;
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    head(
        out,
        cx.request,
        "text/plain; charset=utf-16",
        Some(utf16.len() as u64),
        &[],
    )?;
    super::latency::send(cx.model, &mut utf16.as_slice(), out)?;
    Ok(After::KeepAlive)
}

/// A body that never ends: the book then filler (`Oversize`), or gzip
/// members that inflate a thousandfold (`GzipBomb`); sent until the client
/// hangs up or the cap.
fn endless(
    fault: Fault,
    cx: &Context<'_>,
    b: Body,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<After> {
    if fault == Fault::GzipBomb {
        head(
            out,
            cx.request,
            b.content_type,
            None,
            &[("Content-Encoding", "gzip".into())],
        )?;
        let bomb = Endless {
            unit: bomb_member(),
            at: 0,
        };
        endless_send(bomb, cx, out)?;
    } else {
        head(out, cx.request, b.content_type, None, &[])?;
        let filler = b"This line is filler from an endless body (gutenpipe oversize fault).\r\n";
        let endless = b.file.chain(Endless {
            unit: filler,
            at: 0,
        });
        endless_send(endless, cx, out)?;
    }
    Ok(After::Close)
}

/// A cut point within a body of `length`: between 10 % and 90 % of it.
fn cut(rng: &mut Rng, length: u64) -> u64 {
    if length < 10 {
        return length / 2;
    }
    rng.between(length / 10, length * 9 / 10)
}

fn head(
    out: &mut impl Write,
    request: &Request,
    content_type: &str,
    length: Option<u64>,
    extra: &[(&str, String)],
) -> io::Result<()> {
    let mut headers: Vec<(&str, String)> = match length {
        Some(n) => vec![("Content-Length", n.to_string()), connection(request)],
        // Without a length, the body ends when the connection does.
        None => vec![("Connection", "close".into())],
    };
    headers.extend(extra.iter().cloned());
    head_with(out, content_type, &headers)
}

/// A 200 head with `Content-Type`, `Server` and `headers`.
fn head_with(
    out: &mut impl Write,
    content_type: &str,
    headers: &[(&str, String)],
) -> io::Result<()> {
    let mut all = vec![("Content-Type", content_type.to_string()), server()];
    all.extend(headers.iter().cloned());
    http::write_head(out, 200, &all)
}

fn status(
    out: &mut impl Write,
    request: &Request,
    code: u16,
    extra: &[(&str, String)],
) -> io::Result<After> {
    let body = format!("injected fault: {}\n", http::reason(code));
    let mut headers = vec![
        ("Content-Type", "text/plain; charset=utf-8".to_string()),
        ("Content-Length", body.len().to_string()),
        connection(request),
        server(),
    ];
    headers.extend(extra.iter().cloned());
    http::write_head(out, code, &headers)?;
    out.write_all(body.as_bytes())?;
    out.flush()?;
    Ok(After::KeepAlive)
}

fn redirect(out: &mut impl Write, request: &Request, location: &str) -> io::Result<After> {
    http::write_head(
        out,
        302,
        &[
            ("Location", location.to_string()),
            ("Content-Length", "0".into()),
            connection(request),
            server(),
        ],
    )?;
    out.flush()?;
    Ok(After::KeepAlive)
}

/// Hop `hop` of a redirect loop: to the same path with the next marker.
pub(super) fn redirect_loop(
    out: &mut impl Write,
    request: &Request,
    hop: u64,
) -> io::Result<After> {
    let location = format!("{}?{MARKER}loop-{hop}", request.path);
    redirect(out, request, &location)
}

/// Resets the connection: with SO_LINGER set to 0, closing the socket sends
/// RST instead of FIN, as a crashed server or a middlebox does.
fn reset(out: &mut BufWriter<TcpStream>) -> io::Result<After> {
    out.flush()?;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is an open socket owned by `out`, and `linger`
    // is a valid value of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            out.get_ref().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(After::Close)
}

/// Sends nothing until the client closes the connection, the mirror stops,
/// or [`MAX_STALL`] passes.
fn stall(stream: &TcpStream, stop: &AtomicBool) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_millis(50)))?;
    let started = Instant::now();
    let mut probe = [0u8; 1];
    while started.elapsed() < MAX_STALL && !stop.load(Ordering::SeqCst) {
        match stream.peek(&mut probe) {
            Ok(0) => break, // the client hung up
            Ok(_) => thread::sleep(Duration::from_millis(50)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// A reader that repeats `unit` forever.
struct Endless {
    unit: &'static [u8],
    at: usize,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.unit.len() - self.at);
        buf[..n].copy_from_slice(&self.unit[self.at..self.at + n]);
        self.at = (self.at + n) % self.unit.len();
        Ok(n)
    }
}

/// Sends `body` until the client stops reading, the mirror stops, or
/// [`ENDLESS_CAP`] bytes have gone.
fn endless_send(
    body: impl Read,
    cx: &Context<'_>,
    out: &mut BufWriter<TcpStream>,
) -> io::Result<()> {
    let mut body = body.take(ENDLESS_CAP);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if cx.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let n = body.read(&mut buf)?;
        if n == 0 {
            return out.flush();
        }
        // A write error means the client hung up: the fault did its work.
        if out.write_all(&buf[..n]).is_err() {
            return Ok(());
        }
    }
}

/// One gzip member inflating to 1 MiB of zeros (about 1 kB on the wire);
/// concatenated members are one valid gzip stream of any length. Built once,
/// when a mirror that may need it starts.
pub(super) fn bomb_member() -> &'static [u8] {
    static MEMBER: OnceLock<Vec<u8>> = OnceLock::new();
    MEMBER.get_or_init(|| {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1 << 20];
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&zeros);
        gz.finish().unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip() {
        assert_eq!(
            marker("gutenpipe-fault=redirected"),
            Some(Marker::Redirected)
        );
        assert_eq!(marker("a=1&gutenpipe-fault=loop-7"), Some(Marker::Loop(7)));
        assert_eq!(marker("gutenpipe-fault=loop-x"), None);
        assert_eq!(marker(""), None);
    }

    #[test]
    fn cuts_fall_inside_the_body() {
        let mut rng = Rng::new(3);
        for len in [0u64, 1, 9, 10, 1000, 1 << 20] {
            for _ in 0..50 {
                let c = cut(&mut rng, len);
                assert!(c <= len && (len < 10 || c >= len / 10 && c <= len * 9 / 10));
            }
        }
    }

    #[test]
    fn the_bomb_member_is_small_and_inflates() {
        let member = bomb_member();
        assert!(member.len() < 8 * 1024, "{}", member.len());
        let mut inflated = Vec::new();
        flate2::read::MultiGzDecoder::new([member, member].concat().as_slice())
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated.len(), 2 << 20);
    }
}
