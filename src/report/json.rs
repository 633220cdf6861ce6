//! The report as JSON, written atomically so a reader never sees half of it.

use std::path::Path;

use super::Report;
use crate::store::{StoreError, write_atomic};

/// Writes `report` to `path` as pretty-printed JSON.
pub fn write(report: &Report, path: &Path) -> Result<(), StoreError> {
    let text = serde_json::to_vec_pretty(report).expect("a report always serialises");
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.json".into());
    std::fs::create_dir_all(dir).map_err(|source| StoreError {
        action: "create the folder",
        path: dir.to_path_buf(),
        source,
    })?;
    write_atomic(dir, &name, &text, false).map(|_| ())
}
