//! AdaGrad: a learning rate per parameter that shrinks with its gradients' history.
//!
//! Dividing each step by the root of the accumulated squared gradients
//! scales steep directions down more than shallow ones, so the update points
//! more directly at the optimum of an elongated bowl, and the learning rate
//! needs less tuning. The accumulator only grows, so the effective rate
//! decays towards zero: fine for simple convex problems, but deep networks
//! often stop before reaching the minimum (RMSProp's reason to exist).

use super::{check_lr, check_nonneg, with_grads, Buffers, Optimizer, OptimizerState};
use crate::{Error, Grads, Result, Tensor};

const NAME: &str = "adagrad";

/// Hyperparameters of [`AdaGrad`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaGradConfig {
    /// η. Keras: 0.001.
    pub learning_rate: f32,
    /// The value every accumulator starts from (read when a parameter is
    /// first seen). Keras: 0.1.
    pub initial_accumulator_value: f32,
    /// ε, added under the root. Keras: 1e-7.
    pub epsilon: f32,
}

impl Default for AdaGradConfig {
    fn default() -> Self {
        AdaGradConfig { learning_rate: 0.001, initial_accumulator_value: 0.1, epsilon: 1e-7 }
    }
}

/// AdaGrad (Duchi et al. 2011):
///
/// s ← s + ∇J(θ) ⊗ ∇J(θ);  θ ← θ − η ∇J(θ) ⊘ √(s + ε)
#[derive(Clone, Debug)]
pub struct AdaGrad {
    /// The hyperparameters; may be changed between steps.
    pub config: AdaGradConfig,
    step: u64,
    accumulator: Buffers,
}

impl AdaGrad {
    /// An optimizer with the given hyperparameters.
    pub fn new(config: AdaGradConfig) -> Self {
        let accumulator = Buffers::new("s", config.initial_accumulator_value);
        AdaGrad { config, step: 0, accumulator }
    }
}

impl Default for AdaGrad {
    fn default() -> Self {
        AdaGrad::new(AdaGradConfig::default())
    }
}

impl Optimizer for AdaGrad {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        let AdaGradConfig { learning_rate: lr, initial_accumulator_value: s0, epsilon: eps } = self.config;
        check_lr(NAME, lr)?;
        check_nonneg(NAME, "initial_accumulator_value", s0)?;
        check_nonneg(NAME, "epsilon", eps)?;
        if s0 == 0.0 && eps == 0.0 {
            return Err(Error::arg(NAME, "epsilon and initial_accumulator_value cannot both be 0 (division by zero)"));
        }
        let items = with_grads(NAME, params, grads)?;
        for &(i, p, _) in &items {
            self.accumulator.check(NAME, i, p)?;
        }
        // A config change since construction applies to accumulators created from now on.
        self.accumulator.set_init(s0);
        self.step += 1;
        for (i, p, g) in items {
            let g = g.data();
            let mut theta = p.data_mut();
            let s = self.accumulator.get(NAME, i, p)?;
            for ((t, s), &g) in theta.iter_mut().zip(s.iter_mut()).zip(g.iter()) {
                *s += g * g;
                *t -= lr * g / (*s + eps).sqrt();
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

    fn state(&self) -> OptimizerState {
        let c = &self.config;
        let mut s = OptimizerState::new(
            NAME,
            self.step,
            &[
                ("learning_rate", c.learning_rate),
                ("initial_accumulator_value", c.initial_accumulator_value),
                ("epsilon", c.epsilon),
            ],
        );
        self.accumulator.save(&mut s.buffers);
        s
    }

    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        s.expect_optimizer(NAME)?;
        s.expect_buffer_kinds(&["s"])?;
        let config = AdaGradConfig {
            learning_rate: s.require("learning_rate")?,
            initial_accumulator_value: s.require("initial_accumulator_value")?,
            epsilon: s.require("epsilon")?,
        };
        self.accumulator = Buffers::new("s", config.initial_accumulator_value);
        self.accumulator.load(s);
        self.config = config;
        self.step = s.step;
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
        assert!(opt.step(std::slice::from_ref(&x), &grads).is_err());
    }
}
