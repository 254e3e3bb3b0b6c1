//! RMSProp: AdaGrad with a memory that fades.
//!
//! AdaGrad's accumulator never forgets, so its steps shrink to nothing. An
//! exponential moving average of the squared gradients keeps the per-
//! parameter scaling but only over the recent past, so the rate stays useful
//! for the whole of training. The centred variant divides by an estimate of
//! the gradient's *variance* instead of its second moment; momentum adds a
//! velocity on top of the scaled step.

use super::{check_lr, check_nonneg, check_unit, with_grads, Buffers, Optimizer, OptimizerState};
use crate::{Grads, Result, Tensor};

const NAME: &str = "rmsprop";

/// Hyperparameters of [`RmsProp`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq)]
pub struct RmsPropConfig {
    /// η. Keras: 0.001.
    pub learning_rate: f32,
    /// ρ, the decay of the squared-gradient average. Keras: 0.9.
    pub rho: f32,
    /// μ in [0, 1); 0 for none. Keras: 0.
    pub momentum: f32,
    /// ε, added under the root. Keras: 1e-7.
    pub epsilon: f32,
    /// Divide by the gradient's running variance rather than its second moment. Keras: false.
    pub centered: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig { learning_rate: 0.001, rho: 0.9, momentum: 0.0, epsilon: 1e-7, centered: false }
    }
}

/// RMSProp (Hinton, unpublished lecture notes, 2012):
///
/// s ← ρs + (1 − ρ) ∇J(θ) ⊗ ∇J(θ);  θ ← θ − η ∇J(θ) ⊘ √(s + ε)
///
/// Centred: also ḡ ← ρḡ + (1 − ρ) ∇J(θ), and the root is of s − ḡ⊗ḡ + ε.
/// With momentum μ > 0 the step goes through a velocity, as in Keras:
/// m ← μm + η ∇J(θ) ⊘ √(…);  θ ← θ − m.
#[derive(Clone, Debug)]
pub struct RmsProp {
    /// The hyperparameters; may be changed between steps.
    pub config: RmsPropConfig,
    step: u64,
    square_avg: Buffers,
    grad_avg: Buffers,
    velocity: Buffers,
}

impl RmsProp {
    /// An optimizer with the given hyperparameters.
    pub fn new(config: RmsPropConfig) -> Self {
        RmsProp {
            config,
            step: 0,
            square_avg: Buffers::new("s", 0.0),
            grad_avg: Buffers::new("g", 0.0),
            velocity: Buffers::new("m", 0.0),
        }
    }
}

impl Default for RmsProp {
    fn default() -> Self {
        RmsProp::new(RmsPropConfig::default())
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        let RmsPropConfig { learning_rate: lr, rho, momentum: mu, epsilon: eps, centered } = self.config;
        check_lr(NAME, lr)?;
        check_unit(NAME, "rho", rho)?;
        check_unit(NAME, "momentum", mu)?;
        check_nonneg(NAME, "epsilon", eps)?;
        let items = with_grads(NAME, params, grads)?;
        for &(i, p, _) in &items {
            self.square_avg.check(NAME, i, p)?;
            if centered {
                self.grad_avg.check(NAME, i, p)?;
            }
            if mu > 0.0 {
                self.velocity.check(NAME, i, p)?;
            }
        }
        self.step += 1;
        for (i, p, g) in items {
            let g = g.data();
            let mut theta = p.data_mut();
            let s = self.square_avg.get(NAME, i, p)?;
            let mut gbar = if centered { Some(self.grad_avg.get(NAME, i, p)?) } else { None };
            let mut m = if mu > 0.0 { Some(self.velocity.get(NAME, i, p)?) } else { None };
            for k in 0..theta.len() {
                let gk = g[k];
                s[k] = rho * s[k] + (1.0 - rho) * gk * gk;
                let denom = match gbar.as_deref_mut() {
                    Some(gbar) => {
                        gbar[k] = rho * gbar[k] + (1.0 - rho) * gk;
                        // Non-negative in exact arithmetic (Cauchy–Schwarz); rounding may not be.
                        (s[k] - gbar[k] * gbar[k]).max(0.0) + eps
                    }
                    None => s[k] + eps,
                };
                let increment = lr * gk / denom.sqrt();
                match m.as_deref_mut() {
                    Some(m) => {
                        m[k] = mu * m[k] + increment;
                        theta[k] -= m[k];
                    }
                    None => theta[k] -= increment,
                }
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
        Some(self.config.momentum)
    }
    fn set_momentum(&mut self, momentum: f32) {
        self.config.momentum = momentum;
    }

    fn state(&self) -> OptimizerState {
        let c = &self.config;
        let mut s = OptimizerState::new(
            NAME,
            self.step,
            &[
                ("learning_rate", c.learning_rate),
                ("rho", c.rho),
                ("momentum", c.momentum),
                ("epsilon", c.epsilon),
                ("centered", c.centered as u8 as f32),
            ],
        );
        self.square_avg.save(&mut s.buffers);
        self.grad_avg.save(&mut s.buffers);
        self.velocity.save(&mut s.buffers);
        s
    }

    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        s.expect_optimizer(NAME)?;
        s.expect_buffer_kinds(&["s", "g", "m"])?;
        let config = RmsPropConfig {
            learning_rate: s.require("learning_rate")?,
            rho: s.require("rho")?,
            momentum: s.require("momentum")?,
            epsilon: s.require("epsilon")?,
            centered: s.require_flag("centered")?,
        };
        self.config = config;
        self.step = s.step;
        self.square_avg.load(s);
        self.grad_avg.load(s);
        self.velocity.load(s);
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

    /// The rule in f64 for any combination of momentum and centring.
    fn reference(eta: f64, rho: f64, mu: f64, centered: bool, steps: usize) -> Vec<Vec<f64>> {
        let eps = 1e-7;
        let mut theta = THETA0.to_vec();
        let (mut s, mut gbar, mut m) = ([0.0f64; 3], [0.0f64; 3], [0.0f64; 3]);
        (0..steps)
            .map(|_| {
                let g = grad(&theta);
                for k in 0..3 {
                    s[k] = rho * s[k] + (1.0 - rho) * g[k] * g[k];
                    gbar[k] = rho * gbar[k] + (1.0 - rho) * g[k];
                    let var = if centered { s[k] - gbar[k] * gbar[k] } else { s[k] };
                    let inc = eta * g[k] / (var + eps).sqrt();
                    m[k] = mu * m[k] + inc;
                    theta[k] -= m[k];
                }
                theta.clone()
            })
            .collect()
    }

    fn opt(momentum: f32, centered: bool) -> RmsProp {
        RmsProp::new(RmsPropConfig { learning_rate: 0.05, momentum, centered, ..Default::default() })
    }

    #[test]
    fn matches_the_rule() {
        assert_trajectory(&run(&mut opt(0.0, false), 5), &reference(0.05, 0.9, 0.0, false, 5), 1e-5);
    }

    #[test]
    fn momentum_variant_matches_the_rule() {
        assert_trajectory(&run(&mut opt(0.9, false), 5), &reference(0.05, 0.9, 0.9, false, 5), 1e-5);
    }

    #[test]
    fn centred_variant_matches_the_rule() {
        // With a single step s − ḡ² = 0.1g² − 0.01g² > 0, so the variance is well defined.
        assert_trajectory(&run(&mut opt(0.0, true), 5), &reference(0.05, 0.9, 0.0, true, 5), 1e-5);
        assert_trajectory(&run(&mut opt(0.5, true), 4), &reference(0.05, 0.9, 0.5, true, 4), 1e-5);
    }
}
