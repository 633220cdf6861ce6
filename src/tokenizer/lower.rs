//! Lowercasing a word exactly as `str::to_lowercase` does, without
//! allocating: the word itself when nothing changes, else a reused buffer.

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
        if c == 'Σ' {
            *buf = word.to_lowercase();
            return buf;
        }
        buf.extend(c.to_lowercase());
    }
    buf
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
    fn borrows_what_is_already_lowercase() {
        let mut buf = String::new();
        let w = "already";
        assert!(std::ptr::eq(lowercase(w, &mut buf), w));
        assert_eq!(lowercase("MiXed", &mut buf), "mixed");
    }
}
