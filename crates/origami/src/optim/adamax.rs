//! AdaMax: Adam with the ℓ∞ norm of past gradients in place of the ℓ2 one.
//!
//! Adam scales by √s, the root of a decayed mean of squared gradients (an
//! ℓ2 norm over time). Taking the limit ℓp → ℓ∞ turns that mean into a
//! decayed *maximum* of |∇J|, which needs no bias correction and is less
//! sensitive to a few large gradients; in practice it is sometimes more
//! stable than Adam, rarely better.

use super::{check_lr, check_nonneg, check_unit, pow_t, with_grads, Buffers, Optimizer, OptimizerState};
use crate::{Grads, Result, Tensor};

const NAME: &str = "adamax";

/// Hyperparameters of [`AdaMax`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaMaxConfig {
    /// η. Keras: 0.001.
    pub learning_rate: f32,
    /// β₁. Keras: 0.9.
    pub beta_1: f32,
    /// β₂, the decay of the running maximum. Keras: 0.999.
    pub beta_2: f32,
    /// ε, added to the maximum. Keras: 1e-7.
    pub epsilon: f32,
}

impl Default for AdaMaxConfig {
    fn default() -> Self {
        AdaMaxConfig { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }
    }
}

/// AdaMax (Kingma & Ba 2015, §7.1), at step t:
///
/// 1. m ← β₁m + (1 − β₁) ∇J(θ)
/// 2. s ← max(β₂s, |∇J(θ)|)
/// 3. m̂ ← m / (1 − β₁ᵗ)
/// 4. θ ← θ − η m̂ ⊘ (s + ε)
#[derive(Clone, Debug)]
pub struct AdaMax {
    /// The hyperparameters; may be changed between steps.
    pub config: AdaMaxConfig,
    step: u64,
    m: Buffers,
    u: Buffers,
}

impl AdaMax {
    /// An optimizer with the given hyperparameters.
    pub fn new(config: AdaMaxConfig) -> Self {
        AdaMax { config, step: 0, m: Buffers::new("m", 0.0), u: Buffers::new("u", 0.0) }
    }
}

impl Default for AdaMax {
    fn default() -> Self {
        AdaMax::new(AdaMaxConfig::default())
    }
}

impl Optimizer for AdaMax {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        let AdaMaxConfig { learning_rate: lr, beta_1: b1, beta_2: b2, epsilon: eps } = self.config;
        check_lr(NAME, lr)?;
        check_unit(NAME, "beta_1", b1)?;
        check_unit(NAME, "beta_2", b2)?;
        check_nonneg(NAME, "epsilon", eps)?;
        let items = with_grads(NAME, params, grads)?;
        for &(i, p, _) in &items {
            self.m.check(NAME, i, p)?;
            self.u.check(NAME, i, p)?;
        }
        self.step += 1;
        let bias_1 = (1.0 - pow_t(b1, self.step)) as f32;
        for (i, p, g) in items {
            let g = g.data();
            let mut theta = p.data_mut();
            let m = self.m.get(NAME, i, p)?;
            let u = self.u.get(NAME, i, p)?;
            for k in 0..theta.len() {
                m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                u[k] = (b2 * u[k]).max(g[k].abs());
                theta[k] -= lr * (m[k] / bias_1) / (u[k] + eps);
            }
        }
        Ok(())
    }

    fn learning_rate(&self) -> f32 {
        self.config.learning_rate
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.config.learning_rate = lr;
    }
    fn momentum(&self) -> Option<f32> {
        Some(self.config.beta_1)
    }
    fn set_momentum(&mut self, momentum: f32) {
        self.config.beta_1 = momentum;
    }

    fn state(&self) -> OptimizerState {
        let c = &self.config;
        let mut s = OptimizerState::new(
            NAME,
            self.step,
            &[("learning_rate", c.learning_rate), ("beta_1", c.beta_1), ("beta_2", c.beta_2), ("epsilon", c.epsilon)],
        );
        self.m.save(&mut s.buffers);
        self.u.save(&mut s.buffers);
        s
    }

    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        s.expect_optimizer(NAME)?;
        s.expect_buffer_kinds(&["m", "u"])?;
        let config = AdaMaxConfig {
            learning_rate: s.require("learning_rate")?,
            beta_1: s.require("beta_1")?,
            beta_2: s.require("beta_2")?,
            epsilon: s.require("epsilon")?,
        };
        self.config = config;
        self.step = s.step;
        self.m.load(s);
        self.u.load(s);
        Ok(())
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testing::{assert_trajectory, grad, run, THETA0};

    #[test]
    fn matches_the_rule() {
        let (eta, b1, b2, eps) = (0.1f64, 0.9f64, 0.999f64, 1e-7);
        let mut theta = THETA0.to_vec();
        let (mut m, mut u) = ([0.0f64; 3], [0.0f64; 3]);
        let want: Vec<Vec<f64>> = (1..=5)
            .map(|t| {
                let g = grad(&theta);
                for k in 0..3 {
                    m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                    u[k] = (b2 * u[k]).max(g[k].abs());
                    theta[k] -= eta / (1.0 - b1.powi(t)) * m[k] / (u[k] + eps);
                }
                theta.clone()
            })
            .collect();
        let mut opt = AdaMax::new(AdaMaxConfig { learning_rate: 0.1, ..Default::default() });
        assert_trajectory(&run(&mut opt, 5), &want, 1e-5);
    }
}
