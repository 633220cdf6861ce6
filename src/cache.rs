//! gutenpipe's cache folder, where what can be made again is kept between
//! runs: downloaded catalogs (`catalogs/`) and generated synthetic corpora
//! (`corpus-books…`). It is `$GUTENPIPE_CACHE`, else
//! `$XDG_CACHE_HOME/gutenpipe`, else `~/.cache/gutenpipe`, else a folder in
//! the system's temporary folder.

use std::path::PathBuf;

/// The cache folder (not created here).
pub fn root() -> PathBuf {
    std::env::var_os("GUTENPIPE_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("gutenpipe")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gutenpipe")))
        .unwrap_or_else(|| std::env::temp_dir().join("gutenpipe"))
}
