//! The body of a synthetic book: chapters of wrapped paragraphs, sentences
//! of Zipf-distributed words with the punctuation real books have (curly or
//! straight quotes, em-dashes, possessives, numbers, `_italic_` markup).

use super::vocab::{Vocabulary, capitalize};
use crate::rng::Rng;

/// Column at which lines are wrapped, as in Gutenberg's plain-text files.
const WRAP: usize = 70;

/// Writes prose in one language and one typographic style.
pub struct ProseWriter<'a> {
    vocab: &'a Vocabulary,
    rng: Rng,
    /// The book's characters, who speak and are spoken of.
    names: Vec<String>,
    /// Curly quotes and em-dashes (UTF-8 books) or their ASCII stand-ins.
    typographic: bool,
}

impl<'a> ProseWriter<'a> {
    pub fn new(vocab: &'a Vocabulary, mut rng: Rng, typographic: bool) -> Self {
        let names = (0..6).map(|_| capitalize(vocab.rare(&mut rng))).collect();
        ProseWriter {
            vocab,
            rng,
            names,
            typographic,
        }
    }

    fn open_quote(&self) -> &'static str {
        if self.typographic { "\u{201C}" } else { "\"" }
    }
    fn close_quote(&self) -> &'static str {
        if self.typographic { "\u{201D}" } else { "\"" }
    }
    fn apostrophe(&self) -> &'static str {
        if self.typographic { "\u{2019}" } else { "'" }
    }
    fn dash(&self) -> &'static str {
        if self.typographic { "\u{2014}" } else { "--" }
    }

    fn number(&mut self) -> String {
        match self.rng.below(4) {
            0 => self.rng.between(1600, 1925).to_string(),
            1 => self.rng.between(2, 99).to_string(),
            2 => format!("{},{:03}", self.rng.between(1, 40), self.rng.below(1000)),
            _ => {
                let n = self.rng.between(4, 20);
                format!("{n}th")
            }
        }
    }

    /// One sentence without its closing mark.
    fn clause(&mut self, out: &mut String, capital: bool) {
        let words = 3 + self.rng.below(10) + self.rng.below(12);
        for i in 0..words {
            if i > 0 {
                if self.rng.chance(0.07) {
                    out.push(',');
                } else if self.rng.chance(0.008) {
                    out.push(' ');
                    out.push_str(self.dash());
                }
                out.push(' ');
            }
            let roll = self.rng.unit();
            let word = if roll < 0.012 {
                self.rng.pick(&self.names).clone()
            } else if roll < 0.016 {
                self.number()
            } else if i == 0 && capital {
                capitalize(self.vocab.sample(&mut self.rng))
            } else {
                self.vocab.sample(&mut self.rng).to_string()
            };
            if i > 0 && self.rng.chance(0.003) {
                out.push('_');
                out.push_str(&word);
                out.push('_');
            } else {
                out.push_str(&word);
            }
            if self.vocab.language.code == "en" && self.rng.chance(0.006) {
                out.push_str(self.apostrophe());
                out.push('s');
            }
        }
    }

    fn end_mark(&mut self) -> char {
        match self.rng.below(20) {
            0 | 1 => '?',
            2 => '!',
            _ => '.',
        }
    }

    /// A paragraph on one line: narration, or a line of dialogue.
    pub fn paragraph(&mut self) -> String {
        let mut p = String::new();
        if self.rng.chance(0.22) {
            let speaker = self.rng.pick(&self.names).clone();
            p.push_str(self.open_quote());
            self.clause(&mut p, true);
            p.push(',');
            p.push_str(self.close_quote());
            p.push(' ');
            p.push_str(self.vocab.sample(&mut self.rng));
            p.push(' ');
            p.push_str(&speaker);
            p.push_str(", ");
            p.push_str(self.open_quote());
            self.clause(&mut p, false);
            let mark = self.end_mark();
            p.push(mark);
            p.push_str(self.close_quote());
        } else {
            let sentences = 2 + self.rng.below(7);
            for s in 0..sentences {
                if s > 0 {
                    p.push_str("  ");
                }
                self.clause(&mut p, true);
                let mark = self.end_mark();
                p.push(mark);
            }
        }
        p
    }

    /// Chapters of wrapped paragraphs until the text reaches `target` bytes.
    pub fn body(&mut self, target: usize, newline: &str) -> String {
        let mut out = String::with_capacity(target + 4096);
        let per_chapter = (target / 12).clamp(8_000, 60_000);
        let mut chapter = 0;
        while out.len() < target {
            chapter += 1;
            let heading = format!("{} {}.", self.vocab.language.chapter, roman(chapter));
            for line in [heading.as_str(), "", ""] {
                out.push_str(line);
                out.push_str(newline);
            }
            let chapter_end = (out.len() + per_chapter).min(target);
            while out.len() < chapter_end {
                wrap_into(&mut out, &self.paragraph(), newline);
                out.push_str(newline);
            }
            out.push_str(newline);
            out.push_str(newline);
        }
        out
    }
}

/// Appends `paragraph` to `out`, wrapped at [`WRAP`] characters.
fn wrap_into(out: &mut String, paragraph: &str, newline: &str) {
    let mut column = 0;
    for word in paragraph.split(' ') {
        let width = word.chars().count();
        if column > 0 && column + 1 + width > WRAP {
            out.push_str(newline);
            column = 0;
        } else if column > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += width;
    }
    out.push_str(newline);
}

/// `n` in Roman numerals, as chapter headings write it.
pub fn roman(mut n: usize) -> String {
    const TABLE: [(usize, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut s = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            s.push_str(letters);
            n -= value;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::vocab::LANGUAGES;
    use super::*;

    #[test]
    fn roman_numerals() {
        assert_eq!(roman(1), "I");
        assert_eq!(roman(14), "XIV");
        assert_eq!(roman(49), "XLIX");
    }

    #[test]
    fn lines_are_wrapped() {
        let vocab = Vocabulary::new(LANGUAGES[0]);
        let mut w = ProseWriter::new(&vocab, Rng::new(1), true);
        let body = w.body(20_000, "\r\n");
        assert!(body.len() >= 20_000);
        for line in body.split("\r\n") {
            let long_word = !line.trim().contains(' ');
            assert!(line.chars().count() <= WRAP || long_word, "{line:?}");
        }
        assert!(body.contains('\u{201C}') || body.contains('\u{2014}'));
    }

    #[test]
    fn ascii_style_has_no_typographic_marks() {
        let vocab = Vocabulary::new(LANGUAGES[0]);
        let mut w = ProseWriter::new(&vocab, Rng::new(1), false);
        let body = w.body(20_000, "\n");
        assert!(!body.contains(['\u{201C}', '\u{201D}', '\u{2019}', '\u{2014}']));
    }
}
