//! Where the book is inside a Gutenberg file: the lines that end the header
//! and begin the footer, in every form Project Gutenberg has used.
//!
//! The header ends at (the body starts after):
//! - `*** START OF THE PROJECT GUTENBERG EBOOK <TITLE> ***` (2019 on),
//! - `*** START OF THIS PROJECT GUTENBERG EBOOK <TITLE> ***` (2008–2019),
//! - `***START OF THE PROJECT GUTENBERG EBOOK <TITLE>***` (2005–06, no spaces),
//! - `*** START OF THE PROJECT GUTENBERG EBOOK, <TITLE> ***` (2002–04, a comma),
//!   any of them with the title wrapped onto the following lines;
//! - or, in 1990s files with no START line, the end of the licence block that
//!   comes before the text: `*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*…`.
//!
//! The footer begins at the first of:
//! - `*** END OF THE/THIS PROJECT GUTENBERG EBOOK …` (any spacing),
//! - `End of the Project Gutenberg EBook of …`, `End of Project Gutenberg's …`,
//!   `End of the Project Gutenberg Etext of …` (the line before the END marker),
//! - the German `Ende dieses Projekt Gutenberg …`,
//! - a licence that starts without an END line: `*** START: FULL LICENSE ***`
//!   or the old `***START**THE SMALL PRINT!**…` block placed after the text.
//!
//! After the START line, Gutenberg's own front matter is skipped too: the
//! producers' credits (`Produced by …`, `E-text prepared by …`, `Transcribed
//! from … by …`) and notes that name Project Gutenberg or a scan's source.

use std::ops::Range;

/// Where the body lies in a (newline-normalised) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    /// The header: everything before the body's start marker, inclusive.
    pub header: Range<usize>,
    /// The book itself, from its first non-blank line to its last.
    pub body: Range<usize>,
    /// The start marker as found (its lines joined by a space).
    pub start: Option<String>,
    /// The first line of the footer as found.
    pub end: Option<String>,
}

/// A line of the text with its byte offset.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    at: usize,
    text: &'a str,
}

impl Line<'_> {
    fn end(&self) -> usize {
        self.at + self.text.len()
    }

    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut at = 0;
    text.split('\n')
        .map(|l| {
            let line = Line { at, text: l };
            at += l.len() + 1;
            line
        })
        .collect()
}

/// The line with the asterisks and spaces around it removed, in capitals;
/// empty for a line that cannot be a marker (most lines: checked cheaply).
fn core(line: &str) -> String {
    let t = line.trim_start();
    if !t.starts_with(['*', 'E', 'e', 'S', 's']) {
        return String::new();
    }
    t.trim_end()
        .trim_matches(|c: char| c == '*' || c.is_whitespace())
        .to_uppercase()
}

/// `*** START OF THE PROJECT GUTENBERG EBOOK …`, in any of its forms.
pub fn is_start_marker(line: &str) -> bool {
    let c = core(line);
    [
        "START OF THE PROJECT GUTENBERG",
        "START OF THIS PROJECT GUTENBERG",
        "START OF PROJECT GUTENBERG",
        "START OF THE COPYRIGHTED PROJECT GUTENBERG",
    ]
    .iter()
    .any(|p| c.starts_with(p))
}

/// The end of a 1990s licence block: `*END*THE SMALL PRINT! …*END*` or
/// `*END THE SMALL PRINT! …`.
pub fn is_small_print_end(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("*END") && t.to_uppercase().contains("THE SMALL PRINT")
}

/// The start of an old licence block: `***START**THE SMALL PRINT!**…`. It
/// begins the footer when it comes after the text, as in 2002–04 files.
pub fn is_small_print_start(line: &str) -> bool {
    let c = core(line);
    c.starts_with("START") && c.contains("THE SMALL PRINT")
}

/// A line that begins the footer (besides a SMALL PRINT block after the
/// text, which [`is_small_print_start`] finds).
pub fn is_footer_start(line: &str) -> bool {
    let c = core(line);
    [
        "END OF THE PROJECT GUTENBERG",
        "END OF THIS PROJECT GUTENBERG",
        "END OF PROJECT GUTENBERG",
        "END OF THE COPYRIGHTED PROJECT GUTENBERG",
        "ENDE DIESES PROJEKT GUTENBERG",
        "ENDE DES PROJEKT GUTENBERG",
        "START: FULL LICENSE",
    ]
    .iter()
    .any(|p| c.starts_with(p))
}

/// How many lines the start marker at `lines[i]` spans: a title too long for
/// one line continues on the next ones, up to the line ending in `***`.
fn marker_span(lines: &[Line<'_>], i: usize) -> usize {
    if lines[i].text.trim_end().ends_with('*') {
        return 1;
    }
    for (k, line) in lines.iter().enumerate().skip(i + 1).take(4) {
        if line.is_blank() {
            break;
        }
        if line.text.trim_end().ends_with("***") {
            return k - i + 1;
        }
    }
    1
}

/// Phrases that open a paragraph of producers' credits.
const CREDIT_OPENINGS: [&str; 12] = [
    "produced by",
    "e-text prepared by",
    "etext prepared by",
    "e-text produced by",
    "this etext was prepared by",
    "this etext was produced by",
    "this ebook was prepared by",
    "this ebook was produced by",
    "transcribed from",
    "transcribed by",
    "scanned by",
    "html version by",
];

/// Words that mark a paragraph as Gutenberg's, not the book's (matched at
/// the start of a word: `etexts` counts, `pretext` does not).
const GUTENBERG_WORDS: [&str; 7] = [
    "project gutenberg",
    "etext",
    "e-text",
    "pgdp.net",
    "distributed proofread",
    "gallica.bnf.fr",
    "archive.org",
];

/// Whether a paragraph at the start of the body is Gutenberg's front matter.
fn is_front_matter(paragraph: &[Line<'_>]) -> bool {
    let text: String = paragraph
        .iter()
        .map(|l| l.text.trim())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    text.chars().all(|c| c == '*' || c.is_whitespace())
        || CREDIT_OPENINGS.iter().any(|p| text.starts_with(p))
        || GUTENBERG_WORDS.iter().any(|w| contains_word(&text, w))
}

/// Whether `needle` occurs in `text` at the start of a word.
fn contains_word(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        !text[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    })
}

/// Finds the header, body and footer of `text`, whose lines end in `\n`.
pub fn find(text: &str) -> Bounds {
    let lines = lines(text);
    let n = lines.len();
    let first_footer = lines.iter().position(|l| is_footer_start(l.text));

    // Where the body starts: after the START marker, else after a SMALL PRINT
    // block that comes before the footer, else at the top.
    let (mut first, start) = match lines.iter().position(|l| is_start_marker(l.text)) {
        Some(i) => {
            let span = marker_span(&lines, i);
            let marker: Vec<&str> = lines[i..i + span].iter().map(|l| l.text.trim()).collect();
            (i + span, Some(marker.join(" ")))
        }
        None => match lines[..first_footer.unwrap_or(n)]
            .iter()
            .position(|l| is_small_print_end(l.text))
        {
            Some(i) => (i + 1, Some(lines[i].text.trim().to_string())),
            None => (0, None),
        },
    };
    let header = 0..lines.get(first).map_or(text.len(), |l| l.at);
    let footer = lines[first..]
        .iter()
        .position(|l| is_footer_start(l.text) || is_small_print_start(l.text))
        .map(|k| first + k);
    let end = footer.map(|i| lines[i].text.trim().to_string());
    let mut last = footer.unwrap_or(n); // exclusive

    // Skip blank lines and front-matter paragraphs at the top.
    if start.is_some() {
        let mut skipped = 0;
        loop {
            while first < last && lines[first].is_blank() {
                first += 1;
            }
            let para_end = (first..last).find(|&k| lines[k].is_blank()).unwrap_or(last);
            if skipped >= 8 || first == para_end || !is_front_matter(&lines[first..para_end]) {
                break;
            }
            first = para_end;
            skipped += 1;
        }
    }
    while first < last && lines[first].is_blank() {
        first += 1;
    }
    while last > first && lines[last - 1].is_blank() {
        last -= 1;
    }
    let body = if first < last {
        lines[first].at..lines[last - 1].end()
    } else {
        header.end..header.end
    };
    Bounds {
        header,
        body,
        start,
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> &str {
        &text[find(text).body]
    }

    #[test]
    fn modern_markers() {
        let t = "Title: X\n\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n\nIt was.\nIt is.\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\nlicence\n";
        let b = find(t);
        assert_eq!(&t[b.body.clone()], "It was.\nIt is.");
        assert_eq!(
            b.start.as_deref(),
            Some("*** START OF THE PROJECT GUTENBERG EBOOK X ***")
        );
        assert_eq!(
            b.end.as_deref(),
            Some("*** END OF THE PROJECT GUTENBERG EBOOK X ***")
        );
        assert_eq!(
            &t[b.header],
            "Title: X\n\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n"
        );
    }

    #[test]
    fn this_markers_with_an_end_of_line_before_them() {
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\nText.\n\nEnd of the Project Gutenberg EBook of X, by\nY\n\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\n";
        assert_eq!(body(t), "Text.");
        assert_eq!(
            find(t).end.as_deref(),
            Some("End of the Project Gutenberg EBook of X, by")
        );
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\nText.\nEnd of Project Gutenberg’s X, by Y\n";
        assert_eq!(body(t), "Text.");
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\nText.\nEnd of Project Gutenberg's X\n";
        assert_eq!(body(t), "Text.");
    }

    #[test]
    fn markers_without_spaces_or_with_a_comma() {
        let t = "***START OF THE PROJECT GUTENBERG EBOOK MARIANELA***\nTexto.\n***END OF THE PROJECT GUTENBERG EBOOK MARIANELA***\n";
        assert_eq!(body(t), "Texto.");
        let t = "*** START OF THE PROJECT GUTENBERG EBOOK, THE KALEVALA ***\nRuno.\n*** END OF THE PROJECT GUTENBERG EBOOK, THE KALEVALA ***\n";
        assert_eq!(body(t), "Runo.");
    }

    #[test]
    fn a_title_wrapped_onto_the_next_lines() {
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK THE HISTORY OF THE DECLINE\nAND FALL OF THE ROMAN EMPIRE ***\n\nCHAPTER I.\n*** END OF THIS PROJECT GUTENBERG EBOOK THE HISTORY OF THE DECLINE\nAND FALL OF THE ROMAN EMPIRE ***\n";
        let b = find(t);
        assert_eq!(&t[b.body], "CHAPTER I.");
        assert!(b.start.unwrap().ends_with("ROMAN EMPIRE ***"));
    }

    #[test]
    fn curly_apostrophes_in_the_title() {
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK ALICE’S ADVENTURES IN WONDERLAND ***\nALICE’S ADVENTURES\n*** END OF THIS PROJECT GUTENBERG EBOOK ALICE’S ADVENTURES IN WONDERLAND ***\n";
        assert_eq!(body(t), "ALICE’S ADVENTURES");
    }

    #[test]
    fn the_1990s_small_print_before_the_text() {
        let t = "**The Project Gutenberg Etext of X**\n***START**THE SMALL PRINT!**FOR PUBLIC DOMAIN ETEXTS**START***\nlawyers\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\n\nX, a tale\n\nThe end.\n\nEnd of the Project Gutenberg Etext of X\n\n";
        let b = find(t);
        assert_eq!(&t[b.body.clone()], "X, a tale\n\nThe end.");
        assert!(b.start.unwrap().starts_with("*END*THE SMALL PRINT!"));
        assert_eq!(
            b.end.as_deref(),
            Some("End of the Project Gutenberg Etext of X")
        );
    }

    #[test]
    fn the_old_small_print_after_the_text() {
        let t = "*** START OF THE PROJECT GUTENBERG EBOOK, X ***\nText.\n***START**THE SMALL PRINT!**FOR PUBLIC DOMAIN EBOOKS**START***\n*END THE SMALL PRINT! FOR PUBLIC DOMAIN EBOOKS*Ver.02/11/02*END*\n";
        assert_eq!(body(t), "Text.");
    }

    #[test]
    fn a_licence_with_no_end_marker_and_the_german_footer() {
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\nText.\n*** START: FULL LICENSE ***\nTHE FULL PROJECT GUTENBERG LICENSE\n";
        assert_eq!(body(t), "Text.");
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\nDer Text.\nEnde dieses Projekt Gutenberg Etextes X\n";
        assert_eq!(body(t), "Der Text.");
    }

    #[test]
    fn producers_credits_are_skipped_but_the_book_is_not() {
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\n\n\nProduced by A. Volunteer and the Online\nDistributed Proofreading Team at http://www.pgdp.net\n\n\nTHE TITLE\n\nProduced by nobody: the first chapter.\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\n";
        assert_eq!(
            body(t),
            "THE TITLE\n\nProduced by nobody: the first chapter."
        );
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK CANDIDE ***\n\nThe Project Gutenberg Etext of Candide\nby Voltaire\n\n***\n\nProduced by C. T.\n\nWe thank the library for the etext through OCR.\n\n   OEUVRES\n\nFIN.\n";
        assert_eq!(body(t), "   OEUVRES\n\nFIN.");
        let t = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\n\nOn some pretext he left.\n";
        assert_eq!(body(t), "On some pretext he left.");
    }

    #[test]
    fn no_markers_keeps_everything() {
        let t = "\n\nJust a text.\nNo header.\n\n";
        let b = find(t);
        assert_eq!(&t[b.body], "Just a text.\nNo header.");
        assert_eq!((b.start, b.end), (None, None));
        assert_eq!(b.header, 0..0);
    }

    #[test]
    fn nothing_between_the_markers() {
        let t = "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n";
        assert!(find(t).body.is_empty());
    }
}
