//! The learning-rate finder (Smith 2015; popularised by fastai).
//!
//! The best learning rate is the largest one at which training still goes
//! down smoothly, and it depends on the model, the data, the batch size and
//! the optimizer — so measure it: train for a few hundred steps while
//! raising η exponentially from tiny to huge, and record the loss. The
//! curve is flat while η is too small to matter, falls once η is useful,
//! and shoots up when η becomes too large. The rate to use is somewhat below
//! the bottom of that curve.
//!
//! The sweep wrecks the parameters, so [`lr_find`] snapshots them (and the
//! optimizer's state) first and restores both at the end, whatever happens:
//! it works on "a copy of the model" without needing to know its type.

use super::Optimizer;
use crate::nn::Param;
use crate::{Error, Result, Tensor};

/// Settings of [`lr_find`].
#[derive(Clone, Debug, PartialEq)]
pub struct LrFinderConfig {
    /// η at the first step.
    pub start_lr: f32,
    /// η at the last step, if the loss has not exploded before.
    pub end_lr: f32,
    /// Number of steps; η is multiplied by (end/start)^(1/(steps−1)) each step.
    pub num_steps: usize,
    /// β of the exponential moving average that smooths the recorded loss
    /// (with bias correction, as Adam's moments); 0 records the raw loss.
    /// Default 0.98, as fastai: mini-batch losses are noisy.
    pub smoothing: f32,
    /// Stop once the smoothed loss exceeds this many times the best one.
    pub divergence_factor: f32,
}

impl Default for LrFinderConfig {
    fn default() -> Self {
        LrFinderConfig { start_lr: 1e-7, end_lr: 10.0, num_steps: 300, smoothing: 0.98, divergence_factor: 4.0 }
    }
}

/// What the sweep recorded, and what it suggests.
#[derive(Clone, Debug, PartialEq)]
pub struct LrFinderResult {
    /// η of each recorded step.
    pub lrs: Vec<f32>,
    /// The loss computed at each recorded step (before that step's update).
    pub raw_losses: Vec<f32>,
    /// The smoothed loss at each recorded step.
    pub losses: Vec<f32>,
    /// Whether the sweep stopped early because the loss exploded (or was not finite).
    pub diverged: bool,
    /// η where the smoothed loss was lowest.
    pub min_loss_lr: f32,
    /// η where the smoothed loss fell fastest per factor of η (before its
    /// minimum), when that point lies on the real descent: by then at least
    /// a tenth of the sweep's whole drop of the loss has happened. `None`
    /// when the steepest slope is the noise of a flat start (a sweep whose
    /// loss barely moves before it explodes).
    pub steepest_lr: Option<f32>,
    /// The suggested maximal rate η₁: a tenth of `min_loss_lr`.
    pub suggested_lr: f32,
    /// The suggested starting rate of 1cycle, η₀ = η₁/10.
    pub suggested_start_lr: f32,
}

impl LrFinderConfig {
    fn validate(&self) -> Result<()> {
        const OP: &str = "lr_find";
        if !(self.start_lr.is_finite() && self.start_lr > 0.0 && self.end_lr.is_finite() && self.end_lr > self.start_lr)
        {
            return Err(Error::arg(
                OP,
                format!("needs 0 < start_lr < end_lr, both finite; got {} and {}", self.start_lr, self.end_lr),
            ));
        }
        if self.num_steps < 3 {
            return Err(Error::arg(OP, format!("needs at least 3 steps, got {}", self.num_steps)));
        }
        if !(0.0..1.0).contains(&self.smoothing) {
            return Err(Error::arg(OP, format!("smoothing must lie in [0, 1), got {}", self.smoothing)));
        }
        if !(self.divergence_factor.is_finite() && self.divergence_factor > 1.0) {
            return Err(Error::arg(OP, format!("divergence_factor must be above 1, got {}", self.divergence_factor)));
        }
        Ok(())
    }
}

/// Sweeps η exponentially from `start_lr` to `end_lr`, one optimizer step per
/// call of `loss_fn(step)` (which computes the loss of the step's batch from
/// `params`), stopping early when the smoothed loss explodes.
///
/// **Suggestion rule**: η₁ = (η at the minimum of the smoothed loss) / 10.
/// The raw loss is lowest near the edge of instability, and the smoothed
/// one, which lags, somewhat beyond it; a tenth of that is safely on the
/// descending slope (on J = 2‖x‖², stable below 0.5 and fastest at 0.25,
/// the test finds ≈ 0.3). η₀ = η₁/10
/// then starts 1cycle. `steepest_lr` is reported as a second opinion.
///
/// "Explodes" means: above `divergence_factor` × the best smoothed loss (for
/// a loss that can be negative, more than (factor − 1)·|best| above it).
///
/// `params` and the optimizer's state are restored before returning, also on
/// error. Pass an optimizer without a schedule, which would
/// override the swept rates.
pub fn lr_find(
    params: &[Param],
    optimizer: &mut dyn Optimizer,
    mut loss_fn: impl FnMut(usize) -> Result<Tensor>,
    cfg: LrFinderConfig,
) -> Result<LrFinderResult> {
    cfg.validate()?;
    let saved_params: Vec<Vec<f32>> = params.iter().map(|p| p.value.to_vec()).collect();
    let saved_state = optimizer.state();
    let sweep = sweep(params, optimizer, &mut loss_fn, &cfg);
    for (p, values) in params.iter().zip(&saved_params) {
        p.value.assign(values)?;
    }
    optimizer.load_state(&saved_state)?;
    let (lrs, raw_losses, losses, diverged) = sweep?;
    analyse(lrs, raw_losses, losses, diverged)
}

type Sweep = (Vec<f32>, Vec<f32>, Vec<f32>, bool);

fn sweep(
    params: &[Param],
    optimizer: &mut dyn Optimizer,
    loss_fn: &mut dyn FnMut(usize) -> Result<Tensor>,
    cfg: &LrFinderConfig,
) -> Result<Sweep> {
    let n = cfg.num_steps;
    let log_ratio = (cfg.end_lr as f64 / cfg.start_lr as f64).ln();
    let beta = cfg.smoothing as f64;
    let (mut lrs, mut raw, mut smooth) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut avg, mut best) = (0.0f64, f64::INFINITY);
    for i in 0..n {
        let lr = (cfg.start_lr as f64 * (log_ratio * i as f64 / (n - 1) as f64).exp()) as f32;
        optimizer.set_learning_rate(lr);
        let loss = loss_fn(i)?;
        let l = loss.item()? as f64;
        if !l.is_finite() {
            return Ok((lrs, raw, smooth, true));
        }
        avg = beta * avg + (1.0 - beta) * l;
        let s = avg / (1.0 - beta.powi(i as i32 + 1));
        lrs.push(lr);
        raw.push(l as f32);
        smooth.push(s as f32);
        best = best.min(s);
        if s > best + (cfg.divergence_factor as f64 - 1.0) * best.abs() {
            return Ok((lrs, raw, smooth, true));
        }
        let grads = loss.backward()?;
        optimizer.step(params, &grads)?;
    }
    Ok((lrs, raw, smooth, false))
}

fn analyse(lrs: Vec<f32>, raw_losses: Vec<f32>, losses: Vec<f32>, diverged: bool) -> Result<LrFinderResult> {
    if losses.len() < 3 {
        return Err(Error::Training {
            msg: format!(
                "lr_find: the loss exploded after {} steps, too early to suggest a rate; lower start_lr",
                losses.len()
            ),
        });
    }
    let min_i = (0..losses.len()).min_by(|&a, &b| losses[a].total_cmp(&losses[b])).unwrap_or(0);
    // Slope of the smoothed loss against ln η, by central differences over
    // w steps on each side, up to the minimum; the first tenth of the sweep
    // is left out (fastai's skip_start), where the smoothing has not settled
    // and batch noise makes the steepest slopes.
    let n = losses.len();
    let w = (n / 50).max(1);
    let first = (n / 10).max(w);
    let steepest_i = (first..min_i.min(n.saturating_sub(w)))
        .map(|i| {
            let dl = losses[i + w] as f64 - losses[i - w] as f64;
            let dx = (lrs[i + w] as f64).ln() - (lrs[i - w] as f64).ln();
            (i, dl / dx)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(min_i, |(i, _)| i);
    let suggested = lrs[min_i] / 10.0;
    let drop = losses[0] as f64 - losses[min_i] as f64;
    let on_descent = drop > 0.0 && losses[0] as f64 - losses[steepest_i] as f64 >= 0.1 * drop;
    Ok(LrFinderResult {
        min_loss_lr: lrs[min_i],
        steepest_lr: on_descent.then_some(lrs[steepest_i]),
        suggested_lr: suggested,
        suggested_start_lr: suggested / 10.0,
        lrs,
        raw_losses,
        losses,
        diverged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Param;
    use crate::optim::{Adam, AdamConfig, OptimizerState, Sgd, SgdConfig};

    /// J(x) = ½·a·Σx² with a = 4: gradient descent converges for η < 2/a = 0.5,
    /// fastest at η = 1/a = 0.25, and diverges above 0.5.
    fn quadratic(x: &Tensor) -> Result<Tensor> {
        Ok(x.square().sum_all().mul_scalar(2.0))
    }

    fn start() -> Tensor {
        Tensor::from_vec(vec![1.0, -2.0, 3.0, 0.5], &[4]).unwrap().requires_grad()
    }

    #[test]
    fn finds_a_sensible_rate_on_a_quadratic() {
        let x = start();
        let mut opt = Sgd::new(SgdConfig { learning_rate: 0.01, ..Default::default() });
        let r = lr_find(&[Param::trainable("x", &x)], &mut opt, |_| quadratic(&x), LrFinderConfig::default()).unwrap();
        assert!(r.diverged, "η reaches 10 ≫ 0.5: the loss must explode");
        // The raw loss is lowest just below the stability edge η = 0.5; the
        // smoothed one lags behind the raw loss, so its minimum lies beyond
        // the edge — hence the factor 10 of the rule. The suggestion must be
        // a rate that converges, and not a timid one (the optimum is 0.25).
        assert!(r.min_loss_lr > 0.5 && r.min_loss_lr < 10.0, "minimum at {}", r.min_loss_lr);
        assert!(r.suggested_lr > 0.05 && r.suggested_lr < 0.5, "suggested {}", r.suggested_lr);
        assert!((r.suggested_start_lr - r.suggested_lr / 10.0).abs() < 1e-9);
        let steepest = r.steepest_lr.expect("the descent of 2‖x‖² has a steepest point");
        assert!(steepest <= r.min_loss_lr);
        assert!(r.lrs.windows(2).all(|w| w[1] > w[0]));
        assert_eq!(r.lrs[0], 1e-7);
        // Everything restored.
        assert_eq!(x.to_vec(), vec![1.0, -2.0, 3.0, 0.5]);
        assert_eq!(opt.learning_rate(), 0.01);
    }

    #[test]
    fn restores_the_parameters_and_optimizer_even_on_error() {
        let x = start();
        let mut opt = Adam::new(AdamConfig::default());
        // Give the optimizer some state first.
        let grads = quadratic(&x).unwrap().backward().unwrap();
        opt.step(&[Param::trainable("x", &x)], &grads).unwrap();
        let before: (Vec<f32>, OptimizerState) = (x.to_vec(), opt.state());
        let failing = |i: usize| if i == 50 { Err(Error::arg("test", "boom")) } else { quadratic(&x) };
        assert!(lr_find(&[Param::trainable("x", &x)], &mut opt, failing, LrFinderConfig::default()).is_err());
        assert_eq!(x.to_vec(), before.0);
        assert_eq!(opt.state(), before.1);
    }

    #[test]
    fn rejects_bad_settings_and_immediate_divergence() {
        let x = start();
        let mut opt = Sgd::default();
        let bad = LrFinderConfig { start_lr: 1.0, end_lr: 0.1, ..Default::default() };
        assert!(lr_find(&[Param::trainable("x", &x)], &mut opt, |_| quadratic(&x), bad).is_err());
        let nan = |_| Ok(Tensor::scalar(f32::NAN));
        assert!(lr_find(&[Param::trainable("x", &x)], &mut opt, nan, LrFinderConfig::default()).is_err());
    }
}
