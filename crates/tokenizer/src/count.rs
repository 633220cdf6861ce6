//! Counting words: [`WordCounts`], the counts of a text or of many, filled
//! by the counting loop (`tally`) or word by word, looked up with a borrowed
//! `&str`; counts from several threads merge into one.

use std::collections::HashMap;

use rayon::prelude::*;

use super::split::split_lines;
use super::table::Table;
use super::tally::count_text;

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
    table: Table,
    tokens: u64,
}

impl WordCounts {
    /// An empty table.
    pub fn new() -> Self {
        WordCounts::default()
    }

    /// Counts with room for about `words` distinct words before the table grows.
    pub fn with_capacity(words: usize) -> Self {
        WordCounts {
            table: Table::with_capacity(words),
            tokens: 0,
        }
    }

    /// About how many distinct words a text of `bytes` bytes has (Heaps'
    /// law: Gutenberg books have 8 to 27 × √bytes).
    pub fn expected_distinct(bytes: usize) -> usize {
        16 * (bytes as f64).sqrt() as usize
    }

    /// Counts `word` `n` times; allocates only when `word` is new and
    /// longer than 16 bytes (or the table grows).
    #[inline]
    pub fn add(&mut self, word: &str, n: u64) {
        self.tokens += n;
        self.table.add(word, n);
    }

    /// Words counted, repeats included.
    pub fn tokens(&self) -> u64 {
        self.tokens
    }

    /// Distinct words.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// No word counted.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// How often `word` was counted, if ever.
    pub fn get(&self, word: &str) -> Option<u64> {
        self.table.get(word).copied()
    }

    /// Every word with its count, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.table.iter()
    }

    /// Adds `other`'s counts, keeping its long words (no word is copied).
    pub fn merge(&mut self, other: WordCounts) {
        let (mut big, small) = if self.len() >= other.len() {
            (std::mem::take(self), other)
        } else {
            (other, std::mem::take(self))
        };
        big.tokens += small.tokens;
        big.table.merge(small.table);
        *self = big;
    }

    /// Adds `other`'s counts, copying only the long words new to `self`.
    pub fn merge_from(&mut self, other: &WordCounts) {
        self.tokens += other.tokens;
        self.table.merge_from(&other.table);
    }

    /// The `n` most frequent words with their counts, most frequent first,
    /// ties in alphabetical order (so the order is the same on every run).
    pub fn ranked(&self, n: usize) -> Vec<(&str, u64)> {
        if n == 0 {
            return Vec::new();
        }
        // Only words counted at least as often as the n-th highest count can
        // rank: the others' words are never read out of the table.
        let mut least = 0;
        if n < self.len() {
            let mut counts: Vec<u64> = self.table.counts().collect();
            least = *counts.select_nth_unstable_by(n - 1, |a, b| b.cmp(a)).1;
        }
        let mut all: Vec<(&str, u64)> = self.table.iter_at_least(least).collect();
        let by_rank = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
        if n < all.len() {
            all.select_nth_unstable_by(n, by_rank);
            all.truncate(n);
        }
        all.sort_unstable_by(by_rank);
        all
    }

    /// [`WordCounts::ranked`] with the words copied.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        self.ranked(n)
            .into_iter()
            .map(|(w, c)| (w.to_string(), c))
            .collect()
    }

    /// The counts as a standard `HashMap` (one `String` per word).
    pub fn to_hash_map(&self) -> HashMap<String, u64> {
        self.iter().map(|(w, n)| (w.to_string(), n)).collect()
    }
}

/// The same words with the same counts (however the tables are laid out).
impl PartialEq for WordCounts {
    fn eq(&self, other: &WordCounts) -> bool {
        self.tokens == other.tokens
            && self.len() == other.len()
            && self.iter().all(|(word, n)| other.get(word) == Some(n))
    }
}

impl Eq for WordCounts {}

impl std::ops::Index<&str> for WordCounts {
    type Output = u64;

    /// How often `word` was counted; panics if never, as `HashMap` does.
    fn index(&self, word: &str) -> &u64 {
        match self.table.get(word) {
            Some(count) => count,
            None => panic!("{word:?} was not counted"),
        }
    }
}

/// Counts the words of `text` ([`words`](super::words), lowercased with
/// `Case::Fold`) on the calling thread.
pub fn count(text: &str, case: Case) -> WordCounts {
    // Room for four times the words expected (a fifth of the slots used or
    // fewer): few words are not in the first slot they are looked for in,
    // each of which costs the counting loop a mispredicted branch (see
    // docs/benchmarks.md for what the room gave).
    let room = 4 * WordCounts::expected_distinct(text.len());
    let mut counts = WordCounts::with_capacity(room);
    count_into(&mut counts, text, case);
    counts
}

/// Adds the words of `text` to `counts`.
pub fn count_into(counts: &mut WordCounts, text: &str, case: Case) {
    match case {
        Case::Fold => count_with::<true>(counts, text),
        Case::Keep => count_with::<false>(counts, text),
    }
}

fn count_with<const FOLD: bool>(counts: &mut WordCounts, text: &str) {
    counts.tokens += count_text::<FOLD>(text, &mut counts.table);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: each word of `text` lowercased, counted in a `HashMap`.
    fn reference(text: &str) -> HashMap<String, u64> {
        let mut counts = HashMap::new();
        for word in crate::words(text) {
            *counts.entry(word.to_lowercase()).or_insert(0) += 1;
        }
        counts
    }

    #[test]
    fn a_table_growing_while_it_counts_lists_every_word_once() {
        // 6,000 distinct words (some of them long, some accented) into a
        // table made for none: it grows many times inside the counting loop.
        let text: String = (0..18_000)
            .map(|i| match i % 7 {
                0 => format!("Wörd{} ", i % 6000),
                1 => format!("a-very-long-word-number-{} ", i % 6000),
                _ => format!("w{} ", i % 6000),
            })
            .collect();
        let mut counts = WordCounts::new();
        count_into(&mut counts, &text, Case::Fold);
        let expected = reference(&text);
        assert_eq!(counts.len(), expected.len());
        assert_eq!(counts.to_hash_map(), expected);
        // Every word listed once: the iterator gives as many entries as
        // there are distinct words.
        assert_eq!(counts.iter().count(), expected.len());
        // Merged into totals that hold some of the words already.
        let mut totals = count("w1 w2 zebra", Case::Fold);
        totals.merge_from(&counts);
        let mut both = reference(&text);
        for (word, n) in reference("w1 w2 zebra") {
            *both.entry(word).or_insert(0) += n;
        }
        assert_eq!(totals.to_hash_map(), both);
        assert_eq!(totals.iter().count(), both.len());
    }

    #[test]
    fn ranking_reads_only_the_words_that_can_rank_and_agrees_with_a_full_sort() {
        // Counts with many ties, short and long words: for every `n`, the
        // first `n` of all words sorted by count, then alphabetically.
        let mut counts = WordCounts::new();
        let mut seed = 7u64;
        for i in 0..400u64 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let word = if i % 5 == 0 {
                format!("a-long-word-over-sixteen-bytes-{i}")
            } else {
                format!("w{i}")
            };
            counts.add(&word, 1 + (seed >> 60) % 6);
        }
        let mut all: Vec<(&str, u64)> = counts.iter().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        for n in 0..=all.len() + 1 {
            assert_eq!(counts.ranked(n), all[..n.min(all.len())], "n = {n}");
        }
    }

    #[test]
    fn counts_merge_compare_and_rank() {
        let a = count("b B a", Case::Fold);
        let b = count("a c b", Case::Fold);
        assert_eq!((a.tokens(), a.len(), a["b"], a.get("c")), (3, 2, 2, None));
        let mut moved = a.clone();
        moved.merge(b.clone());
        let mut copied = a.clone();
        copied.merge_from(&b);
        assert_eq!(moved, copied);
        assert_ne!(moved, a);
        assert_eq!(moved.tokens(), 6);
        assert_eq!(
            moved.top(2),
            vec![("b".to_string(), 3), ("a".to_string(), 2)]
        );
        assert_eq!(moved.ranked(10).len(), 3);
        assert_eq!(moved.ranked(0), vec![]);
        assert_eq!(count("The the", Case::Keep).len(), 2);
        let big = "word ".repeat(1000) + "\nother";
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(
            pool.install(|| count_parallel(&big, Case::Fold, 64)),
            count(&big, Case::Fold)
        );
    }
}
