//! The steps every book goes through, as one table: download (download
//! pool), save (save pool), decode (rayon pool), each processing stage (on
//! the pool it asks for), and with `--emit` render (rayon pool) and emit
//! (save pool). Both schedulers (`batch`, `streamed`), the progress bars,
//! the report's rows and the pictures' colours follow this table, so a new
//! stage needs nothing but its registration.
//!
//! Each step records its span and leaves its outcome in the book's
//! [`Slot`]; the modes differ only in which thread runs which step when.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::obtain::{Obtained, obtain};
use super::timing::Recorder;
use super::{PipelineConfig, PipelineError};
use crate::book::BookRequest;
use crate::decode::decode_owned;
use crate::emit::{Emit, EmitKind, OutputFile};
use crate::fetch::{Fetched, Fetcher};
use crate::gutenberg::Metadata;
use crate::record::{BookReport, Refreshed, Status};
use crate::stages::{
    AnyTotals, Document, DynStage, SharedStage, StageError, StagePool, TokenizeTotals,
};
use crate::store::{Store, StoreError};

/// The pool a step runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pool {
    /// Downloading: threads that wait on the network.
    Download,
    /// Saving and other disk or network work: threads that wait.
    Save,
    /// The rayon pool: threads that compute.
    Cpu,
}

impl Pool {
    /// The pool's name in reports and thread names.
    pub fn name(self) -> &'static str {
        match self {
            Pool::Download => "download",
            Pool::Save => "save",
            Pool::Cpu => "rayon",
        }
    }
}

/// One row of the table of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepInfo {
    /// The step's name in the tables (`download`, `tokenize`).
    pub name: &'static str,
    /// The pool it runs on.
    pub pool: Pool,
    /// The step's colour in the pictures, when it has one of its own.
    pub colour: Option<&'static str>,
}

/// What a step does.
pub(super) enum Work {
    Download,
    Save,
    Decode,
    Stage(SharedStage),
    Render,
    Emit,
}

/// A step: its row of the table and its work.
pub(super) struct Step {
    pub info: StepInfo,
    pub work: Work,
}

/// Every step of a run, in order.
pub(super) struct Plan {
    pub steps: Vec<Step>,
    /// The step after which no step reads a book's text, which is then freed.
    pub last_text: usize,
    /// The step after which a book's bytes are on disk: where a scheduler
    /// that makes books wait between steps frees them (see [`Steps::read_back`]).
    pub saved: usize,
}

impl Plan {
    pub fn new(config: &PipelineConfig) -> Plan {
        let step = |name, pool, colour, work| Step {
            info: StepInfo { name, pool, colour },
            work,
        };
        let mut steps = vec![
            step("download", Pool::Download, Some("#4e79a7"), Work::Download),
            step("save", Pool::Save, Some("#f28e2b"), Work::Save),
            step("decode", Pool::Cpu, Some("#59a14f"), Work::Decode),
        ];
        for stage in &config.stages {
            let pool = match stage.pool() {
                StagePool::Cpu => Pool::Cpu,
                StagePool::Io => Pool::Save,
            };
            steps.push(step(
                stage.name(),
                pool,
                stage.colour(),
                Work::Stage(stage.clone()),
            ));
        }
        if !config.emit.is_empty() {
            steps.push(step("render", Pool::Cpu, Some("#ff9da7"), Work::Render));
            steps.push(step("emit", Pool::Save, Some("#9c755f"), Work::Emit));
        }
        let last_text = steps
            .iter()
            .rposition(|s| matches!(s.work, Work::Decode | Work::Stage(_) | Work::Render))
            .unwrap_or(0);
        let saved = steps
            .iter()
            .position(|s| matches!(s.work, Work::Save))
            .unwrap_or(0);
        Plan {
            steps,
            last_text,
            saved,
        }
    }

    /// Whether step `k` may run now: after Ctrl-C only downloading (which
    /// then starts nothing new) and saving go on, so that every book
    /// downloaded is saved and recorded.
    pub fn may_run(&self, k: usize) -> bool {
        !crate::interrupt::requested() || matches!(self.steps[k].work, Work::Download | Work::Save)
    }

    /// Fresh totals for every step.
    pub fn new_totals(&self) -> Vec<AnyTotals> {
        self.steps.iter().map(Step::new_totals).collect()
    }

    /// Runs step `k` on one book; frees the text after the last step that
    /// reads it, and with [`Steps::read_back`] the bytes once they are
    /// saved. An error stops the run.
    pub fn run_step(
        &self,
        k: usize,
        ctx: &Steps,
        pool: &'static str,
        slot: &mut Slot,
        totals: &mut AnyTotals,
    ) -> Result<(), PipelineError> {
        let result = self.steps[k].run(ctx, pool, slot, totals);
        if k == self.last_text {
            slot.drop_text();
        }
        if k == self.saved && ctx.read_back {
            slot.drop_saved_bytes();
        }
        result
    }
}

impl Step {
    /// What the step's corpus totals start from.
    pub fn new_totals(&self) -> AnyTotals {
        match &self.work {
            Work::Stage(stage) => stage.new_totals(),
            Work::Render => Box::new(TokenizeTotals::default()),
            _ => Box::new(()),
        }
    }

    /// Adds totals gathered on another thread.
    pub fn merge(&self, totals: &mut AnyTotals, other: AnyTotals) {
        match &self.work {
            Work::Stage(stage) => stage.merge(totals, other),
            Work::Render => {
                if let (Some(a), Ok(b)) = (
                    totals.downcast_mut::<TokenizeTotals>(),
                    other.downcast::<TokenizeTotals>(),
                ) {
                    a.absorb(*b);
                }
            }
            _ => {}
        }
    }

    /// Runs the step on one live book (nothing for a failed one). A failure
    /// of the book is left in its slot; a refused write stops the run.
    fn run(
        &self,
        ctx: &Steps,
        pool: &'static str,
        slot: &mut Slot,
        totals: &mut AnyTotals,
    ) -> Result<(), PipelineError> {
        if !slot.alive() {
            return Ok(());
        }
        match &self.work {
            Work::Download => ctx.download(pool, slot),
            Work::Save => return ctx.save(pool, slot).map_err(PipelineError::Save),
            Work::Decode => ctx.decode(pool, slot),
            Work::Stage(stage) => ctx.process(pool, stage.as_ref(), slot, totals),
            Work::Render => {
                if let Some(counts) = totals.downcast_mut::<TokenizeTotals>() {
                    ctx.render(pool, slot, counts);
                }
            }
            Work::Emit => return ctx.emit(pool, slot).map_err(PipelineError::Emit),
        }
        Ok(())
    }
}

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
    /// What `--refresh` found of a book already saved.
    pub refreshed: Option<Refreshed>,
    /// Why the body may not be the book, if it may not.
    pub suspect: Option<String>,
    /// The bytes were freed once saved: the decode step reads them back
    /// from `path`.
    pub on_disk: bool,
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
            refreshed: None,
            suspect: None,
            on_disk: false,
        }
    }

    pub fn alive(&self) -> bool {
        self.failure.is_none()
    }

    /// Marks a book the run stopped before starting.
    pub fn not_started(&mut self) {
        self.fail("download", "not started: the run stopped before its turn");
    }

    fn fail(&mut self, stage: &str, error: impl ToString) {
        self.failure = Some((stage.to_string(), error.to_string()));
        self.fetched = None;
        self.drop_text();
    }

    /// Frees the bytes of a book saved (or found saved) at `path`, keeping
    /// what the server said of them; the decode step reads them back.
    pub fn drop_saved_bytes(&mut self) {
        if let (Some(fetched), Some(_)) = (self.fetched.as_mut(), &self.path) {
            fetched.bytes = Vec::new();
            self.on_disk = true;
        }
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
            status: match (&error, &self.suspect) {
                (Some(_), _) => Status::Failed,
                (None, Some(_)) => Status::Suspect,
                (None, None) => Status::Ok,
            },
            url: self.url,
            path: self.path.map(|p| p.display().to_string()),
            bytes: self.bytes,
            encoding: self.encoding,
            metadata: self.metadata,
            failed_stage,
            error,
            suspect: self.suspect,
            retries: self.retries,
            resumed: self.resumed,
            refreshed: self.refreshed,
            results: self.results,
            warnings: self.warnings,
        }
    }
}

/// What the steps need: where books come from and go, what `--emit`
/// writes, the recorder, and whether books wait on disk.
pub(super) struct Steps<'a> {
    pub fetcher: &'a Fetcher,
    pub store: &'a Store,
    pub emit: &'a Emit,
    pub recorder: &'a Recorder<'a>,
    /// Books wait between steps (sequential and staged modes): their bytes
    /// are freed once saved, and the decode step reads the saved file back,
    /// that reading being part of its time.
    pub read_back: bool,
    /// Whether a long book's words may be counted in pieces on the rayon
    /// pool ([`Document::count_in_pieces`]): not in streamed mode, whose
    /// CPU workers each serve books of their own.
    pub count_in_pieces: bool,
}

impl Steps<'_> {
    /// Downloads one book (or finds it already saved, on resume, having
    /// asked its source with `--refresh`); a failure fails the book.
    pub fn download(&self, pool: &'static str, slot: &mut Slot) {
        // Interrupted: no new download starts.
        if crate::interrupt::requested() {
            slot.fail("download", "not downloaded: the run was interrupted");
            return;
        }
        let result = self
            .recorder
            .task("download", pool, slot.request.index, || {
                let r = obtain(self.fetcher, self.store, &slot.request);
                let n = r.as_ref().map_or(0, Obtained::len);
                (r, n)
            });
        match result {
            Ok(Obtained::Resumed(resumed, refreshed)) => {
                slot.resumed = true;
                slot.refreshed = refreshed;
                slot.url = Some(resumed.entry.url.clone());
                slot.path = Some(resumed.path.clone());
                slot.bytes = Some(resumed.entry.bytes);
                slot.fetched = Some(resumed.into_fetched());
            }
            Ok(Obtained::Fetched(fetched, refreshed)) => {
                slot.refreshed = refreshed;
                slot.url = Some(fetched.url.clone());
                slot.retries = fetched.retries;
                slot.suspect = fetched.suspect.clone();
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
            // Something that is not a regular file holds the book's name:
            // that book fails, the others are saved.
            Err(e) if e.is_refused_name() => {
                slot.fail("save", &e);
                Ok(())
            }
            Err(e) => {
                slot.fail("save", &e);
                Err(e)
            }
        }
    }

    /// Turns one saved book's bytes into text, freeing the bytes; when they
    /// were freed once saved, reads them back from the saved file first (a
    /// file that cannot be read, or whose size changed, fails the book).
    pub fn decode(&self, pool: &'static str, slot: &mut Slot) {
        let Some(fetched) = slot.fetched.take() else {
            return;
        };
        let saved = slot.path.as_deref().filter(|_| slot.on_disk);
        let expected = slot.bytes;
        let keep_raw = self.emit.wants(EmitKind::Raw);
        let doc = self.recorder.task("decode", pool, slot.request.index, || {
            let bytes = match saved {
                Some(path) => match read_back(path, expected) {
                    Ok(bytes) => bytes,
                    Err(e) => return (Err(e), 0),
                },
                None => fetched.bytes,
            };
            let size = bytes.len() as u64;
            let d = decode_owned(bytes, fetched.charset.as_deref());
            let mut doc = Document::new(slot.request.id, d.text, d.encoding);
            doc.count_in_pieces = self.count_in_pieces;
            if keep_raw {
                doc.raw = Some(doc.text.clone());
            }
            doc.warnings = d.warnings;
            (Ok(doc), size)
        });
        match doc {
            Ok(doc) => {
                slot.encoding = Some(doc.encoding.to_string());
                slot.doc = Some(doc);
            }
            Err(e) => slot.fail("decode", e),
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
            // A stage that panics fails its book, not the run.
            let result = catch_unwind(AssertUnwindSafe(|| stage.run(doc, totals)))
                .unwrap_or_else(|panic| Err(StageError(panic_message(&*panic))));
            (result, bytes)
        }) {
            Ok(value) => {
                slot.results.insert(name.to_string(), value);
            }
            Err(e) => slot.fail(name, e),
        }
    }

    /// Makes one processed book's `--emit` files (CPU work), adding its word
    /// counts to `corpus` when the counts are asked for.
    pub fn render(&self, pool: &'static str, slot: &mut Slot, corpus: &mut TokenizeTotals) {
        let emit = self.emit;
        let Some(doc) = slot.doc.as_mut() else { return };
        let bytes = doc.text.len() as u64;
        let files = self.recorder.task("render", pool, slot.request.index, || {
            (Ok::<_, ()>(emit.render(doc, corpus)), bytes)
        });
        slot.outputs = files.unwrap_or_default();
    }

    /// Writes one book's rendered `--emit` files (nothing to do without any).
    /// A refused write is returned: the caller stops the run, as for a save.
    pub fn emit(&self, pool: &'static str, slot: &mut Slot) -> Result<(), StoreError> {
        let emit = self.emit;
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

/// The bytes of the book saved at `path`, read back; `expected` is the size
/// it was saved with.
fn read_back(path: &Path, expected: Option<u64>) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("could not read the saved file {} back: {e}", path.display()))?;
    match expected {
        Some(n) if n != bytes.len() as u64 => Err(format!(
            "the saved file {} changed during the run ({} bytes, {n} saved)",
            path.display(),
            bytes.len()
        )),
        _ => Ok(bytes),
    }
}

/// What a panic said, as a book's error.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("the stage panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_file_read_back_must_be_the_one_saved() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("84.txt");
        std::fs::write(&path, b"The book").unwrap();
        assert_eq!(read_back(&path, Some(8)).unwrap(), b"The book");
        let changed = read_back(&path, Some(9)).unwrap_err();
        assert!(
            changed.contains("changed during the run (8 bytes, 9 saved)")
                && changed.contains(&path.display().to_string()),
            "{changed}"
        );
        let gone = dir.path().join("85.txt");
        let missing = read_back(&gone, Some(1)).unwrap_err();
        assert!(
            missing.starts_with("could not read the saved file")
                && missing.contains(&gone.display().to_string()),
            "{missing}"
        );
    }
}
