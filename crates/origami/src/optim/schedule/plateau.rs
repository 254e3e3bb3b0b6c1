//! Performance scheduling: lower η when a monitored metric stops improving.
//!
//! Unlike the other schedules this one needs to see training's results, so
//! it is an object fed one value (typically the validation loss) per epoch.
//! It follows Keras's `ReduceLROnPlateau`: after `patience` epochs without
//! an improvement larger than `min_delta`, η is multiplied by `factor` (not
//! below `min_lr`), and then `cooldown` epochs pass before waiting starts
//! again, so that the model has time to benefit from the new rate.

use crate::optim::Optimizer;
use crate::{Error, Result};

/// Whether the monitored value should go down (a loss) or up (an accuracy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlateauMode {
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// Settings of [`ReduceLrOnPlateau`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq)]
pub struct PlateauConfig {
    /// η is multiplied by this, in (0, 1). Keras: 0.1.
    pub factor: f32,
    /// Epochs without improvement before η is lowered. Keras: 10.
    pub patience: usize,
    /// The smallest change that counts as an improvement. Keras: 1e-4.
    pub min_delta: f32,
    /// Epochs after a reduction during which no waiting is counted. Keras: 0.
    pub cooldown: usize,
    /// η is never lowered below this. Keras: 0.
    pub min_lr: f32,
    /// Direction of improvement. Keras: "auto", which is `Min` for a loss.
    pub mode: PlateauMode,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        PlateauConfig { factor: 0.1, patience: 10, min_delta: 1e-4, cooldown: 0, min_lr: 0.0, mode: PlateauMode::Min }
    }
}

/// Lowers η on a plateau of a monitored metric; see the module docs.
///
/// ```
/// use origami::optim::{PlateauConfig, ReduceLrOnPlateau};
/// let mut plateau = ReduceLrOnPlateau::new(PlateauConfig { patience: 2, ..Default::default() })?;
/// let mut lr = 0.1;
/// for loss in [1.0, 0.8, 0.8, 0.8] {
///     lr = plateau.update(loss, lr);
/// }
/// assert!((lr - 0.01).abs() < 1e-7);
/// # Ok::<(), origami::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ReduceLrOnPlateau {
    config: PlateauConfig,
    best: f32,
    wait: usize,
    cooldown_left: usize,
}

impl ReduceLrOnPlateau {
    /// Checks the settings.
    pub fn new(config: PlateauConfig) -> Result<Self> {
        const OP: &str = "ReduceLrOnPlateau";
        if !(config.factor > 0.0 && config.factor < 1.0) {
            return Err(Error::arg(OP, format!("factor must lie in (0, 1), got {}", config.factor)));
        }
        if !(config.min_delta.is_finite() && config.min_delta >= 0.0) {
            return Err(Error::arg(OP, format!("min_delta must be finite and non-negative, got {}", config.min_delta)));
        }
        if !(config.min_lr.is_finite() && config.min_lr >= 0.0) {
            return Err(Error::arg(OP, format!("min_lr must be finite and non-negative, got {}", config.min_lr)));
        }
        let best = match config.mode {
            PlateauMode::Min => f32::INFINITY,
            PlateauMode::Max => f32::NEG_INFINITY,
        };
        Ok(ReduceLrOnPlateau { config, best, wait: 0, cooldown_left: 0 })
    }

    /// Records the metric of one epoch and returns the learning rate to use
    /// from now on, given the current one. A NaN metric counts as no improvement.
    pub fn update(&mut self, metric: f32, lr: f32) -> f32 {
        let c = &self.config;
        let improved = match c.mode {
            PlateauMode::Min => metric < self.best - c.min_delta,
            PlateauMode::Max => metric > self.best + c.min_delta,
        };
        let cooling = self.cooldown_left > 0;
        if cooling {
            self.cooldown_left -= 1;
            self.wait = 0;
        }
        if improved {
            self.best = metric;
            self.wait = 0;
            return lr;
        }
        if cooling {
            return lr;
        }
        self.wait += 1;
        if self.wait < c.patience.max(1) || lr <= c.min_lr {
            return lr;
        }
        self.wait = 0;
        self.cooldown_left = c.cooldown;
        (lr * c.factor).max(c.min_lr)
    }

    /// [`update`](Self::update) applied to an optimizer's rate; returns whether it was lowered.
    pub fn step(&mut self, metric: f32, optimizer: &mut dyn Optimizer) -> bool {
        let lr = optimizer.learning_rate();
        let new = self.update(metric, lr);
        optimizer.set_learning_rate(new);
        new < lr
    }

    /// The best value seen so far (±∞ before the first).
    pub fn best(&self) -> f32 {
        self.best
    }

    /// Epochs since the last improvement, as counted towards `patience`.
    pub fn wait(&self) -> usize {
        self.wait
    }

    /// The settings.
    pub fn config(&self) -> &PlateauConfig {
        &self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Sgd;

    fn run(config: PlateauConfig, metrics: &[f32], lr: f32) -> Vec<f32> {
        let mut p = ReduceLrOnPlateau::new(config).unwrap();
        let mut lr = lr;
        metrics
            .iter()
            .map(|&m| {
                lr = p.update(m, lr);
                lr
            })
            .collect()
    }

    #[test]
    fn lowers_after_patience_epochs_without_improvement() {
        let cfg = PlateauConfig { factor: 0.5, patience: 2, ..Default::default() };
        let lrs = run(cfg, &[1.0, 0.9, 0.95, 0.91, 0.8, 0.85, 0.85, 0.85], 1.0);
        // Stalls at epochs 3–4 → halve; improvement at 5; stalls 6–7 → halve; 8 waits again.
        assert_eq!(lrs, vec![1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]);
    }

    #[test]
    fn min_delta_mode_cooldown_and_floor() {
        // Improvements smaller than min_delta do not count.
        let cfg = PlateauConfig { factor: 0.5, patience: 1, min_delta: 0.1, ..Default::default() };
        assert_eq!(run(cfg, &[1.0, 0.95, 0.8], 1.0), vec![1.0, 0.5, 0.5]);
        // Max mode: rising accuracy is an improvement.
        let cfg = PlateauConfig { factor: 0.5, patience: 1, mode: PlateauMode::Max, ..Default::default() };
        assert_eq!(run(cfg, &[0.5, 0.6, 0.6, 0.7], 1.0), vec![1.0, 1.0, 0.5, 0.5]);
        // Cooldown 2: two epochs are not counted after a reduction.
        let cfg = PlateauConfig { factor: 0.5, patience: 1, cooldown: 2, ..Default::default() };
        assert_eq!(run(cfg, &[1.0, 1.0, 1.0, 1.0, 1.0], 1.0), vec![1.0, 0.5, 0.5, 0.5, 0.25]);
        // Never below min_lr.
        let cfg = PlateauConfig { factor: 0.1, patience: 1, min_lr: 0.05, ..Default::default() };
        assert_eq!(run(cfg, &[1.0, 1.0, 1.0, 1.0], 1.0), vec![1.0, 0.1, 0.05, 0.05]);
        // NaN is not an improvement.
        let cfg = PlateauConfig { factor: 0.5, patience: 1, ..Default::default() };
        assert_eq!(run(cfg, &[1.0, f32::NAN], 1.0), vec![1.0, 0.5]);
    }

    #[test]
    fn drives_an_optimizer_and_rejects_bad_settings() {
        let mut opt = Sgd::default();
        let mut p = ReduceLrOnPlateau::new(PlateauConfig { patience: 1, ..Default::default() }).unwrap();
        assert!(!p.step(1.0, &mut opt));
        assert!(p.step(1.0, &mut opt));
        assert!((opt.learning_rate() - 0.001).abs() < 1e-7);
        assert!(ReduceLrOnPlateau::new(PlateauConfig { factor: 1.0, ..Default::default() }).is_err());
        assert!(ReduceLrOnPlateau::new(PlateauConfig { min_lr: -1.0, ..Default::default() }).is_err());
    }
}
