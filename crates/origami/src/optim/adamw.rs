//! AdamW: Adam with decoupled weight decay.
//!
//! L2 regularisation adds λ‖θ‖²/2 to the loss, so Adam would divide its
//! gradient λθ by √ŝ like any other: heavily updated weights would be
//! decayed less. AdamW *decouples* the decay — it shrinks θ directly, beside
//! Adam's step — so that every weight decays at the same rate. With plain SGD
//! the two are the same; with Adam they are not (a test shows it).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::adam::{update_state, AdamConfig, Consts};
use super::driver::{check, knobs, Invalid, Rule};

/// AdamW (Loshchilov & Hutter 2019): Adam plus a decoupled weight decay.
///
/// Adam's steps 1–4 ([`AdamConfig`]), then
///
/// θ ← θ − η (m̂ ⊘ (√ŝ + ε) + λθ)
///
/// with λθ taken at the θ before the step, as PyTorch's `AdamW` (θ ← θ(1 − ηλ)
/// first) and Keras 3 (the base optimizer's decoupled decay, also applied
/// before the update) both do. The decay is not part of the gradient, so it
/// never enters m or s. The defaults are Keras's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AdamWConfig {
    /// η, the learning rate. Keras: 0.001.
    pub learning_rate: f32,
    /// λ, the decoupled weight decay (multiplied by η, as in Keras and PyTorch). Keras: 0.004.
    pub weight_decay: f32,
    /// β₁, the decay of the first moment (the momentum 1cycle varies). Keras: 0.9.
    pub beta_1: f32,
    /// β₂, the decay of the second moment. Keras: 0.999.
    pub beta_2: f32,
    /// ε, added to the bias-corrected root of the second moment (PyTorch's placement). Keras: 1e-7.
    pub epsilon: f32,
    /// Divide by the running maximum of the second moment (AMSGrad). Keras: false.
    pub amsgrad: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        let AdamConfig { learning_rate, beta_1, beta_2, epsilon, amsgrad } = AdamConfig::default();
        AdamWConfig { learning_rate, weight_decay: 0.004, beta_1, beta_2, epsilon, amsgrad }
    }
}

/// AdamW: [`AdamWConfig`]'s rule run by the [`Driver`](super::Driver).
pub type AdamW = super::Driver<AdamWConfig>;

impl AdamWConfig {
    /// The Adam part of the rule.
    pub fn adam(&self) -> AdamConfig {
        let AdamWConfig { learning_rate, beta_1, beta_2, epsilon, amsgrad, .. } = *self;
        AdamConfig { learning_rate, beta_1, beta_2, epsilon, amsgrad }
    }
}

impl Rule for AdamWConfig {
    const NAME: &'static str = "adamw";
    const FORMULA: &'static str = "Adam's m̂ and ŝ;  θ ← θ − η (m̂ ⊘ (√ŝ + ε) + λθ)";
    const SLOTS: &'static [&'static str] = AdamConfig::SLOTS;
    type Step = Consts;
    knobs!(beta_1);

    fn validate(&self) -> Result<(), Invalid> {
        self.adam().validate()?;
        check::nonneg("weight_decay", self.weight_decay)
    }
    fn uses(&self, slot: usize) -> bool {
        self.adam().uses(slot)
    }
    fn prepare(&self, t: u64) -> Consts {
        self.adam().consts(t, self.weight_decay)
    }
    fn update(c: &Consts, theta: &mut [f32], g: &[f32], state: &mut [&mut [f32]]) {
        update_state(c, theta, g, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Param;
    use crate::optim::adam::tests::pytorch;
    use crate::optim::testing::{assert_trajectory, param, run, run_from};
    use crate::optim::{Adam, Optimizer};

    #[test]
    fn adamw_matches_pytorchs_rule() {
        let mut opt = AdamW::new(AdamWConfig { learning_rate: 0.1, weight_decay: 0.5, ..Default::default() });
        assert_trajectory(&run(&mut opt, 5), &pytorch(0.1, 1e-7, false, 0.5, 5), 1e-5);
        let mut opt =
            AdamW::new(AdamWConfig { learning_rate: 0.1, weight_decay: 0.5, amsgrad: true, ..Default::default() });
        assert_trajectory(&run(&mut opt, 5), &pytorch(0.1, 1e-7, true, 0.5, 5), 1e-5);
    }

    #[test]
    fn without_decay_it_is_adam_bitwise() {
        let mut adamw = AdamW::new(AdamWConfig { learning_rate: 0.1, weight_decay: 0.0, ..Default::default() });
        let mut adam = Adam::new(AdamWConfig { learning_rate: 0.1, ..Default::default() }.adam());
        assert_eq!(run(&mut adamw, 5), run(&mut adam, 5));
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
            adam.step(&[Param::trainable("theta", &theta)], &loss.backward().unwrap()).unwrap();
        }
        let coupled = theta.to_vec();
        assert!(decoupled.iter().zip(&coupled).any(|(a, b)| (a - b).abs() > 1e-3), "{decoupled:?} vs {coupled:?}");
    }
}
