//! Counting words: a hash map keyed by the lowercased word, with a fast
//! hasher, looked up with a borrowed `&str` so that a word already seen
//! costs no allocation; counts from several threads merge into one.

use std::collections::HashMap;
use std::collections::hash_map;

use rayon::prelude::*;

use super::lower::{lowercase, lowercase_ascii};
use super::split::split_lines;
use super::words::Words;

/// The hasher of [`WordCounts`]: foldhash, seeded per process (so text
/// crafted to collide cannot be written in advance).
pub type WordHasher = foldhash::fast::RandomState;

/// Whether words are lowercased before they are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Case {
    /// `The` and `the` are one word (`str::to_lowercase`).
    #[default]
    Fold,
    /// `The` and `the` are counted apart.
    Keep,
}

/// How often each word occurs, and how many words there were.
#[derive(Debug, Clone, Default)]
pub struct WordCounts {
    counts: HashMap<Box<str>, u64, WordHasher>,
    tokens: u64,
}

impl WordCounts {
    pub fn new() -> Self {
        WordCounts::default()
    }

    /// Counts `word` `n` times; allocates only the first time `word` is seen.
    #[inline]
    pub fn add(&mut self, word: &str, n: u64) {
        self.tokens += n;
        self.bump(word, n);
    }

    #[inline]
    fn bump(&mut self, word: &str, n: u64) {
        match self.counts.get_mut(word) {
            Some(count) => *count += n,
            None => {
                self.counts.insert(word.into(), n);
            }
        }
    }

    /// Words counted, repeats included.
    pub fn tokens(&self) -> u64 {
        self.tokens
    }

    /// Distinct words.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// How often `word` was counted (0 if never).
    pub fn get(&self, word: &str) -> u64 {
        self.counts.get(word).copied().unwrap_or(0)
    }

    /// Every word with its count, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.counts.iter().map(|(w, &n)| (&**w, n))
    }

    /// Adds `other`'s counts, moving its words (no word is copied).
    pub fn merge(&mut self, other: WordCounts) {
        let (mut big, small) = if self.counts.len() >= other.counts.len() {
            (std::mem::take(self), other)
        } else {
            (other, std::mem::take(self))
        };
        big.tokens += small.tokens;
        for (word, n) in small.counts {
            match big.counts.entry(word) {
                hash_map::Entry::Occupied(mut e) => *e.get_mut() += n,
                hash_map::Entry::Vacant(e) => {
                    e.insert(n);
                }
            }
        }
        *self = big;
    }

    /// Adds `other`'s counts, copying only the words new to `self`.
    pub fn merge_from(&mut self, other: &WordCounts) {
        self.tokens += other.tokens;
        for (word, &n) in &other.counts {
            self.bump(word, n);
        }
    }

    /// The `n` most frequent words, most frequent first, ties alphabetical.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(&str, u64)> = self.iter().collect();
        let by_rank = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
        if all.len() > n && n > 0 {
            all.select_nth_unstable_by(n - 1, by_rank);
            all.truncate(n);
        }
        all.sort_unstable_by(by_rank);
        all.into_iter()
            .take(n)
            .map(|(w, c)| (w.to_string(), c))
            .collect()
    }

    /// The counts as a standard `HashMap` (one `String` per word).
    pub fn to_hash_map(&self) -> HashMap<String, u64> {
        self.iter().map(|(w, n)| (w.to_string(), n)).collect()
    }
}

/// Counts the words of `text` ([`words`](super::words), lowercased with
/// `Case::Fold`) on the calling thread.
pub fn count(text: &str, case: Case) -> WordCounts {
    let mut counts = WordCounts::new();
    count_into(&mut counts, text, case);
    counts
}

/// Adds the words of `text` to `counts`.
pub fn count_into(counts: &mut WordCounts, text: &str, case: Case) {
    let mut buf = String::new();
    let mut words = Words::new(text);
    while let Some((word, ascii)) = words.next_word() {
        let key = match (case, ascii) {
            (Case::Keep, _) => word,
            (Case::Fold, true) => lowercase_ascii(word, &mut buf),
            (Case::Fold, false) => lowercase(word, &mut buf),
        };
        counts.add(key, 1);
    }
}

/// Texts longer than this are cut at line breaks and counted in pieces on
/// the rayon pool by [`count_parallel`].
pub const PARALLEL_PIECE: usize = 1 << 20;

/// Like [`count`], but a text longer than `piece` bytes is cut at line
/// breaks (where UAX #29 always breaks, so the words are the same) and the
/// pieces are counted on the current rayon pool, their counts merged with
/// `reduce`. Outside a rayon pool, or in a pool of one thread, it counts on
/// the calling thread.
pub fn count_parallel(text: &str, case: Case, piece: usize) -> WordCounts {
    let in_pool = rayon::current_thread_index().is_some() && rayon::current_num_threads() > 1;
    if !in_pool || text.len() <= piece {
        return count(text, case);
    }
    split_lines(text, piece)
        .into_par_iter()
        .map(|p| count(p, case))
        .reduce(WordCounts::new, |mut a, b| {
            a.merge(b);
            a
        })
}
