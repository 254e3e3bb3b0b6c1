//! Tracking the best value of a monitored quantity (shared by early
//! stopping, the plateau callback and checkpoints).

use crate::train::history::EpochLog;
use crate::{Error, Result};

/// Whether smaller or larger is better.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Larger is better for names containing `acc`, `auc`, `r2`,
    /// `precision`, `recall` or `f1`; smaller otherwise (Keras's rule,
    /// extended: [`maximized`](crate::train::metrics::maximized)).
    #[default]
    Auto,
    Min,
    Max,
}

/// The best value so far of one logged quantity, and the epoch that logged
/// it. Public so that callbacks outside the library (the CLI's resumable
/// ones) track "best" by the same rule as the library's own.
#[derive(Clone, Debug)]
pub struct Monitor {
    /// The logged quantity, e.g. `val_loss`.
    pub name: String,
    maximize: bool,
    min_delta: f64,
    /// The best value so far.
    pub best: Option<f64>,
    /// The epoch (from 0) whose log held `best`, when it came from [`update`](Self::update).
    pub best_epoch: Option<usize>,
}

impl Monitor {
    /// Tracks `name`; an improvement must beat the best by more than `min_delta`.
    pub fn new(name: &str, mode: Mode, min_delta: f64) -> Self {
        let maximize = match mode {
            Mode::Max => true,
            Mode::Min => false,
            Mode::Auto => crate::train::metrics::maximized(name),
        };
        Monitor { name: name.into(), maximize, min_delta: min_delta.abs(), best: None, best_epoch: None }
    }

    /// The monitored value in `log`, or an error listing what is logged.
    pub fn read(&self, who: &'static str, log: &EpochLog) -> Result<f64> {
        log.get(&self.name).ok_or_else(|| {
            let names: Vec<&str> = log.values.iter().map(|(n, _)| n.as_str()).collect();
            Error::arg(
                who,
                format!(
                    "monitors {}, which is not logged; logged are {names:?} (val_ values need a validation split)",
                    crate::quote(&self.name)
                ),
            )
        })
    }

    /// Whether `v` beats the best by more than `min_delta`; records it if so.
    pub fn improved(&mut self, v: f64) -> bool {
        let better = match self.best {
            None => v.is_finite(),
            Some(b) if self.maximize => v > b + self.min_delta,
            Some(b) => v < b - self.min_delta,
        };
        if better {
            self.best = Some(v);
        }
        better
    }

    /// Reads `log`'s value and records it, with its epoch, if it improved.
    pub fn update(&mut self, who: &'static str, log: &EpochLog) -> Result<bool> {
        let better = self.improved(self.read(who, log)?);
        if better {
            self.best_epoch = Some(log.epoch);
        }
        Ok(better)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(epoch: usize, name: &str, v: f64) -> EpochLog {
        EpochLog { epoch, values: vec![(name.into(), v)] }
    }

    #[test]
    fn update_keeps_the_best_value_and_its_epoch() {
        // val_loss: smaller is better, by more than min_delta 0.1.
        let mut m = Monitor::new("val_loss", Mode::Auto, 0.1);
        assert!(m.update("t", &log(0, "val_loss", 1.0)).unwrap());
        assert!(!m.update("t", &log(1, "val_loss", 0.95)).unwrap(), "within min_delta");
        assert!(m.update("t", &log(2, "val_loss", 0.5)).unwrap());
        assert_eq!((m.best, m.best_epoch), (Some(0.5), Some(2)));
        // accuracy: larger is better.
        let mut a = Monitor::new("val_accuracy", Mode::Auto, 0.0);
        a.update("t", &log(0, "val_accuracy", 0.7)).unwrap();
        assert!(!a.update("t", &log(1, "val_accuracy", 0.6)).unwrap());
        assert_eq!(a.best_epoch, Some(0));
    }

    #[test]
    fn a_quantity_that_is_not_logged_is_an_error_naming_what_is() {
        let mut m = Monitor::new("val_loss", Mode::Auto, 0.0);
        let e = m.update("EarlyStopping", &log(0, "loss", 1.0)).unwrap_err().to_string();
        assert!(e.contains("val_loss") && e.contains("\"loss\"") && e.contains("validation split"), "{e}");
    }
}
