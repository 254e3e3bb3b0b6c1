//! The two callbacks only `origami train` needs: a per-epoch checkpoint of
//! the whole run directory, and `--stop-after`. Early stopping, reduce on
//! plateau and best-weights checkpoints are the library's own; `fit` replays
//! a resumed run's history into them (`FitConfig::prior_history`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use origami::nn::RngStream;
use origami::saving::{rng_states, save_checkpoint, Checkpoint, Progress};
use origami::spec::ModelFile;
use origami::train::{Callback, Control, EpochLog, History};
use origami::Result;

/// Writes the run's checkpoint after every epoch, so that it can be resumed.
pub struct RunCheckpoint {
    pub dir: PathBuf,
    pub file: ModelFile,
    /// Epochs before this process (resumed runs) plus those run since.
    pub history: History,
    /// The network's random streams (Dropout's masks), saved with the progress.
    pub streams: Vec<RngStream>,
}

impl Callback for RunCheckpoint {
    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        // never replace the last good checkpoint by weights that diverged
        if let Some(p) = ctl.params.iter().find(|p| p.value.to_vec().iter().any(|v| !v.is_finite())) {
            ctl.stop_training(format!("the weights became non-finite ({}) in epoch {}", p.name, log.epoch + 1));
            ctl.diverged = true;
            return Ok(());
        }
        self.history.epochs.push(log.clone());
        let ckpt = Checkpoint {
            progress: Progress {
                epochs_completed: log.epoch + 1,
                rng_streams: rng_states(&self.streams),
                ..Default::default()
            },
            optimizer: ctl.optimizer_state(),
            history: self.history.clone(),
        };
        save_checkpoint(&self.dir, &self.file, ctl.params, &ckpt)
    }
}

/// `--stop-after N`: ends this process's training after epoch N (counting
/// from 1 over the whole run), leaving a checkpoint to resume.
pub struct StopAfter {
    pub epochs: usize,
    pub stopped: Arc<AtomicBool>,
}

impl Callback for StopAfter {
    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        if log.epoch + 1 >= self.epochs && !ctl.stop {
            self.stopped.store(true, Ordering::Relaxed);
            ctl.interrupt(format!("stopped after epoch {} (--stop-after)", log.epoch + 1));
        }
        Ok(())
    }
}
