//! What gutenpipe knows about Project Gutenberg's plain-text files: where
//! the book begins and ends among the header, licence and footer of every
//! era ([`markers`]), what the header says about the book ([`metadata`]), and
//! the conventions that are not words ([`markup`]: line endings, the BOM,
//! `_italic_` underscores). [`clean`] puts them together for the `clean`
//! stage; it never fails: a file without markers is kept whole, with a
//! warning.

pub mod markers;
pub mod markup;
pub mod metadata;

pub use metadata::Metadata;

/// A book with Gutenberg's additions taken away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// The book alone, from its first line to its last: lines end in `\n`
    /// (none after the last), no BOM, no italic underscores.
    pub text: String,
    /// What the header says.
    pub metadata: Metadata,
    /// The line the header ended at, as found.
    pub start_marker: Option<String>,
    /// The line the footer began at, as found.
    pub end_marker: Option<String>,
    /// What was not found, for the book's report.
    pub warnings: Vec<String>,
}

/// Removes the header, the footer and the licence from a decoded Gutenberg
/// file, and reads the header's metadata.
pub fn clean(text: &str) -> Cleaned {
    let text = markup::normalise_newlines(text);
    let bounds = markers::find(&text);
    let mut warnings = Vec::new();
    if bounds.start.is_none() {
        warnings.push(
            "no Gutenberg START marker (nor a SMALL PRINT block) found: the text is kept from its first line"
                .to_string(),
        );
    }
    if bounds.end.is_none() {
        warnings.push(
            "no Gutenberg END marker or footer found: the text is kept to its last line"
                .to_string(),
        );
    }
    let body = if bounds.body.is_empty() && !text.trim().is_empty() {
        warnings.push("nothing between the Gutenberg markers: the whole text is kept".to_string());
        text.trim()
    } else {
        &text[bounds.body.clone()]
    };
    Cleaned {
        text: markup::undo_italics(body).into_owned(),
        metadata: Metadata::parse(&text[bounds.header.clone()]),
        start_marker: bounds.start,
        end_marker: bounds.end,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_without_markers_is_kept_with_warnings() {
        let c = clean("Just a _text_.\r\n");
        assert_eq!(c.text, "Just a text.");
        assert!(c.metadata.is_empty());
        assert_eq!(c.warnings.len(), 2);
        assert!(c.warnings[0].contains("no Gutenberg START marker"));
    }

    #[test]
    fn empty_between_markers_keeps_the_whole_text() {
        let c = clean(
            "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n",
        );
        assert!(c.text.starts_with("*** START"));
        assert!(c.warnings[0].contains("nothing between"));
        assert_eq!(clean("").text, "");
    }
}
