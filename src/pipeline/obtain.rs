//! The download step's work for one book: its bytes read back from disk
//! when it is already saved and intact (resume), or — with `--refresh` —
//! after asking its source whether it has changed, or fetched.

use crate::book::BookRequest;
use crate::fetch::{FetchError, Fetched, Fetcher, Revalidated};
use crate::record::Refreshed;
use crate::store::{Resumed, Store, sha256_hex};

/// A book's bytes, as the download step obtained them.
pub(super) enum Obtained {
    /// Downloaded (or read from a local folder); `Some` when it replaces a
    /// saved copy its source has changed (`--refresh`).
    Fetched(Fetched, Option<Refreshed>),
    /// Already saved and intact; `Some` when its source confirmed it.
    Resumed(Box<Resumed>, Option<Refreshed>),
}

impl Obtained {
    /// The bytes obtained.
    pub fn len(&self) -> u64 {
        match self {
            Obtained::Fetched(f, _) => f.bytes.len() as u64,
            Obtained::Resumed(r, _) => r.bytes.len() as u64,
        }
    }
}

/// Obtains book `request`: from disk when saved and intact (asking the
/// source first with `--refresh`), else from the source.
pub(super) fn obtain(
    fetcher: &Fetcher,
    store: &Store,
    request: &BookRequest,
) -> Result<Obtained, FetchError> {
    match store.resume(request.id) {
        Some(resumed) if store.refreshes() => refresh(fetcher, store, request, resumed),
        Some(resumed) => Ok(Obtained::Resumed(Box::new(resumed), None)),
        None => fetcher.fetch(request).map(|f| Obtained::Fetched(f, None)),
    }
}

/// Asks the source whether the saved copy `resumed` is current: kept when
/// it is (or when the source sends the same bytes again), replaced when
/// the source sends another version.
fn refresh(
    fetcher: &Fetcher,
    store: &Store,
    request: &BookRequest,
    resumed: Resumed,
) -> Result<Obtained, FetchError> {
    let entry = &resumed.entry;
    match fetcher.revalidate(request, &entry.url, &entry.validators)? {
        Revalidated::NotModified => Ok(Obtained::Resumed(
            Box::new(resumed),
            Some(Refreshed::Unchanged),
        )),
        Revalidated::Modified(fetched) if sha256_hex(&fetched.bytes) == entry.sha256 => {
            // Recorded, so that the next refresh can be a conditional request.
            store
                .manifest()
                .revalidated(request.id, &fetched.validators);
            Ok(Obtained::Resumed(
                Box::new(resumed),
                Some(Refreshed::Unchanged),
            ))
        }
        Revalidated::Modified(fetched) => Ok(Obtained::Fetched(fetched, Some(Refreshed::Updated))),
    }
}
