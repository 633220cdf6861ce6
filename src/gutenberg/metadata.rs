//! What a Gutenberg header says about its book: title, author, translator,
//! release date, language, ebook number and declared character set.
//!
//! Fields are read from the header's `Key: value` lines (`Title:`,
//! `Author:`, `Translator:`, `Release Date:`, `Language:`, `Character set
//! encoding:`), a title or name wrapped onto indented lines included
//! (joined by a newline, as Gutenberg's own catalogue does). The ebook number
//! comes from `[EBook #84]` / `[Etext #4650]`, or from the 1990s catalogue
//! line `Frankenstein/Mary Wollstonecraft Shelley [frank10x.xxx] 84`. Files
//! from before `Title:` lines state title and author in their first line
//! (`The Project Gutenberg Etext of Frankenstein by Mary Shelley`) and the
//! date as `Official release date October 31, 1993`; those are read when the
//! fields are missing. A field the header does not state is absent, never
//! guessed.

use serde::{Deserialize, Serialize};

/// A book's metadata, as its header states it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The `Title:` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The `Author:` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The `Translator:` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translator: Option<String>,
    /// As written (`June 17, 2008`, `March, 1994`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    /// As written (`English`, `French`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The ebook number the header gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ebook: Option<u32>,
    /// The declared character set (`UTF-8`, `ISO-8859-1`, `Latin-4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
}

impl Metadata {
    /// Whether the header stated nothing.
    pub fn is_empty(&self) -> bool {
        *self == Metadata::default()
    }

    /// Reads the metadata from a header (the text before the START marker).
    pub fn parse(header: &str) -> Metadata {
        let lines: Vec<&str> = header.lines().collect();
        let mut m = Metadata::default();
        for (i, line) in lines.iter().enumerate() {
            if m.ebook.is_none() {
                m.ebook = ebook_number(line);
            }
            let Some((key, value)) = field(line) else {
                if m.release_date.is_none() {
                    m.release_date = official_release_date(line);
                }
                continue;
            };
            let slot = match key.as_str() {
                "title" => &mut m.title,
                "author" => &mut m.author,
                "translator" | "translated by" => &mut m.translator,
                "release date" => &mut m.release_date,
                "language" => &mut m.language,
                "character set encoding" | "charset" => &mut m.charset,
                _ => continue,
            };
            if slot.is_some() {
                continue;
            }
            let mut value = strip_ebook_tag(value).to_string();
            if matches!(key.as_str(), "title" | "author" | "translator") {
                for next in &lines[i + 1..] {
                    let wrapped = next.starts_with([' ', '\t']) && !next.trim().is_empty();
                    if !wrapped || field(next.trim()).is_some() {
                        break;
                    }
                    value.push('\n');
                    value.push_str(next.trim());
                }
            }
            if !value.is_empty() {
                *slot = Some(value);
            }
        }
        if m.title.is_none() && m.author.is_none() {
            if let Some((title, author)) = first_line_statement(&lines) {
                m.title = Some(title);
                m.author = author;
            }
        }
        m
    }
}

/// `Key: value`, with the key lowercased; keys are short runs of words.
fn field(line: &str) -> Option<(String, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let plain = !key.is_empty()
        && key.len() <= 32
        && !line.starts_with([' ', '\t'])
        && key
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-');
    plain.then(|| (key.to_lowercase(), value.trim()))
}

/// `November, 2003 [Etext #4650]` → `November, 2003`.
fn strip_ebook_tag(value: &str) -> &str {
    match value.find('[') {
        Some(i) if ebook_number(&value[i..]).is_some() => value[..i].trim_end(),
        _ => value,
    }
}

/// The number in `[EBook #84]`, `[eBook #2701]`, `[Etext #4650]`, or the
/// 1990s `[frank10x.xxx] 84`.
fn ebook_number(line: &str) -> Option<u32> {
    let lower = line.to_lowercase();
    for tag in ["ebook #", "etext #", "e-text #"] {
        if let Some(i) = lower.find(tag) {
            let digits: String = lower[i + tag.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = digits.parse() {
                return Some(n);
            }
        }
    }
    // `Frankenstein/Mary Wollstonecraft Shelley [frank10x.xxx] 84`
    let (before, number) = line.trim_end().rsplit_once(' ')?;
    let tag = before.trim_end();
    let file = tag.strip_suffix(']')?.rsplit_once('[')?.1;
    if file.contains('.') && !file.contains(' ') {
        return number.parse().ok();
    }
    None
}

/// `Official release date October 31, 1993` (1990s headers, no colon).
fn official_release_date(line: &str) -> Option<String> {
    let t = line.trim();
    let prefix = "official release date";
    let head = t.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let date = t[prefix.len()..].trim_start_matches([':', ' ']).trim();
    (!date.is_empty()).then(|| date.to_string())
}

/// Title and author from the statement that opens old headers:
/// `The Project Gutenberg Etext of Frankenstein by Mary Shelley` or
/// `Project Gutenberg's Frankenstein, by Mary Shelley` (possibly wrapped).
fn first_line_statement(lines: &[&str]) -> Option<(String, Option<String>)> {
    let i = lines.iter().position(|l| opening(l).is_some())?;
    let mut statement = lines[i].to_string();
    for next in &lines[i + 1..] {
        if next.trim().is_empty() || next.trim_start().starts_with('*') {
            break;
        }
        statement.push(' ');
        statement.push_str(next.trim());
    }
    let rest = opening(&statement)?;
    let (rest, series_author) = without_series(rest.trim());
    let rest = rest.trim().trim_end_matches('*').trim();
    let split = rest
        .rfind(", by ")
        .map(|i| (i, 5))
        .or_else(|| rest.rfind(" by ").map(|i| (i, 4)))
        .or_else(|| rest.find(", von ").map(|i| (i, 6)))
        .or_else(|| rest.find(" von ").map(|i| (i, 5)));
    let (title, author) = match split {
        Some((i, len)) => (&rest[..i], Some(rest[i + len..].trim())),
        None => (rest, None),
    };
    let title = title
        .trim()
        .trim_end_matches(',')
        .trim_end_matches('*')
        .trim()
        .trim_matches(['"', '“', '”'])
        .trim();
    let author = author.filter(|a| !a.is_empty()).or(series_author);
    (!title.is_empty()).then(|| (title.to_string(), author.map(str::to_string)))
}

/// The statement without the series numbering 1990s files end it with
/// (`… #2 in our Daniel Defoe series`, `… #7 in our series`, `… #14 in our
/// series by Goethe`), and the author the series names, if it names one.
fn without_series(statement: &str) -> (&str, Option<&str>) {
    let Some(hash) = statement.rfind('#') else {
        return (statement, None);
    };
    let after = &statement[hash + 1..];
    let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some(series) = after[digits..].trim_start().strip_prefix("in our ") else {
        return (statement, None);
    };
    let series = series.trim_end();
    let author = match series.split_once("series by ") {
        Some(("", by)) => by,
        _ => match series.strip_suffix("series") {
            Some(named) => named,
            None => return (statement, None),
        },
    };
    if digits == 0 {
        return (statement, None);
    }
    let author = author.trim();
    let author = (!author.is_empty()).then_some(author);
    (statement[..hash].trim_end(), author)
}

/// What follows `The Project Gutenberg EBook of` / `Project Gutenberg's` at
/// the start of a line.
fn opening(line: &str) -> Option<&str> {
    let t = line.trim().trim_start_matches('*');
    let t = t.strip_prefix("The ").unwrap_or(t);
    let rest = t.strip_prefix("Project Gutenberg")?;
    for possessive in ["'s ", "’s "] {
        if let Some(r) = rest.strip_prefix(possessive) {
            return Some(r);
        }
    }
    for kind in [
        " EBook", " eBook", " Ebook", " Etext", " EText", " E-text", " etext",
    ] {
        if let Some(r) = rest.strip_prefix(kind) {
            let r = r.trim_start_matches(',').trim_start();
            return Some(r.strip_prefix("of ").unwrap_or(r));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_numbering_and_quotes_of_1990s_statements_are_left_out() {
        let defoe = "**The Project Gutenberg Etext of A Journal of the Plague Year**\n#2 in our Daniel Defoe series\n\nCopyright laws are changing";
        let m = Metadata::parse(defoe);
        assert_eq!(m.title.as_deref(), Some("A Journal of the Plague Year"));
        assert_eq!(m.author.as_deref(), Some("Daniel Defoe"));
        let faust = "The Project Gutenberg Etext of \"Faust: Der Tragödie erster Teil\", von Goethe\n#7 in our series\n\n";
        let m = Metadata::parse(faust);
        assert_eq!(m.title.as_deref(), Some("Faust: Der Tragödie erster Teil"));
        assert_eq!(m.author.as_deref(), Some("Goethe"));
        let by = "The Project Gutenberg Etext of Faust, by Johann Wolfgang von Goethe #14 in our series by Goethe\n\n";
        let m = Metadata::parse(by);
        assert_eq!(m.title.as_deref(), Some("Faust"));
        assert_eq!(m.author.as_deref(), Some("Johann Wolfgang von Goethe"));
        // A number that is not a series stays in the title.
        let m = Metadata::parse("The Project Gutenberg EBook of Symphony #5 in C minor\n\n");
        assert_eq!(m.title.as_deref(), Some("Symphony #5 in C minor"));
    }

    #[test]
    fn modern_header() {
        let h = "The Project Gutenberg eBook of Moby Dick; Or, The Whale\n\nTitle: Moby Dick; Or, The Whale\n\nAuthor: Herman Melville\n\nRelease date: July 1, 2001 [eBook #2701]\n                Most recently updated: August 18, 2021\n\nLanguage: English\n\n\n\n";
        let m = Metadata::parse(h);
        assert_eq!(m.title.as_deref(), Some("Moby Dick; Or, The Whale"));
        assert_eq!(m.author.as_deref(), Some("Herman Melville"));
        assert_eq!(m.release_date.as_deref(), Some("July 1, 2001"));
        assert_eq!(m.ebook, Some(2701));
        assert_eq!(m.language.as_deref(), Some("English"));
        assert_eq!(m.charset, None);
        assert_eq!(m.translator, None);
    }

    #[test]
    fn wrapped_title_translator_and_etext_number() {
        let h = "Title: Frankenstein\n       or The Modern Prometheus\n\nAuthor: Mary Shelley\n\nTranslator: Nobody Inparticular\n\nRelease Date: November, 2003 [Etext #4650]\n[Last updated: April 16, 2015]\n\nCharacter set encoding: ISO-8859-1\n";
        let m = Metadata::parse(h);
        assert_eq!(
            m.title.as_deref(),
            Some("Frankenstein\nor The Modern Prometheus")
        );
        assert_eq!(m.translator.as_deref(), Some("Nobody Inparticular"));
        assert_eq!(m.release_date.as_deref(), Some("November, 2003"));
        assert_eq!(m.ebook, Some(4650));
        assert_eq!(m.charset.as_deref(), Some("ISO-8859-1"));
    }

    #[test]
    fn the_first_field_wins_and_posting_dates_are_not_release_dates() {
        let h = "Title: A\n\nPosting Date: June 25, 2008 [EBook #11]\nRelease Date: March, 1994\nTitle: B\n";
        let m = Metadata::parse(h);
        assert_eq!(m.title.as_deref(), Some("A"));
        assert_eq!(m.release_date.as_deref(), Some("March, 1994"));
        assert_eq!(m.ebook, Some(11));
    }

    #[test]
    fn a_1990s_header() {
        let h = "**The Project Gutenberg Etext of Frankenstein by Mary Shelley**\n******This file should be named frank10.txt or frank10.zip*****\n\nOfficial release date October 31, 1993\n\nTitle        Author                      [filename.ext] ##\n\nFrankenstein/Mary Wollstonecraft Shelley [frank10x.xxx] 84\n";
        let m = Metadata::parse(h);
        assert_eq!(m.title.as_deref(), Some("Frankenstein"));
        assert_eq!(m.author.as_deref(), Some("Mary Shelley"));
        assert_eq!(m.release_date.as_deref(), Some("October 31, 1993"));
        assert_eq!(m.ebook, Some(84));
        assert_eq!(m.language, None);
    }

    #[test]
    fn a_wrapped_opening_statement_is_only_a_fallback() {
        let h = "The Project Gutenberg eBook, The Importance of Being Earnest, by Oscar\nWilde\n\n";
        let m = Metadata::parse(h);
        assert_eq!(m.title.as_deref(), Some("The Importance of Being Earnest"));
        assert_eq!(m.author.as_deref(), Some("Oscar Wilde"));
        let m = Metadata::parse(&format!("{h}Title: The Importance\n"));
        assert_eq!(m.title.as_deref(), Some("The Importance"));
        assert_eq!(m.author, None);
    }

    #[test]
    fn nothing_stated_nothing_guessed() {
        assert!(Metadata::parse("").is_empty());
        assert!(Metadata::parse("Some prose: with a colon, and more.\n").is_empty());
        assert_eq!(
            serde_json::to_value(Metadata::default()).unwrap(),
            serde_json::json!({})
        );
    }
}
