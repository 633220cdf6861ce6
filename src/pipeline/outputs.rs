//! The `render` and `emit` stages of a run with `--emit` (see
//! [`crate::emit`]): each book's output files are made on the rayon pool,
//! like the other CPU work, then written on the save pool, like the books
//! themselves, each task timed like every other stage. A refused write stops
//! the run, as a refused save does.

use std::sync::Mutex;
use std::time::Instant;

use super::{IoPool, Pipeline, PipelineError, Pools, Recorder, Slot};
use crate::report::BookReport;
use crate::stages::TokenizeTotals;
use crate::store::StoreError;

impl Pipeline<'_> {
    /// Renders every live book's files (stage `render`); returns the corpus
    /// word counts (with `--emit counts`) and the stage's wall time.
    pub(super) fn render_outputs(
        &self,
        pools: &Pools,
        rec: &Recorder,
        slots: &mut [Slot],
    ) -> (TokenizeTotals, f64) {
        let emit = &self.config.emit;
        let pool = pools.label("rayon");
        let t = Instant::now();
        let totals = pools.cpu_fold(
            slots,
            || Box::new(TokenizeTotals::default()),
            |slot, totals| {
                let (Some(doc), Some(corpus)) =
                    (slot.doc.as_mut(), totals.downcast_mut::<TokenizeTotals>())
                else {
                    return;
                };
                let bytes = doc.text.len() as u64;
                let files = rec.task("render", pool, slot.request.index, || {
                    (Ok::<_, ()>(emit.render(doc, corpus)), bytes)
                });
                slot.outputs = files.unwrap_or_default();
            },
            |mut a, b| {
                if let (Some(a), Ok(b)) = (
                    a.downcast_mut::<TokenizeTotals>(),
                    b.downcast::<TokenizeTotals>(),
                ) {
                    a.absorb(*b);
                }
                a
            },
        );
        let totals = totals
            .downcast::<TokenizeTotals>()
            .map(|t| *t)
            .unwrap_or_default();
        (totals, t.elapsed().as_secs_f64())
    }

    /// Writes every rendered book's files (stage `emit`); returns the wall
    /// time. The first refused write stops the run.
    pub(super) fn emit_books(
        &self,
        pools: &Pools,
        rec: &Recorder,
        slots: &mut [Slot],
    ) -> Result<f64, PipelineError> {
        let emit = &self.config.emit;
        let out = self.store.dir();
        let pool = pools.label("save");
        let t = Instant::now();
        let refused: Mutex<Option<StoreError>> = Mutex::new(None);
        pools.io_each(IoPool::Save, slots, |slot| {
            let files = std::mem::take(&mut slot.outputs);
            if files.is_empty() || refused.lock().map_or(true, |e| e.is_some()) {
                return;
            }
            let size = files.iter().map(|f| f.bytes.len() as u64).sum();
            let result = rec.task("emit", pool, slot.request.index, || {
                (emit.write(out, &files), size)
            });
            if let Err(e) = result {
                if let Ok(mut first) = refused.lock() {
                    first.get_or_insert(e);
                }
            }
        });
        match refused.into_inner().ok().flatten() {
            Some(e) => Err(PipelineError::Emit(e)),
            None => Ok(t.elapsed().as_secs_f64()),
        }
    }

    /// Writes the corpus-level files (part of stage `emit`, counted in its
    /// wall time but not as a book); returns the time it took.
    pub(super) fn emit_corpus(
        &self,
        counts: &TokenizeTotals,
        books: &[BookReport],
    ) -> Result<f64, PipelineError> {
        let emit = &self.config.emit;
        let t = Instant::now();
        emit.write(self.store.dir(), &emit.corpus_files(counts, books))
            .map_err(PipelineError::Emit)?;
        Ok(t.elapsed().as_secs_f64())
    }
}
