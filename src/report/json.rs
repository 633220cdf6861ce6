//! The report as JSON, written atomically so a reader never sees half of it.

use std::path::Path;

use crate::record::Report;
use crate::store::StoreError;

/// Writes `report` to `path` as pretty-printed JSON.
pub fn write(report: &Report, path: &Path) -> Result<(), StoreError> {
    let text = serde_json::to_vec_pretty(report).expect("a report always serialises");
    super::write_file(path, &text)
}
