//! Progress bars while a run is going: one per stage, with books done of
//! the total, bytes, rate and time left. Drawn on standard error only when
//! it is a terminal and `--quiet` is not given, so logs and CI stay free of
//! escape codes; each bar stretches to fill the terminal's width, and the
//! bars are cleared when the run ends.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use gutenpipe::experiment::RunProgress;
use gutenpipe::pipeline::TaskObserver;
use gutenpipe::record::Span;
use gutenpipe::units::format_bytes;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar per stage of a run.
pub struct Progress {
    multi: MultiProgress,
    bars: Vec<StageBar>,
}

struct StageBar {
    stage: String,
    bar: ProgressBar,
    /// Bytes done, and the stage's first start and last end (seconds into
    /// the run) for its rate.
    tally: Mutex<(u64, f64, f64)>,
}

impl Progress {
    /// Bars for `stages` over `books` books, or `None` when they should not
    /// be drawn (`quiet`, or standard error is not a terminal).
    pub fn start(stages: &[&str], books: usize, quiet: bool) -> Option<Progress> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        let style = ProgressStyle::with_template(
            "{prefix:>9} [{wide_bar:.cyan/blue}] {pos:>5}/{len:<5} {msg:<22} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let width = 9;
        let bars = stages
            .iter()
            .map(|stage| {
                let bar = multi.add(ProgressBar::new(books as u64));
                bar.set_style(style.clone());
                bar.set_prefix(format!("{stage:>width$}"));
                bar.enable_steady_tick(Duration::from_millis(250));
                StageBar {
                    stage: stage.to_string(),
                    bar,
                    tally: Mutex::new((0, f64::INFINITY, 0.0)),
                }
            })
            .collect();
        Some(Progress { multi, bars })
    }
}

impl RunProgress for Progress {
    /// Removes the bars from the terminal.
    fn finish(self: Box<Self>) {
        for b in &self.bars {
            b.bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }

    fn as_observer(&self) -> &dyn TaskObserver {
        self
    }
}

impl TaskObserver for Progress {
    fn task_done(&self, span: &Span) {
        let Some(b) = self.bars.iter().find(|b| b.stage == span.stage) else {
            return;
        };
        let Ok(mut tally) = b.tally.lock() else {
            return;
        };
        tally.0 += span.bytes;
        tally.1 = tally.1.min(span.start);
        tally.2 = tally.2.max(span.end);
        let elapsed = tally.2 - tally.1;
        let rate = if elapsed > 0.0 {
            format!("{}/s", format_bytes((tally.0 as f64 / elapsed) as u64))
        } else {
            String::new()
        };
        b.bar
            .set_message(format!("{} {rate}", format_bytes(tally.0)));
        b.bar.inc(1);
    }
}
