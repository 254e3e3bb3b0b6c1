//! Tracking the best value of a monitored quantity (shared by early
//! stopping, the plateau callback and checkpoints).

use crate::train::history::EpochLog;
use crate::{Error, Result};

/// Whether smaller or larger is better.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Larger is better for names containing `acc`, `r2`, `precision`,
    /// `recall` or `f1`; smaller otherwise (Keras's rule, extended).
    #[default]
    Auto,
    Min,
    Max,
}

/// The best value so far of one logged quantity.
#[derive(Clone, Debug)]
pub(crate) struct Monitor {
    pub name: String,
    maximize: bool,
    min_delta: f64,
    pub best: Option<f64>,
}

impl Monitor {
    pub fn new(name: &str, mode: Mode, min_delta: f64) -> Self {
        let maximize = match mode {
            Mode::Max => true,
            Mode::Min => false,
            Mode::Auto => ["acc", "r2", "precision", "recall", "f1"].iter().any(|k| name.contains(k)),
        };
        Monitor { name: name.into(), maximize, min_delta: min_delta.abs(), best: None }
    }

    /// The monitored value in `log`, or an error listing what is logged.
    pub fn read(&self, who: &'static str, log: &EpochLog) -> Result<f64> {
        log.get(&self.name).ok_or_else(|| {
            let names: Vec<&str> = log.values.iter().map(|(n, _)| n.as_str()).collect();
            Error::arg(who, format!("monitors {:?}, which is not logged; logged are {names:?}", self.name))
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
}
