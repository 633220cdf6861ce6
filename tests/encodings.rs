//! Odd encodings through the mirror, plain, with wrong or missing charsets,
//! and gzipped: Latin-1, Windows-1252, UTF-8 with a BOM, CRLF line endings,
//! and UTF-8 with invalid bytes are all saved exactly as served and decoded
//! to the text they hold.

mod common;

use std::collections::HashMap;

use common::*;
use unicode_segmentation::UnicodeSegmentation;

/// A book file: its name, its bytes, and the text it must decode to.
struct Case {
    file: &'static str,
    bytes: Vec<u8>,
    text: String,
    encoding: &'static str,
    warned: bool,
}

fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

fn cases() -> Vec<Case> {
    let body = "Le café de Noël à l'hôtel Müller: «naïve» façade, señor, smørrebrød. ".repeat(40);
    let declared = format!(
        "Title: Latin\r\nCharacter set encoding: ISO-8859-1\r\n\r\n{}",
        body.replace('\n', "\r\n")
    );
    let cp1252_text = "He said \u{201C}quoted\u{201D} \u{2014} and left. Caf\u{e9}.\r\n".repeat(30);
    let cp1252: Vec<u8> = cp1252_text
        .chars()
        .map(|c| match c {
            '\u{201C}' => 0x93,
            '\u{201D}' => 0x94,
            '\u{2014}' => 0x97,
            c => u8::try_from(u32::from(c)).unwrap(),
        })
        .collect();
    let utf8 = "Ωμέγα καὶ café — “quoted” 日本語.\r\n".repeat(50);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(utf8.as_bytes());
    let mut broken = utf8.clone().into_bytes();
    let at = broken.iter().position(|&b| b == b'c').unwrap();
    broken.insert(at, 0xFF);
    let broken_text = {
        let mut t = utf8.clone();
        t.insert(at, '\u{FFFD}');
        t
    };
    let ascii = "Plain ASCII lines, with CRLF endings.\r\n".repeat(60);
    vec![
        Case {
            file: "1001-8.txt",
            bytes: latin1(&declared),
            text: declared.clone(),
            encoding: "windows-1252",
            warned: false,
        },
        Case {
            file: "1002-8.txt",
            bytes: cp1252,
            text: cp1252_text,
            encoding: "windows-1252",
            warned: false,
        },
        Case {
            file: "1003-0.txt",
            bytes: bom,
            text: utf8.clone(),
            encoding: "UTF-8",
            warned: false,
        },
        Case {
            file: "1004-0.txt",
            bytes: broken,
            text: broken_text,
            encoding: "UTF-8",
            warned: true,
        },
        Case {
            file: "1005.txt",
            bytes: ascii.clone().into_bytes(),
            text: ascii,
            encoding: "UTF-8",
            warned: false,
        },
    ]
}

fn count(text: &str) -> (u64, u64) {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for w in text.unicode_words() {
        *counts.entry(w.to_lowercase()).or_default() += 1;
    }
    (counts.values().sum(), counts.len() as u64)
}

#[test]
fn odd_encodings_are_saved_as_served_and_decoded_right() {
    let corpus = tempfile::tempdir().unwrap();
    let cases = cases();
    for c in &cases {
        std::fs::write(corpus.path().join(c.file), &c.bytes).unwrap();
    }
    let ids: Vec<String> = cases
        .iter()
        .map(|c| c.file.split(['-', '.']).next().unwrap().to_string())
        .collect();
    for spec in ["none", "charset=1", "gzip=1", "drip=0.5,gzip=0.5"] {
        let mirror = faulty_mirror(corpus.path(), spec, 3);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("t");
        // The raw text, as decoded: no cleaning to add its own warnings.
        let (o, report) = run_books(&mirror, &ids.join(","), &out, &["--stages", "tokenize"]);
        assert!(o.status.success(), "{spec}: {}", stderr(&o));
        let books = report["runs"][0]["books"].as_array().unwrap();
        for (c, book) in cases.iter().zip(books) {
            let saved = std::fs::read(out.join(format!("{}.txt", book["id"]))).unwrap();
            assert!(saved == c.bytes, "{spec}: {} not saved as served", c.file);
            assert_eq!(book["encoding"], c.encoding, "{spec}: {}", c.file);
            let (tokens, distinct) = count(&c.text);
            assert_eq!(
                book["results"]["tokenize"]["tokens"], tokens,
                "{spec}: {}",
                c.file
            );
            assert_eq!(
                book["results"]["tokenize"]["distinct"], distinct,
                "{spec}: {}",
                c.file
            );
            let warnings = book["warnings"].as_array().map_or(0, Vec::len);
            assert_eq!(warnings > 0, c.warned, "{spec}: {} {book}", c.file);
        }
        if spec == "charset=1" {
            let n = mirror.faults().injected(gutenpipe::mirror::Fault::Charset);
            assert_eq!(n, 5, "every book got a wrong or missing charset");
        }
    }
}
