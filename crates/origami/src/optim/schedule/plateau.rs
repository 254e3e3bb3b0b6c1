//! Performance scheduling: lower η when a monitored metric stops improving.
//!
//! Unlike the other schedules this one needs to see training's results, so
//! it is an object fed one value (typically the validation loss) per epoch.
//! It follows Keras's `ReduceLROnPlateau` (keras/src/callbacks/
//! reduce_lr_on_plateau.py): after `patience` epochs without an improvement
//! larger than `min_delta`, η is multiplied by `factor` (not below `min_lr`),
//! and a cooldown gives the model time to benefit from the new rate. Keras
//! counts the cooldown down at the start of each epoch's check and resumes
//! waiting in the epoch where it reaches 0, so `cooldown` c leaves c − 1
//! epochs out of the count: with patience 2 and cooldown 2, a metric that
//! never improves is reduced at epochs 2, 5, 8, … (counting from 0).

use crate::optim::Optimizer;
use crate::{Error, Result};

/// Whether the monitored value should go down (a loss) or up (an accuracy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlateauMode {
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// Settings of [`ReduceLrOnPlateau`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlateauConfig {
    /// η is multiplied by this, in (0, 1). Keras: 0.1.
    pub factor: f32,
    /// Epochs without improvement before η is lowered. Keras: 10.
    pub patience: usize,
    /// The smallest change that counts as an improvement. Keras: 1e-4.
    pub min_delta: f32,
    /// Epochs of cooldown after a reduction, counted down before each check
    /// (so c − 1 epochs are not counted towards patience, as in Keras). Keras: 0.
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
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.wait = 0;
        }
        if improved {
            self.best = metric;
            self.wait = 0;
            return lr;
        }
        // Keras asks "in cooldown?" again after counting down.
        if self.cooldown_left > 0 {
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
        // Cooldown 2 with patience 1: one epoch is not counted after a reduction.
        let cfg = PlateauConfig { factor: 0.5, patience: 1, cooldown: 2, ..Default::default() };
        assert_eq!(run(cfg, &[1.0, 1.0, 1.0, 1.0, 1.0], 1.0), vec![1.0, 0.5, 0.5, 0.25, 0.25]);
        // Never below min_lr.
        let cfg = PlateauConfig { factor: 0.1, patience: 1, min_lr: 0.05, ..Default::default() };
        assert_eq!(run(cfg, &[1.0, 1.0, 1.0, 1.0], 1.0), vec![1.0, 0.1, 0.05, 0.05]);
        // NaN is not an improvement.
        let cfg = PlateauConfig { factor: 0.5, patience: 1, ..Default::default() };
        assert_eq!(run(cfg, &[1.0, f32::NAN], 1.0), vec![1.0, 0.5]);
    }

    /// Keras 3's `ReduceLROnPlateau.on_epoch_end`, transcribed (mode min,
    /// min_lr 0): the epochs (from 0) at which it reduces.
    fn keras_reductions(metrics: &[f64], patience: usize, cooldown: usize, min_delta: f64) -> Vec<usize> {
        let (mut best, mut wait, mut cooldown_counter) = (f64::INFINITY, 0, 0);
        let mut out = Vec::new();
        for (epoch, &current) in metrics.iter().enumerate() {
            if cooldown_counter > 0 {
                cooldown_counter -= 1;
                wait = 0;
            }
            if current < best - min_delta {
                best = current;
                wait = 0;
            } else if cooldown_counter == 0 {
                wait += 1;
                if wait >= patience {
                    out.push(epoch);
                    cooldown_counter = cooldown;
                    wait = 0;
                }
            }
        }
        out
    }

    #[test]
    fn cooldown_counts_as_keras_counts_it() {
        // 16 flat epochs, patience 2, cooldown 2: Keras reduces at 2, 5, 8, 11, 14.
        let flat = [1.0f64; 16];
        let keras = keras_reductions(&flat, 2, 2, 1e-4);
        assert_eq!(keras, vec![2, 5, 8, 11, 14]);
        let cfg = PlateauConfig { factor: 0.5, patience: 2, cooldown: 2, ..Default::default() };
        let lrs = run(cfg, &[1.0; 16], 1.0);
        let ours: Vec<usize> = (0..16).filter(|&e| lrs[e] < if e == 0 { 1.0 } else { lrs[e - 1] }).collect();
        assert_eq!(ours, keras);
        assert_eq!(lrs[15], 0.5f32.powi(5));
        // A noisier metric, several settings: the same epochs as Keras.
        let noisy = [1.0, 0.9, 0.95, 0.91, 0.8, 0.85, 0.85, 0.79, 0.9, 0.9, 0.9, 0.9, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8];
        for (patience, cooldown) in [(1, 0), (1, 1), (1, 3), (2, 1), (3, 2), (2, 4)] {
            let cfg = PlateauConfig { factor: 0.5, patience, cooldown, ..Default::default() };
            let lrs = run(cfg, &noisy.map(|x| x as f32), 1.0);
            let ours: Vec<usize> =
                (0..noisy.len()).filter(|&e| lrs[e] < if e == 0 { 1.0 } else { lrs[e - 1] }).collect();
            assert_eq!(
                ours,
                keras_reductions(&noisy, patience, cooldown, 1e-4),
                "patience {patience}, cooldown {cooldown}"
            );
        }
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
