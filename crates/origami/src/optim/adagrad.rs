//! AdaGrad: a learning rate per parameter that shrinks with its gradients' history.
//!
//! Dividing each step by the root of the accumulated squared gradients
//! scales steep directions down more than shallow ones, so the update points
//! more directly at the optimum of an elongated bowl, and the learning rate
//! needs less tuning. The accumulator only grows, so the effective rate
//! decays towards zero: fine for simple convex problems, but deep networks
//! often stop before reaching the minimum (RMSProp's reason to exist).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::driver::{check, knobs, Invalid, Rule};

/// AdaGrad (Duchi et al. 2011): a rate per weight that shrinks with its gradients' history.
///
/// s ← s + ∇J(θ) ⊗ ∇J(θ);  θ ← θ − η ∇J(θ) ⊘ √(s + ε)
///
/// with ε under the root, as Keras 3's `Adagrad` (PyTorch adds it outside).
/// The defaults are Keras's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AdaGradConfig {
    /// η, the learning rate. Keras: 0.001.
    pub learning_rate: f32,
    /// The value every accumulator starts from (read when a parameter is
    /// first seen). Keras: 0.1.
    pub initial_accumulator_value: f32,
    /// ε, added under the root (Keras's placement). Keras: 1e-7.
    pub epsilon: f32,
}

impl Default for AdaGradConfig {
    fn default() -> Self {
        AdaGradConfig { learning_rate: 0.001, initial_accumulator_value: 0.1, epsilon: 1e-7 }
    }
}

/// AdaGrad: [`AdaGradConfig`]'s rule run by the [`Driver`](super::Driver).
pub type AdaGrad = super::Driver<AdaGradConfig>;

impl Rule for AdaGradConfig {
    const NAME: &'static str = "adagrad";
    const FORMULA: &'static str = "s ← s + ∇J(θ) ⊗ ∇J(θ);  θ ← θ − η ∇J(θ) ⊘ √(s + ε)";
    const SLOTS: &'static [&'static str] = &["s"];
    type Step = AdaGradConfig;
    knobs!();

    fn validate(&self) -> Result<(), Invalid> {
        check::learning_rate(self.learning_rate)?;
        check::nonneg("initial_accumulator_value", self.initial_accumulator_value)?;
        check::nonneg("epsilon", self.epsilon)?;
        if self.initial_accumulator_value == 0.0 && self.epsilon == 0.0 {
            return Err((
                "epsilon",
                "epsilon and initial_accumulator_value cannot both be 0 (division by zero)".into(),
            ));
        }
        Ok(())
    }
    fn init(&self, _slot: usize) -> f32 {
        self.initial_accumulator_value
    }
    fn prepare(&self, _t: u64) -> AdaGradConfig {
        self.clone()
    }
    fn update(c: &AdaGradConfig, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        let (lr, eps) = (c.learning_rate, c.epsilon);
        let [s] = state else { unreachable!("the driver passes one buffer per slot") };
        for ((t, s), &g) in theta.iter_mut().zip(s.iter_mut()).zip(g.iter()) {
            *s += g * g;
            *t -= lr * g / (*s + eps).sqrt();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testing::{assert_trajectory, grad, run, THETA0};
    use crate::optim::Optimizer;
    use crate::Tensor;

    #[test]
    fn matches_the_rule() {
        let (eta, s0, eps, steps) = (0.5, 0.1, 1e-7, 5);
        let mut theta = THETA0.to_vec();
        let mut s = [s0; 3];
        let want: Vec<Vec<f64>> = (0..steps)
            .map(|_| {
                let g = grad(&theta);
                for k in 0..3 {
                    s[k] += g[k] * g[k];
                    theta[k] -= eta * g[k] / (s[k] + eps).sqrt();
                }
                theta.clone()
            })
            .collect();
        let mut opt = AdaGrad::new(AdaGradConfig { learning_rate: 0.5, ..Default::default() });
        assert_trajectory(&run(&mut opt, steps), &want, 1e-5);
    }

    #[test]
    fn rejects_a_zero_denominator() {
        let x = Tensor::ones(&[1]).requires_grad();
        let grads = x.sum_all().backward().unwrap();
        let mut opt =
            AdaGrad::new(AdaGradConfig { initial_accumulator_value: 0.0, epsilon: 0.0, ..Default::default() });
        assert!(opt.step(&[crate::nn::Param::trainable("x", &x)], &grads).is_err());
    }
}
