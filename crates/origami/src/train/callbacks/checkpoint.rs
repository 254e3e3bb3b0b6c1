use std::path::PathBuf;

use super::monitor::{Mode, Monitor};
use super::{Callback, Control};
use crate::train::history::{EpochLog, History};
use crate::Result;

/// Saves the weights (safetensors, written atomically) after every epoch, or
/// only when the monitored value improves. `{epoch}` in the path is replaced
/// by the epoch number.
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    pub path: PathBuf,
    pub monitor: String,
    pub mode: Mode,
    pub save_best_only: bool,
    best: Option<Monitor>,
    /// Epochs at which a file was written.
    pub saved: Vec<usize>,
}

impl ModelCheckpoint {
    /// Saves to `path` after every epoch, or only on improvement of `monitor`.
    pub fn new(path: impl Into<PathBuf>, monitor: &str, save_best_only: bool) -> Self {
        ModelCheckpoint {
            path: path.into(),
            monitor: monitor.into(),
            mode: Mode::Auto,
            save_best_only,
            best: None,
            saved: vec![],
        }
    }
}

impl Callback for ModelCheckpoint {
    /// Rebuilds the best value from the epochs already run.
    fn replay(&mut self, history: &History) -> Result<()> {
        if self.save_best_only {
            let mut m = Monitor::new(&self.monitor, self.mode, 0.0);
            for log in &history.epochs {
                m.update("ModelCheckpoint", log)?;
            }
            self.best = Some(m);
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        if self.save_best_only {
            let m = self.best.get_or_insert_with(|| Monitor::new(&self.monitor, self.mode, 0.0));
            let v = m.read("ModelCheckpoint", log)?;
            if !m.improved(v) {
                return Ok(());
            }
        }
        let path = PathBuf::from(self.path.to_string_lossy().replace("{epoch}", &log.epoch.to_string()));
        crate::io::save_params(&path, ctl.params)?;
        self.saved.push(log.epoch);
        Ok(())
    }
}
