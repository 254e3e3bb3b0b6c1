//! RMSProp: AdaGrad with a memory that fades.
//!
//! AdaGrad's accumulator never forgets, so its steps shrink to nothing. An
//! exponential moving average of the squared gradients keeps the per-
//! parameter scaling but only over the recent past, so the rate stays useful
//! for the whole of training. The centred variant divides by an estimate of
//! the gradient's *variance* instead of its second moment; momentum adds a
//! velocity on top of the scaled step.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::driver::{check, knobs, Invalid, Rule};

/// RMSProp (Hinton, unpublished lecture notes, 2012): AdaGrad with a fading memory.
///
/// s ← ρs + (1 − ρ) ∇J(θ) ⊗ ∇J(θ);  θ ← θ − η ∇J(θ) ⊘ √(s + ε)
///
/// Centred: also ḡ ← ρḡ + (1 − ρ) ∇J(θ), and the root is of s − ḡ⊗ḡ + ε
/// (clamped at 0 before adding ε, where rounding could make it negative).
/// With momentum μ > 0 the step goes through a velocity:
/// m ← μm + η ∇J(θ) ⊘ √(…);  θ ← θ − m. ε under the root and this velocity
/// are Keras 3's `RMSprop` (PyTorch adds ε outside the root); the tests'
/// reference is Keras's rule. The defaults are Keras's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RmsPropConfig {
    /// η, the learning rate. Keras: 0.001.
    pub learning_rate: f32,
    /// ρ, the decay of the squared-gradient average. Keras: 0.9.
    pub rho: f32,
    /// μ in [0, 1); 0 for none (the momentum 1cycle varies). Keras: 0.
    pub momentum: f32,
    /// ε, added under the root (Keras's placement). Keras: 1e-7.
    pub epsilon: f32,
    /// Divide by the gradient's running variance rather than its second moment. Keras: false.
    pub centered: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig { learning_rate: 0.001, rho: 0.9, momentum: 0.0, epsilon: 1e-7, centered: false }
    }
}

/// RMSProp: [`RmsPropConfig`]'s rule run by the [`Driver`](super::Driver).
pub type RmsProp = super::Driver<RmsPropConfig>;

impl Rule for RmsPropConfig {
    const NAME: &'static str = "rmsprop";
    const FORMULA: &'static str = "s ← ρs + (1 − ρ)∇J ⊗ ∇J;  θ ← θ − η ∇J ⊘ √(s + ε)";
    const SLOTS: &'static [&'static str] = &["s", "g", "m"];
    type Step = RmsPropConfig;
    knobs!(momentum);

    fn validate(&self) -> Result<(), Invalid> {
        check::learning_rate(self.learning_rate)?;
        check::unit("rho", self.rho)?;
        check::unit("momentum", self.momentum)?;
        check::nonneg("epsilon", self.epsilon)
    }
    fn uses(&self, slot: usize) -> bool {
        match slot {
            1 => self.centered,
            2 => self.momentum > 0.0,
            _ => true,
        }
    }
    fn prepare(&self, _t: u64) -> RmsPropConfig {
        self.clone()
    }
    fn update(c: &RmsPropConfig, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        let RmsPropConfig { learning_rate: lr, rho, momentum: mu, epsilon: eps, centered } = *c;
        let [s, gbar, m] = state else { unreachable!("the driver passes one buffer per slot") };
        let mut gbar = if centered { Some(gbar) } else { None };
        let mut m = if mu > 0.0 { Some(m) } else { None };
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testing::{assert_trajectory, grad, run, THETA0};

    /// Keras 3's `RMSprop.update_step` (keras/src/optimizers/rmsprop.py) in
    /// f64, for any combination of momentum and centring.
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
