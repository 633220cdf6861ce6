//! Turning a book's bytes into text for processing: UTF-8 (with its BOM
//! removed) when the bytes are UTF-8, otherwise the 8-bit character set the
//! server or the book's header declares, and Windows-1252 (a superset of
//! ISO-8859-1) when nothing usable is declared. Any byte sequence decodes;
//! nothing here can panic or fail.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// A decoded book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding used, by its WHATWG name (`UTF-8`, `windows-1252`, …).
    pub encoding: &'static str,
}

/// How far into a book its header may declare a character set.
const HEADER_SCAN: usize = 8 * 1024;

/// The character set a Gutenberg header declares
/// (`Character set encoding: ISO-8859-1`), if any.
pub fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(HEADER_SCAN)];
    let text = String::from_utf8_lossy(head);
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        let key = key.trim().to_ascii_lowercase();
        (key == "character set encoding" || key == "charset")
            .then(|| value.trim().to_string())
            .filter(|v| !v.is_empty())
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

/// Decodes `bytes`. `content_type_charset` is the `charset` parameter the
/// server sent, if any.
pub fn decode(bytes: &[u8], content_type_charset: Option<&str>) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let (text, _) = UTF_8.decode_without_bom_handling(rest);
        return Decoded {
            text: text.into_owned(),
            encoding: UTF_8.name(),
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: text.to_string(),
            encoding: UTF_8.name(),
        };
    }
    let declared = content_type_charset
        .and_then(lookup)
        .or_else(|| declared_charset(bytes).as_deref().and_then(lookup))
        .filter(|e| *e != UTF_8 && e.is_single_byte())
        .unwrap_or(WINDOWS_1252);
    let (text, _) = declared.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: declared.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn any_bytes_decode() {
        let all: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
        let d = decode(&all, Some("no-such-charset"));
        assert_eq!(d.text.chars().count(), 2000);
    }
}
