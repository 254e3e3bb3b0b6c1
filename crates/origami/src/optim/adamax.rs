//! AdaMax: Adam with the ℓ∞ norm of past gradients in place of the ℓ2 one.
//!
//! Adam scales by √s, the root of a decayed mean of squared gradients (an
//! ℓ2 norm over time). Taking the limit ℓp → ℓ∞ turns that mean into a
//! decayed *maximum* of |∇J|, which needs no bias correction and is less
//! sensitive to a few large gradients; in practice it is sometimes more
//! stable than Adam, rarely better.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::driver::{check, knobs, pow_t, Invalid, Rule};
use super::AdamConfig;

/// AdaMax (Kingma & Ba 2015, §7.1): Adam with a decayed maximum of |∇J| in place of √s.
///
/// At step t:
///
/// 1. m ← β₁m + (1 − β₁) ∇J(θ)
/// 2. s ← max(β₂s, |∇J(θ)|)
/// 3. m̂ ← m / (1 − β₁ᵗ)
/// 4. θ ← θ − η m̂ ⊘ (s + ε)
///
/// ε added to the maximum, as Keras 3's `Adamax` does. The defaults are Keras's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AdaMaxConfig {
    /// η, the learning rate. Keras: 0.001.
    pub learning_rate: f32,
    /// β₁, the decay of the first moment (the momentum 1cycle varies). Keras: 0.9.
    pub beta_1: f32,
    /// β₂, the decay of the running maximum. Keras: 0.999.
    pub beta_2: f32,
    /// ε, added to the maximum. Keras: 1e-7.
    pub epsilon: f32,
}

impl Default for AdaMaxConfig {
    /// Keras gives AdaMax Adam's defaults.
    fn default() -> Self {
        let AdamConfig { learning_rate, beta_1, beta_2, epsilon, .. } = AdamConfig::default();
        AdaMaxConfig { learning_rate, beta_1, beta_2, epsilon }
    }
}

/// AdaMax: [`AdaMaxConfig`]'s rule run by the [`Driver`](super::Driver).
pub type AdaMax = super::Driver<AdaMaxConfig>;

impl Rule for AdaMaxConfig {
    const NAME: &'static str = "adamax";
    const FORMULA: &'static str = "m ← β₁m + (1 − β₁)∇J;  s ← max(β₂s, |∇J|);  θ ← θ − η m/(1 − β₁ᵗ) ⊘ (s + ε)";
    const SLOTS: &'static [&'static str] = &["m", "u"];
    /// The config and 1 − β₁ᵗ.
    type Step = (AdaMaxConfig, f32);
    knobs!(beta_1);

    fn validate(&self) -> Result<(), Invalid> {
        check::moments(self.learning_rate, self.beta_1, self.beta_2, self.epsilon)
    }
    fn prepare(&self, t: u64) -> (AdaMaxConfig, f32) {
        (self.clone(), (1.0 - pow_t(self.beta_1, t)) as f32)
    }
    fn update((c, bias_1): &(AdaMaxConfig, f32), theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        let AdaMaxConfig { learning_rate: lr, beta_1: b1, beta_2: b2, epsilon: eps } = *c;
        let [m, u] = state else { unreachable!("the driver passes one buffer per slot") };
        for k in 0..theta.len() {
            m[k] = b1 * m[k] + (1.0 - b1) * g[k];
            u[k] = (b2 * u[k]).max(g[k].abs());
            theta[k] -= lr * (m[k] / bias_1) / (u[k] + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testing::{assert_trajectory, grad, run, THETA0};

    /// Keras 3's `Adamax.update_step` (keras/src/optimizers/adamax.py) in f64.
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
