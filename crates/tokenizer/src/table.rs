//! The table words are counted in. A word of up to 16 bytes is its own key,
//! held inline as 16 bytes padded with zeros, hashed with one folded
//! multiply and compared as one 128-bit integer: counting a word never
//! allocates, not even the first time. Longer words, rare in any language,
//! go to an ordinary map keyed by `Box<str>`, and so do the very rare words
//! holding a NUL byte (a NUL followed by a combining mark is a word), for
//! which the zero padding would be ambiguous.
//!
//! The short words live in one array of slots, open addressing with linear
//! probing at most three quarters full (a table for counting one text is
//! made with four times the room it is expected to need, so that few
//! words are not in the first slot they are looked for in). The first slot
//! is checked with one branch that holds both for a word already there and
//! for a new word taking an empty slot: the processor predicts it for every
//! word but one that collided. Each slot a word takes is listed, in the
//! order the words came, so that going through a table's words (to merge
//! it into the corpus totals, to rank them) costs what the table holds,
//! not the room it was made with. The hash is keyed with seeds drawn once per
//! process from the standard library's random source, so text crafted to
//! collide cannot be prepared in advance.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The longest word kept inline.
pub(crate) const INLINE: usize = 16;

/// A word of at most [`INLINE`] bytes as a key: its bytes, little-endian,
/// padded with zeros.
pub(crate) type Key = u128;

/// Whether `word` is kept inline: at most [`INLINE`] bytes, no NUL byte.
#[inline]
pub(crate) fn is_inline(word: &[u8]) -> bool {
    word.len() <= INLINE && word.iter().all(|&b| b != 0)
}

/// The key of `word` (at most [`INLINE`] bytes, no NUL byte).
#[inline]
pub(crate) fn key_of(word: &[u8]) -> Key {
    debug_assert!(word.len() <= INLINE);
    let mut bytes = [0u8; INLINE];
    bytes[..word.len()].copy_from_slice(word);
    Key::from_le_bytes(bytes)
}

/// The key of the `len` bytes at `start` (a word from the scanner), read
/// as 16 bytes at once, lowercased if `FOLD`; `None` when fewer than 16
/// bytes are left from `start` (use [`key_of`]), or when `FOLD` and the word
/// holds a non-ASCII letter other than U+00C0 to U+00FF (use
/// [`super::lower::lowercase_key`]).
#[inline(always)]
pub(crate) fn key_at<const FOLD: bool>(bytes: &[u8], start: usize, len: usize) -> Option<Key> {
    debug_assert!((1..=INLINE).contains(&len));
    let chunk: &[u8; INLINE] = bytes.get(start..)?.first_chunk()?;
    key_in::<FOLD>(chunk, len)
}

/// [`key_at`] of the first `len` bytes (1 to 16) of `chunk`.
#[inline]
pub(crate) fn key_in<const FOLD: bool>(chunk: &[u8; INLINE], len: usize) -> Option<Key> {
    keep_and_lower::<FOLD>(chunk, &KEEP[len])
}

/// The key of the first `len` bytes (1 to 16) of `chunk`, lowercased if
/// `FOLD`, when they are ASCII (or when not `FOLD`: the bytes are the key
/// as they are); `None` for a non-ASCII word when `FOLD` (use [`key_at`]).
/// The counting loop's key: a load, a mask, four SIMD operations.
#[inline(always)]
/// With `CHECK` false the caller knows the bytes are ASCII (no check).
pub(crate) fn ascii_key<const FOLD: bool, const CHECK: bool>(
    chunk: &[u8; INLINE],
    len: usize,
) -> Option<Key> {
    debug_assert!((1..=INLINE).contains(&len));
    #[cfg(target_arch = "x86_64")]
    #[allow(unused_unsafe)] // the intrinsics are safe to call from Rust 1.87 on
    // SAFETY: SSE2 is enabled on every x86_64 target; the loads read the
    // 16 bytes of `chunk` and of `KEEP[len]` (`len <= 16`).
    unsafe {
        use std::arch::x86_64::*;
        let keep = _mm_loadu_si128(KEEP.get_unchecked(len).as_ptr().cast());
        let mut v = _mm_and_si128(_mm_loadu_si128(chunk.as_ptr().cast()), keep);
        if FOLD {
            if CHECK && _mm_movemask_epi8(v) != 0 {
                return None;
            }
            // `A` to `Z` moved to -128 to -103 (signed), the lowest 26 values.
            let shifted = _mm_add_epi8(v, _mm_set1_epi8((0x80u8 - b'A') as i8));
            let capital = _mm_cmpgt_epi8(_mm_set1_epi8((-128i32 + 26) as i8), shifted);
            v = _mm_or_si128(v, _mm_and_si128(capital, _mm_set1_epi8(0x20)));
        }
        let mut out = [0u8; INLINE];
        _mm_storeu_si128(out.as_mut_ptr().cast(), v);
        Some(Key::from_le_bytes(out))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let key = Key::from_le_bytes(*chunk) & Key::from_le_bytes(KEEP[len]);
        if !FOLD {
            return Some(key);
        }
        (!CHECK || key & Key::from_le_bytes([0x80; INLINE]) == 0).then(|| ascii_lowercase(key))
    }
}

/// `KEEP[n]` keeps the first `n` bytes of 16.
const KEEP: [[u8; INLINE]; INLINE + 1] = {
    let mut masks = [[0; INLINE]; INLINE + 1];
    let mut n = 1;
    while n <= INLINE {
        let mut i = 0;
        while i < n {
            masks[n][i] = 0xFF;
            i += 1;
        }
        n += 1;
    }
    masks
};

/// `chunk & keep`, with its capitals made small if `FOLD`: SSE2. The
/// capitals of ASCII and of U+00C0 to U+00DE (C3 80 to C3 9E, but `×`)
/// are made small in the register (`À` C3 80 becomes `à` C3 A0); `None`
/// for a word with another non-ASCII character but `‘` `’` (E2 80 98/99,
/// their own lowercase).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unused_unsafe)] // the intrinsics are safe to call from Rust 1.87 on; 1.85 needs the block
fn keep_and_lower<const FOLD: bool>(chunk: &[u8; INLINE], keep: &[u8; INLINE]) -> Option<Key> {
    use std::arch::x86_64::*;
    let mut out = [0u8; INLINE];
    // SAFETY: SSE2 is enabled on every x86_64 target; the loads and the
    // store touch exactly the three 16-byte arrays.
    unsafe {
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        let mut v = _mm_and_si128(
            _mm_loadu_si128(chunk.as_ptr().cast()),
            _mm_loadu_si128(keep.as_ptr().cast()),
        );
        if FOLD {
            let capital = _mm_and_si128(
                _mm_cmpgt_epi8(v, splat(b'A' - 1)),
                _mm_cmplt_epi8(v, splat(b'Z' + 1)),
            );
            v = _mm_or_si128(v, _mm_and_si128(capital, splat(0x20)));
            if _mm_movemask_epi8(v) != 0 {
                // Signed, a lead byte (0xC0 and above) is -64 to -1.
                let lead = _mm_and_si128(
                    _mm_cmpgt_epi8(v, splat(0xBF)),
                    _mm_cmplt_epi8(v, _mm_setzero_si128()),
                );
                let c3 = _mm_cmpeq_epi8(v, splat(0xC3));
                let known = _mm_or_si128(c3, _mm_cmpeq_epi8(v, splat(0xE2)));
                if _mm_movemask_epi8(_mm_andnot_si128(known, lead)) != 0 {
                    return None;
                }
                // A second byte 0x80 to 0x9E after 0xC3 (signed: below
                // 0x9F), but 0x97 (`×`), is a capital.
                let capital = _mm_andnot_si128(
                    _mm_cmpeq_epi8(v, splat(0x97)),
                    _mm_and_si128(_mm_slli_si128::<1>(c3), _mm_cmplt_epi8(v, splat(0x9F))),
                );
                v = _mm_or_si128(v, _mm_and_si128(capital, splat(0x20)));
            }
        }
        _mm_storeu_si128(out.as_mut_ptr().cast(), v);
    }
    Some(Key::from_le_bytes(out))
}

/// `chunk & keep`, with ASCII capitals made small if `FOLD`; `None` for a
/// non-ASCII word when `FOLD`.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn keep_and_lower<const FOLD: bool>(chunk: &[u8; INLINE], keep: &[u8; INLINE]) -> Option<Key> {
    let key = Key::from_le_bytes(*chunk) & Key::from_le_bytes(*keep);
    if !FOLD {
        return Some(key);
    }
    (key & Key::from_le_bytes([0x80; INLINE]) == 0).then(|| ascii_lowercase(key))
}

/// The key with its ASCII capitals made small (other bytes unchanged):
/// eight bytes at a time in a 64-bit register.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))] // tested against SSE2
fn ascii_lowercase(key: Key) -> Key {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let lower = |x: u64| {
        // On the low seven bits, adding 0x3F (or 0x25) never carries into
        // the next byte; the top bit then says >= 'A' (or > 'Z'). Bytes
        // above 0x7F are no capitals.
        let low = x & (0x7F * ONES);
        let at_least_a = low.wrapping_add((0x80 - u64::from(b'A')) * ONES);
        let above_z = low.wrapping_add((0x80 - u64::from(b'Z') - 1) * ONES);
        let capital = at_least_a & !above_z & !x & (0x80 * ONES);
        x | (capital >> 2)
    };
    let (lo, hi) = (key as u64, (key >> 64) as u64);
    u128::from(lower(lo)) | (u128::from(lower(hi)) << 64)
}

/// A slot of the table: a key (all zeros when the slot is empty: no word
/// is empty) and its count.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Slot {
    key: [u8; INLINE],
    count: u64,
}

impl Slot {
    fn word(&self) -> &str {
        let len = self.key.iter().position(|&b| b == 0).unwrap_or(INLINE);
        // Keys are copied from `str`s whole, and the padding is cut off here.
        std::str::from_utf8(&self.key[..len]).expect("a key holds a whole word")
    }
}

/// `n` empty slots, written with zeros at once. Not asked of the
/// allocator as zeroed memory: memory fresh from the kernel would then
/// stay untouched, the counting loop's first look at a slot would map the
/// kernel's shared page of zeros, and its first write would cost a second
/// fault that also flushes the other processors' address caches.
fn zeroed_slots(n: usize) -> Box<[Slot]> {
    let mut slots = Box::<[Slot]>::new_uninit_slice(n);
    // `black_box`: the compiler would otherwise turn the allocation and
    // the writing of zeros into one request for zeroed memory.
    let first = std::hint::black_box(slots.as_mut_ptr());
    // SAFETY: `first` is the start of `n` slots just allocated; a slot of
    // zeros is a valid, empty slot (a key of zero bytes, a count of zero).
    unsafe {
        std::ptr::write_bytes(first, 0, n);
        slots.assume_init()
    }
}

/// How many words before it a word's slot is asked of the memory when
/// one table is merged into another.
const AHEAD: usize = 16;

/// Asks the processor to fetch `slot` into the cache (a hint: it changes
/// nothing but when the slot's bytes arrive).
#[inline(always)]
fn prefetch_slot(slot: &Slot) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the cache; the address is a live slot.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((slot as *const Slot).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = slot;
}

/// Room to list the used slots of a table of `slots` slots: three
/// quarters of them and one more. Written place by place before it is read.
fn new_list(slots: usize) -> Box<[u32]> {
    vec![0; grow_at(slots) + 1].into_boxed_slice()
}

fn process_seeds() -> [u64; 2] {
    static SEEDS: OnceLock<[u64; 2]> = OnceLock::new();
    *SEEDS.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let random = std::collections::hash_map::RandomState::new();
        let seed = |n: u64| {
            let mut h = random.build_hasher();
            h.write_u64(n);
            h.finish() | 1
        };
        [seed(1), seed(2)]
    })
}

#[inline(always)]
fn hash_with(seeds: [u64; 2], key: Key) -> u64 {
    let product = u128::from((key as u64) ^ seeds[0]) * u128::from(((key >> 64) as u64) ^ seeds[1]);
    (product as u64) ^ ((product >> 64) as u64)
}

/// The table as the counting loop holds it: its slots borrowed, the seeds
/// and the count of used slots in locals (registers), written back with
/// [`Table::set_used`].
pub(crate) struct Parts<'t> {
    pub(crate) slots: &'t mut [Slot],
    /// The used slots' places in the order their words came
    /// ([`Table`]'s `listed`), and room after them.
    pub(crate) listed: &'t mut [u32],
    pub(crate) seeds: [u64; 2],
    pub(crate) used: usize,
    /// [`Table::grow`] is due when `used` is above this.
    pub(crate) grow_at: usize,
}

/// Adds `n` to `slot` if it holds `key` (its first byte not 0) or is
/// empty (then it takes `key`): `Some(true)` if it was empty, `None` if it
/// holds another key. One branch, which the processor predicts for every
/// word that did not collide, new words included, and no flag turned into
/// a byte register (on AMD processors, `setcc` into a byte register waits
/// for the register's old value, which chains each word to the one before).
#[inline(always)]
fn fill(slot: &mut Slot, key: Key, n: u64) -> Option<bool> {
    let k = Key::from_le_bytes(slot.key);
    let differs = ((k ^ key) as u64) | ((k ^ key) >> 64) as u64;
    if opaque(differs.min(k as u64)) != 0 {
        return None;
    }
    slot.key = key.to_le_bytes();
    slot.count += n;
    Some(k as u64 == 0)
}

/// Counts the word whose key is `key` (its first byte not 0) once: in its
/// first place when that holds it or is empty ([`fill`]), else in the
/// places after it. A new word's place is listed: the place is written
/// after the listed ones for every word, without a branch, and counts as
/// listed only when the word was new.
#[inline(always)]
pub(crate) fn count_key(parts: &mut Parts<'_>, key: Key) {
    let mask = parts.slots.len() - 1;
    let mut i = hash_with(parts.seeds, key) as usize & mask;
    // SAFETY: `i & mask` is below the slots' length (a power of two).
    let new = match fill(unsafe { parts.slots.get_unchecked_mut(i) }, key, 1) {
        Some(new) => new,
        None => loop {
            i = (i + 1) & mask;
            // SAFETY: as above.
            let slot = unsafe { parts.slots.get_unchecked_mut(i) };
            let k = Key::from_le_bytes(slot.key);
            if k == key || k == 0 {
                slot.key = key.to_le_bytes();
                slot.count += 1;
                break k == 0;
            }
        },
    };
    debug_assert!(parts.used < parts.listed.len());
    // SAFETY: the counting loop keeps `used` at most `grow_at`, and the
    // list has room for `grow_at + 1` places ([`Table::room_for`]).
    unsafe { *parts.listed.get_unchecked_mut(parts.used) = i as u32 };
    parts.used += usize::from(new);
}

/// `x`, unknown to the optimizer: the branch on it stays one branch
/// (rather than one for each side of an `|`).
#[inline(always)]
fn opaque(mut x: u64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: an empty instruction sequence that keeps `x` where it is.
    unsafe {
        std::arch::asm!("/* {x} */", x = inout(reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    x
}

/// How many words a table of `slots` slots holds before it grows.
fn grow_at(slots: usize) -> usize {
    slots / 4 * 3
}

/// Slots in a new table (a power of two).
const FIRST_SLOTS: usize = 256;

/// Words and how often each was counted.
#[derive(Clone)]
pub(crate) struct Table {
    /// A power of two in length, at most three quarters of the slots used.
    slots: Box<[Slot]>,
    /// The places of the used slots, in the order their words came
    /// (`listed[..used]`), with room for `grow_at + 1`: listing and
    /// merging a table cost what it holds, not what it could hold.
    listed: Box<[u32]>,
    used: usize,
    /// The table grows when more words than this are used: three quarters
    /// of the slots.
    grow_at: usize,
    long: HashMap<Box<str>, u64, foldhash::fast::RandomState>,
    seeds: [u64; 2],
}

impl Default for Table {
    fn default() -> Self {
        Table::with_capacity(0)
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("words", &self.len())
            .finish_non_exhaustive()
    }
}

impl Table {
    /// A table that holds `words` short words before it grows.
    pub(crate) fn with_capacity(words: usize) -> Self {
        let slots = (words.saturating_mul(4) / 3 + 1)
            .next_power_of_two()
            .max(FIRST_SLOTS);
        Table {
            slots: zeroed_slots(slots),
            listed: new_list(slots),
            used: 0,
            grow_at: grow_at(slots),
            long: HashMap::default(),
            seeds: process_seeds(),
        }
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline(always)]
    fn slot_of(&self, key: Key) -> usize {
        self.slot_of_hashed(key, hash_with(self.seeds, key))
    }

    #[inline(always)]
    fn slot_of_hashed(&self, key: Key, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let k = Key::from_le_bytes(self.slots[i].key);
            if k == key || k == 0 {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// Counts the word whose key is `key` (not 0) `n` times.
    #[inline(always)]
    pub(crate) fn add_key(&mut self, key: Key, n: u64) {
        self.add_hashed(key, self.hash(key), n);
    }

    /// The hash of `key` (the same for the table's whole life).
    #[inline(always)]
    pub(crate) fn hash(&self, key: Key) -> u64 {
        hash_with(self.seeds, key)
    }

    /// Asks the processor to fetch the slot where the key with this hash
    /// is looked for first, so that [`Table::add_hashed`] finds it in the
    /// cache a little later.
    #[inline(always)]
    pub(crate) fn prefetch(&self, hash: u64) {
        prefetch_slot(&self.slots[hash as usize & (self.slots.len() - 1)]);
    }

    /// [`Table::add_key`] with the key's hash already made.
    #[inline(always)]
    pub(crate) fn add_hashed(&mut self, key: Key, hash: u64, n: u64) {
        let i = hash as usize & (self.slots.len() - 1);
        if let Some(new) = fill(&mut self.slots[i], key, n) {
            if new {
                self.list(i);
            }
            return;
        }
        let i = self.slot_of_hashed(key, hash);
        let slot = &mut self.slots[i];
        slot.count += n;
        if Key::from_le_bytes(slot.key) != key {
            self.insert_at(i, key);
        }
    }

    /// The table as the counting loop holds it ([`Parts`]).
    #[inline(always)]
    pub(crate) fn parts(&mut self) -> Parts<'_> {
        Parts {
            seeds: self.seeds,
            used: self.used,
            grow_at: self.grow_at,
            slots: &mut self.slots,
            listed: &mut self.listed,
        }
    }

    /// Sets how many slots are used (after counting through [`Table::parts`]).
    #[inline(always)]
    pub(crate) fn set_used(&mut self, used: usize) {
        self.used = used;
    }

    /// [`Table::parts`], once `words` more words fit without growing
    /// (`used`, if given, first written back: [`Table::set_used`]).
    #[inline(never)]
    pub(crate) fn room_for(&mut self, words: usize, used: Option<usize>) -> Parts<'_> {
        if let Some(used) = used {
            self.used = used;
        }
        self.make_room(words);
        self.parts()
    }

    /// Grows the table until `words` more fit without growing.
    #[inline(never)]
    pub(crate) fn make_room(&mut self, words: usize) {
        while self.used + words > self.grow_at {
            self.grow();
        }
    }

    /// Puts `key` in the empty slot `i` (its count is already set).
    #[cold]
    fn insert_at(&mut self, i: usize, key: Key) {
        self.slots[i].key = key.to_le_bytes();
        self.list(i);
    }

    /// Lists the slot `i`, just taken by a new word (growing the table
    /// when it is more than three quarters full).
    #[inline(always)]
    fn list(&mut self, i: usize) {
        self.listed[self.used] = i as u32;
        self.used += 1;
        if self.used > self.grow_at {
            self.grow();
        }
    }

    /// Doubles the slots (when more than three quarters are used).
    #[cold]
    #[inline(never)]
    pub(crate) fn grow(&mut self) {
        // The list holds places as `u32`: 2^32 slots are three billion
        // distinct words of up to 16 bytes, a text of tens of gigabytes.
        assert!(
            (self.slots.len() as u64) < 1 << 32,
            "a word table of more than 2^32 slots"
        );
        let bigger = zeroed_slots(self.slots.len() * 2);
        let old = std::mem::replace(&mut self.slots, bigger);
        let old_listed = std::mem::replace(&mut self.listed, new_list(self.slots.len()));
        self.grow_at = grow_at(self.slots.len());
        for (n, &i) in old_listed[..self.used].iter().enumerate() {
            let slot = old[i as usize];
            let j = self.slot_of(Key::from_le_bytes(slot.key));
            self.slots[j] = slot;
            self.listed[n] = j as u32;
        }
    }

    /// Counts `word` `n` times.
    #[inline]
    pub(crate) fn add(&mut self, word: &str, n: u64) {
        if is_inline(word.as_bytes()) {
            self.add_key(key_of(word.as_bytes()), n);
        } else {
            match self.long.get_mut(word) {
                Some(count) => *count += n,
                None => {
                    self.long.insert(word.into(), n);
                }
            }
        }
    }

    pub(crate) fn get(&self, word: &str) -> Option<&u64> {
        if !is_inline(word.as_bytes()) {
            return self.long.get(word);
        }
        if word.is_empty() {
            return None;
        }
        let key = key_of(word.as_bytes());
        let slot = &self.slots[self.slot_of(key)];
        (Key::from_le_bytes(slot.key) == key).then_some(&slot.count)
    }

    pub(crate) fn len(&self) -> usize {
        self.used + self.long.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.iter_at_least(0)
    }

    /// The words counted at least `min` times (a word is read out of its
    /// key only when its count is).
    pub(crate) fn iter_at_least(&self, min: u64) -> impl Iterator<Item = (&str, u64)> + '_ {
        let short = self
            .used_slots()
            .filter(move |s| s.count >= min)
            .map(|s| (s.word(), s.count));
        let long = self
            .long
            .iter()
            .filter(move |&(_, &n)| n >= min)
            .map(|(w, &n)| (&**w, n));
        short.chain(long)
    }

    /// Every word's count, in no particular order.
    pub(crate) fn counts(&self) -> impl Iterator<Item = u64> + '_ {
        self.used_slots()
            .map(|s| s.count)
            .chain(self.long.values().copied())
    }

    /// The used slots, in the order their words came.
    fn used_slots(&self) -> impl Iterator<Item = &Slot> + '_ {
        self.listed[..self.used]
            .iter()
            .map(|&i| &self.slots[i as usize])
    }

    /// The used slots' keys and counts, each slot asked of the memory
    /// a few slots before it is read: the list's places fall at random
    /// in a table larger than the first caches.
    fn short_entries(&self) -> impl Iterator<Item = (Key, u64)> + '_ {
        let listed = &self.listed[..self.used];
        listed.iter().enumerate().map(move |(n, &i)| {
            if let Some(&later) = listed.get(n + AHEAD) {
                prefetch_slot(&self.slots[later as usize]);
            }
            let slot = &self.slots[i as usize];
            (Key::from_le_bytes(slot.key), slot.count)
        })
    }

    /// Adds short words' counts, each slot asked of the memory
    /// ([`Table::prefetch`]) [`AHEAD`] words before it is counted, so that
    /// the cache misses of those words overlap (the words of one table fall
    /// at random places in the other, larger than the caches).
    fn add_entries(&mut self, entries: impl Iterator<Item = (Key, u64)>) {
        let mut waiting = [(0, 0, 0); AHEAD];
        let mut n = 0;
        for (key, count) in entries {
            let hash = self.hash(key);
            self.prefetch(hash);
            let (key, hash, count) = std::mem::replace(&mut waiting[n % AHEAD], (key, hash, count));
            if n >= AHEAD {
                self.add_hashed(key, hash, count);
            }
            n += 1;
        }
        let first = n.saturating_sub(AHEAD);
        for k in first..n {
            let (key, hash, count) = waiting[k % AHEAD];
            self.add_hashed(key, hash, count);
        }
    }

    /// Adds `other`'s counts. The table grows as new words come, not
    /// ahead by `other`'s size: most of `other`'s words are usually in
    /// `self` already.
    pub(crate) fn merge_from(&mut self, other: &Table) {
        if self.len() == 0 && self.slots.len() <= other.slots.len() {
            // Empty totals take a copy of the first table whole: its bytes
            // copied at once, not its words hashed one by one into a small
            // table that doubles again and again.
            self.clone_from(other);
            return;
        }
        self.add_entries(other.short_entries());
        for (word, &n) in &other.long {
            match self.long.get_mut(word) {
                Some(count) => *count += n,
                None => {
                    self.long.insert(word.clone(), n);
                }
            }
        }
    }

    /// Adds `other`'s counts, reusing its long words.
    pub(crate) fn merge(&mut self, other: Table) {
        self.add_entries(other.short_entries());
        for (word, n) in other.long {
            *self.long.entry(word).or_insert(0) += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_in_place_equal_keys_copied() {
        let text =
            "Hello, WORLD of the 16-byte-long-word @[`{ AZaz Don’t ‘Ærø’ and more text after it"
                .as_bytes();
        for start in 0..text.len() {
            for len in 1..=INLINE.min(text.len() - start) {
                let word = &text[start..start + len];
                let lowered = key_of(&word.to_ascii_lowercase());
                assert_eq!(ascii_lowercase(key_of(word)), lowered, "{start} {len}");
                if let Some(read) = key_at::<false>(text, start, len) {
                    assert_eq!(read, key_of(word), "{start} {len}");
                    let folded = key_at::<true>(text, start, len);
                    match std::str::from_utf8(word) {
                        Ok(w) if !w.contains(['‘', '’', 'Æ']) || folded.is_some() => {
                            assert_eq!(folded, Some(key_of(w.to_lowercase().as_bytes())), "{w}")
                        }
                        _ => assert!(!word.is_ascii(), "{start} {len}"),
                    }
                }
            }
        }
        assert_eq!(key_at::<true>(text, text.len() - 15, 3), None);
    }

    #[test]
    fn latin_keys_are_lowercased_in_the_register() {
        let padding = " ".repeat(INLINE);
        let mut latin1 = 0;
        for c in ('\u{C0}'..='\u{24F}').chain(['‘', '’']) {
            for word in [format!("{c}"), format!("A{c}b"), format!("{c}{c}’{c}Z")] {
                let text = format!("{word}{padding}");
                let Ok(word) = std::str::from_utf8(&text.as_bytes()[..word.len()]) else {
                    unreachable!()
                };
                let expected = key_of(word.to_lowercase().as_bytes());
                match key_at::<true>(text.as_bytes(), 0, word.len()) {
                    Some(key) => {
                        assert_eq!(key, expected, "{word}");
                        latin1 += 1;
                    }
                    None => assert!(c > '\u{FF}', "{word}"),
                }
            }
        }
        assert!(latin1 >= 3 * 66, "{latin1}");
    }

    #[test]
    fn grows_and_keeps_every_count() {
        let mut t = Table::default();
        let words: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
        for (i, w) in words.iter().enumerate() {
            t.add(w, i as u64 + 1);
        }
        assert_eq!(t.len(), 5000);
        assert!(t.slots.len() >= 5000 * 4 / 3 && t.slots.len().is_power_of_two());
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(w), Some(&(i as u64 + 1)), "{w}");
        }
    }

    #[test]
    fn merges_of_every_size_around_the_prefetch_distance_keep_every_count() {
        // Tables of 0 to 3 × AHEAD words, half of them already in the
        // totals, merged both ways: every word and count arrives once.
        for size in 0..=3 * AHEAD {
            let mut part = Table::default();
            for i in 0..size {
                part.add(&format!("w{i}"), i as u64 + 1);
            }
            let mut totals = Table::default();
            for i in size / 2..size + 5 {
                totals.add(&format!("w{i}"), 100);
            }
            let mut moved = totals.clone();
            moved.merge(part.clone());
            // Empty totals copy the first table whole, then go on merging.
            let mut copied = Table::default();
            copied.merge_from(&part);
            copied.merge_from(&totals);
            totals.merge_from(&part);
            for t in [&totals, &moved, &copied] {
                assert_eq!(t.len(), size + 5, "size {size}");
                for i in 0..size + 5 {
                    let old = if i >= size / 2 { 100 } else { 0 };
                    let new = if i < size { i as u64 + 1 } else { 0 };
                    assert_eq!(
                        t.get(&format!("w{i}")),
                        Some(&(old + new)),
                        "size {size}, w{i}"
                    );
                }
            }
        }
    }

    #[test]
    fn counts_short_and_long_words() {
        let mut t = Table::default();
        for w in [
            "the",
            "the",
            "incomprehensibilities",
            "é",
            "sixteen-letters!",
            "the",
            "\0\u{345}",
        ] {
            t.add(w, 1);
        }
        assert_eq!(t.get("the"), Some(&3));
        assert_eq!(t.get("incomprehensibilities"), Some(&1));
        assert_eq!(t.get("sixteen-letters!"), Some(&1));
        assert_eq!(t.get("é"), Some(&1));
        assert_eq!(t.get("th"), None);
        assert_eq!(t.get("th\0"), None);
        assert_eq!(t.get(""), None);
        assert_eq!(t.get("\0\u{345}"), Some(&1));
        assert_eq!(t.len(), 5);
        let mut all: Vec<(&str, u64)> = t.iter().collect();
        all.sort();
        assert_eq!(
            all,
            [
                ("\0\u{345}", 1),
                ("incomprehensibilities", 1),
                ("sixteen-letters!", 1),
                ("the", 3),
                ("é", 1)
            ]
        );
        let mut u = Table::default();
        u.add("the", 2);
        u.add("a", 1);
        u.merge_from(&t);
        u.merge(t);
        assert_eq!(
            (u.get("the"), u.get("a"), u.get("incomprehensibilities")),
            (Some(&8), Some(&1), Some(&2))
        );
    }
}
