use super::{Callback, Control};
use crate::optim::schedule::{self, PlateauConfig};
use crate::train::history::{EpochLog, History};
use crate::{Error, Result};

/// Performance scheduling as a callback: feeds the monitored value of every
/// epoch to [`schedule::ReduceLrOnPlateau`] (which multiplies the rate by
/// `factor` after `patience` epochs without improvement, then cools down) and
/// applies the rate it returns.
#[derive(Clone, Debug)]
pub struct ReduceLrOnPlateau {
    /// The logged value to watch (`val_loss`, `loss`, `val_accuracy`…).
    pub monitor: String,
    /// Factor, patience, minimum change, cooldown, minimum rate, mode.
    pub config: PlateauConfig,
    inner: Option<schedule::ReduceLrOnPlateau>,
}

impl Default for ReduceLrOnPlateau {
    fn default() -> Self {
        ReduceLrOnPlateau::new("val_loss", PlateauConfig::default())
    }
}

impl ReduceLrOnPlateau {
    /// Watches `monitor` with the plateau rule of `config` (Keras's defaults in `PlateauConfig::default()`).
    pub fn new(monitor: &str, config: PlateauConfig) -> Self {
        ReduceLrOnPlateau { monitor: monitor.into(), config, inner: None }
    }
}

impl Callback for ReduceLrOnPlateau {
    fn on_train_begin(&mut self, _ctl: &mut Control) -> Result<()> {
        self.inner = Some(schedule::ReduceLrOnPlateau::new(self.config.clone())?);
        Ok(())
    }

    /// Feeds the epochs already run to the rule (each with the rate it used;
    /// the current rate itself is in the optimizer's saved state).
    fn replay(&mut self, history: &History) -> Result<()> {
        let mut plateau = schedule::ReduceLrOnPlateau::new(self.config.clone())?;
        for log in &history.epochs {
            if let (Some(v), Some(lr)) = (log.get(&self.monitor), log.get("lr")) {
                plateau.update(v as f32, lr as f32);
            }
        }
        self.inner = Some(plateau);
        Ok(())
    }

    fn on_epoch_end(&mut self, log: &EpochLog, ctl: &mut Control) -> Result<()> {
        let v = log.get(&self.monitor).ok_or_else(|| {
            Error::arg(
                "ReduceLrOnPlateau",
                format!("monitors {}, which is not logged this epoch", crate::quote(&self.monitor)),
            )
        })?;
        if self.inner.is_none() {
            self.inner = Some(schedule::ReduceLrOnPlateau::new(self.config.clone())?);
        }
        let plateau = self.inner.as_mut().expect("created above");
        let before = ctl.learning_rate();
        let lr = plateau.update(v as f32, before);
        if lr != before {
            ctl.report(format!("Epoch {}: ReduceLROnPlateau reducing learning rate to {lr}.", log.epoch + 1));
        }
        ctl.set_learning_rate(lr);
        Ok(())
    }
}
