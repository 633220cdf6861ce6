//! The per-book steps every mode runs: download one book, save one, decode
//! one, run one processing stage on one, and with `--emit` make its files
//! (`render`, CPU work) and write them (`emit`, disk work). Each step records its span and
//! leaves its outcome in the book's [`Slot`]; the modes differ only in which
//! thread runs which step when.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::timing::Recorder;
use crate::book::BookRequest;
use crate::decode::decode_owned;
use crate::emit::{Emit, OutputFile};
use crate::fetch::{Fetched, Fetcher};
use crate::gutenberg::Metadata;
use crate::report::{BookReport, Status};
use crate::stages::{AnyTotals, Document, DynStage, TokenizeTotals};
use crate::store::{Store, StoreError};

/// A book on its way through the stages.
pub(super) struct Slot {
    pub request: BookRequest,
    pub url: Option<String>,
    pub fetched: Option<Fetched>,
    pub path: Option<PathBuf>,
    pub bytes: Option<u64>,
    pub doc: Option<Document>,
    pub encoding: Option<String>,
    pub results: BTreeMap<String, Value>,
    pub warnings: Vec<String>,
    /// What the book's header says (kept when the text is dropped).
    pub metadata: Metadata,
    /// The `--emit` files, between rendering and writing.
    pub outputs: Vec<OutputFile>,
    pub failure: Option<(String, String)>,
    /// Download attempts repeated for this book.
    pub retries: u32,
    /// Already saved and matching the manifest: not downloaded nor saved again.
    pub resumed: bool,
}

impl Slot {
    pub fn new(request: &BookRequest) -> Slot {
        Slot {
            request: request.clone(),
            url: None,
            fetched: None,
            path: None,
            bytes: None,
            doc: None,
            encoding: None,
            results: BTreeMap::new(),
            warnings: Vec::new(),
            metadata: Metadata::default(),
            outputs: Vec::new(),
            failure: None,
            retries: 0,
            resumed: false,
        }
    }

    pub fn alive(&self) -> bool {
        self.failure.is_none()
    }

    fn fail(&mut self, stage: &str, error: impl ToString) {
        self.failure = Some((stage.to_string(), error.to_string()));
        self.fetched = None;
        self.drop_text();
    }

    /// Frees the book's text once no stage needs it, keeping its warnings
    /// and metadata.
    pub fn drop_text(&mut self) {
        if let Some(doc) = self.doc.take() {
            self.warnings.extend(doc.warnings);
            self.metadata = doc.metadata;
        }
    }

    /// The book's line in the report.
    pub fn into_report(mut self) -> BookReport {
        self.drop_text();
        let (failed_stage, error) = match self.failure {
            Some((stage, error)) => (Some(stage), Some(error)),
            None => (None, None),
        };
        BookReport {
            index: self.request.index,
            id: self.request.id,
            status: if error.is_some() {
                Status::Failed
            } else {
                Status::Ok
            },
            url: self.url,
            path: self.path.map(|p| p.display().to_string()),
            bytes: self.bytes,
            encoding: self.encoding,
            metadata: self.metadata,
            failed_stage,
            error,
            retries: self.retries,
            resumed: self.resumed,
            results: self.results,
            warnings: self.warnings,
        }
    }
}

/// What the steps need: where books come from and go, and the recorder.
pub(super) struct Steps<'a> {
    pub fetcher: &'a Fetcher,
    pub store: &'a Store,
    pub recorder: &'a Recorder<'a>,
}

impl Steps<'_> {
    /// Downloads one book (or finds it already saved, on resume); a failure
    /// fails the book.
    pub fn download(&self, pool: &'static str, slot: &mut Slot) {
        if let Some(resumed) = self.store.resume(slot.request.id) {
            slot.resumed = true;
            slot.url = Some(resumed.entry.url.clone());
            slot.path = Some(resumed.path.clone());
            slot.bytes = Some(resumed.entry.bytes);
            slot.fetched = Some(resumed.into_fetched());
            return;
        }
        let result = self
            .recorder
            .task("download", pool, slot.request.index, || {
                let r = self.fetcher.fetch(&slot.request);
                let n = r.as_ref().map_or(0, |f| f.bytes.len() as u64);
                (r, n)
            });
        match result {
            Ok(fetched) => {
                slot.url = Some(fetched.url.clone());
                slot.retries = fetched.retries;
                slot.fetched = Some(fetched);
            }
            Err(e) => {
                slot.url = e.url().map(str::to_string);
                slot.retries = e.retries();
                slot.fail("download", e);
            }
        }
    }

    /// Saves one downloaded book (nothing to do for a failed or resumed
    /// one) and records it in the manifest. A refused write fails the book
    /// and is returned: every later book would fail the same way, so the
    /// caller stops the run.
    pub fn save(&self, pool: &'static str, slot: &mut Slot) -> Result<(), StoreError> {
        let Some(fetched) = slot.fetched.as_ref().filter(|_| !slot.resumed) else {
            return Ok(());
        };
        let size = fetched.bytes.len() as u64;
        let result = self.recorder.task("save", pool, slot.request.index, || {
            (self.store.save_book(slot.request.id, fetched), size)
        });
        match result {
            Ok(path) => {
                slot.bytes = Some(size);
                slot.path = Some(path);
                Ok(())
            }
            Err(e) => {
                slot.fail("save", &e);
                Err(e)
            }
        }
    }

    /// Turns one saved book's bytes into text, freeing the bytes.
    pub fn decode(&self, pool: &'static str, slot: &mut Slot) {
        let Some(fetched) = slot.fetched.take() else {
            return;
        };
        let doc = self.recorder.task("decode", pool, slot.request.index, || {
            let size = fetched.bytes.len() as u64;
            let d = decode_owned(fetched.bytes, fetched.charset.as_deref());
            let mut doc = Document::new(slot.request.id, d.text, d.encoding);
            doc.warnings = d.warnings;
            (Ok::<_, ()>(doc), size)
        });
        if let Ok(doc) = doc {
            slot.encoding = Some(doc.encoding.to_string());
            slot.doc = Some(doc);
        }
    }

    /// Runs one processing stage on one decoded book, adding its result to
    /// `totals`; a failure fails the book.
    pub fn process(
        &self,
        pool: &'static str,
        stage: &dyn DynStage,
        slot: &mut Slot,
        totals: &mut AnyTotals,
    ) {
        let Some(doc) = slot.doc.as_mut() else { return };
        let name = stage.name();
        let bytes = doc.text.len() as u64;
        match self.recorder.task(name, pool, slot.request.index, || {
            (stage.run(doc, totals), bytes)
        }) {
            Ok(value) => {
                slot.results.insert(name.to_string(), value);
            }
            Err(e) => slot.fail(name, e),
        }
    }

    /// Makes one processed book's `--emit` files (CPU work), adding its word
    /// counts to `corpus` when the counts are asked for.
    pub fn render(
        &self,
        pool: &'static str,
        emit: &Emit,
        slot: &mut Slot,
        corpus: &mut TokenizeTotals,
    ) {
        let Some(doc) = slot.doc.as_mut() else { return };
        let bytes = doc.text.len() as u64;
        let files = self.recorder.task("render", pool, slot.request.index, || {
            (Ok::<_, ()>(emit.render(doc, corpus)), bytes)
        });
        slot.outputs = files.unwrap_or_default();
    }

    /// Writes one book's rendered `--emit` files (nothing to do without any).
    /// A refused write is returned: the caller stops the run, as for a save.
    pub fn emit(&self, pool: &'static str, emit: &Emit, slot: &mut Slot) -> Result<(), StoreError> {
        let files = std::mem::take(&mut slot.outputs);
        if files.is_empty() {
            return Ok(());
        }
        let size = files.iter().map(|f| f.bytes.len() as u64).sum();
        self.recorder
            .task("emit", pool, slot.request.index, || {
                (emit.write(self.store.dir(), &files), size)
            })
            .map(|_| ())
    }
}
