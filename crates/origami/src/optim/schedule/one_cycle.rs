//! 1cycle (Smith 2018): up, down, and a short anneal.
//!
//! Raising η over the first half lets training cross flat regions and
//! escape sharp minima quickly; lowering it over the second half settles
//! the parameters; the final few percent at a much smaller rate fine-tune
//! them. Momentum moves the opposite way — low while η is high, so that the
//! effective step (≈ η/(1−β)) does not blow up, and high again as η falls.
//! Smith found that this often trains much faster and generalises better
//! than a decaying schedule; pick η₁ with the [learning-rate
//! finder](crate::optim::lr_finder).

use super::Schedule;
use crate::{Error, Result};

/// The shape of a [`OneCycle`] schedule. [`OneCycleConfig::new`] fills in
/// Géron's defaults from the two numbers that must be chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct OneCycleConfig {
    /// Length of the whole cycle, in steps (or epochs, if indexed by epoch).
    pub total_steps: usize,
    /// η₀, where the cycle starts and the second half returns to.
    pub start_lr: f32,
    /// η₁, the peak at the middle of the cycle.
    pub max_lr: f32,
    /// Where the annealing ends, far below η₀.
    pub final_lr: f32,
    /// Share of `total_steps` spent annealing from η₀ to `final_lr`.
    pub annealing_fraction: f32,
    /// Momentum at the start, the end, and through the annealing.
    pub max_momentum: f32,
    /// Momentum at the peak of η.
    pub min_momentum: f32,
}

impl OneCycleConfig {
    /// η₀ = η₁/10, final η = η₀/1000, the last 10 % annealing, momentum 0.95 → 0.85 → 0.95.
    pub fn new(total_steps: usize, max_lr: f32) -> Self {
        let start_lr = max_lr / 10.0;
        OneCycleConfig {
            total_steps,
            start_lr,
            max_lr,
            final_lr: start_lr / 1000.0,
            annealing_fraction: 0.1,
            max_momentum: 0.95,
            min_momentum: 0.85,
        }
    }
}

/// The 1cycle schedule, with n = `total_steps`, a = annealing steps and
/// h = (n − a)/2:
///
/// * 0 ≤ t < h: η rises linearly η₀ → η₁ and momentum falls β_max → β_min;
/// * h ≤ t < 2h: η falls linearly η₁ → η₀ and momentum rises back to β_max;
/// * 2h ≤ t < n: η falls linearly η₀ → η_final (reached at t = n − 1),
///   momentum stays at β_max; after the cycle both stay at their last values.
#[derive(Clone, Debug, PartialEq)]
pub struct OneCycle {
    config: OneCycleConfig,
    half: usize,
}

impl OneCycle {
    /// Checks the configuration; the cycle needs at least two steps outside the annealing.
    pub fn new(config: OneCycleConfig) -> Result<Self> {
        const OP: &str = "OneCycle";
        for (name, v) in [("start_lr", config.start_lr), ("max_lr", config.max_lr), ("final_lr", config.final_lr)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::arg(OP, format!("{name} must be finite and non-negative, got {v}")));
            }
        }
        if !(0.0..1.0).contains(&config.annealing_fraction) {
            return Err(Error::arg(
                OP,
                format!("annealing_fraction must lie in [0, 1), got {}", config.annealing_fraction),
            ));
        }
        for (name, v) in [("max_momentum", config.max_momentum), ("min_momentum", config.min_momentum)] {
            if !(0.0..1.0).contains(&v) {
                return Err(Error::arg(OP, format!("{name} must lie in [0, 1), got {v}")));
            }
        }
        let annealing = (config.total_steps as f64 * config.annealing_fraction as f64).round() as usize;
        let half = config.total_steps.saturating_sub(annealing) / 2;
        if half == 0 {
            return Err(Error::arg(
                OP,
                format!("a cycle of {} steps is too short to rise and fall", config.total_steps),
            ));
        }
        Ok(OneCycle { config, half })
    }

    /// The configuration.
    pub fn config(&self) -> &OneCycleConfig {
        &self.config
    }
}

/// a + (b − a)·num/den.
fn lerp(a: f32, b: f32, num: usize, den: usize) -> f32 {
    (a as f64 + (b as f64 - a as f64) * num as f64 / den as f64) as f32
}

impl Schedule for OneCycle {
    fn lr(&self, step: usize) -> f32 {
        let c = &self.config;
        let h = self.half;
        if step < h {
            lerp(c.start_lr, c.max_lr, step, h)
        } else if step < 2 * h {
            lerp(c.max_lr, c.start_lr, step - h, h)
        } else {
            // The annealing runs over [2h, n − 1]; a cycle without one stays at η₀.
            if c.total_steps == 2 * h {
                return c.start_lr;
            }
            let last = c.total_steps - 1;
            if step >= last {
                return c.final_lr;
            }
            lerp(c.start_lr, c.final_lr, step - 2 * h, last - 2 * h)
        }
    }

    fn momentum(&self, step: usize) -> Option<f32> {
        let c = &self.config;
        let h = self.half;
        Some(if step < h {
            lerp(c.max_momentum, c.min_momentum, step, h)
        } else if step < 2 * h {
            lerp(c.min_momentum, c.max_momentum, step - h, h)
        } else {
            c.max_momentum
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn close(got: f32, want: f64) {
        assert!((got as f64 - want).abs() <= 1e-6 * want.abs().max(1e-4), "got {got}, expected {want}");
    }

    #[test]
    fn follows_the_three_phases() {
        // n = 100: 10 annealing steps, h = 45.
        let s = OneCycle::new(OneCycleConfig::new(100, 1.0)).unwrap();
        close(s.lr(0), 0.1);
        close(s.lr(15), 0.1 + 0.9 * 15.0 / 45.0);
        close(s.lr(45), 1.0);
        close(s.lr(60), 1.0 - 0.9 * 15.0 / 45.0);
        close(s.lr(90), 0.1);
        close(s.lr(93), 0.1 + (1e-4 - 0.1) * 3.0 / 9.0);
        close(s.lr(99), 1e-4);
        close(s.lr(500), 1e-4);

        let m = |t| s.momentum(t).unwrap();
        close(m(0), 0.95);
        close(m(30), 0.95 - 0.1 * 30.0 / 45.0);
        close(m(45), 0.85);
        close(m(75), 0.85 + 0.1 * 30.0 / 45.0);
        close(m(95), 0.95);
    }

    #[test]
    fn without_annealing_it_returns_to_the_start() {
        let cfg = OneCycleConfig { annealing_fraction: 0.0, ..OneCycleConfig::new(10, 2.0) };
        let s = OneCycle::new(cfg).unwrap();
        close(s.lr(0), 0.2);
        close(s.lr(5), 2.0);
        close(s.lr(9), 0.2 + 1.8 * 1.0 / 5.0);
        close(s.lr(10), 0.2);
    }

    #[test]
    fn rejects_bad_configurations() {
        assert!(OneCycle::new(OneCycleConfig::new(1, 1.0)).is_err());
        assert!(OneCycle::new(OneCycleConfig { annealing_fraction: 1.0, ..OneCycleConfig::new(100, 1.0) }).is_err());
        assert!(OneCycle::new(OneCycleConfig { min_momentum: 1.5, ..OneCycleConfig::new(100, 1.0) }).is_err());
        assert!(OneCycle::new(OneCycleConfig::new(100, f32::INFINITY)).is_err());
    }
}
