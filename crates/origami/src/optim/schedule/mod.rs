//! Learning-rate schedules: η as a function of the step (or the epoch).
//!
//! A constant rate is a compromise: large enough to make progress early,
//! small enough to settle into a minimum late. A schedule starts large and
//! lowers η as training goes (power, exponential, piecewise constant, cosine
//! decay), warms up first to keep early large gradients from doing damage
//! (cosine with warm-up), or goes up and then down (1cycle, which also
//! moves the momentum the opposite way). Performance scheduling, which
//! lowers η when a monitored metric stops improving, depends on what
//! training observes rather than on the step, so it is a stateful object fed
//! once per epoch ([`ReduceLrOnPlateau`]) rather than a [`Schedule`].
//!
//! A schedule is only a function; [`Scheduled`] wraps an optimizer to set η
//! (and the momentum, where the schedule gives one) before every step, and
//! [`apply_schedule`] does it once, for a training loop that schedules by
//! epoch.

mod decay;
mod one_cycle;
mod plateau;

pub use decay::{Constant, CosineDecay, ExponentialDecay, PiecewiseConstant, PowerDecay};
pub use one_cycle::{OneCycle, OneCycleConfig};
pub use plateau::{PlateauConfig, PlateauMode, ReduceLrOnPlateau};

use super::{Optimizer, OptimizerState};
use crate::{Error, Grads, Result, Tensor};

/// η (and optionally a momentum coefficient) as a function of the step or epoch index.
pub trait Schedule: Send {
    /// The learning rate at `step` (counting from 0).
    fn lr(&self, step: usize) -> f32;
    /// The momentum at `step`, for schedules that drive it (1cycle); `None` leaves it alone.
    fn momentum(&self, _step: usize) -> Option<f32> {
        None
    }
}

impl<S: Schedule + ?Sized> Schedule for Box<S> {
    fn lr(&self, step: usize) -> f32 {
        (**self).lr(step)
    }
    fn momentum(&self, step: usize) -> Option<f32> {
        (**self).momentum(step)
    }
}

/// Sets `optimizer`'s learning rate (and momentum, where the schedule gives
/// one) to the schedule's values at `index` — a step or an epoch number.
pub fn apply_schedule(optimizer: &mut dyn Optimizer, schedule: &dyn Schedule, index: usize) {
    optimizer.set_learning_rate(schedule.lr(index));
    if let Some(m) = schedule.momentum(index) {
        optimizer.set_momentum(m);
    }
}

/// An optimizer whose learning rate (and momentum) follow a schedule.
///
/// Before step n (counting from 0 at the wrap, or from the step count of a
/// loaded state) it applies the schedule at n, or at n / `steps_per_epoch`
/// when scheduling by epoch.
///
/// ```
/// use origami::optim::{ExponentialDecay, Optimizer, Scheduled, Sgd};
/// let schedule = ExponentialDecay::new(0.1, 1000, 0.1)?;
/// let opt = Scheduled::new(Sgd::default(), schedule);
/// assert_eq!(opt.name(), "sgd");
/// # Ok::<(), origami::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Scheduled<O, S> {
    /// The optimizer that takes the steps.
    pub inner: O,
    /// Where η comes from.
    pub schedule: S,
    steps_per_epoch: usize,
    step: u64,
}

impl<O: Optimizer, S: Schedule> Scheduled<O, S> {
    /// `inner` with η from `schedule`, indexed by step.
    pub fn new(inner: O, schedule: S) -> Self {
        Scheduled { inner, schedule, steps_per_epoch: 1, step: 0 }
    }

    /// `inner` with η from `schedule`, indexed by epoch (`steps_per_epoch` steps each).
    pub fn per_epoch(inner: O, schedule: S, steps_per_epoch: usize) -> Result<Self> {
        if steps_per_epoch == 0 {
            return Err(Error::arg("Scheduled::per_epoch", "steps_per_epoch must be positive"));
        }
        Ok(Scheduled { inner, schedule, steps_per_epoch, step: 0 })
    }

    /// The index the schedule will be read at on the next step.
    pub fn position(&self) -> usize {
        (self.step / self.steps_per_epoch as u64) as usize
    }
}

impl<O: Optimizer, S: Schedule> Optimizer for Scheduled<O, S> {
    fn step(&mut self, params: &[Tensor], grads: &Grads) -> Result<()> {
        let (lr, momentum) = (self.inner.learning_rate(), self.inner.momentum());
        let index = self.position();
        apply_schedule(&mut self.inner, &self.schedule, index);
        if let Err(e) = self.inner.step(params, grads) {
            // Leave nothing changed on failure, as the trait promises.
            self.inner.set_learning_rate(lr);
            if let Some(m) = momentum {
                self.inner.set_momentum(m);
            }
            return Err(e);
        }
        self.step += 1;
        Ok(())
    }
    fn learning_rate(&self) -> f32 {
        self.inner.learning_rate()
    }
    /// Overridden by the schedule at the next step.
    fn set_learning_rate(&mut self, lr: f32) {
        self.inner.set_learning_rate(lr)
    }
    fn momentum(&self) -> Option<f32> {
        self.inner.momentum()
    }
    fn set_momentum(&mut self, momentum: f32) {
        self.inner.set_momentum(momentum)
    }
    fn state(&self) -> OptimizerState {
        let mut s = self.inner.state();
        s.step = self.step;
        s
    }
    fn load_state(&mut self, s: &OptimizerState) -> Result<()> {
        self.inner.load_state(s)?;
        self.step = s.step;
        Ok(())
    }
    fn name(&self) -> &'static str {
        self.inner.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Sgd, SgdConfig};

    #[test]
    fn scheduled_sets_the_rate_before_each_step() {
        let x = Tensor::zeros(&[1]).requires_grad();
        let schedule = PiecewiseConstant::new(vec![1], vec![1.0, 0.5]).unwrap();
        let mut opt = Scheduled::new(Sgd::new(SgdConfig::default()), schedule);
        let mut seen = Vec::new();
        for _ in 0..4 {
            let grads = x.sum_all().backward().unwrap();
            opt.step(std::slice::from_ref(&x), &grads).unwrap();
            seen.push(opt.learning_rate());
        }
        // Steps 0 and 1 (≤ boundary 1) at 1.0, then 0.5; the gradient is 1.
        assert_eq!(seen, vec![1.0, 1.0, 0.5, 0.5]);
        assert_eq!(x.to_vec(), vec![-3.0]);
        assert_eq!(opt.state().step, 4);
    }

    #[test]
    fn per_epoch_indexes_by_epoch() {
        let schedule = ExponentialDecay::new(1.0, 1, 0.5).unwrap();
        let mut opt = Scheduled::per_epoch(Sgd::default(), schedule, 3).unwrap();
        let x = Tensor::zeros(&[1]).requires_grad();
        let mut seen = Vec::new();
        for _ in 0..7 {
            let grads = x.sum_all().backward().unwrap();
            opt.step(std::slice::from_ref(&x), &grads).unwrap();
            seen.push(opt.learning_rate());
        }
        assert_eq!(seen, vec![1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]);
        assert!(Scheduled::per_epoch(Sgd::default(), Constant(0.1), 0).is_err());
    }

    #[test]
    fn one_cycle_drives_momentum() {
        let schedule = OneCycle::new(OneCycleConfig::new(100, 1.0)).unwrap();
        let mut opt = Sgd::new(SgdConfig { momentum: 0.9, ..Default::default() });
        apply_schedule(&mut opt, &schedule, 45);
        assert_eq!(opt.config.learning_rate, schedule.lr(45));
        assert_eq!(Some(opt.config.momentum), schedule.momentum(45));
    }
}
