//! A hostile server: whatever its headers say (Retry-After, Content-Length,
//! Content-Encoding, Content-Type, Location), gutenpipe neither panics nor
//! aborts, and never saves bytes that are not the book. The headers the
//! embedded mirror cannot send come from a raw-socket server on 127.0.0.1
//! inside the test.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use common::*;
use gutenpipe::book::{BookRequest, Target};
use gutenpipe::fetch::{FetchConfig, FetchError, Fetcher, RetryPolicy};
use proptest::prelude::*;

/// A server on 127.0.0.1 answering every request with the same raw bytes,
/// then closing the connection. Stops when dropped.
struct RawServer {
    port: u16,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl RawServer {
    fn start(response: impl Fn(u16) -> Vec<u8> + Send + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let bytes = response(port);
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => break,
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
        });
        RawServer {
            port,
            hits,
            stop,
            handle: Some(handle),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn quick(max_bytes: u64) -> FetchConfig {
    FetchConfig {
        read_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        max_bytes,
        retry: RetryPolicy {
            retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            retry_after_cap: Duration::from_millis(2),
        },
        ..FetchConfig::default()
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A response with `headers` and `body`, closing the connection after it.
fn response(status: &str, headers: &[(&str, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("HTTP/1.1 {status}\r\nConnection: close\r\n").into_bytes();
    for (name, value) in headers {
        r.extend_from_slice(name.as_bytes());
        r.extend_from_slice(b": ");
        r.extend_from_slice(value);
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

const BOOK: &[u8] = b"*** START OF THE PROJECT GUTENBERG EBOOK X ***\r\nIt was a dark and stormy night.\r\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\r\n";

/// Header values: any bytes but the line breaks that would end the header.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(
            any::<u8>().prop_filter("no line break", |b| *b != b'\r' && *b != b'\n'),
            0..48
        ),
        "[0-9]{1,30}".prop_map(String::into_bytes),
        "(gzip|GZIP|identity|br|x-gzip|deflate)(, ?(gzip|identity|br))?"
            .prop_map(String::into_bytes),
        "(Mon|Wed), [0-9]{1,3} (Oct|Foo) -?[0-9]{1,20} [0-9]{1,2}:[0-9]{2}:[0-9]{2} GMT"
            .prop_map(String::into_bytes),
    ]
}

/// A Location that can only lead back to the test's own server: a path, or
/// this server's own URL, followed by characters that cannot change host.
fn location() -> impl Strategy<Value = (u8, String)> {
    (0u8..3, "[^/\\\\:@?#\r\n]{0,24}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_header_value_makes_a_download_panic(
        status in prop_oneof![Just("200 OK"), Just("302 Found"), Just("404 Not Found"), Just("429 Too Many"), Just("503 Busy")],
        retry_after in header_value(),
        content_length in proptest::option::of(header_value()),
        encodings in proptest::collection::vec(header_value(), 0..3),
        charset in header_value(),
        (place, rest) in location(),
        gzipped in any::<bool>(),
        tiny_limit in any::<bool>(),
    ) {
        let body = if gzipped { gzip(BOOK) } else { BOOK.to_vec() };
        let server = RawServer::start(move |port| {
            let loc = match place {
                0 => format!("/{rest}"),
                1 => format!("http://127.0.0.1:{port}/{rest}"),
                _ => rest.clone(),
            };
            let mut headers = vec![
                ("Retry-After", retry_after.clone()),
                ("Location", loc.into_bytes()),
            ];
            let mut content_type = b"text/plain; charset=".to_vec();
            content_type.extend_from_slice(&charset);
            headers.push(("Content-Type", content_type));
            if let Some(cl) = &content_length {
                headers.push(("Content-Length", cl.clone()));
            }
            for e in &encodings {
                headers.push(("Content-Encoding", e.clone()));
            }
            response(status, &headers, &body)
        });
        let fetcher = Fetcher::new(quick(if tiny_limit { 64 } else { u64::MAX }), None);
        let request = BookRequest { index: 0, id: gutenpipe::book::BookId(1), target: Target::Url(server.url("/files/1/1-0.txt")) };
        if let Ok(f) = fetcher.fetch(&request) {
            // Whatever came through is the book, whole, or is flagged.
            prop_assert!(!f.bytes.is_empty());
            prop_assert!(f.bytes == BOOK || f.suspect.is_some(), "{:?}", String::from_utf8_lossy(&f.bytes));
            let _ = gutenpipe::decode::decode(&f.bytes, f.charset.as_deref());
        }
    }
}

#[test]
fn a_gzip_stream_behind_two_encoding_headers_is_never_saved_as_the_book() {
    for (encodings, decodable) in [
        (&["identity", "gzip"][..], true),
        (&["gzip", "gzip"][..], false),
        (&["identity", "br"][..], false),
        (&["GZIP"][..], true),
    ] {
        let once = gzip(BOOK);
        let body = if decodable { once } else { gzip(&once) };
        let headers: Vec<(&str, Vec<u8>)> = encodings
            .iter()
            .map(|e| ("Content-Encoding", e.as_bytes().to_vec()))
            .collect();
        let server = RawServer::start(move |_| response("200 OK", &headers, &body));
        let fetcher = Fetcher::new(quick(1 << 20), None);
        match fetcher.get(&server.url("/files/1/1-0.txt"), None) {
            Ok(f) => {
                assert!(decodable, "{encodings:?} was accepted");
                assert_eq!(f.bytes, BOOK, "{encodings:?}");
            }
            Err(e @ FetchError::Encoding { .. }) => {
                assert!(!decodable, "{encodings:?}: {e}");
                assert!(!e.is_transient(), "an undecodable body is final");
                assert!(e.to_string().contains(&encodings.join(", ")), "{e}");
            }
            Err(e) => panic!("{encodings:?}: {e}"),
        }
    }
}

#[test]
fn an_absurd_content_length_over_a_small_body_is_a_truncation_not_an_abort() {
    let server = RawServer::start(|_| {
        response(
            "200 OK",
            &[("Content-Length", b"1000000000000".to_vec())],
            BOOK,
        )
    });
    let fetcher = Fetcher::new(quick(u64::MAX), None);
    match fetcher.get(&server.url("/files/1/1-0.txt"), None) {
        Err(FetchError::Truncated {
            received, expected, ..
        }) => {
            assert_eq!(received, BOOK.len() as u64);
            assert_eq!(expected, 1_000_000_000_000);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_largest_size_limit_still_reads_chunked_books_whole() {
    let corpus = TestCorpus::new(2, 31);
    let entry = &corpus.catalog[0];
    let mirror = faulty_mirror(corpus.path(), "gzip=1", 1);
    let fetcher = Fetcher::new(quick(u64::MAX), None);
    let url = format!("{}/files/{}/{}", mirror.base_url(), entry.id, entry.file);
    let fetched = fetcher.get(&url, None).unwrap();
    assert!(fetched.bytes == corpus.bytes(entry), "not the book");
}

#[test]
fn an_empty_200_is_a_failure_and_an_html_page_is_suspect() {
    let empty = RawServer::start(|_| response("200 OK", &[("Content-Length", b"0".to_vec())], b""));
    let fetcher = Fetcher::new(quick(1 << 20), None);
    let err = fetcher.get(&empty.url("/x/1.txt"), None).unwrap_err();
    assert!(matches!(err, FetchError::Empty { .. }), "{err:?}");
    assert!(err.to_string().contains("empty body"), "{err}");

    let page = b"<!DOCTYPE html>\n<html><body>Service unavailable</body></html>\n";
    let html = RawServer::start(move |_| {
        response(
            "200 OK",
            &[
                ("Content-Type", b"text/html; charset=utf-8".to_vec()),
                ("Content-Length", page.len().to_string().into_bytes()),
            ],
            page,
        )
    });
    let f = fetcher.get(&html.url("/x/1.txt"), None).unwrap();
    assert!(f.suspect.unwrap().contains("HTML page"));

    // A body ended by the connection, without the END marker.
    let cut = &BOOK[..70];
    let close = RawServer::start(move |_| response("200 OK", &[], cut));
    let f = fetcher.get(&close.url("/x/1.txt"), None).unwrap();
    assert_eq!(f.bytes, cut);
    assert!(f.suspect.unwrap().contains("cut short"));
    let whole = RawServer::start(|_| response("200 OK", &[], BOOK));
    assert_eq!(
        fetcher.get(&whole.url("/x/1.txt"), None).unwrap().suspect,
        None
    );
}

#[test]
fn absurd_numbers_on_the_command_line_are_usage_errors() {
    for (flag, value, says) in [
        ("--max-bytes", "18446744073709551615", "more than the limit"),
        ("--timeout", "200000000000000d", "100 years"),
        ("--min-interval", "200000000000000d", "100 years"),
        (
            "--read-timeout",
            "99999999999999999999999h",
            "not a valid duration",
        ),
    ] {
        let o = gutenpipe(&["run", "--ids", "1", flag, value, "--out", "/nonexistent/x"]);
        assert_eq!(o.status.code(), Some(1), "{flag} {value}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{flag} {value}: {}", stderr(&o));
    }
}

/// A run against the embedded mirror's hostile answers: nothing panics
/// (exit 101) or aborts (killed by a signal), the other books are saved and
/// listed in the manifest, in every mode.
#[test]
fn hostile_answers_fail_their_book_and_spare_the_others() {
    let corpus = TestCorpus::new(6, 32);
    let ids: Vec<_> = corpus.catalog.iter().map(|e| e.id).collect();
    let spec = format!(
        "retry-after-absurd@{}=1,content-length-absurd@{}=1,empty-200@{}=1,encoding-two-headers@{}=1",
        ids[0], ids[1], ids[2], ids[3]
    );
    let mirror = faulty_mirror(corpus.path(), &spec, 1);
    let dir = tempfile::tempdir().unwrap();
    for mode in ["sequential", "staged", "streamed"] {
        let out = dir.path().join(mode);
        let flags = [
            "--mode",
            mode,
            "--retries",
            "1",
            "--retry-delay",
            "1ms",
            "--retry-after-cap",
            "5ms",
            "--max-bytes",
            "1000GB",
            "--no-sync",
            "--quiet",
        ];
        let (o, report) = run_books(&mirror, &id_list(&corpus.catalog), &out, &flags);
        assert_eq!(o.status.code(), Some(2), "{mode}: {}", stderr(&o));
        let books = report["runs"][0]["books"].as_array().unwrap();
        let error = |i: usize| books[i]["error"].as_str().unwrap_or_default().to_string();
        assert!(error(0).contains("HTTP 503"), "{}", error(0));
        assert!(error(1).contains("of 1000000000000 bytes"), "{}", error(1));
        assert!(error(2).contains("empty body"), "{}", error(2));
        assert_eq!(books[3]["status"], "ok", "{}", error(3));
        for (i, entry) in corpus.catalog.iter().enumerate() {
            let saved = std::fs::read(out.join(format!("{}.txt", entry.id)));
            if i < 3 {
                assert!(saved.is_err(), "{mode}: ebook {} was saved", entry.id);
            } else {
                assert!(
                    saved.unwrap() == corpus.bytes(entry),
                    "{mode}: ebook {}",
                    entry.id
                );
            }
        }
        assert_eq!(assert_manifest_matches_files(&out), 3, "{mode}");
    }
}

/// A book whose body may not be the book is saved, counted apart in the
/// table and the JSON, named, and not recorded as verified: the rerun
/// fetches it again.
#[test]
fn suspect_books_are_counted_named_and_fetched_again() {
    let page = b"<html><head><title>Error</title></head><body>Try later</body></html>\n";
    let server = RawServer::start(move |_| {
        response(
            "200 OK",
            &[
                ("Content-Type", b"text/html".to_vec()),
                ("Content-Length", page.len().to_string().into_bytes()),
            ],
            page,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let report = dir.path().join("r.json");
    let url = server.url("/files/7/7-0.txt");
    let args = [
        "run",
        "--source",
        "http://127.0.0.1:9",
        "--urls",
        &url,
        "--out",
        out.to_str().unwrap(),
        "--json",
        report.to_str().unwrap(),
        "--no-sync",
        "--quiet",
    ];
    for run in 1..=2 {
        let o = gutenpipe(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains("0 ok, 1 suspect"), "{text}");
        assert!(text.contains("1 of 1 book is suspect"), "{text}");
        assert!(
            text.contains("ebook 7: the server sent an HTML page (text/html)"),
            "{text}"
        );
        let r = read_report(&report);
        assert_eq!(r["runs"][0]["books_suspect"], 1);
        assert_eq!(r["runs"][0]["books_ok"], 0);
        assert_eq!(r["runs"][0]["books"][0]["status"], "suspect");
        let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
        assert!(manifest.contains("\"suspect\":"), "{manifest}");
        assert_eq!(server.hits.load(Ordering::SeqCst), run, "fetched again");
    }
}

/// UTF-16 with a BOM and `charset=utf-16` is decoded as UTF-16: the same
/// words as the UTF-8 book, and the report says which encoding it was.
#[test]
fn a_utf16_book_has_the_words_of_its_utf8_twin() {
    let corpus = TestCorpus::new(2, 33);
    let entry = &corpus.catalog[0];
    let dir = tempfile::tempdir().unwrap();
    let mut tokens = Vec::new();
    for spec in ["none", &format!("utf16@{}=1", entry.id)] {
        let mirror = faulty_mirror(corpus.path(), spec, 1);
        let out = dir
            .path()
            .join(if spec == "none" { "plain" } else { "utf16" });
        let (o, report) = run_books(
            &mirror,
            &entry.id.to_string(),
            &out,
            &["--no-sync", "--quiet"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let book = &report["runs"][0]["books"][0];
        tokens.push((
            book["results"]["tokenize"]["tokens"].as_u64().unwrap(),
            book["encoding"].clone(),
        ));
    }
    assert_eq!(tokens[0].0, tokens[1].0, "{tokens:?}");
    assert_eq!(tokens[1].1, "UTF-16LE");
}
