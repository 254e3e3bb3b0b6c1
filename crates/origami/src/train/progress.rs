//! The progress display of `fit`: a bar per epoch on a terminal (loss so far,
//! ETA), then one summary line per epoch (loss, metrics, samples/s). Plain
//! lines only when stderr is not a terminal; nothing when silent. With
//! [`Verbosity::Summary`] (small tables, whose epochs take milliseconds)
//! one bar counts the epochs and one line sums up the run at its end.

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
    /// Summary: the last epoch's log and the seconds trained so far.
    last: Option<EpochLog>,
    started: Option<std::time::Instant>,
    terminal: bool,
}

impl Progress {
    pub fn new(verbosity: Verbosity, epochs: usize, steps: usize, samples: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let verbosity = match verbosity {
            Verbosity::Progress if !terminal => Verbosity::Lines,
            v => v,
        };
        Progress {
            verbosity,
            epochs,
            steps,
            samples,
            bar: None,
            loss_sum: 0.0,
            seen: 0,
            printed: 0,
            last: None,
            started: None,
            terminal,
        }
    }

    /// Prints the callbacks' events not printed yet, each once.
    fn print_events(&mut self, ctl: &Control) {
        for e in &ctl.events[self.printed.min(ctl.events.len())..] {
            match (&self.bar, self.verbosity) {
                (_, Verbosity::Silent) => {}
                (Some(bar), _) => bar.println(e),
                (None, _) => eprintln!("{e}"),
            }
        }
        self.printed = ctl.events.len();
    }
}

impl Callback for Progress {
    fn on_epoch_begin(&mut self, epoch: usize, _ctl: &mut Control) -> Result<()> {
        self.loss_sum = 0.0;
        self.seen = 0;
        if self.verbosity == Verbosity::Summary {
            self.started.get_or_insert_with(std::time::Instant::now);
            if self.bar.is_none() && self.terminal {
                let bar = ProgressBar::new(self.epochs.saturating_sub(epoch) as u64);
                let style = ProgressStyle::with_template("Training [{bar:30}] {pos}/{len} epochs {msg} ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
                bar.set_style(style);
                self.bar = Some(bar);
            }
            return Ok(());
        }
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
        if let (Some(bar), false) = (&self.bar, self.verbosity == Verbosity::Summary) {
            bar.inc(1);
            if step % 10 == 0 {
                bar.set_message(format!("loss {:.4}", self.loss_sum / self.seen as f64));
            }
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        if self.verbosity == Verbosity::Summary {
            if let Some(bar) = &self.bar {
                bar.inc(1);
                bar.set_message(values(log));
            }
            self.last = Some(log.clone());
            self.print_events(ctl);
            return Ok(());
        }
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
        line.push_str(&values(log));
        eprintln!("{line}");
        self.print_events(ctl);
        Ok(())
    }

    /// Prints why training stopped early (early stopping, an interruption),
    /// once. A run that diverged is the caller's error to report
    /// ([`History::diverged`]), with the reason in it: printed here too, it
    /// would show twice.
    fn on_train_end(&mut self, history: &History, ctl: &mut Control) -> Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let (Verbosity::Summary, Some(log)) = (self.verbosity, &self.last) {
            let n = history.epochs.len();
            eprintln!(
                "trained {n} epoch{} in {:.1}s - last epoch{}",
                if n == 1 { "" } else { "s" },
                self.started.map_or(0.0, |t| t.elapsed().as_secs_f64()),
                values(log)
            );
        }
        if self.verbosity != Verbosity::Silent && !history.diverged {
            if let Some(r) = &history.stop_reason {
                eprintln!("{r}");
            }
        }
        self.print_events(ctl);
        Ok(())
    }
}

/// ` - loss: 0.1234 - val_loss: …` of an epoch's log.
fn values(log: &EpochLog) -> String {
    log.values.iter().filter(|(n, _)| n != "time_s").map(|(n, v)| format!(" - {n}: {v:.4}")).collect()
}
