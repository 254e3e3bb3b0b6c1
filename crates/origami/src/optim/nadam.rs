//! Nadam: Adam with Nesterov's look-ahead on its first moment.
//!
//! Nesterov momentum beats plain momentum by applying the *next* step's
//! momentum before measuring the gradient. Dozat (2016) carries that into
//! Adam: the update uses the bias-corrected first moment as it will be one
//! step ahead (β₁m̂ₜ₊₁-style) plus the current gradient's share, so the
//! momentum part of the step is "looked ahead" at no extra cost. It often
//! converges a little faster than Adam.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::driver::{check, knobs, pow_t, Invalid, Rule};
use super::AdamConfig;

/// Nadam (Dozat 2016): Adam with Nesterov's look-ahead on its first moment.
///
/// At step t:
///
/// 1. m ← β₁m + (1 − β₁) ∇J(θ)
/// 2. s ← β₂s + (1 − β₂) ∇J(θ) ⊗ ∇J(θ)
/// 3. m̄ ← β₁m / (1 − β₁ᵗ⁺¹) + (1 − β₁) ∇J(θ) / (1 − β₁ᵗ)
/// 4. ŝ ← s / (1 − β₂ᵗ)
/// 5. θ ← θ − η m̄ ⊘ (√ŝ + ε)
///
/// This is Keras 3's `Nadam` (keras/src/optimizers/nadam.py) with its
/// momentum schedule left out: Keras 3 uses μₜ = β₁(1 − ½·0.96ᵗ) in place of
/// β₁ in step 3 (μₜ₊₁ on m, 1 − μₜ on the gradient) and the products
/// μ₁⋯μₜ₊₁ and μ₁⋯μₜ in place of β₁ᵗ⁺¹ and β₁ᵗ, so its β₁ starts near half
/// its value and reaches 99 % of it after about 100 steps (PyTorch's `NAdam`
/// and Keras 2 use 0.96^(0.004t), a far slower warm-up). With a constant μ
/// the two are the same, and a test checks that; we keep β₁ constant so that
/// it means what it means in Adam (and 1cycle can drive it). ε is added to
/// the bias-corrected root, as in Keras 3's Nadam. The defaults are Keras's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NadamConfig {
    /// η, the learning rate. Keras: 0.001.
    pub learning_rate: f32,
    /// β₁, the decay of the first moment, constant (the momentum 1cycle varies). Keras: 0.9.
    pub beta_1: f32,
    /// β₂, the decay of the second moment. Keras: 0.999.
    pub beta_2: f32,
    /// ε, added to the bias-corrected root of the second moment. Keras: 1e-7.
    pub epsilon: f32,
}

impl Default for NadamConfig {
    /// Keras gives Nadam Adam's defaults.
    fn default() -> Self {
        let AdamConfig { learning_rate, beta_1, beta_2, epsilon, .. } = AdamConfig::default();
        NadamConfig { learning_rate, beta_1, beta_2, epsilon }
    }
}

/// Nadam: [`NadamConfig`]'s rule run by the [`Driver`](super::Driver).
pub type Nadam = super::Driver<NadamConfig>;

/// The per-step constants: the config and 1 − β₁ᵗ, 1 − β₁ᵗ⁺¹, 1 − β₂ᵗ.
#[derive(Clone, Debug)]
pub struct NadamStep {
    config: NadamConfig,
    bias_1: f32,
    bias_1_next: f32,
    bias_2: f32,
}

impl Rule for NadamConfig {
    const NAME: &'static str = "nadam";
    const FORMULA: &'static str = "m ← β₁m + (1 − β₁)∇J;  s ← β₂s + (1 − β₂)∇J ⊗ ∇J;  m̄ = β₁m/(1 − β₁ᵗ⁺¹) + (1 − β₁)∇J/(1 − β₁ᵗ);  θ ← θ − η m̄ ⊘ (√(s/(1 − β₂ᵗ)) + ε)";
    const SLOTS: &'static [&'static str] = &["m", "v"];
    type Step = NadamStep;
    knobs!(beta_1);

    fn validate(&self) -> Result<(), Invalid> {
        check::moments(self.learning_rate, self.beta_1, self.beta_2, self.epsilon)
    }
    fn prepare(&self, t: u64) -> NadamStep {
        NadamStep {
            config: self.clone(),
            bias_1: (1.0 - pow_t(self.beta_1, t)) as f32,
            bias_1_next: (1.0 - pow_t(self.beta_1, t + 1)) as f32,
            bias_2: (1.0 - pow_t(self.beta_2, t)) as f32,
        }
    }
    fn update(c: &NadamStep, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        let NadamConfig { learning_rate: lr, beta_1: b1, beta_2: b2, epsilon: eps } = c.config;
        let (bias_1, bias_1_next, bias_2) = (c.bias_1, c.bias_1_next, c.bias_2);
        let [m, s] = state else { unreachable!("the driver passes one buffer per slot") };
        for k in 0..theta.len() {
            let gk = g[k];
            m[k] = b1 * m[k] + (1.0 - b1) * gk;
            s[k] = b2 * s[k] + (1.0 - b2) * gk * gk;
            let m_bar = b1 * m[k] / bias_1_next + (1.0 - b1) * gk / bias_1;
            let s_hat = s[k] / bias_2;
            theta[k] -= lr * m_bar / (s_hat.sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testing::{assert_trajectory, grad, run, THETA0};

    /// Keras 3's `Nadam.update_step` (keras/src/optimizers/nadam.py) in f64,
    /// with its momentum schedule μ(t) as a parameter: Keras uses
    /// μ(t) = β₁(1 − ½·0.96ᵗ), and `_u_product` = μ(1)⋯μ(t).
    fn keras(mu: impl Fn(i32) -> f64, steps: i32) -> Vec<Vec<f64>> {
        let (eta, b1, b2, eps) = (0.1f64, 0.9f64, 0.999f64, 1e-7);
        let mut theta = THETA0.to_vec();
        let (mut m, mut v) = ([0.0f64; 3], [0.0f64; 3]);
        let mut u_product = 1.0f64;
        (1..=steps)
            .map(|t| {
                u_product *= mu(t);
                let (u_t, u_t_1) = (mu(t), mu(t + 1));
                let u_product_t_1 = u_product * u_t_1;
                let g = grad(&theta);
                for k in 0..3 {
                    m[k] += (g[k] - m[k]) * (1.0 - b1);
                    v[k] += (g[k] * g[k] - v[k]) * (1.0 - b2);
                    let m_hat = u_t_1 * m[k] / (1.0 - u_product_t_1) + (1.0 - u_t) * g[k] / (1.0 - u_product);
                    let v_hat = v[k] / (1.0 - b2.powi(t));
                    theta[k] -= m_hat * eta / (v_hat.sqrt() + eps);
                }
                theta.clone()
            })
            .collect()
    }

    #[test]
    fn matches_keras_3_with_a_constant_momentum() {
        let mut opt = Nadam::new(NadamConfig { learning_rate: 0.1, ..Default::default() });
        let got = run(&mut opt, 5);
        assert_trajectory(&got, &keras(|_| 0.9, 5), 1e-5);
        // Keras 3's own schedule is not what origami does (the doc comment's claim).
        let scheduled = keras(|t| 0.9 * (1.0 - 0.5 * 0.96f64.powi(t)), 5);
        assert!((got[4][0] as f64 - scheduled[4][0]).abs() > 1e-3, "{got:?} vs {scheduled:?}");
    }

    /// Dozat's five lines as written in the doc comment.
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
