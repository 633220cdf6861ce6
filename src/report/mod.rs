//! What a run found out, as data: per-stage timings, per-book outcomes and
//! corpus results. [`table`] prints it for people (laid out by [`grid`] for
//! a terminal's width, with the [`warnings`] on figures not to trust),
//! [`json`] writes it for programs and [`export`] writes the tables as
//! Markdown or CSV; the formats are documented in `docs/report-format.md`.

pub mod books;
pub mod cache;
pub mod console;
pub mod export;
pub mod files;
pub mod grid;
pub mod json;
pub mod occupancy;
pub mod progress;
pub mod svg;
pub mod sweep;
pub mod table;
pub mod timeline;
pub mod trace;
pub mod warnings;

use std::io::{self, Write};
use std::path::Path;

use crate::store::{StoreError, write_atomic_with};

/// Writes `bytes` to `path` atomically (a reader sees the old file or the
/// whole new one), creating its folder if need be: reports, traces, pictures.
/// `-` writes to standard output. What is at `path` is replaced only when it
/// is a regular file, and temporaries a killed run left for it are removed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_file_with(path, |out| out.write_all(bytes))
}

/// Writes what `write` writes to `path` as [`write_file`] does, through a
/// buffer: for reports too large to be made in memory first.
pub fn write_file_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), StoreError> {
    if crate::outputs::is_stdout(path) {
        let mut out = io::BufWriter::new(io::stdout().lock());
        return write(&mut out)
            .and_then(|()| out.flush())
            .map_err(|source| StoreError {
                action: "write to",
                path: path.to_path_buf(),
                source,
            });
    }
    let dir = crate::outputs::folder_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.json".into());
    std::fs::create_dir_all(dir).map_err(|source| StoreError {
        action: "create the folder",
        path: dir.to_path_buf(),
        source,
    })?;
    let _ = crate::store::remove_leftovers_named(dir, &name);
    write_atomic_with(dir, &name, false, write).map(|_| ())
}
