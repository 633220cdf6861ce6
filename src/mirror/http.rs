//! Just enough HTTP/1.1 for a file mirror: reading a request head, writing a
//! response head. The mirror writes bodies itself, byte by byte if it must,
//! which is what fault injection needs and what a general server hides.

use std::io::{self, BufRead, Read, Write};

/// Longest request head accepted (request line and headers).
const MAX_HEAD: usize = 16 * 1024;

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path, without query string.
    pub path: String,
    /// The query string, without the `?` (empty when there is none).
    pub query: String,
    /// Whether the connection stays open after the response.
    pub keep_alive: bool,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection between requests.
    Closed,
    /// The bytes are not an HTTP/1.x request; answer 400 and close.
    Malformed(&'static str),
    /// The connection failed or timed out.
    Io,
}

/// Reads one request head. A request body, which a mirror never needs, is
/// skipped when `Content-Length` announces one.
pub fn read_request(reader: &mut impl BufRead) -> Result<Request, ReadError> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = Read::take(&mut *reader, (MAX_HEAD - before) as u64 + 1)
            .read_until(b'\n', &mut head)
            .map_err(|_| ReadError::Io)?;
        if n == 0 {
            return if head.is_empty() {
                Err(ReadError::Closed)
            } else {
                Err(ReadError::Malformed(
                    "connection closed inside the request head",
                ))
            };
        }
        if head.len() > MAX_HEAD {
            return Err(ReadError::Malformed("request head too large"));
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                head.clear(); // tolerate blank lines between requests
                continue;
            }
            break;
        }
    }
    let text = std::str::from_utf8(&head)
        .map_err(|_| ReadError::Malformed("request head is not UTF-8"))?;
    let mut lines = text.lines();
    let request_line = lines.next().ok_or(ReadError::Malformed("empty request"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Malformed(
            "request line is not `METHOD target HTTP/1.x`",
        ));
    };
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => {
            return Err(ReadError::Malformed(
                "only HTTP/1.0 and HTTP/1.1 are spoken here",
            ));
        }
    };
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or(ReadError::Malformed("header line without a colon"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let target = target.split('#').next().unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        keep_alive: http11,
        headers,
    };
    match request.header("connection").map(str::to_ascii_lowercase) {
        Some(c) if c.contains("close") => request.keep_alive = false,
        Some(c) if c.contains("keep-alive") => request.keep_alive = true,
        _ => {}
    }
    if let Some(len) = request.header("content-length") {
        let len: u64 = len
            .parse()
            .map_err(|_| ReadError::Malformed("Content-Length is not a number"))?;
        io::copy(&mut Read::take(&mut *reader, len), &mut io::sink()).map_err(|_| ReadError::Io)?;
    }
    Ok(request)
}

/// The reason phrase of the status codes the mirror sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Writes a status line and headers, ending with the blank line.
pub fn write_head(out: &mut impl Write, status: u16, headers: &[(&str, String)]) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

/// A body in chunked transfer coding, for bodies whose length is not known
/// before they are sent (a gzip stream compressed on the fly). Every write
/// is one chunk; [`Chunked::finish`] writes the last, empty one.
pub struct Chunked<W: Write> {
    out: W,
}

impl<W: Write> Chunked<W> {
    pub fn new(out: W) -> Chunked<W> {
        Chunked { out }
    }

    /// Ends the body and hands back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"0\r\n\r\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Chunked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        write!(self.out, "{:x}\r\n", buf.len())?;
        self.out.write_all(buf)?;
        self.out.write_all(b"\r\n")?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Request, ReadError> {
        read_request(&mut io::BufReader::new(raw.as_bytes()))
    }

    #[test]
    fn reads_a_keep_alive_request() {
        let r = parse("GET /files/84/84-0.txt?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n")
            .unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/files/84/84-0.txt");
        assert_eq!(r.query, "x=1");
        assert!(r.keep_alive);
        assert_eq!(r.header("user-agent"), Some("t"));
    }

    #[test]
    fn connection_close_and_http10() {
        assert!(
            !parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(!parse("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            parse("hello\r\n\r\n"),
            Err(ReadError::Malformed(_))
        ));
        assert!(matches!(parse(""), Err(ReadError::Closed)));
        assert!(matches!(
            parse("GET / HTTP/1.1\r\nHost"),
            Err(ReadError::Malformed(_))
        ));
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(parse(&huge), Err(ReadError::Malformed(_))));
    }

    #[test]
    fn chunked_bodies_are_framed() {
        let mut c = Chunked::new(Vec::new());
        c.write_all(b"hello, ").unwrap();
        c.write_all(&[b'x'; 20]).unwrap();
        let out = c.finish().unwrap();
        let expected = format!("7\r\nhello, \r\n14\r\n{}\r\n0\r\n\r\n", "x".repeat(20));
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn two_requests_on_one_connection() {
        let raw = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        let mut reader = io::BufReader::new(raw.as_bytes());
        assert_eq!(read_request(&mut reader).unwrap().path, "/a");
        assert_eq!(read_request(&mut reader).unwrap().path, "/b");
        assert!(matches!(read_request(&mut reader), Err(ReadError::Closed)));
    }
}
