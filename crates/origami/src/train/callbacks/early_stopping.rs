use std::path::PathBuf;

use super::monitor::{Mode, Monitor};
use super::{Callback, Control};
use crate::train::history::{EpochLog, History};
use crate::Result;

/// Stops when the monitored value has not improved for `patience` epochs,
/// optionally restoring the weights of the best epoch.
///
/// Keras's rule for improvement and patience (`keras.callbacks.EarlyStopping`:
/// `min_delta`, `mode`, the wait counter reset on every improvement). One
/// difference, on purpose: Keras puts back the best weights only when it is
/// the one that stops training; origami puts them back whenever training
/// ends (all epochs run, or stopped by any callback) unless the run was
/// [interrupted](Control::interrupt) to be resumed. Epochs in messages count
/// from 1, as the progress lines do.
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    pub monitor: String,
    /// Smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    pub mode: Mode,
    /// Put back the best epoch's weights when training ends.
    pub restore_best_weights: bool,
    /// Where the best weights are also saved (safetensors, atomically) at
    /// every improvement, so that a resumed run can still restore them
    /// ([`Callback::replay`] reads them back). `None`: kept in memory only.
    pub best_weights_path: Option<PathBuf>,
    state: Option<State>,
}

#[derive(Clone, Debug)]
struct State {
    monitor: Monitor,
    wait: usize,
    best_weights: Option<Vec<(String, Vec<f32>)>>,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            mode: Mode::Auto,
            restore_best_weights: false,
            best_weights_path: None,
            state: None,
        }
    }
}

impl EarlyStopping {
    /// Stops after `patience` epochs without improvement of `monitor`.
    pub fn new(monitor: &str, patience: usize) -> Self {
        EarlyStopping { monitor: monitor.into(), patience, ..Default::default() }
    }

    /// Builder: put back the best epoch's weights when training ends.
    pub fn restore_best_weights(mut self) -> Self {
        self.restore_best_weights = true;
        self
    }

    /// Builder: also keep the best weights in this file (see [`best_weights_path`](Self::best_weights_path)).
    pub fn best_weights_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.best_weights_path = Some(path.into());
        self
    }

    /// Builder: the smallest change that counts as an improvement.
    pub fn min_delta(mut self, d: f64) -> Self {
        self.min_delta = d;
        self
    }

    /// Builder: whether smaller or larger is better.
    pub fn mode(mut self, m: Mode) -> Self {
        self.mode = m;
        self
    }

    /// The epoch with the best monitored value so far (counting from 0).
    pub fn best_epoch(&self) -> Option<usize> {
        self.state.as_ref().and_then(|s| s.monitor.best_epoch)
    }

    fn fresh(&self) -> State {
        State { monitor: Monitor::new(&self.monitor, self.mode, self.min_delta), wait: 0, best_weights: None }
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _ctl: &mut Control) -> Result<()> {
        self.state = Some(self.fresh());
        Ok(())
    }

    fn replay(&mut self, history: &History) -> Result<()> {
        let mut s = self.fresh();
        for log in &history.epochs {
            if s.monitor.update("EarlyStopping", log)? {
                s.wait = 0;
            } else {
                s.wait += 1;
            }
        }
        if let Some(path) = self.best_weights_path.as_ref().filter(|p| self.restore_best_weights && p.is_file()) {
            let saved = crate::io::load_tensors(path)?;
            s.best_weights = Some(saved.into_iter().map(|(n, t)| (n, t.to_vec())).collect());
        }
        self.state = Some(s);
        Ok(())
    }

    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        if self.state.is_none() {
            self.state = Some(self.fresh());
        }
        let s = self.state.as_mut().expect("set above");
        if s.monitor.update("EarlyStopping", log)? {
            s.wait = 0;
            if self.restore_best_weights {
                s.best_weights = Some(ctl.params.iter().map(|p| (p.name.clone(), p.value.to_vec())).collect());
                if let Some(path) = &self.best_weights_path {
                    crate::io::save_params(path, ctl.params)?;
                }
            }
        } else {
            s.wait += 1;
            if s.wait >= self.patience {
                ctl.stop_training(format!(
                    "early stopping at epoch {}: {} has not improved for {} epochs (best {:.6} at epoch {})",
                    log.epoch + 1,
                    s.monitor.name,
                    s.wait,
                    s.monitor.best.unwrap_or(f64::NAN),
                    s.monitor.best_epoch.map_or("none".into(), |e| (e + 1).to_string())
                ));
            }
        }
        Ok(())
    }

    fn on_train_end(&mut self, _h: &History, ctl: &mut Control) -> Result<()> {
        if ctl.interrupted {
            return Ok(());
        }
        let Some(s) = self.state.as_ref() else { return Ok(()) };
        let Some(best) = s.best_weights.as_ref() else { return Ok(()) };
        if let Some(e) = s.monitor.best_epoch {
            ctl.events.push(format!("Restoring model weights from the end of the best epoch: {}.", e + 1));
        }
        for p in ctl.params {
            let Some((_, v)) = best.iter().find(|(n, _)| *n == p.name) else {
                return Err(crate::Error::Training {
                    msg: format!("EarlyStopping: the best weights hold no parameter {:?}", p.name),
                });
            };
            p.value.assign(v)?;
        }
        Ok(())
    }
}
