//! Books that come as `.zip` files (the main collection's `10234-0.zip`,
//! and some older books that exist only zipped): the book is the one text
//! member of the archive, inflated through a cap, so that neither a large
//! member nor a zip bomb can fill the memory.

use std::io::{Read, Seek};

/// Why a zip file did not give a book.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not a zip file gutenpipe can read (damaged, encrypted, a method
    /// other than stored or deflated).
    #[error("not a zip file gutenpipe can read: {0}")]
    Unreadable(String),
    /// No member is a text file.
    #[error("the zip file holds no .txt file")]
    NoText,
    /// Several members are text files: which is the book is not known.
    #[error("the zip file holds {} .txt files ({}); gutenpipe reads a zip that holds one", names.len(), names.join(", "))]
    SeveralTexts {
        /// The text members' names.
        names: Vec<String>,
    },
    /// The text member inflates to more than the limit.
    #[error("its text file {name} is larger than the limit of {limit} bytes (--max-bytes)")]
    TooLarge {
        /// The member's name.
        name: String,
        /// The limit, in bytes.
        limit: u64,
    },
}

/// Whether a URL or file path names a zip file (`….zip`, in any case).
pub fn is_zip_name(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.len() > 4
        && path
            .get(path.len() - 4..)
            .is_some_and(|ext| ext.eq_ignore_ascii_case(".zip"))
}

/// The bytes of the one `.txt` member of the zip file `archive`, at most
/// `limit` of them, and the member's name. Memory stays bounded: the
/// member is read through a `take(limit + 1)`, whatever size the archive
/// claims for it.
pub fn text_member(
    archive: impl Read + Seek,
    limit: u64,
) -> Result<(String, Vec<u8>), ArchiveError> {
    let unreadable = |e: zip::result::ZipError| ArchiveError::Unreadable(e.to_string());
    let mut zip = zip::ZipArchive::new(archive).map_err(unreadable)?;
    let texts: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| {
            let name = zip.name_for_index(i)?;
            let is_text = !name.ends_with('/')
                && name.len() > 4
                && name[name.len() - 4..].eq_ignore_ascii_case(".txt");
            is_text.then(|| (i, name.to_string()))
        })
        .collect();
    let (index, name) = match texts.as_slice() {
        [] => return Err(ArchiveError::NoText),
        [one] => one.clone(),
        several => {
            return Err(ArchiveError::SeveralTexts {
                names: several.iter().map(|(_, n)| n.clone()).collect(),
            });
        }
    };
    let member = zip.by_index(index).map_err(unreadable)?;
    let mut bytes =
        Vec::with_capacity(member.size().min(limit).min(super::body::INITIAL_BUFFER) as usize);
    member
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ArchiveError::Unreadable(format!("{name}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(ArchiveError::TooLarge { name, limit });
    }
    Ok((name, bytes))
}

/// A zip file holding `members` (name, bytes), deflated: what the main
/// collection's `.zip` files are. For writing corpora and tests.
pub fn zip_bytes(members: &[(&str, &[u8])]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in members {
        zip.start_file(*name, options)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        zip.write_all(bytes)?;
    }
    let cursor = zip
        .finish()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn the_one_text_member_is_the_book() {
        let zip =
            zip_bytes(&[("84/84-0.txt", b"Frankenstein"), ("84/readme.htm", b"<p>")]).unwrap();
        let (name, bytes) = text_member(Cursor::new(&zip), 100).unwrap();
        assert_eq!(name, "84/84-0.txt");
        assert_eq!(bytes, b"Frankenstein");
    }

    #[test]
    fn several_texts_none_or_too_large_are_errors() {
        let two = zip_bytes(&[("a.txt", b"a"), ("b.TXT", b"b")]).unwrap();
        let err = text_member(Cursor::new(&two), 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the zip file holds 2 .txt files (a.txt, b.TXT); gutenpipe reads a zip that holds one"
        );
        let none = zip_bytes(&[("a.htm", b"a")]).unwrap();
        assert_eq!(
            text_member(Cursor::new(&none), 100),
            Err(ArchiveError::NoText)
        );
        // A bomb in miniature: 1 MB of zeros deflates to about a kilobyte.
        let zeros = vec![0u8; 1 << 20];
        let bomb = zip_bytes(&[("x.txt", &zeros)]).unwrap();
        assert!(bomb.len() < 10_000, "{}", bomb.len());
        let err = text_member(Cursor::new(&bomb), 1000).unwrap_err();
        assert!(
            matches!(err, ArchiveError::TooLarge { limit: 1000, .. }),
            "{err}"
        );
        assert!(text_member(Cursor::new(&bomb), 1 << 20).is_ok());
    }

    #[test]
    fn what_is_not_a_zip_says_so() {
        let err = text_member(Cursor::new(b"*** START OF"), 100).unwrap_err();
        assert!(matches!(err, ArchiveError::Unreadable(_)), "{err}");
        let zip = zip_bytes(&[("a.txt", b"abc")]).unwrap();
        let cut = &zip[..zip.len() / 2];
        assert!(text_member(Cursor::new(cut), 100).is_err());
    }

    #[test]
    fn zip_names() {
        assert!(is_zip_name("http://m/1/0/2/3/10234/10234-0.zip"));
        assert!(is_zip_name("/x/84.ZIP?x=1"));
        assert!(!is_zip_name("http://m/84-0.txt"));
        assert!(!is_zip_name(".zip"));
    }
}
