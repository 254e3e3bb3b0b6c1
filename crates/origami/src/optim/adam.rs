//! Adam and its AMSGrad variant.
//!
//! Adam combines the two ideas of the simpler optimizers: a momentum-like
//! moving average of the gradient (first moment m) and RMSProp's moving
//! average of its square (second moment s). Both start at zero and are
//! therefore biased towards zero early on; dividing by 1 − βᵗ removes that
//! bias, which is why the step count is part of the state.
//!
//! AMSGrad divides by the largest second moment seen so far, so that the
//! effective rate never grows — a fix for a convergence counter-example.
//! AdamW ([`super::adamw`]) is this rule plus a decoupled weight decay.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::driver::{check, knobs, pow_t, Invalid, Rule};

/// Adam (Kingma & Ba 2015): momentum plus RMSProp's per-weight scaling, bias-corrected.
///
/// At step t (counting from 1):
///
/// 1. m ← β₁m + (1 − β₁) ∇J(θ)
/// 2. s ← β₂s + (1 − β₂) ∇J(θ) ⊗ ∇J(θ)
/// 3. m̂ ← m / (1 − β₁ᵗ)
/// 4. ŝ ← s / (1 − β₂ᵗ)
/// 5. θ ← θ − η m̂ ⊘ (√ŝ + ε)
///
/// The lecture writes step 1 as m ← β₁m − (1 − β₁)∇J and step 5 with a plus
/// sign (the same update), and puts ε under the root. Step 5 as written —
/// ε added to the *bias-corrected* root — is the paper's Algorithm 1 and
/// PyTorch's `torch.optim.Adam`, which origami follows. Keras 3 adds ε to the
/// uncorrected root, θ ← θ − η√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m ⊘ (√s + ε), which is
/// step 5 with ε replaced by ε/√(1 − β₂ᵗ) (the paper's "ε̂"): about 32ε at the
/// first step with β₂ = 0.999, tending to ε. The two differ only where √ŝ is
/// comparable to ε. AMSGrad replaces s in step 4 by sₘₐₓ ← max(sₘₐₓ, s), as
/// PyTorch and Keras do. The defaults are Keras's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AdamConfig {
    /// η, the learning rate. Keras: 0.001.
    pub learning_rate: f32,
    /// β₁, the decay of the first moment (the momentum 1cycle varies). Keras: 0.9.
    pub beta_1: f32,
    /// β₂, the decay of the second moment. Keras: 0.999.
    pub beta_2: f32,
    /// ε, added to the bias-corrected root of the second moment (PyTorch's placement). Keras: 1e-7.
    pub epsilon: f32,
    /// Divide by the running maximum of the second moment (AMSGrad, Reddi et al. 2018). Keras: false.
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false }
    }
}

/// Adam: [`AdamConfig`]'s rule run by the [`Driver`](super::Driver).
pub type Adam = super::Driver<AdamConfig>;

/// The per-step constants of the update loop (shared with AdamW).
#[derive(Clone, Copy, Debug)]
pub struct Consts {
    b1: f32,
    b2: f32,
    step_size: f32,
    inv_root_bias_2: f32,
    eps: f32,
    decay: f32,
    amsgrad: bool,
}

impl AdamConfig {
    /// Step t's constants, with a decoupled decay λ (0 for plain Adam).
    pub(crate) fn consts(&self, t: u64, weight_decay: f32) -> Consts {
        let bias_1 = 1.0 - pow_t(self.beta_1, t);
        let bias_2 = 1.0 - pow_t(self.beta_2, t);
        // Steps 3–5 rearranged as PyTorch does, to one division and one root
        // per weight: η m̂ ⊘ (√ŝ + ε) = (η / (1 − β₁ᵗ)) m ⊘ (√s / √(1 − β₂ᵗ) + ε).
        Consts {
            b1: self.beta_1,
            b2: self.beta_2,
            step_size: (self.learning_rate as f64 / bias_1) as f32,
            inv_root_bias_2: (1.0 / bias_2.sqrt()) as f32,
            eps: self.epsilon,
            decay: self.learning_rate * weight_decay,
            amsgrad: self.amsgrad,
        }
    }
}

crate::multiversion! {
    /// Steps 1–5 on one chunk of weights (and AdamW's decay). Bound by its
    /// division and root, so worth the wide vector units.
    fn update(theta: &mut [f32], g: &[f32], m: &mut [f32], s: &mut [f32], s_max: Option<&mut [f32]>, c: Consts) {
        let Consts { b1, b2, step_size, inv_root_bias_2, eps, decay, .. } = c;
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

/// Steps 1–5 on the driver's buffers (m, s, sₘₐₓ); shared with AdamW.
pub(crate) fn update_state(c: &Consts, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
    let [m, s, s_max] = state else { unreachable!("the driver passes one buffer per slot") };
    update(theta, g, m, s, if c.amsgrad { Some(&mut **s_max) } else { None }, *c)
}

impl Rule for AdamConfig {
    const NAME: &'static str = "adam";
    const FORMULA: &'static str =
        "m ← β₁m + (1 − β₁)∇J;  s ← β₂s + (1 − β₂)∇J ⊗ ∇J;  m̂ = m/(1 − β₁ᵗ);  ŝ = s/(1 − β₂ᵗ);  θ ← θ − η m̂ ⊘ (√ŝ + ε)";
    const SLOTS: &'static [&'static str] = &["m", "v", "vhat"];
    type Step = Consts;
    knobs!(beta_1);

    fn validate(&self) -> Result<(), Invalid> {
        check::moments(self.learning_rate, self.beta_1, self.beta_2, self.epsilon)
    }
    fn uses(&self, slot: usize) -> bool {
        slot < 2 || self.amsgrad
    }
    fn prepare(&self, t: u64) -> Consts {
        self.consts(t, 0.0)
    }
    fn update(c: &Consts, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        update_state(c, theta, g, state)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::nn::Param;
    use crate::optim::testing::{assert_trajectory, grad, param, run, THETA0};
    use crate::optim::Optimizer;
    use crate::Tensor;

    /// Adam's five lines in f64 as PyTorch's `_single_tensor_adam` computes
    /// them (torch/optim/adam.py: ε added after dividing √s by √(1 − β₂ᵗ)),
    /// with AMSGrad and AdamW's decoupled decay λ (applied to the old θ,
    /// `param.mul_(1 − ηλ)`) as options.
    pub(crate) fn pytorch(eta: f64, eps: f64, amsgrad: bool, lambda: f64, steps: usize) -> Vec<Vec<f64>> {
        let (b1, b2) = (0.9f64, 0.999f64);
        let mut theta = THETA0.to_vec();
        let (mut m, mut s, mut s_max) = ([0.0f64; 3], [0.0f64; 3], [0.0f64; 3]);
        (1..=steps)
            .map(|t| {
                let g = grad(&theta);
                for k in 0..3 {
                    theta[k] *= 1.0 - eta * lambda;
                    m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                    s[k] = b2 * s[k] + (1.0 - b2) * g[k] * g[k];
                    s_max[k] = s_max[k].max(s[k]);
                    let second = if amsgrad { s_max[k] } else { s[k] };
                    let denom = second.sqrt() / (1.0 - b2.powi(t as i32)).sqrt() + eps;
                    theta[k] -= eta / (1.0 - b1.powi(t as i32)) * m[k] / denom;
                }
                theta.clone()
            })
            .collect()
    }

    /// Keras 3's `Adam.update_step` (keras/src/optimizers/adam.py) in f64:
    /// α = η√(1 − β₂ᵗ)/(1 − β₁ᵗ), θ ← θ − α m ⊘ (√s + ε), ε on the raw root.
    pub(crate) fn keras(eta: f64, eps: f64, steps: usize) -> Vec<Vec<f64>> {
        let (b1, b2) = (0.9f64, 0.999f64);
        let mut theta = THETA0.to_vec();
        let (mut m, mut s) = ([0.0f64; 3], [0.0f64; 3]);
        (1..=steps)
            .map(|t| {
                let g = grad(&theta);
                let alpha = eta * (1.0 - b2.powi(t as i32)).sqrt() / (1.0 - b1.powi(t as i32));
                for k in 0..3 {
                    m[k] += (g[k] - m[k]) * (1.0 - b1);
                    s[k] += (g[k] * g[k] - s[k]) * (1.0 - b2);
                    theta[k] -= m[k] * alpha / (s[k].sqrt() + eps);
                }
                theta.clone()
            })
            .collect()
    }

    #[test]
    fn adam_matches_the_rule() {
        let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, ..Default::default() });
        assert_trajectory(&run(&mut opt, 5), &pytorch(0.1, 1e-7, false, 0.0, 5), 1e-5);
    }

    /// With an ε comparable to √ŝ the placements part: origami's trajectory
    /// is PyTorch's, not Keras 3's (the doc comment's claim).
    #[test]
    fn epsilon_is_placed_as_pytorch_places_it_not_as_keras() {
        let eps = 0.5;
        let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, epsilon: eps as f32, ..Default::default() });
        let got = run(&mut opt, 5);
        assert_trajectory(&got, &pytorch(0.1, eps, false, 0.0, 5), 1e-5);
        let keras = keras(0.1, eps, 5);
        let off = (got[4][0] as f64 - keras[4][0]).abs();
        assert!(off > 1e-2, "Keras's placement gives {keras:?}, only {off} away");
        // Keras's rule is PyTorch's with ε/√(1 − β₂ᵗ) — the same number at t = 1.
        let scaled = pytorch(0.1, eps / (1.0f64 - 0.999).sqrt(), false, 0.0, 1);
        assert!((scaled[0][0] - keras[0][0]).abs() < 1e-12);
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
                opt.step(&[Param::trainable("theta", &theta)], &grads).unwrap();
                theta.to_vec()
            })
            .collect();
        let (want, plain) = (reference(true), reference(false));
        assert_trajectory(&got, &want, 1e-5);
        assert!((want[4][0] - plain[4][0]).abs() > 1e-2, "the problem must tell the variants apart");
    }
}
