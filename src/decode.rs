//! Turning a book's bytes into text for processing: UTF-8 (with its BOM
//! removed) when the bytes are UTF-8 — or nearly so: a UTF-8 book with a few
//! broken sequences keeps its accents, the broken bytes becoming U+FFFD with
//! a warning —, otherwise the 8-bit character set the book's header or the
//! server declares, and Windows-1252 (a superset of ISO-8859-1, what
//! Gutenberg's `-8` files hold) when nothing usable is declared. A declared
//! charset never overrides bytes that are plainly UTF-8, since servers get
//! charsets wrong. UTF-16 (little- or big-endian) is decoded when the bytes
//! start with its BOM, or when the server declares it and the bytes hold the
//! NULs that UTF-16 text has and 8-bit or UTF-8 text never has. Any byte
//! sequence decodes; nothing here can panic or fail.
//!
//! Speed: valid UTF-8 is checked once (`simdutf8`, many bytes per
//! instruction, in pieces so that 8-bit text stops the check early: the
//! `utf8` module) and, through [`decode_owned`], becomes the text without a
//! copy (a BOM is removed by moving the bytes down in place); whether other
//! bytes are nearly UTF-8 is weighed from where the check stopped, 64 bytes
//! a step; 8-bit text is turned into UTF-8 sixteen bytes at a time while
//! they are ASCII (the `single_byte` module).

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

mod single_byte;
mod utf8;

pub use single_byte::{single_byte_to_utf8, windows_1252_to_utf8};

/// A decoded book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, as UTF-8.
    pub text: String,
    /// The encoding used, by its WHATWG name (`UTF-8`, `windows-1252`, …).
    pub encoding: &'static str,
    /// What a reader of the text should know (invalid bytes replaced).
    pub warnings: Vec<String>,
}

/// How far into a book its header may declare a character set.
const HEADER_SCAN: usize = 8 * 1024;

/// The character set a Gutenberg header declares
/// (`Character set encoding: ISO-8859-1`), if any. The header is read a
/// line at a time, as text the way `String::from_utf8_lossy` makes it (a
/// line ends at an ASCII byte, so each line comes out as it would from the
/// whole), and only up to the declaration.
pub fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(HEADER_SCAN)];
    head.split(|&b| b == b'\n').find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        let key = String::from_utf8_lossy(&line[..colon]);
        let key = key.trim();
        if !key.eq_ignore_ascii_case("character set encoding")
            && !key.eq_ignore_ascii_case("charset")
        {
            return None;
        }
        let value = String::from_utf8_lossy(&line[colon + 1..]);
        Some(value.trim().to_string()).filter(|v| !v.is_empty())
    })
}

/// Finds the `encoding_rs` encoding for a label such as `ISO-8859-1`,
/// `Latin-1` or `ISO Latin-1`, as Gutenberg headers write them.
fn lookup(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().to_ascii_lowercase();
    let l = l
        .trim_start_matches("iso ")
        .split(['(', ' '])
        .next()
        .unwrap_or("");
    match l {
        "latin-1" | "latin1" => Some(WINDOWS_1252),
        "latin-4" | "latin4" => Encoding::for_label(b"iso-8859-4"),
        _ => Encoding::for_label(l.as_bytes()),
    }
}

/// UTF-16, when its BOM says so, or when `charset` declares it and the
/// bytes hold NULs; the byte order from the BOM, the label, or where the
/// NULs of ASCII characters fall.
fn utf16(bytes: &[u8], charset: Option<&str>) -> Option<&'static Encoding> {
    if bytes.starts_with(b"\xFF\xFE") {
        return Some(UTF_16LE);
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return Some(UTF_16BE);
    }
    let label = charset?.trim().to_ascii_lowercase();
    if !label.starts_with("utf-16") && !label.starts_with("utf16") || !bytes.contains(&0) {
        return None;
    }
    Some(match label.as_str() {
        "utf-16be" | "utf16be" => UTF_16BE,
        "utf-16le" | "utf16le" => UTF_16LE,
        _ => {
            let head = &bytes[..bytes.len().min(HEADER_SCAN)];
            let nul_at = |parity| {
                head.iter()
                    .enumerate()
                    .filter(|&(i, &b)| b == 0 && i % 2 == parity)
                    .count()
            };
            if nul_at(0) > nul_at(1) {
                UTF_16BE
            } else {
                UTF_16LE
            }
        }
    })
}

/// The encoding `bytes` are decoded from: see the module docs for the order.
/// `content_type_charset` is the `charset` parameter the server sent, if any.
pub fn detect(bytes: &[u8], content_type_charset: Option<&str>) -> &'static Encoding {
    detect_checked(bytes, content_type_charset, None).0
}

/// [`detect`], with what the caller already knows of the bytes after any
/// BOM: `checked` is [`utf8::check`]'s answer for them, if it was asked.
/// Returns the encoding and, for UTF-8, the number of invalid sequences.
fn detect_checked(
    bytes: &[u8],
    content_type_charset: Option<&str>,
    checked: Option<Result<(), usize>>,
) -> (&'static Encoding, usize) {
    let check = |body: &[u8]| checked.unwrap_or_else(|| utf8::check(body));
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let invalid = match check(body) {
            Ok(()) => 0,
            Err(valid) => utf8::evidence_after(body, valid).1,
        };
        return (UTF_8, invalid);
    }
    if let Some(utf16) = utf16(bytes, content_type_charset) {
        return (utf16, 0);
    }
    let Err(valid) = check(bytes) else {
        return (UTF_8, 0);
    };
    let (multibyte, invalid) = utf8::evidence_after(bytes, valid);
    if multibyte > invalid {
        return (UTF_8, invalid);
    }
    let single_byte = declared_charset(bytes)
        .as_deref()
        .and_then(lookup)
        .filter(|e| *e != UTF_8 && e.is_single_byte())
        .or_else(|| {
            content_type_charset
                .and_then(lookup)
                .filter(|e| *e != UTF_8 && e.is_single_byte())
        })
        .unwrap_or(WINDOWS_1252);
    (single_byte, 0)
}

/// Decodes `bytes`. `content_type_charset` is the `charset` parameter the
/// server sent, if any. Valid UTF-8 costs one check and one copy; see
/// [`decode_owned`] to spare the copy.
pub fn decode(bytes: &[u8], content_type_charset: Option<&str>) -> Decoded {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if utf16(bytes, content_type_charset).is_some() {
        return decode_other(bytes, content_type_charset, None);
    }
    match utf8::check(body) {
        // SAFETY: just checked.
        Ok(()) => utf8(unsafe { std::str::from_utf8_unchecked(body) }.to_owned()),
        checked => decode_other(bytes, content_type_charset, Some(checked)),
    }
}

/// [`decode`], taking the bytes: valid UTF-8 becomes the text in the same
/// buffer, without a copy (a BOM is removed by moving the text down by
/// three bytes in place).
pub fn decode_owned(mut bytes: Vec<u8>, content_type_charset: Option<&str>) -> Decoded {
    if utf16(&bytes, content_type_charset).is_some() {
        return decode_other(&bytes, content_type_charset, None);
    }
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    match utf8::check(&bytes[if bom { 3 } else { 0 }..]) {
        Ok(()) => {
            if bom {
                bytes.drain(..3);
            }
            // SAFETY: the bytes after the BOM were just checked.
            utf8(unsafe { String::from_utf8_unchecked(bytes) })
        }
        checked => decode_other(&bytes, content_type_charset, Some(checked)),
    }
}

fn utf8(text: String) -> Decoded {
    Decoded {
        text,
        encoding: UTF_8.name(),
        warnings: Vec::new(),
    }
}

/// Decodes bytes that are not known to be valid UTF-8 (after any BOM);
/// `checked` as for [`detect_checked`].
fn decode_other(
    bytes: &[u8],
    content_type_charset: Option<&str>,
    checked: Option<Result<(), usize>>,
) -> Decoded {
    let (encoding, invalid) = detect_checked(bytes, content_type_charset, checked);
    let mut warnings = Vec::new();
    let text = if encoding == UTF_8 {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if invalid > 0 {
            warnings.push(format!(
                "{invalid} invalid UTF-8 sequence(s) replaced with U+FFFD"
            ));
        }
        String::from_utf8_lossy(body).into_owned()
    } else if encoding == UTF_16LE || encoding == UTF_16BE {
        let (text, malformed) = encoding.decode_with_bom_removal(bytes);
        if malformed {
            warnings.push(format!(
                "invalid {} sequences replaced with U+FFFD",
                encoding.name()
            ));
        }
        text.into_owned()
    } else {
        single_byte_to_utf8(encoding, bytes)
    };
    Decoded {
        text,
        encoding: encoding.name(),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_utf16_without_a_bom_is_not_taken_for_utf8() {
        // ASCII in UTF-16 is valid UTF-8 too (with NULs): the fast paths
        // must not take it.
        let bytes = b"H\0i\0 \0t\0h\0e\0r\0e\0".to_vec();
        for d in [
            decode(&bytes, Some("utf-16le")),
            decode_owned(bytes.clone(), Some("UTF-16")),
        ] {
            assert_eq!(d.text, "Hi there");
            assert_eq!(d.encoding, "UTF-16LE");
        }
        assert_eq!(decode_owned(bytes, None).encoding, "UTF-8");
    }

    #[test]
    fn utf8_with_bom() {
        let d = decode("\u{FEFF}Caf\u{e9}".as_bytes(), None);
        assert_eq!(d.text, "Café");
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn latin1_bytes_decode_whatever_is_declared() {
        let bytes = b"Character set encoding: ISO-8859-1\r\n\r\nCaf\xe9 na\xefve";
        let d = decode(bytes, None);
        assert!(d.text.ends_with("Café naïve"));
        assert_eq!(decode(b"Caf\xe9", Some("utf-8")).text, "Café");
        assert_eq!(decode(b"Caf\xe9", None).encoding, "windows-1252");
    }

    #[test]
    fn declared_latin4_is_used() {
        let bytes = b"Character set encoding: ISO Latin-4\r\n\xe4";
        let d = decode(bytes, None);
        assert_eq!(d.encoding, "ISO-8859-4");
        assert!(d.text.ends_with('ä'));
    }

    #[test]
    fn declarations_are_found() {
        assert_eq!(
            declared_charset(b"Title: X\r\nCharacter set encoding: UTF-8\r\n").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(declared_charset(b"no header here"), None);
        assert_eq!(
            declared_charset(b"Charset:  \r\ncharset: latin-1 \r\n").as_deref(),
            Some("latin-1")
        );
    }

    #[test]
    fn declarations_are_read_as_from_the_whole_header_as_text() {
        // How the header was read before it was read line by line.
        let whole_text = |bytes: &[u8]| {
            let head = &bytes[..bytes.len().min(HEADER_SCAN)];
            let text = String::from_utf8_lossy(head);
            text.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                let key = key.trim().to_ascii_lowercase();
                (key == "character set encoding" || key == "charset")
                    .then(|| value.trim().to_string())
                    .filter(|v| !v.is_empty())
            })
        };
        let pieces: [&[u8]; 14] = [
            b"Character set encoding",
            b"CHARSET",
            b"charset",
            b": ",
            b":",
            b"\r\n",
            b"\n",
            b"\r",
            b" ISO-8859-1",
            b"\xe9",
            b"\xC3",
            "\u{a0}\u{2003}".as_bytes(),
            b"\t",
            b"x",
        ];
        let mut rng = crate::rng::Rng::new(21);
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..rng.below(12))
                .flat_map(|_| pieces[rng.below(14) as usize].iter().copied())
                .collect();
            assert_eq!(declared_charset(&bytes), whole_text(&bytes), "{bytes:?}");
        }
        let long = [&b"x: y\n".repeat(2000)[..], b"charset: koi8-r\n"].concat();
        assert_eq!(declared_charset(&long), whole_text(&long));
        let mut cut = b"x".repeat(HEADER_SCAN - 13);
        // The cut of the header splits the é.
        cut.extend_from_slice(b"\ncharset: ab\xC3\xA9cd\n");
        for len in HEADER_SCAN - 10..=cut.len() {
            assert_eq!(declared_charset(&cut[..len]), whole_text(&cut[..len]));
        }
    }

    #[test]
    fn utf8_with_a_few_broken_bytes_stays_utf8() {
        let mut bytes = "Caf\u{e9} na\u{ef}ve \u{2014} d\u{e9}j\u{e0} vu. "
            .repeat(20)
            .into_bytes();
        bytes[7] = 0xFF;
        let d = decode(&bytes, Some("iso-8859-1"));
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("déjà vu") && d.text.contains('\u{FFFD}'));
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        // Latin-1 text is not mistaken for it.
        let latin1 = b"Caf\xe9 na\xefve, d\xe9j\xe0 vu. \x93Quoted\x94".repeat(20);
        assert_eq!(decode(&latin1, None).encoding, "windows-1252");
    }

    #[test]
    fn a_wrong_server_charset_does_not_spoil_the_text() {
        let utf8 = "Character set encoding: UTF-8\r\n\r\nCaf\u{e9}";
        assert_eq!(decode(utf8.as_bytes(), Some("iso-8859-1")).text, utf8);
        let latin1 = b"Character set encoding: ISO-8859-1\r\n\r\nCaf\xe9";
        assert!(decode(latin1, Some("iso-8859-5")).text.ends_with("Café"));
        assert!(decode(latin1, Some("utf-8")).text.ends_with("Café"));
    }

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut bytes = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        text.encode_utf16()
            .for_each(|u| bytes.extend_from_slice(&u.to_le_bytes()));
        bytes
    }

    #[test]
    fn utf16_is_decoded_when_its_bom_or_the_server_says_so() {
        let text = "Caf\u{e9} au lait, na\u{ef}ve.\r\n";
        let d = decode(&utf16le(text, true), Some("utf-16"));
        assert_eq!((d.text.as_str(), d.encoding), (text, "UTF-16LE"));
        let d = decode(&utf16le(text, true), None);
        assert_eq!((d.text.as_str(), d.encoding), (text, "UTF-16LE"));
        let d = decode(&utf16le(text, false), Some("UTF-16"));
        assert_eq!((d.text.as_str(), d.encoding), (text, "UTF-16LE"));
        let mut be = vec![0xFE, 0xFF];
        text.encode_utf16()
            .for_each(|u| be.extend_from_slice(&u.to_be_bytes()));
        assert_eq!(decode(&be, None).text, text);
        assert_eq!(decode(&be[2..], Some("utf-16")).encoding, "UTF-16BE");
        // A wrong UTF-16 claim on ordinary text is not believed.
        assert_eq!(decode(b"Caf\xe9", Some("utf-16")).encoding, "windows-1252");
        assert_eq!(decode("Café".as_bytes(), Some("utf-16")).encoding, "UTF-8");
    }

    #[test]
    fn owned_and_borrowed_decode_alike() {
        let mut rng = crate::rng::Rng::new(11);
        let samples: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"\xEF\xBB\xBF".to_vec(),
            "\u{FEFF}Caf\u{e9}\r\n".as_bytes().to_vec(),
            "plain ascii\r\n".as_bytes().to_vec(),
            b"Caf\xe9 \x93q\x94 \x81\x8d\x8f\x90\x9d".to_vec(),
            b"\xEF\xBB\xBFbroken \xFF utf-8 \xC3\xA9\xC3\xA9\xC3\xA9".to_vec(),
            (0..=255u8).collect(),
        ];
        let random = (0..300).map(|i| {
            (0..rng.below(200))
                .map(|_| match i % 3 {
                    0 => rng.below(256) as u8,
                    _ => b"ab \xC3\xA9\xE2\x80\x99"[rng.below(8) as usize],
                })
                .collect::<Vec<u8>>()
        });
        for bytes in samples.into_iter().chain(random) {
            for charset in [None, Some("iso-8859-1"), Some("utf-8")] {
                let borrowed = decode(&bytes, charset);
                assert_eq!(decode_owned(bytes.clone(), charset), borrowed, "{bytes:?}");
                // What the decoding was before it was made fast.
                let encoding = detect(&bytes, charset);
                let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                let expected = if encoding == UTF_8 {
                    UTF_8.decode_without_bom_handling(body).0
                } else {
                    encoding.decode_without_bom_handling(&bytes).0
                };
                assert_eq!(borrowed.text, expected, "{bytes:?}");
                assert_eq!(borrowed.encoding, encoding.name());
                assert_eq!(
                    borrowed.warnings.is_empty(),
                    std::str::from_utf8(body).is_ok() || encoding != UTF_8
                );
            }
        }
    }

    #[test]
    fn crlf_is_kept() {
        let d = decode(b"a\r\nb\r\n", None);
        assert_eq!(d.text, "a\r\nb\r\n");
    }

    #[test]
    fn any_bytes_decode() {
        let all: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
        let d = decode(&all, Some("no-such-charset"));
        assert_eq!(d.text.chars().count(), 2000);
        let mut rng = crate::rng::Rng::new(5);
        for len in [0, 1, 2, 3, 4, 17, 1000] {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
                let _ = decode(&bytes, None);
                let _ = decode(&bytes, Some("utf-8"));
            }
        }
    }
}
