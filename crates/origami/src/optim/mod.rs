//! Optimizers: how a gradient becomes a change of the parameters.
//!
//! Plain gradient descent, θ ← θ − η∇J(θ), is slow where the loss surface is
//! an elongated valley: the step is large across the valley and tiny along
//! it. The optimizers here fix that in the two classic ways — *momentum*
//! (remember past gradients: SGD with momentum, Nesterov) and *per-parameter
//! scaling* (divide by a running size of the gradient: AdaGrad, RMSProp) —
//! and Adam and its relatives (AdaMax, Nadam, AdamW) do both.
//!
//! Everything implements one [`Optimizer`] trait so that a training loop can
//! hold a `Box<dyn Optimizer>`. Parameters are identified by their *position*
//! in the slice passed to [`Optimizer::step`] (a model lists them in a fixed
//! order), not by tensor identity, so that a state saved from one process
//! can be loaded into a model rebuilt in another. Per-parameter buffers are
//! created lazily at the parameter's size, and a later step with a parameter
//! of another shape is an error rather than silent corruption.
//!
//! Around the optimizers: gradient [clipping](clip) (by value, by norm, by
//! global norm), learning-rate [schedules](schedule) (including 1cycle, which
//! also drives momentum) and a [learning-rate finder](lr_finder).
//!
//! ```
//! use origami::optim::{Adam, AdamConfig, Optimizer};
//! use origami::Tensor;
//! let w = Tensor::from_vec(vec![1.0, -2.0], &[2])?.requires_grad();
//! let mut opt = Adam::new(AdamConfig { learning_rate: 0.1, ..Default::default() });
//! for _ in 0..100 {
//!     let grads = w.square().sum_all().backward()?;
//!     opt.step(&[w.clone()], &grads)?;
//! }
//! assert!(w.to_vec().iter().all(|x| x.abs() < 0.1));
//! # Ok::<(), origami::Error>(())
//! ```

pub mod adagrad;
pub mod adam;
pub mod adamax;
pub mod clip;
pub mod lr_finder;
pub mod nadam;
pub mod rmsprop;
pub mod schedule;
pub mod sgd;
mod state;

use std::sync::Arc;

pub use adagrad::{AdaGrad, AdaGradConfig};
pub use adam::{Adam, AdamConfig, AdamW, AdamWConfig};
pub use adamax::{AdaMax, AdaMaxConfig};
pub use clip::{clip_by_global_norm, clip_by_norm, clip_by_value, Clip, Clipped};
pub use lr_finder::{lr_find, LrFinderConfig, LrFinderResult};
pub use nadam::{Nadam, NadamConfig};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::{
    apply_schedule, Constant, CosineDecay, ExponentialDecay, OneCycle, OneCycleConfig, PiecewiseConstant,
    PlateauConfig, PlateauMode, PowerDecay, ReduceLrOnPlateau, Schedule, Scheduled,
};
pub use sgd::{Sgd, SgdConfig};
pub use state::OptimizerState;

pub(crate) use state::Buffers;

use crate::{Error, Grads, Result, Tensor};

/// Updates parameters from their gradients.
///
/// `params` must list the same parameters in the same order at every step;
/// a parameter without an entry in `grads` is left alone (its state too).
pub trait Optimizer: Send {
    /// One update of every parameter in `params` that has a gradient.
    /// Nothing is changed when it returns an error.
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()>;
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
}

impl<O: Optimizer + ?Sized> Optimizer for Box<O> {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
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
}

// ----- helpers shared by the optimizers -----------------------------------

/// Runs an elementwise update over a parameter and its state buffers, split
/// into chunks across the thread pool when the parameter is large. Each
/// element's update is independent, so the split changes nothing but speed.
pub(crate) fn par_update4(
    theta: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    s: &mut [f32],
    extra: Option<&mut [f32]>,
    f: impl Fn(&mut [f32], &[f32], &mut [f32], &mut [f32], Option<&mut [f32]>) + Sync,
) {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 14;
    if !crate::parallel::should_split(theta.len(), 2 * CHUNK) {
        return f(theta, g, m, s, extra);
    }
    crate::parallel::pool().install(|| match extra {
        None => theta
            .par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK))
            .zip(s.par_chunks_mut(CHUNK))
            .for_each(|(((t, g), m), s)| f(t, g, m, s, None)),
        Some(e) => theta
            .par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK))
            .zip(s.par_chunks_mut(CHUNK))
            .zip(e.par_chunks_mut(CHUNK))
            .for_each(|((((t, g), m), s), e)| f(t, g, m, s, Some(e))),
    });
}

/// The parameters that have a gradient, as `(index, parameter, gradient)`,
/// after checking everything that could make a later update fail half-way.
pub(crate) fn with_grads<'a>(
    op: &'static str,
    params: &'a [Tensor],
    grads: &'a Grads,
) -> Result<Vec<(usize, &'a Tensor, &'a Tensor)>> {
    if let Some(i) = repeated(params) {
        return Err(Error::arg(op, format!("parameter {i} appears twice in the parameter list")));
    }
    let mut out = Vec::with_capacity(params.len());
    for (i, p) in params.iter().enumerate() {
        let Some(g) = grads.get(p) else { continue };
        if g.shape() != p.shape() {
            return Err(Error::shape(
                op,
                p.shape(),
                g.shape(),
                "a parameter and its gradient must have the same shape",
            ));
        }
        // Reading the gradient while writing the parameter would deadlock on
        // one storage; only a hand-built `Grads` could do this.
        if Arc::ptr_eq(&p.0.storage, &g.0.storage) {
            return Err(Error::arg(op, format!("parameter {i} shares its storage with its own gradient")));
        }
        out.push((i, p, g));
    }
    Ok(out)
}

/// The index of a parameter that appears earlier in the list too, if any.
/// Runs every step: a few comparisons for a small model, a sort for a big one.
fn repeated(params: &[Tensor]) -> Option<usize> {
    if params.len() <= 16 {
        return (1..params.len()).find(|&j| params[..j].iter().any(|p| p.id() == params[j].id()));
    }
    let mut ids: Vec<(crate::tensor::TensorId, usize)> = params.iter().enumerate().map(|(i, p)| (p.id(), i)).collect();
    ids.sort_unstable();
    ids.windows(2).find(|w| w[0].0 == w[1].0).map(|w| w[0].1.max(w[1].1))
}

/// A learning rate must be finite and non-negative.
pub(crate) fn check_lr(op: &'static str, lr: f32) -> Result<()> {
    if !(lr.is_finite() && lr >= 0.0) {
        return Err(Error::arg(op, format!("the learning rate must be finite and non-negative, got {lr}")));
    }
    Ok(())
}

/// A decay rate or momentum coefficient must lie in [0, 1).
pub(crate) fn check_unit(op: &'static str, name: &str, v: f32) -> Result<()> {
    if !(0.0..1.0).contains(&v) {
        return Err(Error::arg(op, format!("{name} must lie in [0, 1), got {v}")));
    }
    Ok(())
}

/// A coefficient that must be finite and non-negative (ε, weight decay, …).
pub(crate) fn check_nonneg(op: &'static str, name: &str, v: f32) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::arg(op, format!("{name} must be finite and non-negative, got {v}")));
    }
    Ok(())
}

/// β^t, computed in f64 so that the bias correction does not drift with t.
pub(crate) fn pow_t(beta: f32, t: u64) -> f64 {
    (beta as f64).powf(t as f64)
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small fixed problem for the optimizers' tests, and an f64 gradient
    //! of it for their independent reference computations.

    use super::Optimizer;
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
                opt.step(std::slice::from_ref(theta), &grads).unwrap();
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
