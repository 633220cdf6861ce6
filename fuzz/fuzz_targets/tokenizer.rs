//! Fuzz target: for any UTF-8 input, gutenpipe's tokenizer gives the same
//! words as `unicode_words` (pulled one at a time and folded), and the same
//! counts, lowercased or not, as `unicode_words` with `to_lowercase`, with
//! each instruction set the scanner has on this processor (AVX2 and the
//! SSE2 baseline). Any input is also decoded (UTF-8 or 8-bit) and the
//! result checked the same way.
//!
//! Run by hand: `cargo +nightly fuzz run tokenizer` (see docs/guide.md, "Running the tests").

#![no_main]

use std::collections::HashMap;

use gutenpipe::decode::{decode, decode_owned};
use gutenpipe::tokenizer::{Case, Simd, count, lowercase, with_simd, words};
use libfuzzer_sys::fuzz_target;
use unicode_segmentation::UnicodeSegmentation;

fuzz_target!(|data: &[u8]| {
    let decoded = decode(data, None);
    assert_eq!(decode_owned(data.to_vec(), None), decoded);
    for simd in [Simd::Avx2, Simd::Baseline] {
        if simd.is_available() {
            with_simd(simd, || {
                if let Ok(text) = std::str::from_utf8(data) {
                    check(text);
                }
                check(&decoded.text);
            });
        }
    }
});

fn check(text: &str) {
    let theirs: Vec<&str> = text.unicode_words().collect();
    let pulled: Vec<&str> = words(text).collect();
    assert!(
        pulled.len() == theirs.len()
            && pulled.iter().zip(&theirs).all(|(a, b)| std::ptr::eq(*a, *b)),
        "next: {pulled:?} != {theirs:?} for {text:?}"
    );
    let folded = words(text).fold(Vec::new(), |mut v, w| {
        v.push(w);
        v
    });
    assert!(folded == theirs, "fold: {folded:?} != {theirs:?} for {text:?}");

    for case in [Case::Fold, Case::Keep] {
        let mut expected: HashMap<String, u64> = HashMap::new();
        for w in &theirs {
            let w = match case {
                Case::Fold => w.to_lowercase(),
                Case::Keep => w.to_string(),
            };
            *expected.entry(w).or_default() += 1;
        }
        let counts = count(text, case);
        assert_eq!(counts.tokens(), theirs.len() as u64, "{text:?}");
        assert_eq!(counts.len(), expected.len(), "{text:?}");
        for (w, n) in &expected {
            assert_eq!(counts.get(w), Some(*n), "{w:?} in {text:?}");
        }
    }

    let mut buf = String::new();
    assert_eq!(lowercase(text, &mut buf), text.to_lowercase());
}
