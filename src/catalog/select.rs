//! Choosing books from a catalog: filters on language, author, title,
//! subject, bookshelf and type, then all of the matches, the first N, or N
//! drawn at random from a seed.
//!
//! Text filters ignore case and the order of words: every word of the value
//! must appear somewhere in the field, as a word or a part of one, so
//! `--author "jane austen"` finds `Austen, Jane, 1775-1817` and `--title
//! prejud` finds *Pride and Prejudice*. Languages are codes and match whole
//! codes (`en` does not match `enm`, Middle English).

use super::{Catalog, CatalogBook};
use crate::rng::Rng;

/// What a book must have to be chosen. Empty filters match every book.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Any of these language codes (`en`, `fr`); empty for any language.
    pub languages: Vec<String>,
    /// Words the author must contain (case-insensitive).
    pub author: Option<String>,
    /// Words the title must contain (case-insensitive).
    pub title: Option<String>,
    /// Words a subject must contain (case-insensitive).
    pub subject: Option<String>,
    /// Words a bookshelf must contain (case-insensitive).
    pub bookshelf: Option<String>,
    /// The `Type` column, compared without case (`Text`); `None` for any.
    pub kind: Option<String>,
}

/// Which of the matching books to take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Pick {
    /// Every match, in catalog order.
    #[default]
    All,
    /// The first N matches, in catalog order.
    First(usize),
    /// N matches drawn at random (the same seed draws the same books from
    /// the same catalog), listed in catalog order.
    Random {
        /// How many to draw.
        count: usize,
        /// The seed of the draw.
        seed: u64,
    },
}

/// Filters plus a pick: a complete description of which books to take.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Which books qualify.
    pub filters: Filters,
    /// Which of those to take.
    pub pick: Pick,
}

/// The outcome of a selection.
#[derive(Debug, Clone)]
pub struct Chosen<'a> {
    /// Books the filters matched, before the pick.
    pub matched: usize,
    /// The books taken, in catalog order.
    pub books: Vec<&'a CatalogBook>,
}

/// True when every word of `query` appears in `field`, ignoring case.
fn has_words(field: &str, query: &str) -> bool {
    let field = field.to_lowercase();
    query
        .to_lowercase()
        .split_whitespace()
        .all(|word| field.contains(word))
}

impl Filters {
    /// Whether `book` passes every filter.
    pub fn matches(&self, book: &CatalogBook) -> bool {
        let text = |filter: &Option<String>, field: &str| {
            filter.as_deref().is_none_or(|q| has_words(field, q))
        };
        self.kind
            .as_deref()
            .is_none_or(|k| book.kind.eq_ignore_ascii_case(k))
            && (self.languages.is_empty()
                || book
                    .languages()
                    .any(|code| self.languages.iter().any(|l| l.eq_ignore_ascii_case(&code))))
            && text(&self.author, &book.authors)
            && text(&self.title, &book.title)
            && text(&self.subject, &book.subjects)
            && text(&self.bookshelf, &book.bookshelves)
    }
}

/// At most this many values are named when saying what a catalog holds.
const NAMED_VALUES: usize = 8;

/// The values `of` gives the books of `catalog`, most frequent first, with
/// their counts: `en 40, de 10, fr 8, …`.
fn common_values(catalog: &Catalog, of: impl Fn(&CatalogBook) -> Vec<String>) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for book in &catalog.books {
        for value in of(book) {
            *counts.entry(value).or_default() += 1;
        }
    }
    let mut values: Vec<(String, usize)> = counts.into_iter().collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut named: Vec<String> = values
        .iter()
        .take(NAMED_VALUES)
        .map(|(v, n)| format!("{v} {n}"))
        .collect();
    if values.len() > NAMED_VALUES {
        named.push("…".into());
    }
    named.join(", ")
}

impl Filters {
    /// Why no book of `catalog` passes these filters, for the message that
    /// says so: each filter that matches nothing on its own, with what the
    /// catalog holds instead where that helps (its languages, its types);
    /// else that no book passes them all together.
    pub fn why_none(&self, catalog: &Catalog) -> String {
        let alone = |filters: Filters| catalog.books.iter().any(|b| filters.matches(b));
        let mut reasons = Vec::new();
        if !self.languages.is_empty()
            && !alone(Filters {
                languages: self.languages.clone(),
                ..Filters::default()
            })
        {
            reasons.push(format!(
                "no book is in {} (the catalog's languages: {})",
                self.languages.join(" or "),
                common_values(catalog, |b| b.languages().collect())
            ));
        }
        if let Some(kind) = &self.kind {
            if !alone(Filters {
                kind: Some(kind.clone()),
                ..Filters::default()
            }) {
                reasons.push(format!(
                    "no entry is of type {kind} (the catalog's types: {}; --type any takes every type)",
                    common_values(catalog, |b| vec![b.kind.clone()])
                ));
            }
        }
        let text_filters = [
            ("author", &self.author),
            ("title", &self.title),
            ("subject", &self.subject),
            ("bookshelf", &self.bookshelf),
        ];
        for (name, value) in text_filters {
            let Some(v) = value else { continue };
            let mut only = Filters::default();
            match name {
                "author" => only.author = value.clone(),
                "title" => only.title = value.clone(),
                "subject" => only.subject = value.clone(),
                _ => only.bookshelf = value.clone(),
            }
            if !alone(only) {
                reasons.push(format!("no {name} holds every word of \"{v}\""));
            }
        }
        if reasons.is_empty() {
            "each filter matches some books, but no book matches them all".into()
        } else {
            reasons.join("; ")
        }
    }
}

impl Selection {
    /// The books of `catalog` this selection takes.
    pub fn apply<'a>(&self, catalog: &'a Catalog) -> Chosen<'a> {
        let matches: Vec<&CatalogBook> = catalog
            .books
            .iter()
            .filter(|b| self.filters.matches(b))
            .collect();
        let matched = matches.len();
        let books = match self.pick {
            Pick::All => matches,
            Pick::First(n) => matches.into_iter().take(n).collect(),
            Pick::Random { count, seed } => {
                // A partial Fisher–Yates shuffle of the positions, then the
                // drawn positions back in catalog order.
                let mut positions: Vec<usize> = (0..matched).collect();
                let mut rng = Rng::new(seed);
                let count = count.min(matched);
                for i in 0..count {
                    let j = i + rng.below((matched - i) as u64) as usize;
                    positions.swap(i, j);
                }
                let mut drawn = positions[..count].to_vec();
                drawn.sort_unstable();
                drawn.into_iter().map(|p| matches[p]).collect()
            }
        };
        Chosen { matched, books }
    }

    /// The selection in words, for messages and the report:
    /// `language fr, author "verne", type Text, 5 at random (seed 7)`.
    pub fn describe(&self) -> String {
        let f = &self.filters;
        let mut parts = Vec::new();
        if !f.languages.is_empty() {
            parts.push(format!("language {}", f.languages.join(" or ")));
        }
        for (name, value) in [
            ("author", &f.author),
            ("title", &f.title),
            ("subject", &f.subject),
            ("bookshelf", &f.bookshelf),
        ] {
            if let Some(v) = value {
                parts.push(format!("{name} \"{v}\""));
            }
        }
        parts.push(match &f.kind {
            Some(k) => format!("type {k}"),
            None => "any type".into(),
        });
        match self.pick {
            Pick::All => {}
            Pick::First(n) => parts.push(format!("the first {n}")),
            Pick::Random { count, seed } => {
                parts.push(format!("{count} at random (seed {seed})"));
            }
        }
        parts.join(", ")
    }
}

/// A text filter's value (`--author`, `--title` …): trimmed, not empty.
pub fn parse_text(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the value is empty".into());
    }
    Ok(t.to_string())
}

/// A language code as the catalog writes them (`en`, `fr`): two or three
/// letters, lowercased.
pub fn parse_language(text: &str) -> Result<String, String> {
    let t = text.trim();
    if (2..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{t}` is not a language code; the catalog uses ISO 639 codes such as en, fr, de, fi"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::parse;

    fn catalog() -> Catalog {
        let csv = concat!(
            "Text#,Type,Issued,Title,Language,Authors,Subjects,LoCC,Bookshelves\n",
            "84,Text,1993-10-01,\"Frankenstein; Or, The Modern Prometheus\",en,\"Shelley, Mary Wollstonecraft, 1797-1851\",\"Science fiction; Horror tales\",PR,Gothic Fiction\n",
            "158,Text,1994-08-01,Emma,en,\"Austen, Jane, 1775-1817\",\"Love stories; England -- Fiction\",PR,Best Books Ever Listings\n",
            "1342,Text,1998-06-01,Pride and Prejudice,en,\"Austen, Jane, 1775-1817\",\"Courtship -- Fiction; Love stories\",PR,Best Books Ever Listings\n",
            "4650,Text,2003-09-01,Candide,fr,\"Voltaire, 1694-1778\",Satire,PQ,Philosophy\n",
            "5097,Text,2004-02-01,Vingt mille lieues sous les mers,fr,\"Verne, Jules, 1828-1905\",\"Sea stories; Science fiction\",PQ,Science Fiction\n",
            "17489,Text,2006-01-01,Les misérables,fr,\"Hugo, Victor, 1802-1885\",Historical fiction,PQ,\n",
            "20000,Sound,2006-12-01,Pride and Prejudice,en,\"Austen, Jane, 1775-1817\",Love stories,PR,Audio Book\n",
            "30000,Text,2009-01-01,The Ormulum,enm,Orm,Bible -- Paraphrases,PR,\n",
            "40000,Text,2012-01-01,A Bilingual Reader,\"en; fr\",\"Reader, A.\",Readers,PE,\n",
        );
        parse(csv.as_bytes(), "fixture").unwrap()
    }

    fn ids(selection: &Selection, catalog: &Catalog) -> Vec<u32> {
        selection
            .apply(catalog)
            .books
            .iter()
            .map(|b| b.id.0)
            .collect()
    }

    fn filtered(filters: Filters) -> Vec<u32> {
        ids(
            &Selection {
                filters,
                pick: Pick::All,
            },
            &catalog(),
        )
    }

    fn text() -> Filters {
        Filters {
            kind: Some("Text".into()),
            ..Filters::default()
        }
    }

    #[test]
    fn no_match_is_explained_by_the_filter_that_matches_nothing() {
        let c = catalog();
        let why = |filters: Filters| filters.why_none(&c);
        let language = why(Filters {
            languages: vec!["xx".into()],
            ..text()
        });
        assert_eq!(
            language,
            "no book is in xx (the catalog's languages: en 5, fr 4, enm 1)"
        );
        let author = why(Filters {
            author: Some("nobody".into()),
            ..text()
        });
        assert_eq!(author, "no author holds every word of \"nobody\"");
        assert!(!author.contains("language"), "no unrelated hint: {author}");
        let kind = why(Filters {
            kind: Some("Film".into()),
            ..Filters::default()
        });
        assert!(
            kind.starts_with("no entry is of type Film (the catalog's types: Text 8, Sound 1;")
        );
        let together = why(Filters {
            languages: vec!["fr".into()],
            author: Some("austen".into()),
            ..text()
        });
        assert_eq!(
            together,
            "each filter matches some books, but no book matches them all"
        );
    }

    #[test]
    fn type_text_leaves_out_audio_books_and_none_means_any() {
        assert_eq!(
            filtered(text()),
            vec![84, 158, 1342, 4650, 5097, 17489, 30000, 40000]
        );
        assert_eq!(filtered(Filters::default()).len(), 9);
        let sound = Filters {
            kind: Some("sound".into()),
            ..Filters::default()
        };
        assert_eq!(filtered(sound), vec![20000]);
    }

    #[test]
    fn languages_match_whole_codes_of_any_listed_language() {
        let lang = |codes: &[&str]| {
            filtered(Filters {
                languages: codes.iter().map(|c| c.to_string()).collect(),
                ..text()
            })
        };
        assert_eq!(lang(&["fr"]), vec![4650, 5097, 17489, 40000]);
        assert_eq!(lang(&["FR"]), vec![4650, 5097, 17489, 40000]);
        assert_eq!(lang(&["enm"]), vec![30000]);
        assert!(!lang(&["en"]).contains(&30000), "en is not enm");
        assert_eq!(lang(&["de"]), Vec::<u32>::new());
        assert_eq!(lang(&["enm", "fr"]), vec![4650, 5097, 17489, 30000, 40000]);
    }

    #[test]
    fn text_filters_ignore_case_and_word_order() {
        let author = |a: &str| {
            filtered(Filters {
                author: Some(a.into()),
                ..text()
            })
        };
        assert_eq!(author("austen"), vec![158, 1342]);
        assert_eq!(author("Jane AUSTEN"), vec![158, 1342]);
        assert_eq!(author("Austen, Jane"), vec![158, 1342]);
        assert_eq!(author("jules verne"), vec![5097]);
        assert_eq!(author("austen verne"), Vec::<u32>::new());
        let title = |t: &str| {
            filtered(Filters {
                title: Some(t.into()),
                ..text()
            })
        };
        assert_eq!(title("prejud"), vec![1342]);
        assert_eq!(title("MISÉRABLES"), vec![17489]);
        assert_eq!(title("modern prometheus"), vec![84]);
        let subject = |s: &str| {
            filtered(Filters {
                subject: Some(s.into()),
                ..text()
            })
        };
        assert_eq!(subject("science fiction"), vec![84, 5097]);
        assert_eq!(subject("love"), vec![158, 1342]);
        let shelf = |s: &str| {
            filtered(Filters {
                bookshelf: Some(s.into()),
                ..text()
            })
        };
        assert_eq!(shelf("best books"), vec![158, 1342]);
    }

    #[test]
    fn filters_combine_with_and() {
        let f = Filters {
            languages: vec!["fr".into()],
            subject: Some("science fiction".into()),
            ..text()
        };
        assert_eq!(filtered(f), vec![5097]);
        let f = Filters {
            author: Some("austen".into()),
            title: Some("emma".into()),
            ..text()
        };
        assert_eq!(filtered(f), vec![158]);
        let f = Filters {
            author: Some("austen".into()),
            kind: None,
            ..Filters::default()
        };
        assert_eq!(filtered(f), vec![158, 1342, 20000]);
    }

    #[test]
    fn first_n_keeps_catalog_order_and_counts_every_match() {
        let c = catalog();
        let s = Selection {
            filters: text(),
            pick: Pick::First(3),
        };
        let chosen = s.apply(&c);
        assert_eq!(chosen.matched, 8);
        assert_eq!(ids(&s, &c), vec![84, 158, 1342]);
        let s = Selection {
            filters: text(),
            pick: Pick::First(100),
        };
        assert_eq!(ids(&s, &c).len(), 8);
    }

    #[test]
    fn random_draws_depend_on_the_seed_alone() {
        let c = catalog();
        let draw = |count, seed| {
            ids(
                &Selection {
                    filters: text(),
                    pick: Pick::Random { count, seed },
                },
                &c,
            )
        };
        let a = draw(4, 7);
        assert_eq!(a.len(), 4);
        assert_eq!(a, draw(4, 7), "same seed, same books");
        assert!(a.windows(2).all(|w| w[0] < w[1]), "in catalog order");
        let all = filtered(text());
        assert!(a.iter().all(|id| all.contains(id)), "only matches");
        let draws: std::collections::HashSet<Vec<u32>> = (0..20).map(|s| draw(4, s)).collect();
        assert!(draws.len() > 5, "seeds draw different books");
        let mut seen = std::collections::HashSet::new();
        for seed in 0..200 {
            seen.extend(draw(1, seed));
        }
        assert_eq!(seen.len(), 8, "every match can be drawn");
        assert_eq!(draw(50, 1), all, "more than the matches takes them all");
    }

    #[test]
    fn descriptions_name_every_filter() {
        let s = Selection {
            filters: Filters {
                languages: vec!["fr".into(), "de".into()],
                author: Some("verne".into()),
                ..text()
            },
            pick: Pick::Random { count: 5, seed: 7 },
        };
        assert_eq!(
            s.describe(),
            "language fr or de, author \"verne\", type Text, 5 at random (seed 7)"
        );
        assert_eq!(Selection::default().describe(), "any type");
    }
}
