//! Languages and their word lists for the synthetic corpus: a fixed head of
//! real function words, then generated pseudo-words with the language's
//! accents, ranked for a Zipf distribution.

use std::collections::HashSet;

use crate::rng::Rng;

/// Distinct words in each language's vocabulary.
const VOCABULARY_SIZE: usize = 12_000;
/// The Zipf–Mandelbrot shift: weight of rank r is 1 / (r + SHIFT).
const SHIFT: f64 = 2.7;

/// A language the synthetic corpus writes in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Language {
    /// ISO 639-1 code, as in Gutenberg's catalog (`en`, `fr`).
    pub code: &'static str,
    /// English name, as in a Gutenberg header (`Language: French`).
    pub name: &'static str,
    function_words: &'static [&'static str],
    /// Letter substitutions that give generated words the language's look.
    accents: &'static [(&'static str, &'static str)],
    accent_rate: f64,
    /// Words a title or a name may be followed by in this language.
    pub conjunction: &'static str,
    /// The word a chapter heading starts with (`CHAPTER`, `KAPITEL`).
    pub chapter: &'static str,
}

/// The languages the synthetic books are written in.
pub const LANGUAGES: [Language; 6] = [
    Language {
        code: "en",
        name: "English",
        function_words: &[
            "the", "of", "and", "to", "a", "in", "that", "he", "was", "it", "his", "her", "i",
            "with", "as", "had", "you", "for", "she", "not", "at", "but", "on", "be", "is", "him",
            "my", "all", "have", "by", "which", "so", "from", "they", "me", "this", "were", "said",
            "would", "there", "one", "no", "when", "what", "an", "or", "their", "them", "if",
            "been", "we", "could", "more", "did", "upon", "some", "into", "very", "your", "only",
            "who", "now", "out", "then", "like", "man", "time", "little", "do", "any", "great",
            "before", "must", "should", "café", "naïve", "rôle", "façade",
        ],
        accents: &[("e", "é"), ("i", "ï")],
        accent_rate: 0.004,
        conjunction: "and",
        chapter: "CHAPTER",
    },
    Language {
        code: "fr",
        name: "French",
        function_words: &[
            "de", "la", "le", "et", "les", "des", "il", "à", "un", "que", "en", "du", "une",
            "elle", "qui", "ne", "pas", "dans", "pour", "se", "sur", "au", "plus", "avec", "son",
            "sa", "mais", "comme", "on", "lui", "ses", "nous", "je", "vous", "été", "était",
            "tout", "bien", "où", "même", "très", "après", "déjà", "fenêtre", "frère", "père",
        ],
        accents: &[
            ("e", "é"),
            ("e", "è"),
            ("a", "à"),
            ("o", "ô"),
            ("c", "ç"),
            ("i", "î"),
        ],
        accent_rate: 0.12,
        conjunction: "et",
        chapter: "CHAPITRE",
    },
    Language {
        code: "de",
        name: "German",
        function_words: &[
            "der", "die", "und", "in", "den", "von", "zu", "das", "mit", "sich", "des", "auf",
            "für", "ist", "im", "dem", "nicht", "ein", "eine", "als", "auch", "es", "an", "er",
            "so", "daß", "sie", "nach", "wie", "über", "hatte", "wurde", "schon", "noch",
            "Mädchen", "größer", "müssen", "Straße",
        ],
        accents: &[("a", "ä"), ("o", "ö"), ("u", "ü"), ("ss", "ß")],
        accent_rate: 0.10,
        conjunction: "und",
        chapter: "KAPITEL",
    },
    Language {
        code: "es",
        name: "Spanish",
        function_words: &[
            "de", "la", "que", "el", "en", "y", "a", "los", "se", "del", "las", "un", "por", "con",
            "no", "una", "su", "para", "es", "al", "lo", "como", "más", "pero", "sus", "le", "ya",
            "o", "este", "sí", "porque", "esta", "entre", "cuando", "muy", "sin", "sobre",
            "también", "señor", "niño", "corazón",
        ],
        accents: &[("n", "ñ"), ("a", "á"), ("o", "ó"), ("i", "í"), ("e", "é")],
        accent_rate: 0.08,
        conjunction: "y",
        chapter: "CAPÍTULO",
    },
    Language {
        code: "fi",
        name: "Finnish",
        function_words: &[
            "ja", "on", "ei", "se", "hän", "oli", "että", "mutta", "niin", "kun", "nyt", "jo",
            "kuin", "myös", "vielä", "minä", "sinä", "he", "me", "te", "tämä", "sen", "hänen",
            "mitä", "joka", "tai", "ole", "sitä", "olla", "päivä", "yö", "kyllä", "väki",
        ],
        accents: &[("a", "ä"), ("o", "ö"), ("aa", "ää")],
        accent_rate: 0.15,
        conjunction: "ja",
        chapter: "LUKU",
    },
    Language {
        code: "it",
        name: "Italian",
        function_words: &[
            "di", "e", "il", "la", "che", "a", "in", "un", "per", "è", "non", "una", "del", "con",
            "si", "da", "le", "i", "al", "della", "ma", "come", "più", "lo", "gli", "sua", "suo",
            "se", "anche", "perché", "già", "così", "città",
        ],
        accents: &[("a", "à"), ("e", "è"), ("o", "ò"), ("u", "ù")],
        accent_rate: 0.05,
        conjunction: "e",
        chapter: "CAPITOLO",
    },
];

const ONSETS: [&str; 28] = [
    "b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "br", "ch", "cl", "cr",
    "dr", "fl", "gr", "pl", "pr", "sh", "st", "th", "tr", "w",
];
const NUCLEI: [&str; 12] = [
    "a", "e", "i", "o", "u", "ea", "ou", "ai", "ee", "oo", "ie", "aa",
];
const CODAS: [&str; 14] = [
    "", "", "", "n", "r", "s", "t", "l", "d", "nd", "st", "ng", "ss", "rt",
];

/// A language's ranked words with the cumulative Zipf weights for sampling.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub language: Language,
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// The vocabulary of `language`: the same on every machine and every run.
    pub fn new(language: Language) -> Self {
        let stream = LANGUAGES.iter().position(|l| *l == language).unwrap_or(0) as u64;
        let mut rng = Rng::derive(0x5EED_0FC0_FFEE, stream);
        let mut seen: HashSet<String> = HashSet::new();
        let mut words: Vec<String> = Vec::with_capacity(VOCABULARY_SIZE);
        for w in language.function_words {
            let w = w.to_string();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        while words.len() < VOCABULARY_SIZE {
            let w = pseudo_word(&mut rng, language);
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + SHIFT);
                total
            })
            .collect();
        Vocabulary {
            language,
            words,
            cumulative,
        }
    }

    /// A word drawn with probability falling as 1 / rank.
    pub fn sample(&self, rng: &mut Rng) -> &str {
        let total = *self.cumulative.last().expect("vocabulary is never empty");
        let target = rng.unit() * total;
        let rank = self.cumulative.partition_point(|&c| c <= target);
        &self.words[rank.min(self.words.len() - 1)]
    }

    /// A word from the rarer part of the vocabulary (names, title words).
    pub fn rare(&self, rng: &mut Rng) -> &str {
        let lo = self.words.len() / 10;
        &self.words[lo + rng.below((self.words.len() - lo) as u64) as usize]
    }
}

/// A pronounceable made-up word of one to three syllables, accented the way
/// `language` accents its words.
pub fn pseudo_word(rng: &mut Rng, language: Language) -> String {
    let syllables = match rng.below(20) {
        0..10 => 1,
        10..17 => 2,
        _ => 3,
    };
    let mut w = String::new();
    for _ in 0..syllables {
        for part in [&ONSETS[..], &NUCLEI[..], &CODAS[..]] {
            let piece: &&str = rng.pick(part);
            w.push_str(piece);
        }
    }
    if rng.chance(language.accent_rate) {
        let (from, to) = *rng.pick(language.accents);
        if let Some(at) = w.find(from) {
            w.replace_range(at..at + from.len(), to);
        }
    }
    w
}

/// The first letter of `word` in upper case.
pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_fixed_and_distinct() {
        let a = Vocabulary::new(LANGUAGES[1]);
        let b = Vocabulary::new(LANGUAGES[1]);
        assert_eq!(a.words, b.words);
        assert_eq!(a.words.len(), VOCABULARY_SIZE);
        let distinct: HashSet<_> = a.words.iter().collect();
        assert_eq!(distinct.len(), VOCABULARY_SIZE);
        assert!(
            a.words.iter().any(|w| !w.is_ascii()),
            "French words carry accents"
        );
    }

    #[test]
    fn sampling_follows_rank() {
        let v = Vocabulary::new(LANGUAGES[0]);
        let rank: std::collections::HashMap<&str, usize> = v
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.as_str(), i))
            .collect();
        let mut rng = Rng::new(3);
        let mut the = 0;
        let mut rare = 0;
        for _ in 0..20_000 {
            let w = v.sample(&mut rng);
            if w == "the" {
                the += 1;
            }
            if rank[w] >= VOCABULARY_SIZE / 2 {
                rare += 1;
            }
        }
        assert!(the > 600, "rank 1 is about 4 % of words: {the}");
        // Ranks 6000..12000 hold about ln 2 / H(12000) ≈ 8 % of the mass.
        assert!(
            (600..3000).contains(&rare),
            "the tail is present but thin: {rare}"
        );
    }
}
