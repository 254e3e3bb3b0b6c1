//! Stochastic gradient descent, with optional momentum and Nesterov's look-ahead.
//!
//! Plain gradient descent takes the steepest local step, θ ← θ − η∇J(θ), and
//! so crawls along a shallow valley while bouncing between its walls.
//! Momentum lets the gradient act as an *acceleration*: on a constant slope
//! the velocity grows to its terminal value η∇J/(1−β) — ten times the plain
//! step for β = 0.9 — while oscillations across the valley cancel out.
//! Nesterov measures the gradient where the momentum is about to carry the
//! parameters rather than where they are, which corrects an overshoot one
//! step earlier.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::driver::{check, knobs, Invalid, Rule};

/// Gradient descent, optionally with momentum or Nesterov momentum.
///
/// * plain (β = 0): θ ← θ − η∇J(θ)
/// * momentum: m ← βm − η∇J(θ); θ ← θ + m
/// * Nesterov: m ← βm − η∇J(θ + βm); θ ← θ + m
///
/// Nesterov is implemented in the usual reformulation (Sutskever et al. 2013,
/// as Keras and PyTorch do) which needs no second gradient evaluation: the
/// stored parameters are the look-ahead point φ = θ + βm itself, and the
/// update φ ← φ + βm′ − η∇J(φ) with m′ = βm − η∇J(φ) follows from
/// φ′ = θ′ + βm′ = θ + m′ + βm′ and θ = φ − βm. A test checks the two forms
/// step by step. The defaults are Keras's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SgdConfig {
    /// η, the learning rate. Keras: 0.01.
    pub learning_rate: f32,
    /// β in [0, 1); 0 is plain gradient descent (the momentum 1cycle varies). Keras: 0.
    pub momentum: f32,
    /// Nesterov's accelerated gradient (needs `momentum > 0` to matter). Keras: false.
    pub nesterov: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig { learning_rate: 0.01, momentum: 0.0, nesterov: false }
    }
}

/// SGD: [`SgdConfig`]'s rule run by the [`Driver`](super::Driver).
pub type Sgd = super::Driver<SgdConfig>;

impl Rule for SgdConfig {
    const NAME: &'static str = "sgd";
    const FORMULA: &'static str = "m ← βm − η∇J(θ);  θ ← θ + m  (β = 0: θ ← θ − η∇J(θ); Nesterov: ∇J at θ + βm)";
    const SLOTS: &'static [&'static str] = &["m"];
    type Step = SgdConfig;
    knobs!(momentum);

    fn validate(&self) -> Result<(), Invalid> {
        check::learning_rate(self.learning_rate)?;
        check::unit("momentum", self.momentum)
    }
    /// Plain gradient descent keeps nothing per parameter.
    fn uses(&self, _slot: usize) -> bool {
        self.momentum > 0.0
    }
    fn prepare(&self, _t: u64) -> SgdConfig {
        self.clone()
    }
    fn update(c: &SgdConfig, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        let SgdConfig { learning_rate: lr, momentum: beta, nesterov } = *c;
        if beta <= 0.0 {
            for (t, &g) in theta.iter_mut().zip(g.iter()) {
                *t -= lr * g;
            }
            return;
        }
        let [m] = state else { unreachable!("the driver passes one buffer per slot") };
        for ((t, m), &g) in theta.iter_mut().zip(m.iter_mut()).zip(g.iter()) {
            *m = beta * *m - lr * g;
            *t += if nesterov { beta * *m - lr * g } else { *m };
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

    fn sgd(learning_rate: f32, momentum: f32, nesterov: bool) -> Sgd {
        Sgd::new(SgdConfig { learning_rate, momentum, nesterov })
    }

    #[test]
    fn plain_gradient_descent_matches_the_rule() {
        let (eta, steps) = (0.1, 4);
        let mut theta = THETA0.to_vec();
        let want: Vec<Vec<f64>> = (0..steps)
            .map(|_| {
                let g = grad(&theta);
                theta.iter_mut().zip(&g).for_each(|(t, g)| *t -= eta * g);
                theta.clone()
            })
            .collect();
        assert_trajectory(&run(&mut sgd(0.1, 0.0, false), steps), &want, 1e-6);
    }

    #[test]
    fn momentum_matches_the_rule() {
        let (eta, beta, steps) = (0.1, 0.9, 5);
        let mut theta = THETA0.to_vec();
        let mut m = [0.0f64; 3];
        let want: Vec<Vec<f64>> = (0..steps)
            .map(|_| {
                let g = grad(&theta);
                for k in 0..3 {
                    m[k] = beta * m[k] - eta * g[k];
                    theta[k] += m[k];
                }
                theta.clone()
            })
            .collect();
        assert_trajectory(&run(&mut sgd(0.1, 0.9, false), steps), &want, 1e-5);
    }

    /// The original Nesterov form — gradient evaluated at the look-ahead
    /// point θ + βm — tracked in f64. The implementation stores φ = θ + βm,
    /// so its trajectory must equal θ + βm of the original at every step.
    #[test]
    fn nesterov_reformulation_equals_the_look_ahead_form() {
        let (eta, beta, steps) = (0.1, 0.9, 5);
        let mut theta = THETA0.to_vec();
        let mut m = [0.0f64; 3];
        let want: Vec<Vec<f64>> = (0..steps)
            .map(|_| {
                let look: Vec<f64> = (0..3).map(|k| theta[k] + beta * m[k]).collect();
                let g = grad(&look);
                for k in 0..3 {
                    m[k] = beta * m[k] - eta * g[k];
                    theta[k] += m[k];
                }
                (0..3).map(|k| theta[k] + beta * m[k]).collect()
            })
            .collect();
        // At the start m = 0, so φ₀ = θ₀ and both start from the same point.
        assert_trajectory(&run(&mut sgd(0.1, 0.9, true), steps), &want, 1e-5);
    }

    /// On a constant slope, v∞ = β v∞ − η g gives |v∞| = ηg/(1−β): ten
    /// times plain gradient descent's step for β = 0.9.
    #[test]
    fn momentum_reaches_terminal_velocity() {
        let x = Tensor::zeros(&[1]).requires_grad();
        let mut opt = sgd(0.01, 0.9, false);
        let mut last = 0.0;
        let mut step = 0.0;
        for _ in 0..300 {
            // J(x) = 2x: constant gradient 2.
            let grads = x.mul_scalar(2.0).sum_all().backward().unwrap();
            opt.step(&[Param::trainable("x", &x)], &grads).unwrap();
            let now = x.to_vec()[0];
            step = now - last;
            last = now;
        }
        let plain = -0.01 * 2.0;
        assert!((step / plain - 10.0).abs() < 1e-3, "step {step} is {}× plain", step / plain);
    }

    #[test]
    fn invalid_hyperparameters_are_errors_and_change_nothing() {
        let x = Tensor::ones(&[2]).requires_grad();
        let grads = x.sum_all().backward().unwrap();
        for mut opt in [sgd(-1.0, 0.0, false), sgd(f32::NAN, 0.0, false), sgd(0.1, 1.0, false)] {
            assert!(opt.step(&[Param::trainable("x", &x)], &grads).is_err());
        }
        assert_eq!(x.to_vec(), vec![1.0, 1.0]);
    }
}
