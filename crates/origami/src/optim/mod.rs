//! Optimizers: how a gradient becomes a change of the parameters.
//!
//! Plain gradient descent, θ ← θ − η∇J(θ), is slow where the loss surface is
//! an elongated valley: the step is large across the valley and tiny along
//! it. The optimizers here fix that in the two classic ways — *momentum*
//! (remember past gradients: SGD with momentum, Nesterov) and *per-parameter
//! scaling* (divide by a running size of the gradient: AdaGrad, RMSProp) —
//! and Adam and its relatives (AdaMax, Nadam, AdamW) do both; Lion keeps
//! only the sign of a momentum.
//!
//! An optimizer is its update rule and nothing else: a config type (its
//! hyperparameters, with Keras's names and defaults, serde and a JSON
//! schema) implementing [`Rule`] — a few lines of maths beside the formula.
//! One [`Driver`] runs every rule and owns what they would otherwise each
//! repeat: input checks, per-parameter state, the split of large tensors
//! across threads, save/restore ([`OptimizerState`]), and gradient
//! [clipping](clip) and a learning-rate [schedule](schedule) as options.
//! `Adam` is `Driver<AdamConfig>`, and so on. Adding an optimizer is one file
//! (config + rule + tests) and one line in the spec's registry
//! (`spec/optimizer.rs`), which puts it in configs, the CLI's reference and
//! the playground.
//!
//! Everything implements one [`Optimizer`] trait so that a training loop can
//! hold a `Box<dyn Optimizer>`. Parameters are identified by their *name*
//! ([`Param::name`](crate::nn::Param)), not by their position in the list
//! or by tensor identity: passing them in another order finds each one's
//! moments again, and a state saved from one process can be loaded into a
//! model rebuilt in another. Per-parameter buffers are created lazily at the
//! parameter's size, and a later step with a parameter of another shape is
//! an error rather than silent corruption.
//!
//! Around the optimizers: gradient [clipping](clip) (by value, by norm, by
//! global norm), learning-rate [schedules](schedule) (including 1cycle, which
//! also drives momentum) and a [learning-rate finder](lr_finder).
//!
//! ```
//! use origami::nn::Param;
//! use origami::optim::{Adam, AdamConfig, Optimizer};
//! use origami::Tensor;
//! let w = Tensor::from_vec(vec![1.0, -2.0], &[2])?.requires_grad();
//! let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, ..Default::default() });
//! for _ in 0..100 {
//!     let grads = w.square().sum_all().backward()?;
//!     opt.step(&[Param::trainable("w", &w)], &grads)?;
//! }
//! assert!(w.to_vec().iter().all(|x| x.abs() < 0.1));
//! # Ok::<(), origami::Error>(())
//! ```

pub mod adagrad;
pub mod adam;
pub mod adamax;
pub mod adamw;
pub mod clip;
pub mod driver;
pub mod lion;
pub mod lr_finder;
pub mod nadam;
pub mod rmsprop;
pub mod schedule;
pub mod sgd;
mod state;

pub use adagrad::{AdaGrad, AdaGradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamax::{AdaMax, AdaMaxConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use clip::{clip_by_global_norm, clip_by_norm, clip_by_value, Clip};
pub use driver::{Driver, Invalid, Rule};
pub use lion::{Lion, LionConfig};
pub use lr_finder::{lr_find, LrFinderConfig, LrFinderResult};
pub use nadam::{Nadam, NadamConfig};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::{
    apply_schedule, Constant, CosineDecay, ExponentialDecay, OneCycle, OneCycleConfig, PiecewiseConstant,
    PlateauConfig, PlateauMode, PowerDecay, ReduceLrOnPlateau, Schedule,
};
pub use sgd::{Sgd, SgdConfig};
pub use state::OptimizerState;

use crate::nn::Param;
use crate::{Error, Grads, Result};

/// Updates parameters from their gradients.
///
/// Parameters are keyed by name: the order of `params` may change between
/// steps, but a name must always denote a parameter of the same shape. A
/// parameter without an entry in `grads`, or not trainable, is left alone
/// (its state too). To step bare tensors, name them:
/// `opt.step(&[Param::trainable("w", &w)], &grads)`.
pub trait Optimizer: Send {
    /// One update of every trainable parameter in `params` that has a
    /// gradient. Nothing is changed when it returns an error.
    fn step(&mut self, params: &[Param], grads: &Grads) -> Result<()>;
    /// The current learning rate η.
    fn learning_rate(&self) -> f32;
    /// Sets η for the following steps (a schedule calls this every step).
    fn set_learning_rate(&mut self, lr: f32);
    /// The momentum-like coefficient that 1cycle varies — SGD's and RMSProp's
    /// momentum, the Adam family's β₁ — or `None` for an optimizer without one.
    fn momentum(&self) -> Option<f32> {
        None
    }
    /// Sets the coefficient reported by [`momentum`](Self::momentum); ignored
    /// by an optimizer without one.
    fn set_momentum(&mut self, _momentum: f32) {}
    /// Everything needed to continue exactly where this optimizer is.
    fn state(&self) -> OptimizerState;
    /// Replaces this optimizer's state (hyperparameters included) by `s`.
    fn load_state(&mut self, s: &OptimizerState) -> Result<()>;
    /// A short lowercase name ("adam"), also recorded in the state.
    fn name(&self) -> &'static str;
    /// Clips the gradients with `clip` before every step (`None`: no
    /// clipping). The [`Driver`] supports it; by default it is an error.
    fn set_clip(&mut self, _clip: Option<Clip>) -> Result<()> {
        Err(Error::arg(self.name(), "this optimizer has no clipping option"))
    }
    /// Follows `schedule` from the next step on, read at the step's index
    /// divided by `steps_per_epoch` (1: by step); `None` removes it. The
    /// [`Driver`] supports it; by default it is an error.
    fn set_schedule(&mut self, _schedule: Option<Box<dyn Schedule>>, _steps_per_epoch: usize) -> Result<()> {
        Err(Error::arg(self.name(), "this optimizer has no schedule option"))
    }
}

impl<O: Optimizer + ?Sized> Optimizer for Box<O> {
    fn step(&mut self, params: &[Param], grads: &Grads) -> Result<()> {
        (**self).step(params, grads)
    }
    fn learning_rate(&self) -> f32 {
        (**self).learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f32) {
        (**self).set_learning_rate(lr)
    }
    fn momentum(&self) -> Option<f32> {
        (**self).momentum()
    }
    fn set_momentum(&mut self, momentum: f32) {
        (**self).set_momentum(momentum)
    }
    fn state(&self) -> OptimizerState {
        (**self).state()
    }
    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        (**self).load_state(s)
    }
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn set_clip(&mut self, clip: Option<Clip>) -> Result<()> {
        (**self).set_clip(clip)
    }
    fn set_schedule(&mut self, schedule: Option<Box<dyn Schedule>>, steps_per_epoch: usize) -> Result<()> {
        (**self).set_schedule(schedule, steps_per_epoch)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small fixed problem for the optimizers' tests, and an f64 gradient
    //! of it for their independent reference computations.

    use super::Optimizer;
    use crate::nn::Param;
    use crate::Tensor;

    /// J(θ) = Σ ½cᵢθᵢ² + bᵢθᵢ: a quadratic with very different curvatures.
    pub const C: [f64; 3] = [1.0, 4.0, 0.25];
    pub const B: [f64; 3] = [0.5, -1.0, 0.0];
    pub const THETA0: [f64; 3] = [1.0, -2.0, 3.0];

    /// ∇J(θ) = cθ + b, in f64.
    pub fn grad(theta: &[f64]) -> Vec<f64> {
        theta.iter().zip(C).zip(B).map(|((t, c), b)| c * t + b).collect()
    }

    /// The parameter at θ₀, fresh.
    pub fn param() -> Tensor {
        Tensor::from_vec(THETA0.iter().map(|&x| x as f32).collect(), &[3]).unwrap().requires_grad()
    }

    /// J(θ) built from tensor operations, so that autograd supplies the gradient.
    pub fn loss(theta: &Tensor) -> Tensor {
        let c = Tensor::from_vec(C.iter().map(|&x| x as f32 * 0.5).collect(), &[3]).unwrap();
        let b = Tensor::from_vec(B.iter().map(|&x| x as f32).collect(), &[3]).unwrap();
        theta.square().mul(&c).unwrap().add(&theta.mul(&b).unwrap()).unwrap().sum_all()
    }

    /// θ after each of `steps` steps of `opt` on the quadratic, from `theta`.
    pub fn run_from(opt: &mut dyn Optimizer, theta: &Tensor, steps: usize) -> Vec<Vec<f32>> {
        (0..steps)
            .map(|_| {
                let grads = loss(theta).backward().unwrap();
                opt.step(&[Param::trainable("theta", theta)], &grads).unwrap();
                theta.to_vec()
            })
            .collect()
    }

    /// θ after each of `steps` steps of `opt` on the quadratic, from θ₀.
    pub fn run(opt: &mut dyn Optimizer, steps: usize) -> Vec<Vec<f32>> {
        run_from(opt, &param(), steps)
    }

    /// Every step's θ within `tol` (relative to max(1, |θ|)) of the f64 reference.
    #[track_caller]
    pub fn assert_trajectory(got: &[Vec<f32>], want: &[Vec<f64>], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (step, (g, w)) in got.iter().zip(want).enumerate() {
            for (k, (&g, &w)) in g.iter().zip(w).enumerate() {
                let err = (g as f64 - w).abs() / w.abs().max(1.0);
                assert!(err < tol, "step {} θ[{k}]: got {g}, expected {w} (error {err:e})", step + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests;
