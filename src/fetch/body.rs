//! Reading a response body so that nothing a server sends can crash the
//! run or pass for a book it is not: every `Content-Encoding` header is read
//! and only the codings gutenpipe decodes itself are accepted (none, or one
//! gzip layer); the body is read into a buffer that starts small and grows
//! as bytes arrive, never sized from a number the server sent, up to the
//! size limit; and a body that is an HTML page, or that ended with the
//! connection without Gutenberg's END marker, is marked suspect.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use crate::gutenberg::markers;

/// The most bytes reserved before any has arrived, whatever the server's
/// `Content-Length` says: a lying server cannot make gutenpipe allocate more
/// than it really sends.
pub const INITIAL_BUFFER: u64 = 8 << 20;
/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;

/// The content coding of a body, once every `Content-Encoding` header has
/// been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// The bytes are the file (no header, or only `identity`).
    Identity,
    /// One layer of gzip (`gzip` or `x-gzip`, in any case).
    Gzip,
}

/// The coding that `values` (every `Content-Encoding` header of a response,
/// in order) describe, or the codings as written when gutenpipe cannot be
/// sure to decode them: an unknown coding, more than one layer, or a header
/// that is not text. `identity` is ignored wherever it appears.
pub fn coding<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Result<Coding, String> {
    let mut layers = Vec::new();
    let mut written = Vec::new();
    for value in values {
        let text = String::from_utf8_lossy(value);
        written.push(text.trim().to_string());
        if std::str::from_utf8(value).is_err()
            || !value
                .iter()
                .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\t')
        {
            layers.push(None);
            continue;
        }
        for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let t = token.to_ascii_lowercase();
            match t.as_str() {
                "identity" => {}
                "gzip" | "x-gzip" => layers.push(Some(Coding::Gzip)),
                _ => layers.push(None),
            }
        }
    }
    match layers.as_slice() {
        [] => Ok(Coding::Identity),
        [Some(Coding::Gzip)] => Ok(Coding::Gzip),
        _ => Err(written.join(", ")),
    }
}

/// How the end of a body was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length` announced it.
    Length(u64),
    /// Chunked transfer coding: a last, empty chunk ended it.
    Chunked,
    /// Neither: the body ended when the server closed the connection, which
    /// looks the same whether it sent everything or was cut short.
    Close,
}

/// Why reading a body stopped short of a body.
#[derive(Debug)]
pub enum ReadFailure {
    /// The connection or the decoding failed.
    Io(io::Error),
    /// More than the limit arrived (after decoding).
    TooLarge,
    /// The memory for the bytes could not be had.
    OutOfMemory(u64),
    /// The run is being interrupted (Ctrl-C).
    Interrupted,
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Reads `wire` to its end, decoding `coding`, into a buffer of at most
/// `limit` bytes. `hint` is the announced length, trusted only up to
/// [`INITIAL_BUFFER`]. Returns the bytes and how many came over the wire
/// (after transfer decoding, before content decoding) — also on failure,
/// for the error message.
pub fn read(
    wire: impl Read,
    coding: Coding,
    limit: u64,
    hint: Option<u64>,
) -> (Result<Vec<u8>, ReadFailure>, u64) {
    let mut counting = Counting {
        inner: wire,
        count: 0,
    };
    let result = match coding {
        Coding::Identity => read_limited(&mut counting, limit, hint),
        Coding::Gzip => read_limited(MultiGzDecoder::new(&mut counting), limit, None),
    };
    (result, counting.count)
}

fn read_limited(
    mut from: impl Read,
    limit: u64,
    hint: Option<u64>,
) -> Result<Vec<u8>, ReadFailure> {
    let mut bytes = Vec::new();
    let first = hint.unwrap_or(0).min(limit).min(INITIAL_BUFFER);
    bytes
        .try_reserve_exact(first as usize)
        .map_err(|_| ReadFailure::OutOfMemory(first))?;
    let mut chunk = vec![0u8; CHUNK];
    loop {
        if crate::interrupt::requested() {
            return Err(ReadFailure::Interrupted);
        }
        let n = match from.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadFailure::Io(e)),
        };
        let total = (bytes.len() as u64).saturating_add(n as u64);
        if total > limit {
            return Err(ReadFailure::TooLarge);
        }
        bytes
            .try_reserve(n)
            .map_err(|_| ReadFailure::OutOfMemory(total))?;
        bytes.extend_from_slice(&chunk[..n]);
    }
}

/// Why a book's body may not be the book, if it may not: an HTML page (an
/// error page, a login portal) rather than plain text, or a body that ended
/// with the connection (`framing` [`Framing::Close`]) and lacks Gutenberg's
/// END marker, so that it may have been cut short.
pub fn suspicion(bytes: &[u8], mime: Option<&str>, framing: Framing) -> Option<String> {
    let html_type = mime.is_some_and(|m| {
        let m = m.trim().to_ascii_lowercase();
        m == "text/html" || m == "application/xhtml+xml"
    });
    if html_type || looks_like_html(bytes) {
        return Some(format!(
            "the server sent an HTML page{}, not a plain-text book",
            mime.map(|m| format!(" ({m})")).unwrap_or_default()
        ));
    }
    if framing == Framing::Close && !has_end_marker(bytes) {
        return Some(
            "the body ended when the server closed the connection (no Content-Length) and \
             lacks Gutenberg's END marker: it may be cut short"
                .into(),
        );
    }
    None
}

/// Whether `bytes` begin like an HTML document.
fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = String::from_utf8_lossy(&head[start..]).to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Whether the text holds a line that begins Gutenberg's footer (`*** END
/// OF THE PROJECT GUTENBERG EBOOK …`, `End of the Project Gutenberg Etext
/// …`, in any of the forms [`markers`] knows), in whatever encoding the
/// bytes are.
pub fn has_end_marker(bytes: &[u8]) -> bool {
    let text = crate::decode::decode(bytes, None).text;
    text.lines()
        .any(|l| markers::is_footer_start(l) || markers::is_small_print_start(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codings(values: &[&str]) -> Result<Coding, String> {
        coding(values.iter().map(|v| v.as_bytes()))
    }

    #[test]
    fn every_content_encoding_header_counts() {
        assert_eq!(codings(&[]), Ok(Coding::Identity));
        assert_eq!(codings(&["identity"]), Ok(Coding::Identity));
        assert_eq!(codings(&["gzip"]), Ok(Coding::Gzip));
        assert_eq!(codings(&["GZIP"]), Ok(Coding::Gzip));
        assert_eq!(codings(&["x-gzip"]), Ok(Coding::Gzip));
        assert_eq!(codings(&["identity", "gzip"]), Ok(Coding::Gzip));
        assert_eq!(codings(&["gzip", "identity"]), Ok(Coding::Gzip));
        assert_eq!(codings(&["identity, gzip"]), Ok(Coding::Gzip));
        assert_eq!(codings(&["gzip", "gzip"]), Err("gzip, gzip".into()));
        assert_eq!(codings(&["gzip, br"]), Err("gzip, br".into()));
        assert_eq!(codings(&["identity", "br"]), Err("identity, br".into()));
        assert_eq!(codings(&["deflate"]), Err("deflate".into()));
        assert!(coding([&b"gz\xffip"[..]]).is_err());
    }

    #[test]
    fn the_buffer_never_trusts_an_announced_length() {
        let body = b"a small body".to_vec();
        let (bytes, wire) = read(
            &body[..],
            Coding::Identity,
            u64::MAX,
            Some(1_000_000_000_000),
        );
        let bytes = bytes.unwrap();
        assert_eq!(bytes, body);
        assert_eq!(wire, body.len() as u64);
        assert!(bytes.capacity() as u64 <= INITIAL_BUFFER + CHUNK as u64);
    }

    #[test]
    fn the_limit_holds_at_its_edges() {
        let body = vec![b'x'; 100];
        assert_eq!(
            read(&body[..], Coding::Identity, 100, None)
                .0
                .unwrap()
                .len(),
            100
        );
        assert!(matches!(
            read(&body[..], Coding::Identity, 99, None).0,
            Err(ReadFailure::TooLarge)
        ));
        // The largest limit there is: no `limit + 1` to overflow.
        assert_eq!(
            read(&body[..], Coding::Identity, u64::MAX, None).0.unwrap(),
            body
        );
        assert_eq!(
            read(&b""[..], Coding::Identity, u64::MAX, None).0.unwrap(),
            b""
        );
    }

    #[test]
    fn gzip_is_decoded_and_counted_on_the_wire() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let text = b"It was a dark and stormy night. ".repeat(100);
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&text).unwrap();
        let wire = gz.finish().unwrap();
        let (bytes, n) = read(&wire[..], Coding::Gzip, u64::MAX, Some(wire.len() as u64));
        assert_eq!(bytes.unwrap(), text);
        assert_eq!(n, wire.len() as u64);
        assert!(matches!(
            read(&wire[..], Coding::Gzip, 100, None).0,
            Err(ReadFailure::TooLarge)
        ));
        assert!(matches!(
            read(&wire[..wire.len() / 2], Coding::Gzip, u64::MAX, None).0,
            Err(ReadFailure::Io(_))
        ));
    }

    #[test]
    fn html_pages_and_cut_bodies_are_suspect() {
        let book = b"Title: X\n\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nText.\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n";
        for framing in [Framing::Length(1), Framing::Chunked, Framing::Close] {
            assert_eq!(suspicion(book, Some("text/plain"), framing), None);
        }
        let cut = &book[..60];
        assert_eq!(suspicion(cut, None, Framing::Length(60)), None);
        assert!(
            suspicion(cut, None, Framing::Close)
                .unwrap()
                .contains("cut short")
        );
        let page = b"\n  <!DOCTYPE html><html><body>503 Service Unavailable</body></html>";
        assert!(
            suspicion(page, Some("text/plain"), Framing::Length(1))
                .unwrap()
                .contains("HTML page")
        );
        assert!(
            suspicion(book, Some("text/html"), Framing::Chunked)
                .unwrap()
                .contains("text/html")
        );
        // An old-style ending counts as an END marker.
        let old = b"Text.\n\nEnd of the Project Gutenberg Etext of X\n";
        assert_eq!(suspicion(old, None, Framing::Close), None);
    }
}
