//! The table `gutenpipe cache` prints: what the cache folder holds, with
//! sizes and ages, and the total of what is gutenpipe's.

use std::time::SystemTime;

use super::table::{Align, render_aligned};
use crate::cache::{Entry, Kind};
use crate::units::{format_age, format_bytes};

/// The entries as a table: kind, size, age, name (relative to the folder).
pub fn table(entries: &[Entry], root: &std::path::Path) -> String {
    let now = SystemTime::now();
    let mut rows = vec![
        ["kind", "size", "changed", "name"]
            .map(String::from)
            .to_vec(),
    ];
    for e in entries {
        let age = e
            .modified
            .and_then(|m| now.duration_since(m).ok())
            .map_or("?".to_string(), |d| format!("{} ago", format_age(d)));
        let name = e.path.strip_prefix(root).unwrap_or(&e.path);
        rows.push(vec![
            match e.kind {
                Kind::Other => "other (not gutenpipe's)".to_string(),
                k => k.name().to_string(),
            },
            format_bytes(e.bytes),
            age,
            name.display().to_string(),
        ]);
    }
    let ours: u64 = entries
        .iter()
        .filter(|e| e.kind != Kind::Other)
        .map(|e| e.bytes)
        .sum();
    rows.push(vec![
        "total".into(),
        format_bytes(ours),
        String::new(),
        String::new(),
    ]);
    render_aligned(
        &rows,
        &[Align::Left, Align::Right, Align::Right, Align::Left],
    )
}
