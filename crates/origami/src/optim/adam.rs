//! Adam, its AMSGrad variant, and AdamW.
//!
//! Adam combines the two ideas of the simpler optimizers: a momentum-like
//! moving average of the gradient (first moment m) and RMSProp's moving
//! average of its square (second moment s). Both start at zero and are
//! therefore biased towards zero early on; dividing by 1 − βᵗ removes that
//! bias, which is why the step count is part of the state.
//!
//! AMSGrad divides by the largest second moment seen so far, so that the
//! effective rate never grows — a fix for a convergence counter-example.
//! AdamW *decouples* weight decay: it shrinks θ directly (θ ← θ − ηλθ)
//! instead of adding λ‖θ‖²/2 to the loss. With plain SGD the two are the
//! same, but Adam would divide an L2 term's gradient by √ŝ, so that heavily
//! updated weights would be decayed less; the decoupled form decays every
//! weight at the same rate.

use super::{check_lr, check_nonneg, check_unit, pow_t, with_grads, Buffers, Optimizer, OptimizerState};
use crate::{Grads, Result, Tensor};

/// Hyperparameters of [`Adam`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamConfig {
    /// η. Keras: 0.001.
    pub learning_rate: f32,
    /// β₁, decay of the first moment. Keras: 0.9.
    pub beta_1: f32,
    /// β₂, decay of the second moment. Keras: 0.999.
    pub beta_2: f32,
    /// ε, added to the root of the second moment. Keras: 1e-7.
    pub epsilon: f32,
    /// Use the running maximum of the second moment (Reddi et al. 2018). Keras: false.
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false }
    }
}

/// Hyperparameters of [`AdamW`]; the defaults are Keras's.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamWConfig {
    /// η. Keras: 0.001.
    pub learning_rate: f32,
    /// λ, the decoupled weight decay (multiplied by η, as in Keras and PyTorch). Keras: 0.004.
    pub weight_decay: f32,
    /// β₁. Keras: 0.9.
    pub beta_1: f32,
    /// β₂. Keras: 0.999.
    pub beta_2: f32,
    /// ε. Keras: 1e-7.
    pub epsilon: f32,
    /// AMSGrad variant. Keras: false.
    pub amsgrad: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            learning_rate: 0.001,
            weight_decay: 0.004,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
        }
    }
}

/// Adam (Kingma & Ba 2015), at step t (counting from 1):
///
/// 1. m ← β₁m + (1 − β₁) ∇J(θ)
/// 2. s ← β₂s + (1 − β₂) ∇J(θ) ⊗ ∇J(θ)
/// 3. m̂ ← m / (1 − β₁ᵗ)
/// 4. ŝ ← s / (1 − β₂ᵗ)
/// 5. θ ← θ − η m̂ ⊘ (√ŝ + ε)
///
/// The lecture writes step 1 as m ← β₁m − (1 − β₁)∇J and step 5 with a plus
/// sign (the same update), and puts ε under the root; like the paper, Keras
/// and PyTorch we add it after the root — the two differ only where ŝ is
/// comparable to ε. AMSGrad replaces s in step 4 by ŝₘₐₓ ← max(ŝₘₐₓ, s).
#[derive(Clone, Debug)]
pub struct Adam {
    /// The hyperparameters; may be changed between steps.
    pub config: AdamConfig,
    core: AdamCore,
}

/// AdamW (Loshchilov & Hutter 2019): Adam's steps 1–4, then
///
/// θ ← θ − η (m̂ ⊘ (√ŝ + ε) + λθ)
///
/// The decay is not part of the gradient, so it never enters m or s.
#[derive(Clone, Debug)]
pub struct AdamW {
    /// The hyperparameters; may be changed between steps.
    pub config: AdamWConfig,
    core: AdamCore,
}

impl Adam {
    /// An optimizer with the given hyperparameters.
    pub fn new(config: AdamConfig) -> Self {
        Adam { config, core: AdamCore::default() }
    }
}

impl Default for Adam {
    fn default() -> Self {
        Adam::new(AdamConfig::default())
    }
}

impl AdamW {
    /// An optimizer with the given hyperparameters.
    pub fn new(config: AdamWConfig) -> Self {
        AdamW { config, core: AdamCore::default() }
    }
}

impl Default for AdamW {
    fn default() -> Self {
        AdamW::new(AdamWConfig::default())
    }
}

/// The hyperparameters common to both, AdamW's with its decay.
#[derive(Clone, Copy)]
struct Hyper {
    lr: f32,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    amsgrad: bool,
    weight_decay: f32,
}

impl From<&AdamConfig> for Hyper {
    fn from(c: &AdamConfig) -> Self {
        Hyper {
            lr: c.learning_rate,
            beta_1: c.beta_1,
            beta_2: c.beta_2,
            epsilon: c.epsilon,
            amsgrad: c.amsgrad,
            weight_decay: 0.0,
        }
    }
}

impl From<&AdamWConfig> for Hyper {
    fn from(c: &AdamWConfig) -> Self {
        Hyper {
            lr: c.learning_rate,
            beta_1: c.beta_1,
            beta_2: c.beta_2,
            epsilon: c.epsilon,
            amsgrad: c.amsgrad,
            weight_decay: c.weight_decay,
        }
    }
}

/// The moments and the step count, shared by Adam and AdamW.
#[derive(Clone, Debug)]
struct AdamCore {
    step: u64,
    m: Buffers,
    s: Buffers,
    s_max: Buffers,
}

impl Default for AdamCore {
    fn default() -> Self {
        AdamCore { step: 0, m: Buffers::new("m", 0.0), s: Buffers::new("v", 0.0), s_max: Buffers::new("vhat", 0.0) }
    }
}

/// The per-step constants of the update loop.
#[derive(Clone, Copy)]
struct Consts {
    b1: f32,
    b2: f32,
    step_size: f32,
    inv_root_bias_2: f32,
    eps: f32,
    decay: f32,
}

crate::multiversion! {
    /// Steps 1–5 on one chunk of weights (and AdamW's decay). Bound by its
    /// division and root, so worth the wide vector units.
    fn update(theta: &mut [f32], g: &[f32], m: &mut [f32], s: &mut [f32], s_max: Option<&mut [f32]>, c: Consts) {
        let Consts { b1, b2, step_size, inv_root_bias_2, eps, decay } = c;
        let n = theta.len();
        let (g, m, s) = (&g[..n], &mut m[..n], &mut s[..n]);
        match s_max {
            None => {
                for k in 0..n {
                    m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                    s[k] = b2 * s[k] + (1.0 - b2) * g[k] * g[k];
                    let denom = s[k].sqrt() * inv_root_bias_2 + eps;
                    theta[k] -= step_size * m[k] / denom + decay * theta[k];
                }
            }
            Some(s_max) => {
                let s_max = &mut s_max[..n];
                for k in 0..n {
                    m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                    s[k] = b2 * s[k] + (1.0 - b2) * g[k] * g[k];
                    s_max[k] = s_max[k].max(s[k]);
                    let denom = s_max[k].sqrt() * inv_root_bias_2 + eps;
                    theta[k] -= step_size * m[k] / denom + decay * theta[k];
                }
            }
        }
    }
}

impl AdamCore {
    fn step(&mut self, op: &'static str, h: Hyper, params: &[Tensor], grads: &Grads) -> Result<()> {
        check_lr(op, h.lr)?;
        check_unit(op, "beta_1", h.beta_1)?;
        check_unit(op, "beta_2", h.beta_2)?;
        check_nonneg(op, "epsilon", h.epsilon)?;
        check_nonneg(op, "weight_decay", h.weight_decay)?;
        let items = with_grads(op, params, grads)?;
        for &(i, p, _) in &items {
            self.m.check(op, i, p)?;
            self.s.check(op, i, p)?;
            if h.amsgrad {
                self.s_max.check(op, i, p)?;
            }
        }
        self.step += 1;
        let bias_1 = 1.0 - pow_t(h.beta_1, self.step);
        let bias_2 = 1.0 - pow_t(h.beta_2, self.step);
        let Hyper { lr, beta_1: b1, beta_2: b2, epsilon: eps, weight_decay: wd, .. } = h;
        // Steps 3–5 rearranged as PyTorch does, to one division and one root
        // per weight: η m̂ ⊘ (√ŝ + ε) = (η / (1 − β₁ᵗ)) m ⊘ (√s / √(1 − β₂ᵗ) + ε).
        let step_size = (lr as f64 / bias_1) as f32;
        let inv_root_bias_2 = (1.0 / bias_2.sqrt()) as f32;
        let decay = lr * wd;
        for (i, p, g) in items {
            let g = g.data();
            let mut theta = p.data_mut();
            let m = self.m.get(op, i, p)?;
            let s = self.s.get(op, i, p)?;
            // Per element, independent: chunks can go to different threads and
            // the result does not depend on how many there are.
            let c = Consts { b1, b2, step_size, inv_root_bias_2, eps, decay };
            let s_max = if h.amsgrad { Some(self.s_max.get(op, i, p)?) } else { None };
            super::par_update4(&mut theta, &g, m, s, s_max, |t, g, m, s, s_max| update(t, g, m, s, s_max, c));
        }
        Ok(())
    }

    fn save(&self, s: &mut OptimizerState) {
        s.step = self.step;
        self.m.save(&mut s.buffers);
        self.s.save(&mut s.buffers);
        self.s_max.save(&mut s.buffers);
    }

    fn load(&mut self, s: &OptimizerState) -> Result<()> {
        s.expect_buffer_kinds(&["m", "v", "vhat"])?;
        self.step = s.step;
        self.m.load(s);
        self.s.load(s);
        self.s_max.load(s);
        Ok(())
    }
}

impl Optimizer for Adam {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        self.core.step("adam", Hyper::from(&self.config), params, grads)
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
            "adam",
            0,
            &[
                ("learning_rate", c.learning_rate),
                ("beta_1", c.beta_1),
                ("beta_2", c.beta_2),
                ("epsilon", c.epsilon),
                ("amsgrad", c.amsgrad as u8 as f32),
            ],
        );
        self.core.save(&mut s);
        s
    }

    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        s.expect_optimizer("adam")?;
        let config = AdamConfig {
            learning_rate: s.require("learning_rate")?,
            beta_1: s.require("beta_1")?,
            beta_2: s.require("beta_2")?,
            epsilon: s.require("epsilon")?,
            amsgrad: s.require_flag("amsgrad")?,
        };
        self.core.load(s)?;
        self.config = config;
        Ok(())
    }

    fn name(&self) -> &'static str {
        "adam"
    }
}

impl Optimizer for AdamW {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        self.core.step("adamw", Hyper::from(&self.config), params, grads)
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
            "adamw",
            0,
            &[
                ("learning_rate", c.learning_rate),
                ("weight_decay", c.weight_decay),
                ("beta_1", c.beta_1),
                ("beta_2", c.beta_2),
                ("epsilon", c.epsilon),
                ("amsgrad", c.amsgrad as u8 as f32),
            ],
        );
        self.core.save(&mut s);
        s
    }

    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        s.expect_optimizer("adamw")?;
        let config = AdamWConfig {
            learning_rate: s.require("learning_rate")?,
            weight_decay: s.require("weight_decay")?,
            beta_1: s.require("beta_1")?,
            beta_2: s.require("beta_2")?,
            epsilon: s.require("epsilon")?,
            amsgrad: s.require_flag("amsgrad")?,
        };
        self.core.load(s)?;
        self.config = config;
        Ok(())
    }

    fn name(&self) -> &'static str {
        "adamw"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testing::{assert_trajectory, grad, param, run, run_from, THETA0};

    /// Adam's five lines in f64, with AMSGrad and decoupled decay λ as options.
    fn reference(eta: f64, amsgrad: bool, lambda: f64, steps: usize) -> Vec<Vec<f64>> {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-7);
        let mut theta = THETA0.to_vec();
        let (mut m, mut s, mut s_max) = ([0.0f64; 3], [0.0f64; 3], [0.0f64; 3]);
        (1..=steps)
            .map(|t| {
                let g = grad(&theta);
                for k in 0..3 {
                    m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                    s[k] = b2 * s[k] + (1.0 - b2) * g[k] * g[k];
                    s_max[k] = s_max[k].max(s[k]);
                    let m_hat = m[k] / (1.0 - b1.powi(t as i32));
                    let s_hat = if amsgrad { s_max[k] } else { s[k] } / (1.0 - b2.powi(t as i32));
                    theta[k] -= eta * (m_hat / (s_hat.sqrt() + eps) + lambda * theta[k]);
                }
                theta.clone()
            })
            .collect()
    }

    #[test]
    fn adam_matches_the_rule() {
        let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, ..Default::default() });
        assert_trajectory(&run(&mut opt, 5), &reference(0.1, false, 0.0, 5), 1e-5);
    }

    #[test]
    fn first_adam_step_has_size_eta_in_every_coordinate() {
        // Worked by hand: after one step m̂ = g and ŝ = g², so Δθ = −η·sign(g)
        // (up to ε) whatever the gradient's scale — Adam's scale invariance.
        let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, ..Default::default() });
        let got = run(&mut opt, 1).remove(0);
        for (k, want) in [0.9, -1.9, 2.9].iter().enumerate() {
            assert!((got[k] - want).abs() < 1e-5, "{got:?}");
        }
    }

    #[test]
    fn amsgrad_matches_the_rule() {
        // AMSGrad differs from Adam only once s shrinks, which needs gradients
        // that fall sharply: J_t(θ) = c_t·(θ₀ + 2θ₁ − θ₂), c_t = 10, 1, 0.1, 0.1, 0.1,
        // and a short memory β₂ = 0.5 so that s forgets the large ones quickly.
        let (eta, b1, b2, eps) = (0.1f64, 0.9f64, 0.5f64, 1e-7);
        let scale = [10.0f64, 1.0, 0.1, 0.1, 0.1];
        let dir = [1.0f64, 2.0, -1.0];
        let reference = |amsgrad: bool| -> Vec<Vec<f64>> {
            let mut theta = THETA0.to_vec();
            let (mut m, mut s, mut s_max) = ([0.0f64; 3], [0.0f64; 3], [0.0f64; 3]);
            (1..=5)
                .map(|t: i32| {
                    for k in 0..3 {
                        let g = scale[t as usize - 1] * dir[k];
                        m[k] = b1 * m[k] + (1.0 - b1) * g;
                        s[k] = b2 * s[k] + (1.0 - b2) * g * g;
                        s_max[k] = s_max[k].max(s[k]);
                        let second = if amsgrad { s_max[k] } else { s[k] };
                        let m_hat = m[k] / (1.0 - b1.powi(t));
                        theta[k] -= eta * m_hat / ((second / (1.0 - b2.powi(t))).sqrt() + eps);
                    }
                    theta.clone()
                })
                .collect()
        };
        let theta = param();
        let d = Tensor::from_vec(dir.iter().map(|&x| x as f32).collect(), &[3]).unwrap();
        let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, beta_2: 0.5, amsgrad: true, ..Default::default() });
        let got: Vec<Vec<f32>> = scale
            .iter()
            .map(|&c| {
                let grads = theta.mul(&d).unwrap().sum_all().mul_scalar(c as f32).backward().unwrap();
                opt.step(std::slice::from_ref(&theta), &grads).unwrap();
                theta.to_vec()
            })
            .collect();
        let (want, plain) = (reference(true), reference(false));
        assert_trajectory(&got, &want, 1e-5);
        assert!((want[4][0] - plain[4][0]).abs() > 1e-2, "the problem must tell the variants apart");
    }

    #[test]
    fn adamw_matches_the_rule() {
        let mut opt = AdamW::new(AdamWConfig { learning_rate: 0.1, weight_decay: 0.5, ..Default::default() });
        assert_trajectory(&run(&mut opt, 5), &reference(0.1, false, 0.5, 5), 1e-5);
    }

    /// Decoupled decay is not L2 regularisation: adding λ‖θ‖²/2 to the loss
    /// puts λθ through Adam's normalisation; AdamW does not.
    #[test]
    fn decoupled_decay_differs_from_l2_in_the_loss() {
        let lambda = 0.5f32;
        let theta = param();
        let mut adamw = AdamW::new(AdamWConfig { learning_rate: 0.1, weight_decay: lambda, ..Default::default() });
        let decoupled = run_from(&mut adamw, &theta, 3).pop().unwrap();

        let theta = param();
        let mut adam = Adam::new(AdamConfig { learning_rate: 0.1, ..Default::default() });
        for _ in 0..3 {
            let l2 = theta.square().sum_all().mul_scalar(lambda / 2.0);
            let loss = crate::optim::testing::loss(&theta).add(&l2).unwrap();
            adam.step(std::slice::from_ref(&theta), &loss.backward().unwrap()).unwrap();
        }
        let coupled = theta.to_vec();
        assert!(decoupled.iter().zip(&coupled).any(|(a, b)| (a - b).abs() > 1e-3), "{decoupled:?} vs {coupled:?}");
    }
}
