//! The callbacks `origami train` adds to `fit`: early stopping, reduce on
//! plateau and best-weights checkpoints that can be *resumed* (their state
//! is rebuilt by replaying the saved history), a per-epoch checkpoint of the
//! whole run, and `--stop-after`.
//!
//! The library's callbacks keep their state private; a resumed run must
//! continue with the same patience counters and best values as an
//! uninterrupted one, so these keep theirs where `replay` can rebuild it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use origami::io::save_params;
use origami::nn::RngStream;
use origami::optim::{PlateauConfig, ReduceLrOnPlateau};
use origami::saving::{rng_states, save_checkpoint, Checkpoint, Progress};
use origami::spec::ModelFile;
use origami::train::callbacks::{Mode, Monitor};
use origami::train::{Callback, Control, EpochLog, History};
use origami::{Error, Result};

/// The best value of a logged quantity and its epoch, by the library's rule
/// (Keras's: larger is better for accuracy, R² and the like).
pub fn best(name: &str, min_delta: f64) -> Monitor {
    Monitor::new(name, Mode::Auto, min_delta)
}

/// Early stopping with resumable state; the best weights go to `best_path`.
pub struct EarlyStop {
    pub best: Monitor,
    pub patience: usize,
    pub wait: usize,
    pub restore: bool,
    best_weights: Option<Vec<Vec<f32>>>,
    pub best_path: PathBuf,
    /// Set by `--stop-after`: do not restore the best weights on an interruption.
    pub interrupted: Arc<AtomicBool>,
}

impl EarlyStop {
    pub fn new(monitor: &str, patience: usize, min_delta: f64, restore: bool, best_path: PathBuf) -> Self {
        EarlyStop {
            best: best(monitor, min_delta),
            patience,
            wait: 0,
            restore,
            best_weights: None,
            best_path,
            interrupted: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Rebuilds the counters from the epochs already run.
    pub fn replay(&mut self, h: &History) -> Result<()> {
        for log in &h.epochs {
            if self.best.update("callbacks", log)? {
                self.wait = 0;
            } else {
                self.wait += 1;
            }
        }
        if self.restore && self.best_path.is_file() {
            let t = origami::io::load_tensors(&self.best_path)?;
            self.best_weights = Some(t.into_iter().map(|(_, t)| t.to_vec()).collect());
        }
        Ok(())
    }
}

impl Callback for EarlyStop {
    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        if self.best.update("callbacks", log)? {
            self.wait = 0;
            if self.restore {
                self.best_weights = Some(ctl.snapshot());
                save_params(&self.best_path, ctl.params)?;
            }
        } else {
            self.wait += 1;
            if self.wait >= self.patience {
                ctl.stop_training(format!(
                    "early stopping at epoch {}: {} has not improved for {} epochs (best {:.6} at epoch {})",
                    log.epoch + 1,
                    self.best.name,
                    self.wait,
                    self.best.best.unwrap_or(f64::NAN),
                    self.best.best_epoch.map_or("none".into(), |e| (e + 1).to_string())
                ));
            }
        }
        Ok(())
    }

    fn on_train_end(&mut self, _h: &History, ctl: &mut Control) -> Result<()> {
        if self.restore && !self.interrupted.load(Ordering::Relaxed) {
            if let Some(w) = &self.best_weights {
                ctl.restore(w)?;
            }
        }
        Ok(())
    }
}

/// Reduce-on-plateau with resumable state.
pub struct Plateau {
    pub monitor: String,
    inner: ReduceLrOnPlateau,
}

impl Plateau {
    pub fn new(monitor: &str, config: PlateauConfig) -> Result<Self> {
        Ok(Plateau { monitor: monitor.into(), inner: ReduceLrOnPlateau::new(config)? })
    }

    /// Feeds the epochs already run (the rate itself is in the optimizer state).
    pub fn replay(&mut self, h: &History) {
        for log in &h.epochs {
            if let (Some(v), Some(lr)) = (log.get(&self.monitor), log.get("lr")) {
                self.inner.update(v as f32, lr as f32);
            }
        }
    }
}

impl Callback for Plateau {
    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        let v = log.get(&self.monitor).ok_or_else(|| Error::Training {
            msg: format!("reduce_lr_on_plateau monitors {:?}, which is not logged", self.monitor),
        })?;
        let lr = self.inner.update(v as f32, ctl.learning_rate());
        ctl.set_learning_rate(lr);
        Ok(())
    }
}

/// Saves `best.safetensors` when the monitored value improves (or every epoch).
pub struct BestCheckpoint {
    pub best: Monitor,
    pub save_best_only: bool,
    pub path: PathBuf,
}

impl BestCheckpoint {
    pub fn replay(&mut self, h: &History) -> Result<()> {
        for log in &h.epochs {
            self.best.update("callbacks", log)?;
        }
        Ok(())
    }
}

impl Callback for BestCheckpoint {
    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        if self.best.update("callbacks", log)? || !self.save_best_only {
            save_params(&self.path, ctl.params)?;
        }
        Ok(())
    }
}

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
            ctl.stop_training(format!("stopped after epoch {} (--stop-after); continue with --resume", log.epoch + 1));
        }
        Ok(())
    }
}
