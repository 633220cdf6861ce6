//! Asking a source whether a saved book has changed (`--refresh`): a
//! conditional request with the validators recorded when the book was
//! downloaded (`If-None-Match` with its ETag, `If-Modified-Since` with its
//! Last-Modified), which a server answers `304 Not Modified` without the
//! book or `200` with the new one; for a local folder, the size and
//! modification time of the file against those recorded.

use serde::{Deserialize, Serialize};

use super::{FetchError, Fetched, Fetcher, local, without_userinfo};
use crate::book::{BookRequest, Layout, Target};

/// Longest validator kept: anything longer is not one a server meant.
const MAX_VALIDATOR: usize = 256;

/// What identifies the version of a file at its source, as recorded with a
/// saved book.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// The `ETag` the server sent (for a local folder, the file's size and
    /// modification time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The `Last-Modified` the server sent, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is nothing to make a request conditional on.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }

    /// The validators of a response's `ETag` and `Last-Modified` values,
    /// each kept only when it is short printable ASCII, so that it can be
    /// sent back as it came and recorded safely.
    pub fn from_headers(etag: Option<&[u8]>, last_modified: Option<&[u8]>) -> Validators {
        let clean = |value: Option<&[u8]>| {
            let v = std::str::from_utf8(value?).ok()?.trim();
            let printable = v.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
            (!v.is_empty() && v.len() <= MAX_VALIDATOR && printable).then(|| v.to_string())
        };
        Validators {
            etag: clean(etag),
            last_modified: clean(last_modified),
        }
    }
}

/// The answer to "has this saved book changed?".
#[derive(Debug)]
pub enum Revalidated {
    /// The source says the saved copy is current (304, or the same size
    /// and time for a local file).
    NotModified,
    /// The source sent the book (it changed, or the source could not say
    /// without sending it): the caller compares it with the saved copy.
    Modified(Fetched),
}

impl Fetcher {
    /// Asks the source whether book `request`, saved from `url` with
    /// `validators`, has changed. A request is conditional when the book was
    /// saved from this source with validators; otherwise (no validators, or
    /// another source) the book is fetched as usual and reported
    /// [`Revalidated::Modified`].
    pub fn revalidate(
        &self,
        request: &BookRequest,
        url: &str,
        validators: &Validators,
    ) -> Result<Revalidated, FetchError> {
        if let Some(folder) = &self.local {
            if let Target::Mirror = request.target {
                let found = folder.find(request.id, &self.layout_order())?;
                if !validators.is_empty() && local::validators(&found.meta) == *validators {
                    return Ok(Revalidated::NotModified);
                }
                return folder
                    .read(&found, self.config.max_bytes)
                    .map(Revalidated::Modified);
            }
        }
        let conditional = if validators.is_empty() {
            None
        } else {
            self.same_source_url(request, url)
        };
        let Some((target, layout)) = conditional else {
            return self.fetch(request).map(Revalidated::Modified);
        };
        let answer = self.counting_retries(|retries| {
            self.get_retrying(&target, layout, Some(validators), retries)
        });
        match answer {
            Ok((super::Answer::NotModified, _)) => Ok(Revalidated::NotModified),
            Ok((super::Answer::Body(mut fetched), retries)) => {
                fetched.retries = retries;
                Ok(Revalidated::Modified(fetched))
            }
            // Gone from where it was: look for it as a new download would.
            Err(FetchError::Status { status: 404, .. }) if request.target == Target::Mirror => {
                self.fetch(request).map(Revalidated::Modified)
            }
            Err(e) => Err(e),
        }
    }

    /// The URL to send a conditional request for `request` to, with the
    /// layout it names: the one it was saved from, when that is on this
    /// source (with the source's credentials, which the record leaves out).
    fn same_source_url(
        &self,
        request: &BookRequest,
        saved: &str,
    ) -> Option<(String, Option<Layout>)> {
        match &request.target {
            Target::Url(url) => (without_userinfo(url) == saved).then(|| (url.clone(), None)),
            Target::Mirror => {
                let base = self.base.as_deref()?;
                let path = saved.strip_prefix(&without_userinfo(base))?;
                let (_, layout) = Layout::parse_path(path)?;
                Some((format!("{base}{path}"), Some(layout)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_printable_validators_are_kept() {
        let v =
            Validators::from_headers(Some(b" \"abc-1\" "), Some(b"Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(v.etag.as_deref(), Some("\"abc-1\""));
        assert_eq!(
            v.last_modified.as_deref(),
            Some("Wed, 21 Oct 2015 07:28:00 GMT")
        );
        let long = vec![b'a'; MAX_VALIDATOR + 1];
        let v = Validators::from_headers(Some(b"a\x01b"), Some(&long));
        assert!(v.is_empty(), "{v:?}");
        assert!(Validators::from_headers(Some(b"\xff"), Some(b"")).is_empty());
    }
}
