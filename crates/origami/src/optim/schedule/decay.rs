//! Schedules that only ever lower η (after an optional warm-up).
//!
//! Each is a pure function of the step; they differ in how fast the rate
//! falls: power scheduling quickly at first and then ever more slowly,
//! exponential scheduling by a constant factor per `s` steps, piecewise
//! constant in hand-chosen stairs, cosine decay smoothly to a floor.

use super::Schedule;
use crate::{Error, Result};

fn check_rate(op: &'static str, name: &str, v: f32) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::arg(op, format!("{name} must be finite and non-negative, got {v}")));
    }
    Ok(())
}

fn check_steps(op: &'static str, name: &str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::arg(op, format!("{name} must be positive")));
    }
    Ok(())
}

/// The same η at every step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant(pub f32);

impl Schedule for Constant {
    fn lr(&self, _step: usize) -> f32 {
        self.0
    }
}

/// Power scheduling: η(t) = η₀ / (1 + t/s)^c.
///
/// After s steps η is η₀/2 (for c = 1), after 3s steps η₀/4, …: a fast drop
/// that then slows down.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerDecay {
    initial_lr: f32,
    decay_steps: usize,
    power: f32,
}

impl PowerDecay {
    /// η₀ = `initial_lr`, s = `decay_steps`, c = `power` (usually 1).
    pub fn new(initial_lr: f32, decay_steps: usize, power: f32) -> Result<Self> {
        const OP: &str = "PowerDecay";
        check_rate(OP, "initial_lr", initial_lr)?;
        check_steps(OP, "decay_steps", decay_steps)?;
        check_rate(OP, "power", power)?;
        Ok(PowerDecay { initial_lr, decay_steps, power })
    }
}

impl Schedule for PowerDecay {
    fn lr(&self, step: usize) -> f32 {
        let t = step as f64 / self.decay_steps as f64;
        (self.initial_lr as f64 / (1.0 + t).powf(self.power as f64)) as f32
    }
}

/// Exponential scheduling: η(t) = η₀ · r^(t/s), with r = 0.1 in the lecture
/// (η falls tenfold every s steps).
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialDecay {
    initial_lr: f32,
    decay_steps: usize,
    decay_rate: f32,
    staircase: bool,
}

impl ExponentialDecay {
    /// η₀ = `initial_lr`, s = `decay_steps`, r = `decay_rate` in (0, 1].
    pub fn new(initial_lr: f32, decay_steps: usize, decay_rate: f32) -> Result<Self> {
        const OP: &str = "ExponentialDecay";
        check_rate(OP, "initial_lr", initial_lr)?;
        check_steps(OP, "decay_steps", decay_steps)?;
        if !(decay_rate > 0.0 && decay_rate <= 1.0) {
            return Err(Error::arg(OP, format!("decay_rate must lie in (0, 1], got {decay_rate}")));
        }
        Ok(ExponentialDecay { initial_lr, decay_steps, decay_rate, staircase: false })
    }

    /// Decays in whole stairs: η₀ · r^⌊t/s⌋.
    pub fn staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }
}

impl Schedule for ExponentialDecay {
    fn lr(&self, step: usize) -> f32 {
        let mut e = step as f64 / self.decay_steps as f64;
        if self.staircase {
            e = e.floor();
        }
        (self.initial_lr as f64 * (self.decay_rate as f64).powf(e)) as f32
    }
}

/// Piecewise constant: `values[0]` up to and including step `boundaries[0]`,
/// then `values[1]` up to `boundaries[1]`, …, and the last value after the
/// last boundary (Keras's convention).
#[derive(Clone, Debug, PartialEq)]
pub struct PiecewiseConstant {
    boundaries: Vec<usize>,
    values: Vec<f32>,
}

impl PiecewiseConstant {
    /// `boundaries` strictly increasing, with one more value than boundaries.
    pub fn new(boundaries: Vec<usize>, values: Vec<f32>) -> Result<Self> {
        const OP: &str = "PiecewiseConstant";
        if values.len() != boundaries.len() + 1 {
            return Err(Error::arg(
                OP,
                format!("{} boundaries need {} values, got {}", boundaries.len(), boundaries.len() + 1, values.len()),
            ));
        }
        if boundaries.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::arg(OP, format!("the boundaries must be strictly increasing, got {boundaries:?}")));
        }
        for &v in &values {
            check_rate(OP, "every value", v)?;
        }
        Ok(PiecewiseConstant { boundaries, values })
    }
}

impl Schedule for PiecewiseConstant {
    fn lr(&self, step: usize) -> f32 {
        let passed = self.boundaries.partition_point(|&b| b < step);
        self.values[passed]
    }
}

/// Cosine decay with linear warm-up (Loshchilov & Hutter's SGDR without
/// restarts; Goyal et al.'s warm-up):
///
/// * t < w: η(t) = η_start + (η_peak − η_start) · t/w
/// * then, with τ = min(t − w, d)/d:
///   η(t) = η_peak · (α + (1 − α) · ½(1 + cos πτ))
///
/// so η rises to its peak over w steps, then follows half a cosine down to
/// α·η_peak over d steps and stays there.
#[derive(Clone, Debug, PartialEq)]
pub struct CosineDecay {
    start_lr: f32,
    peak_lr: f32,
    warmup_steps: usize,
    decay_steps: usize,
    alpha: f32,
}

impl CosineDecay {
    /// From `peak_lr` down to 0 over `decay_steps`, without warm-up.
    pub fn new(peak_lr: f32, decay_steps: usize) -> Result<Self> {
        const OP: &str = "CosineDecay";
        check_rate(OP, "peak_lr", peak_lr)?;
        check_steps(OP, "decay_steps", decay_steps)?;
        Ok(CosineDecay { start_lr: peak_lr, peak_lr, warmup_steps: 0, decay_steps, alpha: 0.0 })
    }

    /// Adds a linear warm-up from `start_lr` to the peak over `warmup_steps`.
    pub fn with_warmup(mut self, warmup_steps: usize, start_lr: f32) -> Result<Self> {
        check_rate("CosineDecay", "start_lr", start_lr)?;
        self.warmup_steps = warmup_steps;
        self.start_lr = start_lr;
        Ok(self)
    }

    /// Ends at `alpha` · peak instead of 0; `alpha` in [0, 1].
    pub fn with_alpha(mut self, alpha: f32) -> Result<Self> {
        if !(0.0..=1.0).contains(&alpha) {
            return Err(Error::arg("CosineDecay", format!("alpha must lie in [0, 1], got {alpha}")));
        }
        self.alpha = alpha;
        Ok(self)
    }
}

impl Schedule for CosineDecay {
    fn lr(&self, step: usize) -> f32 {
        let (start, peak, alpha) = (self.start_lr as f64, self.peak_lr as f64, self.alpha as f64);
        if step < self.warmup_steps {
            return (start + (peak - start) * step as f64 / self.warmup_steps as f64) as f32;
        }
        let tau = (step - self.warmup_steps).min(self.decay_steps) as f64 / self.decay_steps as f64;
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * tau).cos());
        (peak * (alpha + (1.0 - alpha) * cosine)) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn close(got: f32, want: f64) {
        assert!((got as f64 - want).abs() <= 1e-6 * want.abs().max(1e-3), "got {got}, expected {want}");
    }

    #[test]
    fn constant() {
        assert_eq!(Constant(0.3).lr(0), 0.3);
        assert_eq!(Constant(0.3).lr(1_000_000), 0.3);
    }

    #[test]
    fn power_follows_its_formula() {
        let s = PowerDecay::new(0.01, 20, 1.0).unwrap();
        close(s.lr(0), 0.01);
        close(s.lr(20), 0.005);
        close(s.lr(60), 0.0025);
        let s = PowerDecay::new(0.5, 10, 2.0).unwrap();
        close(s.lr(5), 0.5 / 1.5f64.powi(2));
        close(s.lr(37), 0.5 / (1.0 + 3.7f64).powi(2));
        assert!(PowerDecay::new(0.1, 0, 1.0).is_err());
    }

    #[test]
    fn exponential_follows_its_formula() {
        let s = ExponentialDecay::new(0.01, 20, 0.1).unwrap();
        close(s.lr(0), 0.01);
        close(s.lr(20), 0.001);
        close(s.lr(10), 0.01 * 0.1f64.sqrt());
        close(s.lr(50), 0.01 * 0.1f64.powf(2.5));
        let st = s.clone().staircase(true);
        close(st.lr(39), 0.001);
        close(st.lr(40), 0.0001);
        assert!(ExponentialDecay::new(0.1, 10, 0.0).is_err());
        assert!(ExponentialDecay::new(0.1, 10, 1.5).is_err());
    }

    #[test]
    fn piecewise_constant_follows_its_boundaries() {
        let s = PiecewiseConstant::new(vec![5, 15], vec![0.1, 0.01, 0.001]).unwrap();
        let got: Vec<f32> = [0, 5, 6, 15, 16, 100].iter().map(|&t| s.lr(t)).collect();
        assert_eq!(got, vec![0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
        assert!(PiecewiseConstant::new(vec![5, 15], vec![0.1]).is_err());
        assert!(PiecewiseConstant::new(vec![5, 5], vec![0.1, 0.2, 0.3]).is_err());
        assert_eq!(PiecewiseConstant::new(vec![], vec![0.7]).unwrap().lr(9), 0.7);
    }

    #[test]
    fn cosine_with_warmup_follows_its_formula() {
        let s = CosineDecay::new(1.0, 100).unwrap().with_warmup(10, 0.1).unwrap().with_alpha(0.1).unwrap();
        close(s.lr(0), 0.1);
        close(s.lr(5), 0.55);
        close(s.lr(10), 1.0);
        // Half-way through the decay: cos(π/2) = 0, so η = 0.1 + 0.9·½.
        close(s.lr(60), 0.55);
        close(s.lr(35), 0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * 0.25).cos()));
        close(s.lr(110), 0.1);
        close(s.lr(10_000), 0.1);
        let plain = CosineDecay::new(2.0, 4).unwrap();
        close(plain.lr(1), 2.0 * 0.5 * (1.0 + std::f64::consts::FRAC_1_SQRT_2));
        close(plain.lr(4), 0.0);
        assert!(CosineDecay::new(1.0, 10).unwrap().with_alpha(2.0).is_err());
    }
}
