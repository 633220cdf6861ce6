//! The fast tokenizer gives exactly `unicode_words`'s answers: the same
//! slices in the same order, and the same lowercased counts, on random text
//! built from every kind of character the word-boundary rules care about,
//! on every line of a synthetic corpus, and on every file of the real
//! Gutenberg corpus named by `GUTENPIPE_REAL_CORPUS` (an ignored test unless
//! asked for with `--include-ignored`, as `make test` does when it is set).

use std::collections::HashMap;
use std::path::Path;

use gutenpipe::corpus::{CorpusConfig, write_corpus};
use gutenpipe::decode::decode;
use gutenpipe::tokenizer::{
    Case, Simd, WordCounts, count, count_parallel, lowercase, with_simd, words,
};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

/// Each word as (byte offset in `text`, word): equal lists mean equal slices.
fn placed<'a>(text: &'a str, it: impl Iterator<Item = &'a str>) -> Vec<(usize, &'a str)> {
    it.map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect()
}

fn baseline_counts(text: &str, case: Case) -> HashMap<String, u64> {
    let mut counts = HashMap::new();
    for w in text.unicode_words() {
        let w = match case {
            Case::Fold => w.to_lowercase(),
            Case::Keep => w.to_string(),
        };
        *counts.entry(w).or_insert(0) += 1;
    }
    counts
}

fn assert_same_counts(ours: &WordCounts, theirs: &HashMap<String, u64>, what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: distinct words");
    assert_eq!(
        ours.tokens(),
        theirs.values().sum::<u64>(),
        "{what}: tokens"
    );
    for (word, &n) in theirs {
        assert_eq!(ours.get(word), Some(n), "{what}: count of {word:?}");
    }
}

/// Whole text, each line, and the counts (both cases, one thread and
/// pieces), with every instruction set the scanner has on this processor.
fn assert_same_as_unicode_words(text: &str, what: &str) {
    for simd in [Simd::Avx2, Simd::Baseline] {
        if simd.is_available() {
            with_simd(simd, || {
                assert_eq!(gutenpipe::tokenizer::simd(), simd);
                assert_same_with_one_simd(text, &format!("{what} ({simd:?})"));
            });
        }
    }
}

fn assert_same_with_one_simd(text: &str, what: &str) {
    let ours = placed(text, words(text));
    let theirs = placed(text, text.unicode_words());
    if ours != theirs {
        let at = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        let at = at.unwrap_or(ours.len().min(theirs.len()));
        panic!(
            "{what}: tokens differ at token {at}: ours {:?}, unicode_words {:?}",
            ours.get(at),
            theirs.get(at)
        );
    }
    // The same words pulled one at a time (`next`) and pushed (`fold`),
    // also after some were pulled.
    let pushed = words(text).fold(Vec::new(), |mut v, w| {
        v.push(w);
        v
    });
    assert!(
        placed(text, pushed.into_iter()) == theirs,
        "{what}: fold differs"
    );
    for pulled in [1, 2, 3, 5, 8] {
        let mut it = words(text);
        let mut mixed: Vec<&str> = it.by_ref().take(pulled).collect();
        mixed.extend(it.fold(Vec::new(), |mut v, w| {
            v.push(w);
            v
        }));
        assert!(
            placed(text, mixed.into_iter()) == theirs,
            "{what}: next for {pulled} words, then fold, differs"
        );
    }
    for (n, line) in text.split('\n').enumerate() {
        let ours: Vec<&str> = words(line).collect();
        let theirs: Vec<&str> = line.unicode_words().collect();
        assert_eq!(ours, theirs, "{what}, line {}: {line:?}", n + 1);
    }
    for case in [Case::Fold, Case::Keep] {
        let theirs = baseline_counts(text, case);
        assert_same_counts(&count(text, case), &theirs, what);
        let pieces = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| count_parallel(text, case, 4096));
        assert_same_counts(&pieces, &theirs, what);
    }
}

/// Characters the rules treat differently, with the ASCII ones more likely.
fn interesting_char() -> impl Strategy<Value = char> {
    const OTHERS: &[char] = &[
        '’',
        '‘',
        '“',
        '”',
        '—',
        '–',
        '…',
        'é',
        'É',
        'À',
        'Þ',
        'ÿ',
        'Ÿ',
        '×',
        '÷',
        'ı',
        'Ǆ',
        'ǅ',
        'ȿ',
        'ɀ',
        'ɐ',
        'ª',
        'µ',
        'ß',
        'ü',
        'Ü',
        'ñ',
        'Σ',
        'σ',
        'ς',
        'İ',
        'ǅ',
        'Ⅻ',
        'Ⓐ',
        'K',
        'א',
        'ב',
        'ア',
        'カ',
        'ー',
        '中',
        '文',
        '٣',
        '０',
        '\u{0301}',
        '\u{0345}',
        '\u{0308}',
        '\u{00AD}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{2060}',
        '\u{FEFF}',
        '\u{0085}',
        '\u{2028}',
        '\u{2029}',
        '\u{00A0}',
        '\u{3000}',
        '\u{2009}',
        '👍',
        '🏻',
        '❤',
        '🇫',
        '🇷',
        '\u{05F3}',
        '\u{05F4}',
        '\u{FF07}',
        '\u{2018}',
        '\u{FE52}',
        '\u{FF0E}',
        '·',
        '\u{0387}',
        '\u{055F}',
        '\u{2024}',
        '\u{FE13}',
        '\u{066C}',
        '\u{1F3FF}',
    ];
    prop_oneof![
        6 => (0u8..=127).prop_map(char::from),
        6 => prop::sample::select(b"aZq09_.,;:' \r\n".to_vec()).prop_map(char::from),
        3 => prop::sample::select(OTHERS),
        1 => any::<char>(),
    ]
}

fn text_of(chars: impl Strategy<Value = char>, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(chars, 0..max).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        failure_persistence: None, // a failing case is printed; tests/ has no lib.rs to store it beside
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_text_gives_the_same_words(text in text_of(interesting_char(), 120)) {
        assert_same_as_unicode_words(&text, "random text");
    }

    #[test]
    fn random_ascii_gives_the_same_words(text in text_of((0u8..=127).prop_map(char::from), 200)) {
        assert_same_as_unicode_words(&text, "random ASCII");
        // A non-ASCII text takes unicode-segmentation's general path (not its
        // ASCII one): with an `é` on a line of its own after, the words of
        // `text` must still be ours.
        let general = format!("{text}\né");
        let mut theirs: Vec<&str> = general.unicode_words().collect();
        prop_assert_eq!(theirs.pop(), Some("é"));
        prop_assert_eq!(words(&text).collect::<Vec<_>>(), theirs);
    }

    #[test]
    fn lowercase_equals_to_lowercase(text in text_of(prop_oneof![interesting_char(), any::<char>()], 12)) {
        let mut buf = String::new();
        prop_assert_eq!(lowercase(&text, &mut buf), text.to_lowercase());
    }
}

#[test]
fn cases_that_once_looked_like_boundaries() {
    for text in [
        " \u{345}", // a space takes a following combining mark (WB4), and it is alphabetic
        "x\u{3000} \u{345}y", // U+3000 joins the ASCII space after it (WB3d)
        "a\u{2000}  \u{345}", // so does U+2000
        "é’s’ 1’2 a’\u{301}b", // ’ is MidNumLet; a combining mark does not break a word
        "\u{FEFF}The \u{AD}soft\u{AD}hyphen", // BOM and soft hyphen are Format
        "a\r\n\u{301}b\u{85}c\u{2028}d\x0Be\x0Cf",
        "don’t—“quoted”…¿qué?",
        "ÀÉÎÕÜ×Ÿ÷ÿ ŒUVRE’S l’Été ÆØÅ_ Ǆ ǅ ȿɀ ɐ _é_ __é 3×4",
    ] {
        assert_same_as_unicode_words(text, &format!("{text:?}"));
    }
}

#[test]
fn words_across_every_64_byte_block_edge() {
    // ASCII runs broken by a non-ASCII word at every offset around a block edge.
    for pad in 0..140 {
        let text = format!(
            "{}x.y 1,2 ab'cd é_e ü.b {} a:b’s end",
            "w ".repeat(pad / 2),
            "q".repeat(pad)
        );
        assert_same_as_unicode_words(&text, &format!("pad {pad}"));
    }
}

#[test]
fn words_across_the_edges_of_scanned_chunks() {
    // The counting loop scans 16 blocks (1,024 bytes) at a time: the same
    // probes around the first chunk edges, one byte further each time.
    for pad in (990..1050).chain(2020..2060) {
        let text = format!(
            "{}x.y 1,2 ab'cd é_e ü.b ɐq a’b {} a:b’s _x_ end",
            "w ".repeat(pad / 2),
            "q".repeat(pad % 40)
        );
        assert_same_as_unicode_words(&text, &format!("pad {pad}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Texts of several scanned chunks (the counting loop scans 1,024 bytes
    /// at a time).
    #[test]
    fn long_random_text_gives_the_same_words(text in text_of(interesting_char(), 2500)) {
        assert_same_as_unicode_words(&text, "long random text");
    }
}

fn check_files(files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        let text = decode(bytes, None).text;
        assert_same_as_unicode_words(&text, name);
        eprintln!("{name}: {} bytes, same words as unicode_words", bytes.len());
    }
}

#[test]
fn every_line_of_a_synthetic_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let config = CorpusConfig {
        books: 12,
        seed: 6,
        size_scale: 0.1,
    };
    let catalog = write_corpus(dir.path(), &config).unwrap();
    let files: Vec<(String, Vec<u8>)> = catalog
        .iter()
        .map(|e| {
            (
                e.file.clone(),
                std::fs::read(dir.path().join(&e.file)).unwrap(),
            )
        })
        .collect();
    assert!(
        files.iter().any(|(_, b)| !b.is_ascii()),
        "the corpus should mix ASCII and non-ASCII books"
    );
    check_files(&files);
}

#[test]
#[ignore = "needs GUTENPIPE_REAL_CORPUS"]
fn every_line_of_every_real_gutenberg_file() {
    let dir = std::env::var_os("GUTENPIPE_REAL_CORPUS")
        .expect("GUTENPIPE_REAL_CORPUS must name the folder of real Gutenberg files for this test");
    let dir = Path::new(&dir);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "too few .txt files in {}", dir.display());
    check_files(&files);
}
