//! Nadam: Adam with Nesterov's look-ahead on its first moment.
//!
//! Nesterov momentum beats plain momentum by applying the *next* step's
//! momentum before measuring the gradient. Dozat (2016) carries that into
//! Adam: the update uses the bias-corrected first moment as it will be one
//! step ahead (β₁m̂ₜ₊₁-style) plus the current gradient's share, so the
//! momentum part of the step is "looked ahead" at no extra cost. It often
//! converges a little faster than Adam.

use super::{check_lr, check_nonneg, check_unit, pow_t, with_grads, Buffers, Optimizer, OptimizerState};
use crate::{Grads, Result, Tensor};

const NAME: &str = "nadam";

/// Hyperparameters of [`Nadam`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq)]
pub struct NadamConfig {
    /// η. Keras: 0.001.
    pub learning_rate: f32,
    /// β₁. Keras: 0.9.
    pub beta_1: f32,
    /// β₂. Keras: 0.999.
    pub beta_2: f32,
    /// ε, added after the root. Keras: 1e-7.
    pub epsilon: f32,
}

impl Default for NadamConfig {
    fn default() -> Self {
        NadamConfig { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }
    }
}

/// Nadam (Dozat 2016), at step t:
///
/// 1. m ← β₁m + (1 − β₁) ∇J(θ)
/// 2. s ← β₂s + (1 − β₂) ∇J(θ) ⊗ ∇J(θ)
/// 3. m̄ ← β₁m / (1 − β₁ᵗ⁺¹) + (1 − β₁) ∇J(θ) / (1 − β₁ᵗ)
/// 4. ŝ ← s / (1 − β₂ᵗ)
/// 5. θ ← θ − η m̄ ⊘ (√ŝ + ε)
///
/// This is the paper's form with a constant β₁. Keras and PyTorch
/// additionally warm β₁ up with a schedule μₜ = β₁(1 − ½·0.96^(0.004t));
/// we leave that out so that β₁ means the same as in Adam (and 1cycle can
/// drive it).
#[derive(Clone, Debug)]
pub struct Nadam {
    /// The hyperparameters; may be changed between steps.
    pub config: NadamConfig,
    step: u64,
    m: Buffers,
    s: Buffers,
}

impl Nadam {
    /// An optimizer with the given hyperparameters.
    pub fn new(config: NadamConfig) -> Self {
        Nadam { config, step: 0, m: Buffers::new("m", 0.0), s: Buffers::new("v", 0.0) }
    }
}

impl Default for Nadam {
    fn default() -> Self {
        Nadam::new(NadamConfig::default())
    }
}

impl Optimizer for Nadam {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        let NadamConfig { learning_rate: lr, beta_1: b1, beta_2: b2, epsilon: eps } = self.config;
        check_lr(NAME, lr)?;
        check_unit(NAME, "beta_1", b1)?;
        check_unit(NAME, "beta_2", b2)?;
        check_nonneg(NAME, "epsilon", eps)?;
        let items = with_grads(NAME, params, grads)?;
        for &(i, p, _) in &items {
            self.m.check(NAME, i, p)?;
            self.s.check(NAME, i, p)?;
        }
        self.step += 1;
        let t = self.step;
        let bias_1 = (1.0 - pow_t(b1, t)) as f32;
        let bias_1_next = (1.0 - pow_t(b1, t + 1)) as f32;
        let bias_2 = (1.0 - pow_t(b2, t)) as f32;
        for (i, p, g) in items {
            let g = g.data();
            let mut theta = p.data_mut();
            let m = self.m.get(NAME, i, p)?;
            let s = self.s.get(NAME, i, p)?;
            for k in 0..theta.len() {
                let gk = g[k];
                m[k] = b1 * m[k] + (1.0 - b1) * gk;
                s[k] = b2 * s[k] + (1.0 - b2) * gk * gk;
                let m_bar = b1 * m[k] / bias_1_next + (1.0 - b1) * gk / bias_1;
                let s_hat = s[k] / bias_2;
                theta[k] -= lr * m_bar / (s_hat.sqrt() + eps);
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
        self.s.save(&mut s.buffers);
        s
    }

    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        s.expect_optimizer(NAME)?;
        s.expect_buffer_kinds(&["m", "v"])?;
        let config = NadamConfig {
            learning_rate: s.require("learning_rate")?,
            beta_1: s.require("beta_1")?,
            beta_2: s.require("beta_2")?,
            epsilon: s.require("epsilon")?,
        };
        self.config = config;
        self.step = s.step;
        self.m.load(s);
        self.s.load(s);
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
        let (mut m, mut s) = ([0.0f64; 3], [0.0f64; 3]);
        let want: Vec<Vec<f64>> = (1..=5)
            .map(|t: i32| {
                let g = grad(&theta);
                for k in 0..3 {
                    m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                    s[k] = b2 * s[k] + (1.0 - b2) * g[k] * g[k];
                    let m_bar = b1 * m[k] / (1.0 - b1.powi(t + 1)) + (1.0 - b1) * g[k] / (1.0 - b1.powi(t));
                    let s_hat = s[k] / (1.0 - b2.powi(t));
                    theta[k] -= eta * m_bar / (s_hat.sqrt() + eps);
                }
                theta.clone()
            })
            .collect();
        let mut opt = Nadam::new(NadamConfig { learning_rate: 0.1, ..Default::default() });
        assert_trajectory(&run(&mut opt, 5), &want, 1e-5);
    }
}
