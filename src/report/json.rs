//! The report as JSON, written atomically so a reader never sees half of it,
//! and as it is made: the books' records are read back from their spool one
//! at a time, so writing the report of many books takes little memory.

use std::path::Path;

use crate::record::Report;
use crate::store::StoreError;

/// Writes `report` to `path` as pretty-printed JSON (an error when the
/// books' records cannot be read back).
pub fn write(report: &Report, path: &Path) -> Result<(), StoreError> {
    super::write_file_with(path, |out| {
        serde_json::to_writer_pretty(out, report).map_err(std::io::Error::other)
    })
}
