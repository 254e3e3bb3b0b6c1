use super::monitor::{Mode, Monitor};
use super::{Callback, Control};
use crate::train::history::{EpochLog, History};
use crate::Result;

/// Stops when the monitored value has not improved for `patience` epochs,
/// optionally restoring the weights of the best epoch.
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
    state: Option<State>,
}

#[derive(Clone, Debug)]
struct State {
    monitor: Monitor,
    wait: usize,
    best_epoch: Option<usize>,
    best_weights: Option<Vec<Vec<f32>>>,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            mode: Mode::Auto,
            restore_best_weights: false,
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

    /// The epoch with the best monitored value so far.
    pub fn best_epoch(&self) -> Option<usize> {
        self.state.as_ref().and_then(|s| s.best_epoch)
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _ctl: &mut Control) -> Result<()> {
        let monitor = Monitor::new(&self.monitor, self.mode, self.min_delta);
        self.state = Some(State { monitor, wait: 0, best_epoch: None, best_weights: None });
        Ok(())
    }

    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        let restore = self.restore_best_weights;
        let patience = self.patience;
        let s = self.state.get_or_insert_with(|| State {
            monitor: Monitor::new(&self.monitor, self.mode, self.min_delta),
            wait: 0,
            best_epoch: None,
            best_weights: None,
        });
        let v = s.monitor.read("EarlyStopping", log)?;
        if s.monitor.improved(v) {
            s.wait = 0;
            s.best_epoch = Some(log.epoch);
            if restore {
                s.best_weights = Some(ctl.snapshot());
            }
        } else {
            s.wait += 1;
            if s.wait >= patience {
                ctl.stop_training(format!(
                    "early stopping at epoch {}: {} has not improved for {} epochs (best {:.6} at epoch {})",
                    log.epoch,
                    s.monitor.name,
                    s.wait,
                    s.monitor.best.unwrap_or(f64::NAN),
                    s.best_epoch.map_or("none".into(), |e| e.to_string())
                ));
            }
        }
        Ok(())
    }

    fn on_train_end(&mut self, _h: &History, ctl: &mut Control) -> Result<()> {
        if let Some(w) = self.state.as_ref().and_then(|s| s.best_weights.as_ref()) {
            ctl.restore(w)?;
        }
        Ok(())
    }
}
