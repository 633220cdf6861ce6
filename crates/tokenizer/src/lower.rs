//! Lowercasing a word exactly as `str::to_lowercase` does, without
//! allocating: the word itself when nothing changes, else a reused buffer,
//! or straight into a 16-byte table key.

use std::sync::OnceLock;

use super::table::{INLINE, Key};

/// `word` lowercased, equal to `word.to_lowercase()` for every input.
///
/// Borrows `word` when it has no uppercase ASCII letter and no non-ASCII
/// character; otherwise writes into `buf` (cleared first), which allocates
/// only while it grows. The one contextual rule of Unicode lowercasing,
/// final sigma (`Σ` becomes `ς` at the end of a word, else `σ`), is left to
/// `str::to_lowercase` itself, so a word with a capital sigma allocates.
#[inline]
pub fn lowercase<'b>(word: &'b str, buf: &'b mut String) -> &'b str {
    let bytes = word.as_bytes();
    if bytes.is_ascii() {
        if !bytes.iter().any(u8::is_ascii_uppercase) {
            return word;
        }
        buf.clear();
        buf.push_str(word);
        buf.make_ascii_lowercase();
        return buf;
    }
    buf.clear();
    for c in word.chars() {
        match lower_char(c) {
            Some(lower) => buf.push(lower),
            None if c == 'Σ' => {
                *buf = word.to_lowercase();
                return buf;
            }
            None => buf.extend(c.to_lowercase()),
        }
    }
    buf
}

/// The key of `word` lowercased (as [`lowercase`] gives it), written
/// straight into the key; `None` when it is longer than 16 bytes, holds a
/// NUL, a capital sigma or a character whose lowercase is several.
#[inline]
pub(crate) fn lowercase_key(word: &str) -> Option<Key> {
    let mut key = [0u8; INLINE];
    let mut len = 0;
    for c in word.chars() {
        let lower = lower_char(c)?;
        let end = len + lower.len_utf8();
        if lower == '\0' || end > INLINE {
            return None;
        }
        lower.encode_utf8(&mut key[len..end]);
        len = end;
    }
    Some(Key::from_le_bytes(key))
}

/// The lowercase of `c` when it is one character and does not depend on
/// the context (not `Σ`): a table for ASCII and Latin-1 to Latin
/// Extended-B, `char::to_lowercase` beyond.
#[inline]
fn lower_char(c: char) -> Option<char> {
    let cp = c as usize;
    if cp < 0x80 {
        return Some(c.to_ascii_lowercase());
    }
    if cp < LATIN_END {
        let lower = latin_lowercase()[cp - 0x80];
        return (lower != '\0').then_some(lower);
    }
    if c == 'Σ' {
        return None;
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// The end of the Latin letters the tables cover (U+0080 to U+024F: Latin-1
/// Supplement, Latin Extended-A and -B).
const LATIN_END: usize = 0x250;

/// `char::to_lowercase` of U+0080 to U+024F where it is one character, else
/// NUL (U+0130 `İ` becomes two), computed once.
fn latin_lowercase() -> &'static [char; LATIN_END - 0x80] {
    static TABLE: OnceLock<[char; LATIN_END - 0x80]> = OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = char::from_u32(0x80 + i as u32).unwrap_or('\0');
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(one), None) => one,
                _ => '\0',
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_to_lowercase() {
        let mut buf = String::new();
        for w in [
            "",
            "the",
            "The",
            "ÉTÉ",
            "Straße",
            "İstanbul",
            "ΟΔΟΣ",
            "ΣΑΣ",
            "Σ",
            "aΣ",
            "ǅemal",
            "ⅫⒶ",
            "ΌΣΟΣ's",
            "KELVIN\u{212A}",
        ] {
            assert_eq!(lowercase(w, &mut buf), w.to_lowercase(), "{w}");
        }
    }

    #[test]
    fn keys_hold_the_lowercase() {
        for w in [
            "ÉTÉ",
            "straße",
            "İ",
            "ΟΔΟΣ",
            "a\0b",
            "ÀÁÂÃÄÅÆÇÈÉÊËÌÍ",
            "Ǆ",
            "KELVIN\u{212A}",
        ] {
            let expected = w.to_lowercase();
            let fits = expected.len() <= INLINE && !expected.contains('\0');
            match lowercase_key(w) {
                Some(key) => {
                    assert_eq!(key, super::super::table::key_of(expected.as_bytes()), "{w}")
                }
                None => assert!(!fits || w.contains(['Σ', 'İ']), "{w}"),
            }
        }
        // Every Latin letter, alone and in a word.
        for c in '\u{80}'..='\u{24F}' {
            let w = format!("x{c}Y");
            let mut buf = String::new();
            assert_eq!(lowercase(&w, &mut buf), w.to_lowercase(), "{c:?}");
            if let Some(key) = lowercase_key(&w) {
                assert_eq!(
                    key,
                    super::super::table::key_of(w.to_lowercase().as_bytes())
                );
            }
        }
    }

    #[test]
    fn borrows_what_is_already_lowercase() {
        let mut buf = String::new();
        let w = "already";
        assert!(std::ptr::eq(lowercase(w, &mut buf), w));
        assert_eq!(lowercase("MiXed", &mut buf), "mixed");
    }
}
