//! Lion: the sign of an interpolated momentum.
//!
//! Chen et al. (2023) found this rule by program search. Every coordinate
//! moves by exactly ±η (plus the decay), so the step's size does not depend
//! on the gradient's scale, as with Adam at its first step — but Lion keeps
//! a single moment instead of two, and its update has a larger norm, so it
//! wants a learning rate 3–10× smaller than AdamW's and a weight decay
//! 3–10× larger. Two decay rates play different roles: β₁ mixes the current
//! gradient into the direction of this step, β₂ is the memory kept for the
//! next ones.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::driver::{check, knobs, Invalid, Rule};

/// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an interpolated momentum.
///
/// At each step:
///
/// 1. c ← β₁m + (1 − β₁) ∇J(θ)
/// 2. θ ← θ − η (sign(c) + λθ)
/// 3. m ← β₂m + (1 − β₂) ∇J(θ)
///
/// with sign(0) = 0, the paper's Algorithm 2 (λθ at the θ before the step, as
/// Keras 3 applies its decoupled decay). The defaults are Keras 3's
/// (Keras 2.13's and the paper's TensorFlow code used η = 1e-4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LionConfig {
    /// η, the learning rate (typically 3–10× smaller than AdamW's). Keras: 0.001.
    pub learning_rate: f32,
    /// β₁, the weight of the momentum in this step's direction (the momentum 1cycle varies). Keras: 0.9.
    pub beta_1: f32,
    /// β₂, the decay of the momentum kept for the next steps. Keras: 0.99.
    pub beta_2: f32,
    /// λ, the decoupled weight decay (multiplied by η); 0 for none. Keras: none.
    pub weight_decay: f32,
}

impl Default for LionConfig {
    fn default() -> Self {
        LionConfig { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.99, weight_decay: 0.0 }
    }
}

/// Lion: [`LionConfig`]'s rule run by the [`Driver`](super::Driver).
pub type Lion = super::Driver<LionConfig>;

/// sign(x) with sign(0) = 0 (`f32::signum` gives ±1 at ±0); NaN stays NaN.
fn sign(x: f32) -> f32 {
    if x == 0.0 {
        0.0
    } else {
        x.signum()
    }
}

impl Rule for LionConfig {
    const NAME: &'static str = "lion";
    const FORMULA: &'static str = "c = β₁m + (1 − β₁)∇J;  θ ← θ − η (sign(c) + λθ);  m ← β₂m + (1 − β₂)∇J";
    const SLOTS: &'static [&'static str] = &["m"];
    type Step = LionConfig;
    knobs!(beta_1);

    fn validate(&self) -> Result<(), Invalid> {
        check::learning_rate(self.learning_rate)?;
        check::unit("beta_1", self.beta_1)?;
        check::unit("beta_2", self.beta_2)?;
        check::nonneg("weight_decay", self.weight_decay)
    }
    fn prepare(&self, _t: u64) -> LionConfig {
        self.clone()
    }
    fn update(c: &LionConfig, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        let LionConfig { learning_rate: lr, beta_1: b1, beta_2: b2, weight_decay: wd } = *c;
        let [m] = state else { unreachable!("the driver passes one buffer per slot") };
        for k in 0..theta.len() {
            let c = b1 * m[k] + (1.0 - b1) * g[k];
            theta[k] -= lr * (sign(c) + wd * theta[k]);
            m[k] = b2 * m[k] + (1.0 - b2) * g[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Param;
    use crate::optim::testing::{assert_trajectory, grad, run, THETA0};
    use crate::optim::Optimizer;
    use crate::Tensor;

    /// The paper's Algorithm 2 in f64.
    fn reference(eta: f64, b1: f64, b2: f64, lambda: f64, steps: usize) -> Vec<Vec<f64>> {
        let mut theta = THETA0.to_vec();
        let mut m = [0.0f64; 3];
        (0..steps)
            .map(|_| {
                let g = grad(&theta);
                for k in 0..3 {
                    let c = b1 * m[k] + (1.0 - b1) * g[k];
                    let sign = if c > 0.0 {
                        1.0
                    } else if c < 0.0 {
                        -1.0
                    } else {
                        0.0
                    };
                    theta[k] -= eta * (sign + lambda * theta[k]);
                    m[k] = b2 * m[k] + (1.0 - b2) * g[k];
                }
                theta.clone()
            })
            .collect()
    }

    #[test]
    fn matches_the_rule_step_by_step() {
        let mut opt = Lion::new(LionConfig { learning_rate: 0.1, ..Default::default() });
        assert_trajectory(&run(&mut opt, 8), &reference(0.1, 0.9, 0.99, 0.0, 8), 1e-6);
        let mut opt =
            Lion::new(LionConfig { learning_rate: 0.05, beta_1: 0.5, weight_decay: 0.3, ..Default::default() });
        assert_trajectory(&run(&mut opt, 8), &reference(0.05, 0.5, 0.99, 0.3, 8), 1e-6);
    }

    /// Worked by hand: from m = 0 the first step is −η·sign(g), whatever |g|;
    /// a zero gradient with zero momentum does not move the weight.
    #[test]
    fn first_step_is_the_sign_and_zero_stays_put() {
        let x = Tensor::from_vec(vec![1.0, -2.0, 0.0], &[3]).unwrap().requires_grad();
        let w = Tensor::from_vec(vec![1000.0, -0.001, 0.0], &[3]).unwrap();
        let grads = x.mul(&w).unwrap().sum_all().backward().unwrap();
        let mut opt = Lion::new(LionConfig { learning_rate: 0.1, ..Default::default() });
        opt.step(&[Param::trainable("x", &x)], &grads).unwrap();
        let eta = 0.1f32;
        assert_eq!(x.to_vec(), vec![1.0 - eta, -2.0 + eta, 0.0]);
        let share = 1.0f32 - 0.99;
        assert_eq!(opt.state().buffer("m.x"), Some([share * 1000.0, share * -0.001, 0.0].as_slice()));
    }
}
