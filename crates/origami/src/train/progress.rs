//! The progress display of `fit`: a bar per epoch on a terminal (loss so far,
//! ETA), then one summary line per epoch (loss, metrics, samples/s). Plain
//! lines only when stderr is not a terminal; nothing when silent.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use super::callbacks::{Callback, Control};
use super::history::{EpochLog, History};
use super::model::Verbosity;
use crate::Result;

pub(crate) struct Progress {
    verbosity: Verbosity,
    epochs: usize,
    steps: usize,
    samples: usize,
    bar: Option<ProgressBar>,
    loss_sum: f64,
    seen: usize,
    /// Callback events already printed.
    printed: usize,
}

impl Progress {
    pub fn new(verbosity: Verbosity, epochs: usize, steps: usize, samples: usize) -> Self {
        let verbosity = match verbosity {
            Verbosity::Progress if !std::io::stderr().is_terminal() => Verbosity::Lines,
            v => v,
        };
        Progress { verbosity, epochs, steps, samples, bar: None, loss_sum: 0.0, seen: 0, printed: 0 }
    }

    /// Prints the callbacks' events not printed yet, each once.
    fn print_events(&mut self, ctl: &Control) {
        for e in &ctl.events[self.printed.min(ctl.events.len())..] {
            if self.verbosity != Verbosity::Silent {
                eprintln!("{e}");
            }
        }
        self.printed = ctl.events.len();
    }
}

impl Callback for Progress {
    fn on_epoch_begin(&mut self, epoch: usize, _ctl: &mut Control) -> Result<()> {
        self.loss_sum = 0.0;
        self.seen = 0;
        if self.verbosity == Verbosity::Progress {
            let bar = ProgressBar::new(self.steps as u64);
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(format!("Epoch {}/{}", epoch + 1, self.epochs));
            self.bar = Some(bar);
        }
        Ok(())
    }

    fn on_batch_end(&mut self, _epoch: usize, step: usize, loss: f32, _ctl: &mut Control) -> Result<()> {
        self.loss_sum += loss as f64;
        self.seen += 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if step % 10 == 0 {
                bar.set_message(format!("loss {:.4}", self.loss_sum / self.seen as f64));
            }
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.verbosity == Verbosity::Silent {
            self.printed = ctl.events.len();
            return Ok(());
        }
        let secs = log.get("time_s").unwrap_or(0.0);
        let mut line = format!(
            "Epoch {}/{} - {secs:.1}s - {:.0} samples/s",
            log.epoch + 1,
            self.epochs,
            self.samples as f64 / secs.max(1e-9)
        );
        for (n, v) in &log.values {
            if n != "time_s" {
                line.push_str(&format!(" - {n}: {v:.4}"));
            }
        }
        eprintln!("{line}");
        self.print_events(ctl);
        Ok(())
    }

    /// Prints why training stopped early (early stopping, an interruption),
    /// once. A run that diverged is the caller's error to report
    /// ([`History::diverged`]), with the reason in it: printed here too, it
    /// would show twice.
    fn on_train_end(&mut self, history: &History, ctl: &mut Control) -> Result<()> {
        if self.verbosity != Verbosity::Silent && !history.diverged {
            if let Some(r) = &history.stop_reason {
                eprintln!("{r}");
            }
        }
        self.print_events(ctl);
        Ok(())
    }
}
